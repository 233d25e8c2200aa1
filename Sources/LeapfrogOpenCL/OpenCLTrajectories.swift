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
    /// The global index of the launch's chain 0: its chains draw the Philox streams of chains
    /// firstChain..<firstChain + n (`PhiloxRandom.firstChain`), so a shard of a run's chains on
    /// one device draws what those chains draw in a launch of all of them.
    public var firstChain: Int
    /// The chains of the whole batch when this launch runs one block of it (a shard), else nil:
    /// chains per work-item are chosen for the whole batch (`width(forChains:)`), so a block's
    /// chains run the vector code of one launch of every chain — the scalar and vector builds of
    /// `exp` and `log` can differ by an ulp, and NUTS's trees amplify an ulp.
    public var batchChains: Int?
    /// HMC: read the trajectories' end points (before the Metropolis test) back to the host.
    public var returnsProposal: Bool
    /// HMC: the Philox purpose word of the momentum draw (LeapfrogRandom's `RandomPurpose` raw
    /// value: `momentum` = 1; the step-size heuristic's trials draw `stepSizeSearch`,
    /// `OpenCLTrajectories.probe`).
    public var momentumPurpose: UInt32 = 1

    public init(_ kind: Kind, stepSizes: [Double], inverseMetricDiagonal: ChainBatch, seed: UInt64, iteration: Int,
                firstChain: Int = 0, batchChains: Int? = nil, returnsProposal: Bool = false) {
        self.kind = kind
        self.stepSizes = stepSizes
        self.inverseMetricDiagonal = inverseMetricDiagonal
        self.seed = seed
        self.iteration = iteration
        self.firstChain = firstChain
        self.batchChains = batchChains
        self.returnsProposal = returnsProposal
    }
}

/// What one launch of `OpenCLTrajectories` returns for every chain.
public struct TrajectoryOutcome: Sendable {
    public var positions: ChainBatch
    /// Non-finite values are −∞.
    public var logDensity: [Double]
    public var gradient: ChainBatch
    public var outputs: TrajectoryOutputs
    /// The end of every trajectory before the Metropolis test, when the launch asked for it.
    public var proposal: (position: ChainBatch, momentum: ChainBatch)?
}

/// What a transition kernel reports for every chain besides the new state.
public struct TrajectoryOutputs: Sendable {
    public var acceptProbability: [Double]
    public var energy: [Double]
    public var steps: [Int]
    /// NUTS: doublings completed; 0 for HMC.
    public var treeDepth: [Int]
    public var accepted: [Bool]
    public var divergent: [Bool]

    /// From the kernels' output rows (`flags`: 1 accepted or moved + 2 divergent; `depth` nil for HMC).
    init(acceptProbability: [Double], energy: [Double], steps: [Double], depth: [Double]?, flags: [Double]) {
        self.acceptProbability = acceptProbability
        self.energy = energy
        self.steps = steps.map { Int($0) }
        treeDepth = depth?.map { Int($0) } ?? [Int](repeating: 0, count: steps.count)
        accepted = flags.map { Int($0) & 1 != 0 }
        divergent = flags.map { Int($0) & 2 != 0 }
    }
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
    /// Bytes of streaming ring memory one transition of `chains` chains needs in the worst case
    /// (f64): what a caller sizes its groups by.
    public static func ringBytesPerTransition(chains: Int, dimension: Int) -> Int {
        chains * TransitionRing<Double>.valuesPerLaunch(dimension: dimension) * MemoryLayout<Double>.stride
    }

    public let model: BoundModel
    public let queue: CommandQueue
    public let coefficients: [Double]
    /// Chains per work-item when forced; nil: chosen per batch (`width(forChains:)`).
    public let forcedWidth: Int?
    /// The launch shape: forced, or chosen per batch (`shape(forChains:)`).
    public let launch: LaunchChoice
    public let dimension: Int
    /// NUTS's chained launches: a lane whose tree ended waits until this many of its work-item's
    /// lanes (or all that have transitions left) wait, and they start their next trees together
    /// (`NUTSSource`); nil: half the work-item's lanes (`startQuorum(lanes:)`). The draws do not
    /// depend on it, only the lanes' waiting: with 1, every lane starts its next tree at once, so
    /// lanes sit at different leaves of different trees and the kernel's own code (the momentum
    /// draw and the resets when any lane starts, the checkpoint stores and U-turn checks at every
    /// lane's tree level) runs for all of them far more often. On 16 AVX-512 lanes half the lanes,
    /// against 1, made eight schools' 4,096-chain warmup and sampling 20–25 % faster and the BNN's
    /// sampling 4 % (1,024 chains) and 8 % (128), its warmup even (docs/benchmarks.md, "A start
    /// quorum for chained NUTS").
    public var startQuorum: Int?

    /// The work-group size of ChEES's adaptation kernel (`lf_chees_adapt`, a power of two); nil:
    /// 1 on CPU devices, up to 256 on GPUs (`WarmupReducer.cheesAdaptLocalSize`). Only the order of
    /// its sums over chains depends on it.
    public var cheesAdaptLocalSize: Int?

    /// The start quorum for a work-item of `lanes` lanes: `startQuorum`, else half of them, at least 1.
    public func startQuorum(lanes: Int) -> Int { max(1, startQuorum ?? (lanes + 1) / 2) }
    /// Rows of the model's plate (0 without one): what a work-group per chain shares out.
    private let plateRows: Int
    /// An evaluation's work by rows of the plate and once per chain (`EvaluationPlan.work`).
    private let work: (rows: Double, whole: Double)
    /// Why `auto` cannot take the work-group shape on this device (its kernel did not build), or nil.
    public private(set) var groupShapeFailure: String?
    private let requestedLocalSize: Int?
    private let info: DeviceInfo
    private let cache: ProgramCache?
    private let dataBuffers: [Buffer<R>]
    /// The kernels' large arrays (`DeviceHeap`), grown to the largest launch.
    private var heap: DeviceHeap<R>
    /// The data row-blocked for the rows-in-lanes kernels (`GeneratedKernel.deviceValues`), or why
    /// the model's row loop cannot run in lanes; made on first use.
    private var rowLanesData: Result<[Buffer<R>], Error>?
    private let lock = Lock()
    private var counted = DeviceTraffic()
    private var buffers: TrajectoryBuffers<R>?
    /// Built kernels by kind, shape and width (`hmc W=8`, `nuts 10 group 32`), with their local sizes.
    private var kernels: [String: BuiltTrajectoryKernel] = [:]
    /// The state and metric the device holds now (what the last launch left there).
    private var residentState: (positions: [Double], logDensity: [Double])?
    private var residentMetric: [Double]?
    /// Streamed groups: the two rings, the next to use, groups enqueued and not collected, and
    /// whether the device holds a state the host has not read (`enqueue` with `from: nil`).
    private var rings: [TransitionRing<R>?] = [nil, nil]
    private var nextRing = 0
    private var inFlight = 0
    private var deviceAhead = false
    /// Chains of the last launch (for `residentStateValues`).
    private var lastChains: Int?
    /// Running moments of kept draws left on the device (`accumulateMoments`), and the recorded
    /// values per chain the model's device program computes (nil: it cannot), made once.
    private var moments: MomentsAccumulator<R>?
    /// The warmup reductions of `runKeepingState`, made for the current layout, and their
    /// programs by width, each built once (`prepareWarmup`, or the first reducer of that width).
    private var reducer: WarmupReducer<R>?
    private var reducerPrograms: [Int: Program] = [:]
    /// The batch the run will launch (`init`'s `expectedChains`).
    private let expectedChains: Int?
    /// The buffers of the last `runKeepingState` that reduced ChEES's partial means (its proposals,
    /// momenta and inverse metric, for `cheesSums(about:)`); nil once another launch may have
    /// overwritten them.
    private var partialMeansBuffers: TrajectoryBuffers<R>?
    /// The buffers' averaging holds the dual averaging the last adapting group left.
    private var averagingResident = false
    /// Chained ChEES groups: the shared adaptation's state (made once), the buffers of the last
    /// group, and whether the state buffer holds the adaptation the last group left.
    private var cheesState: Buffer<R>?
    private var cheesGroup: ChEESGroupBuffers<R>?
    private var cheesStateResident = false
    private var recordedCount: Result<Int, Error>?

    /// Checks the model can be generated (builds the HMC kernel) and uploads the data.
    /// `expectedChains`: the batch a run will launch, whose HMC kernel (its shape and width) is
    /// the one built here; nil builds the widest chain-shaped one (and a GPU's work-group one).
    /// Built for the run's own batch, a cold 4-chain run compiles no kernel it never launches.
    public init(_ model: BoundModel, queue: CommandQueue, coefficients: [Double], width: Int? = nil,
                localSize: Int? = nil, launch: LaunchChoice = .auto, expectedChains: Int? = nil,
                cache: ProgramCache? = ProgramCache.default) throws {
        let info = try queue.context.device.info()
        self.info = info
        heap = DeviceHeap(queue: queue, info: info, model: model.graph.name)
        self.model = model
        self.queue = queue
        self.coefficients = coefficients
        self.cache = cache
        requestedLocalSize = localSize
        dimension = model.dimension
        forcedWidth = width
        self.launch = launch
        self.expectedChains = expectedChains
        plateRows = EvaluationPlan.streamedRows(model)
        work = EvaluationPlan.streamedWork(model)
        dataBuffers = try OpenCLCodegen.generateTrajectory(model, coefficients: coefficients)
            .dataBuffers(model, width: info.chainsPerWorkItem(R.precision), queue: queue)
        let group = shape(forChains: expectedChains ?? 1)
        if let expectedChains {
            switch group {
            case .rowsInLanes:
                // Under `auto` a rows-in-lanes kernel that does not build leaves the chain shape.
                do {
                    _ = try kernel(for: .hmc(steps: []), shape: group, width: kernelWidth(group, chains: expectedChains))
                } catch where launch == .auto {
                    rowLanesData = .failure(error)
                    _ = try kernel(for: .hmc(steps: []), shape: .chainPerWorkItem, width: self.width(forChains: expectedChains))
                }
            case .chainPerWorkItem:
                _ = try kernel(for: .hmc(steps: []), shape: group, width: self.width(forChains: expectedChains))
            case .workGroupPerChain: break
            }
        } else {
            _ = try kernel(for: .hmc(steps: []), shape: .chainPerWorkItem, width: info.chainsPerWorkItem(R.precision))
        }
        // The work-group kernel is built now where it may be used, so that a device that cannot
        // build it (local memory, work-group size) fails here: forced, the caller hears it; under
        // `auto`, the chain shape is kept.
        if case .workGroupPerChain = group {
            do {
                _ = try kernel(for: .hmc(steps: []), shape: group, width: kernelWidth(group, chains: 1))
            } catch where launch == .auto {
                groupShapeFailure = "\(error)"
                if let expectedChains {
                    _ = try kernel(for: .hmc(steps: []), shape: .chainPerWorkItem, width: self.width(forChains: expectedChains))
                }
            }
        }
        // A batch whose heap exceeds the device's largest buffer fails here rather than at its
        // first transition: the caller then runs the transitions on the host, whose density
        // evaluations split the chains (`withChainSplitting`).
        if let expectedChains {
            let shape = shape(forChains: expectedChains), width = kernelWidth(shape, chains: expectedChains)
            let built = try kernel(for: .hmc(steps: []), shape: shape, width: width)
            let (_, global) = geometry(shape, width: layoutWidth(shape, kernelWidth: width), localSize: built.localSize,
                                       chains: expectedChains)
            try heap.checkSize(built.generated, workItems: global, width: width)
        }
    }

