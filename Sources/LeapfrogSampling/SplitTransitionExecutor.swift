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
/// The shards run on one thread each (`DispatchQueue.concurrentPerform`); sampling's iterations
/// go one `execute` at a time (the protocol's stepwise `stream`): a device's streamed groups are
/// not split.
public struct SplitTransitionExecutor: TransitionExecutor {
    /// One shard's executor, reached from its own thread only while `execute` runs.
    private final class Shard: @unchecked Sendable {
        var executor: any TransitionExecutor
        var outcome: Result<Transition, Error>?
        init(_ executor: any TransitionExecutor) { self.executor = executor }
    }

    private let shards: [Shard]
    /// Relative throughput of each shard.
    public let weights: [Double]

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
    public var executors: [any TransitionExecutor] { shards.map(\.executor) }

    /// The chains of each shard for a batch of `chains`.
    public func blocks(chains: Int) -> [Range<Int>] { ChainPartition.blocks(chains: chains, weights: weights) }

    public mutating func execute(_ request: TransitionRequest, from state: SamplerState,
                                 random: PhiloxRandom) throws -> Transition {
        let blocks = blocks(chains: state.chains)
        let busy = shards.indices.filter { !blocks[$0].isEmpty }
        let shards = self.shards
        DispatchQueue.concurrentPerform(iterations: busy.count) { k in
            let r = busy[k], block = blocks[r], shard = shards[r]
            shard.outcome = Result {
                try shard.executor.execute(request.chains(block), from: state.chains(block),
                                           random: random.block(startingAt: block.lowerBound))
            }
        }
        defer { for r in busy { shards[r].outcome = nil } }
        return Transition.joined(try busy.map { try shards[$0].outcome!.get() })
    }
}
