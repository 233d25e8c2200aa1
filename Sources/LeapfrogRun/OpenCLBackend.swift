import LeapfrogCore
import LeapfrogModel
import LeapfrogOpenCL
import LeapfrogReference

/// OpenCL devices (GPUs, or CPUs through PoCL): the generated kernel fused per model
/// (`OpenCLLogDensity`), in f32 checked against f64 by default (`PrecisionGuard`). The OpenCL
/// library is opened at the first call (`OpenCLLibrary`); where it is missing, every call throws
/// the error that names it and says what to install.
public struct OpenCLBackend: Backend {
    public init() {}
    public var name: String { "opencl" }
    public var displayName: String { "OpenCL" }
    public var summary: String { "a generated kernel per model on an OpenCL device (a GPU, else PoCL on the CPU)" }

    public func deviceListing() throws -> String { try OpenCLRuntime.deviceListing() }

    /// Batches of at most this many chains run on PoCL's single-threaded device when the chosen
    /// device is PoCL's threaded one (see `BatchSizeRouter`; crossover measured in docs/benchmarks.md).
    public static let pocLSmallBatchChains = 64

    public func make(_ bound: BoundModel, options: BackendOptions,
                     log: @escaping @Sendable (String) -> Void) throws -> SelectedBackend {
        let dev = try OpenCLRuntime.device(options.device)
        let info = try dev.info()
        try OpenCLRuntime.checkLinker(for: dev)
        let memory = (global: Double(info.globalMemory), maxAllocation: Double(info.maxAllocation))
        func selected(_ density: any BatchedLogDensity, _ description: String, bytes: Int) -> SelectedBackend {
            SelectedBackend(density: density, description: description, device: info.name, deviceRealBytes: bytes,
                            deviceMemory: memory,
                            executor: transitions(bound, density: density, on: dev, precision: bytes == 4 ? "f32" : "f64",
                                                  options: options, log: log))
        }
        switch options.precision {
        case .f64:
            guard info.supportsFP64 else {
                throw LeapfrogError(.device, "device '\(info.name)' has no cl_khr_fp64: use --precision f32 or auto")
            }
            let (density, description) = try evaluator(bound, on: dev, info: info, as: Double.self, options: options)
            return selected(density, description, bytes: 8)
        case .f32 where !options.checked, .auto where !options.checked:
            let (density, description) = try evaluator(bound, on: dev, info: info, as: Float.self, options: options)
            return selected(density, description, bytes: 4)
        case .f32, .auto:
            let accurateName = info.supportsFP64 ? "f64" : "f64 (CPU reference)"
            let policy = options.precision == .auto ? "switches to it when f32 is off" : "warns when f32 is off"
            let (fast, description) = try evaluator(bound, on: dev, info: info, as: Float.self, options: options,
                                                    label: "f32 checked against \(accurateName), \(policy)")
            let t0 = Clock.now()
            let accurate: any BatchedLogDensity = info.supportsFP64
                ? try evaluator(bound, on: dev, info: info, as: Double.self, options: options).0 : ReferenceModel(bound)
            let guarded = PrecisionGuard(fast: fast, accurate: accurate, fastName: "f32", accurateName: accurateName,
                                         policy: options.precision == .auto ? .auto : .checkOnly,
                                         setupSeconds: Clock.now() - t0, clock: { Clock.now() }, log: log)
            return selected(guarded, description, bytes: info.supportsFP64 ? 8 : 4)
        }
    }

    /// The device-resident transitions (`DeviceTransitionExecutor`), unless `--transitions host`
    /// or a forced work-group launch shape (the trajectory kernel runs W chains per work-item).
    private func transitions(_ bound: BoundModel, density: any BatchedLogDensity, on dev: Device, precision: String,
                             options: BackendOptions, log: @escaping @Sendable (String) -> Void) -> DeviceTransitionExecutor? {
        guard options.transitions == .auto, options.launch != .workGroupPerChain else { return nil }
        let width = options.chainsPerWorkItem
        return DeviceTransitionExecutor(density: density, precision: precision, log: log) { precision, coefficients in
            let queue = try CommandQueue(context: try Context(device: dev))
            switch precision {
            case "f32": return try OpenCLTrajectories<Float>(bound, queue: queue, coefficients: coefficients, width: width)
            case "f64": return try OpenCLTrajectories<Double>(bound, queue: queue, coefficients: coefficients, width: width)
            default: throw LeapfrogError(.device, "no device program for \(precision)")
            }
        }
    }

    private func evaluator<R: DeviceReal>(_ bound: BoundModel, on dev: Device, info: DeviceInfo, as: R.Type,
                                          options: BackendOptions, label: String? = nil)
        throws -> (any BatchedLogDensity, String) {
        let name = label ?? (R.self == Float.self ? "f32" : "f64")
        let (width, launch) = (options.chainsPerWorkItem, options.launch)
        let d = try OpenCLLogDensity<R>(bound, queue: try CommandQueue(context: try Context(device: dev)),
                                        width: width, launch: launch)
        let description = "opencl \(name) on '\(info.name)' (\(Self.launchDescription(d.launch, width: d.width)))"
        guard let companion = OpenCLRuntime.smallBatchCompanion(for: dev) else { return (d, description) }
        let router = BatchSizeRouter(large: d, smallBatchChains: Self.pocLSmallBatchChains) {
            try OpenCLLogDensity<R>(bound, queue: try CommandQueue(context: try Context(device: companion)),
                                    width: width, launch: launch)
        }
        return (router, description + "; batches of up to \(Self.pocLSmallBatchChains) chains on '\(companion.name)'")
    }

    /// How the launch shape reads in the back-end line.
    static func launchDescription(_ launch: LaunchChoice, width: Int) -> String {
        switch launch {
        case .chainPerWorkItem: return "\(width) chains per work-item"
        case .workGroupPerChain: return "a work-group per chain"
        case .auto: return "\(width) chains per work-item, launch shape auto"
        }
    }
}
