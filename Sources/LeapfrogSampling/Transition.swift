import LeapfrogCore

/// The outcome of one transition of the batch.
public struct Transition: Sendable {
    public var state: SamplerState
    public var info: TransitionInfoBatch
    /// Batched model evaluations made (every chain in lockstep): the cost on a device.
    public var lockstepEvaluations: Int
    /// HMC only: the end of every chain's trajectory before the Metropolis test (ChEES needs it).
    public var proposal: Proposal? = nil

    public init(state: SamplerState, info: TransitionInfoBatch, lockstepEvaluations: Int, proposal: Proposal? = nil) {
        self.state = state
        self.info = info
        self.lockstepEvaluations = lockstepEvaluations
        self.proposal = proposal
    }
}

/// The end of every chain's trajectory before the Metropolis test: what ChEES's adaptation learns
/// from (`ChEESAdaptation.update`), and all a device executor reads back for it.
public struct Proposal: Sendable, Hashable {
    public var position: ChainBatch
    public var momentum: ChainBatch

    public init(position: ChainBatch, momentum: ChainBatch) {
        self.position = position
        self.momentum = momentum
    }
}

/// Constants shared by the trajectory samplers.
public enum Divergence {
    /// A leaf whose H − H₀ exceeds this is divergent. Stan `base_nuts.hpp` (`max_deltaH_`).
    public static let threshold = 1000.0
}
