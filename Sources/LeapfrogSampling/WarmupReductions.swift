import LeapfrogCore

/// What an adapter needs from a warmup transition besides every chain's diagnostics and log
/// density, when the executor keeps the batches where the trajectories ran
/// (`TransitionExecutor.executeKeepingState`): the statistics are then reduced there and read
/// back as a few numbers per chain, instead of the chains' positions, gradients and proposals
/// (issue 13: "warmup statistics are reduced on the device and read as a few numbers per
/// iteration"). Each reduction has a Swift twin the host path uses on the full batches.
public struct WarmupReductionRequest: Sendable, Hashable {
    /// Add every chain's new position to its window moments (Welford's update, twin
    /// `WelfordEstimator.add`), kept where the state is until `TransitionExecutor.takeWindowMoments`.
    public var windowMoments = false
    /// Projections of every chain's new position (twin `WarmupConvergence.projections`); 0: none.
    public var projections = 0
    /// ChEES's per-chain sums of the proposals against the starts (twin `ChEESAdaptation.sums`).
    public var cheesSums = false

    public init(windowMoments: Bool = false, projections: Int = 0, cheesSums: Bool = false) {
        self.windowMoments = windowMoments
        self.projections = projections
        self.cheesSums = cheesSums
    }
}

/// A warmup transition that left the state on the executor's device: every chain's diagnostics
/// and new log density, and the reductions the request asked for.
public struct ReducedTransition: Sendable {
    public var info: [TransitionInfo]
    /// The new log densities (non-finite: −∞).
    public var logDensity: [Double]
    /// Batched model evaluations made (every chain in lockstep).
    public var lockstepEvaluations: Int
    /// Σ_i s(i, j) x_i per chain (`WarmupConvergence.projections`, unscaled), one row per projection.
    public var projections: ChainBatch?
    public var cheesSums: ChEESAdaptation.Sums?

    public init(info: [TransitionInfo], logDensity: [Double], lockstepEvaluations: Int, projections: ChainBatch? = nil,
                cheesSums: ChEESAdaptation.Sums? = nil) {
        self.info = info
        self.logDensity = logDensity
        self.lockstepEvaluations = lockstepEvaluations
        self.projections = projections
        self.cheesSums = cheesSums
    }
}
