import LeapfrogCore

/// Several draw writers fed as one (e.g. `posterior.nc` and Stan CSV files): every call goes
/// to each writer in order. If a writer's call fails, every writer is abandoned and the error
/// is rethrown, so a failed run leaves no partial files behind. (`append(values:stats:)`
/// rejects a wrongly shaped `[[Double]]` before any writer sees it, and abandons nothing.)
public final class DrawWriterGroup: DrawWriter {
    public let writers: [DrawWriter]
    public let schema: DrawSchema

    /// All writers must share one schema (same variables, shapes and chains).
    public init(_ writers: [DrawWriter]) throws {
        guard let first = writers.first else {
            throw LeapfrogError(.io, "a draw writer group needs at least one writer")
        }
        if let other = writers.first(where: { $0.schema.variables != first.schema.variables || $0.schema.chains != first.schema.chains }) {
            writers.forEach { $0.abandon() }
            throw LeapfrogError(.io, "draw writers in a group must share a schema: \(first.schema.variables.map(\.name)) × \(first.schema.chains) chains vs \(other.schema.variables.map(\.name)) × \(other.schema.chains)")
        }
        self.writers = writers
        self.schema = first.schema
    }

    public var drawsWritten: Int { writers.map(\.drawsWritten).min() ?? 0 }

    private func each(_ body: (DrawWriter) throws -> Void) throws {
        do {
            for writer in writers { try body(writer) }
        } catch {
            abandon()
            throw error
        }
    }

    public func recordAdaptation(_ adaptation: WarmupAdaptation) throws { try each { try $0.recordAdaptation(adaptation) } }

    public func append(_ draws: ChainBatch, stats: SampleStatistics) throws { try each { try $0.append(draws, stats: stats) } }

    public func finish(interrupted: Bool, timing: RunTiming) throws {
        try each { try $0.finish(interrupted: interrupted, timing: timing) }
    }

    public func abandon() { writers.forEach { $0.abandon() } }
}
