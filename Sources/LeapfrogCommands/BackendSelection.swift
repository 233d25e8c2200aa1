import ArgumentParser
import Leapfrog

/// Which back end evaluates the model.
enum BackendChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, cpu, opencl
}

enum PrecisionChoice: String, ExpressibleByArgument, CaseIterable {
    case f32, f64
}

/// `--backend auto|cpu|opencl --device N --precision f32|f64`.
struct BackendSelection: ParsableArguments {
    @Option(help: "auto (a GPU, else another OpenCL device, else the CPU reference), cpu (the reference path) or opencl.")
    var backend: BackendChoice = .auto

    @Option(help: "OpenCL device index from `leapfrog devices` (default: the first GPU, else the first device).")
    var device: Int?

    @Option(help: "Floating-point precision on OpenCL devices (the CPU reference is always f64).")
    var precision: PrecisionChoice = .f64

    /// The batched log density for `instance` on the chosen back end, and a line saying which it is.
    func make(_ instance: ModelInstance) throws -> (density: any BatchedLogDensity, description: String) {
        let bound = try BoundModel(graph: instance.graph, data: instance.data)
        switch backend {
        case .cpu, .auto:
            return (ReferenceModel(bound), "cpu (reference, f64)")
        case .opencl:
            throw LeapfrogError(.device, "the OpenCL back end cannot evaluate models in this build yet; use --backend cpu")
        }
    }
}
