import LeapfrogCore
import LeapfrogModel

/// One transition of every chain, as the device kernels take it (`TrajectorySource`, `NUTSSource`).
public struct TrajectoryLaunch: Sendable {
    public enum Kind: Sendable, Hashable {
        /// Static HMC with these integrator steps per chain (after any jitter).
        case hmc(steps: [Int])
        /// NUTS with at most this many doublings.
        case nuts(maxDepth: Int)
    }

    public var kind: Kind
    /// Per chain, after any jitter.
    public var stepSizes: [Double]
    /// diag(M⁻¹) of every chain, chain-fastest (`ChainBatch` of dimension d).
    public var inverseMetricDiagonal: ChainBatch
    public var seed: UInt64
    /// The Philox iteration word.
    public var iteration: Int
    /// HMC: read the trajectories' end points (before the Metropolis test) back to the host.
    public var returnsProposal: Bool

    public init(_ kind: Kind, stepSizes: [Double], inverseMetricDiagonal: ChainBatch, seed: UInt64, iteration: Int,
                returnsProposal: Bool = false) {
        self.kind = kind
        self.stepSizes = stepSizes
        self.inverseMetricDiagonal = inverseMetricDiagonal
        self.seed = seed
        self.iteration = iteration
        self.returnsProposal = returnsProposal
    }
}

/// What one launch of `OpenCLTrajectories` returns for every chain.
public struct TrajectoryOutcome: Sendable {
    public var positions: ChainBatch
    /// Non-finite values are −∞.
    public var logDensity: [Double]
    public var gradient: ChainBatch
    public var acceptProbability: [Double]
    public var energy: [Double]
    public var steps: [Int]
    /// NUTS: doublings completed; 0 for HMC.
    public var treeDepth: [Int]
    public var accepted: [Bool]
    public var divergent: [Bool]
    /// The end of every trajectory before the Metropolis test, when the launch asked for it.
    public var proposal: (position: ChainBatch, momentum: ChainBatch)?
}

/// Whole transitions of every chain in one launch — HMC (`TrajectorySource`, host twin
/// `HMCKernel`) or NUTS (`NUTSSource`, host twin `NUTSKernel`) — with positions, gradients and log
/// densities kept in device buffers from one transition to the next. Each kernel is generated and
/// built at its first use (NUTS once per maximum depth).
///
/// Cost per transition (d parameters, C chains padded to the stride S, b bytes per real):
/// - one launch and one blocking round trip;
/// - to the device: the step sizes (S·b) and, for HMC, the step counts (S·b); the state
///   ((2d + 1)·S·b) only when the caller's state is not the one the last launch left on the
///   device; diag M⁻¹ (d·S·b) only when it changed;
/// - from the device: the new state ((2d + 1)·S·b) and the per-chain outputs (4 or 5 × S·b), plus
///   the proposal (2d·S·b) when asked (ChEES's warmup).
/// Gradient evaluations per chain: its leapfrog steps × the integrator's gradients per step, as on
/// the host.
///
/// Calls are serialised by a lock.
public final class OpenCLTrajectories<R: DeviceReal>: DeviceTrafficCounting, @unchecked Sendable {
    public let model: BoundModel
    public let queue: CommandQueue
    public let coefficients: [Double]
    /// Chains per work-item when forced; nil: chosen per batch (`width(forChains:)`).
    public let forcedWidth: Int?
    public let dimension: Int
    private let requestedLocalSize: Int?
    private let info: DeviceInfo
    private let cache: ProgramCache?
    private let dataBuffers: [Buffer<R>]
    private let lock = Lock()
    private var counted = DeviceTraffic()
    private var buffers: TrajectoryBuffers<R>?
    /// Built kernels by kind (`hmc`, `nuts <depth>`), with their local sizes.
    private var kernels: [String: (kernel: Kernel, generated: GeneratedKernel, localSize: Int)] = [:]
    /// The state and metric the device holds now (what the last launch left there).
    private var residentState: (positions: [Double], logDensity: [Double])?
    private var residentMetric: [Double]?

