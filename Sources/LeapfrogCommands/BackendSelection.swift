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
    @Option(help: "auto (a GPU, else another OpenCL device, else the CPU reference), cpu (the reference path, f64) or opencl.")
    var backend: BackendChoice = .auto

    @Option(help: "OpenCL device: an index from `leapfrog devices`, or part of its name (default: the first GPU, else the first device).")
    var device: String?

    @Option(help: "Floating-point precision on OpenCL devices; f64 needs cl_khr_fp64. The CPU reference is always f64.")
    var precision: PrecisionChoice = .f32

    /// The batched log density for `instance` on the chosen back end, and a line saying which it is.
    /// `auto` falls back to the CPU reference when no OpenCL device works, and says why.
    func make(_ instance: ModelInstance, log: (String) -> Void = { _ in }) throws -> (density: any BatchedLogDensity, description: String) {
        let bound = try BoundModel(graph: instance.graph, data: instance.data)
        switch backend {
        case .cpu:
            return (ReferenceModel(bound), "cpu (reference, f64)")
        case .opencl:
            return try openCL(bound)
        case .auto:
            do {
                return try openCL(bound)
            } catch let e as LeapfrogError {
                log("auto: not using OpenCL (\(e.message)); using the CPU reference")
                return (ReferenceModel(bound), "cpu (reference, f64)")
            }
        }
    }

    private func openCL(_ bound: BoundModel) throws -> (any BatchedLogDensity, String) {
        let dev = try OpenCLRuntime.device(device)
        let info = try dev.info()
        try OpenCLRuntime.checkLinker(for: dev)
        let queue = try CommandQueue(context: try Context(device: dev))
        switch precision {
        case .f32:
            let d = try OpenCLLogDensity<Float>(bound, queue: queue)
            return (d, "opencl f32 on '\(info.name)' (\(d.width) chains per work-item)")
        case .f64:
            guard info.supportsFP64 else {
                throw LeapfrogError(.device, "device '\(info.name)' has no cl_khr_fp64: use --precision f32")
            }
            let d = try OpenCLLogDensity<Double>(bound, queue: queue)
            return (d, "opencl f64 on '\(info.name)' (\(d.width) chains per work-item)")
        }
    }
}
