import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// A log density stored per row of a vectorised loop (`log_lik[n] = normal_lpdf(y[n] | …)`, what
/// loo reads; `ll[t] = poisson_lpmf(D[t] | e)` in transformed parameters): each element is its
/// row's log density, not the loop's total in every element.
@Suite struct PerRowDensityTests {
    /// Each family's call on rows 1…N (`y[n]`, per-row and shared arguments), with Stan's names.
    static let calls: [(family: String, call: String)] = [
        ("normal", "normal_lpdf(y[n] | mu + x[n], sigma)"),
        ("std_normal", "std_normal_lpdf(y[n])"),
        ("cauchy", "cauchy_lpdf(y[n] | mu, sigma + x[n] * x[n])"),
        ("student_t", "student_t_lpdf(y[n] | nu, mu * x[n], sigma)"),
        ("exponential", "exponential_lpdf(p[n] | sigma + x[n] * x[n])"),
        ("gamma", "gamma_lpdf(p[n] | nu, sigma)"),
        ("inv_gamma", "inv_gamma_lpdf(p[n] | nu, sigma * (1 + x[n] * x[n]))"),
        ("lognormal", "lognormal_lpdf(p[n] | mu, sigma)"),
        ("beta", "beta_lpdf(q[n] | nu, sigma)"),
        ("bernoulli", "bernoulli_lpmf(k[n] | inv_logit(mu + x[n]))"),
        ("bernoulli_logit", "bernoulli_logit_lpmf(k[n] | mu * x[n])"),
        ("binomial", "binomial_lpmf(c[n] | trials[n], inv_logit(mu))"),
        ("binomial_logit", "binomial_logit_lpmf(c[n] | trials[n], mu + x[n])"),
        ("poisson", "poisson_lpmf(c[n] | sigma * (2 + x[n]))"),
        ("poisson_log", "poisson_log_lpmf(c[n] | mu + x[n])"),
        ("neg_binomial_2", "neg_binomial_2_lpmf(c[n] | sigma * (2 + x[n]), nu)"),
        ("weibull", "weibull_lpdf(p[n] | nu, sigma + x[n] * x[n])"),
        ("logistic", "logistic_lpdf(y[n] | mu * x[n], sigma)"),
    ]

    static let header = """
    data {
      int<lower=1> N; vector[N] x; vector[N] y; vector<lower=0>[N] p; vector<lower=0, upper=1>[N] q;
      array[N] int<lower=0, upper=1> k; array[N] int<lower=0> trials; array[N] int<lower=0> c;
    }
    parameters { real mu; real<lower=0> sigma; real<lower=0> nu; }
    """

    static let data = DataSet([
        "N": .integer(5), "x": .vector([-1.2, -0.3, 0.4, 0.9, 1.7]), "y": .vector([2.1, 3.4, 1.9, 2.8, -3.0]),
        "p": .vector([0.3, 1.2, 2.5, 0.05, 4.0]), "q": .vector([0.1, 0.35, 0.5, 0.8, 0.97]),
        "k": .integers([0, 1, 1, 0, 1]), "trials": .integers([3, 7, 1, 10, 4]), "c": .integers([2, 0, 1, 6, 4]),
    ], source: "test")

    /// The derived values of `source` at `u`, by element name.
    static func derived(_ source: String, at u: [Double]) throws -> [String: Double] {
        let stan = try stanReference(source, data)
        return Dictionary(uniqueKeysWithValues: zip(stan.model.derivedElementNames, stan.derivedValues(u)))
    }

