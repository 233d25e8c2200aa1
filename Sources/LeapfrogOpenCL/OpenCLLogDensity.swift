import LeapfrogCore
import LeapfrogData
import LeapfrogModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The OpenCL back end for one bound model: a generated fused kernel (see `OpenCLCodegen`) that
/// evaluates the log density and gradient of every chain in one launch, W chains per work-item, or
/// one work-group per chain for few chains over large data (`LaunchShape`; `launch` chooses,
/// per call, from the chain count, or forces one).
///
/// `R` is the device's `real` (`Float` or `Double`); results come back as Double. A batch that does
/// not fit on the device is split in halves automatically (`withChainSplitting`). Calls are
/// serialised by a lock, so one instance may be shared between threads.
public final class OpenCLLogDensity<R: DeviceReal>: BatchedLogDensity, DrawRecording, DeviceTrafficCounting, DeviceMemoryReleasing,
                                              @unchecked Sendable {
    public let model: BoundModel
    public let generated: GeneratedKernel
    public let queue: CommandQueue
    /// Chains per work-item of the work-item-per-chain kernel (the most: `chainWidth(forChains:)`).
    public let width: Int
    /// Whether the caller chose `width` (`--chains-per-work-item`): then every batch takes it.
    private let widthForced: Bool
    /// Work-group size of the work-item-per-chain kernel.
    public let localSize: Int
    public let launch: LaunchChoice
    /// Rows of the model's plate (0 when it has none).
    public let plateRows: Int
    /// An evaluation's work by rows of the plate and once per chain (`EvaluationPlan.work`).
    private let work: (rows: Double, whole: Double)
    private let info: DeviceInfo
    private let cache: ProgramCache?
    /// The work-item-per-chain kernel: built by `build()` or the first evaluation, so an evaluator
    /// that a run never calls (PoCL's threaded device in a 4-chain run, whose batches go to its
    /// single-threaded companion) costs no compile (11 s for the GP's on 2 cores).
    private var builtKernels: [Int: Kernel] = [:]
    /// The work-group-per-chain kernel, built on first use.
    private var groupKernel: (generated: GeneratedKernel, kernel: Kernel)?
    /// The rows-in-lanes kernel and its row-blocked data, made on first use; `.failure` when the
    /// model's row loop cannot run in lanes (`RowLanesUnsupported`) or the kernel does not build.
    private var rowsKernel: Result<(kernel: Kernel, data: [Buffer<R>], generated: GeneratedKernel), Error>?
    private let dataBuffers: [Buffer<R>]
    /// The kernels' large arrays (`DeviceHeap`), grown to the largest launch.
    private var heap: DeviceHeap<R>
    private let lock = Lock()
    private var kernelNanoseconds: UInt64?
    /// Device buffers of the last batch shape (stride), reused while the chain count stays the same.
    private var buffers: (stride: Int, position: Buffer<R>, gradient: Buffer<R>, logDensity: Buffer<R>)?
    private var staging: Staging<R>?
    /// The recorded-values kernel, built at the first draw; `.failure` when the model's derived
    /// quantities are outside what it supports (draws are then recorded through the reference).
    private var recorder: Result<OpenCLRecordedValues<R>, Error>?
    private var counted = DeviceTraffic()

    /// Launches, blocking round trips and bytes moved by this evaluator so far (recorded values included).
    public var traffic: DeviceTraffic { lock.withLock { counted + ((try? recorder?.get())?.traffic ?? DeviceTraffic()) } }

    /// Device time of the last launch, in seconds, when `queue` was created with `profiling: true`
    /// (the last part's, if the batch was split).
    public var lastKernelSeconds: Double? {
        lock.lock()
        defer { lock.unlock() }
        return kernelNanoseconds.map { Double($0) * 1e-9 }
    }

    public var dimension: Int { model.dimension }

    /// Generates the kernel, checks what it needs of the device and uploads the data; the program
    /// is built by `build()` or the first evaluation. `width` defaults to the device's chains per
    /// work-item for `R`, `localSize` to the device default.
    public init(_ model: BoundModel, queue: CommandQueue, width: Int? = nil, localSize: Int? = nil,
                launch: LaunchChoice = .auto, cache: ProgramCache? = ProgramCache.default) throws {
        let info = try queue.context.device.info()
        self.info = info
        self.cache = cache
        self.launch = launch
        plateRows = EvaluationPlan.streamedRows(model)
        work = EvaluationPlan.streamedWork(model)
        self.model = model
        self.queue = queue
        self.width = width ?? info.chainsPerWorkItem(R.precision)
        widthForced = width != nil
        heap = DeviceHeap(queue: queue, info: info, model: model.graph.name)
        generated = try OpenCLCodegen.generate(model)
        // Private memory: every node lives in per-work-item arrays (`privateBytes`), and PoCL's CPU
        // device runs a whole work-group's work-items on one thread's stack, so a model with large
        // matrices (a GP's n×n covariance) overflows it at the default local size. Cap the local
        // size to the budget; refuse, with the figure, a kernel whose single work-item cannot fit.
        let perItem = Self.privateBytes(generated.source, width: self.width, transitionLanes: self.width)
        var local = localSize ?? info.defaultLocalSize
        if info.type == .cpu {
            guard perItem <= Self.cpuPrivateBudget else {
                throw LeapfrogError(.device, "model '\(model.graph.name)' needs \(perItem / 1024) KiB of private memory per "
                                    + "work-item on '\(info.name)', more than \(Self.cpuPrivateBudget / 1024) KiB; "
                                    + "use --backend cpu (a work-group-per-chain kernel for large models is not built yet)")
            }
            if localSize == nil { local = max(1, min(local, Self.cpuPrivateBudget / max(perItem, 1))) }
        }
        self.localSize = local
        dataBuffers = try generated.dataBuffers(model, width: self.width, queue: queue)
    }

    /// Whether the work-item-per-chain program has been built.
    public var isBuilt: Bool { lock.withLock { !builtKernels.isEmpty } }

    /// Gives back the batch's device buffers, its host staging and the kernel's heap (the next
    /// evaluation makes them again); the programs and the data stay.
    public func releaseDeviceMemory() {
        lock.withLock {
            buffers = nil
            staging = nil
            heap.release()
        }
    }

    /// Bytes of device memory the batches hold now (the data's aside): what `releaseDeviceMemory` gives back.
    public var batchDeviceBytes: Int {
        lock.withLock {
            let counts = [buffers?.position.count, buffers?.gradient.count, buffers?.logDensity.count, heap.count]
            return counts.compactMap { $0 }.reduce(0, +) * MemoryLayout<R>.size
        }
    }

    /// Builds now (from the cache when it holds it) the program a batch of `chains` chains
    /// launches — the rows-in-lanes one where `shape(forChains:)` takes it, else the
    /// work-item-per-chain one (nil: that one) — so that a build failure is thrown here rather
    /// than at the first evaluation, and a cold few-chain run compiles no density it never runs.
    public func build(forChains chains: Int? = nil) throws {
        lock.lock()
        defer { lock.unlock() }
        if let chains, shape(forChains: chains) == .rowsInLanes {
            _ = try rowsInLanesKernel()
        } else {
            _ = try kernel(width: chains.map(chainWidth) ?? width)
        }
    }

    /// The work-item-per-chain kernel of `width` chains per work-item, built on first use. Call
    /// under `lock`.
    private func kernel(width: Int) throws -> Kernel {
        if let built = builtKernels[width] { return built }
        let program = try KernelLibrary.build(context: queue.context, files: generated.libraryFiles, extra: generated.source,
                                              precision: R.precision, width: width, cache: cache)
        let made = try Kernel(program: program, name: generated.kernelName)
        builtKernels[width] = made
        return made
    }

    /// Chains per work-item for a batch of `chains` in the work-item-per-chain shape: `width`, or
    /// for a kernel with a device heap no more lanes than the batch has chains (rounded up to a
    /// power of two), since the heap's traffic grows with the lanes, empty ones included: a
    /// 400-point GP's 4 chains, f32, PoCL, gradients/s at W = 2, 4, 8, 16: 63, 127, 108, 78; 16
    /// chains: 63, 127, 216, 297 (docs/benchmarks.md, "Large intermediate values in a device
    /// heap"). Kernels without a heap keep `width` (their lanes cost little, and one program), as
    /// does a width the caller chose.
    public func chainWidth(forChains chains: Int) -> Int {
        guard generated.heapElements > 0, !widthForced else { return width }
        var w = 1
        while w < min(chains, width) { w *= 2 }
        return min(w, width)
    }

    /// Bytes of private arrays a CPU work-group may use (PoCL runs a work-group on one thread).
    public static var cpuPrivateBudget: Int { Generator.cpuPrivateBudget }

    /// Work-items per chain in the work-group-per-chain shape: 128 on GPUs; 32 on CPU devices
    /// (PoCL runs a work-group on one core; only a forced `--launch group` uses it there), never
    /// more than the device allows.
    public var groupLocalSize: Int { max(1, min(info.type == .cpu ? 32 : 128, info.maxWorkGroupSize)) }

    /// The shape a batch of `chains` chains is launched with. On devices other than CPUs, `auto`
    /// takes one work-group per chain when the plate has at least 4 rows per work-item of such a
    /// group and the work-item-per-chain shape would leave the device idle: fewer work-items than
    /// 1024 per compute unit on a GPU, 4 on other accelerators. On CPU devices it takes the rows in
    /// lanes for few chains (`autoShapeIsRows`) when that kernel builds: the first such call
    /// builds it.
    public func shape(forChains chains: Int) -> LaunchShape {
        var group: LaunchShape {
            .group(localSize: groupLocalSize, dimension: dimension, localMemory: info.localMemory,
                   realSize: MemoryLayout<R>.size)
        }
        switch launch {
        case .chainPerWorkItem: return .chainPerWorkItem
        case .workGroupPerChain: return group
        case .rowsInLanes: return .rowsInLanes
        case .auto:
            // On CPU devices PoCL runs a work-group's work-items as scalar code (it does not
            // vectorise across them), while the work-item-per-chain kernel runs W chains in SIMD
            // lanes: measured 3.6× faster on digits with 4 chains. Too few chains to fill the
            // lanes put the rows there instead, when the model's row loop allows it.
            if info.type == .cpu, Self.autoShapeIsRows(chains: chains, width: width, computeUnits: info.computeUnits,
                                                       plateRows: plateRows, work: work),
               (try? rowsInLanesKernel()) != nil {
                return .rowsInLanes
            }
            guard info.type != .cpu, plateRows >= 4 * groupLocalSize else { return .chainPerWorkItem }
            let workItems = (chains + width - 1) / width
            let capacity = info.computeUnits * (info.type == .gpu ? 1024 : 4)
            return workItems < capacity ? group : .chainPerWorkItem
        }
    }

    /// `auto`'s rule for rows in lanes on a CPU device: at most a quarter as many chains as the
    /// cores have lanes (`width` × `computeUnits`), and at least `width` rows, so that the lanes
    /// fill with rows where they would stay mostly empty of chains. Measured on the BNN (100 rows,
    /// 2 AVX-512 cores, docs/benchmarks.md, "Rows in SIMD lanes"): NUTS 2.5× the chain shape's
    /// gradients/s at 1 and 2 chains in f32, 1.9× at 4 in f64 (a quarter of 16 lanes), 1.3× at 8
    /// in f32 (a quarter of 32), 1.1× at 8 in f64 (half of 16), 0.8× at 16 in f32 (half of 32).
    /// And only where the rows are at least half the `work`: what is evaluated once per chain
    /// runs in one lane there, where the chain shape runs every chain's in its lanes at once (a
    /// Gaussian process filling its 100 × 100 kernel matrix and factoring it beside 100 rows of
    /// outcomes: 0.13× the chain shape's gradients/s at 4 chains in f32, docs/benchmarks.md).
    public static func autoShapeIsRows(chains: Int, width: Int, computeUnits: Int, plateRows: Int,
                                       work: (rows: Double, whole: Double)) -> Bool {
        width > 1 && plateRows >= width && chains * 4 <= width * max(1, computeUnits) && work.whole <= work.rows
    }

    /// The rows-in-lanes kernel (W = `width` rows per work-item) and its data, made on first use.
    /// Call under `lock`.
    private func rowsInLanesKernel() throws -> (kernel: Kernel, data: [Buffer<R>], generated: GeneratedKernel) {
        if let rowsKernel { return try rowsKernel.get() }
        let made = Result { () throws -> (kernel: Kernel, data: [Buffer<R>], generated: GeneratedKernel) in
            let generated = try OpenCLCodegen.generate(model, shape: .rowsInLanes)
            let data: [Buffer<R>] = try generated.dataBuffers(model, width: width, queue: queue)
            let program = try KernelLibrary.build(context: queue.context, files: generated.libraryFiles, extra: generated.source,
                                                  precision: R.precision, width: width, defines: generated.defines, cache: cache)
            return (try Kernel(program: program, name: generated.kernelName), data, generated)
        }
        rowsKernel = made
        return try made.get()
    }

    /// The work-group-per-chain kernel, generated and built on first use.
    private func workGroupKernel(_ shape: LaunchShape) throws -> (generated: GeneratedKernel, kernel: Kernel) {
        if let built = groupKernel, built.generated.shape == shape { return built }
        let generated = try OpenCLCodegen.generate(model, shape: shape)
        if info.type == .cpu, case .workGroupPerChain(let local, _) = shape {
            let perItem = Self.privateBytes(generated.source, width: 1, transitionLanes: 1)
            guard perItem * local <= Self.cpuPrivateBudget else {
                throw LeapfrogError(.device, "model '\(model.graph.name)' needs \(perItem * local / 1024) KiB of private memory per "
                                    + "work-group of \(local) on '\(info.name)', more than \(Self.cpuPrivateBudget / 1024) KiB; "
                                    + "use --launch chain or --backend cpu")
            }
        }
        let program = try KernelLibrary.build(context: queue.context, files: generated.libraryFiles, extra: generated.source,
                                              precision: R.precision, width: 1, cache: cache)
        let kernel = try Kernel(program: program, name: generated.kernelName)
        groupKernel = (generated, kernel)
        return (generated, kernel)
    }

    /// Bytes of the private arrays one work-item declares in generated source (statements
    /// `type a[n], b[m];`; `__local` arrays belong to the group). PoCL's CPU device runs a whole
    /// work-group on one thread's stack, so the local size is capped by this figure
    /// (`cpuPrivateBudget`). `realw` arrays (the density's nodes) hold `width` lanes; `realt`,
    /// `uintt` and `maskt` arrays (the transition kernels' state, Kernels/common.cl) hold
    /// `transitionLanes`: W with chains in lanes, one with rows in lanes, where a work-item runs
    /// one chain; scalar arrays one. Every lane counts the size of `R` (an `int` or `uint` lane
    /// is never larger).
    public static func privateBytes(_ source: String, width: Int, transitionLanes: Int) -> Int {
        var lanes = 0
        for line in source.split(separator: "\n") {
            // The declaration without its comment (whose shapes, `[120, 120]`, are not declarators).
            let code = line.firstRange(of: "//").map { line[..<$0.lowerBound] } ?? line[...]
            let words = code.drop(while: { $0 == " " }).split(separator: " ", maxSplits: 1)
            guard words.count == 2, let type = PrivateArrayLanes(typeName: words[0]) else { continue }
            var elements = 0
            for declarator in words[1].split(separator: ",") {
                let d = declarator.drop(while: { $0 == " " })
                guard let open = d.firstIndex(of: "["), let close = d.firstIndex(of: "]"), open < close,
                      d[..<open].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
                      let n = Int(d[d.index(after: open)..<close]) else { elements = 0; break }
                elements += n
            }
            switch type {
            case .density: lanes += elements * width
            case .transition: lanes += elements * transitionLanes
            case .one: lanes += elements
            }
        }
        return lanes * MemoryLayout<R>.size
    }

    /// The lanes an element of a private array holds, by its type in Kernels/common.cl.
    private enum PrivateArrayLanes {
        case density, transition, one

        init?(typeName: Substring) {
            switch typeName {
            case "realw", "uintw", "maskw": self = .density
            case "realt", "uintt", "maskt": self = .transition
            case "real", "float", "double", "int", "uint": self = .one
            default: return nil
            }
        }
    }

    public func evaluate(_ positions: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        precondition(positions.dimension == dimension,
                     "OpenCLLogDensity: positions have dimension \(positions.dimension), model \(dimension)")
        lock.lock()
        defer { lock.unlock() }
        let parts = try withChainSplitting(chains: positions.chains) { range in
            try evaluateSlice(range.count == positions.chains ? positions : positions.chains(range))
        }
        if parts.count == 1 { return parts[0].result }
        var logDensity = [Double](repeating: .nan, count: positions.chains)
        var gradient = ChainBatch(chains: positions.chains, dimension: dimension)
        for (range, part) in parts {
            for (k, c) in range.enumerated() {
                logDensity[c] = part.logDensity[k]
                for p in 0..<dimension { gradient[c, p] = part.gradient[k, p] }
            }
        }
        return DensityBatch(logDensity: logDensity, gradient: gradient)
    }

    /// Every chain's constrained parameters and derived quantities, computed on this device
    /// (`OpenCLRecordedValues`); nil when its kernel cannot be made for this model.
    public func recordedValues(_ positions: ChainBatch) throws -> ChainBatch? {
        precondition(positions.dimension == dimension,
                     "OpenCLLogDensity: positions have dimension \(positions.dimension), model \(dimension)")
        lock.lock()
        defer { lock.unlock() }
        guard case .success(let kernel) = recordingKernel() else { return nil }
        return try kernel.recordedValues(positions)
    }

    /// Builds the recorded values' kernel now; one that cannot be made is remembered, and
    /// `recordedValues` then returns nil as it would have.
    public func prepareRecording() throws {
        lock.lock()
        defer { lock.unlock() }
        _ = recordingKernel()
    }

    /// The recorded values' kernel, made on first use. Call with the lock held.
    private func recordingKernel() -> Result<OpenCLRecordedValues<R>, Error> {
        if let recorder { return recorder }
        let made = Result {
            try OpenCLRecordedValues<R>(model, queue: queue, width: width, localSize: localSize, info: info, cache: cache)
        }
        recorder = made
        return made
    }

    /// One launch with one blocking round trip: on the in-order queue the position upload, the
    /// kernel and the log-density read are enqueued without waiting, and the blocking gradient read
    /// returns once all of them are done (PoCL wakes its worker threads once per call, not four
    /// times). Host staging memory is owned here and reused while the chain count is unchanged.
    private func evaluateSlice(_ positions: ChainBatch) throws -> DensityBatch {
        let chains = positions.chains
        let shape = shape(forChains: chains)
        let launchKernel: Kernel
        let layout: ChainLayout
        let global: Int, local: Int
        var data = dataBuffers
        var launched = generated, launchedWidth = width
        switch shape {
        case .rowsInLanes:
            (launchKernel, data, launched) = try rowsInLanesKernel()
            let groupSize = info.type == .cpu
                ? ChainLayout.cpuGroupSize(items: chains, maximum: localSize, computeUnits: info.computeUnits) : localSize
            layout = ChainLayout(chains: chains, width: 1, localSize: groupSize)
            (global, local) = (layout.globalSize, groupSize)
        case .chainPerWorkItem:
            launchedWidth = chainWidth(forChains: chains)
            launchKernel = try kernel(width: launchedWidth)
            // PoCL runs each work-group on one core: on CPU devices the groups split evenly
            // over the cores (`ChainLayout.cpuGroupSize`).
            let items = (chains + launchedWidth - 1) / launchedWidth
            let groupSize = info.type == .cpu
                ? ChainLayout.cpuGroupSize(items: items, maximum: localSize, computeUnits: info.computeUnits) : localSize
            layout = ChainLayout(chains: chains, width: launchedWidth, localSize: groupSize)
            (global, local) = (layout.workItems, groupSize)
        case .workGroupPerChain(let groupLocal, _):
            (launched, launchKernel) = try workGroupKernel(shape)
            launchedWidth = 1
            layout = ChainLayout(chains: chains, width: 1, localSize: groupLocal)
            (global, local) = (chains * groupLocal, groupLocal)
        }
        data = try heap.arguments(data, for: launched, workItems: global, width: launchedWidth)
        let d = max(1, dimension)
        if buffers?.stride != layout.stride {
            buffers = nil   // release the old ones first
            staging = nil
            buffers = (layout.stride,
                       try Buffer<R>(context: queue.context, count: d * layout.stride, access: .readOnly),
                       try Buffer<R>(context: queue.context, count: d * layout.stride, access: .writeOnly),
                       try Buffer<R>(context: queue.context, count: layout.stride, access: .writeOnly))
            staging = Staging(positions: d * layout.stride, logDensity: layout.stride)
        }
        let (_, position, gradient, logDensity) = buffers!
        let host = staging!
        if dimension > 0 {
            positions.values.withUnsafeBufferPointer {
                R.pack($0, chains: chains, stride: layout.stride, dimension: dimension, into: host.positions.baseAddress!)
            }
            try position.enqueueWrite(from: UnsafeBufferPointer(rebasing: host.positions[0..<(dimension * layout.stride)]), queue: queue)
        }
        try launchKernel.setArg(0, position)
        try launchKernel.setArg(1, gradient)
        try launchKernel.setArg(2, logDensity)
        for (k, buffer) in data.enumerated() { try launchKernel.setArg(3 + k, buffer) }
        try launchKernel.setArg(3 + data.count, Int32(layout.stride))
        let event = try queue.enqueue(launchKernel, global: global, local: local)
        try logDensity.read(into: host.logDensity, blocking: dimension == 0, queue: queue)
        if dimension > 0 {
            try gradient.read(into: UnsafeMutableBufferPointer(rebasing: host.gradient[0..<(dimension * layout.stride)]),
                              blocking: true, queue: queue)
        }
        try event.checkFinished()
        counted += DeviceTraffic(launches: 1, roundTrips: 1, bytesToDevice: dimension * layout.stride * MemoryLayout<R>.size,
                                 bytesFromDevice: (dimension + 1) * layout.stride * MemoryLayout<R>.size)
        if queue.profiling { kernelNanoseconds = try event.elapsedNanoseconds() }
        let lp = [Double](unsafeUninitializedCapacity: chains) { out, initialised in
            R.unpack(UnsafePointer(host.logDensity.baseAddress!), chains: chains, stride: layout.stride, dimension: 1, into: out)
            initialised = chains
        }
        let grad = [Double](unsafeUninitializedCapacity: chains * dimension) { out, initialised in
            if dimension > 0 {
                R.unpack(UnsafePointer(host.gradient.baseAddress!), chains: chains, stride: layout.stride, dimension: dimension, into: out)
            }
            initialised = chains * dimension
        }
        return DensityBatch(logDensity: lp, gradient: ChainBatch(chains: chains, dimension: dimension, values: grad))
    }
}

