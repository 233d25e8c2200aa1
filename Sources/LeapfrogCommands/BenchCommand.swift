import ArgumentParser
import Leapfrog
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `leapfrog bench`: measurements users run on their own machines.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks (see docs/benchmarks.md).",
        subcommands: [ThroughputCommand.self, KernelCommand.self])
}

/// `leapfrog bench throughput`: gradient evaluations per second for a batch of chains.
struct ThroughputCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughput",
        abstract: "Gradient evaluations per second at a chain count, after a warm-up.")

    @OptionGroup var selection: ModelSelection
    @OptionGroup var backendSelection: BackendSelection
    @Option(parsing: .unconditional, help: "Chains evaluated per call.") var chains = 1
    @Option(parsing: .unconditional, help: "Seconds to measure (after one warm-up call).") var seconds = 3.0
    @Option(parsing: .unconditional, help: "Seed of the evaluation points.") var seed: UInt64 = 1
    @Flag(help: "One JSON object instead of a line of text.") var json = false

    struct Report: Encodable {
        var model: String
        var dimension: Int
        var chains: Int
        var backend: String
        var calls: Int
        var seconds: Double
        var gradients_per_second: Double
    }

    func validate() throws {
        guard chains >= 1 else { throw ValidationError("--chains must be at least 1 (got \(chains))") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive (got \(seconds))") }
    }

    func run() throws {
        let instance = try selection.instantiate()
        let backend = try backendSelection.make(instance, checked: false)
        let (density, backendName) = (backend.density, backend.description)
        let d = density.dimension
        let rng = PhiloxRandom(seed: seed)
        let positions = ChainBatch(vectors: (0..<chains).map { Initialisation.uniformPoint(random: rng, chain: $0, dimension: d) })
        _ = try density.evaluate(positions)
        var calls = 0
        let t0 = Clock.now()
        var elapsed = 0.0
        while elapsed < seconds {
            _ = try density.evaluate(positions)
            calls += 1
            elapsed = Clock.now() - t0
        }
        let report = Report(model: instance.graph.name, dimension: d, chains: chains, backend: backendName, calls: calls,
                            seconds: elapsed, gradients_per_second: Double(calls * chains) / elapsed)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("\(report.model) (\(d) parameters), \(chains) chains, \(backendName): "
                  + "\(NumberFormat.si(report.gradients_per_second)) gradients/s (\(calls) calls in \(NumberFormat.fixed(elapsed, decimals: 2)) s)")
        }
    }
}
