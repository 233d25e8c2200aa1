import LeapfrogData
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Vectorised densities over rows lowered as the loops they equal (`Lowering+RowTerms`): their
/// terms are plates over the rows (what a device kernel streams), their log densities and
/// gradients those of the loop written out; what is not elementwise by construction stays whole.
struct RowTermTests {
    static let data: DataSet = {
        var d = regressionData(n: 9, d: 3, seed: 41)
        var rng = TestRandom(seed: 42)
        d["x"] = .vector(rng.vector(9, -1, 1))
        d["g"] = .integers([1, 2, 3, 1, 2, 3, 3, 2, 1])
        d["k"] = .integers([0, 1, 1, 0, 1, 0, 0, 1, 1])
        d["G"] = .integer(3)
        return d
    }()

    static let header = """
    data { int N; int D; matrix[N, D] X; vector[N] y; vector[N] x; int G; array[N] int g; array[N] int k; }
    parameters { real a; real<lower=0> s; vector[D] beta; vector[G] alpha; vector[N] theta; }

    """

    /// Each vectorised form against its loop: a linear predictor with a matrix's rows, a gather
    /// by a multi-index, elementwise functions, `_lpmf` under `target +=`, a parameter outcome, a
    /// log complementary distribution function (censored values).
    @Test(arguments: [
        ("y ~ normal(a + X * beta, s);", "for (n in 1:N) y[n] ~ normal(a + X[n] * beta, s);"),
        ("target += bernoulli_logit_lpmf(k | alpha[g] - x * a);", "for (n in 1:N) target += bernoulli_logit_lpmf(k[n] | alpha[g[n]] - x[n] * a);"),
        ("y ~ student_t(4, exp(x) .* theta, s);", "for (n in 1:N) y[n] ~ student_t(4, exp(x[n]) * theta[n], s);"),
        ("theta ~ normal(-alpha[g], inv_logit(x) + s);", "for (n in 1:N) theta[n] ~ normal(-alpha[g[n]], inv_logit(x[n]) + s);"),
        ("target += student_t_lccdf(y | 3, a, s);", "for (n in 1:N) target += student_t_lccdf(y[n] | 3, a, s);"),
    ])
    func vectorisedDensitiesAreTheirLoops(_ forms: (String, String)) throws {
        let priors = "a ~ normal(0, 1); s ~ lognormal(0, 1); beta ~ normal(0, 1); alpha ~ normal(0, 1);"
        let vectorised = try StanProgram.compile(source: Self.header + "model { \(priors) \(forms.0) }", path: "v.stan")
        #expect(vectorised.graph.terms.last?.plate == .symbol("N"), "\(forms.0): \(vectorised.graph.terms.map(\.plate))")
        expectEquivalent(try stanReference(Self.header + "model { \(priors) \(forms.0) }", Self.data),
                         try stanReference(Self.header + "model { \(priors) \(forms.1) }", Self.data))
    }

    /// What is not elementwise by construction — a running sum, a matrix product on the right,
    /// a slice — stays one whole term, with the same log density as before.
    @Test(arguments: ["y ~ normal(cumulative_sum(x) * a, s);", "y[2:N] ~ normal(y[1:(N - 1)] * a, s);",
                      "beta ~ normal(X' * x, s);"])
    func whatIsNotElementwiseStaysWhole(_ statement: String) throws {
        let model = try StanProgram.compile(source: Self.header + "model { \(statement) }", path: "w.stan")
        #expect(model.graph.terms.allSatisfy { $0.plate == nil }, "\(statement): \(model.graph.terms.map(\.plate))")
        let reference = try stanReference(Self.header + "model { \(statement) }", Self.data)
        var rng = TestRandom(seed: 3)
        #expect(reference.logDensity(rng.vector(reference.dimension, -1, 1)).isFinite)
    }
}
