import LeapfrogCore

/// A warmup transition that left the state on the executor's device: every chain's diagnostics
/// and new log density, and the reductions the request asked for.
public struct ReducedTransition: Sendable {
    public var info: TransitionInfoBatch
    /// The new log densities (non-finite: −∞).
    public var logDensity: [Double]
    /// Batched model evaluations made (every chain in lockstep).
    public var lockstepEvaluations: Int
    /// Σ_i s(i, j) x_i per chain (`WarmupConvergence.projections`, unscaled), one row per projection.
    public var projections: ChainBatch?
    /// ChEES's per-chain sums, about the whole batch's means.
    public var cheesSums: ChEESSums?
    /// A shard's sums towards ChEES's means (`WarmupReductionRequest.cheesPartialMeans`).
    public var cheesPartialMeans: ChEESPartialMeans?
    /// A chained ChEES group's transition: the shared adaptation's record on the device (the
    /// mean gradient term stands in for `cheesSums`, `ChEESAdapter.observe(reduced:)`).
    public var cheesRecord: ChEESTransitionRecord?

    public init(info: TransitionInfoBatch, logDensity: [Double], lockstepEvaluations: Int, projections: ChainBatch? = nil,
                cheesSums: ChEESSums? = nil, cheesPartialMeans: ChEESPartialMeans? = nil,
                cheesRecord: ChEESTransitionRecord? = nil) {
        self.info = info
        self.logDensity = logDensity
        self.lockstepEvaluations = lockstepEvaluations
        self.projections = projections
        self.cheesSums = cheesSums
        self.cheesPartialMeans = cheesPartialMeans
        self.cheesRecord = cheesRecord
    }
}
