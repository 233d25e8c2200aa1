import LeapfrogCore
import LeapfrogModel
import LeapfrogOutput

/// A run's memory checks (`MemoryEstimate`): a run too big for the host is refused before
/// anything is compiled or sampled; one whose chains do not fit on the device at once is told
/// that they will be evaluated in batches.
struct RunMemory {
    let configuration: RunConfiguration
    /// Whether the draws are kept in memory (no posterior.nc to read them back from).
    let keepsDraws: Bool

    init(_ configuration: RunConfiguration, keepsDraws: Bool) {
        self.configuration = configuration
        self.keepsDraws = keepsDraws
    }

    /// Whether NUTS's trees may be built on the host whatever the device: the CPU reference,
    /// `--transitions host`, a dense metric (the device programs take a diagonal one), or
    /// `--precision f32`, whose transitions move to the host when f32 fails a check.
    var treesOnHost: Bool {
        let b = configuration.backend
        return b.name == CPUBackend().name || b.transitions == .host || configuration.sampler.metric == .dense
            || b.precision == .f32
    }

    /// The estimate for this run of `bound`; `deviceRealBytes` is nil on the CPU reference.
    /// - treesOnHost: NUTS's trees counted on the host (``treesOnHost`` when nil).
    func estimate(_ bound: BoundModel, deviceRealBytes: Int?, deviceHeapElements: Int = 0, treesOnHost: Bool? = nil)
        -> MemoryEstimate {
        let c = configuration.sampler
        let schema = DrawCollector.schema(bound, chains: c.chains, draws: c.draws)
        return MemoryEstimate(.init(
            dimension: bound.dimension, draws: c.draws, recordedPerDraw: 1 + schema.flatCount,
            largestVariable: schema.variables.map(\.count).max() ?? 0, sampler: c.sampler, maxDepth: c.maxDepth,
            treesOnHost: treesOnHost ?? self.treesOnHost, metric: c.metric, pooledAdaptation: c.pooledAdaptation, keepsDraws: keepsDraws,
            keepsMoments: configuration.keep == .moments,
            writesCSV: configuration.output?.csv ?? false,
            deviceHeapElements: deviceHeapElements,
            dataValues: bound.data.values.reduce(0) { $0 + $1.values.count }, summaryCores: ChainRanges.cores,
            deviceRealBytes: deviceRealBytes))
    }

    /// Throws, with the figures, when the host has too little memory for the run. A device back
    /// end is counted at 8-byte numbers, since which precision runs is not known yet, and with
    /// NUTS's trees on the device unless ``treesOnHost``: once the transitions' programs are made,
    /// a run whose trees end up on the host after all (no device program, an `auto` back end on
    /// the CPU) or may (f32 checked against the CPU reference, `SelectedBackend.switchesToHost`)
    /// is checked again with `treesOnHost` true.
    func checkHost(_ bound: BoundModel, treesOnHost: Bool? = nil) throws {
        let onHost = configuration.backend.name == CPUBackend().name
        let estimate = estimate(bound, deviceRealBytes: onHost ? nil : 8, treesOnHost: treesOnHost)
        let (available, words) = MachineMemory.available()
        if let refusal = estimate.hostRefusal(chains: configuration.sampler.chains, available: available,
                                              availableWords: words) {
            throw LeapfrogError(.configuration, refusal)
        }
    }

    /// On a device back end: throws when the data do not fit on the device, or when the device's
    /// memory is this machine's (a CPU device) and the chains' device buffers — the kernels'
    /// heaps above all — and what the host keeps beside them would together exceed what it has
    /// available; logs when the chains' buffers do not fit at once.
    func checkDevice(_ bound: BoundModel, backend: SelectedBackend, log: (String) -> Void) throws {
        guard let bytes = backend.deviceRealBytes, let memory = backend.deviceMemory else { return }
        let name = backend.device ?? "the device"
        let chains = configuration.sampler.chains
        let estimate = estimate(bound, deviceRealBytes: bytes, deviceHeapElements: backend.deviceHeapElements)
        if backend.deviceIsHostMemory {
            let (available, words) = MachineMemory.available()
            let (device, host) = (estimate.deviceBytes(chains: chains), estimate.hostBytes(chains: chains))
            if device + host > available {
                let most = estimate.largestSharedChains(available: available)
                throw LeapfrogError(.configuration, "--chains \(NumberFormat.grouped(chains)) needs about "
                                    + "\(NumberFormat.bytes(device)) of device memory on '\(name)', a CPU device whose memory is "
                                    + "this machine's, beside \(NumberFormat.bytes(host)) on the host "
                                    + "(\(NumberFormat.bytes(available)) \(words)); "
                                    + (most > 0 ? "at most \(NumberFormat.grouped(most)) chains fit" : "not even one chain fits")
                                    + (backend.deviceHeapElements > 0 ? " (the model's largest values take "
                                       + "\(NumberFormat.bytes(Double(bytes * backend.deviceHeapElements))) a chain in each "
                                       + "of its device programs)" : ""))
            }
        }
        guard let most = estimate.largestDeviceChains(globalMemory: memory.global, maxAllocation: memory.maxAllocation) else {
            throw LeapfrogError(.device, "the data need about \(NumberFormat.bytes(estimate.deviceFixed)) on '\(name)', "
                                + "which has \(NumberFormat.bytes(memory.global)) of memory; use --backend cpu")
        }
        if most < chains {
            log("leapfrog: \(NumberFormat.grouped(chains)) chains need about "
                + "\(NumberFormat.bytes(estimate.deviceBytes(chains: chains))) on '\(name)' "
                + "(\(NumberFormat.bytes(memory.global)), at most \(NumberFormat.bytes(memory.maxAllocation)) a buffer): "
                + "they are evaluated in batches of at most \(NumberFormat.grouped(max(most, 1))) chains")
        }
    }
}
