import Leapfrog

/// `leapfrog sample`'s memory checks (`MemoryEstimate`): a run too big for the host is refused
/// before anything is compiled or sampled; one whose chains do not fit on the OpenCL device at
/// once is told that they will be evaluated in batches.
extension SampleCommand {
    /// The estimate for this run of `bound`; `deviceRealBytes` is nil on the CPU reference.
    func memoryEstimate(_ bound: BoundModel, deviceRealBytes: Int?) -> MemoryEstimate {
        let schema = DrawCollector.schema(bound, chains: chains, draws: draws)
        let keepsDraws = output == nil || (csv && !NetCDFLibrary.isAvailable)
        let config = configuration()
        return MemoryEstimate(.init(
            dimension: bound.dimension, draws: draws, recordedPerDraw: 1 + schema.flatCount,
            largestVariable: schema.variables.map(\.count).max() ?? 0, sampler: sampler, maxDepth: maxDepth,
            metric: metric.kind, pooledAdaptation: config.pooledAdaptation, keepsDraws: keepsDraws, writesCSV: csv,
            dataValues: bound.data.values.reduce(0) { $0 + $1.values.count }, deviceRealBytes: deviceRealBytes))
    }

    /// Throws, with the figures, when the host has too little memory for the run. An OpenCL back
    /// end is counted at 8-byte numbers, since which precision runs is not known yet.
    func checkHostMemory(_ bound: BoundModel) throws {
        let estimate = memoryEstimate(bound, deviceRealBytes: backendSelection.backend == .cpu ? nil : 8)
        let (available, words) = MachineMemory.available()
        if let refusal = estimate.hostRefusal(chains: chains, available: available, availableWords: words) {
            throw LeapfrogError(.configuration, refusal)
        }
    }

    /// On an OpenCL back end: throws when the data do not fit on the device; logs when the
    /// chains' buffers do not fit at once.
    func checkDeviceMemory(_ bound: BoundModel, backend: SelectedBackend, log: (String) -> Void) throws {
        guard let bytes = backend.deviceRealBytes, let info = try? OpenCLRuntime.device(backendSelection.device).info() else { return }
        let estimate = memoryEstimate(bound, deviceRealBytes: bytes)
        let global = Double(info.globalMemory), largest = Double(info.maxAllocation)
        guard let most = estimate.largestDeviceChains(globalMemory: global, maxAllocation: largest) else {
            throw LeapfrogError(.device, "the data need about \(Format.bytes(estimate.deviceFixed)) on '\(info.name)', "
                                + "which has \(Format.bytes(global)) of memory; use --backend cpu")
        }
        if most < chains {
            log("leapfrog: \(Format.grouped(chains)) chains need about \(Format.bytes(estimate.deviceBytes(chains: chains))) "
                + "on '\(info.name)' (\(Format.bytes(global)), at most \(Format.bytes(largest)) a buffer): "
                + "they are evaluated in batches of at most \(Format.grouped(max(most, 1))) chains")
        }
    }
}
