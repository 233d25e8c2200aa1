/// Diagnostics of one transition of one chain (not needed by the next transition).
public struct TransitionInfo: Sendable, Hashable {
    /// HMC: the Metropolis acceptance probability min(1, e^{−ΔH}). NUTS: Stan's accept_stat,
    /// the mean of min(1, e^{H₀−H}) over every leaf of the trajectory. The step-size adaptation
    /// statistic.
    public var acceptanceStatistic: Double
    /// Whether the chain moved (HMC: proposal accepted; NUTS: a point other than the start drawn).
    public var accepted: Bool
    /// Energy error above `divergenceThreshold` or non-finite somewhere along the trajectory.
    public var divergent: Bool
    /// H = −log π(q) + K(p) at the returned point (Stan's `energy__`).
    public var energy: Double
    /// The (jittered) step size used.
    public var stepSize: Double
    /// NUTS tree depth (number of doublings completed); 0 for HMC.
    public var treeDepth: Int
    /// Integrator steps taken by this chain (Stan's `n_leapfrog__`).
    public var leapfrogSteps: Int
    /// Gradient evaluations this chain needed (leapfrogSteps × gradients per step).
    public var gradientEvaluations: Int

    public init(acceptanceStatistic: Double, accepted: Bool, divergent: Bool, energy: Double, stepSize: Double,
                treeDepth: Int, leapfrogSteps: Int, gradientEvaluations: Int) {
        self.acceptanceStatistic = acceptanceStatistic
        self.accepted = accepted
        self.divergent = divergent
        self.energy = energy
        self.stepSize = stepSize
        self.treeDepth = treeDepth
        self.leapfrogSteps = leapfrogSteps
        self.gradientEvaluations = gradientEvaluations
    }
}
