import ArgumentParser
import Leapfrog

/// Which back end evaluates the model.
enum BackendChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, cpu, opencl
}

enum PrecisionChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, f32, f64
}

extension LaunchChoice: ExpressibleByArgument {}

/// A back end chosen for a run: what evaluates the model, how it reads in the banner, and what
/// it runs on.
struct SelectedBackend {
    var density: any BatchedLogDensity
    /// The back-end line: `cpu (reference, f64)`, `opencl f32 … on 'device' (…)`.
    var description: String
    /// The OpenCL device's name; nil on the CPU reference.
    var device: String?
    /// Bytes of one number on the OpenCL device at the widest precision the run can use: 4 for
    /// unchecked f32, 8 for f64 or for f32 checked against an f64 twin on the device (it may
    /// switch); nil on the CPU reference.
    var deviceRealBytes: Int?

    /// The precision evaluating now: a `PrecisionGuard`'s current one, else the back end's own.
    var precision: String { (density as? PrecisionGuard)?.currentName ?? (deviceRealBytes == 4 ? "f32" : "f64") }
}

/// `--backend auto|cpu|opencl --device N --precision f32|f64`.
struct BackendSelection: ParsableArguments {
    @Option(help: "auto (a GPU, else another OpenCL device, else the CPU reference), cpu (the reference path, f64) or opencl.")
    var backend: BackendChoice = .auto

    @Option(help: "OpenCL device: an index from `leapfrog devices`, or part of its name (default: the first GPU, else the first device).")
    var device: String?

    @Option(help: "Floating-point precision on OpenCL devices: auto (f32, checked against f64 at initialisation and every warmup window's end; switches the run to f64 when f32 is off), f32 (checked, warns only) or f64 (needs cl_khr_fp64, else the check uses the CPU reference). The CPU reference is always f64.")
    var precision: PrecisionChoice = .auto

    @Option(help: "OpenCL launch shape: chain (W chains per work-item, for many chains), group (one work-group per chain, rows spread over its work-items, for few chains over large data) or auto (chosen per call from the chain count and the data's rows).")
    var launch: LaunchChoice = .auto

    @Option(help: "OpenCL chains per work-item in the chain launch shape: 1, 2, 4, 8 or 16 (default: 1 on GPUs; on CPUs the SIMD width, narrowed for small batches so every core gets work).")
    var chainsPerWorkItem: Int?

    func validate() throws {
        if let w = chainsPerWorkItem, ![1, 2, 4, 8, 16].contains(w) {
            throw ValidationError("--chains-per-work-item must be 1, 2, 4, 8 or 16")
        }
    }

    /// The batched log density for `instance` on the chosen back end, and a line saying which it is.
    /// `auto` falls back to the CPU reference when no OpenCL device works, and says why.
    ///
    /// With `checked` (sampling), `--precision auto` and `f32` give a `PrecisionGuard` over the
    /// f32 kernel and an f64 twin (the same device's f64 kernel, else the CPU reference) that the
    /// sampler checks; without it (throughput benchmarks), `auto` is the bare f32 kernel.
    func make(_ instance: ModelInstance, checked: Bool = true,
              log: @escaping @Sendable (String) -> Void = { _ in }) throws -> SelectedBackend {
        let bound = try BoundModel(graph: instance.graph, data: instance.data)
        let reference = SelectedBackend(density: ReferenceModel(bound), description: "cpu (reference, f64)")
        switch backend {
        case .cpu:
            return reference
        case .opencl:
            return try openCL(bound, checked: checked, log: log)
        case .auto:
            do {
                return try openCL(bound, checked: checked, log: log)
            } catch let e as LeapfrogError {
                log("auto: not using OpenCL (\(e.message)); using the CPU reference")
                return reference
            }
        }
    }

    private func openCL(_ bound: BoundModel, checked: Bool, log: @escaping @Sendable (String) -> Void) throws -> SelectedBackend {
        let dev = try OpenCLRuntime.device(device)
        let info = try dev.info()
        try OpenCLRuntime.checkLinker(for: dev)
        switch precision {
        case .f64:
            guard info.supportsFP64 else {
                throw LeapfrogError(.device, "device '\(info.name)' has no cl_khr_fp64: use --precision f32 or auto")
            }
            let (density, description) = try openCL(bound, on: dev, info: info, as: Double.self)
            return SelectedBackend(density: density, description: description, device: info.name, deviceRealBytes: 8)
        case .f32 where !checked, .auto where !checked:
            let (density, description) = try openCL(bound, on: dev, info: info, as: Float.self)
            return SelectedBackend(density: density, description: description, device: info.name, deviceRealBytes: 4)
        case .f32, .auto:
            let accurateName = info.supportsFP64 ? "f64" : "f64 (CPU reference)"
            let policy = precision == .auto ? "switches to it when f32 is off" : "warns when f32 is off"
            let (fast, description) = try openCL(bound, on: dev, info: info, as: Float.self,
                                                 label: "f32 checked against \(accurateName), \(policy)")
            let t0 = Clock.now()
            let accurate: any BatchedLogDensity = info.supportsFP64
                ? try openCL(bound, on: dev, info: info, as: Double.self).0 : ReferenceModel(bound)
            let guarded = PrecisionGuard(fast: fast, accurate: accurate, fastName: "f32", accurateName: accurateName,
                                         policy: precision == .auto ? .auto : .checkOnly,
                                         setupSeconds: Clock.now() - t0, clock: { Clock.now() }, log: log)
            return SelectedBackend(density: guarded, description: description, device: info.name,
                                   deviceRealBytes: info.supportsFP64 ? 8 : 4)
        }
    }

    /// Batches of at most this many chains run on PoCL's single-threaded device when the chosen
    /// device is PoCL's threaded one (see `BatchSizeRouter`; crossover measured in docs/benchmarks.md).
    static let pocLSmallBatchChains = 64

    private func openCL<R: DeviceReal>(_ bound: BoundModel, on dev: Device, info: DeviceInfo,
                                       as: R.Type, label: String? = nil) throws -> (any BatchedLogDensity, String) {
        let name = label ?? (R.self == Float.self ? "f32" : "f64")
        let d = try OpenCLLogDensity<R>(bound, queue: try CommandQueue(context: try Context(device: dev)),
                                        width: chainsPerWorkItem, launch: launch)
        let description = "opencl \(name) on '\(info.name)' (\(launchDescription(d.launch, width: d.width)))"
        guard let companion = OpenCLRuntime.smallBatchCompanion(for: dev) else { return (d, description) }
        let (width, launch) = (chainsPerWorkItem, self.launch)
        let router = BatchSizeRouter(large: d, smallBatchChains: Self.pocLSmallBatchChains) {
            try OpenCLLogDensity<R>(bound, queue: try CommandQueue(context: try Context(device: companion)),
                                    width: width, launch: launch)
        }
        return (router, description + "; batches of up to \(Self.pocLSmallBatchChains) chains on '\(companion.name)'")
    }
}

/// How the launch shape reads in the back-end line.
func launchDescription(_ launch: LaunchChoice, width: Int) -> String {
    switch launch {
    case .chainPerWorkItem: return "\(width) chains per work-item"
    case .workGroupPerChain: return "a work-group per chain"
    case .auto: return "\(width) chains per work-item, launch shape auto"
    }
}
