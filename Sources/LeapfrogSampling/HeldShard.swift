import LeapfrogCore
import LeapfrogRandom

/// One block of chains of a run split into shards (`SplitTransitionExecutor`'s devices,
/// `ShardedTransitionExecutor`'s MPI ranks), in a warmup that keeps every shard's state where the
/// shard runs (`TransitionExecutor.executeKeepingState`): the shards then exchange a few numbers
/// per chain each iteration (diagnostics, log density, projections) instead of the chains'
/// positions and gradients, and the states only where the sampler fetches them (a window's end,
/// warmup's end).
///
/// Every shard must answer a keeping request, or the shards would part (some having run the
/// transition, some not): a shard whose executor keeps its state (a device's) lets it; one whose
/// executor cannot (the host loop, a device without a program for the model) runs `execute` and
/// keeps the state here, with the request's reductions computed by their host twins
/// (`WelfordEstimator.addWindow`, `WarmupConvergence.projections`) — what the sampler computes from the
/// same transition when nothing keeps the state, so the draws are the same either way.
struct HeldShard {
    var executor: any TransitionExecutor
    /// The shard's state when it is kept here (its executor could not keep it); nil when the
    /// executor holds it.
    private var kept: SamplerState?
    /// Per chain, the window moments of the transitions run here since the last `takeWindowMoments`.
    private var moments: [WelfordEstimator]?
    /// The last transition's starts, proposals and velocities when it ran here and asked for
    /// ChEES's partial means (for `cheesSums(about:)`).
    private var chees: (starts: ChainBatch, proposal: ChainBatch, velocity: ChainBatch)?

    init(_ executor: any TransitionExecutor) { self.executor = executor }

    /// `TransitionExecutor.executeKeepingState` for this shard's chains; never nil. `reductions`
    /// must not ask for ChEES's sums, which are taken about the whole batch's means: ask for its
    /// partial means (`WarmupReductionRequest.forShard`), join every shard's, and take each
    /// shard's sums about them (`cheesSums(about:)`).
    mutating func executeKeepingState(_ request: TransitionRequest, from state: SamplerState?,
                                      reductions: WarmupReductionRequest, random: PhiloxRandom) throws -> ReducedTransition {
        precondition(!reductions.cheesSums, "HeldShard: ChEES's sums are taken about the whole batch's means")
        let start = state ?? kept
        chees = nil
        if let reduced = try executor.executeKeepingState(request, from: start, reductions: reductions, random: random) {
            kept = nil
            return reduced
        }
        let from = try start ?? executor.heldState()
        var asked = request
        if reductions.cheesPartialMeans { asked.returnsProposal = true }
        let transition = try executor.execute(asked, from: from, random: random)
        kept = transition.state
        var partial: ChEESPartialMeans?
        if reductions.cheesPartialMeans {
            guard let proposal = transition.proposal else {
                throw LeapfrogError(.sampling, "a shard's executor returned no proposal for ChEES's warmup transition")
            }
            let weights = ChEESAdaptation.weights(acceptance: transition.info.map(\.acceptanceStatistic),
                                                  divergent: transition.info.map(\.divergent))
            partial = ChEESAdaptation.partialMeans(starts: from.positions, proposal: proposal.position, weights: weights)
            chees = (from.positions, proposal.position, request.metric.velocity(proposal.momentum))
        }
        if reductions.windowMoments {
            let width = reductions.momentCoordinates(dimension: from.dimension)
            var m = moments ?? Array(repeating: WelfordEstimator(dimension: width, dense: false), count: from.chains)
            WelfordEstimator.addWindow(transition.state, gradients: reductions.gradientMoments, to: &m)
            moments = m
        }
        let projections = reductions.projections > 0
            ? WarmupConvergence.projections(transition.state.positions, count: reductions.projections) : nil
        return ReducedTransition(info: transition.info, logDensity: transition.state.logDensity,
                                 lockstepEvaluations: transition.lockstepEvaluations, projections: projections,
                                 cheesPartialMeans: partial)
    }

    /// The partial means a shard's transition returned for ChEES's sums; an error when its
    /// executor left them out (a wrong join would give every chain wrong sums).
    static func partialMeans(of reduced: ReducedTransition) throws -> ChEESPartialMeans {
        guard let means = reduced.cheesPartialMeans else {
            throw LeapfrogError(.sampling, "a shard's executor returned no partial means for ChEES's warmup sums")
        }
        return means
    }

    /// ChEES's sums of the last transition's chains about the batch's `means`: from what was kept
    /// here, else the executor's (`TransitionExecutor.cheesSums(about:)`).
    mutating func cheesSums(about means: ChEESPartialMeans) throws -> ChEESSums {
        if let chees {
            return ChEESAdaptation.sums(starts: chees.starts, proposal: chees.proposal, velocity: chees.velocity, about: means)
        }
        guard let sums = try executor.cheesSums(about: means) else {
            throw LeapfrogError(.sampling, "a shard's executor kept no ChEES transition to take sums of")
        }
        return sums
    }

    /// The executor's chained group size (`TransitionExecutor.chainedGroupSize`).
    mutating func chainedGroupSize(_ request: TransitionRequest, span: ChainedWarmupSpan) throws -> Int? {
        try executor.chainedGroupSize(request, span: span)
    }

    /// Exactly `count` chained transitions (`TransitionExecutor.executeChained`), which the
    /// executor said it can run (`chainedGroupSize`); throws when it runs another number.
    mutating func executeChained(_ request: TransitionRequest, span: ChainedWarmupSpan, count: Int,
                                 from state: SamplerState?, random: PhiloxRandom) throws -> [ReducedTransition] {
        let group = try executor.executeChained(request, span: span, count: count, from: state ?? kept, random: random)
        guard let group, group.count == count else {
            throw LeapfrogError(.sampling, "a shard of \(request.stepSizes.count) chains ran \(group?.count ?? 0) of the "
                                + "\(count) chained warmup transitions its shards agreed on")
        }
        kept = nil
        return group
    }

    /// The shard's state: kept here, or read from its executor.
    mutating func heldState() throws -> SamplerState {
        try kept ?? executor.heldState()
    }

    /// Per chain, the window moments since the last call: the executor's and those of the
    /// transitions run here, combined; nil when neither has any.
    mutating func takeWindowMoments() throws -> [WelfordEstimator]? {
        defer { moments = nil }
        guard var taken = try executor.takeWindowMoments() else { return moments }
        if let moments { for c in taken.indices { taken[c].combine(moments[c]) } }
        return taken
    }
}