    /// Checks the model can be generated (builds the HMC kernel) and uploads the data.
    public init(_ model: BoundModel, queue: CommandQueue, coefficients: [Double], width: Int? = nil,
                localSize: Int? = nil, cache: ProgramCache? = ProgramCache.default) throws {
        let info = try queue.context.device.info()
        self.info = info
        self.model = model
        self.queue = queue
        self.coefficients = coefficients
        self.cache = cache
        requestedLocalSize = localSize
        dimension = model.dimension
        forcedWidth = width
        dataBuffers = try OpenCLCodegen.generateTrajectory(model, coefficients: coefficients).dataArguments.map { name in
            try Buffer(context: queue.context, values: model.data[name]!.values.map { R($0) }, access: .readOnly, queue: queue)
        }
        _ = try kernel(for: .hmc(steps: []), width: info.chainsPerWorkItem(R.precision))
    }

    /// Chains per work-item for a batch: the device's (its SIMD width on CPUs, 1 on GPUs), narrowed
    /// on CPU devices until every compute unit has a work-item — a whole transition is long, so
    /// idle cores cost more than narrow vectors (4 chains on 2 cores: 2 work-items of 2 chains).
    public func width(forChains chains: Int) -> Int {
        if let forcedWidth { return forcedWidth }
        var w = info.chainsPerWorkItem(R.precision)
        while w > 1 && info.type == .cpu && (chains + w - 1) / w < info.computeUnits { w /= 2 }
        return w
    }

    public var traffic: DeviceTraffic { lock.withLock { counted } }

    /// The generated source of a kind's kernel (building it if needed), to read or profile.
    public func source(for kind: TrajectoryLaunch.Kind, chains: Int) throws -> String {
        try lock.withLock { try kernel(for: kind, width: width(forChains: chains)).generated.source }
    }

    private func kernel(for kind: TrajectoryLaunch.Kind, width: Int)
        throws -> (kernel: Kernel, generated: GeneratedKernel, localSize: Int) {
        var key: String
        switch kind {
        case .hmc: key = "hmc"
        case .nuts(let depth): key = "nuts \(depth)"
        }
        key += " W=\(width)"
        if let built = kernels[key] { return built }
        let generated: GeneratedKernel
        switch kind {
        case .hmc: generated = try OpenCLCodegen.generateTrajectory(model, coefficients: coefficients)
        case .nuts(let depth): generated = try OpenCLCodegen.generateNUTS(model, maxDepth: depth, coefficients: coefficients)
        }
        let perItem = OpenCLLogDensity<R>.privateElements(generated.source) * width * MemoryLayout<R>.size
        var local = requestedLocalSize ?? info.defaultLocalSize
        if info.type == .cpu {
            let budget = OpenCLLogDensity<R>.cpuPrivateBudget
            guard perItem <= budget else {
                throw LeapfrogError(.device, "the \(key) kernel of model '\(model.graph.name)' needs \(perItem / 1024) KiB of "
                                    + "private memory per work-item on '\(info.name)', more than \(budget / 1024) KiB")
            }
            if requestedLocalSize == nil { local = max(1, min(local, budget / max(perItem, 1))) }
        }
        let program = try KernelLibrary.build(context: queue.context, files: generated.libraryFiles, extra: generated.source,
                                              precision: R.precision, width: width, cache: cache)
        let built = (try Kernel(program: program, name: generated.kernelName), generated, local)
        kernels[key] = built
        return built
    }

