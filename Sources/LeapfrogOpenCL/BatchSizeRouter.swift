import LeapfrogCore

/// Sends each batch to one of two evaluators of the same model by its chain count: batches of at
/// most `smallBatchChains` chains to `small` (made on first use), larger ones to `large`. With
/// `recordsOnSmall` every batch of recorded values goes to `small` (a run whose chains are all
/// small batches: its streamed groups of kept draws can exceed `smallBatchChains`, and would
/// otherwise build the recorded-values program on `large` too).
///
/// Leapfrog uses it on PoCL, whose threaded `pthread` device pays about 40 µs per launch to wake
/// its worker threads, while the single-threaded `basic` device runs the kernel on the calling
/// thread: measured on the BNN, 4 chains ran 2.4× faster and 1 chain 5.7× faster on `basic`
/// (docs/benchmarks.md). Both evaluators compute the same kernel, so results agree to the bit
/// for the same precision and width.
public final class BatchSizeRouter: BatchedLogDensity, DrawRecording, DeviceTrafficCounting, DeviceMemoryReleasing,
                                    @unchecked Sendable {
    public let large: any BatchedLogDensity
    public let smallBatchChains: Int
    public let recordsOnSmall: Bool
    private let makeSmall: () throws -> any BatchedLogDensity
    private var small: (any BatchedLogDensity)?
    private let lock = Lock()

    public init(large: any BatchedLogDensity, smallBatchChains: Int, recordsOnSmall: Bool = false,
                small: @escaping () throws -> any BatchedLogDensity) {
        precondition(smallBatchChains >= 1, "BatchSizeRouter: smallBatchChains must be positive")
        self.large = large
        self.smallBatchChains = smallBatchChains
        self.recordsOnSmall = recordsOnSmall
        self.makeSmall = small
    }

    public var dimension: Int { large.dimension }

    public func evaluate(_ positions: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        guard positions.chains <= smallBatchChains else { return try large.evaluate(positions, active: active) }
        return try smallEvaluator().evaluate(positions, active: active)
    }

    /// Recorded values by the same routing (nil when the chosen evaluator does not record).
    public func recordedValues(_ positions: ChainBatch) throws -> ChainBatch? {
        let evaluator = recordsOnSmall || positions.chains <= smallBatchChains ? try smallEvaluator() : large
        return try (evaluator as? DrawRecording)?.recordedValues(positions)
    }

    /// Prepares the evaluator that records a draw of the run's batch: `small` when it records
    /// every batch (`recordsOnSmall`), else `large` (a batch of more than `smallBatchChains`).
    public func prepareRecording() throws {
        try ((recordsOnSmall ? try smallEvaluator() : large) as? DrawRecording)?.prepareRecording()
    }

    /// Both evaluators' traffic.
    public var traffic: DeviceTraffic {
        let smallOne = lock.withLock { small }
        return ((large as? DeviceTrafficCounting)?.traffic ?? DeviceTraffic())
            + ((smallOne as? DeviceTrafficCounting)?.traffic ?? DeviceTraffic())
    }

    /// Both evaluators' batch memory.
    public func releaseDeviceMemory() {
        let smallOne = lock.withLock { small }
        for evaluator in [large, smallOne].compactMap({ $0 }) { (evaluator as? DeviceMemoryReleasing)?.releaseDeviceMemory() }
    }

    private func smallEvaluator() throws -> any BatchedLogDensity {
        lock.lock()
        defer { lock.unlock() }
        if let small { return small }
        let made = try makeSmall()
        precondition(made.dimension == large.dimension, "BatchSizeRouter: the evaluators disagree on the dimension")
        small = made
        return made
    }
}
