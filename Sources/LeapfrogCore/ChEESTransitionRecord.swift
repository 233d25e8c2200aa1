/// What a device's chained ChEES warmup transition records of the shared adaptation
/// (Kernels/warmup.cl's `lf_chees_shape` and `lf_chees_adapt`): the step size every chain used,
/// and after it the mean gradient term G = Σ w_c (‖x'_c − x̄'‖² − ‖x_c − x̄‖²) ⟨x'_c − x̄', v_c⟩ / Σ w
/// (ChEES's gradient in log T over the trajectory time) and the step size's statistic (the
/// acceptance probabilities' aggregate), both as the device computed them.
public struct ChEESTransitionRecord: Sendable, Hashable {
    public var stepSize: Double
    public var meanGradient: Double
    public var statistic: Double

    public init(stepSize: Double, meanGradient: Double, statistic: Double) {
        self.stepSize = stepSize
        self.meanGradient = meanGradient
        self.statistic = statistic
    }
}