    /// Each element against the same call on its row alone (a constant index: the graph's summing
    /// density of one element, a path of its own), and the elements' sum against the loop's
    /// total added to the target; in generated quantities, computed in the graph.
    @Test(arguments: calls)
    func eachElementIsItsRowsLogDensity(_ family: String, _ call: String) throws {
        let rows = (1...5).map { "  real at\($0) = \(call.replacingOccurrences("[n]", "[\($0)]"));" }.joined(separator: "\n")
        let source = Self.header + """
        model { mu ~ normal(0, 1); sigma ~ lognormal(0, 1); nu ~ gamma(2, 1); }
        generated quantities {
          vector[N] ll;
          for (n in 1:N) ll[n] = \(call);
        \(rows)
        }
        """
        let onHost = try StanProgram.compile(source: source, path: "m.stan").generatedQuantitiesOnHost
        #expect(!onHost, "\(family): the per-row values should be in the graph")
        for u in [[0.3, -0.2, 0.7], [-0.8, 0.4, 1.1]] {
            let d = try Self.derived(source, at: u)
            var rowValues: [Double] = []
            for n in 1...5 {
                let (element, alone) = (try #require(d["ll[\(n)]"]), try #require(d["at\(n)"]))
                #expect(element.isFinite && abs(element - alone) <= 1e-12 * max(1, abs(alone)), "\(family) row \(n): \(element) vs \(alone)")
                rowValues.append(alone)
            }
            // The rows differ: a total copied into every element would not.
            #expect(Set(rowValues).count > 1, "\(family): every row has the same log density")
        }
    }

    /// In transformed parameters the per-row values feed the target: `target += sum(ll)` is the
    /// model with the loop's terms added directly (the posterior the bug multiplied N-fold).
    @Test func perRowValuesInTransformedParametersGiveTheSamePosterior() throws {
        let perRow = Self.header + """
        transformed parameters {
          vector[N] ll;
          for (n in 1:N) ll[n] = poisson_lpmf(c[n] | sigma * (2 + x[n])) + normal_lpdf(y[n] | mu, nu + 1);
        }
        model { mu ~ normal(0, 1); sigma ~ lognormal(0, 1); nu ~ gamma(2, 1); target += sum(ll); }
        """
        let direct = Self.header + """
        model {
          mu ~ normal(0, 1); sigma ~ lognormal(0, 1); nu ~ gamma(2, 1);
          for (n in 1:N) { c[n] ~ poisson(sigma * (2 + x[n])); y[n] ~ normal(mu, nu + 1); }
        }
        """
        expectEquivalent(try stanReference(perRow, Self.data), try stanReference(direct, Self.data))
    }

    /// A local declared in the loop holds its row's value too, and a log density of a family
    /// without a per-row form is refused by name rather than summed into every element.
    @Test func localsHoldTheirRowAndOtherFamiliesAreRefused() throws {
        let local = Self.header + """
        model { mu ~ normal(0, 1); sigma ~ lognormal(0, 1); nu ~ gamma(2, 1); }
        generated quantities {
          vector[N] ll;
          for (n in 1:N) { real lp = normal_lpdf(y[n] | mu, sigma); ll[n] = 2 * lp; }
          real at4 = normal_lpdf(y[4] | mu, sigma);
        }
        """
        let d = try Self.derived(local, at: [0.3, -0.2, 0.7])
        #expect(abs(try #require(d["ll[4]"]) - 2 * (try #require(d["at4"]))) < 1e-12)
        let uniform = Self.header + """
        transformed parameters { vector[N] ll; for (n in 1:N) ll[n] = uniform_lpdf(y[n] | mu - 10, mu + 10); }
        model { target += sum(ll); }
        """
        #expect(compileError(uniform).contains("cannot assign ll[n] a log density of this family per row"))
    }

    /// `log_mix(theta, lps)` with a vector of weights: a vector of log densities per row, and an
    /// array of them (one per observation, summed), against log_sum_exp(log(theta) + lps).
    @Test func logMixOfAVectorOfWeights() throws {
        let data = DataSet(["N": .integer(5), "K": .integer(3), "y": .vector([-2.1, 0.3, 0.5, 3.9, 4.2])], source: "test")
        let head = "data { int N; int K; vector[N] y; }\nparameters { simplex[K] theta; ordered[K] mu; }\n"
        let written = try stanReference(head + """
            model { mu ~ normal(0, 5); for (n in 1:N) { vector[K] lps = log(theta); for (k in 1:K) lps[k] += normal_lpdf(y[n] | mu[k], 1); target += log_sum_exp(lps); } }
            """, data)
        for body in ["for (n in 1:N) { vector[K] lps; for (k in 1:K) lps[k] = normal_lpdf(y[n] | mu[k], 1); target += log_mix(theta, lps); }",
                     "array[N] vector[K] lps; for (n in 1:N) for (k in 1:K) lps[n, k] = normal_lpdf(y[n] | mu[k], 1); target += log_mix(theta, lps);"] {
            expectEquivalent(try stanReference(head + "model { mu ~ normal(0, 5); \(body) }", data), written)
        }
        #expect(compileError(head + "model { vector[2] w = [0.5, 0.5]'; vector[3] l = [1, 2, 3]'; target += log_mix(w, l); }")
            .contains("size mismatch in log_mix: vector[2] weights and vector[3] log densities"))
    }

