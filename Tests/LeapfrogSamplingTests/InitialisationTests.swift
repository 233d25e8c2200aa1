import Testing
import LeapfrogCore
import LeapfrogRandom
@testable import LeapfrogSampling

/// Finite everywhere except for the chain at batch position `bad`.
struct FailsForChain: BatchedLogDensity {
    let bad: Int
    var dimension: Int { 2 }
    func evaluate(_ x: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        var r = try DiagonalGaussian(mean: [0, 0], sd: [1, 1]).evaluate(x, active: active)
        if bad < x.chains { r.logDensity[bad] = -.infinity }
        return r
    }
}

@Suite struct InitialisationTests {
    @Test func failureNamesTheChain() {
        var config = SamplerConfiguration()
        config.chains = 10; config.warmup = 10; config.draws = 10
        do {
            _ = try Sampler.sample(model: FailsForChain(bad: 7), configuration: config)
            Issue.record("expected an error")
        } catch let e as LeapfrogError {
            #expect(e.kind == .sampling)
            #expect(e.message.hasPrefix("chain 7: no finite log density after 100 initial points"), "\(e.message)")
        } catch { Issue.record("\(error)") }
    }

    @Test func uniformInRadiusAndReproducible() throws {
        let r = PhiloxRandom(seed: 5)
        let a = try Initialisation.run(model: DiagonalGaussian.iid(dimension: 7), chains: 5, points: .default, random: r)
        let b = try Initialisation.run(model: DiagonalGaussian.iid(dimension: 7), chains: 9, points: .default, random: r)
        #expect(a.state.positions.values.allSatisfy { abs($0) < 2 })
        for c in 0..<5 { #expect(a.state.positions.vector(chain: c) == b.state.positions.vector(chain: c)) }
        // Component i of chain c, attempt 0 = 4u − 2 with u the uniform element i.
        let u = r.uniform(chain: 3, iteration: 0, purpose: .initialisation, index: 5)
        #expect(a.state.positions[3, 5] == 4 * u - 2)
    }

    @Test func superchainsShareInitialPoints() throws {
        let r = try Initialisation.run(model: DiagonalGaussian.iid(dimension: 3), chains: 6, points: .default,
                                       superchains: 2, random: PhiloxRandom(seed: 1))
        let v = (0..<6).map { r.state.positions.vector(chain: $0) }
        #expect(v[0] == v[1] && v[1] == v[2] && v[3] == v[4] && v[4] == v[5] && v[0] != v[3])
    }

    @Test func givenPoints() throws {
        let shared = try Initialisation.run(model: DiagonalGaussian.iid(dimension: 2), chains: 3,
                                            points: .shared([0.5, -1]), random: PhiloxRandom(seed: 1))
        #expect((0..<3).allSatisfy { shared.state.positions.vector(chain: $0) == [0.5, -1] })
        let each = try Initialisation.run(model: DiagonalGaussian.iid(dimension: 2), chains: 2,
                                          points: .perChain([[1, 2], [3, 4]]), random: PhiloxRandom(seed: 1))
        #expect(each.state.positions.vector(chain: 1) == [3, 4])
        #expect(throws: LeapfrogError.self) {
            try Initialisation.run(model: FailsForChain(bad: 1), chains: 2, points: .perChain([[1, 2], [3, 4]]),
                                   random: PhiloxRandom(seed: 1))
        }
    }
}

@Suite struct SuperchainPointsTests {
    /// With superchains, `.perChain` gives one point per superchain, shared by its chains.
    @Test func onePointPerSuperchain() throws {
        let r = try Initialisation.run(model: DiagonalGaussian.iid(dimension: 2), chains: 4,
                                       points: .perChain([[1, 2], [3, 4]]), superchains: 2, random: PhiloxRandom(seed: 1))
        #expect((0..<4).map { r.state.positions.vector(chain: $0) } == [[1, 2], [1, 2], [3, 4], [3, 4]])
        #expect(throws: LeapfrogError.self) {
            try Initialisation.run(model: DiagonalGaussian.iid(dimension: 2), chains: 4,
                                   points: .perChain([[1, 2], [3, 4], [5, 6], [7, 8]]), superchains: 2, random: PhiloxRandom(seed: 1))
        }
    }
}
