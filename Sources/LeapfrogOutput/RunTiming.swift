import LeapfrogDiagnostics

/// Wall-clock seconds a run spent in warmup and in sampling.
///
/// Stan CSV ends with it (CmdStan guide, "Stan CSV file format"):
///
///     #
///     #  Elapsed Time: 0.012 seconds (Warm-up)
///     #                0.034 seconds (Sampling)
///     #                0.046 seconds (Total)
///     #
public struct RunTiming: Sendable, Hashable, Codable {
    public var warmupSeconds: Double
    public var samplingSeconds: Double

    public init(warmupSeconds: Double, samplingSeconds: Double) {
        self.warmupSeconds = warmupSeconds
        self.samplingSeconds = samplingSeconds
    }

    /// The timing of a run that started at `start`, began sampling at `samplingStart` (`nil`:
    /// it never did, e.g. interrupted during warmup) and ended at `end`, all on one monotonic
    /// clock in seconds. Both durations are ≥ 0: sampling is 0 when it never started, and a
    /// clock read out of order counts as no time rather than negative time.
    public init(start: Double, samplingStart: Double?, end: Double) {
        let sampling = samplingStart.map { min(max($0, start), end) } ?? end
        self.init(warmupSeconds: max(0, sampling - start), samplingSeconds: max(0, end - sampling))
    }

    public var totalSeconds: Double { warmupSeconds + samplingSeconds }

    enum CodingKeys: String, CodingKey {
        case warmupSeconds = "warmup_seconds", samplingSeconds = "sampling_seconds", totalSeconds = "total_seconds"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        warmupSeconds = try c.decodeFiniteOrNaN(forKey: .warmupSeconds)
        samplingSeconds = try c.decodeFiniteOrNaN(forKey: .samplingSeconds)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeFiniteOrNull(warmupSeconds, forKey: .warmupSeconds)
        try c.encodeFiniteOrNull(samplingSeconds, forKey: .samplingSeconds)
        try c.encodeFiniteOrNull(totalSeconds, forKey: .totalSeconds)
    }
}
