/// Every chain's dual averaging of its log step size, as a device continues it over groups of
/// chained warmup transitions (`NUTSSource`): per chain the state after its updates so far (the
/// counter t, the averaged error s̄, the centre μ and the step size ε its next transition uses) and
/// the constants. The device computes what the next step size needs, per chain after each
/// transition with acceptance statistic a:
///
///     t += 1;  η = 1 / (t + t₀);  s̄ = (1 − η) s̄ + η (δ − min(1, a));  ε = exp(μ − s̄ √t / γ)
///
/// (a NaN counted as 0), the twin of `DualAveraging.update` in LeapfrogSampling, which also keeps
/// x̄ (the step size sampling will use): the host replays the group's statistics through it.
public struct StepSizeAveraging: Sendable, Hashable {
    public var counter: [Double]
    public var errorMean: [Double]
    public var mu: [Double]
    public var stepSize: [Double]
    /// δ, γ and t₀ of `DualAveraging.Parameters`.
    public var target: Double
    public var gamma: Double
    public var t0: Double

    public init(counter: [Double], errorMean: [Double], mu: [Double], stepSize: [Double], target: Double, gamma: Double,
                t0: Double) {
        precondition(Set([counter.count, errorMean.count, mu.count, stepSize.count]).count == 1,
                     "StepSizeAveraging: \(counter.count), \(errorMean.count), \(mu.count) and \(stepSize.count) chains")
        self.counter = counter
        self.errorMean = errorMean
        self.mu = mu
        self.stepSize = stepSize
        self.target = target
        self.gamma = gamma
        self.t0 = t0
    }

    public var chains: Int { counter.count }
}
