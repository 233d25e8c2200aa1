import Dispatch
import LeapfrogCore
import LeapfrogRandom

/// Runs a batch's chains as contiguous blocks on several local executors at once — the devices
/// of one host (`--device all`), each running whole transitions of its block — and joins their
/// transitions in chain order, so the sampler's adapters reduce over every chain in chain order,
/// as with one executor.
///
/// Shard r runs chains `blocks(chains:)[r]` with `random.block(startingAt:)` its first chain, so
/// its chain c draws global chain (first + c)'s Philox streams: the draws are one executor's,
/// whatever the split (to the shards' own rounding, identical when they are the same kind of
/// device). Blocks are in proportion to `weights` (`ChainPartition.blocks(chains:weights:)`),
/// the shards' measured throughputs: a shard's transition costs about its chains ÷ its
/// throughput, and the batch waits for the slowest shard.
///
/// The shards run on one thread each (`DispatchQueue.concurrentPerform`). Warmup keeps every
/// shard's state on its device (`HeldShard`), each shard's statistics reduced there and joined
/// (`ReducedTransition.joined`), and NUTS's per-chain warmup runs in chained groups of the length
/// the slowest shard asks for (`chainedGroupSize`), so the shards stay at one iteration; ChEES's
/// sums, taken about the whole batch's means, in two passes (each shard's partial means, then its
/// chains' sums about their join), so its states stay on the devices too.
/// Sampling's iterations go one `execute` at a time (the protocol's stepwise `stream`): a
/// device's streamed groups are not split (docs/benchmarks.md, "Sharded warmup", says why a
/// streamed version lost here). Step-size searches run on each shard for its block.
public struct SplitTransitionExecutor: TransitionExecutor {
    /// One shard, reached from its own thread only while a call runs.
    private final class Shard: @unchecked Sendable {
        var held: HeldShard
        var outcome: Result<Any, Error>?
        init(_ executor: any TransitionExecutor) { held = HeldShard(executor) }
    }

    private let shards: [Shard]
    /// Relative throughput of each shard.
    public let weights: [Double]
    /// The chains of the batch whose states the shards keep (`executeKeepingState`, `executeChained`).
    private var keptChains = 0

    /// - executors: one per shard, in block order.
    /// - weights: relative throughputs (positive), one per executor; equal shares when nil.
    public init(_ executors: [any TransitionExecutor], weights: [Double]? = nil) {
        precondition(!executors.isEmpty, "SplitTransitionExecutor: no executors")
        precondition(weights == nil || weights!.count == executors.count,
                     "SplitTransitionExecutor: \(weights!.count) weights for \(executors.count) executors")
        shards = executors.map(Shard.init)
        self.weights = weights ?? [Double](repeating: 1, count: executors.count)
    }

    /// Each shard's executor (to read its placements and device traffic).
    public var executors: [any TransitionExecutor] { shards.map(\.held.executor) }

    /// The chains of each shard for a batch of `chains`.
    public func blocks(chains: Int) -> [Range<Int>] { ChainPartition.blocks(chains: chains, weights: weights) }

    /// `body` on every shard with chains (its block), one thread each; the results in block order,
    /// or the first shard's error.
    private func onShards<T>(chains: Int, _ body: (Range<Int>, inout HeldShard) throws -> T) throws -> [T] {
        let blocks = blocks(chains: chains)
        let busy = shards.indices.filter { !blocks[$0].isEmpty }
        let shards = self.shards
        DispatchQueue.concurrentPerform(iterations: busy.count) { k in
            let shard = shards[busy[k]]
            shard.outcome = Result { try body(blocks[busy[k]], &shard.held) as Any }
        }
        defer { for r in busy { shards[r].outcome = nil } }
        return try busy.map { try shards[$0].outcome!.get() as! T }
    }

    public mutating func execute(_ request: TransitionRequest, from state: SamplerState,
                                 random: PhiloxRandom) throws -> Transition {
        Transition.joined(try onShards(chains: state.chains) { block, shard in
            try shard.executor.execute(request.chains(block), from: state.chains(block),
                                       random: random.block(startingAt: block.lowerBound))
        })
    }