    /// The launch shape of a batch of `chains` chains (`launch` when forced). `auto` takes a
    /// work-group per chain on GPUs (never on CPU devices, where PoCL runs a group's work-items as
    /// scalar code on one core while a work-item runs W chains in SIMD lanes) when the plate has
    /// at least one row per work-item of the group and the batch has fewer chains than
    /// `groupChainsPerComputeUnit` per compute unit: one chain per work-item leaves such a GPU
    /// nearly idle and walks every row of every gradient on one thread (the README's 4-chain NUTS
    /// job ran slower on an H200 than on 2 CPU cores, docs/benchmarks.md).
    public func shape(forChains chains: Int) -> LaunchShape {
        // The device function keeps its d + 1 sums in local memory beside the reduction's columns.
        let group = LaunchShape.group(localSize: groupLocalSize, dimension: dimension, localMemory: info.localMemory,
                                      realSize: MemoryLayout<R>.size, reservedBytes: (dimension + 1) * MemoryLayout<R>.size)
        switch launch {
        case .chainPerWorkItem: return .chainPerWorkItem
        case .workGroupPerChain: return group
        case .rowsInLanes: return .rowsInLanes
        case .auto:
            if info.type == .cpu,
               OpenCLLogDensity<R>.autoShapeIsRows(chains: chains, width: rowLanes,
                                                   computeUnits: info.computeUnits, plateRows: plateRows, work: work),
               (try? rowLanesDataBuffers()) != nil {
                return .rowsInLanes
            }
            let takesGroup = groupShapeFailure == nil
                && Self.autoShapeIsGroup(device: info.type, computeUnits: info.computeUnits, plateRows: plateRows,
                                         groupLocalSize: groupLocalSize, chains: chains)
            return takesGroup ? group : .chainPerWorkItem
        }
    }

    /// How many consecutive chains of a batch wait for each other in a transition: in the chain
    /// shape a work-item's W chains share SIMD lanes and step, masked, until the longest
    /// trajectory among them stops; a chain per work-item with rows in its lanes, or a work-group
    /// per chain, waits for no other chain.
    public func chainsInLockstep(forChains chains: Int) -> Int {
        if case .chainPerWorkItem = shape(forChains: chains) { return width(forChains: chains) }
        return 1
    }

    /// `shape(forChains:)`'s `auto` rule, from the device's figures.
    public static func autoShapeIsGroup(device: DeviceInfo.DeviceType, computeUnits: Int, plateRows: Int, groupLocalSize: Int,
                                        chains: Int) -> Bool {
        device == .gpu && plateRows >= groupLocalSize && chains < computeUnits * groupChainsPerComputeUnit
    }

    /// `autoShapeIsGroup`'s bound: below this many chains per compute unit a GPU runs a
    /// work-group per chain. A chain per work-item fills an H200 (132 compute units) from about
    /// 16,384 chains (2.8e8 BNN gradients/s inside trajectories, against 2.5e7 at 1,024;
    /// docs/benchmarks.md): 16 per unit (2,112 chains there) is where a chain per work-item runs
    /// at a tenth of that. Not yet measured against the work-group shape (`scripts/gpu-bench`
    /// runs both).
    public static var groupChainsPerComputeUnit: Int { 16 }

    /// Work-items per chain in the work-group shape (`groupLocalSize(device:plateRows:maximum:)`).
    var groupLocalSize: Int { Self.groupLocalSize(device: info.type, plateRows: plateRows, maximum: info.maxWorkGroupSize) }

