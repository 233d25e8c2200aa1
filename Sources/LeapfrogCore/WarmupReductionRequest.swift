/// What an adapter needs from a warmup transition besides every chain's diagnostics and log
/// density, when the executor keeps the batches where the trajectories ran
/// (`TransitionExecutor.executeKeepingState` in LeapfrogSampling, `OpenCLTrajectories.runKeepingState`
/// on OpenCL): the statistics are then reduced there and read back as a few numbers per chain,
/// instead of the chains' positions, gradients and proposals (issue 13: "warmup statistics are
/// reduced on the device and read as a few numbers per iteration"). Each reduction has a Swift
/// twin the host path uses on the full batches.
public struct WarmupReductionRequest: Sendable, Hashable {
    /// Add every chain's new position to its window moments (Welford's update, twin
    /// `WelfordEstimator.add`), kept where the state is until `TransitionExecutor.takeWindowMoments`.
    public var windowMoments = false
    /// With `windowMoments`: every chain's gradient at its new position too, as coordinates
    /// d..<2d of its window moments (twin `WelfordEstimator.addWindow`), for the Fisher metric
    /// estimate (`MetricEstimator.fisher` in LeapfrogSampling).
    public var gradientMoments = false
    /// Projections of every chain's new position (twin `WarmupConvergence.projections`); 0: none.
    public var projections = 0
    /// ChEES's per-chain sums of the proposals against the starts (twin `ChEESAdaptation.sums`).
    public var cheesSums = false
    /// ChEES's sums in two steps, for a shard of a split batch (instead of `cheesSums`): the
    /// transition returns its chains' `ChEESPartialMeans` (twin `ChEESAdaptation.partialMeans`)
    /// and keeps its starts and proposals where they are until `cheesSums(about:)` is given the
    /// whole batch's.
    public var cheesPartialMeans = false

    public init(windowMoments: Bool = false, gradientMoments: Bool = false, projections: Int = 0, cheesSums: Bool = false,
                cheesPartialMeans: Bool = false) {
        precondition(!(cheesSums && cheesPartialMeans), "WarmupReductionRequest: ChEES's sums whole or in two steps, not both")
        precondition(windowMoments || !gradientMoments, "WarmupReductionRequest: gradient moments are part of the window moments")
        self.windowMoments = windowMoments
        self.gradientMoments = gradientMoments
        self.projections = projections
        self.cheesSums = cheesSums
        self.cheesPartialMeans = cheesPartialMeans
    }

    /// Coordinates per chain of the window moments this request adds for `d` parameters: d, or
    /// 2d with the gradients'.
    public func momentCoordinates(dimension d: Int) -> Int { gradientMoments ? 2 * d : d }

    /// This request for a shard of a split batch: ChEES's sums in two steps.
    public var forShard: WarmupReductionRequest {
        var r = self
        if r.cheesSums { r.cheesSums = false; r.cheesPartialMeans = true }
        return r
    }
}
