import Leapfrog

/// A `DrawWriter` that copies every draw into a C caller's buffers as it is made: the values
/// (constrained parameters, then derived quantities, each flattened row-major) at
/// `values[(c * draws + k) * size + e]` for chain c, draw k and element e, and each sample
/// statistic at `[c * draws + k]` (`lp`, `acceptance_rate`, `step_size`, `energy` as double,
/// `tree_depth`, `n_steps` as int64, `diverging` as uint8 0 or 1: ArviZ's names). Any buffer may
/// be absent. The caller keeps the buffers alive until the run returns.
final class BufferDrawWriter: DrawWriter {
    /// The statistics a caller may ask for, with their C element type.
    enum Statistic: String, CaseIterable {
        case lp, acceptance_rate, step_size, energy, tree_depth, n_steps, diverging
    }

    let schema: DrawSchema
    private let values: UnsafeMutablePointer<Double>?
    private let statistics: [Statistic: UnsafeMutableRawPointer]
    private(set) var drawsWritten = 0

    init(schema: DrawSchema, values: UnsafeMutablePointer<Double>?, statistics: [Statistic: UnsafeMutableRawPointer]) {
        self.schema = schema
        self.values = values
        self.statistics = statistics
    }

    func recordAdaptation(_ adaptation: WarmupAdaptation) throws {}

    func append(_ draws: ChainBatch, stats: SampleStatistics) throws {
        let k = drawsWritten, planned = schema.plannedDraws, size = schema.flatCount
        guard k < planned else {
            throw LeapfrogError(.io, "the run made more than the \(planned) draws per chain its buffers hold")
        }
        guard draws.chains == schema.chains && draws.dimension == size else {
            throw LeapfrogError(.io, "a draw of \(draws.chains) × \(draws.dimension) values does not fit buffers of \(schema.chains) × \(size)")
        }
        for c in 0..<schema.chains {
            let row = c * planned + k
            if let values {
                for e in 0..<size { values[row * size + e] = draws[c, e] }
            }
            for (statistic, buffer) in statistics {
                switch statistic {
                case .lp: buffer.assumingMemoryBound(to: Double.self)[row] = stats.lp[c]
                case .acceptance_rate: buffer.assumingMemoryBound(to: Double.self)[row] = stats.acceptanceRate[c]
                case .step_size: buffer.assumingMemoryBound(to: Double.self)[row] = stats.stepSize[c]
                case .energy: buffer.assumingMemoryBound(to: Double.self)[row] = stats.energy[c]
                case .tree_depth: buffer.assumingMemoryBound(to: Int64.self)[row] = Int64(stats.treeDepth[c])
                case .n_steps: buffer.assumingMemoryBound(to: Int64.self)[row] = Int64(stats.nSteps[c])
                case .diverging: buffer.assumingMemoryBound(to: UInt8.self)[row] = stats.diverging[c] ? 1 : 0
                }
            }
        }
        drawsWritten += 1
    }

    func finish(interrupted: Bool, timing: RunTiming) throws {}

    func abandon() {}
}