    /// Work-items per chain in the work-group shape: on GPUs the power of two nearest below a
    /// quarter of the plate's rows, within 32 (a warp) to 128 (the BNN's 100 rows: 32, 3–4 rows
    /// each; larger groups spend more on the d + 1 sums than they save on rows); 8 on other devices
    /// (only a forced `--launch group` uses it on CPUs). Never more than the device allows.
    public static func groupLocalSize(device: DeviceInfo.DeviceType, plateRows: Int, maximum: Int) -> Int {
        var size = 8
        if device == .gpu {
            size = 32
            while size < 128 && 2 * size <= plateRows / 4 { size *= 2 }
        }
        return max(1, min(size, maximum))
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

    /// The data as the rows-in-lanes kernels read them (with the device's full SIMD width), made
    /// on first use; throws `RowLanesUnsupported` for a model whose row loop cannot run in lanes.
    private func rowLanesDataBuffers() throws -> [Buffer<R>] {
        if let rowLanesData { return try rowLanesData.get() }
        let made = Result { () throws -> [Buffer<R>] in
            try OpenCLCodegen.generateTrajectory(model, coefficients: coefficients, shape: .rowsInLanes)
                .dataBuffers(model, width: rowLanes, queue: queue)
        }
        rowLanesData = made
        return try made.get()
    }

    /// Rows per work-item in the rows-in-lanes shape: the forced width, else the device's SIMD width.
    private var rowLanes: Int { forcedWidth ?? info.chainsPerWorkItem(R.precision) }

    /// Chains per work-item of `shape`'s kernel for a batch: the rows-in-lanes kernel runs the
    /// device's full width of rows (or the forced width).
    private func kernelWidth(_ shape: LaunchShape, chains: Int) -> Int {
        switch shape {
        case .chainPerWorkItem: return width(forChains: chains)
        case .rowsInLanes: return rowLanes
        case .workGroupPerChain: return 1
        }
    }

    /// The generated source of a kind's kernel (building it if needed), to read or profile.
    public func source(for kind: TrajectoryLaunch.Kind, chains: Int) throws -> String {
        try lock.withLock {
            let shape = shape(forChains: chains)
            return try kernel(for: kind, shape: shape, width: kernelWidth(shape, chains: chains)).generated.source
        }
    }

    /// The private bytes one work-item of `kind`'s kernel declares for a batch of `chains` chains
    /// (`OpenCLLogDensity.privateBytes`), and the most work-items one of its work-groups holds: on
    /// CPU devices their product stays within `OpenCLLogDensity.cpuPrivateBudget`, since PoCL runs
    /// a work-group on one thread's stack.
    public func privateMemory(_ kind: TrajectoryLaunch.Kind, chains: Int) throws -> (perItem: Int, groupSize: Int) {
        try lock.withLock {
            let shape = shape(forChains: chains), width = kernelWidth(shape, chains: chains)
            let built = try kernel(for: kind, shape: shape, width: width)
            if case .workGroupPerChain(let local, _) = shape { return (built.privateBytesPerItem, local) }
            let perItem = layoutWidth(shape, kernelWidth: width)
            return (built.privateBytesPerItem, groupSize(items: (chains + perItem - 1) / perItem, maximum: built.localSize))
        }
    }

    private func kernel(for kind: TrajectoryLaunch.Kind, shape: LaunchShape, width: Int)
        throws -> BuiltTrajectoryKernel {
        var key: String
        switch kind {
        case .hmc: key = "hmc"
        case .nuts(let depth): key = "nuts \(depth)"
        }
        key += " W=\(width)"
        if case .workGroupPerChain(let local, let columns) = shape { key += " group \(local)×\(columns)" }
        if shape == .rowsInLanes { key += " rows" }
        if let built = kernels[key] { return built }
        let generated: GeneratedKernel
        switch kind {
        case .hmc: generated = try OpenCLCodegen.generateTrajectory(model, coefficients: coefficients, shape: shape)
        case .nuts(let depth):
            generated = try OpenCLCodegen.generateNUTS(model, maxDepth: depth, coefficients: coefficients, shape: shape)
        }
        // A work-group per chain runs `groupLocal` work-items of one lane each on a CPU core.
        var groupLocal = 1
        if case .workGroupPerChain(let local, _) = shape { groupLocal = local }
        // The transitions' state (`realt`) holds one chain with rows in lanes, W chains otherwise.
        let perItem = OpenCLLogDensity<R>.privateBytes(generated.source, width: width,
                                                       transitionLanes: shape == .rowsInLanes ? 1 : width)
        var local = groupLocal > 1 ? groupLocal : requestedLocalSize ?? info.defaultLocalSize
        if info.type == .cpu {
            let budget = OpenCLLogDensity<R>.cpuPrivateBudget
            guard perItem * groupLocal <= budget else {
                throw LeapfrogError(.device, "the \(key) kernel of model '\(model.graph.name)' needs \(perItem * groupLocal / 1024) "
                                    + "KiB of private memory per work-group on '\(info.name)', more than \(budget / 1024) KiB")
            }
            if requestedLocalSize == nil && groupLocal == 1 { local = max(1, min(local, budget / max(perItem, 1))) }
        }
        let program = try KernelLibrary.build(context: queue.context, files: generated.libraryFiles, extra: generated.source,
                                              precision: R.precision, width: width, defines: generated.defines, cache: cache)
        let built = BuiltTrajectoryKernel(kernel: try Kernel(program: program, name: generated.kernelName), generated: generated,
                                          localSize: local, privateBytesPerItem: perItem)
        kernels[key] = built
        return built
    }

    /// Work-items per group of a launch of `items` work-items, at most `maximum` (the kernel's local
    /// size): on CPU devices a group count that splits evenly over the cores (`ChainLayout.cpuGroupSize`).
    private func groupSize(items: Int, maximum: Int) -> Int {
        info.type == .cpu ? ChainLayout.cpuGroupSize(items: items, maximum: maximum, computeUnits: info.computeUnits) : maximum
    }

    /// Chains per work-item of the buffers' layout: the kernel's width in the chain shape, one with
    /// the rows in lanes (the work-group shape lays chains out one per group).
    private func layoutWidth(_ shape: LaunchShape, kernelWidth: Int) -> Int {
        shape == .chainPerWorkItem ? kernelWidth : 1
    }

    /// The kernel, launch shape and buffers for a launch of `chains` chains (reallocating the
    /// buffers, and forgetting what the device holds, when the layout changed); the width is chosen
    /// for `batchChains` (`TrajectoryLaunch.batchChains`). Every launch starts here, so ChEES's
    /// kept proposals are forgotten (the launch may overwrite them). Call with the lock held.
    private func prepare(_ kind: TrajectoryLaunch.Kind, chains: Int, batchChains: Int?) throws -> LaunchSetup<R> {
        partialMeansBuffers = nil
        let shape = shape(forChains: batchChains ?? chains)
        let kernelWidth = kernelWidth(shape, chains: batchChains ?? chains)
        let built = try self.kernel(for: kind, shape: shape, width: kernelWidth)
        let width = layoutWidth(shape, kernelWidth: kernelWidth)
        var data = shape == .rowsInLanes ? try rowLanesDataBuffers() : dataBuffers
        let (layout, global) = geometry(shape, width: width, localSize: built.localSize, chains: chains)
        data = try heap.arguments(data, for: built.generated, workItems: global, width: kernelWidth)
        lastChains = chains
        if buffers?.stride != layout.stride || buffers?.width != width {
            buffers = nil
            averagingResident = false
            cheesStateResident = false
            rings = [nil, nil]
            residentState = nil
            deviceAhead = false
            residentMetric = nil
            buffers = try TrajectoryBuffers<R>(context: queue.context, dimension: dimension, stride: layout.stride, width: width)
        }
        return LaunchSetup(kernel: built.kernel, layout: layout, globalSize: global, buffers: buffers!, data: data)
    }

    /// The chains' layout in a launch of `chains` chains of `shape` (`width` chains per work-item
    /// of the layout, `localSize` the kernel's), and the work-items it launches: the layout's (a
    /// multiple of its local size), or chains × the group's size for a work-group per chain.
    private func geometry(_ shape: LaunchShape, width: Int, localSize: Int, chains: Int) -> (layout: ChainLayout, global: Int) {
        if case .workGroupPerChain(let groupLocal, _) = shape {
            return (ChainLayout(chains: chains, width: 1, localSize: groupLocal), chains * groupLocal)
        }
        let layout = ChainLayout(chains: chains, width: width,
                                 localSize: groupSize(items: (chains + width - 1) / width, maximum: localSize))
        return (layout, layout.globalSize)
    }

    /// Packs chain-fastest `values` (`rows` per chain) into `staging` and enqueues its copy to `buffer`.
    private func upload(_ values: [Double], rows: Int, chains: Int, stride s: Int, to buffer: Buffer<R>,
                        staging: UnsafeMutableBufferPointer<R>, traffic: inout DeviceTraffic) throws {
        let slice = UnsafeMutableBufferPointer(rebasing: staging[0..<(rows * s)])
        values.withUnsafeBufferPointer { R.pack($0, chains: chains, stride: s, dimension: rows, into: slice.baseAddress!) }
        try buffer.enqueueWrite(from: UnsafeBufferPointer(slice), queue: queue)
        traffic.bytesToDevice += rows * s * MemoryLayout<R>.size
    }

    /// Uploads the state unless the device holds it, and the metric unless it is the device's.
    private func makeResident(_ setup: LaunchSetup<R>, positions: ChainBatch, logDensity: [Double], gradient: ChainBatch,
                              metric: ChainBatch, traffic: inout DeviceTraffic) throws {
        let chains = positions.chains, s = setup.layout.stride, d = dimension, bufs = setup.buffers
        if residentState == nil || residentState!.positions != positions.values || residentState!.logDensity != logDensity {
            try upload(positions.values, rows: d, chains: chains, stride: s, to: bufs.position, staging: bufs.hostPosition,
                       traffic: &traffic)
            try upload(gradient.values, rows: d, chains: chains, stride: s, to: bufs.gradient, staging: bufs.hostGradient,
                       traffic: &traffic)
            try upload(logDensity, rows: 1, chains: chains, stride: s, to: bufs.logDensity, staging: bufs.hostLogDensity,
                       traffic: &traffic)
        }
        try makeMetricResident(setup, metric, traffic: &traffic)
    }

    /// Warmup's start: `start` uploaded unless the device holds it, or when nil the state the
    /// device holds (which must exist); the metric unless it is the device's.
    private func makeResident(_ setup: LaunchSetup<R>,
                              _ start: (positions: ChainBatch, logDensity: [Double], gradient: ChainBatch)?,
                              metric: ChainBatch, traffic: inout DeviceTraffic, caller: String) throws {
        if let start {
            try makeResident(setup, positions: start.positions, logDensity: start.logDensity, gradient: start.gradient,
                             metric: metric, traffic: &traffic)
        } else {
            precondition(residentState != nil || deviceAhead, "OpenCLTrajectories.\(caller): no state on the device")
            try makeMetricResident(setup, metric, traffic: &traffic)
        }
    }

    /// The warmup reductions for `chains` chains in `buffers`' layout (made anew when it changed).
    private func warmupReducer(chains: Int, buffers bufs: TrajectoryBuffers<R>) throws -> WarmupReducer<R> {
        if let reducer, reducer.stride == bufs.stride, reducer.chains == chains, reducer.width == bufs.width { return reducer }
        let made = try WarmupReducer<R>(program: try warmupProgram(width: bufs.width), queue: queue, chains: chains,
                                        stride: bufs.stride, width: bufs.width, dimension: dimension)
        reducer = made
        return made
    }

    /// The warmup reductions' program at this precision and `width`, built once.
    private func warmupProgram(width: Int) throws -> Program {
        if let built = reducerPrograms[width] { return built }
        let made = try WarmupReducer<R>.program(context: queue.context, width: width, cache: cache)
        reducerPrograms[width] = made
        return made
    }

    /// The warmup reductions' program for the batch `init` expected (nothing when it expected
    /// none), built before the run's clock starts instead of in its first iteration.
    public func prepareWarmup() throws {
        lock.lock()
        defer { lock.unlock() }
        guard let chains = expectedChains else { return }
        let shape = shape(forChains: chains)
        _ = try warmupProgram(width: layoutWidth(shape, kernelWidth: kernelWidth(shape, chains: chains)))
    }

    /// Uploads diag M⁻¹ unless it is the device's.
    private func makeMetricResident(_ setup: LaunchSetup<R>, _ metric: ChainBatch, traffic: inout DeviceTraffic) throws {
        if residentMetric != metric.values {
            try upload(metric.values, rows: dimension, chains: metric.chains, stride: setup.layout.stride,
                       to: setup.buffers.inverseMetric, staging: setup.buffers.hostMetric, traffic: &traffic)
            residentMetric = metric.values
        }
    }

    /// The per-launch buffers of a launch: its step sizes and step counts in, its five per-chain
    /// outputs out, all at row `slot` (the state buffers a launch reads and writes are the setup's).
    struct LaunchRows {
        let stepSize, steps, acceptProbability, energy, taken, depth, flags, kept: Buffer<R>
        /// Per row, the slot of `kept` its sample goes to (−1: none).
        let keptSlot: Buffer<Int32>
        let slot: Int
        /// Warmup's chained NUTS groups: every chain's dual averaging (`StepSizeAveraging`), which
        /// the kernel continues after each transition; nil elsewhere.
        let averaging: Buffer<R>?

        /// A single transition's: the setup's own buffers, row 0, nothing kept (a slot of −1 writes
        /// nothing, so `kept` is bound to the positions only because the argument must be a buffer).
        init(_ bufs: TrajectoryBuffers<R>) {
            (stepSize, steps, acceptProbability, energy, taken, depth, flags, slot) =
                (bufs.stepSize, bufs.steps, bufs.acceptProbability, bufs.energy, bufs.taken, bufs.depth, bufs.flags, 0)
            (kept, keptSlot, averaging) = (bufs.position, bufs.keepsNothing, nil)
        }

        /// Row `slot` of a streamed group's ring; with `averaging`, a warmup group that adapts.
        init(_ ring: TransitionRing<R>, slot: Int, averaging: Buffer<R>? = nil) {
            (stepSize, steps, acceptProbability, energy, taken, depth, flags, self.slot) =
                (ring.stepSize, ring.steps, ring.acceptProbability, ring.energy, ring.taken, ring.depth, ring.flags, slot)
            (kept, keptSlot, self.averaging) = (ring.kept, ring.keptSlot, averaging)
        }
    }

    /// Sets the kernel's arguments for `launch` and enqueues it (its step sizes, and HMC's step
    /// counts, must already be in row `rows.slot` of `rows.stepSize` and `rows.steps`). The kernel
    /// runs `chained` transitions from row `rows.slot` on (`TrajectorySource`, `NUTSSource`), the
    /// kept ones' samples to the slots of `rows.kept` that `rows.keptSlot` names; HMC's loop runs
    /// to `maxSteps` (the most steps of the chained launches; `launch`'s own by default).
    @discardableResult
    private func enqueueKernel(_ setup: LaunchSetup<R>, _ launch: TrajectoryLaunch, rows: LaunchRows,
                               returnsProposal: Bool, chained: Int = 1, moves: Bool = true, maxSteps: Int? = nil) throws -> Event {
        let bufs = setup.buffers, kernel = setup.kernel
        var arguments: [Buffer<R>]
        // The kept slots (an int buffer) after the real buffers, then NUTS's averaging (bound to the
        // positions when unused); the chained count after `slot`, and NUTS's adapt flag, start
        // quorum and the launch's chains.
        var averaging: Buffer<R>?
        var afterSlot: [UInt32] = [UInt32(chained)]
        var scalars: [UInt32] = [UInt32(truncatingIfNeeded: launch.seed), UInt32(truncatingIfNeeded: launch.seed >> 32),
                                 UInt32(truncatingIfNeeded: launch.iteration), UInt32(truncatingIfNeeded: launch.firstChain)]
        switch launch.kind {
        case .hmc(let steps):
            arguments = [bufs.position, bufs.gradient, bufs.logDensity, rows.stepSize, rows.steps, bufs.inverseMetric,
                         rows.acceptProbability, rows.energy, rows.taken, rows.flags, bufs.proposalPosition, bufs.proposalMomentum,
                         rows.kept]
            scalars += [UInt32(maxSteps ?? steps.max() ?? 0), returnsProposal ? 1 : 0, launch.momentumPurpose, moves ? 1 : 0]
        case .nuts:
            arguments = [bufs.position, bufs.gradient, bufs.logDensity, rows.stepSize, bufs.inverseMetric,
                         rows.acceptProbability, rows.energy, rows.taken, rows.depth, rows.flags, rows.kept]
            averaging = rows.averaging ?? bufs.position
            afterSlot += [rows.averaging == nil ? 0 : 1, UInt32(startQuorum(lanes: setup.layout.width)),
                          UInt32(setup.layout.chains)]
        }
        scalars += [UInt32(rows.slot)] + afterSlot
        var k = 0
        for buffer in arguments { try kernel.setArg(k, buffer); k += 1 }
        try kernel.setArg(k, rows.keptSlot)
        k += 1
        if let averaging { try kernel.setArg(k, averaging); k += 1 }
        for value in scalars { try kernel.setArg(k, value); k += 1 }
        for buffer in setup.data { try kernel.setArg(k, buffer); k += 1 }
        try kernel.setArg(k, Int32(setup.layout.stride))
        return try queue.enqueue(kernel, global: setup.globalSize, local: setup.layout.localSize)
    }

    /// Enqueues `reads` (buffer, host staging, rows of `stride`), the last one blocking, so the host
    /// waits once; checks that `event` (the launch) finished and counts the traffic.
    private func readAll(_ reads: [(Buffer<R>, UnsafeMutableBufferPointer<R>, Int)], stride s: Int, after event: Event,
                         traffic: inout DeviceTraffic) throws {
        for (n, read) in reads.enumerated() {
            try read.0.read(into: UnsafeMutableBufferPointer(rebasing: read.1[0..<(read.2 * s)]), blocking: n == reads.count - 1,
                            queue: queue)
            traffic.bytesFromDevice += read.2 * s * MemoryLayout<R>.size
        }
        try event.checkFinished()
        counted += traffic
    }

    /// Chain-fastest values of `rows` rows from padded device-layout staging memory.
    private func unpack(_ host: UnsafeMutableBufferPointer<R>, offset: Int = 0, rows: Int, chains: Int, stride s: Int) -> [Double] {
        [Double](unsafeUninitializedCapacity: chains * rows) { out, initialised in
            R.unpack(UnsafePointer(host.baseAddress! + offset), chains: chains, stride: s, dimension: rows, into: out)
            initialised = chains * rows
        }
    }

    /// One transition of every chain from (`positions`, `logDensity`, `gradient`).
    public func run(_ launch: TrajectoryLaunch, positions: ChainBatch, logDensity: [Double],
                    gradient: ChainBatch) throws -> TrajectoryOutcome {
        let chains = positions.chains, d = dimension
        lock.lock()
        defer { lock.unlock() }
        var traffic = DeviceTraffic(launches: 1, roundTrips: 1)
        let setup = try stage(launch, positions: positions, logDensity: logDensity, gradient: gradient, traffic: &traffic,
                              caller: "run")
        let s = setup.layout.stride, bufs = setup.buffers
        var returnsProposal = false
        if case .hmc = launch.kind { returnsProposal = launch.returnsProposal }
        let event = try enqueueKernel(setup, launch, rows: LaunchRows(bufs), returnsProposal: returnsProposal)

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
        try readAll(reads, stride: s, after: event, traffic: &traffic)

        func unpack(_ host: UnsafeMutableBufferPointer<R>, _ rows: Int) -> [Double] {
            self.unpack(host, rows: rows, chains: chains, stride: s)
        }
        let newPositions = unpack(bufs.hostPosition, d)
        let newLogDensity = unpack(bufs.hostLogDensity, 1).map { $0.isFinite ? $0 : -.infinity }
        residentState = (newPositions, newLogDensity)
        var depth: [Double]?
        if case .nuts = launch.kind { depth = unpack(bufs.hostDepth, 1) }
        return TrajectoryOutcome(
            positions: ChainBatch(chains: chains, dimension: d, values: newPositions), logDensity: newLogDensity,
            gradient: ChainBatch(chains: chains, dimension: d, values: unpack(bufs.hostGradient, d)),
            outputs: TrajectoryOutputs(acceptProbability: unpack(bufs.hostAcceptProbability, 1), energy: unpack(bufs.hostEnergy, 1),
                                       steps: unpack(bufs.hostTaken, 1), depth: depth, flags: unpack(bufs.hostFlags, 1)),
            proposal: returnsProposal
                ? (ChainBatch(chains: chains, dimension: d, values: unpack(bufs.hostProposalPosition, d)),
                   ChainBatch(chains: chains, dimension: d, values: unpack(bufs.hostProposalMomentum, d))) : nil)
    }

    /// A trial of the step-size heuristic (`StepSizeSearch`, the host's twin): one HMC launch
    /// of `launch.kind` = `.hmc(steps)` (1 step for the chains still searching, 0 for the others)
    /// from (`positions`, `logDensity`, `gradient`), uploaded unless the device holds them, the
    /// momentum drawn with `launch.momentumPurpose`, and the state left where it was (`moves` =
    /// 0). Returns every chain's acceptance probability min(1, e^{H₀ − H}) (0 where the step's
    /// density is not finite). One launch and one round trip reading S·b bytes, where the host's
    /// trial sent the positions out and read positions and gradients back ((2d + 1)·S·b).
    public func probe(_ launch: TrajectoryLaunch, positions: ChainBatch, logDensity: [Double],
                      gradient: ChainBatch) throws -> [Double] {
        guard case .hmc = launch.kind else { preconditionFailure("OpenCLTrajectories.probe: an HMC launch") }
        lock.lock()
        defer { lock.unlock() }
        var traffic = DeviceTraffic(launches: 1, roundTrips: 1)
        let setup = try stage(launch, positions: positions, logDensity: logDensity, gradient: gradient, traffic: &traffic,
                              caller: "probe")
        let s = setup.layout.stride, bufs = setup.buffers
        residentState = (positions.values, logDensity)
        deviceAhead = false
        let event = try enqueueKernel(setup, launch, rows: LaunchRows(bufs), returnsProposal: false, moves: false)
        try readAll([(bufs.acceptProbability, bufs.hostAcceptProbability, 1)], stride: s, after: event, traffic: &traffic)
        return unpack(bufs.hostAcceptProbability, rows: 1, chains: positions.chains, stride: s)
    }

    /// `run`'s and `probe`'s start (the lock held): the launch's setup with the state (uploaded
    /// unless the device holds it), the metric, the step sizes and HMC's step counts on the device.
    private func stage(_ launch: TrajectoryLaunch, positions: ChainBatch, logDensity: [Double], gradient: ChainBatch,
                       traffic: inout DeviceTraffic, caller: String) throws -> LaunchSetup<R> {
        let chains = positions.chains, d = dimension
        precondition(positions.dimension == d && gradient.dimension == d && logDensity.count == chains
                     && launch.stepSizes.count == chains
                     && launch.inverseMetricDiagonal.chains == chains && launch.inverseMetricDiagonal.dimension == d,
                     "OpenCLTrajectories.\(caller): shapes disagree")
        precondition(inFlight == 0, "OpenCLTrajectories.\(caller): collect every enqueued group first")
        let setup = try prepare(launch.kind, chains: chains, batchChains: launch.batchChains)
        let s = setup.layout.stride, bufs = setup.buffers
        try makeResident(setup, positions: positions, logDensity: logDensity, gradient: gradient,
                         metric: launch.inverseMetricDiagonal, traffic: &traffic)
        try upload(launch.stepSizes, rows: 1, chains: chains, stride: s, to: bufs.stepSize, staging: bufs.hostStepSize,
                   traffic: &traffic)
        if case .hmc(let steps) = launch.kind {
            precondition(steps.count == chains, "OpenCLTrajectories.\(caller): \(steps.count) step counts for \(chains) chains")
            try upload(steps.map(Double.init), rows: 1, chains: chains, stride: s, to: bufs.steps, staging: bufs.hostSteps,
                       traffic: &traffic)
        }
        return setup
    }

    // MARK: - Warmup with the state kept on the device

    /// One transition of every chain that leaves the state on the device (warmup, issue 13): from
    /// `start` (uploaded unless the device holds it), or from the state the device holds when nil;
    /// `reductions` are computed there (`WarmupReducer`, Kernels/warmup.cl), and what comes back
    /// is the per-chain outputs, the new log densities and those reductions. One launch of the
    /// transition (plus the reductions' launches) and one blocking round trip; read back
    /// (5 or 6 + k + 3)·S·b bytes (k projections, 3 ChEES sums) where `run` reads (2d + 6)·S·b and
    /// ChEES's proposals 2d·S·b more. The window moments stay until `takeWindowMoments`;
    /// `residentStateValues` reads the state when the host needs it.
    public func runKeepingState(_ launch: TrajectoryLaunch,
                                from start: (positions: ChainBatch, logDensity: [Double], gradient: ChainBatch)?,
                                reductions: WarmupReductionRequest) throws -> KeptTransitionOutcome {
        let chains = launch.stepSizes.count, d = dimension
        precondition(launch.inverseMetricDiagonal.chains == chains && launch.inverseMetricDiagonal.dimension == d,
                     "OpenCLTrajectories.runKeepingState: shapes disagree")
        lock.lock()
        defer { lock.unlock() }
        precondition(inFlight == 0, "OpenCLTrajectories.runKeepingState: collect every enqueued group first")
        let setup = try prepare(launch.kind, chains: chains, batchChains: launch.batchChains)
        let s = setup.layout.stride, bufs = setup.buffers
        var traffic = DeviceTraffic(launches: 1, roundTrips: 1)
        try makeResident(setup, start, metric: launch.inverseMetricDiagonal, traffic: &traffic, caller: "runKeepingState")
        try upload(launch.stepSizes, rows: 1, chains: chains, stride: s, to: bufs.stepSize, staging: bufs.hostStepSize,
                   traffic: &traffic)
        var proposal = false
        if case .hmc(let steps) = launch.kind {
            try upload(steps.map(Double.init), rows: 1, chains: chains, stride: s, to: bufs.steps, staging: bufs.hostSteps,
                       traffic: &traffic)
            proposal = reductions.cheesSums || reductions.cheesPartialMeans
        }
        precondition(!(reductions.cheesSums || reductions.cheesPartialMeans) || proposal,
                     "OpenCLTrajectories.runKeepingState: ChEES sums need HMC")
        let reducer = try warmupReducer(chains: chains, buffers: bufs)
        if proposal {
            try reducer.enqueueStart(from: bufs.position)
        }
        let event = try enqueueKernel(setup, launch, rows: LaunchRows(bufs), returnsProposal: proposal)
        traffic.launches += try reducer.enqueue(reductions, position: bufs.position, gradient: bufs.gradient,
                                                proposal: bufs.proposalPosition,
                                                momentum: bufs.proposalMomentum, accept: bufs.acceptProbability,
                                                flags: bufs.flags, inverseMetric: bufs.inverseMetric)
        var reads: [(Buffer<R>, UnsafeMutableBufferPointer<R>, Int)] = [
            (bufs.logDensity, bufs.hostLogDensity, 1), (bufs.acceptProbability, bufs.hostAcceptProbability, 1),
            (bufs.energy, bufs.hostEnergy, 1), (bufs.taken, bufs.hostTaken, 1),
        ]
        if case .nuts = launch.kind { reads.append((bufs.depth, bufs.hostDepth, 1)) }
        if reductions.projections > 0 {
            reads.append((reducer.projections!, reducer.hostProjections!, reductions.projections))
        }
        if reductions.cheesSums { reads.append((reducer.sums, reducer.hostSums, 3)) }
        reads.append((bufs.flags, bufs.hostFlags, 1))
        if reductions.cheesPartialMeans { traffic.bytesFromDevice += try reducer.enqueuePartialRead() }
        try readAll(reads, stride: s, after: event, traffic: &traffic)
        residentState = nil
        deviceAhead = true
        partialMeansBuffers = reductions.cheesPartialMeans ? bufs : nil

        func unpack(_ host: UnsafeMutableBufferPointer<R>, _ rows: Int) -> [Double] {
            self.unpack(host, rows: rows, chains: chains, stride: s)
        }
        var depth: [Double]?
        if case .nuts = launch.kind { depth = unpack(bufs.hostDepth, 1) }
        return KeptTransitionOutcome(
            logDensity: unpack(bufs.hostLogDensity, 1).map { $0.isFinite ? $0 : -.infinity },
            outputs: TrajectoryOutputs(acceptProbability: unpack(bufs.hostAcceptProbability, 1), energy: unpack(bufs.hostEnergy, 1),
                                       steps: unpack(bufs.hostTaken, 1), depth: depth, flags: unpack(bufs.hostFlags, 1)),
            projections: reductions.projections > 0
                ? ChainBatch(chains: chains, dimension: reductions.projections,
                             values: unpack(reducer.hostProjections!, reductions.projections)) : nil,
            cheesSums: reductions.cheesSums ? cheesSums(readInto: reducer) : nil,
            cheesPartialMeans: reductions.cheesPartialMeans ? reducer.partialMeans() : nil)
    }

    /// ChEES's per-chain sums about a split batch's `means` for the transition the last
    /// `runKeepingState` ran with `cheesPartialMeans` (its starts and proposals still on the
    /// device): one launch (`lf_chees_sums`) and one round trip, (2d + 1)·b bytes to the device
    /// and 3·S·b back.
    public func cheesSums(about means: ChEESPartialMeans) throws -> ChEESSums {
        lock.lock()
        defer { lock.unlock() }
        guard let bufs = partialMeansBuffers, let reducer, reducer.stride == bufs.stride else {
            throw LeapfrogError(.device, "OpenCLTrajectories.cheesSums(about:): no ChEES transition with partial means is on the device")
        }
        precondition(means.dimension == dimension, "OpenCLTrajectories.cheesSums(about:): means of dimension \(means.dimension)")
        var traffic = DeviceTraffic(launches: 1, roundTrips: 1)
        traffic.bytesToDevice += try reducer.enqueueSums(about: means, proposal: bufs.proposalPosition, momentum: bufs.proposalMomentum,
                                                         inverseMetric: bufs.inverseMetric)
        try reducer.sums.read(into: UnsafeMutableBufferPointer(rebasing: reducer.hostSums[0..<(3 * reducer.stride)]), blocking: true,
                              queue: queue)
        traffic.bytesFromDevice += 3 * reducer.stride * MemoryLayout<R>.size
        counted += traffic
        return cheesSums(readInto: reducer)
    }

    /// ChEES's per-chain sums as read into `reducer.hostSums` (3 rows of its stride).
    private func cheesSums(readInto reducer: WarmupReducer<R>) -> ChEESSums {
        let n = reducer.chains
        let all = unpack(reducer.hostSums, rows: 3, chains: n, stride: reducer.stride)
        return ChEESSums(proposalSpread: Array(all[0..<n]), startSpread: Array(all[n..<(2 * n)]),
                         proposalAlongVelocity: Array(all[(2 * n)...]))
    }

    /// Every chain's window moments added by `runKeepingState` since the last call (then
    /// forgotten), or nil when none were.
    public func takeWindowMoments() throws -> DeviceWindowMoments? {
        lock.lock()
        defer { lock.unlock() }
        guard let reducer, reducer.windowCount > 0 else { return nil }
        let moments = try reducer.takeWindowMoments()
        counted += DeviceTraffic(roundTrips: 2, bytesFromDevice: reducer.windowMomentBytes)
        return moments
    }

    /// `count` consecutive warmup transitions of every chain in one chained NUTS launch
    /// (`NUTSSource` with `adapt`) that leaves the state on the device, for an adaptation that
    /// couples no chains between its synchronisation points: each chain adapts its own step size by
    /// dual averaging after every transition (transitions launch.iteration ..< + count, the tuning
    /// otherwise fixed), from `averaging`, or when nil from where the last group left it on the
    /// device (`launch.stepSizes` are then not read). Every transition's
    /// sample is kept in a ring on the device, and `reductions` (window moments, projections) are
    /// computed from those samples in order (`WarmupReducer.enqueueKept`), so the group leaves what
    /// `count` calls of `runKeepingState` would. Enqueues the group without waiting for it:
    /// `collectWarmupGroup` waits and returns each transition's outputs, log densities and
    /// projections. Nothing else may run on this program while the group is in flight.
    ///
    /// Cost per group (S the padded chains, b bytes per real, k projections): one launch of the
    /// transitions and up to two per transition for the reductions, one blocking round trip; to the
    /// device (4S + 3)·b of averaging when given and `count` kept-slot indices; from the device
    /// (6 + k)·S·b per transition (five outputs, the log density, the projections). A work-item's
    /// lanes wait for each other once, at their longest sum of trees over the group, where
    /// `runKeepingState` makes them wait at every transition's deepest.
    public func enqueueAdaptingKeepingState(_ launch: TrajectoryLaunch, count: Int, averaging: StepSizeAveraging?,
                                            from start: (positions: ChainBatch, logDensity: [Double], gradient: ChainBatch)?,
                                            reductions: WarmupReductionRequest) throws -> PendingWarmupGroup {
        let chains = launch.stepSizes.count, d = dimension
        guard case .nuts = launch.kind else { preconditionFailure("OpenCLTrajectories.enqueueAdaptingKeepingState: NUTS only") }
        precondition(count >= 1 && (averaging?.chains ?? chains) == chains && !reductions.cheesSums
                     && launch.inverseMetricDiagonal.chains == chains && launch.inverseMetricDiagonal.dimension == d,
                     "OpenCLTrajectories.enqueueAdaptingKeepingState: shapes disagree")
        lock.lock()
        defer { lock.unlock() }
        var traffic = DeviceTraffic(launches: 1, roundTrips: 1)
        let (setup, ring) = try warmupGroup(launch, count: count, from: start, traffic: &traffic,
                                            caller: "enqueueAdaptingKeepingState")
        let s = setup.layout.stride, bufs = setup.buffers, b = MemoryLayout<R>.size
        if let averaging {
            (averaging.counter + averaging.errorMean + averaging.mu + averaging.stepSize).withUnsafeBufferPointer {
                R.pack($0, chains: chains, stride: s, dimension: 4, into: bufs.hostAveraging.baseAddress!)
            }
            for (k, constant) in [averaging.target, averaging.gamma, averaging.t0].enumerated() {
                bufs.hostAveraging[4 * s + k] = R(constant)
            }
            try bufs.averaging.enqueueWrite(from: UnsafeBufferPointer(bufs.hostAveraging), queue: queue)
            traffic.bytesToDevice += (4 * s + 3) * b
        } else {
            precondition(averagingResident, "OpenCLTrajectories.enqueueAdaptingKeepingState: no averaging on the device to continue")
        }
        averagingResident = true
        for j in 0..<count { ring.hostKeptSlot[j] = Int32(j) }
        try ring.keptSlot.enqueueWrite(from: UnsafeBufferPointer(rebasing: ring.hostKeptSlot[0..<count]), queue: queue)
        traffic.bytesToDevice += count * MemoryLayout<Int32>.size
        let reducer = try warmupReducer(chains: chains, buffers: bufs)
        let event = try enqueueKernel(setup, launch, rows: LaunchRows(ring, slot: 0, averaging: bufs.averaging),
                                      returnsProposal: false, chained: count)
        traffic.launches += try reducer.enqueueKept(reductions, kept: ring.kept, count: count)

        // The outputs' rows, each transition's log density (its kept slot's last row) and the
        // projections, non-blocking; `collectWarmupGroup` waits once for them all.
        for t in 0..<count {
            let offset = (t * (d + 1) + d) * s
            _ = try ring.kept.enqueueRead(into: UnsafeMutableBufferPointer(rebasing: ring.hostKept[offset..<(offset + s)]),
                                          offset: offset, queue: queue)
        }
        traffic.bytesFromDevice += count * s * b
        return try enqueued(.nuts, launch, ring: ring, count: count, chains: chains, reducer: reducer,
                            projections: reductions.projections, event: event, traffic: traffic)
    }

    /// Waits for a group `enqueueAdaptingKeepingState` or `enqueueChEESKeepingState` returned (one
    /// wait) and returns each transition's outputs, log densities, projections and (ChEES) record.
    public func collectWarmupGroup(_ pending: PendingWarmupGroup) throws -> [KeptTransitionOutcome] {
        lock.lock()
        defer { lock.unlock() }
        precondition(inFlight == 1, "OpenCLTrajectories.collectWarmupGroup: no group in flight")
        inFlight -= 1
        try queue.finish()
        try pending.event?.checkFinished()
        counted += pending.traffic
        guard let ring = rings[0], let reducer = reducer else {
            preconditionFailure("OpenCLTrajectories.collectWarmupGroup: the group's buffers are gone")
        }
        let s = ring.stride, chains = pending.chains, d = dimension, nuts = pending.adaptation == .nuts
        let group = nuts ? nil : cheesGroup
        precondition(nuts || group != nil, "OpenCLTrajectories.collectWarmupGroup: no ChEES buffers")
        let recordValues = ChEESGroupBuffers<R>.recordValues
        return (0..<pending.count).map { t in
            let (outputs, projections) = groupTransition(t, ring: ring, reducer: reducer, projections: pending.projections,
                                                         chains: chains, depth: nuts)
            // NUTS's log density is its kept slot's last row; ChEES's has a row per transition.
            let logDensity = group.map { unpack($0.hostLogDensity, offset: t * s, rows: 1, chains: chains, stride: s) }
                ?? unpack(ring.hostKept, offset: (t * (d + 1) + d) * s, rows: 1, chains: chains, stride: s)
            let record = group.map { g in (0..<recordValues).map { Double(g.hostRecord[recordValues * t + $0]) } }
            return KeptTransitionOutcome(
                logDensity: logDensity.map { $0.isFinite ? $0 : -.infinity }, outputs: outputs, projections: projections,
                cheesSums: nil,
                cheesRecord: record.map { ChEESTransitionRecord(stepSize: $0[0], meanGradient: $0[1], statistic: $0[2]) })
        }
    }

    /// A chained warmup group's launch (call with the lock held, nothing in flight): its setup
    /// with `start` (or the device's state) and the metric resident, and ring 0 holding at least
    /// `count` transitions.
    private func warmupGroup(_ launch: TrajectoryLaunch, count: Int,
                             from start: (positions: ChainBatch, logDensity: [Double], gradient: ChainBatch)?,
                             traffic: inout DeviceTraffic, caller: String) throws -> (LaunchSetup<R>, TransitionRing<R>) {
        precondition(inFlight == 0, "OpenCLTrajectories.\(caller): collect every enqueued group first")
        let setup = try prepare(launch.kind, chains: launch.stepSizes.count, batchChains: launch.batchChains)
        try makeResident(setup, start, metric: launch.inverseMetricDiagonal, traffic: &traffic, caller: caller)
        if rings[0] == nil || rings[0]!.capacity < count {
            rings[0] = try TransitionRing<R>(context: queue.context, dimension: dimension, stride: setup.layout.stride,
                                             capacity: count)
        }
        return (setup, rings[0]!)
    }

    /// Ends the enqueueing of a chained warmup group whose other reads are enqueued: the reads of
    /// its outputs' rows (without the depth for ChEES's HMC) and of its `projections` rows per
    /// transition, non-blocking, then a flush; the state is then the device's, and the group in
    /// flight until `collectWarmupGroup`.
    private func enqueued(_ adaptation: PendingWarmupGroup.Adaptation, _ launch: TrajectoryLaunch, ring: TransitionRing<R>,
                          count: Int, chains: Int, reducer: WarmupReducer<R>, projections: Int, event: Event?,
                          traffic: DeviceTraffic) throws -> PendingWarmupGroup {
        var traffic = traffic
        let s = ring.stride, b = MemoryLayout<R>.size, depth = adaptation == .nuts
        for (r, output) in ring.outputs.enumerated() where depth || r != 3 {
            let first = r * ring.capacity * s
            _ = try output.enqueueRead(into: UnsafeMutableBufferPointer(rebasing: ring.hostOutputs[first..<(first + count * s)]),
                                       queue: queue)
            traffic.bytesFromDevice += count * s * b
        }
        let rows = count * projections
        if rows > 0 {
            try reducer.projections!.read(into: UnsafeMutableBufferPointer(rebasing: reducer.hostProjections![0..<(rows * s)]),
                                          blocking: false, queue: queue)
            traffic.bytesFromDevice += rows * s * b
        }
        residentState = nil
        deviceAhead = true
        try queue.flush()
        inFlight += 1
        return PendingWarmupGroup(adaptation: adaptation, iteration: launch.iteration, count: count, chains: chains,
                                  projections: projections, event: event, traffic: traffic)
    }

    /// Transition `t` of a finished chained warmup group: its outputs and its `projections` rows.
    private func groupTransition(_ t: Int, ring: TransitionRing<R>, reducer: WarmupReducer<R>, projections: Int, chains: Int,
                                 depth: Bool) -> (TrajectoryOutputs, ChainBatch?) {
        let s = ring.stride
        func row(_ r: Int) -> [Double] {
            unpack(ring.hostOutputs, offset: (r * ring.capacity + t) * s, rows: 1, chains: chains, stride: s)
        }
        let batch = projections > 0
            ? ChainBatch(chains: chains, dimension: projections,
                         values: unpack(reducer.hostProjections!, offset: t * projections * s, rows: projections, chains: chains,
                                        stride: s)) : nil
        return (TrajectoryOutputs(acceptProbability: row(0), energy: row(1), steps: row(2), depth: depth ? row(3) : nil,
                                  flags: row(4)), batch)
    }

    /// `count` consecutive ChEES warmup transitions of every chain (HMC, transitions
    /// launch.iteration ..< + count) that leave the state on the device, the shared step size and
    /// trajectory length adapted between them there (Kernels/warmup.cl): per transition t,
    /// `lf_chees_shape` gives every chain the state's step size and ⌈u_t·T/ε⌉ steps (u_t =
    /// `jitter[t]`), the trajectory runs, `reductions` (ChEES's sums, and the window moments and
    /// projections asked for) are reduced as `runKeepingState` reduces them, and `lf_chees_adapt`
    /// updates the state from its acceptance probabilities and sums. The state starts from
    /// `adaptation`, or with `continues` from where the last group left it on the device (of which
    /// `adaptation` then gives only the aggregation); `launch.stepSizes` and HMC's step counts are
    /// not read. Enqueues the group without waiting for it: `collectWarmupGroup` waits and returns each
    /// transition's outputs, log densities, projections and record (`ChEESTransitionRecord`), so
    /// that a caller may replay one group while the device runs the next. Nothing else may run on
    /// this program while the group is in flight.
    ///
    /// Cost per group of k transitions (S the padded chains, b bytes per real, p projections): 6–8
    /// commands per transition (the starts' copy, the shape, the trajectory, the reductions, the
    /// adaptation, the log densities' copy) and one blocking round trip for the group, where
    /// `runKeepingState` waits once per transition; to the device k·b of jitter, k kept-slot
    /// indices and 17·b of state at a span's start; from the device (5 + p)·S·b + 3·b per
    /// transition (four outputs, the log density, the projections, the record).
    public func enqueueChEESKeepingState(_ launch: TrajectoryLaunch, count: Int, adaptation: ChEESAdaptationState,
                                         continues: Bool, jitter: [Double],
                                         from start: (positions: ChainBatch, logDensity: [Double], gradient: ChainBatch)?,
                                         reductions: WarmupReductionRequest) throws -> PendingWarmupGroup {
        let chains = launch.stepSizes.count, d = dimension
        guard case .hmc = launch.kind else { preconditionFailure("OpenCLTrajectories.enqueueChEESKeepingState: HMC only") }
        precondition(count >= 1 && jitter.count == count && reductions.cheesSums && !reductions.cheesPartialMeans
                     && launch.inverseMetricDiagonal.chains == chains && launch.inverseMetricDiagonal.dimension == d,
                     "OpenCLTrajectories.enqueueChEESKeepingState: shapes disagree")
        lock.lock()
        defer { lock.unlock() }
        var traffic = DeviceTraffic(launches: 0, roundTrips: 1)
        let (setup, ring) = try warmupGroup(launch, count: count, from: start, traffic: &traffic,
                                            caller: "enqueueChEESKeepingState")
        let s = setup.layout.stride, bufs = setup.buffers, b = MemoryLayout<R>.size
        if cheesGroup == nil || cheesGroup!.stride != s || cheesGroup!.capacity < count {
            cheesGroup = try ChEESGroupBuffers<R>(context: queue.context, stride: s, capacity: count)
        }
        let group = cheesGroup!
        let state = try cheesStateBuffer()
        if continues {
            precondition(cheesStateResident, "OpenCLTrajectories.enqueueChEESKeepingState: no ChEES adaptation on the device to continue")
        } else {
            let values = adaptation.deviceValues
            for (k, v) in values.enumerated() { group.hostState[k] = R(v) }
            try state.enqueueWrite(from: UnsafeBufferPointer(group.hostState), queue: queue)
            traffic.bytesToDevice += values.count * b
        }
        cheesStateResident = true
        for (t, u) in jitter.enumerated() { group.hostJitter[t] = R(u) }
        try group.jitter.enqueueWrite(from: UnsafeBufferPointer(rebasing: group.hostJitter[0..<count]), queue: queue)
        for j in 0..<count { ring.hostKeptSlot[j] = -1 }
        try ring.keptSlot.enqueueWrite(from: UnsafeBufferPointer(rebasing: ring.hostKeptSlot[0..<count]), queue: queue)
        traffic.bytesToDevice += count * (b + MemoryLayout<Int32>.size)
        let reducer = try warmupReducer(chains: chains, buffers: bufs)
        try reducer.reserveProjections(rows: count * reductions.projections)
        let local = try cheesAdaptLocalSize ?? reducer.cheesAdaptLocalSize(gpu: info.type == .gpu)
        var event: Event?
        for t in 0..<count {
            var step = launch
            step.iteration = launch.iteration + t
            try reducer.enqueueStart(from: bufs.position)
            try reducer.enqueueChEESShape(state: state, jitter: group.jitter, t: t, stepSize: ring.stepSize, steps: ring.steps,
                                          record: group.record)
            // The loop runs to every chain's own count (it ends when no lane has steps left).
            event = try enqueueKernel(setup, step, rows: LaunchRows(ring, slot: t), returnsProposal: true, maxSteps: Int(Int32.max))
            // Kernels: the shape, the trajectory, the reductions and the adaptation (copies are not counted).
            traffic.launches += 3 + (try reducer.enqueue(reductions, position: bufs.position, gradient: bufs.gradient,
                                                         proposal: bufs.proposalPosition, momentum: bufs.proposalMomentum,
                                                         accept: ring.acceptProbability, flags: ring.flags,
                                                         inverseMetric: bufs.inverseMetric, row: t,
                                                         projectionRow: t * reductions.projections))
            try reducer.enqueueChEESAdapt(accept: ring.acceptProbability, flags: ring.flags, t: t, state: state,
                                          jitter: group.jitter, record: group.record, harmonicGroup: adaptation.harmonicGroup,
                                          local: local)
            try bufs.logDensity.enqueueCopy(to: group.logDensity, destinationOffset: t * s, count: s, queue: queue)
        }

        // The log densities and the records (then the outputs' rows, HMC having no depth, and the
        // projections), non-blocking; `collectWarmupGroup` waits once for them all.
        _ = try group.logDensity.enqueueRead(into: UnsafeMutableBufferPointer(rebasing: group.hostLogDensity[0..<(count * s)]),
                                             queue: queue)
        let recordValues = ChEESGroupBuffers<R>.recordValues
        _ = try group.record.enqueueRead(into: UnsafeMutableBufferPointer(rebasing: group.hostRecord[0..<(recordValues * count)]),
                                         queue: queue)
        traffic.bytesFromDevice += (count * s + recordValues * count) * b
        return try enqueued(.chees, launch, ring: ring, count: count, chains: chains, reducer: reducer,
                            projections: reductions.projections, event: event, traffic: traffic)
    }

    /// The buffer of ChEES's shared adaptation state (`ChEESAdaptationState.deviceValues`), made once.
    private func cheesStateBuffer() throws -> Buffer<R> {
        if let cheesState { return cheesState }
        let made = try Buffer<R>(context: queue.context, count: ChEESAdaptationState.deviceValueCount)
        cheesState = made
        return made
    }

    // MARK: - Streamed transitions

    /// Enqueues consecutive transitions `launches` (same kind and metric; sampling's fixed tuning)
    /// as one launch, without waiting for it: transition j reads its step sizes from, and writes
    /// its per-chain outputs to, row j of one of two ring buffers; the kernel writes the kept ones'
    /// (`keeps`) positions and log densities to the ring's kept slots; the group comes back with
    /// non-blocking reads, and `collect` waits for the last. At most two groups are in flight: while the host reads
    /// one, the device runs the next.
    ///
    /// `from`: the state to start from, or nil to continue from the state the device holds (the
    /// last group's end). `keptStayOnDevice`: the kept draws are not read back (their moments are
    /// accumulated there, `accumulateMoments`). Cost per group of k transitions with m kept (S the
    /// padded chains, b bytes per real): one launch (`TrajectorySource`, `NUTSSource`); to the
    /// device k·S·b (step sizes; HMC's step counts as much again) and k kept-slot indices, from the
    /// device 5k·S·b (4k for HMC) + m·(d + 1)·S·b (nothing for the kept draws when they stay on the
    /// device), and one wait in `collect`.
    public func enqueue(_ launches: [TrajectoryLaunch], keeps: [Bool],
                        from start: (positions: ChainBatch, logDensity: [Double], gradient: ChainBatch)?,
                        keptStayOnDevice: Bool = false) throws -> PendingTransitions {
        precondition(!launches.isEmpty && keeps.count == launches.count, "OpenCLTrajectories.enqueue: \(launches.count) "
                     + "launches, \(keeps.count) keep flags")
        let chains = launches[0].stepSizes.count, d = dimension
        lock.lock()
        defer { lock.unlock() }
        precondition(inFlight < 2, "OpenCLTrajectories.enqueue: two groups are in flight; collect one first")
        let setup = try prepare(launches[0].kind, chains: chains, batchChains: launches[0].batchChains)
        let s = setup.layout.stride
        let chained = launches[0].kind.runsChained
        var traffic = DeviceTraffic(launches: 1, roundTrips: 0)
        if let start {
            try makeResident(setup, positions: start.positions, logDensity: start.logDensity, gradient: start.gradient,
                             metric: launches[0].inverseMetricDiagonal, traffic: &traffic)
        } else {
            precondition(residentState != nil || deviceAhead,
                         "OpenCLTrajectories.enqueue: no state on the device to continue from")
        }
        residentState = nil
        deviceAhead = true

        let slot = nextRing
        nextRing = 1 - nextRing
        let kept = keeps.filter { $0 }.count
        if rings[slot] == nil || rings[slot]!.capacity < launches.count {
            rings[slot] = try TransitionRing<R>(context: queue.context, dimension: d, stride: s, capacity: launches.count)
        }
        let ring = rings[slot]!

        // Step sizes and step counts of every launch in one upload each; launch j reads row j.
        let k = launches.count, b = MemoryLayout<R>.size
        for (j, launch) in launches.enumerated() {
            precondition(launch.stepSizes.count == chains && launch.kind.sameKernel(as: launches[0].kind),
                         "OpenCLTrajectories.enqueue: launches of one group must share chains and kernel")
            launch.stepSizes.withUnsafeBufferPointer {
                R.pack($0, chains: chains, stride: s, dimension: 1, into: ring.hostStepSize.baseAddress! + j * s)
            }
            if case .hmc(let counts) = launch.kind {
                counts.map(Double.init).withUnsafeBufferPointer {
                    R.pack($0, chains: chains, stride: s, dimension: 1, into: ring.hostSteps.baseAddress! + j * s)
                }
            }
        }
        try ring.stepSize.enqueueWrite(from: UnsafeBufferPointer(rebasing: ring.hostStepSize[0..<(k * s)]), queue: queue)
        traffic.bytesToDevice += k * s * b
        if case .hmc = launches[0].kind {
            try ring.steps.enqueueWrite(from: UnsafeBufferPointer(rebasing: ring.hostSteps[0..<(k * s)]), queue: queue)
            traffic.bytesToDevice += k * s * b
        }

        // One launch runs the group (NUTS chained per lane, HMC transition by transition).
        precondition(launches.indices.allSatisfy { launches[$0].iteration == launches[0].iteration + $0 },
                     "OpenCLTrajectories.enqueue: a group's iterations must be consecutive")
        var keptSlot = 0
        for j in 0..<k {
            ring.hostKeptSlot[j] = keeps[j] ? Int32(keptSlot) : -1
            if keeps[j] { keptSlot += 1 }
        }
        try ring.keptSlot.enqueueWrite(from: UnsafeBufferPointer(rebasing: ring.hostKeptSlot[0..<k]), queue: queue)
        traffic.bytesToDevice += k * MemoryLayout<Int32>.size
        let maxSteps = launches.map { launch -> Int in
            if case .hmc(let steps) = launch.kind { return steps.max() ?? 0 }
            return 0
        }.max()
        try enqueueKernel(setup, launches[0], rows: LaunchRows(ring, slot: 0), returnsProposal: false, chained: k, maxSteps: maxSteps)
        var event: Event?
        for (r, output) in ring.outputs.enumerated() {
            if r == 3, case .hmc = launches[0].kind { continue }   // HMC has no depth
            let start = r * ring.capacity * s
            event = try output.enqueueRead(into: UnsafeMutableBufferPointer(rebasing: ring.hostOutputs[start..<(start + k * s)]),
                                           queue: queue)
            traffic.bytesFromDevice += k * s * b
        }
        if kept > 0 && !keptStayOnDevice {
            event = try ring.kept.enqueueRead(into: UnsafeMutableBufferPointer(rebasing: ring.hostKept[0..<(kept * (d + 1) * s)]),
                                              queue: queue)
            traffic.bytesFromDevice += kept * (d + 1) * s * b
        }
        try queue.flush()
        counted += traffic
        inFlight += 1
        return PendingTransitions(ring: slot, kinds: launches.map(\.kind), keeps: keeps, chains: chains, stride: s, read: event,
                                  keptOnDevice: keptStayOnDevice, chained: chained)
    }

    /// Waits for a group `enqueue` returned (groups are collected in the order enqueued) and
    /// unpacks its transitions.
    public func collect(_ pending: PendingTransitions) throws -> [StreamedTransition] {
        lock.lock()
        defer { lock.unlock() }
        try pending.read?.wait()
        counted += DeviceTraffic(roundTrips: 1)
        inFlight -= 1
        let ring = rings[pending.ring]!, chains = pending.chains, s = pending.stride, d = dimension
        var keptSlot = 0
        return pending.kinds.enumerated().map { j, kind in
            func row(_ r: Int) -> [Double] {
                unpack(ring.hostOutputs, offset: (r * ring.capacity + j) * s, rows: 1, chains: chains, stride: s)
            }
            var positions: ChainBatch?, logDensity: [Double]?
            if pending.keeps[j] && !pending.keptOnDevice {
                positions = ChainBatch(chains: chains, dimension: d,
                                       values: unpack(ring.hostKept, offset: keptSlot * (d + 1) * s, rows: d, chains: chains, stride: s))
                logDensity = unpack(ring.hostKept, offset: (keptSlot * (d + 1) + d) * s, rows: 1, chains: chains, stride: s)
                    .map { $0.isFinite ? $0 : -.infinity }
                keptSlot += 1
            }
            var depth: [Double]?
            if case .nuts = kind { depth = row(3) }
            return StreamedTransition(outputs: TrajectoryOutputs(acceptProbability: row(0), energy: row(1), steps: row(2),
                                                                 depth: depth, flags: row(4)),
                                      positions: positions, logDensity: logDensity)
        }
    }

    // MARK: - Moments of kept draws on the device

    /// Recorded values per chain of the model's device program (constrained parameters, derived
    /// quantities), or nil when the device cannot compute them (`OpenCLCodegen.generateRecorded`
    /// throws: the caller records on the host instead).
    public func recordedValuesPerChain() -> Int? {
        lock.withLock {
            if recordedCount == nil { recordedCount = Result { try OpenCLCodegen.generateRecorded(model).outputs } }
            return try? recordedCount!.get()
        }
    }

    /// Forgets the moments accumulated so far (a new stream starts from zero).
    public func resetMoments() {
        lock.withLock { moments = nil }
    }

    /// Adds the kept draws of a collected group (`enqueue` with `keptStayOnDevice`), the first
    /// `halves.count` of them in order, kept draw j to half `halves[j]` of every chain's running
    /// moments (`MomentsAccumulator`): per draw a device-side copy and two launches, no wait. Call
    /// after `collect(pending)` and before the next `enqueue` (which reuses the group's ring; the
    /// queue is in order, so what is enqueued here reads the ring first).
    public func accumulateMoments(_ pending: PendingTransitions, halves: [Int]) throws {
        precondition(pending.keptOnDevice && halves.count <= pending.keeps.filter { $0 }.count,
                     "OpenCLTrajectories.accumulateMoments: \(halves.count) draws of a group that keeps them on the device")
        if halves.isEmpty { return }
        lock.lock()
        defer { lock.unlock() }
        guard let bufs = buffers, let ring = rings[pending.ring], bufs.stride == pending.stride else {
            preconditionFailure("OpenCLTrajectories.accumulateMoments: the group's buffers are gone")
        }
        if moments == nil || moments!.stride != pending.stride || moments!.chains != pending.chains {
            moments = try MomentsAccumulator<R>(model, queue: queue, chains: pending.chains, stride: pending.stride,
                                                width: bufs.width, localSize: requestedLocalSize ?? info.defaultLocalSize,
                                                info: info, cache: cache)
        }
        let d = dimension, s = pending.stride
        for (slot, half) in halves.enumerated() {
            try moments!.enqueueAdd(kept: ring.kept, offset: slot * (d + 1) * s, half: half)
        }
        try queue.flush()
        counted += DeviceTraffic(launches: 2 * halves.count)
    }

    /// The moments accumulated since `resetMoments` (nil when none were): five blocking reads,
    /// chains × quantities × 5 numbers.
    public func readMoments() throws -> DeviceMoments? {
        lock.lock()
        defer { lock.unlock() }
        guard let moments else { return nil }
        let values = try moments.read()
        counted += DeviceTraffic(roundTrips: MomentsAccumulator<R>.readRoundTrips, bytesFromDevice: moments.readBytes)
        return values
    }

    /// The state the device holds (after every enqueued group): one blocking read.
    public func residentStateValues() throws -> (positions: ChainBatch, logDensity: [Double], gradient: ChainBatch) {
        lock.lock()
        defer { lock.unlock() }
        precondition(inFlight == 0, "OpenCLTrajectories.residentStateValues: collect every enqueued group first")
        guard let bufs = buffers, let chains = lastChains else {
            preconditionFailure("OpenCLTrajectories.residentStateValues: nothing has run")
        }
        let s = bufs.stride, d = dimension
        try bufs.position.read(into: UnsafeMutableBufferPointer(rebasing: bufs.hostPosition[0..<(d * s)]), blocking: false, queue: queue)
        try bufs.gradient.read(into: UnsafeMutableBufferPointer(rebasing: bufs.hostGradient[0..<(d * s)]), blocking: false, queue: queue)
        try bufs.logDensity.read(into: UnsafeMutableBufferPointer(rebasing: bufs.hostLogDensity[0..<s]), blocking: true, queue: queue)
        counted += DeviceTraffic(roundTrips: 1, bytesFromDevice: (2 * d + 1) * s * MemoryLayout<R>.size)
        let positions = unpack(bufs.hostPosition, rows: d, chains: chains, stride: s)
        let logDensity = unpack(bufs.hostLogDensity, rows: 1, chains: chains, stride: s).map { $0.isFinite ? $0 : -.infinity }
        residentState = (positions, logDensity)
        deviceAhead = false
        return (ChainBatch(chains: chains, dimension: d, values: positions), logDensity,
                ChainBatch(chains: chains, dimension: d, values: unpack(bufs.hostGradient, rows: d, chains: chains, stride: s)))
    }
}

/// What `OpenCLTrajectories.runKeepingState` returns for every chain: the per-chain outputs, the
/// new log densities (non-finite: −∞) and the reductions asked for (projections: one row per
/// projection).
public struct KeptTransitionOutcome: Sendable {
    public var logDensity: [Double]
    public var outputs: TrajectoryOutputs
    public var projections: ChainBatch?
    public var cheesSums: ChEESSums?
    /// This batch's sums towards ChEES's means (`WarmupReductionRequest.cheesPartialMeans`).
    public var cheesPartialMeans: ChEESPartialMeans? = nil
    /// A chained ChEES transition's record of the shared adaptation (`enqueueChEESKeepingState`).
    public var cheesRecord: ChEESTransitionRecord? = nil
}

/// A launch's kernel, shape and buffers.
struct LaunchSetup<R: DeviceReal> {
    let kernel: Kernel
    let layout: ChainLayout
    /// Work-items launched: the layout's (a multiple of its local size), or chains × the group's
    /// size for a work-group per chain.
    let globalSize: Int
    let buffers: TrajectoryBuffers<R>
    /// The data arguments (row-blocked for rows in lanes).
    let data: [Buffer<R>]
}

extension TrajectoryLaunch.Kind {
    /// Whether a streamed group of this kind runs its chains' transitions chained, each lane
    /// starting its next when its trajectory ends (`NUTSSource`): NUTS, whose trajectories differ
    /// in length between chains. HMC's group is one launch too, whose lanes run each transition
    /// together (ChEES's chains share a step count; `TrajectorySource`).
    var runsChained: Bool {
        if case .nuts = self { return true }
        return false
    }

