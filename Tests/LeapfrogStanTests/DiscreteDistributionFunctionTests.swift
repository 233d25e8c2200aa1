import Foundation
import LeapfrogData
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// The count families' distribution functions at constant counts
/// (`FormulaDensities.discreteLogCDF`; the Poisson families' at any count, through the incomplete
/// gamma function) and their truncation `T[L, U]` with constant bounds: sums
/// of the probabilities written out here with exp and pow, in the graph and on the host; the
/// User's Guide's hurdle model and a zero-truncated Poisson against their densities.
@Suite struct DiscreteDistributionFunctionTests {
    /// P(Y = j) written out: e^(−λ) λʲ / j!, the negative binomials' Γ(j + φ)/(Γ(φ) j!) ·
    /// (φ/(μ + φ))^φ (μ/(μ + φ))ʲ, the binomial's C(N, j) θʲ (1 − θ)^(N−j).
    static func probability(_ family: String, _ j: Int, _ a: [Double]) -> Double {
        let y = Double(j)
        switch family {
        case "poisson": return exp(-a[0]) * pow(a[0], y) / tgamma(y + 1)
        case "poisson_log": return probability("poisson", j, [exp(a[0])])
        case "neg_binomial_2":
            let (mu, phi) = (a[0], a[1])
            return tgamma(y + phi) / (tgamma(phi) * tgamma(y + 1)) * pow(phi / (mu + phi), phi) * pow(mu / (mu + phi), y)
        case "neg_binomial_2_log": return probability("neg_binomial_2", j, [exp(a[0]), a[1]])
        case "binomial": return tgamma(a[0] + 1) / (tgamma(y + 1) * tgamma(a[0] - y + 1)) * pow(a[1], y) * pow(1 - a[1], a[0] - y)
        case "binomial_logit": return probability("binomial", j, [a[0], 1 / (1 + exp(-a[1]))])
        default:  // neg_binomial(α, β): mean α/β, φ = α
            return probability("neg_binomial_2", j, [a[0] / a[1], a[0]])
        }
    }

    static let cases: [(String, Int, [Double])] = [
        ("poisson", 0, [1.7]), ("poisson", 3, [1.7]), ("poisson_log", 2, [0.4]), ("neg_binomial_2", 4, [2.5, 1.3]),
        ("neg_binomial_2_log", 1, [0.2, 3.0]), ("neg_binomial", 3, [2.0, 0.8]), ("neg_binomial_2", 40, [6.0, 2.5]),
        ("binomial", 3, [7, 0.4]), ("binomial", 0, [12, 0.85]), ("binomial_logit", 5, [9, -0.3]),
    ]

    /// `_lcdf`, `_lccdf` and `_cdf` in the graph and on the host equal the sums of the
    /// probabilities of 0 … k.
    @Test(arguments: cases.indices, [false, true])
    func distributionFunctionsAreSumsOfProbabilities(_ c: Int, onHost: Bool) throws {
        let (family, k, args) = Self.cases[c]
        let list = "\(k) | " + args.indices.map { "a\($0 + 1)" }.joined(separator: ", ")
        let source = """
        data { \(args.indices.map { "\(family.hasPrefix("binomial") && $0 == 0 ? "int" : "real") a\($0 + 1);" }.joined(separator: " ")) }
        parameters { real z; }
        model { z ~ normal(0, 1); }
        generated quantities {
          real l = \(family)_lcdf(\(list));
          real c = \(family)_lccdf(\(list));
          real f = \(family)_cdf(\(list));
          \(onHost ? "real r = normal_rng(0, 1);" : "")
        }
        """
        var values: [String: DataArray] = [:]
        for (i, a) in args.enumerated() { values["a\(i + 1)"] = family.hasPrefix("binomial") && i == 0 ? .integer(Int(a)) : .scalar(a) }
        let data = DataSet(values, source: "test")
        let model = try StanProgram.compile(source: source, path: "m.stan")
        #expect(model.generatedQuantitiesOnHost == onHost)
        let got: [String: Double]
        if onHost {
            got = try HostGeneratedQuantitiesTests.generated(model, data, ["z": [0]]).mapValues { $0[0] }
        } else {
            let derived = try stanReference(source, data).derivedValues([0])
            got = ["l": derived[0], "c": derived[1], "f": derived[2]]
        }
        let cdf = (0...k).map { Self.probability(family, $0, args) }.reduce(0, +)
        #expect(abs(got["l"]! - log(cdf)) < 1e-12 * max(1, abs(log(cdf))), "\(family) lcdf: \(got["l"]!) vs \(log(cdf))")
        #expect(abs(got["c"]! - log1p(-cdf)) < 1e-11 * max(1, abs(log1p(-cdf))), "\(family) lccdf: \(got["c"]!) vs \(log1p(-cdf))")
        #expect(abs(got["f"]! - cdf) < 1e-12, "\(family) cdf: \(got["f"]!) vs \(cdf)")
    }

