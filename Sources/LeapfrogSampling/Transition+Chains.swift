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

extension Transition {
    /// Transitions of consecutive blocks of chains (in chain order) joined into the batch's: states,
    /// infos and proposals side by side; the lockstep cost is the longest block's (the blocks run
    /// side by side). A proposal is kept only when every block has one.
    public static func joined(_ parts: [Transition]) -> Transition {
        precondition(!parts.isEmpty, "Transition.joined: no blocks")
        let proposals = parts.compactMap(\.proposal)
        let state = SamplerState(positions: ChainBatch(stacking: parts.map(\.state.positions)),
                                 logDensity: parts.flatMap(\.state.logDensity),
                                 gradient: ChainBatch(stacking: parts.map(\.state.gradient)))
        let proposal = proposals.count == parts.count
            ? Proposal(position: ChainBatch(stacking: proposals.map(\.position)),
                       momentum: ChainBatch(stacking: proposals.map(\.momentum))) : nil
        return Transition(state: state, info: parts.flatMap(\.info),
                          lockstepEvaluations: parts.map(\.lockstepEvaluations).max()!, proposal: proposal)
    }
}
