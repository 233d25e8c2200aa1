import Foundation
import LeapfrogCore
import LeapfrogRandom
import Testing
@testable import LeapfrogVariational

@Suite struct ParetoKHatTests {
    static func normals(_ n: Int, seed: UInt64 = 3) -> [Double] {
        let r = PhiloxRandom(seed: seed)
        return (0..<n).map { r.normal(chain: $0, iteration: 0, purpose: .variationalOutput) }
    }

    /// The Zhang–Stephens fit recovers the shape of generalized-Pareto draws (inverse CDF
    /// x = σ/k·((1 − u)^(−k) − 1)) within its sampling error at n = 2000, shrunk towards ½ by 10
    /// pseudo-observations (negligible here).
    @Test(arguments: [0.2, 0.5, 0.9])
    func generalizedParetoFitRecoversTheShape(k: Double) {
        let r = PhiloxRandom(seed: 11)
        let x = (0..<2000).map { s -> Double in
            let u = r.uniform(chain: s, iteration: 0, purpose: .variationalOutput)
            return 2.0 / k * (pow(1 - u, -k) - 1)
        }.sorted()
        let fit = GeneralizedPareto.fit(sortedExceedances: x)
        #expect(abs(fit.shape - k) < 0.1, "k̂ = \(fit.shape) for k = \(k)")
        #expect(abs(fit.scale / 2 - 1) < 0.15, "σ̂ = \(fit.scale) for σ = 2")
    }

    @Test func goodFitHasSmallKHat() {
        // q = N(0, 1), p = N(0, 0.9²): q slightly wider than p, so the ratios are bounded (k < 0).
        let x = Self.normals(4000)
        let ratios = x.map { -0.5 * $0 * $0 / 0.81 + 0.5 * $0 * $0 }
        let k = ParetoKHat.estimate(logRatios: ratios)
        #expect(k < 0.5, "k̂ = \(k)")
    }

    /// q = N(0, 1) against p = N(0, 3²): the ratios' tail is Pareto with k = 2a, a = ½(1 − 1/9)
    /// (P(w > t) ~ t^(−1/(2a))): k = 8/9, above 0.7.
    @Test func narrowQHasLargeKHat() {
        let x = Self.normals(4000)
        let ratios = x.map { -0.5 * $0 * $0 / 9 + 0.5 * $0 * $0 }
        let k = ParetoKHat.estimate(logRatios: ratios)
        #expect(k > ParetoKHat.warningThreshold, "k̂ = \(k)")
    }

    /// Ratios equal over the tail (q is p up to a constant: an exact Gaussian fit) have no tail:
    /// k̂ = −∞, no warning (it was NaN, "above 0.7").
    @Test func equalRatiosHaveNoTail() {
        let k = ParetoKHat.estimate(logRatios: Array(repeating: -1.25, count: 400))
        #expect(k == -.infinity && k < ParetoKHat.warningThreshold)
        // Equal but for rounding (p and q computed along different paths).
        let rounded = (0..<400).map { -1.25 + Double($0 % 7) * 1e-15 }
        #expect(ParetoKHat.estimate(logRatios: rounded) == -.infinity)
    }

    /// A fit far from the posterior: log ratios spread over 10¹¹ nats (the helper's funnel run),
    /// so one draw carries all the weight. The tail has nothing to fit but is as heavy as a tail
    /// gets: +∞, warned (it was NaN: "could not be estimated … use more --draws").
    @Test func aTailOneDrawDominatesIsInfinitelyHeavy() {
        let ratios = (0..<1000).map { -1e12 + 9.5e11 * Double($0) / 999 }
        #expect(ParetoKHat.estimate(logRatios: ratios) == .infinity)
        // Four draws of weight against a flat rest: still dominated.
        #expect(ParetoKHat.estimate(logRatios: Array(repeating: -100, count: 996) + [0, -1, -2, -3]) == .infinity)
    }

    @Test func tooFewDrawsGiveNaN() {
        #expect(ParetoKHat.estimate(logRatios: [0, 1, 2]).isNaN)
        #expect(ParetoKHat.estimate(logRatios: [0, .nan] + Array(repeating: 1, count: 100)) == .infinity)
    }

    /// Yao et al.'s use: mean-field ADVI on a strongly correlated Gaussian underestimates the
    /// variances, and k̂ flags it; full-rank fits it and k̂ is small.
    @Test func kHatTellsMeanFieldFromFullRankOnACorrelatedTarget() throws {
        let (target, _) = GaussianDensity.correlated(mean: [0, 0, 0, 0], scales: [1, 1, 1, 1], rho: 0.95)
        var c = ADVIConfiguration()
        c.maxIterations = 1500
        c.learningRate = 0.05
        c.decayIterations = 200
        c.stickingTheLanding = true
        c.toleranceRelativeObjective = 1e-9
        var k: [GaussianFamily.Kind: Double] = [:]
        for kind in GaussianFamily.Kind.allCases {
            c.family = kind
            let q = try ADVI.fit(model: target, configuration: c).family
            let (draws, logQ) = ADVI.draws(q, count: 2000, seed: 5)
            let lp = try target.evaluate(draws).logDensity
            k[kind] = ParetoKHat.estimate(logRatios: zip(lp, logQ).map { $0 - $1 })
        }
        #expect(k[.fullRank]! < ParetoKHat.warningThreshold, "full-rank k̂ = \(k[.fullRank]!)")
        #expect(k[.meanField]! > ParetoKHat.warningThreshold, "mean-field k̂ = \(k[.meanField]!)")
    }
}
