import LeapfrogCore
import LeapfrogOutput
import LeapfrogReference
import LeapfrogSampling

/// A back end made for one bound model: what evaluates it, how it reads in the banner, and what
/// it runs on.
public struct SelectedBackend {
    public var density: any BatchedLogDensity
    /// The back-end line: `cpu (reference, f64)`, `opencl f32 … on 'device' (…)`.
    public var description: String
    /// The device's name; nil on the CPU reference.
    public var device: String?
    /// Bytes of one number on the device at the widest precision the run can use: 4 for
    /// unchecked f32, 8 for f64 or for f32 checked against an f64 twin on the device (it may
    /// switch); nil on the CPU reference.
    public var deviceRealBytes: Int?
    /// The device's global memory and largest allocation in bytes; nil on the CPU reference.
    public var deviceMemory: (global: Double, maxAllocation: Double)?
    /// Numbers per chain in the device heap of the model's density kernel (its largest values,
    /// `DeviceHeap`; 0 when they all fit in private memory).
    public var deviceHeapElements = 0
    /// Whether the device's memory is this machine's (a CPU device: PoCL's buffers are host memory).
    public var deviceIsHostMemory = false
    /// Runs whole transitions on the device; nil: the host loop over `density`
    /// (`HostTransitionExecutor`), the reference.
    public var executor: (any TransitionExecutor)?

    public init(density: any BatchedLogDensity, description: String, device: String? = nil,
                deviceRealBytes: Int? = nil, deviceMemory: (global: Double, maxAllocation: Double)? = nil,
                executor: (any TransitionExecutor)? = nil) {
        self.density = density
        self.description = description
        self.device = device
        self.deviceRealBytes = deviceRealBytes
        self.deviceMemory = deviceMemory
        self.executor = executor
    }

    /// Whether a precision switch would move the run to the host: f32 checked against the CPU
    /// reference (a device without `cl_khr_fp64`), whose transitions, NUTS's trees included, the
    /// host then runs.
    public var switchesToHost: Bool { (density as? PrecisionGuard)?.accurate is ReferenceModel }

    /// The precision evaluating now: a `PrecisionGuard`'s current one, else the back end's own.
    public var precision: String { (density as? PrecisionGuard)?.currentName ?? (deviceRealBytes == 4 ? "f32" : "f64") }

    /// The device traffic of a run of `iterations` iterations (density, recording and transitions
    /// together); nil on the CPU reference.
    public func trafficFigures(iterations: Int) -> RunSummary.DeviceTrafficFigures? {
        guard let counting = density as? DeviceTrafficCounting else { return nil }
        // Several devices (`SplitTransitionExecutor`): their traffic summed; every transition runs
        // on each of them, so the first one's placements are the run's.
        let devices = ((executor as? SplitTransitionExecutor)?.executors ?? executor.map { [$0] } ?? [])
            .compactMap { $0 as? DeviceTransitionExecutor }
        let placements = devices.first?.placements ?? (device: 0, host: iterations)
        let transitions = devices.reduce(DeviceTraffic()) { $0 + $1.traffic }
        return .init(total: counting.traffic + transitions, iterations: iterations,
                     transitionsOnDevice: placements.device, transitionsOnHost: placements.host,
                     transitionsLaunchShape: devices.first?.launchShape?.description)
    }

    /// What `requested` (`--precision`) asked for, what evaluated, where it switched and the
    /// checks made on the way, for summary.json.
    public func precisionFigures(requested: String) -> RunSummary.PrecisionFigures {
        guard let precisionGuard = density as? PrecisionGuard else { return .init(requested: requested, ran: precision) }
        return .init(requested: requested, ran: precisionGuard.currentName, switchedAt: precisionGuard.switchedAt,
                     bounds: precisionGuard.bounds, checks: precisionGuard.checks, setupSeconds: precisionGuard.setupSeconds)
    }
}