    /// Whether two launches use the same kernel (HMC's step counts may differ).
    func sameKernel(as other: Self) -> Bool {
        switch (self, other) {
        case (.hmc, .hmc): return true
        case (.nuts(let a), .nuts(let b)): return a == b
        default: return false
        }
    }
}

/// A group of transitions `OpenCLTrajectories.enqueue` has started.
public struct PendingTransitions: @unchecked Sendable {
    let ring: Int
    let kinds: [TrajectoryLaunch.Kind]
    let keeps: [Bool]
    let chains: Int
    let stride: Int
    /// The group's last read; nil when there was nothing to read.
    let read: Event?
    /// The kept draws were left on the device (`enqueue`'s `keptStayOnDevice`).
    let keptOnDevice: Bool
    /// The group ran as one chained launch (NUTS): a work-item's lanes waited for each other at
    /// the longest sum of their trajectories over the group, not at each transition's longest.
    public let chained: Bool

    /// Transitions in the group.
    public var count: Int { kinds.count }
}

/// A chained warmup group enqueued and not yet collected (`OpenCLTrajectories`'
/// `enqueueAdaptingKeepingState` or `enqueueChEESKeepingState`, then `collectWarmupGroup`).
public struct PendingWarmupGroup: @unchecked Sendable {
    /// Whose adaptation the group's device continues.
    public enum Adaptation: Sendable { case nuts, chees }
    public let adaptation: Adaptation
    /// The group's first iteration.
    public let iteration: Int
    /// Transitions in the group.
    public let count: Int
    let chains: Int
    /// Projections per transition.
    let projections: Int
    /// The group's last trajectory launch.
    let event: Event?
    /// The group's traffic, counted when it is collected.
    let traffic: DeviceTraffic
}

/// One transition of a streamed group, for every chain.
public struct StreamedTransition: Sendable {
    public var outputs: TrajectoryOutputs
    /// The new positions and log densities (non-finite: −∞), when the transition was kept.
    public var positions: ChainBatch?
    public var logDensity: [Double]?
}

/// One of the two ring buffers of streamed transitions: row j of each per-launch buffer is launch
/// j's (its step sizes and step counts in; its acceptance probability, energy, steps, depth and
/// flags out: the kernels read and write row `slot` directly); per kept launch, its positions and
/// log density (device-side copies). Device buffers and the host staging memory the non-blocking
/// transfers use.
final class TransitionRing<R: DeviceReal>: @unchecked Sendable {
    /// Values a launch occupies per chain: two parameters (step size, steps), five outputs and a
    /// kept draw (d positions and the log density).
    static func valuesPerLaunch(dimension d: Int) -> Int { 2 + 5 + d + 1 }