    /// Each shard's transition kept where it runs (`HeldShard`), the reductions joined. ChEES's
    /// sums take two passes over the shards: each reduces its block's `ChEESPartialMeans`, the
    /// blocks are joined in chain order, and each takes its chains' sums about the batch's means.
    public mutating func executeKeepingState(_ request: TransitionRequest, from state: SamplerState?,
                                             reductions: WarmupReductionRequest, random: PhiloxRandom) throws -> ReducedTransition? {
        let n = request.stepSizes.count
        keptChains = n
        var parts = try onShards(chains: n) { block, shard in
            try shard.executeKeepingState(request.chains(block), from: state?.chains(block), reductions: reductions.forShard,
                                          random: random.block(startingAt: block.lowerBound))
        }
        if reductions.cheesSums {
            let means = ChEESPartialMeans.joined(try parts.map { try HeldShard.partialMeans(of: $0) })
            let sums = try onShards(chains: n) { _, shard in try shard.cheesSums(about: means) }
            for k in parts.indices { parts[k].cheesPartialMeans = nil; parts[k].cheesSums = sums[k] }
        }
        return ReducedTransition.joined(parts)
    }

    /// The smallest of the shards' sizes; nil when a shard cannot chain.
    public mutating func chainedGroupSize(_ request: TransitionRequest, span: ChainedWarmupSpan) throws -> Int? {
        // ChEES's span adapts from every shard's chains after each transition: one at a time here.
        guard span.chees == nil else { return nil }
        let sizes = try onShards(chains: request.stepSizes.count) { block, shard in
            try shard.chainedGroupSize(request.chains(block), span: span.chains(block))
        }
        return sizes.contains(nil) ? nil : sizes.compactMap { $0 }.min()
    }

    /// Every shard runs the same number of chained transitions (`count`, else the agreed
    /// `chainedGroupSize`); transition t's blocks joined.
    public mutating func executeChained(_ request: TransitionRequest, span: ChainedWarmupSpan, count: Int?,
                                        from state: SamplerState?, random: PhiloxRandom) throws -> [ReducedTransition]? {
        guard span.chees == nil, let count = try count ?? chainedGroupSize(request, span: span) else { return nil }
        keptChains = request.stepSizes.count
        let groups = try onShards(chains: request.stepSizes.count) { block, shard in
            try shard.executeChained(request.chains(block), span: span.chains(block), count: count,
                                     from: state?.chains(block), random: random.block(startingAt: block.lowerBound))
        }
        return (0..<count).map { t in ReducedTransition.joined(groups.map { $0[t] }) }
    }

    public mutating func prepare(integrator: Integrator, warmup: Bool) throws {
        for shard in shards { try shard.held.executor.prepare(integrator: integrator, warmup: warmup) }
    }

    public func runsOnDevice(_ integrator: Integrator) -> Bool {
        shards.allSatisfy { $0.held.executor.runsOnDevice(integrator) }
    }

    /// Each shard searches its block's step sizes where it runs them; nil (the batch's search on
    /// the host) when a shard would not. The lockstep cost is the longest block's.
    public mutating func searchStepSizes(_ state: SamplerState, metric: Metric, integrator: Integrator, initial: [Double],
                                         random: PhiloxRandom, search: Int) throws -> StepSizeSearch.Result? {
        let parts = try onShards(chains: state.chains) { block, shard in
            try shard.executor.searchStepSizes(state.chains(block), metric: metric.chains(block), integrator: integrator,
                                               initial: Array(initial[block]), random: random.block(startingAt: block.lowerBound),
                                               search: search)
        }
        return StepSizeSearch.Result.joined(parts)
    }

    public mutating func heldState() throws -> SamplerState {
        SamplerState.joined(try onShards(chains: keptChains) { _, shard in try shard.heldState() })
    }

    /// The shards' window moments in chain order (a shard without any: empty estimators).
    public mutating func takeWindowMoments() throws -> [WelfordEstimator]? {
        let parts = try onShards(chains: keptChains) { block, shard in (block, try shard.takeWindowMoments()) }
        guard let some = parts.lazy.compactMap(\.1).first(where: { !$0.isEmpty }) else { return nil }
        return parts.flatMap { block, moments in
            moments ?? Array(repeating: WelfordEstimator(dimension: some[0].dimension, dense: false), count: block.count)
        }
    }
}
