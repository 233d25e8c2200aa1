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
        subcommands: [ThroughputCommand.self, KernelCommand.self, PeakCommand.self])
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
    @Flag(help: "With --trajectory: stream the transitions as sampling does (groups of transitions per wait, two groups in flight, positions of every --keep-every-th transition read back) instead of one wait per transition.")
    var stream = false
    @Option(name: .customLong("keep-every"), parsing: .unconditional, help: "With --stream: read back every K-th transition's positions (sampling's --thin).")
    var keepEvery = 1
    @Flag(help: "With --stream: keep only running per-chain moments of the kept transitions' lp__ and recorded values, accumulated on the device (sampling's --keep moments), instead of reading their positions back.")
    var moments = false
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
        var streamed: Bool?
        var moments_on_device: Bool?
        var round_trips_per_transition: Double?
        var bytes_per_transition: Double?
        /// Streamed: bytes of `bytes_per_transition` × `calls` moved once, after the last group
        /// (the end state; the moments with --moments).
        var end_bytes: Double?
        /// Streamed: bytes per transition of the groups delivered (not the group in flight at the
        /// end, nor the end's reads); nil when fewer than two groups were delivered.
        var stream_bytes_per_transition: Double?
    }

    func validate() throws {
        guard chains >= 1 else { throw ValidationError("--chains must be at least 1 (got \(chains))") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive (got \(seconds))") }
        if let l = trajectory, l < 1 { throw ValidationError("--trajectory must be at least 1 (got \(l))") }
        if stream && trajectory == nil { throw ValidationError("--stream measures whole trajectories: give --trajectory L") }
        if moments && !stream { throw ValidationError("--moments keeps the moments of streamed transitions: add --stream") }
        guard keepEvery >= 1 else { throw ValidationError("--keep-every must be at least 1 (got \(keepEvery))") }
    }

    func run() throws {
        let instance = try selection.instantiate()
        let backend = try backendSelection.make(instance, checked: false)
        let (density, backendName) = (backend.density, backend.description)
        let d = density.dimension
        let rng = PhiloxRandom(seed: seed)
        let positions = ChainBatch(vectors: (0..<chains).map { Initialisation.uniformPoint(random: rng, chain: $0, dimension: d) })
        let call: () throws -> Void = { _ = try density.evaluate(positions) }
        var perCall = chains
        if let steps = trajectory {
            guard backend.executor is DeviceTransitionExecutor else {
                throw ValidationError("--trajectory runs whole trajectories on an OpenCL device: use --backend opencl "
                                      + "(without --transitions host)")
            }
            perCall = chains * steps
        }
        var calls = 0
        let t0: Double
        var elapsed = 0.0
        var figures: (roundTrips: Double, bytes: Double)?
        var momentsOnDevice = false
        var inStream: DeviceTraffic?
        var delivered: (bytes: Int, calls: Int)?
        var endBytes: Double?
        var streamBytes: Double?
        if let executor = backend.executor as? DeviceTransitionExecutor, let steps = trajectory {
            var state = try SamplerState(positions: positions, model: density)
            let request = { (i: Int) in
                TransitionRequest(trajectory: .hmc(.steps(steps), jitter: .none), integrator: .leapfrog, metric: .unit,
                                  stepSizes: [Double](repeating: 1e-3, count: chains), iteration: i)
            }
            state = try executor.execute(request(0), from: state, random: rng).state   // builds the kernel
            var iterations = SamplingStream(iterations: 1..<Int(Int32.max), request: request,
                                            keeps: { [keepEvery] in $0 % keepEvery == 0 })
            if moments {
                let bound = try BoundModel(instance)
                let quantities = 1 + SampleRun.drawSchema(bound, chains: chains, draws: 0).flatCount
                iterations.moments = MomentsOnDevice(quantities: quantities, firstHalf: .max) { _ in momentsOnDevice = true }
                // Builds the recorded-values and moments kernels.
                var warmUp = iterations
                warmUp.iterations = 1..<(1 + keepEvery)
                state = try executor.stream(warmUp, from: state, random: rng) { _ in true }
                momentsOnDevice = false
            }
            let before = executor.traffic
            t0 = Clock.now()
            if stream {
                // Bytes are counted when a group is enqueued, and a group is enqueued while the one
                // before it is delivered: at group k's delivery the traffic counted at group k − 1's
                // is that of groups 0...k exactly.
                var previous: DeviceTraffic?
                _ = try executor.stream(iterations, from: state, random: rng) { group in
                    calls += group.count
                    elapsed = Clock.now() - t0
                    if let previous { delivered = (previous.bytesToDevice + previous.bytesFromDevice, calls) }
                    previous = executor.traffic
                    return elapsed < seconds
                }
                inStream = previous
            } else {
                while elapsed < seconds {
                    state = try executor.execute(request(calls + 1), from: state, random: rng).state
                    calls += 1
                    elapsed = Clock.now() - t0
                }
            }
            // Streamed, `elapsed` is the time to the last group delivered: the group still in
            // flight then is drained uncounted.
            let traffic = executor.traffic
            figures = (Double(traffic.roundTrips - before.roundTrips) / Double(calls),
                       Double(traffic.bytesToDevice + traffic.bytesFromDevice - before.bytesToDevice - before.bytesFromDevice)
                           / Double(calls))
            // What moved once, after the last group: the end state, and the moments.
            endBytes = inStream.map { Double(traffic.bytesToDevice + traffic.bytesFromDevice - $0.bytesToDevice - $0.bytesFromDevice) }
            streamBytes = delivered.map { Double($0.bytes - before.bytesToDevice - before.bytesFromDevice) / Double($0.calls) }
        } else {
            try call()
            t0 = Clock.now()
            while elapsed < seconds {
                try call()
                calls += 1
                elapsed = Clock.now() - t0
            }
        }
        let report = Report(model: instance.graph.name, dimension: d, chains: chains, backend: backendName, calls: calls,
                            seconds: elapsed, gradients_per_second: Double(calls * perCall) / elapsed,
                            trajectory_steps: trajectory, streamed: trajectory == nil ? nil : stream,
                            moments_on_device: moments ? momentsOnDevice : nil,
                            round_trips_per_transition: figures?.roundTrips, bytes_per_transition: figures?.bytes,
                            end_bytes: endBytes, stream_bytes_per_transition: streamBytes)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            let traffic = figures.map { f in
                "; \(NumberFormat.significant(f.roundTrips, digits: 3)) round trips and \(NumberFormat.bytes(f.bytes)) per transition"
                    + (stream ? " (streamed\(moments ? momentsOnDevice ? ", moments on the device" : ", moments NOT on the device" : ""))" : "")
                    + (streamBytes.map { ": \(NumberFormat.bytes($0)) per transition in the stream" } ?? "")
                    + (endBytes.map { ", \(NumberFormat.bytes($0)) once at the end" } ?? "")
            } ?? ""
            print("\(report.model) (\(d) parameters), \(chains) chains, \(backendName): "
                  + "\(NumberFormat.si(report.gradients_per_second)) gradients/s (\(calls) calls in \(NumberFormat.fixed(elapsed, decimals: 2)) s)"
                  + traffic)
        }
    }
}