    /// The User's Guide's hurdle model as written (`poisson_lccdf(0 | lambda)` per row) and a
    /// truncated Poisson with each kind of bound against their densities written out, gradients
    /// against finite differences.
    @Test func hurdleAndTruncatedPoissonAreTheirDensities() throws {
        let y = [0, 2, 1, 0, 4, 3, 0, 1]
        let data = DataSet(["N": .integer(y.count), "y": .integers(y), "z": .integers(y.filter { $0 > 0 && $0 <= 4 })], source: "d.json")
        let hurdle = try stanReference("""
        data { int<lower=0> N; array[N] int<lower=0> y; }
        parameters { real<lower=0, upper=1> theta; real<lower=0> lambda; }
        model {
          for (n in 1:N) {
            if (y[n] == 0) target += log(theta);
            else target += log1m(theta) + poisson_lpmf(y[n] | lambda) - poisson_lccdf(0 | lambda);
          }
        }
        """, data)
        func poisson(_ k: Int, _ lambda: Double) -> Double { Double(k) * log(lambda) - lambda - lgamma(Double(k) + 1) }
        for u in [[0.3, -0.5], [-1.0, 1.2], [1.5, 0.1]] {
            let (theta, lambda) = (1 / (1 + exp(-u[0])), exp(u[1]))
            // The Jacobians of the logit and log transforms.
            var want = log(theta) + log1p(-theta) + u[1]
            for k in y { want += k == 0 ? log(theta) : log1p(-theta) + poisson(k, lambda) - log1p(-exp(-lambda)) }
            let got = hurdle.logDensity(u)
            #expect(abs(got - want) < 1e-11 * abs(want), "hurdle at \(u): \(got) vs \(want)")
            #expect(GradientCheck.worstRelativeError(hurdle, at: u) < GradientCheck.tolerance)
        }
        let counts = y.filter { $0 > 0 && $0 <= 4 }
        for (bounds, lower, upper) in [("T[1, ]", 1, Int?.none), ("T[, 4]", 0, 4), ("T[1, 4]", 1, 4)] {
            let model = try stanReference("""
            data { int N; array[N] int y; array[\(counts.count)] int z; }
            parameters { real<lower=0> lambda; }
            model { for (n in 1:\(counts.count)) z[n] ~ poisson(lambda) \(bounds); }
            """, data)
            for u in [-0.7, 0.4, 1.6] {
                let lambda = exp(u)
                let inside = (lower...(upper ?? 60)).map { exp(poisson($0, lambda)) }.reduce(0, +)
                let want = counts.map { poisson($0, lambda) - log(inside) }.reduce(0, +) + u
                let got = model.logDensity([u])
                #expect(abs(got - want) < 1e-11 * abs(want), "\(bounds) at λ = \(lambda): \(got) vs \(want)")
                #expect(GradientCheck.worstRelativeError(model, at: [u]) < GradientCheck.tolerance)
            }
        }
    }

