import LeapfrogCore
import LeapfrogRandom
@testable import LeapfrogSampling
import Testing

/// Chains split over several local executors (`SplitTransitionExecutor`, the devices of one
/// host) make one executor's draws; weighted blocks (`ChainPartition.blocks(chains:weights:)`);
/// and a precision switch on one member switches every member (`ShardedLogDensity` as a
/// `PrecisionCheckpoint`).
struct SplitTransitionExecutorTests {
    static let model = DiagonalGaussian.illConditioned(dimension: 3)

    @Test func weightedBlocksAreContiguousAndProportional() {
        #expect(ChainPartition.blocks(chains: 8, weights: [3, 1]) == [0..<6, 6..<8])
        #expect(ChainPartition.blocks(chains: 7, weights: [1, 1, 1]) == [0..<3, 3..<5, 5..<7])
        #expect(ChainPartition.blocks(chains: 1, weights: [1, 5]) == [0..<0, 0..<1])
        for chains in [0, 1, 5, 12, 1000] {
            for members in 1...4 {
                let equal = ChainPartition.blocks(chains: chains, weights: [Double](repeating: 2.5, count: members))
                let partition = ChainPartition(chains: chains, members: members)
                #expect(equal == (0..<members).map(partition.block), "\(chains) chains, \(members) members")
            }
            let blocks = ChainPartition.blocks(chains: chains, weights: [0.3, 2, 1.1])
            #expect(blocks.first?.lowerBound == 0 && blocks.last?.upperBound == chains)
            for (a, b) in zip(blocks, blocks.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
        }
    }

    /// Whole runs (warmup's cross-chain adaptation included) with the chains split 2 : 1 over two
    /// host executors make the one-executor run's draws bit for bit (ChEES's trajectory length to
    /// rounding: its means are summed per shard, then joined).
    @Test(arguments: [(SamplerKind.nuts, true), (.nuts, false), (.chees, true)])
    func splitRunMakesOneExecutorsDraws(sampler: SamplerKind, pooled: Bool) throws {
        var config = ShardedTransitionExecutorTests.configuration(sampler, pooled: pooled)
        config.chains = 7
        let (single, _) = try Sampler.sample(model: Self.model, configuration: config)
        let split = InMemoryDrawSink()
        let executor = SplitTransitionExecutor([HostTransitionExecutor(model: Self.model), HostTransitionExecutor(model: Self.model)],
                                               weights: [2, 1])
        #expect(executor.blocks(chains: 7) == [0..<5, 5..<7])
        _ = try Sampler.run(model: Self.model, configuration: config, sink: split, executor: executor)
        ShardedTransitionExecutorTests.expectIdentical(single, split, "\(sampler) pooled=\(pooled), split 2 : 1",
                                                       trajectoryTolerance: sampler == .chees ? 1e-12 : 0)
    }

    /// An executor that fails at one iteration's transition.
    struct FailingAt: TransitionExecutor {
        struct Failure: Error, Equatable {}
        var base: HostTransitionExecutor<DiagonalGaussian>
        let iteration: Int
        mutating func execute(_ request: TransitionRequest, from state: SamplerState, random: PhiloxRandom) throws -> Transition {
            if request.iteration == iteration { throw Failure() }
            return try base.execute(request, from: state, random: random)
        }
    }

    /// A split run stopped after 7 draws keeps the one executor's first 7 draws; a shard that fails
    /// in sampling or in warmup (where the shards keep their states) ends the run with its error.
    @Test func splitRunsStopAndFailTogether() throws {
        var config = ShardedTransitionExecutorTests.configuration(.nuts, pooled: false)
        config.chains = 5
        let (single, _) = try Sampler.sample(model: Self.model, configuration: config)
        let host = HostTransitionExecutor(model: Self.model)
        var calls = 0
        let stopped = InMemoryDrawSink()
        let result = try Sampler.run(model: Self.model, configuration: config, sink: stopped,
                                     executor: SplitTransitionExecutor([host, host], weights: [3, 2]),
                                     shouldStop: { calls += 1; return calls > config.warmup + 7 })
        #expect(result.interrupted && result.drawsWritten == 7)
        #expect(stopped.positions == single.positions.map { Array($0.prefix(7)) })
        for at in [config.warmup + 12, 40] {
            let failing = SplitTransitionExecutor([host, FailingAt(base: host, iteration: at)])
            #expect(throws: FailingAt.Failure()) {
                _ = try Sampler.run(model: Self.model, configuration: config, sink: InMemoryDrawSink(), executor: failing)
            }
        }
    }

    /// A fast twin that is off (by 1 nat) wherever the first coordinate is above 0.5: some chains
    /// at some checkpoints, not all, so members' blocks can disagree.
    struct OffWhereHigh: BatchedLogDensity, Sendable {
        let base: DiagonalGaussian
        var dimension: Int { base.dimension }
        func evaluate(_ positions: ChainBatch, active: [Bool]?) throws -> DensityBatch {
            var r = try base.evaluate(positions, active: active)
            for c in 0..<positions.chains where positions[c, 0] > 0.5 { r.logDensity[c] += 1 }
            return r
        }
    }

