import LeapfrogData
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// The families written as others (`Lowering.density`): the GLM forms brms writes
/// (`neg_binomial_2_log_glm`, `binomial_logit_glm`, `categorical_logit_glm`) and
/// `multi_normal_prec`, each the same model as its rewriting written out (log densities up to a
/// constant, gradients, and finite differences: `expectEquivalent`).
@Suite struct GLMFamilyTests {
    static let data: DataSet = {
        var rng = TestRandom(seed: 17)
        let (n, k) = (9, 3)
        let x = (0..<n).map { _ in rng.vector(k, -1.5, 1.5) }
        let counts = (0..<n).map { _ in Int(rng.uniform(0, 7)) }
        let trials = counts.map { $0 + Int(rng.uniform(0, 4)) }
        let category = (0..<n).map { _ in 1 + Int(rng.uniform(0, 4)) }
        let points = (0..<n).map { _ in rng.vector(k, -2, 2) }
        return DataSet(["N": .integer(n), "K": .integer(k), "C": .integer(4), "X": .matrix(rows: x), "y": .integers(counts),
                        "T": .integers(trials), "cat": .integers(category), "z": .matrix(rows: points)], source: "test")
    }()

    static let declarations = """
    data { int N; int K; int C; matrix[N, K] X; array[N] int y; array[N] int T; array[N] int cat; array[N] vector[K] z; }
    """

    @Test func negativeBinomialGLM() throws {
        let head = Self.declarations + "parameters { real a; vector[K] b; real<lower=0> phi; }"
        let glm = head + "model { a ~ normal(0, 1); b ~ normal(0, 1); phi ~ lognormal(0, 1); y ~ neg_binomial_2_log_glm(X, a, b, phi); }"
        let out = head + "model { a ~ normal(0, 1); b ~ normal(0, 1); phi ~ lognormal(0, 1); y ~ neg_binomial_2_log(a + X * b, phi); }"
        expectEquivalent(try stanReference(glm, Self.data), try stanReference(out, Self.data))
    }

    @Test func binomialGLM() throws {
        let head = Self.declarations + "parameters { real a; vector[K] b; }"
        let glm = head + "model { a ~ normal(0, 1); b ~ normal(0, 1); y ~ binomial_logit_glm(T, X, a, b); }"
        let out = head + "model { a ~ normal(0, 1); b ~ normal(0, 1); y ~ binomial_logit(T, a + X * b); }"
        expectEquivalent(try stanReference(glm, Self.data), try stanReference(out, Self.data))
    }

    @Test func categoricalGLM() throws {
        let head = Self.declarations + "parameters { vector[C] a; matrix[K, C] B; }"
        let glm = head + "model { a ~ normal(0, 1); to_vector(B) ~ normal(0, 1); cat ~ categorical_logit_glm(X, a, B); "
            + "target += categorical_logit_glm_lpmf(cat[2] | X[2], a, B); }"
        let out = head + "model { a ~ normal(0, 1); to_vector(B) ~ normal(0, 1); for (n in 1:N) cat[n] ~ categorical_logit(a + (X[n] * B)'); "
            + "target += categorical_logit_lpmf(cat[2] | a + (X[2] * B)'); }"
        expectEquivalent(try stanReference(glm, Self.data), try stanReference(out, Self.data))
    }

    @Test func multiNormalPrecision() throws {
        let head = Self.declarations + "parameters { vector[K] mu; cov_matrix[K] Omega; }"
        let prec = head + "model { mu ~ normal(0, 1); Omega ~ wishart(K + 2, diag_matrix(rep_vector(1, K))); z ~ multi_normal_prec(mu, Omega); }"
        let out = head + "model { mu ~ normal(0, 1); Omega ~ wishart(K + 2, diag_matrix(rep_vector(1, K))); z ~ multi_normal(mu, inverse_spd(Omega)); }"
        expectEquivalent(try stanReference(prec, Self.data), try stanReference(out, Self.data), scale: 0.5)
    }

    /// Each GLM form's `_lpmf`/`_lpdf` in generated quantities, on the host (a random number sends
    /// the block there) and in the graph: its family's at the linear predictor written out.
    @Test(arguments: ["bernoulli_logit_glm_lpmf(b01 | X, 0.3, b)", "poisson_log_glm_lpmf(y | X, 0.3, b)",
                      "neg_binomial_2_log_glm_lpmf(y | X, 0.3, b, 2.5)", "normal_id_glm_lpdf(r | X, 0.3, b, 1.7)",
                      "binomial_logit_glm_lpmf(y | T, X, 0.3, b)"], [false, true])
    func generatedQuantitiesOnTheHostAndInTheGraph(_ call: String, onHost: Bool) throws {
        let written = call.replacingOccurrences(of: "_glm", with: "").replacingOccurrences(of: "normal_id", with: "normal")
            .replacingOccurrences(of: "X, 0.3, b", with: "0.3 + X * b")
        let source = Self.declarations + """
        transformed data { array[N] int b01; vector[N] r; for (n in 1:N) { b01[n] = y[n] > 2; r[n] = 0.1 * y[n]; } }
        parameters { real m; }
        transformed parameters { vector[K] b = [0.2, -0.4, 0.1]'; }
        model { m ~ normal(0, 1); }
        generated quantities {
          real glm = \(call);
          real out = \(written);
          \(onHost ? "real draw = normal_rng(0, 1);" : "")
        }
        """
        let model = try StanProgram.compile(source: source, path: "m.stan")
        #expect(model.generatedQuantitiesOnHost == onHost)
        var values: [String: Double] = [:]
        if onHost {
            for (k, v) in try HostGeneratedQuantitiesTests.generated(model, Self.data, ["m": [0.1], "b": [0.2, -0.4, 0.1]]) { values[k] = v.first }
        } else {
            let stan = try stanReference(source, Self.data)
            values = Dictionary(uniqueKeysWithValues: zip(stan.model.derivedElementNames, stan.derivedValues([0.1])))
        }
        let (glm, out) = (try #require(values["glm"]), try #require(values["out"]))
        #expect(glm.isFinite && abs(glm - out) <= 1e-12 * max(1, abs(out)), "\(call): \(glm) against \(written): \(out)")
    }

    @Test func errorsNameTheArguments() {
        #expect(compileError(Self.declarations + "parameters { real a; } model { y ~ neg_binomial_2_log_glm(X, a, a); }")
            .contains("neg_binomial_2_log_glm takes 4 arguments (x, alpha, beta, phi), got 3"))
        let fixed = "data { matrix[4, 3] X; array[4] int cat; array[4] vector[3] z; } "
        #expect(compileError(fixed + "parameters { vector[2] a; matrix[2, 2] B; } model { cat ~ categorical_logit_glm(X, a, B); }")
            .contains("size mismatch in categorical_logit_glm"))
        #expect(compileError(fixed + "parameters { vector[3] mu; matrix[3, 2] W; } model { z ~ multi_normal_prec(mu, W); }")
            .contains("multi_normal_prec needs a square precision matrix"))
    }
}
