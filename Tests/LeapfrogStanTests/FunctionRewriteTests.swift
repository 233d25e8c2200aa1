#if canImport(Glibc)
import Glibc
#endif
import LeapfrogData
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Stan's functions lowered to the graph's operations (`Lowering.rewrittenUnary`, `log_diff_exp`,
/// `lbeta`, `lchoose`, `hypot`, `fma`, `fabs`, `fmax`, `fmin`): their values in the graph and on the host against libm's
/// closed forms, and their gradients against finite differences.
@Suite struct FunctionRewriteTests {
    /// (call on parameters a, b, c, its value at a = −0.6, b = 1.7, c = 0.4 computed with libm).
    static let cases: [(String, Double)] = {
        let (a, b, c) = (-0.6, 1.7, 0.4)
        return [
            ("log1m_exp(a)", log(1 - exp(a))), ("log1m_inv_logit(a)", log(1 - 1 / (1 + exp(-a)))),
            ("inv_cloglog(a)", 1 - exp(-exp(a))), ("log2(b)", log2(b)), ("log10(b)", log10(b)), ("exp2(a)", exp2(a)),
            ("Phi_approx(a)", 1 / (1 + exp(-(0.07056 * a * a * a + 1.5976 * a)))),
            ("log_diff_exp(b, a)", log(exp(b) - exp(a))), ("lbeta(b, c)", lgamma(b) + lgamma(c) - lgamma(b + c)),
            ("lchoose(b + 3, c)", lgamma(b + 4) - lgamma(c + 1) - lgamma(b + 3 - c + 1)),
            ("hypot(a, b)", (a * a + b * b).squareRoot()), ("fma(a, b, c)", a * b + c),
            ("sin(b) + cos(a)", sin(b) + cos(a)), ("atan(a * 3)", atan(a * 3)), ("tan(a) + tan(c)", tan(a) + tan(c)),
            ("inv_Phi(c / 2)", -0.8416212335729142),   // SciPy's ndtri(0.2)
            ("sinh(a) + cosh(b)", sinh(a) + cosh(b)), ("asin(c / 2) + acos(a / 2)", asin(c / 2) + acos(a / 2)),
            ("erf(a) + erfc(c)", erf(a) + erfc(c)), ("step(a) + 2 * step(c)", 2), ("fdim(b, c) + fdim(a, c)", b - c),
            ("log_inv_logit_diff(b, a)", log(1 / (1 + exp(-b)) - 1 / (1 + exp(-a)))),
            ("binary_log_loss(1, c / 2) + binary_log_loss(0, c / 3)", -log(c / 2) - log(1 - c / 3)),
            ("log_falling_factorial(b + 3, c)", lgamma(b + 4) - lgamma(b + 3 - c + 1)),
            ("atan2(a, b) + atan2(b, a)", atan2(a, b) + atan2(b, a)),
            ("lmgamma(3, b + 2)", 3 * 2 / 4 * log(Double.pi) + lgamma(b + 2) + lgamma(b + 1.5) + lgamma(b + 1)),
            ("squared_distance([a, b]', [c, 1]') + distance([a, c]', [b, 0]')",
             (a - c) * (a - c) + (b - 1) * (b - 1) + ((a - b) * (a - b) + c * c).squareRoot()),
            ("norm1([a, b]') + norm2([a, c]')", abs(a) + b + (a * a + c * c).squareRoot()),
            ("variance([a, b, c]') + sd([a, b, c]')", {
                let m = (a + b + c) / 3
                let v = ((a - m) * (a - m) + (b - m) * (b - m) + (c - m) * (c - m)) / 2
                return v + v.squareRoot()
            }()),
            ("fabs(a)", abs(a)), ("abs(a + c)", abs(a + c)), ("fmax(a, c) + fmin(b, c)", max(a, c) + min(b, c)),
            ("fmax(b, c) * fmin(a, c)", max(b, c) * min(a, c)),
            // SciPy 1.17.1's gammainc(1.7, 0.4) + gammaincc(2.7, 0.4) and betainc(1.7, 1.4, 0.2).
            ("gamma_p(b, c) + gamma_q(b + 1, c)", 1.0913995432461723), ("inc_beta(b, c + 1, c / 2)", 0.09846001634594317),
        ]
    }()

    static let header = "parameters { real<upper=0> a; real<lower=0> b; real<lower=0> c; }\n"
        + "model { a ~ normal(-1, 1); b ~ lognormal(0, 1); c ~ lognormal(0, 1); }\n"
    /// The unconstrained point of a = −0.6, b = 1.7, c = 0.4.
    static let point = [log(0.6), log(1.7), log(0.4)]

    @Test(arguments: cases.indices)
    func valuesAreLibms(_ k: Int) throws {
        let (call, expected) = Self.cases[k]
        let graph = try stanReference(Self.header + "generated quantities { real g = \(call); }", DataSet(source: "test"))
        let g = try #require(graph.derivedValues(Self.point).last)
        #expect(abs(g - expected) <= 1e-12 * max(1, abs(expected)), "\(call): graph \(g) vs \(expected)")
        let model = try StanProgram.compile(source: Self.header + "generated quantities { real g = \(call); real r = normal_rng(0, 1); }",
                                            path: "m.stan")
        let host = try #require(try HostGeneratedQuantitiesTests.generated(model, DataSet(source: "test"),
                                                                           ["a": [-0.6], "b": [1.7], "c": [0.4]])["g"]?.first)
        #expect(abs(host - expected) <= 1e-12 * max(1, abs(expected)), "\(call): host \(host) vs \(expected)")
    }

    @Test(arguments: cases.indices)
    func gradientsAreFiniteDifferences(_ k: Int) throws {
        let (call, _) = Self.cases[k]
        let stan = try stanReference(Self.header.replacingOccurrences("c ~ lognormal(0, 1); }", "c ~ lognormal(0, 1); target += \(call); }"),
                                     DataSet(source: "test"))
        var rng = TestRandom(seed: UInt64(k + 3))
        for _ in 0..<3 {
            let u = rng.vector(3, -0.5, 0.5)
            #expect(stan.logDensity(u).isFinite && GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance, "\(call) at \(u)")
        }
    }

    /// Stan's Phi_approx is within 1.4e-4 of Phi; `Phi` itself is the graph's node, libm's erfc
    /// in the graph and on the host.
    @Test func phiApproxIsCloseToPhiAndPhiIsExact() throws {
        let worst = stride(from: -5.0, through: 5.0, by: 0.01).map { x in
            abs(HostInterpreter.unary["Phi_approx"]!(x) - 0.5 * erfc(-x / 2.0.squareRoot()))
        }.max()!
        #expect(worst < 1.5e-4)
        let graph = try stanReference(Self.header + "generated quantities { real g = Phi(a); real h = Phi(b); }", DataSet(source: "test"))
        let values = graph.derivedValues(Self.point)
        #expect(abs(values[0] - 0.5 * erfc(0.6 / 2.0.squareRoot())) < 1e-15 && abs(values[1] - 0.5 * erfc(-1.7 / 2.0.squareRoot())) < 1e-15)
    }

    /// A negative base with an integer exponent (`x^2`, `pow(x - 1, 3)`, `pow(x, -1)`): the CPU
    /// reference computed exp(q log p) and gave NaN, so every negative point was −∞ (the User's
    /// Guide's GARCH sampled a wrong posterior there). Against the products written out, at
    /// points on both sides of 0.
    @Test func powersOfNegativeNumbers() throws {
        let data = DataSet(source: "test")
        let powers = try stanReference("parameters { real x; } model { target += -0.5 * x^2 + 0.1 * pow(x - 1, 3) + 0.01 * pow(x - 2, -1); }", data)
        let products = try stanReference("parameters { real x; } model { target += -0.5 * x * x + 0.1 * (x - 1) * (x - 1) * (x - 1) + 0.01 / (x - 2); }", data)
        for x in [-1.5, -0.25, 0.5, 1.7] {
            #expect(abs(powers.logDensity([x]) - products.logDensity([x])) < 1e-12, "at \(x)")
            let (g, h) = (powers.logDensityAndGradient([x]).1[0], products.logDensityAndGradient([x]).1[0])
            #expect(abs(g - h) < 1e-12, "gradient at \(x): \(g) against \(h)")
        }
    }

    /// `.^`, elementwise power (it was a parse error): against the squares written out, in the
    /// model and in generated quantities.
    @Test func elementwisePower() throws {
        let data = DataSet(["N": .integer(3), "x": .vector([-1, 0.5, 2])], source: "test")
        let head = "data { int N; vector[N] x; } parameters { real a; } model { a ~ normal(0, 1); "
        expectEquivalent(try stanReference(head + "target += -0.5 * sum((x - a) .^ 2); }", data),
                         try stanReference(head + "target += -0.5 * dot_self(x - a); }", data))
        let gq = try stanReference("data { int N; vector[N] x; } parameters { real a; } model { a ~ normal(0, 1); } "
                                   + "generated quantities { vector[N] s = x .^ 2; real t = 2 .^ 3; }", data)
        #expect(gq.derivedValues([0.3]) == [1, 0.25, 4, 8])
    }
}