    /// One transition of every chain from (`positions`, `logDensity`, `gradient`).
    public func run(_ launch: TrajectoryLaunch, positions: ChainBatch, logDensity: [Double],
                    gradient: ChainBatch) throws -> TrajectoryOutcome {
        let chains = positions.chains, d = dimension
        precondition(positions.dimension == d && gradient.dimension == d && logDensity.count == chains
                     && launch.stepSizes.count == chains
                     && launch.inverseMetricDiagonal.chains == chains && launch.inverseMetricDiagonal.dimension == d,
                     "OpenCLTrajectories.run: shapes disagree")
        lock.lock()
        defer { lock.unlock() }
        let width = width(forChains: chains)
        let (kernel, _, localSize) = try self.kernel(for: launch.kind, width: width)
        let items = (chains + width - 1) / width
        let groupSize = info.type == .cpu
            ? max(1, min(localSize, (items + info.computeUnits - 1) / info.computeUnits)) : localSize
        let layout = ChainLayout(chains: chains, width: width, localSize: groupSize)
        let s = layout.stride, b = MemoryLayout<R>.size
        if buffers?.stride != s || buffers?.width != width {
            buffers = nil
            residentState = nil
            residentMetric = nil
            buffers = try TrajectoryBuffers<R>(context: queue.context, dimension: d, stride: s, width: width)
        }
        let bufs = buffers!
        var traffic = DeviceTraffic(launches: 1, roundTrips: 1)

        func upload(_ values: [Double], dimension rows: Int, to buffer: Buffer<R>, staging: UnsafeMutableBufferPointer<R>) throws {
            values.withUnsafeBufferPointer { R.pack($0, chains: chains, stride: s, dimension: rows, into: staging.baseAddress!) }
            try buffer.enqueueWrite(from: UnsafeBufferPointer(rebasing: staging[0..<(rows * s)]), queue: queue)
            traffic.bytesToDevice += rows * s * b
        }
        if residentState == nil || residentState!.positions != positions.values || residentState!.logDensity != logDensity {
            try upload(positions.values, dimension: d, to: bufs.position, staging: bufs.hostPosition)
            try upload(gradient.values, dimension: d, to: bufs.gradient, staging: bufs.hostGradient)
            try upload(logDensity, dimension: 1, to: bufs.logDensity, staging: bufs.hostLogDensity)
        }
        if residentMetric != launch.inverseMetricDiagonal.values {
            try upload(launch.inverseMetricDiagonal.values, dimension: d, to: bufs.inverseMetric, staging: bufs.hostMetric)
            residentMetric = launch.inverseMetricDiagonal.values
        }
        try upload(launch.stepSizes, dimension: 1, to: bufs.stepSize, staging: bufs.hostStepSize)

        var arguments: [Buffer<R>]
        var scalars: [UInt32] = [UInt32(truncatingIfNeeded: launch.seed), UInt32(truncatingIfNeeded: launch.seed >> 32),
                                 UInt32(truncatingIfNeeded: launch.iteration)]
        let returnsProposal: Bool
        switch launch.kind {
        case .hmc(let steps):
            precondition(steps.count == chains, "OpenCLTrajectories.run: \(steps.count) step counts for \(chains) chains")
            try upload(steps.map(Double.init), dimension: 1, to: bufs.steps, staging: bufs.hostSteps)
            arguments = [bufs.position, bufs.gradient, bufs.logDensity, bufs.stepSize, bufs.steps, bufs.inverseMetric,
                         bufs.acceptProbability, bufs.energy, bufs.taken, bufs.flags, bufs.proposalPosition, bufs.proposalMomentum]
            scalars += [UInt32(steps.max() ?? 0), launch.returnsProposal ? 1 : 0]
            returnsProposal = launch.returnsProposal
        case .nuts:
            arguments = [bufs.position, bufs.gradient, bufs.logDensity, bufs.stepSize, bufs.inverseMetric,
                         bufs.acceptProbability, bufs.energy, bufs.taken, bufs.depth, bufs.flags]
            returnsProposal = false
        }
        var k = 0
        for buffer in arguments { try kernel.setArg(k, buffer); k += 1 }
        for value in scalars { try kernel.setArg(k, value); k += 1 }
        for buffer in dataBuffers { try kernel.setArg(k, buffer); k += 1 }
        try kernel.setArg(k, Int32(s))
        let event = try queue.enqueue(kernel, global: layout.workItems, local: groupSize)

        // Every read is enqueued; the last one blocks, so the host waits once.
        var reads: [(Buffer<R>, UnsafeMutableBufferPointer<R>, Int)] = [
            (bufs.position, bufs.hostPosition, d), (bufs.gradient, bufs.hostGradient, d),
            (bufs.logDensity, bufs.hostLogDensity, 1), (bufs.acceptProbability, bufs.hostAcceptProbability, 1),
            (bufs.energy, bufs.hostEnergy, 1), (bufs.taken, bufs.hostTaken, 1),
        ]
        if case .nuts = launch.kind { reads.append((bufs.depth, bufs.hostDepth, 1)) }
        if returnsProposal {
            reads += [(bufs.proposalPosition, bufs.hostProposalPosition, d), (bufs.proposalMomentum, bufs.hostProposalMomentum, d)]
        }
        reads.append((bufs.flags, bufs.hostFlags, 1))
        for (n, read) in reads.enumerated() {
            try read.0.read(into: UnsafeMutableBufferPointer(rebasing: read.1[0..<(read.2 * s)]), blocking: n == reads.count - 1,
                            queue: queue)
            traffic.bytesFromDevice += read.2 * s * b
        }
        try event.checkFinished()
        counted += traffic

        func unpack(_ host: UnsafeMutableBufferPointer<R>, _ rows: Int) -> [Double] {
            [Double](unsafeUninitializedCapacity: chains * rows) { out, initialised in
                R.unpack(UnsafePointer(host.baseAddress!), chains: chains, stride: s, dimension: rows, into: out)
                initialised = chains * rows
            }
        }
        let newPositions = unpack(bufs.hostPosition, d)
        let newLogDensity = unpack(bufs.hostLogDensity, 1).map { $0.isFinite ? $0 : -.infinity }
        let flags = unpack(bufs.hostFlags, 1).map { Int($0) }
        residentState = (newPositions, newLogDensity)
        let depths: [Int]
        if case .nuts = launch.kind { depths = unpack(bufs.hostDepth, 1).map { Int($0) } } else {
            depths = [Int](repeating: 0, count: chains)
        }
        return TrajectoryOutcome(
            positions: ChainBatch(chains: chains, dimension: d, values: newPositions), logDensity: newLogDensity,
            gradient: ChainBatch(chains: chains, dimension: d, values: unpack(bufs.hostGradient, d)),
            acceptProbability: unpack(bufs.hostAcceptProbability, 1), energy: unpack(bufs.hostEnergy, 1),
            steps: unpack(bufs.hostTaken, 1).map { Int($0) }, treeDepth: depths, accepted: flags.map { $0 & 1 != 0 },
            divergent: flags.map { $0 & 2 != 0 },
            proposal: returnsProposal
                ? (ChainBatch(chains: chains, dimension: d, values: unpack(bufs.hostProposalPosition, d)),
                   ChainBatch(chains: chains, dimension: d, values: unpack(bufs.hostProposalMomentum, d))) : nil)
    }
}

