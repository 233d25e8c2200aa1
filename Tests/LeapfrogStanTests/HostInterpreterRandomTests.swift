import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogRandom
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Stan's `_rng` functions in generated quantities (`HostInterpreter+Random`): their draws have
/// the distributions' moments within Monte-Carlo error (means within 5 standard errors, variances
/// within 5 standard errors of the sample variance, from the sample's fourth moment), they are a function of (seed, chain, draw)
/// only, and bad arguments stop with the call's line.
@Suite struct HostInterpreterRandomTests {
    static func model(_ source: String) throws -> StanModel {
        let model = try StanProgram.compile(source: source, path: "m.stan")
        #expect(model.generatedQuantitiesOnHost)
        return model
    }

    static func expectMoments(_ xs: [Double], mean mu: Double, variance v: Double, _ what: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        let problem = SampleMoments(xs).disagreement(mean: mu, variance: v)
        #expect(problem == nil, "\(what): \(problem ?? "")", sourceLocation: sourceLocation)
    }

    /// Stan's vectorised forms (a vector argument gives an array of draws), at μ = 0.5, σ = 2,
    /// N = 20 000 draws each.
    @Test func vectorisedDrawsHaveTheirDistributionsMoments() throws {
        let model = try Self.model("""
            data { int N; }
            parameters { real mu; real<lower=0> sigma; }
            model { mu ~ normal(0, 1); sigma ~ exponential(1); }
            generated quantities {
              array[N] real y = normal_rng(rep_vector(mu, N), sigma);
              array[N] int k = poisson_log_rng(rep_vector(mu, N));
              array[N] int b = bernoulli_logit_rng(rep_vector(mu, N));
              array[N] int c = binomial_rng(rep_array(10, N), 0.3);
              array[N] real g = gamma_rng(rep_vector(2.5, N), 2);
              array[N] real t = student_t_rng(5, rep_vector(mu, N), sigma);
              array[N] real u = uniform_rng(rep_vector(-1, N), 3);
              array[N] real e = exponential_rng(rep_vector(2, N));
              array[N] real be = beta_rng(rep_vector(2, N), 5);
              array[N] real ln = lognormal_rng(rep_vector(0, N), 0.5);
              array[N] real ig = inv_gamma_rng(rep_vector(4, N), 3);
              array[N] int nb = neg_binomial_2_rng(rep_vector(4, N), 2);
            }
            """)
        let n = 20_000
        let g = try HostGeneratedQuantitiesTests.generated(model, DataSet(["N": .integer(n)], source: "test"), ["mu": [0.5], "sigma": [2]])
        for (name, values) in g { #expect(values.count == n, "\(name)") }
        let p = 1 / (1 + exp(-0.5))
        Self.expectMoments(g["y"]!, mean: 0.5, variance: 4, "normal_rng(0.5, 2)")
        Self.expectMoments(g["k"]!, mean: exp(0.5), variance: exp(0.5), "poisson_log_rng(0.5)")
        Self.expectMoments(g["b"]!, mean: p, variance: p * (1 - p), "bernoulli_logit_rng(0.5)")
        Self.expectMoments(g["c"]!, mean: 3, variance: 2.1, "binomial_rng(10, 0.3)")
        Self.expectMoments(g["g"]!, mean: 1.25, variance: 0.625, "gamma_rng(2.5, 2)")
        Self.expectMoments(g["t"]!, mean: 0.5, variance: 4 * 5.0 / 3.0, "student_t_rng(5, 0.5, 2)")
        Self.expectMoments(g["u"]!, mean: 1, variance: 16.0 / 12.0, "uniform_rng(-1, 3)")
        Self.expectMoments(g["e"]!, mean: 0.5, variance: 0.25, "exponential_rng(2)")
        Self.expectMoments(g["be"]!, mean: 2.0 / 7.0, variance: 10.0 / (49.0 * 8.0), "beta_rng(2, 5)")
        Self.expectMoments(g["ln"]!, mean: exp(0.125), variance: (exp(0.25) - 1) * exp(0.25), "lognormal_rng(0, 0.5)")
        // inv_gamma(α, β): mean β/(α − 1), variance β²/((α − 1)²(α − 2)).
        Self.expectMoments(g["ig"]!, mean: 1, variance: 0.5, "inv_gamma_rng(4, 3)")
        // neg_binomial_2(μ, φ): mean μ, variance μ + μ²/φ.
        Self.expectMoments(g["nb"]!, mean: 4, variance: 12, "neg_binomial_2_rng(4, 2)")
        #expect(g["k"]!.allSatisfy { $0 >= 0 && $0 == $0.rounded() })
    }

    /// multi_normal_rng's draws have covariance Σ; multi_normal_cholesky_rng with Σ's factor the
    /// same; dirichlet_rng's mean α/Σα; categorical_logit_rng's frequencies softmax(β);
    /// multinomial_rng's counts sum to N with mean Nθ.
    @Test func multivariateDraws() throws {
        let model = try Self.model("""
            data { int N; vector[2] m; matrix[2, 2] Sigma; matrix[2, 2] L; vector[3] alpha; vector[3] beta; vector[3] theta; }
            parameters { real mu; }
            model { mu ~ normal(0, 1); }
            generated quantities {
              array[N] vector[2] x;
              array[N] vector[2] w;
              array[N] vector[3] d;
              array[N] int cat;
              array[N, 3] int counts;
              for (n in 1:N) {
                x[n] = multi_normal_rng(m, Sigma);
                w[n] = multi_normal_cholesky_rng(m, L);
                d[n] = dirichlet_rng(alpha);
                cat[n] = categorical_logit_rng(beta);
                counts[n] = multinomial_rng(theta, 10);
              }
            }
            """)
        let n = 20_000
        // Σ = LLᵀ with L = [[2, 0], [0.5, 1]]: Σ = [[4, 1], [1, 1.25]].
        let data = DataSet(["N": .integer(n), "m": .vector([1, -1]), "Sigma": .matrix(rows: [[4, 1], [1, 1.25]]),
                            "L": .matrix(rows: [[2, 0], [0.5, 1]]), "alpha": .vector([1, 2, 3]),
                            "beta": .vector([0, log(2), log(3)]), "theta": .vector([0.2, 0.3, 0.5])], source: "test")
        let g = try HostGeneratedQuantitiesTests.generated(model, data, ["mu": [0]])
        for name in ["x", "w"] {
            let v = g[name]!
            let a = stride(from: 0, to: 2 * n, by: 2).map { v[$0] }, b = stride(from: 1, to: 2 * n, by: 2).map { v[$0] }
            Self.expectMoments(a, mean: 1, variance: 4, "\(name)[, 1]")
            Self.expectMoments(b, mean: -1, variance: 1.25, "\(name)[, 2]")
            // a + b has variance 4 + 1.25 + 2·1: the covariance enters.
            Self.expectMoments(zip(a, b).map(+), mean: 0, variance: 7.25, "\(name)[, 1] + \(name)[, 2]")
        }
        // Dirichlet(1, 2, 3): mean αₖ/6, variance αₖ(6 − αₖ)/(6²·7).
        for k in 0..<3 {
            let alpha = Double(k + 1)
            Self.expectMoments(stride(from: k, to: 3 * n, by: 3).map { g["d"]![$0] }, mean: alpha / 6,
                               variance: alpha * (6 - alpha) / 252, "dirichlet[\(k + 1)]")
        }
        // softmax(0, log 2, log 3) = (1, 2, 3)/6.
        for k in 1...3 {
            let p = Double(k) / 6
            Self.expectMoments(g["cat"]!.map { $0 == Double(k) ? 1 : 0 }, mean: p, variance: p * (1 - p), "categorical = \(k)")
        }
        let counts = g["counts"]!
        for r in 0..<n { #expect(counts[(3 * r)..<(3 * r + 3)].reduce(0, +) == 10) }
        for (k, p) in [0.2, 0.3, 0.5].enumerated() {
            Self.expectMoments(stride(from: k, to: 3 * n, by: 3).map { counts[$0] }, mean: 10 * p, variance: 10 * p * (1 - p), "multinomial[\(k + 1)]")
        }
    }

    /// The skewed and heavy-tailed families' draws have their closed-form moments: skew normal
    /// (δ = α/√(1 + α²): mean ξ + ωδ√(2/π), variance ω²(1 − 2δ²/π)), exponentially modified normal,
    /// beta_proportion, log-logistic (b = π/β: mean αb/sin b, variance α²(2b/sin 2b − b²/sin² b)),
    /// skew double exponential (P(Y < μ) = τ, exponential sides), the multivariate Student t
    /// (covariance ν/(ν − 2)·Σ), Wishart (mean νS, Var W₁₁ = 2νS₁₁²) and inverse Wishart (mean
    /// S/(ν − D − 1), Var X₁₁ = 2S₁₁²/((ν − D − 1)²(ν − D − 3))).
    @Test func skewedAndMatrixDrawsHaveTheirMoments() throws {
        let model = try Self.model("""
            data { int N; vector[2] m; matrix[2, 2] S; }
            parameters { real mu; }
            model { mu ~ normal(0, 1); }
            generated quantities {
              array[N] real sn = skew_normal_rng(rep_vector(0.5, N), 2, -3);
              array[N] real emn = exp_mod_normal_rng(rep_vector(0.5, N), 2, 1.5);
              array[N] real bp = beta_proportion_rng(rep_vector(0.3, N), 8);
              array[N] real ll = loglogistic_rng(rep_vector(2, N), 5);
              array[N] real sde = skew_double_exponential_rng(rep_vector(0.5, N), 2, 0.3);
              array[N] vector[2] t;
              array[N] matrix[2, 2] w;
              array[N] matrix[2, 2] iw;
              for (n in 1:N) {
                t[n] = multi_student_t_rng(5, m, S);
                w[n] = wishart_rng(6, S);
                iw[n] = inv_wishart_rng(7, S);
              }
            }
            """)
        let n = 20_000
        let g = try HostGeneratedQuantitiesTests.generated(model, DataSet(["N": .integer(n), "m": .vector([1, -1]),
                                                                            "S": .matrix(rows: [[2, 0.5], [0.5, 1]])], source: "test"), ["mu": [0]])
        let delta = -3 / 10.0.squareRoot()
        let skewMean: Double = 0.5 + 2 * delta * (2 / Double.pi).squareRoot()
        let skewVariance: Double = 4 * (1 - 2 * delta * delta / Double.pi)
        Self.expectMoments(g["sn"]!, mean: skewMean, variance: skewVariance, "skew_normal_rng")
        Self.expectMoments(g["emn"]!, mean: 0.5 + 1 / 1.5, variance: 4 + 1 / 2.25, "exp_mod_normal_rng")
        Self.expectMoments(g["bp"]!, mean: 0.3, variance: 0.21 / 9, "beta_proportion_rng")
        let b = Double.pi / 5
        let sinB: Double = sin(b)
        let logLogisticVariance: Double = 4 * (2 * b / sin(2 * b) - b * b / (sinB * sinB))
        Self.expectMoments(g["ll"]!, mean: 2 * b / sinB, variance: logLogisticVariance, "loglogistic_rng")
        let (tau, sigma) = (0.3, 2.0)
        let shift = sigma * (1 - 2 * tau) / (2 * tau * (1 - tau))
        let sides: Double = (1 - tau) / (tau * tau) + tau / ((1 - tau) * (1 - tau))
        let second: Double = sigma * sigma / 2 * sides
        Self.expectMoments(g["sde"]!, mean: 0.5 + shift, variance: second - shift * shift, "skew_double_exponential_rng")
        let t = g["t"]!
        Self.expectMoments(stride(from: 0, to: 2 * n, by: 2).map { t[$0] }, mean: 1, variance: 5.0 / 3 * 2, "multi_student_t_rng[1]")
        Self.expectMoments(stride(from: 1, to: 2 * n, by: 2).map { t[$0] }, mean: -1, variance: 5.0 / 3, "multi_student_t_rng[2]")
        // Elements (1, 1) and (1, 2) of each 2×2 draw, row by row.
        let (w, iw) = (g["w"]!, g["iw"]!)
        Self.expectMoments(stride(from: 0, to: 4 * n, by: 4).map { w[$0] }, mean: 12, variance: 48, "wishart_rng[1, 1]")
        Self.expectMoments(stride(from: 1, to: 4 * n, by: 4).map { w[$0] }, mean: 3, variance: 6 * (0.25 + 2), "wishart_rng[1, 2]")
        let symmetric = stride(from: 0, to: 4 * n, by: 4).allSatisfy { (k: Int) -> Bool in w[k + 1] == w[k + 2] && abs(iw[k + 1] - iw[k + 2]) < 1e-12 }
        #expect(symmetric, "symmetric draws")
        Self.expectMoments(stride(from: 0, to: 4 * n, by: 4).map { iw[$0] }, mean: 0.5, variance: 0.25, "inv_wishart_rng[1, 1]")
    }

    /// Every `_rng` call of a draw reads the stream (seed, global chain, retained draw,
    /// `.generatedQuantities`) in order: y[n] = μ + σ·zₙ with zₙ the stream's n-th normal; the
    /// same key gives the same draws, another chain, draw or seed others.
    @Test func drawsAreAFunctionOfSeedChainAndDraw() throws {
        let model = try Self.model("""
            data { int N; }
            parameters { real mu; }
            model { mu ~ normal(0, 1); }
            generated quantities { array[N] real y; for (n in 1:N) y[n] = normal_rng(mu, 3); }
            """)
        let data = DataSet(["N": .integer(6)], source: "test")
        func y(_ key: DrawKey) throws -> [Double] {
            try HostGeneratedQuantitiesTests.generated(model, data, ["mu": [1.5]], key: key)["y"]!
        }
        let key = DrawKey(seed: 42, chain: 3, draw: 17)
        var stream = PhiloxStream(random: PhiloxRandom(seed: 42), chain: 3, iteration: 17, purpose: .generatedQuantities)
        let expected = (0..<6).map { _ in 1.5 + 3 * stream.normal() }
        #expect(try y(key) == expected)
        #expect(try y(key) == y(key))
        #expect(try y(DrawKey(seed: 42, chain: 4, draw: 17)) != y(key))
        #expect(try y(DrawKey(seed: 42, chain: 3, draw: 18)) != y(key))
        #expect(try y(DrawKey(seed: 43, chain: 3, draw: 17)) != y(key))
    }

    /// A bad argument stops with the call's file:line:column, the argument and what it must be
    /// (where Stan's `_rng` throws).
    @Test func badArgumentsNameTheCall() throws {
        func message(_ call: String, _ type: String = "real") throws -> String {
            let model = try Self.model("""
                data { real s; vector[3] v; vector[2] w; matrix[3, 3] M; }
                parameters { real mu; }
                model { mu ~ normal(0, 1); }
                generated quantities {
                  \(type) y = \(call);
                }
                """)
            let data = DataSet(["s": .scalar(-1), "v": .vector([1, -2, 3]), "w": .vector([1, 2]),
                                "M": .matrix(rows: [[1, 2, 0], [2, 1, 0], [0, 0, 1]])], source: "test")
            return errorMessage { _ = try HostGeneratedQuantitiesTests.generated(model, data, ["mu": [0]]) }
        }
        #expect(try message("normal_rng(mu, s)").hasPrefix("m.stan:5:12: error: normal_rng: the scale (argument 2) is -1, but must be positive and finite"))
        #expect(try message("poisson_rng(v)", "array[3] int").hasPrefix("m.stan:5:20: error: poisson_rng: the rate (argument 1) is -2 (element 2), but must be non-negative"))
        #expect(try message("bernoulli_rng(1.5)", "int").contains("bernoulli_rng: the probability (argument 1) is 1.5, but must be in [0, 1]"))
        #expect(try message("binomial_rng(2.5, 0.5)", "int").contains("binomial_rng: the number of trials (argument 1) is 2.5, but must be a non-negative integer"))
        #expect(try message("uniform_rng(1, 0)").contains("uniform_rng: the upper bound 0 is not above the lower bound 1"))
        #expect(try message("categorical_rng(v)", "int").contains("categorical_rng: the probabilities (argument 1) are not a simplex: element 2 is -2"))
        #expect(try message("normal_rng(v, w)", "array[3] real").contains("normal_rng: argument 2 (scale) has 2 elements, but another has 3"))
        #expect(try message("multi_normal_rng(v, M)", "vector[3]").contains("multi_normal_rng: the covariance (argument 2) is not positive definite"))
    }
}
