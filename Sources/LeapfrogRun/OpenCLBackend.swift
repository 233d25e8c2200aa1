import LeapfrogCore
import LeapfrogModel
import LeapfrogOpenCL
import LeapfrogReference
import LeapfrogSampling

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

    /// The back end on the device `options.device` names; on several (`all` or a list,
    /// `OpenCLRuntime.devices(_:)`), `split`.
    public func make(_ bound: BoundModel, options: BackendOptions,
                     log: @escaping @Sendable (String) -> Void) throws -> SelectedBackend {
        let devs = try OpenCLRuntime.devices(options.device)
        guard devs.count > 1 else { return try make(bound, on: devs[0], options: options, log: log) }
        return try split(bound, over: devs, options: options, log: log)
    }

    /// Chains sharded over several devices (`--device all`): the first device's back end evaluates
    /// the density (initialisation, step-size search, the precision checks: one `PrecisionGuard`
    /// decides for every device) and each device runs the transitions of its block of chains
    /// (`SplitTransitionExecutor`), every block keyed by its first chain, so the draws are one
    /// device's. Blocks are in proportion to the devices' throughputs: equal when the devices
    /// report the same name, compute units and clock, else measured (`calibrate`).
    func split(_ bound: BoundModel, over devs: [Device], options: BackendOptions,
               log: @escaping @Sendable (String) -> Void) throws -> SelectedBackend {
        let infos = try devs.map { try $0.info() }
        for (dev, info) in zip(devs, infos) {
            try OpenCLRuntime.checkLinker(for: dev)
            if options.precision == .f64 && !info.supportsFP64 {
                throw LeapfrogError(.device, "device '\(info.name)' has no cl_khr_fp64: use --precision f32 or auto, "
                                    + "or leave it out of --device")
            }
        }
        var primary = try make(bound, on: devs[0], options: options, log: log)
        guard let first = primary.executor as? DeviceTransitionExecutor else {
            log("leapfrog: --device \(options.device ?? "all"): transitions run on the host here "
                + "(--transitions host or a work-group launch), so only '\(infos[0].name)' is used")
            return primary
        }
        let bytes = primary.deviceRealBytes ?? 8
        let rest = devs.dropFirst().compactMap {
            transitions(bound, density: primary.density, on: $0, precision: bytes == 4 ? "f32" : "f64", options: options, log: log)
        }
        let same = infos.allSatisfy {
            ($0.name, $0.computeUnits, $0.clockMHz) == (infos[0].name, infos[0].computeUnits, infos[0].clockMHz)
        }
        let weights = same ? [Double](repeating: 1, count: devs.count) : try calibrate(bound, on: devs, options: options)
        primary.executor = SplitTransitionExecutor([first] + rest, weights: weights)
        let shares = weights.map { NumberFormat.significant($0 / weights.reduce(0, +), digits: 2) }
        primary.description += "; transitions split over \(devs.count) devices "
            + "(\(zip(infos, shares).map { "'\($0.name)' \($1)" }.joined(separator: ", "))\(same ? ", equal" : ", measured"))"
        return primary
    }

    /// Relative throughputs of `devs`: 1 ÷ the fastest of three evaluations of a batch of
    /// `calibrationChains` chains at the origin (the unconstrained zero) with each device's f32
    /// density kernel, after one untimed evaluation (the kernel's build and first launch).
    func calibrate(_ bound: BoundModel, on devs: [Device], options: BackendOptions) throws -> [Double] {
        let n = Self.calibrationChains
        let zero = ChainBatch(chains: n, dimension: bound.dimension)
        return try devs.map { dev in
            let d = try OpenCLLogDensity<Float>(bound, queue: try CommandQueue(context: try Context(device: dev)),
                                                width: options.chainsPerWorkItem, launch: options.launch)
            _ = try d.evaluate(zero, active: nil)
            var best = Double.infinity
            for _ in 0..<3 {
                let t0 = Clock.now()
                _ = try d.evaluate(zero, active: nil)
                best = min(best, Clock.now() - t0)
            }
            return 1 / max(best, 1e-6)
        }
    }

    /// Chains of `calibrate`'s batch.
    static let calibrationChains = 256

    /// The back end on one device.
    func make(_ bound: BoundModel, on dev: Device, options: BackendOptions,
              log: @escaping @Sendable (String) -> Void) throws -> SelectedBackend {
        let info = try dev.info()
        try OpenCLRuntime.checkLinker(for: dev)
        let memory = (global: Double(info.globalMemory), maxAllocation: Double(info.maxAllocation))
        func selected(_ density: any BatchedLogDensity, _ description: String, bytes: Int, heapElements: Int) -> SelectedBackend {
            var backend = SelectedBackend(density: density, description: description, device: info.name, deviceRealBytes: bytes,
                                          deviceMemory: memory,
                                          executor: transitions(bound, density: density, on: dev, precision: bytes == 4 ? "f32" : "f64",
                                                                options: options, log: log))
            backend.deviceHeapElements = heapElements
            backend.deviceIsHostMemory = info.type == .cpu
            return backend
        }
        switch options.precision {
        case .f64:
            guard info.supportsFP64 else {
                throw LeapfrogError(.device, "device '\(info.name)' has no cl_khr_fp64: use --precision f32 or auto")
            }
            let (density, description, heap) = try evaluator(bound, on: dev, info: info, as: Double.self, options: options)
            return selected(density, description, bytes: 8, heapElements: heap)
        case .f32 where !options.checked, .auto where !options.checked:
            let (density, description, heap) = try evaluator(bound, on: dev, info: info, as: Float.self, options: options)
            return selected(density, description, bytes: 4, heapElements: heap)
        case .f32, .auto:
            let accurateName = info.supportsFP64 ? "f64" : "f64 (CPU reference)"
            let policy = options.precision == .auto ? "switches to it when f32 is off" : "warns when f32 is off"
            let (fast, description, heap) = try evaluator(bound, on: dev, info: info, as: Float.self, options: options,
                                                          label: "f32 checked against \(accurateName), \(policy)")
            let t0 = Clock.now()
            let accurate: any BatchedLogDensity = info.supportsFP64
                ? try evaluator(bound, on: dev, info: info, as: Double.self, options: options).density : ReferenceModel(bound)
            let guarded = PrecisionGuard(fast: fast, accurate: accurate, fastName: "f32", accurateName: accurateName,
                                         policy: options.precision == .auto ? .auto : .checkOnly,
                                         setupSeconds: Clock.now() - t0, clock: { Clock.now() }, log: log)
            return selected(guarded, description, bytes: info.supportsFP64 ? 8 : 4, heapElements: heap)
        }
    }

    /// The device-resident transitions (`DeviceTransitionExecutor`), unless `--transitions host`;
    /// `--launch` forces their shape as the density's (`OpenCLTrajectories.shape(forChains:)`),
    /// `--no-chained-warmup` runs warmup one transition per launch.
    private func transitions(_ bound: BoundModel, density: any BatchedLogDensity, on dev: Device, precision: String,
                             options: BackendOptions, log: @escaping @Sendable (String) -> Void) -> DeviceTransitionExecutor? {
        guard options.transitions == .auto else { return nil }
        let (width, launch) = (options.chainsPerWorkItem, options.launch)
        let executor = DeviceTransitionExecutor(density: density, precision: precision, log: log) { precision, coefficients in
            let queue = try CommandQueue(context: try Context(device: dev))
            switch precision {
            case "f32":
                return try OpenCLTrajectories<Float>(bound, queue: queue, coefficients: coefficients, width: width, launch: launch,
                                                     expectedChains: options.chains)
            case "f64":
                return try OpenCLTrajectories<Double>(bound, queue: queue, coefficients: coefficients, width: width, launch: launch,
                                                      expectedChains: options.chains)
            default: throw LeapfrogError(.device, "no device program for \(precision)")
            }
        }
        executor.chainsWarmup = options.chainedWarmup
        return executor
    }

    /// The density on `dev` in `R` (with PoCL's single-threaded companion for small batches), its
    /// back-end line, and the numbers per chain its kernel keeps in the device heap.
    private func evaluator<R: DeviceReal>(_ bound: BoundModel, on dev: Device, info: DeviceInfo, as: R.Type,
                                          options: BackendOptions, label: String? = nil)
        throws -> (density: any BatchedLogDensity, description: String, heapElements: Int) {
        let name = label ?? (R.self == Float.self ? "f32" : "f64")
        let (width, launch) = (options.chainsPerWorkItem, options.launch)
        let d = try OpenCLLogDensity<R>(bound, queue: try CommandQueue(context: try Context(device: dev)),
                                        width: width, launch: launch)
        /// The line names the shape the run's batch takes (built by then) when `auto` chose rows.
        func description(_ runs: OpenCLLogDensity<R>) -> String {
            var shape = Self.launchDescription(d.launch, width: d.width)
            if d.launch == .auto, let n = options.chains, runs.shape(forChains: n) == .rowsInLanes {
                shape = Self.launchDescription(.rowsInLanes, width: runs.width) + ", launch shape auto"
            }
            return "opencl \(name) on '\(info.name)' (\(shape))"
        }
        guard let companion = OpenCLRuntime.smallBatchCompanion(for: dev) else {
            try d.build(forChains: options.chains)
            return (d, description(d), d.generated.heapElements)
        }
        func single() throws -> OpenCLLogDensity<R> {
            try OpenCLLogDensity<R>(bound, queue: try CommandQueue(context: try Context(device: companion)),
                                    width: width, launch: launch)
        }
        // The program that will run is built now, so a build failure shows here (and `auto`
        // passes over OpenCL); a run of few chains never reaches the threaded device's density,
        // which then builds only if a larger batch comes (a cold 4-chain GP run compiled it for 22 s).
        let smallRun = (options.chains ?? Int.max) <= Self.pocLSmallBatchChains
        let first: OpenCLLogDensity<R>? = smallRun ? try single() : nil
        try (first ?? d).build(forChains: options.chains)
        let router = BatchSizeRouter(large: d, smallBatchChains: Self.pocLSmallBatchChains,
                                     recordsOnSmall: smallRun) { try first ?? single() }
        return (router, description(first ?? d) + "; batches of up to \(Self.pocLSmallBatchChains) chains on '\(companion.name)'",
                d.generated.heapElements)
    }

    /// How the launch shape reads in the back-end line.
    static func launchDescription(_ launch: LaunchChoice, width: Int) -> String {
        switch launch {
        case .chainPerWorkItem: return "\(width) chains per work-item"
        case .workGroupPerChain: return "a work-group per chain"
        case .rowsInLanes: return "a chain per work-item, \(width) rows in its lanes"
        case .auto: return "\(width) chains per work-item, launch shape auto"
        }
    }
}
