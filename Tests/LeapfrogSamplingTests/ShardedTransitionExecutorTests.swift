import LeapfrogCore
import LeapfrogRandom
@testable import LeapfrogSampling
import Testing

/// The reduction seam (`ChainCommunicator`): a run whose chains are split into K contiguous blocks,
/// each run by its own member with `ShardedTransitionExecutor` and `ShardedLogDensity`, makes the
/// one-process run's draws bit for bit, for per-chain and pooled adaptation. ChEES's means are
/// summed over each member's block and then joined (`ChEESPartialMeans`), an association of the
/// sums over chains that one process does not make, so its trajectory length agrees to rounding.
struct ShardedTransitionExecutorTests {
    static let model = DiagonalGaussian.illConditioned(dimension: 3)

    static func configuration(_ sampler: SamplerKind, pooled: Bool) -> SamplerConfiguration {
        var config = SamplerConfiguration()
        config.sampler = sampler
        config.chains = 5
        config.warmup = 120
        config.draws = 30
        config.seed = 17
        config.pooledAdaptation = pooled
        return config
    }

    /// Sampler.run as member `communicator` of a sharded run.
    static func sample(_ config: SamplerConfiguration, _ communicator: any ChainCommunicator) throws -> InMemoryDrawSink {
        let sink = InMemoryDrawSink()
        _ = try Sampler.run(model: ShardedLogDensity(local: model, communicator: communicator), configuration: config,
                            sink: sink, executor: ShardedTransitionExecutor(local: HostTransitionExecutor(model: model),
                                                                            communicator: communicator))
        return sink
    }

    /// Identical draws and tuning; the trajectory length to `trajectoryTolerance` (relative).
    static func expectIdentical(_ a: InMemoryDrawSink, _ b: InMemoryDrawSink, _ label: String, trajectoryTolerance: Double = 0) {
        #expect(a.positions == b.positions, "\(label): positions")
        #expect(a.logDensity == b.logDensity, "\(label): log densities")
        #expect(a.info == b.info, "\(label): sample statistics")
        #expect(a.adaptation?.stepSizes == b.adaptation?.stepSizes, "\(label): step sizes")
        #expect(a.adaptation?.metric == b.adaptation?.metric, "\(label): metric")
        let t = (a.adaptation?.trajectoryLength, b.adaptation?.trajectoryLength)
        #expect((t.0 == nil) == (t.1 == nil), "\(label): trajectory length")
        if let x = t.0, let y = t.1 {
            #expect(abs(x - y) <= trajectoryTolerance * abs(x), "\(label): trajectory length \(x) against \(y)")
        }
    }

    /// With the Fisher metric the window moments each member gathers hold the gradients' too.
    @Test(arguments: [(SamplerKind.nuts, true, MetricEstimator.variance), (.nuts, false, .variance), (.chees, true, .variance),
                      (.hmc, false, .variance), (.chees, true, .fisher), (.nuts, false, .fisher)])
    func kBlocksMakeTheOneProcessDraws(sampler: SamplerKind, pooled: Bool, estimator: MetricEstimator) throws {
        var config = Self.configuration(sampler, pooled: pooled)
        config.metricEstimator = estimator
        if sampler == .hmc { config.hmcTrajectory = .time(2); config.hmcJitter = .stepSize(0.2) }
        let shared = config
        let (single, _) = try Sampler.sample(model: Self.model, configuration: config)
        #expect(single.positions.count == config.chains && single.positions[0].count == config.draws)
        for members in [2, 3] {
            let sinks = try ThreadCommunicator.run(members: members) { try Self.sample(shared, $0) }
            for (r, sink) in sinks.enumerated() {
                Self.expectIdentical(single, sink, "\(sampler) pooled=\(pooled) \(estimator), \(members) members, member \(r)",
                                     trajectoryTolerance: sampler == .chees ? 1e-12 : 0)
            }
        }
    }

    /// More members than chains: the extra members hold empty blocks and still take part.
    @Test func moreMembersThanChains() throws {
        var config = Self.configuration(.nuts, pooled: true)
        config.chains = 2
        let shared = config
        let (single, _) = try Sampler.sample(model: Self.model, configuration: config)
        let sinks = try ThreadCommunicator.run(members: 3) { try Self.sample(shared, $0) }
        Self.expectIdentical(single, sinks[2], "3 members over 2 chains")
    }

