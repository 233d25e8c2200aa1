import LeapfrogCore
import LeapfrogDiagnostics

/// The adaptation a run ends warmup with.
public struct Adaptation: Sendable {
    public var stepSizes: [Double]
    /// The inverse metric (shared when pooled, per chain otherwise).
    public var metric: Metric
    /// ChEES: the adapted (unjittered) trajectory length.
    public var trajectoryLength: Double? = nil
    /// How many iterations warmup ran (set when it ends: an adaptive warmup's can be shorter
    /// than planned).
    public var warmupIterations: Int? = nil

    public init(stepSizes: [Double], metric: Metric, trajectoryLength: Double? = nil) {
        self.stepSizes = stepSizes
        self.metric = metric
        self.trajectoryLength = trajectoryLength
    }
}

/// What the progress hook is told, once per iteration.
public struct SamplingProgress: Sendable {
    public var phase: WarmupSchedule.Phase
    /// Global iteration, 0-based.
    public var iteration: Int
    public var totalIterations: Int
    /// Divergent transitions so far, all chains, in the current stage (warmup or sampling).
    public var divergences: Int
    /// Gradient evaluations so far: summed over chains (needed), and batched (lockstep).
    public var gradientEvaluations: Int
    public var lockstepEvaluations: Int
}

/// What a run returns (draws went to the sink).
public struct SamplingResult: Sendable {
    public var adaptation: Adaptation
    /// Gradient evaluations per chain (what each chain needed), initialisation and search included.
    public var gradientEvaluations: [Int]
    /// Batched model evaluations (the lockstep cost).
    public var lockstepEvaluations: Int
    public var warmupGradientEvaluations: [Int]
    public var warmupLockstepEvaluations: Int
    /// Divergent sampling transitions per chain.
    public var divergences: [Int]
    public var drawsWritten: Int
    /// `shouldStop` returned true: the sink holds what was written before.
    public var interrupted: Bool
    public var finalState: SamplerState
    /// Warmup iterations run (fewer than configured when an adaptive warmup converged).
    public var warmupIterations: Int = 0
    /// When and why an adaptive warmup ended; nil for a fixed one.
    public var warmupReport: WarmupReport? = nil
    /// With a target ESS: the log density's bulk ESS over every chain's retained draws.
    public var effectiveSampleSize: Double? = nil
    /// Why a run shared between members (`ChainCommunicator`) stopped early: a member was lost.
    /// The run is then `interrupted` with every draw written so far kept.
    public var failure: CommunicationFailure? = nil
    /// Chains moved during warmup (`StrayChainRelocation`), in the order they were moved.
    public var relocations: [ChainRelocation] = []
}
