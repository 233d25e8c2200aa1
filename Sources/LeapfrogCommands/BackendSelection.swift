import ArgumentParser
import Leapfrog

extension PrecisionRequest: ExpressibleByArgument {}
extension LaunchChoice: ExpressibleByArgument {}
extension TransitionPlacement: ExpressibleByArgument {}

/// `--backend auto|cpu|opencl --device N --precision auto|f32|f64 --launch … --chains-per-work-item W`,
/// parsed into `BackendOptions`; the back ends themselves are `BackendRegistry.standard`'s.
struct BackendSelection: ParsableArguments {
    @Option(help: "auto (a GPU, else another OpenCL device, else the CPU reference), cpu (the reference path, f64) or opencl.")
    var backend: String = BackendRegistry.auto

    @Option(help: "OpenCL device: an index from `leapfrog devices`, or part of its name (default: the first GPU, else the first device); `all`, or a comma-separated list of indices, splits the chains' transitions over several devices in proportion to their throughput.")
    var device: String?

    @Option(help: "Floating-point precision on OpenCL devices: auto (f32, checked against f64 at initialisation and every warmup window's end; switches the run to f64 when f32 is off), f32 (checked, warns only) or f64 (needs cl_khr_fp64, else the check uses the CPU reference). The CPU reference is always f64.")
    var precision: PrecisionRequest = .auto

    @Option(help: "OpenCL launch shape, of the density and of the device transitions: chain (W chains per work-item, for many chains), group (one work-group per chain, the data's rows spread over its work-items, for few chains on a GPU), rows (one chain per work-item, W data rows in its SIMD lanes, for few chains on a CPU device; models whose rows read only their own data) or auto (chosen from the chain count, the data's rows, the model and the device: a group per chain only on GPUs, rows in lanes only on CPU devices).")
    var launch: LaunchChoice = .auto

    @Option(help: "OpenCL chains per work-item in the chain launch shape (rows per work-item in the rows shape): 1, 2, 4, 8 or 16 (default: 1 on GPUs; on CPUs the SIMD width, narrowed for small batches so every core gets work).")
    var chainsPerWorkItem: Int?

    @Option(help: "Where transitions run on OpenCL: auto (whole HMC, ChEES and NUTS transitions on the device, one launch each and, in sampling, one round trip per group of transitions; dense metrics on the host) or host (one device round trip per integrator step, the reference).")
    var transitions: TransitionPlacement = .auto

    @Flag(inversion: .prefixedNo, help: "Run warmup on the OpenCL device in chained groups, adapting there (default): NUTS adapting each chain on its own continues each chain's dual averaging on the device, ChEES its shared step size and trajectory length; or one transition per launch with the host adapting, as runs split over MPI ranks or devices (--device all) do, whose draws it then reproduces.")
    var chainedWarmup = true

    func validate() throws {
        let names = BackendRegistry.standard.names
        guard names.contains(backend) else {
            throw ValidationError("--backend '\(backend)' is not one of \(names.joined(separator: ", "))")
        }
        if let w = chainsPerWorkItem, ![1, 2, 4, 8, 16].contains(w) {
            throw ValidationError("--chains-per-work-item must be 1, 2, 4, 8 or 16")
        }
        if backend == CPUBackend().name, let device {
            throw ValidationError("--device \(device) names an OpenCL device; --backend cpu (the reference) runs on the host")
        }
    }

    /// The options as the run layer takes them; `checked`: f32 checked against f64 (sampling).
    func options(checked: Bool = true) -> BackendOptions {
        var o = BackendOptions(name: backend, device: device, precision: precision)
        o.launch = launch
        o.chainsPerWorkItem = chainsPerWorkItem
        o.checked = checked
        o.transitions = transitions
        o.chainedWarmup = chainedWarmup
        return o
    }

    /// The back end for `instance` (see `BackendRegistry.make`).
    func make(_ instance: ModelInstance, checked: Bool = true,
              log: @escaping @Sendable (String) -> Void = { _ in }) throws -> SelectedBackend {
        let bound = try BoundModel(instance)
        return try BackendRegistry.standard.make(bound, options: options(checked: checked), log: log)
    }
}