    let capacity: Int
    /// The padded chain count of a row.
    let stride: Int
    let stepSize, steps, acceptProbability, energy, taken, depth, flags, kept: Buffer<R>
    /// Per row, the slot of `kept` its sample goes to, or −1 (the group's launch writes it there).
    let keptSlot: Buffer<Int32>
    let hostKeptSlot: UnsafeMutableBufferPointer<Int32>
    /// The five outputs in the order `hostOutputs` holds them (output r of launch j at (r·capacity + j)·stride).
    var outputs: [Buffer<R>] { [acceptProbability, energy, taken, depth, flags] }
    let hostStepSize, hostSteps, hostOutputs, hostKept: UnsafeMutableBufferPointer<R>

    init(context: Context, dimension d: Int, stride s: Int, capacity: Int) throws {
        self.capacity = capacity
        stride = s
        func device(_ count: Int) throws -> Buffer<R> { try Buffer<R>(context: context, count: count) }
        stepSize = try device(capacity * s); steps = try device(capacity * s)
        acceptProbability = try device(capacity * s); energy = try device(capacity * s); taken = try device(capacity * s)
        depth = try device(capacity * s); flags = try device(capacity * s)
        kept = try device(capacity * (d + 1) * s)
        keptSlot = try Buffer<Int32>(context: context, count: capacity)
        hostKeptSlot = .allocate(capacity: capacity)
        hostKeptSlot.initialize(repeating: -1)
        func host(_ count: Int) -> UnsafeMutableBufferPointer<R> {
            let p = UnsafeMutableBufferPointer<R>.allocate(capacity: count)
            p.initialize(repeating: 0)
            return p
        }
        hostStepSize = host(capacity * s)
        hostSteps = host(capacity * s)
        hostOutputs = host(5 * capacity * s)
        hostKept = host(kept.count)
    }

    deinit {
        hostStepSize.deallocate()
        hostSteps.deallocate()
        hostOutputs.deallocate()
        hostKept.deallocate()
        hostKeptSlot.deallocate()
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
    /// One −1: a single NUTS transition keeps no sample in a ring (`LaunchRows`).
    let keepsNothing: Buffer<Int32>
    /// Warmup's chained NUTS groups: every chain's dual averaging, rows t, s̄, μ, ε of `stride`,
    /// then δ, γ, t₀ (`NUTSSource`), and its host staging.
    let averaging: Buffer<R>
    let hostAveraging: UnsafeMutableBufferPointer<R>
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
        keepsNothing = try Buffer<Int32>(context: context, values: [-1])
        averaging = try device(4 * s + 3)
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
        hostAveraging = host(4 * s + 3)
        owned = made
    }

    deinit { for p in owned { p.deallocate() } }
}
