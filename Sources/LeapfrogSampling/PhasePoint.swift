import LeapfrogCore

/// A point in phase space for every chain of a batch: position, momentum, and the log density
/// and gradient at the position (so the first kick of the next step needs no evaluation).
public struct PhasePoint: Sendable, Hashable {
    public var position: ChainBatch
    public var momentum: ChainBatch
    /// Non-finite values are stored as −∞ (the contract's policy).
    public var logDensity: [Double]
    public var gradient: ChainBatch

    public init(position: ChainBatch, momentum: ChainBatch, logDensity: [Double], gradient: ChainBatch) {
        self.position = position
        self.momentum = momentum
        self.logDensity = logDensity.map { $0.isFinite ? $0 : -.infinity }
        self.gradient = gradient
    }

    public var chains: Int { position.chains }
    public var dimension: Int { position.dimension }

    /// H = −log π(q) + ½ pᵀ M⁻¹ p per chain; NaN is mapped to +∞ (Stan base_nuts.hpp).
    public func hamiltonian(metric: Metric) -> [Double] {
        let k = metric.kineticEnergy(momentum)
        return (0..<chains).map { c in
            let h = -logDensity[c] + k[c]
            return h.isNaN ? .infinity : h
        }
    }

    /// Copies chain `c` of `other` into this point.
    public mutating func copyChain(_ c: Int, from other: PhasePoint) {
        position.copyChain(c, from: other.position)
        momentum.copyChain(c, from: other.momentum)
        gradient.copyChain(c, from: other.gradient)
        logDensity[c] = other.logDensity[c]
    }
}