    /// A whole data vector's log density per row, a discrete parameter summed out over its
    /// values: posteriordb's Survey, p(θ | k) ∝ Σₙ (1/n_max) Πⱼ Binomial(kⱼ | n, θ) over n ≥ max(k),
    /// written out here (log densities at several θ, up to a constant, and the gradient).
    @Test func aWholeOutcomePerRowIsPosteriorDBsSurvey() throws {
        let data = try StanJSON.load(path: RepositoryData.path("posteriordb/Survey_data.json"))
        let (graph, prepared) = try StanProgram.load(path: RepositoryData.path("posteriordb/stan/Survey_model.stan")).instantiate(data: data)
        let stan = try ReferenceModel(graph: graph, data: prepared)
        let k = data.variables["k"]!.values, nmax = Int(data.variables["nmax"]!.values[0])
        func lp(_ u: Double) -> Double {
            let theta = 1 / (1 + exp(-u))
            func logBinomial(_ kj: Double, _ n: Double) -> Double {
                let coefficient: Double = lgamma(n + 1) - lgamma(kj + 1) - lgamma(n - kj + 1)
                return coefficient + kj * log(theta) + (n - kj) * log1p(-theta)
            }
            var terms: [Double] = []
            for n in Int(k.max()!)...nmax {
                let sum: Double = k.map { logBinomial($0, Double(n)) }.reduce(0, +)
                terms.append(sum - log(Double(nmax)))
            }
            let top = terms.max()!
            let total: Double = terms.map { exp($0 - top) }.reduce(0, +)
            return top + log(total) + log(theta * (1 - theta))
        }
        for u in [-1.5, -0.3, 0.8] {
            #expect(abs((stan.logDensity([u]) - stan.logDensity([0])) - (lp(u) - lp(0))) < 1e-9)
            #expect(GradientCheck.worstRelativeError(stan, at: [u]) < GradientCheck.tolerance)
        }
    }

    /// A log density per row whose outcome and arguments are vectors: a row of a data matrix
    /// given a row of a parameter matrix (each element Normal), and a data vector given a vector
    /// per row filled by an inner loop, its family's formula (`neg_binomial_2`) too: each row's
    /// sum over its elements, written out.
    @Test func vectorsPerRowAreSummedAlongTheRow() throws {
        let program = """
        data { int N; int K; matrix[N, K] Z; array[K] int c; }
        parameters { matrix[N, K] m; real<lower=0> s; }
        transformed parameters {
          vector[N] ll;
          vector[N] counts;
          for (n in 1:N) ll[n] = normal_lpdf(Z[n] | m[n], s);
          for (n in 1:N) {
            vector[K] rate;
            for (k in 1:K) rate[k] = exp(m[n, k]);
            counts[n] = neg_binomial_2_lpmf(c | rate, s + 1);
          }
        }
        model { target += sum(ll) + sum(counts); }
        """
        let z = [[0.5, -1.0, 0.2], [1.5, 0.3, -0.7]], c = [0, 3, 1]
        let data = DataSet(["N": .integer(2), "K": .integer(3), "Z": .matrix(rows: z), "c": .integers(c)], source: "rows.json")
        let model = try stanReference(program, data)
        var rng = TestRandom(seed: 14)
        for _ in 0..<3 {
            let u = rng.vector(model.dimension, -1, 1)
            let s = exp(u[6])
            // m is the first six coordinates, row by row; then log s.
            let d = model.derivedValues(u)
            let mValues = (0..<2).map { n in (0..<3).map { k in u[n * 3 + k] } }
            for n in 0..<2 {
                var normal = 0.0, negBinomial = 0.0
                for k in 0..<3 {
                    let x = (z[n][k] - mValues[n][k]) / s
                    normal += -0.5 * x * x - log(s) - 0.5 * log(2 * Double.pi)
                    let (mu, phi, y) = (exp(mValues[n][k]), s + 1, Double(c[k]))
                    let choose: Double = lgamma(y + phi) - lgamma(y + 1) - lgamma(phi)
                    negBinomial += choose + y * log(mu / (mu + phi)) + phi * log(phi / (mu + phi))
                }
                #expect(abs(d[n] - normal) < 1e-10 * max(1, abs(normal)), "ll[\(n + 1)] = \(d[n]) vs \(normal)")
                #expect(abs(d[2 + n] - negBinomial) < 1e-10 * max(1, abs(negBinomial)), "counts[\(n + 1)] = \(d[2 + n]) vs \(negBinomial)")
            }
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
        }
    }
}