/// The device buffers of `OpenCLTrajectories` for one stride, and the host staging memory the
/// non-blocking transfers read and write (alive until the next blocking read).
final class TrajectoryBuffers<R: DeviceReal>: @unchecked Sendable {
    let stride: Int
    /// Chains per work-item of the kernels these buffers serve (the layout depends on it).
    let width: Int
    let position, gradient, logDensity, stepSize, steps, inverseMetric: Buffer<R>
    let acceptProbability, energy, taken, depth, flags, proposalPosition, proposalMomentum: Buffer<R>
    let hostPosition, hostGradient, hostLogDensity, hostStepSize, hostSteps, hostMetric: UnsafeMutableBufferPointer<R>
    let hostAcceptProbability, hostEnergy, hostTaken, hostDepth, hostFlags: UnsafeMutableBufferPointer<R>
    let hostProposalPosition, hostProposalMomentum: UnsafeMutableBufferPointer<R>
    private var owned: [UnsafeMutableBufferPointer<R>] = []

    init(context: Context, dimension: Int, stride s: Int, width: Int) throws {
        stride = s
        self.width = width
        let vector = max(1, dimension) * s
        func device(_ count: Int) throws -> Buffer<R> { try Buffer<R>(context: context, count: count) }
        position = try device(vector); gradient = try device(vector); logDensity = try device(s)
        stepSize = try device(s); steps = try device(s); inverseMetric = try device(vector)
        acceptProbability = try device(s); energy = try device(s); taken = try device(s); depth = try device(s); flags = try device(s)
        proposalPosition = try device(vector); proposalMomentum = try device(vector)
        var made: [UnsafeMutableBufferPointer<R>] = []
        func host(_ count: Int) -> UnsafeMutableBufferPointer<R> {
            let p = UnsafeMutableBufferPointer<R>.allocate(capacity: count)
            p.initialize(repeating: 0)
            made.append(p)
            return p
        }
        hostPosition = host(vector); hostGradient = host(vector); hostLogDensity = host(s)
        hostStepSize = host(s); hostSteps = host(s); hostMetric = host(vector)
        hostAcceptProbability = host(s); hostEnergy = host(s); hostTaken = host(s); hostDepth = host(s); hostFlags = host(s)
        hostProposalPosition = host(vector); hostProposalMomentum = host(vector)
        owned = made
    }

    deinit { for p in owned { p.deallocate() } }
}
