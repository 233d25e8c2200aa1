import LeapfrogData
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// The Stan families written as formulas in the graph's operations
/// (`Lowering+FormulaDensities.swift`): their log densities against SciPy's, their gradients
/// against finite differences, vectorised and per row.
@Suite struct FormulaDensityTests {
    /// (Stan name, y, arguments, SciPy 1.17.1's log density): `scripts/make_distribution_fixtures.py`.
    static let cases: [(String, Double, [Double], Double)] = [
        ("neg_binomial_2", 7.0, [3.2, 1.7], -3.2438145675985055),
        ("neg_binomial_2", 0.0, [0.4, 12.0], -0.3934778738758915),
        ("neg_binomial_2_log", 3.0, [0.9, 2.5], -1.9351930003251678),
        ("neg_binomial", 5.0, [2.2, 0.6], -2.4354336325388206),
        ("beta_binomial", 4.0, [10.0, 2.5, 3.5], -1.89843310250696),
        ("beta_neg_binomial", 4.0, [3.0, 3.5, 1.5], -3.076019151659702),
        ("discrete_range", 4.0, [2.0, 7.0], -1.791759469228055),
        ("von_mises", 1.1, [0.4, 2.3], -1.1188773738623052),
        ("von_mises", -0.2, [-0.3, 25.0], 0.5604990605420552),
        ("logistic", -0.4, [0.3, 1.7], -1.9590140466270318),
        ("gumbel", 1.9, [0.3, 1.7], -1.8619732650743823),
        ("weibull", 1.3, [1.8, 2.2], -1.009460739664498),
        ("frechet", 1.3, [1.8, 2.2], -1.3054905860727524),
        ("rayleigh", 1.3, [0.8], -0.6116611329040895),
        ("pareto", 3.1, [1.5, 2.4], -1.9981821822562478),
        ("double_exponential", -0.4, [0.3, 1.7], -1.6355401375044685),
        ("double_exponential", 2.6, [0.3, 1.7], -2.576716608092704),
        ("chi_square", 2.6, [3.5], -1.7119728611888414),
        ("inv_chi_square", 0.6, [3.5], -0.5571693129362775),
        ("scaled_inv_chi_square", 0.6, [3.5, 0.7], -0.20902975518828035),
        ("skew_normal", 0.9, [0.3, 1.4, -2.5], -2.606110338295113),
        ("exp_mod_normal", 1.7, [0.3, 0.8, 1.6], -1.3352500365695736),
        ("beta_proportion", 0.35, [0.6, 7.0], -0.12084726430042281),
        ("loglogistic", 1.3, [2.2, 3.1], -1.11940723854693),
        ("skew_double_exponential", -0.4, [0.3, 1.7, 0.3], -1.9745994070021875),
        ("skew_double_exponential", 2.6, [0.3, 1.7, 0.3], -2.2098935246492464),
    ]

    static func discrete(_ family: String) -> Bool { family.contains("binomial") || family == "discrete_range" }

