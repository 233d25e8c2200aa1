import LeapfrogCore

/// Warmup iterations a device may run back to back without the host between them
/// (`Adapter.chainedSpan`, `TransitionExecutor.executeChained`): over them the only tuning that
/// changes is every chain's own step size, by its own dual averaging after each transition, and
/// every iteration asks the same reductions. NUTS's per-chain adaptation inside one of Stan's
/// buffers or slow windows is such a span; a shared step size (pooled adaptation, ChEES) is not,
/// since it needs every chain's statistic after every transition.
public struct ChainedWarmupSpan: Sendable {
    /// The span's last iteration: the end of the initial buffer, of a slow window (the metric
    /// changes after it) or of warmup.
    public var last: Int
    /// Every chain's dual averaging before the span's first iteration.
    public var averaging: [DualAveraging]
    public var parameters: DualAveraging.Parameters
    /// What every iteration of the span needs reduced (`Adapter.reductions(for:)`).
    public var reductions: WarmupReductionRequest

    public init(last: Int, averaging: [DualAveraging], parameters: DualAveraging.Parameters,
                reductions: WarmupReductionRequest) {
        self.last = last
        self.averaging = averaging
        self.parameters = parameters
        self.reductions = reductions
    }

    /// The device's form of `averaging` (`StepSizeAveraging`, which continues it), with the step
    /// sizes the span's first transition uses.
    public func stepSizeAveraging(stepSizes: [Double]) -> StepSizeAveraging {
        StepSizeAveraging(counter: averaging.map(\.counter), errorMean: averaging.map(\.sBar), mu: averaging.map(\.mu),
                          stepSize: stepSizes, target: parameters.target, gamma: parameters.gamma, t0: parameters.t0)
    }
}
