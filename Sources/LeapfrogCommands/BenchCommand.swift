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
    @Option(parsing: .unconditional, help: "Measure whole HMC trajectories of this many leapfrog steps on the OpenCL device (one launch each, positions resident there) instead of one evaluation per call.")
    var trajectory: Int?
    @Flag(help: "One JSON object instead of a line of text.") var json = false

    struct Report: Encodable {
        var model: String
        var dimension: Int
        var chains: Int
        var backend: String
        var calls: Int
        var seconds: Double
        var gradients_per_second: Double
        var trajectory_steps: Int?
    }

    func validate() throws {
        guard chains >= 1 else { throw ValidationError("--chains must be at least 1 (got \(chains))") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive (got \(seconds))") }
        if let l = trajectory, l < 1 { throw ValidationError("--trajectory must be at least 1 (got \(l))") }
    }

    func run() throws {
        let instance = try selection.instantiate()
        let backend = try backendSelection.make(instance, checked: false)
        let (density, backendName) = (backend.density, backend.description)
        let d = density.dimension
        let rng = PhiloxRandom(seed: seed)
        let positions = ChainBatch(vectors: (0..<chains).map { Initialisation.uniformPoint(random: rng, chain: $0, dimension: d) })
        var call: () throws -> Void = { _ = try density.evaluate(positions) }
        var perCall = chains
        if let steps = trajectory {
            guard let executor = backend.executor as? DeviceTransitionExecutor else {
                throw ValidationError("--trajectory runs whole trajectories on an OpenCL device: use --backend opencl "
                                      + "(without --transitions host)")
            }
            // A small step keeps every chain's trajectory finite, so each runs all its steps.
            var state = try SamplerState(positions: positions, model: density)
            var iteration = 0
            let request = { (i: Int) in
                TransitionRequest(trajectory: .hmc(.steps(steps), jitter: .none), integrator: .leapfrog, metric: .unit,
                                  stepSizes: [Double](repeating: 1e-3, count: chains), iteration: i)
            }
            call = {
                state = try executor.execute(request(iteration), from: state, random: rng).state
                iteration += 1
            }
            perCall = chains * steps
        }
        try call()
        var calls = 0
        let t0 = Clock.now()
        var elapsed = 0.0
        while elapsed < seconds {
            try call()
            calls += 1
            elapsed = Clock.now() - t0
        }
        let report = Report(model: instance.graph.name, dimension: d, chains: chains, backend: backendName, calls: calls,
                            seconds: elapsed, gradients_per_second: Double(calls * perCall) / elapsed,
                            trajectory_steps: trajectory)
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
