import Foundation
import Testing
@testable import LeapfrogDiagnostics

struct StrayChainsTests {
    typealias Normals = SplitMixNormals

    /// lp__-like chains: an AR(1) series with autocorrelation 0.5 around `centre` (sd `scale`).
    static func chain(_ g: inout Normals, draws: Int, centre: Double, scale: Double = 2) -> [Double] {
        var x = 0.0
        return (0..<draws).map { _ in
            x = 0.5 * x + (0.75).squareRoot() * g.next()
            return centre + scale * x
        }
    }

    /// Chains from one distribution are never named: 60 replicates of 4 to 32 chains of 100 to
    /// 1000 draws each.
    @Test func chainsFromOneDistributionAreNotNamed() {
        var g = Normals(state: 17)
        for replicate in 0..<60 {
            let chains = [4, 8, 32][replicate % 3]
            let draws = [100, 1000][replicate % 2]
            let lp = (0..<chains).map { _ in Self.chain(&g, draws: draws, centre: -1907) }
            let s = StrayChains(logDensity: lp)
            #expect(s.typical != nil)
            #expect(s.chains.isEmpty, "replicate \(replicate): \(s.chains)")
        }
    }

    /// hmm_drive_0's picture: one chain of 4 with lp__ ≈ −1970 against ≈ −1907 (sd ≈ 2).
    @Test func aChainInAnotherModeIsNamedWithItsSide() {
        var g = Normals(state: 5)
        var lp = (0..<4).map { _ in Self.chain(&g, draws: 1000, centre: -1907) }
        lp[1] = Self.chain(&g, draws: 1000, centre: -1970)
        let s = StrayChains(logDensity: lp)
        #expect(s.chains.map(\.index) == [1])
        #expect(s.chains.first?.below == true)
        #expect(abs((s.chains.first?.logDensity.median ?? 0) + 1970) < 1)
        #expect(abs((s.typical?.median ?? 0) + 1907) < 1)

        lp[1] = Self.chain(&g, draws: 1000, centre: -1890)
        #expect(StrayChains(logDensity: lp).chains.map(\.below) == [false])
    }

    /// A chain that leaves the other mode late (hmm_drive_0's chain 1 left at draw 925 of 1000)
    /// is named while it spent more than half its draws there.
    @Test func aChainThatLeavesLateIsNamedWhileMostOfItsDrawsAreAway() {
        var g = Normals(state: 21)
        var lp = (0..<4).map { _ in Self.chain(&g, draws: 1000, centre: -1907) }
        lp[1] = Self.chain(&g, draws: 925, centre: -1970) + Self.chain(&g, draws: 75, centre: -1907)
        #expect(StrayChains(logDensity: lp).chains.map(\.index) == [1])
        lp[1] = Self.chain(&g, draws: 300, centre: -1970) + Self.chain(&g, draws: 700, centre: -1907)
        #expect(StrayChains(logDensity: lp).chains.isEmpty)
    }

    /// Many chains (their quantiles taken over the cores, 2¹⁶ draws and more): each chain's interval
    /// is numpy's quantiles of its draws, and the one chain in another mode of 1,000 is named.
    @Test func manyChainsAreJudgedChainByChain() {
        var g = Normals(state: 33)
        var lp = (0..<1_000).map { _ in Self.chain(&g, draws: 100, centre: -1907) }
        lp[617] = Self.chain(&g, draws: 100, centre: -1970)
        let s = StrayChains(logDensity: lp)
        #expect(s.chains.map(\.index) == [617])
        let intervals = StrayChains.intervals(lp)
        for c in [0, 1, 499, 617, 999] {
            let q = Quantile.of(lp[c], probs: [0.05, 0.5, 0.95])
            #expect(intervals[c] == StrayChains.Interval(q5: q[0], median: q[1], q95: q[2]), "chain \(c)")
        }
    }

    /// Fewer than 3 chains, fewer than 20 draws or a non-finite lp__: not judged.
    @Test func tooLittleToJudge() {
        var g = Normals(state: 9)
        let two = [Self.chain(&g, draws: 500, centre: 0), Self.chain(&g, draws: 500, centre: 100)]
        #expect(StrayChains(logDensity: two).typical == nil)
        let short = (0..<4).map { k in Self.chain(&g, draws: 19, centre: k == 0 ? 100 : 0) }
        #expect(StrayChains(logDensity: short).typical == nil)
        var nonFinite = (0..<3).map { _ in Self.chain(&g, draws: 100, centre: 0) } + [Self.chain(&g, draws: 100, centre: 100)]
        nonFinite[3][7] = .nan
        let s = StrayChains(logDensity: nonFinite)
        #expect(s.typical != nil)
        #expect(s.chains.isEmpty)
    }

    /// The warning names the chain, its lp__ and the typical chain's, and says what to do.
    @Test func warningNamesTheChain() {
        var g = Normals(state: 3)
        var lp = (0..<4).map { _ in Self.chain(&g, draws: 400, centre: -1907) }
        lp[2] = Self.chain(&g, draws: 400, centre: -1970)
        let w = DiagnosticWarnings(summaries: [], logDensity: lp)
        #expect(w.warnings.map(\.kind) == [.strayChains])
        let m = w.warnings[0].message
        #expect(m.hasPrefix("1 chain of 4 lies apart from the typical chain (lp__ median -1907"), "\(m)")
        #expect(m.contains("chain 2 (lp__ median -19"), "\(m)")
        #expect(m.contains("below)"), "\(m)")
        #expect(m.contains("--init pathfinder"), "\(m)")
        #expect(DiagnosticWarnings(summaries: [], logDensity: Array(lp[0..<2] + lp[3...])).isEmpty)
    }

    /// Two groups of two: every chain misses the typical interval, and the message says the
    /// chains fall into groups.
    @Test func evenSplitSaysGroups() {
        var g = Normals(state: 11)
        let lp = [0.0, 0, -60, -60].map { Self.chain(&g, draws: 300, centre: $0) }
        let w = DiagnosticWarnings(summaries: [], logDensity: lp)
        #expect(w.warnings.first?.message.contains("4 chains of 4 lie apart") == true, "\(w)")
        #expect(w.warnings.first?.message.contains("separate groups") == true, "\(w)")
    }
}
