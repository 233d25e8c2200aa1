import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Log CDFs (`_lcdf`, `_lccdf`, `_cdf`; `FormulaDensities.logCDF`), `Phi`, and truncation
/// `T[L, U]`: SciPy's values in the graph and on the host, finite-difference gradients, and the
/// truncated density against its definition.
@Suite struct CumulativeDistributionTests {
    /// (Stan name, y, arguments, SciPy 1.17.1's log F(y) and log(1 − F(y))):
    /// `scripts/make_distribution_fixtures.py`.
    static let cases: [(String, Double, [Double], Double, Double)] = [
        ("normal", 0.7, [0.2, 1.3], -0.43118483847077843, -1.049076125533899),
        ("normal", -30.0, [0.5, 1.1], -388.6434780060805, -1.637879979099399e-169),
        ("std_normal", 2.9, [], -0.0018675560981809207, -6.284058234947419),
        ("lognormal", 0.9, [0.3, 0.8], -1.183574148423346, -0.3655462336074368),
        ("logistic", -0.4, [0.3, 1.7], -0.9200752507236073, -0.5083105448412544),
        ("exponential", 0.9, [2.5], -0.11137772118504415, -2.25),
        ("gumbel", 1.9, [0.3, 1.7], -0.39016854342397683, -1.1299257907430087),
        ("weibull", 1.3, [1.8, 2.2], -1.134663263072619, -0.38791556748492323),
        ("rayleigh", 1.3, [0.8], -0.3106802961394607, -1.3203125),
        ("frechet", 1.3, [1.8, 2.2], -2.5778805591215828, -0.07897261768296576),
        ("pareto", 3.1, [1.5, 2.4], -0.19252479209109868, -1.742248808119047),
        ("double_exponential", -0.4, [0.3, 1.7], -1.1049118864422982, -0.4023301288402869),
        ("double_exponential", 2.6, [0.3, 1.7], -0.13838825925751658, -2.0460883570305337),
        ("gamma", 0.9, [3.0, 1.5], -1.8672201406854574, -0.16788944253119892),
        ("gamma", 14.0, [2.0, 1.0], -1.2473008574201556e-05, -11.29194979889779),
        ("gamma", 0.01, [0.4, 2.0], -1.4508935955170412, -0.2670442002942261),
        ("inv_gamma", 0.7, [2.2, 1.4], -0.7668102708086716, -0.6245400335507931),
        ("chi_square", 2.3, [3.5], -0.9200971346727453, -0.5082960474233865),
        ("inv_chi_square", 0.6, [4.0], -0.2271975297630178, -1.5933843741141163),
        ("scaled_inv_chi_square", 1.1, [5.0, 0.9], -0.5173938136027167, -0.9065186350815714),
        ("beta", 0.3, [2.0, 5.5], -0.4662287538580572, -0.9871525516648971),
        ("beta", 0.97, [0.6, 0.8], -0.039682641081094636, -3.246617147678464),
        ("beta_proportion", 0.4, [0.3, 6.0], -0.3169252971994081, -1.3033702658832091),
        ("student_t", -0.4, [3.5, 0.2, 1.3], -1.0912177359795299, -0.40918299083010445),
        ("student_t", 2.9, [3.5, 0.2, 1.3], -0.05991132314992297, -2.844695866607794),
        ("student_t", -300.0, [2.5, 0.2, 1.3], -13.934678760028154, -8.876588761847529e-07),
        ("cauchy", -0.4, [0.3, 1.7], -0.9790550508316245, -0.47106966346315754),
        ("cauchy", 4.2, [0.3, 1.7], -0.14023484986621942, -2.033734913055926),
        ("cauchy", -10000000.0, [0.3, 1.7], -16.73219731574556, -5.4112680491954585e-08),
        ("loglogistic", 2.3, [1.5, 3.0], -0.24481866798173849, -1.5271507124625574),
        ("exp_mod_normal", -0.8, [0.4, 0.7, 1.6], -4.2751491190264606, -0.014007624614841877),
        ("exp_mod_normal", 1.9, [0.4, 0.7, 1.6], -0.1742332142738986, -1.833212608360797),
        ("exp_mod_normal", 14.0, [0.4, 0.7, 1.6], -6.639594751813289e-10, -21.132800000000003),
    ]

    /// Relative agreement, absolute below 1.
    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool { abs(a - b) <= tolerance * max(1, abs(b)) }