    static func guarded() -> PrecisionGuard {
        PrecisionGuard(fast: OffWhereHigh(base: model), accurate: model, fastName: "fast", accurateName: "accurate",
                       clock: { 0 })
    }

    /// Two members, each with its own guard checking its own block: they agree, switch at the same
    /// checkpoint as one guard over every chain, and make its draws.
    @Test func precisionSwitchIsEveryMembers() throws {
        var config = ShardedTransitionExecutorTests.configuration(.nuts, pooled: true)
        config.chains = 6
        let shared = config
        let one = Self.guarded()
        let (single, _) = try Sampler.sample(model: one, configuration: config)
        let switchedAt = try #require(one.switchedAt, "the one-process guard switches")
        let members = try ThreadCommunicator.run(members: 2) { communicator -> (InMemoryDrawSink, String?, [Bool]) in
            let mine = Self.guarded()
            let sink = InMemoryDrawSink()
            _ = try Sampler.run(model: ShardedLogDensity(local: mine, communicator: communicator), configuration: shared,
                                sink: sink, executor: ShardedTransitionExecutor(local: HostTransitionExecutor(model: mine),
                                                                                communicator: communicator))
            return (sink, mine.switchedAt, mine.checks.map(\.passed))
        }
        for (r, member) in members.enumerated() {
            #expect(member.1 == switchedAt, "member \(r) switches where one process does")
            #expect(member.2 == one.checks.map(\.passed), "member \(r): the shared verdicts")
            ShardedTransitionExecutorTests.expectIdentical(single, member.0, "member \(r)")
        }
    }

    /// A host executor that notes the chains of each step-size search it runs, or refuses them, or
    /// fails them.
    struct NotingSearches: TransitionExecutor {
        final class Log: @unchecked Sendable {
            private let lock = Lock()
            private var chains: [Int] = []
            func add(_ n: Int) { lock.withLock { chains.append(n) } }
            var searched: [Int] { lock.withLock { chains.sorted() } }
        }
        var base = HostTransitionExecutor(model: SplitTransitionExecutorTests.model)
        let log: Log
        var refuses = false
        var fails = false
        struct Failure: Error {}
        mutating func execute(_ request: TransitionRequest, from state: SamplerState, random: PhiloxRandom) throws -> Transition {
            try base.execute(request, from: state, random: random)
        }
        mutating func searchStepSizes(_ state: SamplerState, metric: Metric, integrator: Integrator, initial: [Double],
                                      random: PhiloxRandom, search: Int) throws -> StepSizeSearch.Result? {
            log.add(state.chains)
            if fails { throw Failure() }
            return refuses ? nil : try base.searchStepSizes(state, metric: metric, integrator: integrator, initial: initial,
                                                            random: random, search: search)
        }
    }

    /// A batch's step-size search and its inputs: 7 chains apart, a per-chain metric, initial
    /// step sizes that must double and halve.
    static func searchInputs() throws -> (state: SamplerState, metric: Metric, initial: [Double]) {
        let n = 7, d = model.dimension
        var positions = ChainBatch(chains: n, dimension: d), inverse = ChainBatch(chains: n, dimension: d)
        for c in 0..<n {
            for i in 0..<d {
                positions[c, i] = 0.4 * Double(c - 3) + 0.1 * Double(i)
                inverse[c, i] = 0.5 + 0.25 * Double((c + i) % 3)
            }
        }
        return (try SamplerState(positions: positions, model: model), .diagonalPerChain(inverse),
                (0..<n).map { $0 % 2 == 0 ? 1e-3 : 8.0 })
    }

    /// Each shard searches its own block where it runs (one search per shard, its chains), and the
    /// joined search is the batch's host search exactly; a shard that would not search makes the
    /// split's search nil (the sampler then searches the batch on the host).
    @Test func eachShardSearchesItsBlock() throws {
        let (state, metric, initial) = try Self.searchInputs()
        let random = PhiloxRandom(seed: 4)
        let whole = try StepSizeSearch.run(state, model: Self.model, metric: metric, integrator: .leapfrog, initial: initial,
                                           random: random, search: 3)
        #expect(Set(whole.stepSizes).count > 2, "the chains' searches end apart")
        let log = NotingSearches.Log()
        var split = SplitTransitionExecutor([NotingSearches(log: log), NotingSearches(log: log)], weights: [2, 1])
        let joined = try #require(try split.searchStepSizes(state, metric: metric, integrator: .leapfrog, initial: initial,
                                                             random: random, search: 3))
        #expect(joined.stepSizes == whole.stepSizes)
        #expect(joined.gradientEvaluations == whole.gradientEvaluations)
        #expect(joined.lockstepEvaluations == whole.lockstepEvaluations)
        #expect(log.searched == [2, 5])
        var refusing = SplitTransitionExecutor([NotingSearches(log: log), NotingSearches(log: log, refuses: true)])
        #expect(try refusing.searchStepSizes(state, metric: metric, integrator: .leapfrog, initial: initial,
                                             random: random, search: 3) == nil)
    }
}
