import LeapfrogCore

/// What the next transition needs, for every chain: the position, and its log density and
/// gradient (so a transition starts without evaluating the model).
public struct SamplerState: Sendable, Hashable {
    public var positions: ChainBatch
    public var logDensity: [Double]
    public var gradient: ChainBatch

    public init(positions: ChainBatch, logDensity: [Double], gradient: ChainBatch) {
        self.positions = positions
        self.logDensity = logDensity
        self.gradient = gradient
    }

    /// Evaluates `model` at `positions` (one batched evaluation).
    public init(positions: ChainBatch, model: some BatchedLogDensity) throws {
        let r = try model.evaluate(positions, active: nil)
        self.init(positions: positions, logDensity: r.logDensity.map { $0.isFinite ? $0 : -.infinity },
                  gradient: r.gradient)
    }

    public var chains: Int { positions.chains }
    public var dimension: Int { positions.dimension }
}