/// Host memory for one batch shape, kept alive across the non-blocking transfers of a call.
final class Staging<R: DeviceReal>: @unchecked Sendable {
    let positions: UnsafeMutableBufferPointer<R>
    let gradient: UnsafeMutableBufferPointer<R>
    let logDensity: UnsafeMutableBufferPointer<R>

    init(positions: Int, logDensity: Int) {
        self.positions = .allocate(capacity: positions)
        self.gradient = .allocate(capacity: positions)
        self.logDensity = .allocate(capacity: logDensity)
        self.positions.initialize(repeating: 0)
        self.gradient.initialize(repeating: 0)
        self.logDensity.initialize(repeating: 0)
    }

    deinit {
        positions.deallocate()
        gradient.deallocate()
        logDensity.deallocate()
    }
}

/// Which launch shape an `OpenCLLogDensity` uses (`--launch`).
public enum LaunchChoice: String, Sendable, CaseIterable {
    /// Chosen per call from the chain count, the plate's rows and the device (`shape(forChains:)`).
    case auto
    /// Always W chains per work-item.
    case chainPerWorkItem = "chain"
    /// Always one work-group per chain.
    case workGroupPerChain = "group"
    /// A chain per work-item with the plate's rows in its SIMD lanes (CPU devices; models whose
    /// row loop reads its rows' data directly, else the chain shape).
    case rowsInLanes = "rows"
}
