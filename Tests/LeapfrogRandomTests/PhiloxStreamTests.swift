import Foundation
import LeapfrogTestSupport
import Testing
@testable import LeapfrogRandom

/// `PhiloxStream` reads its stream in order, and its samplers (`PhiloxStream+Variates`) have the
/// distributions' known moments within Monte-Carlo error: each sample mean within 5 standard
/// errors (√(σ²/n)) of the mean, each sample variance within 5 standard errors (√((m₄ − σ⁴)/n),
/// m₄ the sample's fourth central moment) of the variance, for n = 100 000 draws.
@Suite struct PhiloxStreamTests {
    static let n = 100_000

    static func stream(_ chain: Int) -> PhiloxStream {
        PhiloxStream(random: PhiloxRandom(seed: 20_261_204), chain: chain, iteration: 7, purpose: .generatedQuantities)
    }

    static func draws(_ chain: Int, _ f: (inout PhiloxStream) -> Double) -> [Double] {
        var s = stream(chain)
        return (0..<n).map { _ in f(&s) }
    }

    static func expectMoments(_ xs: [Double], mean mu: Double, variance v: Double, _ what: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        let problem = SampleMoments(xs).disagreement(mean: mu, variance: v)
        #expect(problem == nil, "\(what): \(problem ?? "")", sourceLocation: sourceLocation)
    }

    static func expectFraction(_ xs: [Double], _ p: Double, _ what: String, where predicate: (Double) -> Bool,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        let f = Double(xs.filter(predicate).count) / Double(xs.count)
        let se = (p * (1 - p) / Double(xs.count)).squareRoot()
        #expect(abs(f - p) < 5 * se, "\(what): fraction \(f), expected \(p) ± \(se)", sourceLocation: sourceLocation)
    }

    @Test func readsTheStreamInOrder() {
        var s = Self.stream(3)
        let r = PhiloxRandom(seed: 20_261_204)
        for k in 0..<11 {
            #expect(s.uniform() == r.uniform(chain: 3, iteration: 7, purpose: .generatedQuantities, index: k))
        }
        #expect(s.position == 11)
    }

    @Test func sameKeySameNumbersOtherKeysOtherNumbers() {
        func first(_ chain: Int, _ iteration: Int) -> [Double] {
            var s = PhiloxStream(random: PhiloxRandom(seed: 5), chain: chain, iteration: iteration, purpose: .generatedQuantities)
            return (0..<8).map { _ in s.normal() }
        }
        #expect(first(0, 0) == first(0, 0))
        #expect(first(0, 0) != first(1, 0))
        #expect(first(0, 0) != first(0, 1))
    }

    @Test func continuousMoments() {
        Self.expectMoments(Self.draws(1) { $0.normal() }, mean: 0, variance: 1, "normal")
        Self.expectMoments(Self.draws(2) { $0.exponential() }, mean: 1, variance: 1, "exponential")
        Self.expectMoments(Self.draws(3) { $0.logistic() }, mean: 0, variance: Double.pi * Double.pi / 3, "logistic")
        Self.expectMoments(Self.draws(4) { $0.laplace() }, mean: 0, variance: 2, "laplace")
        // Cauchy: no moments; its quartiles are ±1.
        let c = Self.draws(5) { $0.cauchy() }
        Self.expectFraction(c, 0.75, "cauchy below 1") { $0 < 1 }
        Self.expectFraction(c, 0.25, "cauchy below -1") { $0 < -1 }
    }

    /// Gamma(α, 1): mean α, variance α, on both of Marsaglia–Tsang's branches (α < 1 and α ≥ 1).
    @Test func gammaMoments() {
        for (k, alpha) in [0.3, 1, 4.5, 60].enumerated() {
            Self.expectMoments(Self.draws(10 + k) { $0.gamma(shape: alpha) }, mean: alpha, variance: alpha, "gamma(\(alpha))")
        }
    }

    /// Beta(a, b): mean a/(a + b), variance ab/((a + b)²(a + b + 1)); tiny shapes stay finite.
    @Test func betaMoments() {
        for (k, (a, b)) in [(0.5, 2.0), (3.0, 7.0), (0.05, 0.05)].enumerated() {
            let s = a + b
            Self.expectMoments(Self.draws(20 + k) { $0.beta(a, b) }, mean: a / s, variance: a * b / (s * s * (s + 1)), "beta(\(a), \(b))")
        }
    }

    /// Poisson(λ): mean and variance λ, by inversion (λ = 3) and gamma splitting (λ = 40, 10⁵);
    /// P(0) = e^{−3} by inversion.
    @Test func poissonMoments() {
        for (k, lambda) in [3.0, 40, 100_000].enumerated() {
            let xs = Self.draws(30 + k) { Double($0.poisson(lambda)) }
            Self.expectMoments(xs, mean: lambda, variance: lambda, "poisson(\(lambda))")
            #expect(xs.allSatisfy { $0 >= 0 && $0 == $0.rounded() })
        }
        Self.expectFraction(Self.draws(33) { Double($0.poisson(3)) }, exp(-3), "poisson(3) = 0") { $0 == 0 }
        var s = Self.stream(34)
        #expect(s.poisson(0) == 0)
    }

    /// Binomial(n, p): mean np, variance np(1 − p), by inversion (20, 0.3), beta splitting and
    /// symmetry (1000, 0.7), and a large n (10⁶, 0.01); the edges p = 0 and p = 1.
    @Test func binomialMoments() {
        for (k, (n, p)) in [(20, 0.3), (1000, 0.7), (1_000_000, 0.01)].enumerated() {
            let xs = Self.draws(40 + k) { Double($0.binomial(n, p)) }
            Self.expectMoments(xs, mean: Double(n) * p, variance: Double(n) * p * (1 - p), "binomial(\(n), \(p))")
            #expect(xs.allSatisfy { $0 >= 0 && $0 <= Double(n) })
        }
        var s = Self.stream(44)
        #expect(s.binomial(10, 0) == 0)
        #expect(s.binomial(10, 1) == 10)
        #expect(s.binomial(0, 0.5) == 0)
    }

    @Test func categoricalFrequencies() {
        let weights = [0.2, 0.5, 0.3]
        let xs = Self.draws(50) { Double($0.categorical(weights)) }
        for (k, p) in weights.enumerated() {
            Self.expectFraction(xs, p, "category \(k + 1)") { $0 == Double(k + 1) }
        }
        // A zero weight is never drawn.
        let ys = Self.draws(51) { Double($0.categorical([0.5, 0, 0.5])) }
        #expect(!ys.contains(2))
    }
}
