import LeapfrogModel
import LeapfrogTestSupport
import Testing
@testable import LeapfrogReference

/// Log densities against SciPy's closed forms (scripts/make_distribution_fixtures.py, SciPy
/// 1.17.1), and every partial derivative against central finite differences.
struct DistributionMathTests {
    static let scipy: [(String, Double, [Double], Double)] = [
        ("normal", 0.7, [0.2, 1.3], -1.255267294713584),
        ("halfNormal", 0.7, [1.3], -0.633126031313402),
        ("studentT", -0.4, [3.5, 0.2, 1.3], -1.3847723277988622),
        ("cauchy", 2.1, [0.2, 1.3], -2.550072441939985),
        ("halfCauchy", 2.1, [1.3], -1.9975072120012294),
        ("exponential", 0.9, [2.5], -1.333709268125845),
        ("gamma", 0.9, [3.0, 1.0], -1.803868211875598),
        ("gamma", 2.4, [0.7, 2.5], -5.882104355425927),
        ("inverseGamma", 0.9, [2.2, 1.4], -0.5751104516744818),
        ("logNormal", 0.9, [0.3, 0.8], -0.7188072378376201),
        ("beta", 0.3, [2.0, 5.5], 0.7675402170897843),
        ("uniform", 0.3, [-1.0, 2.0], -1.0986122886681098),
        ("bernoulliLogit", 1.0, [0.4], -0.5130152523999526),
        ("bernoulliLogit", 0.0, [0.4], -0.9130152523999526),
        ("binomialLogit", 3.0, [10.0, -0.5], -1.4532780990190202),
        ("poissonLog", 4.0, [1.1], -1.7822198542943788),
    ]

    static func family(_ swiftName: String) -> Distribution {
        Distribution.allCases.first { "\($0)" == swiftName }!
    }

    static func call(_ d: Distribution, _ y: Double, _ p: [Double]) -> DistributionMath.Partials {
        DistributionMath.elementwise(d, y, p.count > 0 ? p[0] : 0, p.count > 1 ? p[1] : 0, p.count > 2 ? p[2] : 0)
    }

    @Test(arguments: 0..<scipy.count)
    func matchesSciPy(_ k: Int) {
        let (name, y, p, expected) = Self.scipy[k]
        let got = Self.call(Self.family(name), y, p).lp
        #expect(abs(got - expected) <= 1e-12 * max(1, abs(expected)), "\(name): \(got) vs SciPy \(expected)")
    }

    @Test(arguments: 0..<scipy.count)
    func partialsMatchFiniteDifferences(_ k: Int) {
        let (name, y, p, _) = Self.scipy[k]
        let d = Self.family(name)
        let r = Self.call(d, y, p)
        func lp(_ y: Double, _ p: [Double]) -> Double { Self.call(d, y, p).lp }
        let h = 1e-6
        if !d.isDiscrete, d != .uniform {
            let fd = (lp(y + h, p) - lp(y - h, p)) / (2 * h)
            #expect(abs(r.dy - fd) < 1e-6 * max(1, abs(fd)), "\(name) d/dy: \(r.dy) vs \(fd)")
        }
        let analytic = [r.d0, r.d1, r.d2]
        for j in 0..<p.count where !(d == .binomialLogit && j == 0) {
            var up = p, down = p
            up[j] += h
            down[j] -= h
            let fd = (lp(y, up) - lp(y, down)) / (2 * h)
            #expect(abs(analytic[j] - fd) < 1e-6 * max(1, abs(fd)), "\(name) d/d\(d.parameterNames[j]): \(analytic[j]) vs \(fd)")
        }
    }

    @Test func outsideSupportIsMinusInfinityNotNaN() {
        let cases: [(Distribution, Double, [Double])] = [
            (.normal, 0, [0, -1]), (.halfNormal, -0.1, [1]), (.gamma, -1, [2, 1]), (.beta, 1.5, [2, 2]),
            (.uniform, 3, [0, 1]), (.exponential, -2, [1]), (.logNormal, 0, [0, 1]), (.poissonLog, -1, [0]),
            (.bernoulliLogit, 2, [0]), (.binomialLogit, 11, [10, 0]), (.inverseGamma, 0, [1, 1]),
        ]
        for (d, y, p) in cases {
            let r = Self.call(d, y, p)
            #expect(r.lp == -.infinity, "\(d) at \(y), \(p) gave \(r.lp)")
            #expect(r.dy == 0 && r.d0 == 0 && r.d1 == 0)
        }
    }
}

struct SpecialFunctionsTests {
    @Test func digammaMatchesKnownValues() {
        // ψ(1) = −γ, ψ(1/2) = −γ − 2 ln 2, ψ(10) (A&S Table 6.1, to 15 digits).
        let gamma = 0.577_215_664_901_532_86
        #expect(abs(SpecialFunctions.digamma(1) + gamma) < 1e-13)
        #expect(abs(SpecialFunctions.digamma(0.5) - (-gamma - 2 * 0.693_147_180_559_945_3)) < 1e-13)
        #expect(abs(SpecialFunctions.digamma(10) - 2.251_752_589_066_721_1) < 1e-13)
    }

    @Test func digammaIsTheDerivativeOfLogGamma() {
        for x in [0.05, 0.3, 1.7, 4.2, 25.0, 300.0] {
            let h = 1e-6 * x
            let fd = (SpecialFunctions.logGamma(x + h) - SpecialFunctions.logGamma(x - h)) / (2 * h)
            #expect(abs(SpecialFunctions.digamma(x) - fd) < 1e-6 * max(1, abs(fd)), "x = \(x)")
        }
    }

    @Test func softplusAndLogisticAreStableOnTheTails() {
        #expect(SpecialFunctions.log1pExp(800) == 800)
        #expect(SpecialFunctions.log1pExp(-800) == 0)
        #expect(abs(SpecialFunctions.log1pExp(0) - 0.693_147_180_559_945_3) < 1e-15)
        #expect(SpecialFunctions.invLogit(-800) >= 0 && SpecialFunctions.invLogit(800) == 1)
        #expect(abs(SpecialFunctions.logInvLogit(-50) + 50) < 1e-12)
        #expect(abs(SpecialFunctions.logSumExp([1000, 1000]) - (1000 + 0.693_147_180_559_945_3)) < 1e-12)
    }
}