    @Test(arguments: cases.indices, [false, true])
    func logCDFsAreSciPys(_ k: Int, onHost: Bool) throws {
        let (family, y, args, lcdf, lccdf) = Self.cases[k]
        let names = args.indices.map { "a\($0 + 1)" }
        let list = ([family == "std_normal" ? "y" : "y |"] + [names.joined(separator: ", ")]).joined(separator: " ")
        let source = """
        data { real y; \(names.map { "real \($0);" }.joined(separator: " ")) }
        parameters { real z; }
        model { z ~ normal(0, 1); }
        generated quantities {
          real l = \(family)_lcdf(\(list));
          real c = \(family)_lccdf(\(list));
          real f = \(family)_cdf(\(list));
          \(onHost ? "real r = normal_rng(0, 1);" : "")
        }
        """
        var values: [String: DataArray] = ["y": .scalar(y)]
        for (i, a) in args.enumerated() { values[names[i]] = .scalar(a) }
        let data = DataSet(values, source: "test")
        var d: [String: Double] = [:]
        if onHost {
            let model = try StanProgram.compile(source: source, path: "m.stan")
            #expect(model.generatedQuantitiesOnHost)
            d = try HostGeneratedQuantitiesTests.generated(model, data, ["z": [0.1]]).compactMapValues(\.first)
        } else {
            let stan = try stanReference(source, data)
            d = Dictionary(uniqueKeysWithValues: zip(stan.model.derivedElementNames, stan.derivedValues([0.1])))
        }
        let (l, c, f) = (try #require(d["l"]), try #require(d["c"]), try #require(d["f"]))
        // The normal's far tail (log F of −388) through the asymptotic series: to 1e-10.
        let tolerance = y < NormalDistributionFunction.logPhiTail ? 1e-10 : 1e-12
        #expect(Self.close(l, lcdf, tolerance) && Self.close(c, lccdf, tolerance) && Self.close(f, exp(lcdf)), "\(family): \(l), \(c), \(f)")
    }

    /// `target += family_lcdf(y | …) + family_lccdf(y | …)` with the arguments as parameters, and
    /// `Phi` in a probit likelihood: gradients against finite differences, near the normal's
    /// tail threshold too.
    @Test(arguments: cases.indices)
    func gradientsAreFiniteDifferences(_ k: Int) throws {
        let (family, y, args, _, _) = Self.cases[k]
        let location: Set<String> = ["normal", "lognormal", "logistic", "gumbel", "double_exponential", "cauchy", "exp_mod_normal"]
        var declarations: [String] = [], names: [String] = [], priors: [String] = []
        for i in args.indices {
            let name = "a\(i + 1)"
            names.append(name)
            let unbounded = i == 0 && location.contains(family)
            let upper = family == "pareto" ? "y" : "1"  // pareto's minimum below y, beta_proportion's mean below 1
            let bounded = (family == "pareto" || family == "beta_proportion") && i == 0
            declarations.append(unbounded ? "real \(name);" : bounded ? "real<lower=0, upper=\(upper)> \(name);" : "real<lower=0> \(name);")
            priors.append("\(name) ~ \(unbounded ? "normal" : "lognormal")(0, 1);")
        }
        let list = ([family == "std_normal" ? "y" : "y |"] + [names.joined(separator: ", ")]).joined(separator: " ")
        let source = """
        data { real y; }
        parameters { real s; \(declarations.joined(separator: " ")) }
        model { s ~ normal(0, 1); \(priors.joined(separator: " ")) target += \(family)_lcdf(\(list)) + \(family)_lccdf(\(list)) + log(Phi(s)); }
        """
        let stan = try stanReference(source, DataSet(["y": .scalar(family == "normal" && y < 0 ? -21 : y)], source: "test"))
        var rng = TestRandom(seed: UInt64(k + 11))
        for _ in 0..<3 {
            let u = rng.vector(stan.dimension, -0.6, 0.6)
            #expect(stan.logDensity(u).isFinite && GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance, "\(family) at \(u)")
        }
    }

    /// `y ~ normal(mu, sigma) T[L, ]`, `T[, U]`, `T[L, U]`, an exponential and a gamma `T[, U]`, a
    /// Student t `T[0, ]`: the density minus each element's log probability of (L, U), as
    /// written by hand.
    @Test func truncationRenormalisesEachElement() throws {
        let data = DataSet(["N": .integer(4), "y": .vector([0.3, 1.2, 0.05, 2.4]), "U": .scalar(3)], source: "test")
        let header = "data { int N; vector<lower=0>[N] y; real U; }\nparameters { real mu; real<lower=0> sigma; real<lower=0> rate; }\n"
        let priors = "mu ~ normal(0, 2); sigma ~ lognormal(0, 1); rate ~ lognormal(0, 1);"
        let truncated = header + """
        model {
          \(priors)
          y ~ normal(mu, sigma) T[0, ];
          y ~ normal(mu, sigma) T[, U];
          for (n in 1:N) y[n] ~ normal(mu, sigma) T[0, U];
          y[2] ~ exponential(rate) T[, U];
          y ~ student_t(3, mu, sigma) T[0, ];
          y[3] ~ gamma(rate, sigma) T[, U];
        }
        """
        let byHand = header + """
        model {
          \(priors)
          for (n in 1:N) {
            target += normal_lpdf(y[n] | mu, sigma) - normal_lccdf(0 | mu, sigma);
            target += normal_lpdf(y[n] | mu, sigma) - normal_lcdf(U | mu, sigma);
            target += normal_lpdf(y[n] | mu, sigma) - log_diff_exp(normal_lcdf(U | mu, sigma), normal_lcdf(0 | mu, sigma));
          }
          target += exponential_lpdf(y[2] | rate) - exponential_lcdf(U | rate);
          target += student_t_lpdf(y | 3, mu, sigma) - 4 * student_t_lccdf(0 | 3, mu, sigma);
          target += gamma_lpdf(y[3] | rate, sigma) - gamma_lcdf(U | rate, sigma);
        }
        """
        expectEquivalent(try stanReference(truncated, data), try stanReference(byHand, data))
        #expect(compileError(header + "model { y ~ skew_normal(mu, sigma, 2) T[0, ]; }").contains("truncation T[…] of 'skew_normal' is not supported"))
        #expect(compileError(header + "model { y ~ normal(mu, sigma) T[, ]; }").contains("needs a lower or an upper bound"))
    }

    /// Both bounds far in one tail: log(F(U) − F(L)) through F(U)S(L) − F(L)S(U) stays accurate
    /// on both sides (as log F(U) − log F(L) it went wrong, then +∞, from 6 sds above the mean:
    /// a truncated normal's posterior that reached there sampled a wrong mean). Against erfc's
    /// closed form, the mean 6 to 30 sds below L = 1 and above U = 5.
    @Test func twoSidedTruncationIsAccurateInBothTails() throws {
        let stan = try stanReference("data { real y; } parameters { real mu; } model { y ~ normal(mu, 1) T[1, 5]; }",
                                     DataSet(["y": .scalar(1.5)], source: "t"))
        func tail(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }   // 1 − Φ(z), accurate for large z
        for mu in [-6.0, -8, -15, -30, 12, 20, 36] {
            let mass = mu < 3 ? tail(1 - mu) - tail(5 - mu) : tail(mu - 5) - tail(mu - 1)
            let exact = -0.5 * (1.5 - mu) * (1.5 - mu) - 0.5 * log(2 * Double.pi) - log(mass)
            #expect(abs(stan.logDensity([mu]) - exact) < 1e-9 * max(1, abs(exact)), "mu \(mu): \(stan.logDensity([mu])) against \(exact)")
        }
    }

    /// A bound (or the outcome) that depends on parameters: the density is −∞ where a datum lies
    /// outside [L, U], as Stan's (it was finite, and an upper bound U collapsed below the data);
    /// inside it is the truncated density itself.
    @Test func outsideAParameterBoundTheDensityIsMinusInfinity() throws {
        let data = DataSet(["N": .integer(3), "y": .vector([0.5, 1, 4.9])], source: "t")
        let source = "data { int N; vector[N] y; } parameters { real mu; real<lower=0> sigma; real U; } model { y ~ normal(mu, sigma) T[0, U]; }"
        let withU = try stanReference(source, data)
        let fixed = try stanReference("data { int N; vector[N] y; } parameters { real mu; real<lower=0> sigma; } model { y ~ normal(mu, sigma) T[0, 6]; }", data)
        #expect(!withU.logDensity([1, log(2), 4]).isFinite)
        #expect(abs(withU.logDensity([1, log(2), 6]) - fixed.logDensity([1, log(2)])) < 1e-12)
        let inside = withU.logDensityAndGradient([1, log(2), 6])
        #expect(inside.1.allSatisfy { $0.isFinite } && GradientCheck.worstRelativeError(withU, at: [1, log(2), 6]) < GradientCheck.tolerance)
    }

    /// An array outcome truncates as a vector does (it stopped at "'*' is not defined for arrays").
    @Test func anArrayOutcomeTruncatesAsAVector() throws {
        let data = DataSet(["N": .integer(3), "y": .vector([0.5, 1, 2.5]), "v": .vector([0.5, 1, 2.5])], source: "test")
        let header = "data { int N; array[N] real y; vector[N] v; }\nparameters { real mu; real<lower=0> sigma; }\n"
        expectEquivalent(try stanReference(header + "model { mu ~ normal(0, 2); sigma ~ lognormal(0, 1); y ~ normal(mu, sigma) T[0, 3]; }", data),
                         try stanReference(header + "model { mu ~ normal(0, 2); sigma ~ lognormal(0, 1); v ~ normal(mu, sigma) T[0, 3]; }", data))
    }

    /// Data outside a truncation's bounds (where Stan's log density is −∞) stop the binding with
    /// the element, the row and the statement; data on a bound, a parameter outcome, bounds that
    /// are parameters and a statement under an `if` on data that fails are not refused.
    @Test func dataOutsideTheTruncationAreNamed() throws {
        let header = "data { int N; vector[N] y; real U; int on; }\nparameters { real mu; real<lower=0> sigma; real<lower=0> w; }\n"
        let priors = "mu ~ normal(0, 2); sigma ~ lognormal(0, 1); w ~ exponential(1);"
        func bindError(_ statement: String, y: [Double], on: Int = 1) -> String {
            let data = DataSet(["N": .integer(y.count), "y": .vector(y), "U": .scalar(3), "on": .integer(on)], source: "d.json")
            return errorMessage { _ = try stanReference(header + "model { \(priors)\n  \(statement)\n}", data, path: "t.stan") }
        }
        let inLoop = bindError("for (n in 1:N) y[n] ~ normal(mu, sigma) T[0, U];", y: [0.5, 3.5, 1])
        #expect(inLoop.contains("t.stan:4:") && inLoop.contains("data file 'd.json'")
                && inLoop.contains("truncated normal is 3.5 when n = 2, outside T[0, 3]"), "\(inLoop)")
        let whole = bindError("y ~ normal(mu, sigma) T[, U];", y: [0.5, 1, 4])
        #expect(whole.contains("is 4 (element 3), outside T[, 3]"), "\(whole)")
        let constant = bindError("y[1] ~ exponential(w) T[1, ];", y: [0.5, 1, 4])
        #expect(constant.contains("truncated exponential is 0.5, outside T[1, ]"), "\(constant)")
        #expect(bindError("y ~ normal(mu, sigma) T[0, U];", y: [0, 3, 1]) == "", "on the bounds")
        #expect(bindError("y ~ normal(mu, sigma) T[0, w];", y: [0.5, 4]) == "", "a parameter bound")
        #expect(bindError("if (on == 1) y ~ normal(mu, sigma) T[0, U];", y: [0.5, 4], on: 0) == "", "under an if that fails")
        #expect(bindError("if (on == 1) y ~ normal(mu, sigma) T[0, U];", y: [0.5, 4], on: 1).contains("is 4 (element 2)"))
        #expect(bindError("mu ~ normal(0, 1) T[0, U];", y: [0.5]) == "", "a parameter outcome")
    }

