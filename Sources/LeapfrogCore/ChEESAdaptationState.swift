/// ChEES-HMC's shared warmup adaptation as a device continues it over a chained group of warmup
/// transitions (Kernels/warmup.cl's `lf_chees_shape` and `lf_chees_adapt`): the state after the
/// host's updates so far and the constants. Before each transition the device takes the shared
/// step size ε and the trajectory time t = u·exp(log T) (u the iteration's jitter) and gives
/// every chain ⌈t/ε⌉ steps, at least one; after it, the twin of `WindowedAdapter`'s shared dual
/// averaging and `ChEESAdaptation`'s Adam step, on the harmonic mean of the acceptance
/// probabilities (over groups of at most `harmonicGroup` chains, averaged) or their arithmetic
/// mean, and on the mean gradient term Σ w_c (‖x'_c − x̄'‖² − ‖x_c − x̄‖²) ⟨x'_c − x̄', v_c⟩ / Σ w:
///
///     t += 1;  η = 1 / (t + t₀);  s̄ = (1 − η) s̄ + η (δ − min(1, a));  ε = exp(μ − s̄ √t / γ)
///     k += 1;  g = t_u · G;  v = β₂ v + (1 − β₂) g²;  Δ = lr · g / (√(v / (1 − β₂ᵏ)) + ϵ)
///     log T += clip(Δ, ±c) (when finite);  log T = min(log T, log(L_max · ε));
///     log T̄ = (1 − k^(−r)) log T̄ + k^(−r) log T
///
/// (a NaN statistic counted as 0). The host replays the same statistics through its own
/// adaptation (`ChEESAdapter`), which is what it reports.
public struct ChEESAdaptationState: Sendable, Hashable {
    /// Dual averaging of the shared log step size (`DualAveraging`): t, s̄, μ and the step size
    /// ε the next transition uses; δ, γ, t₀ of its parameters.
    public var counter: Double
    public var errorMean: Double
    public var mu: Double
    public var stepSize: Double
    public var target: Double
    public var gamma: Double
    public var t0: Double
    /// Adam on log T (`ChEESAdaptation`): log T, Adam's second moment v and step k, the moving
    /// average log T̄ and the learning rate.
    public var logLength: Double
    public var secondMoment: Double
    public var step: Int
    public var logLengthAverage: Double
    public var learningRate: Double
    /// Adam's β₂ and ϵ, the clip c of a step, the most steps L_max and the average's decay r.
    public var beta2: Double
    public var epsilon: Double
    public var clip: Double
    public var maximumSteps: Double
    public var decayRate: Double
    /// The harmonic mean's group size, or nil for the arithmetic mean of the acceptance probabilities.
    public var harmonicGroup: Int?

    public init(counter: Double, errorMean: Double, mu: Double, stepSize: Double, target: Double, gamma: Double, t0: Double,
                logLength: Double, secondMoment: Double, step: Int, logLengthAverage: Double, learningRate: Double,
                beta2: Double, epsilon: Double, clip: Double, maximumSteps: Double, decayRate: Double, harmonicGroup: Int?) {
        (self.counter, self.errorMean, self.mu, self.stepSize) = (counter, errorMean, mu, stepSize)
        (self.target, self.gamma, self.t0) = (target, gamma, t0)
        (self.logLength, self.secondMoment, self.step) = (logLength, secondMoment, step)
        (self.logLengthAverage, self.learningRate) = (logLengthAverage, learningRate)
        (self.beta2, self.epsilon, self.clip, self.maximumSteps, self.decayRate) = (beta2, epsilon, clip, maximumSteps, decayRate)
        self.harmonicGroup = harmonicGroup
    }

    /// Values in `deviceValues`.
    public static var deviceValueCount: Int { 17 }

    /// The device's layout (`LF_CHEES_*` in Kernels/warmup.cl): the values in this order.
    public var deviceValues: [Double] {
        [counter, errorMean, mu, stepSize, target, gamma, t0, logLength, secondMoment, Double(step), logLengthAverage,
         learningRate, beta2, epsilon, clip, maximumSteps, decayRate]
    }
}
