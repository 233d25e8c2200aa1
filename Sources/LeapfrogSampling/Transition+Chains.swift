import LeapfrogCore

extension TransitionRequest {
    /// The request of chains `range` alone: their step sizes and metric, the whole batch's size
    /// (`batchChains`), everything else shared.
    public func chains(_ range: Range<Int>) -> TransitionRequest {
        var part = self
        part.batchChains = batchChains ?? stepSizes.count
        part.stepSizes = Array(stepSizes[range])
        part.metric = metric.chains(range)
        return part
    }
}

extension SamplerState {
    /// The state of chains `range` alone.
    public func chains(_ range: Range<Int>) -> SamplerState {
        SamplerState(positions: positions.chains(range), logDensity: Array(logDensity[range]), gradient: gradient.chains(range))
    }
}

extension SamplerState {
    /// The states of consecutive blocks of chains (in chain order) joined into the batch's.
    public static func joined(_ parts: [SamplerState]) -> SamplerState {
        precondition(!parts.isEmpty, "SamplerState.joined: no blocks")
        return SamplerState(positions: ChainBatch(stacking: parts.map(\.positions)), logDensity: parts.flatMap(\.logDensity),
                            gradient: ChainBatch(stacking: parts.map(\.gradient)))
    }
}

extension Transition {
    /// Transitions of consecutive blocks of chains (in chain order) joined into the batch's: states,
    /// infos and proposals side by side; the lockstep cost is the longest block's (the blocks run
    /// side by side). A proposal is kept only when every block has one.
    public static func joined(_ parts: [Transition]) -> Transition {
        precondition(!parts.isEmpty, "Transition.joined: no blocks")
        let proposals = parts.compactMap(\.proposal)
        let state = SamplerState.joined(parts.map(\.state))
        let proposal = proposals.count == parts.count
            ? Proposal(position: ChainBatch(stacking: proposals.map(\.position)),
                       momentum: ChainBatch(stacking: proposals.map(\.momentum))) : nil
        return Transition(state: state, info: TransitionInfoBatch(joining: parts.map(\.info)),
                          lockstepEvaluations: parts.map(\.lockstepEvaluations).max()!, proposal: proposal)
    }
}

extension ReducedTransition {
    /// Reduced transitions of consecutive blocks of chains (in chain order) joined into the batch's:
    /// infos, log densities, projections and ChEES's sums side by side, the lockstep cost the
    /// longest block's. ChEES's sums join so only when each block's were taken about the whole
    /// batch's means (`TransitionExecutor.cheesSums(about:)`); partial means do not join here.
    public static func joined(_ parts: [ReducedTransition]) -> ReducedTransition {
        precondition(!parts.isEmpty, "ReducedTransition.joined: no blocks")
        precondition(parts.allSatisfy { $0.cheesPartialMeans == nil }, "ReducedTransition.joined: partial means join by ChEESPartialMeans.joined")
        let projections = parts.compactMap(\.projections), sums = parts.compactMap(\.cheesSums)
        precondition(projections.isEmpty || projections.count == parts.count, "ReducedTransition.joined: projections from some blocks only")
        precondition(sums.isEmpty || sums.count == parts.count, "ReducedTransition.joined: ChEES's sums from some blocks only")
        return ReducedTransition(info: TransitionInfoBatch(joining: parts.map(\.info)), logDensity: parts.flatMap(\.logDensity),
                                 lockstepEvaluations: parts.map(\.lockstepEvaluations).max()!,
                                 projections: projections.isEmpty ? nil : ChainBatch(stacking: projections),
                                 cheesSums: sums.isEmpty ? nil : ChEESSums(proposalSpread: sums.flatMap(\.proposalSpread),
                                                                           startSpread: sums.flatMap(\.startSpread),
                                                                           proposalAlongVelocity: sums.flatMap(\.proposalAlongVelocity)))
    }
}

extension ChainedWarmupSpan {
    /// The span of chains `range` alone: their dual averaging, everything else shared.
    public func chains(_ range: Range<Int>) -> ChainedWarmupSpan {
        ChainedWarmupSpan(last: last, averaging: Array(averaging[range]), parameters: parameters, reductions: reductions)
    }
}
