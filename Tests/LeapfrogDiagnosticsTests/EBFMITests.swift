import Foundation
import Testing
@testable import LeapfrogDiagnostics

private struct EBFMIFixture: Decodable {
    let energy: [[Double]]
    let expected: [Double]
}

struct EBFMITests {
    /// Accumulated draw by draw, the same values as from the whole energy arrays (the ArviZ
    /// fixture's chains, and a chain with a non-finite energy).
    @Test func runningEqualsTheArrays() throws {
        let f = try JSONDecoder().decode(EBFMIFixture.self, from: fixtureData("ebfmi"))
        var energy = f.energy
        energy[1][3] = .infinity
        var running = EBFMI.Running(chains: energy.count)
        for t in 0..<energy[0].count { running.add(energy.map { $0[t] }) }
        let whole = EBFMI.perChain(energy: energy)
        #expect(running.perChain[1].isNaN && whole[1].isNaN)
        for (a, b) in zip(running.perChain, whole) where !b.isNaN { #expect(isClose(a, b, rel: 1e-10)) }
    }

    /// Against `az.bfmi`: the same formula, 1e-10 relative (naive vs numpy pairwise sums).
    @Test func matchesArviZ() throws {
        let f = try JSONDecoder().decode(EBFMIFixture.self, from: fixtureData("ebfmi"))
        let ours = EBFMI.perChain(energy: f.energy)
        #expect(ours.count == f.expected.count)
        for (o, e) in zip(ours, f.expected) { #expect(isClose(o, e, rel: 1e-10), "ours \(o) vs ArviZ \(e)") }
        // The fixture's last two chains (AR(1) ρ = 0.9, 0.95) are the low ones.
        #expect(ours.map { $0 < 0.3 } == [false, false, true, true])
    }

    @Test func nonFiniteOrShortChainsGiveNaN() {
        let e = EBFMI.perChain(energy: [[1, 2, .nan, 4], [1], [3, 3, 3], [1, .infinity, 2]])
        #expect(e.allSatisfy { $0.isNaN })
    }
}
