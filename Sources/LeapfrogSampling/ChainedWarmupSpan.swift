import LeapfrogCore

/// Warmup iterations a device may run back to back without the host between them
/// (`Adapter.chainedSpan`, `TransitionExecutor.executeChained`): over them every iteration asks
/// the same reductions and the only tuning that changes is either every chain's own step size, by
/// its own dual averaging after each transition (NUTS's per-chain adaptation inside one of Stan's
/// buffers or slow windows), or ChEES's shared step size and trajectory length (`chees`), which
/// the device updates from all chains' statistics after each transition. A shared step size fed
/// by the host's statistic (pooled NUTS or HMC) is not such a span.
public struct ChainedWarmupSpan: Sendable {
    /// The span's last iteration: the end of the initial buffer, of a slow window (the metric
    /// changes after it) or of warmup.
    public var last: Int
    /// Every chain's dual averaging before the span's first iteration.
    public var averaging: [DualAveraging]
    public var parameters: DualAveraging.Parameters
    /// What every iteration of the span needs reduced (`Adapter.reductions(for:)`).
    public var reductions: WarmupReductionRequest
    /// ChEES-HMC's span (`ChEESAdapter.chainedSpan`): the shared adaptation before the span's
    /// first iteration and the jitter of its trajectory lengths; `averaging` then holds the one
    /// shared dual averaging. nil for per-chain spans. Only a whole batch runs it: a split or
    /// sharded executor runs it one transition at a time.
    public var chees: (adaptation: ChEESAdaptationState, jitter: ChEESJitter)?

    public init(last: Int, averaging: [DualAveraging], parameters: DualAveraging.Parameters,
                reductions: WarmupReductionRequest, chees: (adaptation: ChEESAdaptationState, jitter: ChEESJitter)? = nil) {
        self.last = last
        self.averaging = averaging
        self.parameters = parameters
        self.reductions = reductions
        self.chees = chees
    }

    /// The device's form of `averaging` (`StepSizeAveraging`, which continues it), with the step
    /// sizes the span's first transition uses.
    public func stepSizeAveraging(stepSizes: [Double]) -> StepSizeAveraging {
        StepSizeAveraging(counter: averaging.map(\.counter), errorMean: averaging.map(\.sBar), mu: averaging.map(\.mu),
                          stepSize: stepSizes, target: parameters.target, gamma: parameters.gamma, t0: parameters.t0)
    }
}
