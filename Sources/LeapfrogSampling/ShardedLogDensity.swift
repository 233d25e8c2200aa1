import LeapfrogCore

/// A batch's log density computed by every member of a run (`ChainCommunicator`), each on its own
/// contiguous block of the batch's chains (`ChainPartition`), then gathered in chain order: every
/// member gets the whole batch's result.
///
/// Every member must call `evaluate` with the same batch (the replicated host code of
/// `Sampler.run`, `Initialisation` and `StepSizeSearch` does). A back end's result for a chain
/// does not depend on the chains beside it, so the gathered batch is the one-process batch, bit
/// for bit. Outputs of inactive chains stay unspecified, as `BatchedLogDensity` allows.
public struct ShardedLogDensity<Local: BatchedLogDensity>: BatchedLogDensity {
    public let local: Local
    public let communicator: any ChainCommunicator

    public init(local: Local, communicator: any ChainCommunicator) {
        self.local = local
        self.communicator = communicator
    }

    public var dimension: Int { local.dimension }

    /// Per chain: the log density, then the gradient's d components.
    public func evaluate(_ positions: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        let n = positions.chains, d = dimension, width = d + 1
        let partition = ChainPartition(chains: n, members: communicator.members)
        let mine = partition.block(communicator.rank)
        var record: [Double] = []
        record.reserveCapacity(mine.count * width)
        if !mine.isEmpty {
            let r = try local.evaluate(positions.chains(mine), active: active.map { Array($0[mine]) })
            for c in 0..<mine.count {
                record.append(r.logDensity[c])
                for i in 0..<d { record.append(r.gradient[c, i]) }
            }
        }
        let all = try communicator.allGather(record, counts: partition.counts.map { $0 * width })
        var logDensity = [Double](repeating: 0, count: n)
        var gradient = ChainBatch(chains: n, dimension: d)
        for c in 0..<n {
            let base = c * width
            logDensity[c] = all[base]
            for i in 0..<d { gradient.values[i * n + c] = all[base + 1 + i] }
        }
        return DensityBatch(logDensity: logDensity, gradient: gradient)
    }
}

extension ShardedLogDensity: PrecisionCheckpoint {
    /// When the local density is a `PrecisionGuard`: each member checks its own block of chains,
    /// then the members agree with one gathered pass flag each — a failure anywhere fails the
    /// check everywhere (`PrecisionGuard.checkPrecision(at:stage:agree:)`), so every member
    /// switches precision at the same checkpoint as one process does, and the draws stay the
    /// one-process run's. False, with no exchange, for any other local density.
    public func checkPrecision(at positions: ChainBatch, scales: ChainBatch?, stage: PrecisionGuard.Stage) throws -> Bool {
        guard let guarded = local as? PrecisionGuard else { return false }
        let partition = ChainPartition(chains: positions.chains, members: communicator.members)
        let mine = partition.block(communicator.rank)
        return try guarded.checkPrecision(at: positions.chains(mine), scales: scales?.chains(mine), stage: stage) { check in
            let passed = try communicator.allGather([check.passed ? 1 : 0],
                                                    counts: [Int](repeating: 1, count: communicator.members))
            return !passed.contains(0)
        }
    }
}