    /// Another family's log CDF of constants is left out only where it stands alone in a
    /// `target +=` sum (a constant shift: brms's `- 1 * student_t_lccdf(0 | 3, 0, 10)`, in
    /// `SlicingTests`); times a parameter or inside log_mix it would change the posterior, so
    /// it is refused there.
    @Test func anUnsupportedCDFOfConstantsIsLeftOutOnlyStandingAlone() throws {
        let head = "parameters { real<lower=0, upper=1> w; }\n"
        _ = try StanProgram.compile(source: head + "model { target += beta_lpdf(w | 2, 2) - 2 * skew_normal_lccdf(0.3 | 0, 1, 2) / 4; }", path: "m.stan")
        #expect(compileError(head + "model { target += w * skew_normal_lccdf(0.3 | 0, 1, 2); }")
            .contains("error: the cumulative distribution function skew_normal_lccdf is not supported yet"))
        #expect(compileError(head + "model { target += log_mix(w, skew_normal_lcdf(-1 | 0, 1, 2), normal_lpdf(0 | 0, 1)); }")
            .contains("here leaving it out would change the posterior"))
    }

    /// The Laplace distribution function is smooth at μ: its log's derivative there is ∓1/σ (a
    /// form through relu had given 0 exactly at y = μ, value right and gradient wrong).
    @Test func laplaceDistributionFunctionsAreSmoothAtTheirCentre() throws {
        let stan = try stanReference("""
            data { real y; } parameters { real mu; }
            model { target += double_exponential_lcdf(y | mu, 2) + 3 * double_exponential_lccdf(y | mu, 2); }
            """, DataSet(["y": .scalar(0.3)], source: "test"))
        let (lp, g) = stan.logDensityAndGradient([0.3])
        #expect(abs(lp - 4 * log(0.5)) < 1e-12 && abs(g[0] - (-0.5 + 3 * 0.5)) < 1e-12, "\(lp), \(g)")
    }
}