    /// Censored counts (`poisson_lcdf(y[n] | lambda[n])` at data counts, `poisson_log_lccdf` of a
    /// whole array; the negative binomial's and binomial's): through the incomplete gamma and beta
    /// functions, against the probabilities summed here; gradients against finite differences.
    @Test func censoredCountsAtDataCounts() throws {
        let (y, censored) = ([0, 2, 5, 1, 9, 3], [0, 1, 0, 1, 1, 0])
        let model = try stanReference("""
        data { int N; array[N] int y; array[N] int censored; vector[N] x; }
        parameters { real a; real b; }
        model {
          for (n in 1:N) {
            if (censored[n] == 1) target += poisson_lcdf(y[n] | exp(a + b * x[n]));
            else target += poisson_lpmf(y[n] | exp(a + b * x[n]));
          }
          target += poisson_log_lccdf(y | a);
          target += neg_binomial_2_lcdf(y | exp(a), exp(b)) + binomial_lccdf(y | 12, inv_logit(b)) + binomial_lcdf(y | 12, inv_logit(a));
        }
        """, DataSet(["N": .integer(6), "y": .integers(y), "censored": .integers(censored), "x": .vector([0.1, -0.4, 0.8, 1.2, 2.0, -1.1])],
                       source: "d.json"))
        let x = [0.1, -0.4, 0.8, 1.2, 2.0, -1.1]
        for u in [[0.3, 0.5], [1.1, -0.2], [-0.5, 0.9]] {
            var want = 0.0
            for n in 0..<6 {
                let lambda = exp(u[0] + u[1] * x[n])
                let mass = (0...y[n]).map { Self.probability("poisson", $0, [lambda]) }
                want += censored[n] == 1 ? log(mass.reduce(0, +)) : log(mass.last!)
                // The upper tail summed from y + 1 (1 − P(Y ≤ y) would lose its digits where it is tiny).
                want += log(((y[n] + 1)...(y[n] + 80)).map { Self.probability("poisson_log", $0, [u[0]]) }.reduce(0, +))
                want += log((0...y[n]).map { Self.probability("neg_binomial_2", $0, [exp(u[0]), exp(u[1])]) }.reduce(0, +))
                want += log(((y[n] + 1)...12).map { Self.probability("binomial", $0, [12, 1 / (1 + exp(-u[1]))]) }.reduce(0, +))
                want += log((0...y[n]).map { Self.probability("binomial", $0, [12, 1 / (1 + exp(-u[0]))]) }.reduce(0, +))
            }
            let got = model.logDensity(u)
            #expect(abs(got - want) < 1e-11 * abs(want), "at \(u): \(got) vs \(want)")
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
        }
        // At k ≥ N the binomial's CDF is 1: log 0 for its complement, on both branches' arithmetic.
        for k in [5.0, 6.0] {
            #expect(FormulaDensities.countLogCDF("binomial", k, [5, 0.3], complement: false) == 0)
            #expect(FormulaDensities.countLogCDF("binomial", k, [5, 0.3], complement: true) == -.infinity)
        }
    }

    /// A count outside the truncation is named when the data are read; a truncation bound that is
    /// not a constant, and a count that is not an integer, are refused by name.
    @Test func whatIsRefused() throws {
        let source = """
        data { int N; array[N] int y; }
        parameters { real<lower=0> lambda; }
        model { y ~ poisson(lambda) T[1, ]; }
        """
        let message = errorMessage { _ = try stanReference(source, DataSet(["N": .integer(2), "y": .integers([2, 0])], source: "d.json")) }
        #expect(message.contains("d.json") && message.contains("is 0 (element 2), outside T[1, ]"), "\(message)")
        let notConstant = compileError("""
        data { int N; array[N] int y; int L; }
        parameters { real<lower=0> lambda; }
        model { y ~ poisson(lambda) T[L, ]; }
        """)
        #expect(notConstant.contains("m.stan:3:") && notConstant.contains("T[…] of poisson needs constant bounds"), "\(notConstant)")
        #expect(compileError("parameters { real<lower=0> l; } model { target += poisson_lcdf(1.5 | l); }").contains("needs an integer count, got 1.5"))
    }
}
