/// Log density and gradient for every chain of a batch, in one call.
///
/// This is the contract between back ends (CPU reference, OpenCL) and samplers. Positions are
/// on the unconstrained scale; the log density includes the log-Jacobian of the constraining
/// transforms, as in Stan.
///
/// Non-finite policy: an evaluator never traps on a non-finite value. A point outside the
/// support, an overflow or a NaN comes back as a non-finite log density (and possibly a
/// non-finite gradient); samplers treat any non-finite log density as −∞ (rejected, and a
/// divergence inside a trajectory).
public protocol BatchedLogDensity: Sendable {
    /// Length of the unconstrained vector.
    var dimension: Int { get }

    /// Evaluates every chain whose `active` flag is set (all when `active` is nil). The outputs of
    /// inactive chains are unspecified: a back end may compute them anyway (lockstep) or skip them.
    func evaluate(_ positions: ChainBatch, active: [Bool]?) throws -> DensityBatch
}

extension BatchedLogDensity {
    public func evaluate(_ positions: ChainBatch) throws -> DensityBatch {
        try evaluate(positions, active: nil)
    }
}

/// Log density per chain and its gradient, in the layout of `ChainBatch`.
public struct DensityBatch: Sendable, Hashable {
    public var logDensity: [Double]
    public var gradient: ChainBatch

    public init(logDensity: [Double], gradient: ChainBatch) {
        precondition(logDensity.count == gradient.chains, "DensityBatch: chain counts differ")
        self.logDensity = logDensity
        self.gradient = gradient
    }
}