    /// One call and a vectorised one over three copies of y (three times the value), in
    /// generated quantities, with every argument as data: in the graph, and on the host (the
    /// block has a random number).
    @Test(arguments: cases.indices, [false, true])
    func logDensitiesAreSciPys(_ k: Int, onHost: Bool) throws {
        let (family, y, args, expected) = Self.cases[k]
        let isCount = Self.discrete(family)
        let names = args.indices.map { "a\($0 + 1)" }
        let integerArguments: Set<Int> = family == "beta_binomial" ? [0] : family == "discrete_range" ? [0, 1] : []   // N; lower, upper
        let declarations = names.enumerated().map { integerArguments.contains($0.offset) ? "int \($0.element);" : "real \($0.element);" }
        let suffix = isCount ? "_lpmf" : "_lpdf"
        let source = """
        data { \(isCount ? "int y; array[3] int ys;" : "real y; vector[3] ys;") \(declarations.joined(separator: " ")) }
        parameters { real z; }
        model { z ~ normal(0, 1); }
        generated quantities {
          real lp = \(family)\(suffix)(y | \(names.joined(separator: ", ")));
          real lv = \(family)\(suffix)(ys | \(names.joined(separator: ", ")));
          \(onHost ? "real r = normal_rng(0, 1);" : "")
        }
        """
        var values: [String: DataArray] = isCount ? ["y": .integer(Int(y)), "ys": .integers([Int](repeating: Int(y), count: 3))]
            : ["y": .scalar(y), "ys": .vector([y, y, y])]
        for (i, a) in args.enumerated() { values[names[i]] = integerArguments.contains(i) ? .integer(Int(a)) : .scalar(a) }
        let data = DataSet(values, source: "test")
        let (lp, lv): (Double, Double)
        if onHost {
            // A random number sends the block to the host (`HostGeneratedQuantities`).
            let model = try StanProgram.compile(source: source, path: "m.stan")
            #expect(model.generatedQuantitiesOnHost)
            let d = try HostGeneratedQuantitiesTests.generated(model, data, ["z": [0.1]])
            (lp, lv) = (try #require(d["lp"]?.first), try #require(d["lv"]?.first))
        } else {
            let stan = try stanReference(source, data)
            let d = Dictionary(uniqueKeysWithValues: zip(stan.model.derivedElementNames, stan.derivedValues([0.1])))
            (lp, lv) = (try #require(d["lp"]), try #require(d["lv"]))
        }
        #expect(abs(lp - expected) <= 1e-12 * max(1, abs(expected)), "\(family): \(lp) vs SciPy's \(expected)")
        #expect(abs(lv - 3 * expected) <= 1e-12 * max(1, abs(3 * expected)), "\(family), vectorised: \(lv)")
    }

    /// `ys ~ family(…)` with the arguments as parameters (in their domains): the gradient
    /// against finite differences at random points.
    /// (discrete_range has no real arguments: nothing to differentiate.)
    @Test(arguments: cases.indices.filter { cases[$0].0 != "discrete_range" })
    func gradientsAreFiniteDifferences(_ k: Int) throws {
        let (family, y, args, _) = Self.cases[k]
        let isCount = Self.discrete(family)
        let location: Set<String> = ["logistic", "gumbel", "neg_binomial_2_log", "double_exponential", "skew_normal", "exp_mod_normal",
                                     "skew_double_exponential", "von_mises"]
        // Arguments in (0, 1): beta_proportion's mean, skew_double_exponential's skewness.
        let unit = family == "beta_proportion" ? 0 : family == "skew_double_exponential" ? 2 : -1
        var declarations: [String] = [], names: [String] = [], priors: [String] = []
        for i in args.indices {
            let name = "a\(i + 1)"
            if family == "beta_binomial" && i == 0 { names.append("N"); continue }
            names.append(name)
            let unbounded = i == 0 && location.contains(family)
            declarations.append(unbounded ? "real \(name);"
                                : family == "pareto" && i == 0 ? "real<lower=0, upper=lo> \(name);"
                                : i == unit ? "real<lower=0, upper=1> \(name);" : "real<lower=0> \(name);")
            priors.append(i == unit ? "\(name) ~ beta(2, 2);" : "\(name) ~ \(unbounded ? "normal" : "lognormal")(0, 1);")
        }
        let source = """
        data { \(isCount ? "array[3] int ys;" : "vector[3] ys;") int N; real lo; }
        parameters { \(declarations.joined(separator: " ")) }
        model { \(priors.joined(separator: " ")) ys ~ \(family)(\(names.joined(separator: ", "))); }
        """
        let ys: DataArray = isCount ? .integers([Int(y), Int(y) + 1, max(Int(y) - 1, 0)]) : .vector([y, y * 1.3, y * 1.7])
        let stan = try stanReference(source, DataSet(["ys": ys, "N": .integer(Int(args[0]) + 2), "lo": .scalar(y)], source: "test"))
        var rng = TestRandom(seed: UInt64(k + 1))
        for _ in 0..<3 {
            let u = rng.vector(stan.dimension, -0.7, 0.7)
            #expect(stan.logDensity(u).isFinite, "\(family) at \(u)")
            #expect(GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance, "\(family) at \(u)")
        }
    }

    /// The graph's families the host had no formula for (`gamma_lpdf`, `student_t_lpdf`,
    /// `binomial_lpmf`, …: "not supported in generated quantities yet" once a random number sent
    /// the block to the host) give the graph's values there.
    @Test func theGraphsFamiliesOnTheHostAreTheGraphs() throws {
        let calls = ["std_normal_lpdf(y)", "gamma_lpdf(q | 2.5, 1.5)", "inv_gamma_lpdf(q | 2.5, 1.5)", "student_t_lpdf(y | 3.5, z, 1.2)",
                     "beta_lpdf(0.3 | 2, q)", "binomial_lpmf(k | 10, 0.35)", "binomial_logit_lpmf(k | 10, z)"]
        let quantities = calls.enumerated().map { "  real g\($0.offset) = \($0.element);" }.joined(separator: "\n")
        let source = { (host: Bool) in
            "data { real y; real q; int k; } parameters { real z; } model { z ~ normal(0, 1); }\n"
                + "generated quantities {\n\(quantities)\n\(host ? "  real r = normal_rng(0, 1);" : "")\n}"
        }
        let data = DataSet(["y": .scalar(-0.7), "q": .scalar(1.3), "k": .integer(4)], source: "test")
        let model = try StanProgram.compile(source: source(true), path: "m.stan")
        #expect(model.generatedQuantitiesOnHost)
        let host = try HostGeneratedQuantitiesTests.generated(model, data, ["z": [0.4]])
        let graph = try stanReference(source(false), data)
        let values = Dictionary(uniqueKeysWithValues: zip(graph.model.derivedElementNames, graph.derivedValues([0.4])))
        for k in calls.indices {
            let (h, g) = (try #require(host["g\(k)"]?.first), try #require(values["g\(k)"]))
            #expect(g.isFinite && abs(h - g) <= 1e-12 * max(1, abs(g)), "\(calls[k]): host \(h), graph \(g)")
        }
    }

    /// A count family's outcome must be integer data; a wrong number of arguments is named.
    @Test func badCallsAreNamed() {
        let header = "data { vector[2] v; } parameters { real<lower=0> m; }\n"
        #expect(compileError(header + "model { v ~ neg_binomial_2(m, 1); }").contains("the outcome of neg_binomial_2 must be integer data"))
        #expect(compileError(header + "model { v ~ weibull(m); }").contains("weibull takes 2 arguments after the outcome (alpha, sigma), got 1"))
    }
}
