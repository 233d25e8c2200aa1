import Benchmark
import Leapfrog

/// Gradient evaluations per second (the `throughput` metric counts one batched call; the
/// benchmark names carry the chain count, so gradients/s = throughput × chains) for the flagship
/// BNN, eight schools, the GP and a Stan program, on the CPU reference and on the first OpenCL
/// device in f32 and f64, against the chain count. The cost model behind the figures is in
/// docs/benchmarks.md. Setup (building the model and compiling its kernel) is outside the timing.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .peakMemoryResident],
                                           warmupIterations: 2, maxDuration: .seconds(2), maxIterations: 100_000)

    let cases: [(model: String, chains: [Int])] = [
        ("bnn", [1, 16, 256, 4096, 16384]),
        ("eight-schools", [1, 256, 4096]),
        ("gp-regression", [1, 256]),
        ("stan:bnn", [1, 256, 4096]),
    ]
    for (model, chainCounts) in cases {
        for backend in ThroughputCase.Backend.allCases {
            for chains in chainCounts where backend != .cpu || chains <= 4096 {
                Benchmark("\(model) \(backend.rawValue) chains=\(chains)") { benchmark, state in
                    for _ in benchmark.scaledIterations {
                        blackHole(try! state.density.evaluate(state.positions))
                    }
                } setup: {
                    try ThroughputCase(model: model, backend: backend, chains: chains)
                }
            }
        }
    }
}

/// One benchmark's state: the model on a back end and the chains' positions (Uniform(−2, 2) on
/// the unconstrained scale, Stan's initialisation, seed 1).
struct ThroughputCase {
    enum Backend: String, CaseIterable {
        case cpu = "cpu-reference-f64", openCLFloat = "opencl-f32", openCLDouble = "opencl-f64"
    }

    let density: any BatchedLogDensity
    let positions: ChainBatch

    init(model: String, backend: Backend, chains: Int) throws {
        let bound = try ThroughputCase.bind(model)
        switch backend {
        case .cpu:
            density = ReferenceModel(bound)
        case .openCLFloat:
            density = try OpenCLLogDensity<Float>(bound, queue: try CommandQueue(context: try Context(device: try OpenCLRuntime.device())))
        case .openCLDouble:
            density = try OpenCLLogDensity<Double>(bound, queue: try CommandQueue(context: try Context(device: try OpenCLRuntime.device())))
        }
        let random = PhiloxRandom(seed: 1)
        positions = ChainBatch(vectors: (0..<chains).map {
            Initialisation.uniformPoint(random: random, chain: $0, dimension: bound.dimension)
        })
    }

    /// A built-in model on its bundled data, or `stan:bnn`: examples/bnn.stan on
    /// examples/bnn_toy.json (the same network and data, through the Stan front end).
    static func bind(_ name: String) throws -> BoundModel {
        if name == "stan:bnn" {
            let program = try StanProgram.load(path: "../examples/bnn.stan")
            guard case .json(let data) = try DataSource.file("../examples/bnn_toy.json") else {
                throw LeapfrogError(.data, "examples/bnn_toy.json is not CmdStan JSON")
            }
            let (graph, bound) = try program.instantiate(data: data)
            return try BoundModel(graph: graph, data: bound)
        }
        let instance = try BuiltinModels.named(name).instantiate()
        return try BoundModel(graph: instance.graph, data: instance.data)
    }
}
