import Testing
import LeapfrogCore
import LeapfrogRandom
@testable import LeapfrogSampling

@Suite struct NUTSTests {
    /// Runs a kernel without adaptation from exact draws of the target; returns draws[chain][draw].
    static func run(_ model: some BatchedLogDensity, chains: Int, draws: Int, stepSize: Double,
                    metric: Metric = .unit, maxDepth: Int = 10, start: [[Double]]? = nil)
        throws -> (draws: [[[Double]]], info: [[TransitionInfo]], lockstep: Int) {
        let kernel = NUTSKernel(maxDepth: maxDepth)
        let random = PhiloxRandom(seed: 99)
        let d = model.dimension
        var q = ChainBatch(chains: chains, dimension: d)
        for c in 0..<chains { q.setVector(start?[c] ?? Array(repeating: 0, count: d), chain: c) }
        var state = try SamplerState(positions: q, model: model)
        var out = [[[Double]]](repeating: [], count: chains)
        var infos = [[TransitionInfo]](repeating: [], count: chains)
        var lockstep = 0
        for it in 0..<draws {
            let t = try kernel.transition(state, model: model, metric: metric,
                                          stepSizes: Array(repeating: stepSize, count: chains), random: random, iteration: it)
            state = t.state
            lockstep += t.lockstepEvaluations
            for c in 0..<chains { out[c].append(state.positions.vector(chain: c)); infos[c].append(t.info[c]) }
        }
        return (out, infos, lockstep)
    }

    @Test func checkpointIndicesMatchNumpyro() {
        // numpyro _leaf_idx_to_ckpt_idxs: n = 1 → (0, 0); 3 → (0, 1); 5 → (1, 1); 7 → (0, 2); 6 → idx_max 2.
        #expect(NUTSKernel.checkpointIndices(leaf: 1) == (0, 0))
        #expect(NUTSKernel.checkpointIndices(leaf: 3) == (0, 1))
        #expect(NUTSKernel.checkpointIndices(leaf: 5) == (1, 1))
        #expect(NUTSKernel.checkpointIndices(leaf: 7) == (0, 2))
        #expect(NUTSKernel.checkpointIndices(leaf: 6).max == 2)
    }

    /// 1-D standard normal, ε = 0.9: depths 1–3, accept stats near 1, no divergences, moments right.
    @Test func oneDimensionalNormalIsSane() throws {
        let model = DiagonalGaussian(mean: [0], sd: [1])
        let start = (0..<200).map { [PhiloxRandom(seed: 1).normal(chain: $0, iteration: 0, purpose: .initialisation)] }
        let r = try Self.run(model, chains: 200, draws: 50, stepSize: 0.9, start: start)
        let all = r.info.flatMap { $0 }
        #expect(all.allSatisfy { $0.treeDepth >= 1 && $0.treeDepth <= 4 })
        #expect(all.allSatisfy { !$0.divergent })
        #expect(all.allSatisfy { $0.leapfrogSteps >= 1 && $0.leapfrogSteps <= 15 })
        let meanAccept = all.reduce(0) { $0 + $1.acceptanceStatistic } / Double(all.count)
        #expect(meanAccept > 0.8 && meanAccept <= 1, "accept \(meanAccept)")
        let m = ChainMoments(draws: r.draws)
        #expect(abs(m.mean[0]) < 4 * m.meanSE[0], "mean \(m.mean[0]) ± \(m.meanSE[0])")
        #expect(abs(m.variance[0] - 1) < 4 * m.varianceSE[0], "var \(m.variance[0]) ± \(m.varianceSE[0])")
    }

    /// A chain runs the same trajectory alone as beside others (lockstep masking is invisible),
    /// and a lockstep iteration costs as many batched steps as the longest trajectory.
    @Test func chainIndependentOfBatch() throws {
        let model = DenseGaussian.ar1(dimension: 3, rho: 0.5)
        let starts = (0..<6).map { c in (0..<3).map { Double($0 + c) * 0.3 } }
        let kernel = NUTSKernel(maxDepth: 6)
        let random = PhiloxRandom(seed: 12)
        var six = try SamplerState(positions: ChainBatch(vectors: starts), model: model)
        var three = try SamplerState(positions: ChainBatch(vectors: Array(starts[0..<3])), model: model)
        for it in 0..<8 {
            let a = try kernel.transition(six, model: model, metric: .unit, stepSizes: Array(repeating: 0.4, count: 6),
                                          random: random, iteration: it)
            let b = try kernel.transition(three, model: model, metric: .unit, stepSizes: Array(repeating: 0.4, count: 3),
                                          random: random, iteration: it)
            for c in 0..<3 {
                #expect(a.info[c] == b.info[c])
                #expect(a.state.positions.vector(chain: c) == b.state.positions.vector(chain: c))
            }
            #expect(a.lockstepEvaluations == a.info.map(\.leapfrogSteps).max())
            six = a.state
            three = b.state
        }
    }

    /// NaN density beyond x = 1: divergences are reported, nothing traps, draws stay finite.
    @Test func nonFiniteRegionGivesDivergences() throws {
        let r = try Self.run(WalledNormal(wall: 1), chains: 50, draws: 40, stepSize: 0.8)
        let all = r.info.flatMap { $0 }
        #expect(all.contains { $0.divergent })
        #expect(r.draws.allSatisfy { $0.allSatisfy { $0[0] <= 1 && $0[0].isFinite } })
    }
}
