import Foundation
import Testing
@testable import LeapfrogDiagnostics

/// `ChainMoments`: a summary from running moments against the same figures from the draws.
struct ChainMomentsTests {
    typealias Normals = SplitMixNormals

    /// AR(1) chains x_t = ρ x_{t−1} + √(1 − ρ²) ε_t (unit variance), chain c offset by shift·c.
    static func chains(_ count: Int, draws n: Int, rho: Double, shift: Double = 0, seed: UInt64) -> [[Double]] {
        var g = Normals(state: seed)
        return (0..<count).map { c in
            var x = g.next(), out: [Double] = []
            for _ in 0..<n {
                x = rho * x + (1 - rho * rho).squareRoot() * g.next()
                out.append(x + shift * Double(c))
            }
            return out
        }
    }

    /// Feeds chains (`draws[c][t]`, one quantity) to moments, halves split at n/2.
    static func moments(_ draws: [[Double]]) -> ChainMoments {
        let c = draws.count, n = draws[0].count
        var m = ChainMoments(chains: c, quantities: 2)
        for t in 0..<n { m.add(draws.map { $0[t] } + draws.map { 2 * $0[t] + 1 }, half: t < n / 2 ? 0 : 1) }
        return m
    }

    @Test func meanSDSplitRHatAndNestedRHatEqualTheDrawsFigures() {
        for (rho, shift) in [(0.0, 0.0), (0.8, 0.0), (0.5, 0.3)] {
            let draws = Self.chains(8, draws: 200, rho: rho, shift: shift, seed: 7)
            let m = Self.moments(draws)
            let s = m.summary(quantity: 0, name: "x", superchains: 4)
            let all = draws.flatMap { $0 }
            let mean = all.reduce(0, +) / Double(all.count)
            let sd = (all.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(all.count - 1)).squareRoot()
            #expect(abs(s.mean - mean) < 1e-12 && abs(s.sd - sd) < 1e-12)
            #expect(abs(s.rhat - RHat.split(Draws(draws))) < 1e-10, "ρ \(rho) shift \(shift)")
            #expect(abs(s.nestedRHat! - RHat.nested(Draws(draws), superchains: 4)) < 1e-10)
            #expect(s.drawsPerChain == 200 && s.chains == 8 && s.nonFiniteCount == 0)
            #expect(s.q50.isNaN && s.essTail.isNaN)   // need the draws
            // A second quantity 2x + 1: the same R̂, twice the sd.
            let t = m.summary(quantity: 1, name: "y")
            #expect(abs(t.sd - 2 * sd) < 1e-11 && abs(t.rhat - s.rhat) < 1e-10 && t.nestedRHat == nil)
        }
        // Chains that disagree are flagged.
        let apart = Self.moments(Self.chains(8, draws: 200, rho: 0, shift: 1, seed: 3)).summary(quantity: 0, name: "x")
        #expect(apart.rhat > 1.5)
    }

    /// Batch-means ESS: N for independent draws, N/τ for AR(1) (τ = (1 + ρ)/(1 − ρ)); the
    /// estimate has 2C − 1 degrees of freedom (here 255), so ±25 % is about 3 standard errors.
    @Test(arguments: [0.0, 0.9])
    func batchMeansESSFindsTheIntegratedAutocorrelationTime(rho: Double) {
        let chains = 128, n = 1000
        let s = Self.moments(Self.chains(chains, draws: n, rho: rho, seed: 11)).summary(quantity: 0, name: "x")
        let expected = Double(chains * n) * (1 - rho) / (1 + rho)
        #expect(s.essBulk > 0.75 * expected && s.essBulk <= min(1.25 * expected, Double(chains * n)), "\(s.essBulk) vs \(expected)")
        #expect(abs(s.mcseMean - s.sd / s.essBulk.squareRoot()) < 1e-15)
    }

    /// One chain: R̂ and the ESS are NaN, as the draws' summary gives (ArviZ's R̂ needs two
    /// chains; two batches gave an ESS of one degree of freedom and an MCSE too small); the
    /// mean and sd stay exact. A run that stopped before its second half began has none either.
    @Test func oneChainOrOneHalfHasNoRHatNorESS() {
        let one = Self.moments(Self.chains(1, draws: 400, rho: 0.5, seed: 5)).summary(quantity: 0, name: "x")
        #expect(one.rhat.isNaN && one.essBulk.isNaN && one.mcseMean.isNaN && one.mean.isFinite && one.sd > 0)
        #expect(RHat.split(Draws(Self.chains(1, draws: 400, rho: 0.5, seed: 5))).isNaN)
        var firstHalfOnly = ChainMoments(chains: 4, quantities: 1)
        for t in 0..<50 { firstHalfOnly.add((0..<4).map { Double(($0 * 7 + t * 3) % 11) }, half: 0) }
        let s = firstHalfOnly.summary(quantity: 0, name: "x")
        #expect(s.rhat.isNaN && s.essBulk.isNaN && s.mean.isFinite)
    }

    @Test func aNonFiniteValueIsCountedAndShows() {
        var m = ChainMoments(chains: 2, quantities: 1)
        m.add([1, 2], half: 0)
        m.add([.infinity, 3], half: 0)
        m.add([1, 2], half: 1)
        m.add([2, 1], half: 1)
        let s = m.summary(quantity: 0, name: "x")
        #expect(s.nonFiniteCount == 1 && !s.mean.isFinite)
    }
}
