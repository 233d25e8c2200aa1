import LeapfrogOpenCL

/// The precision asked of a device back end (`--precision`).
public enum PrecisionRequest: String, Sendable, Hashable, CaseIterable {
    /// f32, checked against f64 at the run's checkpoints; the run switches to f64 when f32 is off.
    case auto
    /// f32, checked; a failed check only warns.
    case f32
    /// f64 throughout (needs cl_khr_fp64).
    case f64
}

/// How a run asks for its back end: `--backend`, `--device`, `--precision`, `--launch`,
/// `--chains-per-work-item`.
public struct BackendOptions: Sendable, Hashable {
    /// `auto` (the registry's first back end that works here) or a back end's name.
    public var name = BackendRegistry.auto
    /// A device index or part of its name; nil: the back end's default device.
    public var device: String? = nil
    public var precision: PrecisionRequest = .auto
    public var launch: LaunchChoice = .auto
    public var chainsPerWorkItem: Int? = nil
    /// Whether f32 is checked against f64 (`PrecisionGuard`): on for sampling; off for throughput
    /// benchmarks, where `auto` then means the bare f32 kernel.
    public var checked = true
    /// Where transitions run (`--transitions`): on the device when it can (`auto`), or the host.
    public var transitions: TransitionPlacement = .auto
    /// Per-chain NUTS warmup and ChEES's warmup in chained groups on the device, adapting there
    /// (`--no-chained-warmup`: one transition per launch, `DeviceTransitionExecutor.chainsWarmup`).
    public var chainedWarmup = true
    /// The batch a run evaluates, when known (a sampling run's chains): on PoCL a run of at most
    /// `OpenCLBackend.pocLSmallBatchChains` builds its density on the single-threaded device
    /// only, not on the threaded one its batches never reach. nil: build on the threaded device.
    public var chains: Int? = nil

    public init(name: String = BackendRegistry.auto, device: String? = nil, precision: PrecisionRequest = .auto) {
        self.name = name
        self.device = device
        self.precision = precision
    }
}
