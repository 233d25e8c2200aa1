import LeapfrogCore

/// The trajectory rule of one transition, as plain data a back end can execute.
public enum Trajectory: Sendable, Hashable {
    /// The No-U-Turn sampler (`NUTSKernel`) with at most `maxDepth` doublings.
    case nuts(maxDepth: Int)
    /// Static HMC with a Metropolis correction (`HMCKernel`).
    case hmc(HMCTrajectory, jitter: HMCJitter)
}

/// One transition of the whole batch, as a value: the trajectory rule and every tuning parameter
/// it needs. A `TransitionKernel` builds it from the current `Adaptation`; a `TransitionExecutor`
/// runs it (the host loop over `BatchedLogDensity` is the reference executor; a back end may run
/// whole trajectories on its device instead). Random numbers come from the Philox streams keyed
/// by (chain, `iteration`, purpose), so any executor can reproduce them.
public struct TransitionRequest: Sendable, Hashable {
    public var trajectory: Trajectory
    public var integrator: Integrator
    public var metric: Metric
    /// One step size per chain.
    public var stepSizes: [Double]
    /// The global iteration: the Philox iteration word.
    public var iteration: Int
    /// Whether the caller needs `Transition.proposal` (the trajectories' ends before the
    /// Metropolis test): ChEES's adapter learns from them during warmup. An executor that keeps
    /// trajectories on a device reads them back only then; the host executor always has them.
    public var returnsProposal = false
    /// The chains of the whole batch when this request is one block's (`chains(_:)`, sharded
    /// runs), else nil: a device executor chooses its launch shape for the whole batch, so a
    /// block runs the same vector code as one launch of every chain would.
    public var batchChains: Int?

    public init(trajectory: Trajectory, integrator: Integrator, metric: Metric, stepSizes: [Double], iteration: Int) {
        self.trajectory = trajectory
        self.integrator = integrator
        self.metric = metric
        self.stepSizes = stepSizes
        self.iteration = iteration
    }
}