    /// Each member searches its block's step sizes (`ShardedTransitionExecutor.searchStepSizes`):
    /// every member gets the batch's host search exactly, with one gather per search; when one
    /// member would not search, every member gets nil (and searches over the sharded density);
    /// when one fails, every member throws.
    @Test func eachMemberSearchesItsBlock() throws {
        let (state, metric, initial) = try SplitTransitionExecutorTests.searchInputs()
        let random = PhiloxRandom(seed: 4)
        let whole = try StepSizeSearch.run(state, model: Self.model, metric: metric, integrator: .leapfrog, initial: initial,
                                           random: random, search: 2)
        for members in [2, 3] {
            let log = SplitTransitionExecutorTests.NotingSearches.Log()
            let found = try ThreadCommunicator.run(members: members) { communicator -> (StepSizeSearch.Result?, Int) in
                var sharded = ShardedTransitionExecutor(local: SplitTransitionExecutorTests.NotingSearches(log: log),
                                                        communicator: communicator)
                let r = try sharded.searchStepSizes(state, metric: metric, integrator: .leapfrog, initial: initial,
                                                    random: random, search: 2)
                return (r, communicator.room.completed)
            }
            #expect(log.searched == ChainPartition(chains: 7, members: members).counts.sorted())
            for (r, (result, gathers)) in found.enumerated() {
                let result = try #require(result, "member \(r) of \(members)")
                #expect(result.stepSizes == whole.stepSizes && result.gradientEvaluations == whole.gradientEvaluations)
                #expect(result.lockstepEvaluations == whole.lockstepEvaluations)
                #expect(gathers == 1)
            }
        }
        let refused = try ThreadCommunicator.run(members: 2) { communicator -> Bool in
            var sharded = ShardedTransitionExecutor(
                local: SplitTransitionExecutorTests.NotingSearches(log: .init(), refuses: communicator.rank == 1),
                communicator: communicator)
            return try sharded.searchStepSizes(state, metric: metric, integrator: .leapfrog, initial: initial,
                                               random: random, search: 2) == nil
        }
        #expect(refused == [true, true])
        // A member whose search fails still gathers: every member ends with an error, no member waits.
        let failed = try ThreadCommunicator.run(members: 2) { communicator -> String in
            var sharded = ShardedTransitionExecutor(
                local: SplitTransitionExecutorTests.NotingSearches(log: .init(), fails: communicator.rank == 1),
                communicator: communicator)
            do {
                _ = try sharded.searchStepSizes(state, metric: metric, integrator: .leapfrog, initial: initial, random: random, search: 2)
                return "no error"
            } catch let e as LeapfrogError { return e.message } catch { return "\(type(of: error))" }
        }
        #expect(failed == ["rank 1's step-size search failed (its message is in its output)", "Failure"])
    }

    @Test func partitionIsContiguousAndCoversEveryChain() {
        let p = ChainPartition(chains: 5, members: 2)
        #expect(p.block(0) == 0..<3 && p.block(1) == 3..<5 && p.counts == [3, 2])
        let q = ChainPartition(chains: 2, members: 3)
        #expect(q.counts == [1, 1, 0] && q.block(2) == 2..<2)
    }

    /// A lost member ends the run as interrupted, with the draws written before it kept.
    @Test func lostMemberEndsTheRunKeepingDraws() throws {
        let config = Self.configuration(.nuts, pooled: true)
        // Initialisation and the step-size searches gather too: count a whole run's gathers, then
        // fail 10 before its end (10 sampling transitions short).
        let counting = FailingCommunicator(succeeding: .max)
        _ = try Self.sample(config, counting)
        let failing = FailingCommunicator(succeeding: counting.count.calls - 10)
        let sink = InMemoryDrawSink()
        let result = try Sampler.run(model: ShardedLogDensity(local: Self.model, communicator: failing), configuration: config,
                                     sink: sink, executor: ShardedTransitionExecutor(local: HostTransitionExecutor(model: Self.model),
                                                                                     communicator: failing))
        #expect(result.interrupted)
        #expect(result.failure?.message == "rank 1 stopped answering (test)")
        #expect(result.drawsWritten == config.draws - 10 && sink.positions[0].count == result.drawsWritten)
        let (single, _) = try Sampler.sample(model: Self.model, configuration: config)
        #expect(single.positions.map { Array($0.prefix(result.drawsWritten)) } == sink.positions)
    }

    /// A block's Philox streams are the global chains' streams.
    @Test func blockRandomIsTheGlobalChainsRandom() {
        let random = PhiloxRandom(seed: 9)
        let block = random.block(startingAt: 3)
        #expect(block.uniform(chain: 1, iteration: 4, purpose: .momentum) == random.uniform(chain: 4, iteration: 4, purpose: .momentum))
        #expect(block.uniform(chain: Int(PhiloxRandom.sharedChain), iteration: 4, purpose: .sharedJitter)
                == random.uniform(chain: Int(PhiloxRandom.sharedChain), iteration: 4, purpose: .sharedJitter))
    }
}
