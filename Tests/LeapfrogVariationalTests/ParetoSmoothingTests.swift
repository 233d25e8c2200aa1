import Foundation
import LeapfrogCore
import LeapfrogRandom
import Testing
@testable import LeapfrogVariational

/// Pareto-smoothed importance weights and resampling by them.
@Suite struct ParetoSmoothingTests {
    /// x ~ q = N(0, s²), S draws (Philox), with log(p/q) for p = N(m, 1).
    static func ratios(_ count: Int, proposalScale s: Double, targetMean m: Double) -> (x: [Double], logRatios: [Double]) {
        let r = PhiloxRandom(seed: 5)
        let x = (0..<count).map { s * r.normal(chain: $0, iteration: 0, purpose: .pathfinderDraw) }
        let lr = x.map { -0.5 * ($0 - m) * ($0 - m) + 0.5 * $0 * $0 / (s * s) + log(s) }
        return (x, lr)
    }

    /// q = N(0, 1.5²) for p = N(0.5, 1): the smoothed weights' mean and the resampled draws' mean
    /// are p's mean within Monte-Carlo error (sd 1; effective draws a few thousand: 0.1 is over 4 se).
    @Test func weightedAndResampledMeansMatchTheTargetOnAMismatchedProposal() throws {
        let (x, lr) = Self.ratios(4000, proposalScale: 1.5, targetMean: 0.5)
        let (lw, k) = ParetoSmoothing.smooth(logRatios: lr)
        #expect(k < 0.5, "k̂ = \(k)")
        let w = ImportanceResampling.normalised(logWeights: lw)
        let weighted = zip(w, x).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(weighted - 0.5) < 0.1, "weighted mean \(weighted)")
        let unweighted = x.reduce(0, +) / Double(x.count)
        #expect(abs(unweighted) < 0.1, "the proposal's own mean \(unweighted) is 0, so the test can tell")
        let idx = try #require(ImportanceResampling.resample(logWeights: lw, count: 4000, random: PhiloxRandom(seed: 9)))
        let resampled = idx.map { x[$0] }.reduce(0, +) / 4000
        #expect(abs(resampled - 0.5) < 0.1, "resampled mean \(resampled)")
    }

    /// Smoothing keeps the ranks, changes only the tail, never exceeds the largest raw ratio.
    @Test func smoothingKeepsRanksAndCapsTheTail() {
        let (_, lr) = Self.ratios(1000, proposalScale: 0.4, targetMean: 0)
        let (lw, k) = ParetoSmoothing.smooth(logRatios: lr)
        // q = N(0, 0.4²) for p = N(0, 1): w = exp(a z²), z ~ N(0, 1), a = ½(1 − 0.16): k = 2a = 0.84.
        #expect(k > 0.7, "q narrower than p: heavy tail, k̂ = \(k)")
        let order = lr.indices.sorted { lr[$0] < lr[$1] }
        let tail = Int((min(0.2 * 1000.0, 3 * 1000.0.squareRoot())).rounded(.up))
        for (rank, i) in order.enumerated() {
            if rank < 1000 - tail { #expect(lw[i] == lr[i]) }
            #expect(lw[i] <= lr.max()! + 1e-12)
            if rank > 0 { #expect(lw[i] >= lw[order[rank - 1]] - 1e-12) }
        }
        #expect(order.suffix(tail).contains { lw[$0] != lr[$0] })
    }

    /// Non-finite ratios get no weight; no finite weight at all is no resample.
    @Test func nonFiniteRatiosGetNoWeight() throws {
        var (_, lr) = Self.ratios(200, proposalScale: 1.2, targetMean: 0)
        lr[3] = .nan
        lr[7] = -.infinity
        let (lw, _) = ParetoSmoothing.smooth(logRatios: lr)
        let idx = try #require(ImportanceResampling.resample(logWeights: lw, count: 500, random: PhiloxRandom(seed: 1)))
        #expect(!idx.contains(3) && !idx.contains(7))
        #expect(ImportanceResampling.resample(logWeights: [-.infinity, .nan], count: 3, random: PhiloxRandom(seed: 1)) == nil)
    }

    /// Ratios equal but for rounding (an exact Gaussian fit: Pathfinder on a normal posterior):
    /// left as they are, k̂ = −∞ and no warning (the GPD fit gave NaN, "above 0.7").
    @Test func equalRatiosAreLeftAsTheyAre() {
        let lr = (0..<1000).map { -3.5 + Double($0 % 5) * 1e-15 }
        let (lw, k) = ParetoSmoothing.smooth(logRatios: lr)
        #expect(k == -.infinity && lw == lr)
    }
}
