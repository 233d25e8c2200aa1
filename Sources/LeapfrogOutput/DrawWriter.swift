import LeapfrogCore

/// A sink for draws streamed from a run: one call per draw, all chains at once.
///
/// Life cycle: create (the writer opens `<file>.partial`), `recordAdaptation` once after
/// warmup, `append` once per draw, then exactly one of
/// - `finish(interrupted:timing:)`: completes the file and renames `.partial` to the final
///   name. With `interrupted: true` the draws written so far are kept and the file says so.
/// - `abandon()`: closes and deletes the `.partial` file (a failed run leaves nothing that
///   looks like output).
///
/// Writers hold at most a bounded buffer (independent of the number of draws), so memory
/// stays flat however long the run. They are not thread-safe; call them from one thread.
public protocol DrawWriter: AnyObject {
    /// The schema the writer was created with.
    var schema: DrawSchema { get }
    /// Draws appended so far.
    var drawsWritten: Int { get }
    /// Records the adapted step sizes and metric; call once, before the first `append`.
    func recordAdaptation(_ adaptation: WarmupAdaptation) throws
    /// Writes one draw: `draws` has `schema.chains` chains of dimension `schema.flatCount`,
    /// in flat row-major order per chain.
    func append(_ draws: ChainBatch, stats: SampleStatistics) throws
    /// Completes the output and moves it to its final name.
    func finish(interrupted: Bool, timing: RunTiming) throws
    /// Closes and deletes the partial output. Never throws; safe after `finish` (does nothing).
    func abandon()
}

extension DrawWriter {
    /// Writes one draw given as `values[chain][flat]`.
    public func append(values: [[Double]], stats: SampleStatistics) throws {
        guard values.count == schema.chains else {
            throw LeapfrogError(.io, "append: got \(values.count) chains but the schema has \(schema.chains)")
        }
        var batch = ChainBatch(chains: values.count, dimension: schema.flatCount)
        for (c, v) in values.enumerated() {
            guard v.count == schema.flatCount else {
                throw LeapfrogError(.io, "append: chain \(c) has \(v.count) values but the schema has \(schema.flatCount)")
            }
            batch.setVector(v, chain: c)
        }
        try append(batch, stats: stats)
    }

    /// Checks `draws` and `stats` against the schema; `file` names the output in the message.
    func check(_ draws: ChainBatch, _ stats: SampleStatistics, file: String) throws {
        if draws.chains != schema.chains || draws.dimension != schema.flatCount {
            throw LeapfrogError(.io, "cannot append to '\(file)': got \(draws.chains) chains × \(draws.dimension) values but the schema has \(schema.chains) chains × \(schema.flatCount)")
        }
        if let problem = stats.mismatch(chains: schema.chains) {
            throw LeapfrogError(.io, "cannot append to '\(file)': \(problem)")
        }
    }
}
