import LeapfrogCore

/// Every chain's window moments as a device accumulated them: `count` draws each, means and sums
/// of squared deviations chain-fastest (coordinate i of chain c at i · chains + c): the d
/// positions' coordinates, then with `WarmupReductionRequest.gradientMoments` the d gradients'.
public struct DeviceWindowMoments: Sendable, Hashable {
    public var chains: Int
    public var count: Int
    public var mean: [Double]
    public var m2: [Double]

    /// Coordinates per chain: d, or 2d with the gradients'.
    public var coordinates: Int { chains == 0 ? 0 : mean.count / chains }
}

/// The warmup reductions of one batch layout on the device (Kernels/warmup.cl): a copy of the
/// chains' starts before each trajectory (for ChEES), and after it Welford's update of every
/// chain's window moments, the convergence projections and ChEES's per-chain sums (its weighted
/// means over chains in blocks of `block`, then the blocks in order). Results land in device
/// buffers the caller reads back with the transition's outputs.
///
/// Cost per transition (C chains, S the padded stride, d parameters, k projections, b bytes per
/// real): a d·S device-side copy (ChEES), up to five launches, no wait of its own; read back
/// k·S·b (projections) + 3·S·b (ChEES sums) instead of the (4d + 1)·S·b of positions, gradients,
/// log densities and proposals. The window moments stay on the device until
/// `takeWindowMoments` (2d·S·b once per window, 4d·S·b with the gradients'). Memory: (4d + k + 3)·S
/// reals, 2d·S more once gradient moments are asked for, and the blocks' partial sums (k rows per
/// transition of a chained group, `enqueueKept`).
final class WarmupReducer<R: DeviceReal>: @unchecked Sendable {
    /// Chains per block of the two-level sums over chains.
    static var block: Int { 256 }

    let chains: Int
    let stride: Int
    /// Chains per work-item of the per-chain kernels: the trajectories' (`stride` is a multiple).
    let width: Int
    let dimension: Int
    private let queue: CommandQueue
    private let welford, projectionKernel, partialKernel, meansKernel, sumsKernel, shapeKernel, adaptKernel: Kernel
    let start, mean, m2, sums, partial, totals: Buffer<R>
    /// The gradients' window moments (`WarmupReductionRequest.gradientMoments`), made when first asked for.
    private var gradientMoments: (mean: Buffer<R>, m2: Buffer<R>)?
    /// The current window's draws add the gradients' moments too.
    private var windowGradients = false
    private var projectionRows = 0
    private(set) var projections: Buffer<R>?
    /// Host staging of the reads of `projections` and `sums`.
    private(set) var hostProjections: UnsafeMutableBufferPointer<R>?
    let hostSums: UnsafeMutableBufferPointer<R>
    /// Host staging of the blocks' partial sums (`enqueuePartialRead`).
    let hostPartial: UnsafeMutableBufferPointer<R>
    /// Draws added to the window moments since the last `takeWindowMoments`.
    private(set) var windowCount = 0

    /// The reductions' program (`Kernels/warmup.cl`) at this precision and `width`.
    static func program(context: Context, width: Int, cache: ProgramCache?) throws -> Program {
        try KernelLibrary.build(context: context, files: ["warmup"], precision: R.precision, width: width, cache: cache)
    }

    init(program: Program, queue: CommandQueue, chains: Int, stride: Int, width: Int, dimension: Int) throws {
        precondition(stride % width == 0, "WarmupReducer: stride \(stride) is not a multiple of the width \(width)")
        self.chains = chains
        self.stride = stride
        self.width = width
        self.dimension = dimension
        self.queue = queue
        welford = try Kernel(program: program, name: "lf_warmup_welford")
        projectionKernel = try Kernel(program: program, name: "lf_warmup_projections")
        partialKernel = try Kernel(program: program, name: "lf_chees_partial_means")
        meansKernel = try Kernel(program: program, name: "lf_chees_means")
        sumsKernel = try Kernel(program: program, name: "lf_chees_sums")
        shapeKernel = try Kernel(program: program, name: "lf_chees_shape")
        adaptKernel = try Kernel(program: program, name: "lf_chees_adapt")
        let vector = max(1, dimension) * stride
        func zeroed(_ count: Int) throws -> Buffer<R> {
            let b = try Buffer<R>(context: queue.context, count: count)
            try b.fill(0, queue: queue)
            return b
        }
        start = try zeroed(vector)
        mean = try zeroed(vector)
        m2 = try zeroed(vector)
        sums = try zeroed(3 * stride)
        let blocks = (chains + Self.block - 1) / Self.block
        partial = try zeroed(blocks * (2 * dimension + 1))
        totals = try zeroed(2 * dimension + 1)
        hostSums = .allocate(capacity: 3 * stride)
        hostSums.initialize(repeating: 0)
        hostPartial = .allocate(capacity: blocks * (2 * dimension + 1))
        hostPartial.initialize(repeating: 0)
    }

    deinit {
        hostSums.deallocate()
        hostPartial.deallocate()
        hostProjections?.deallocate()
    }

    /// Work-items per group of the per-chain kernels.
    private static var local: Int { 64 }

    private func launch(_ kernel: Kernel, _ arguments: [Any], global: [Int], local: [Int]) throws {
        for (k, argument) in arguments.enumerated() {
            switch argument {
            case let buffer as Buffer<R>: try kernel.setArg(k, buffer)
            case let value as Int32: try kernel.setArg(k, value)
            case let value as R: try kernel.setArg(k, value)
            default: preconditionFailure("WarmupReducer: argument \(k) of \(kernel.name)")
            }
        }
        let rounded = zip(global, local).map { max($1, ($0 + $1 - 1) / $1 * $1) }
        _ = try queue.enqueue(kernel, global: rounded, local: local)
    }

    /// The per-chain kernels' range: a work-item per W chains of the stride.
    private var perChain: (global: [Int], local: [Int]) { ([stride / width], [Self.local]) }

    /// Enqueues the copy of the chains' positions before a trajectory moves them (ChEES's starts).
    func enqueueStart(from position: Buffer<R>) throws {
        try position.enqueueCopy(to: start, count: dimension * stride, queue: queue)
    }

    /// Enqueues the reductions `what` asks for after a trajectory, from its new positions, and
    /// for ChEES its proposals, acceptance probabilities, flags and the inverse metric; returns
    /// the launches enqueued. Results: `projections` (rows of `stride`), `sums` (3 rows).
    ///
    /// `row`: where `accept` and `flags` hold this transition's values (a ring's row, `row` ×
    /// stride); `projectionRow`: the first row of `projections` it writes (a chained group's
    /// transition t writes rows t·k..<(t + 1)·k, after `reserveProjections`).
    func enqueue(_ what: WarmupReductionRequest, position: Buffer<R>, gradient: Buffer<R>, proposal: Buffer<R>,
                 momentum: Buffer<R>, accept: Buffer<R>, flags: Buffer<R>, inverseMetric: Buffer<R>, row: Int = 0,
                 projectionRow: Int = 0) throws -> Int {
        let d = Int32(dimension), s = Int32(stride), n = Int32(chains)
        var launches = try enqueuePerChain(what, from: position, gradient: gradient, offset: 0, projectionRow: projectionRow)
        if what.cheesSums || what.cheesPartialMeans {
            // A group per block of chains, its work-items the coordinates (a GPU then runs them
            // side by side); the items past the last coordinate return. Partial means stop here
            // (`enqueuePartialRead`, then `enqueueSums(about:)` with a split batch's means).
            let blocks = (chains + Self.block - 1) / Self.block
            try launch(partialKernel, [proposal, start, accept, flags, partial, d, s, n, Int32(Self.block), Int32(row * stride)],
                       global: [blocks, dimension + 1], local: [1, min(64, dimension + 1)])
            launches += 1
            if what.cheesSums {
                try launch(meansKernel, [partial, totals, d, Int32(blocks), n], global: [2 * dimension + 1],
                           local: [min(64, 2 * dimension + 1)])
                try launch(sumsKernel, [proposal, momentum, start, inverseMetric, totals, sums, d, s], global: perChain.global,
                           local: perChain.local)
                launches += 2
            }
        }
        return launches
    }

    /// Enqueues the read of the blocks' partial sums `enqueue` left for `cheesPartialMeans` into
    /// `hostPartial` (no wait: a later blocking read of the same queue completes it); returns the
    /// bytes read.
    func enqueuePartialRead() throws -> Int {
        try partial.read(into: hostPartial, blocking: false, queue: queue)
        return hostPartial.count * MemoryLayout<R>.size
    }

    /// The partial sums read by `enqueuePartialRead`, the blocks added in order: this batch's
    /// `ChEESPartialMeans` (the twin of `ChEESAdaptation.partialMeans`, to the device's rounding).
    func partialMeans() -> ChEESPartialMeans {
        let d = dimension, row = 2 * d + 1
        var sums = ChEESPartialMeans.joined((0..<(hostPartial.count / row)).map { b in
            ChEESPartialMeans(sums: hostPartial[(b * row)..<((b + 1) * row)].map { Double($0) }, dimension: d, chains: 0)
        })
        sums.chains = chains
        return sums
    }

    /// Enqueues ChEES's per-chain sums of the last `enqueue`'s proposals and starts about a split
    /// batch's `means` (written to `totals` as `lf_chees_means` leaves them); results in `sums`.
    /// Returns the bytes written.
    func enqueueSums(about means: ChEESPartialMeans, proposal: Buffer<R>, momentum: Buffer<R>,
                     inverseMetric: Buffer<R>) throws -> Int {
        let values = (means.proposalMean + means.startMean + [means.weight]).map { R($0) }
        try totals.write(values, queue: queue)
        try launch(sumsKernel, [proposal, momentum, start, inverseMetric, totals, sums, Int32(dimension), Int32(stride)],
                   global: perChain.global, local: perChain.local)
        return values.count * MemoryLayout<R>.size
    }

    /// Enqueues `lf_chees_shape` before a chained ChEES group's transition `t`: every chain's step
    /// size and step count from the adaptation `state`, to row `t` of `stepSize` and `steps`.
    func enqueueChEESShape(state: Buffer<R>, jitter: Buffer<R>, t: Int, stepSize: Buffer<R>, steps: Buffer<R>,
                           record: Buffer<R>) throws {
        try launch(shapeKernel, [state, jitter, Int32(t), stepSize, steps, Int32(t * stride), record, Int32(stride)],
                   global: [stride], local: [Self.local])
    }

    /// The work-group size of `lf_chees_adapt`: 1 on a CPU device (every sum in the host's order;
    /// the work is a few loads per chain), on a GPU the largest power of two up to 256 that the
    /// kernel can run with, so that a million chains' sums do not run on one work-item.
    func cheesAdaptLocalSize(gpu: Bool) throws -> Int {
        guard gpu else { return 1 }
        let most = min(256, try adaptKernel.maxWorkGroupSize())
        var size = 1
        while 2 * size <= most { size *= 2 }
        return size
    }

    /// Enqueues `lf_chees_adapt` after transition `t` (its outputs at row `t` of `accept` and
    /// `flags`, its sums in `sums` from `enqueue`): one work-group of `local` work-items (a power of
    /// two) updates `state` and writes the record.
    func enqueueChEESAdapt(accept: Buffer<R>, flags: Buffer<R>, t: Int, state: Buffer<R>, jitter: Buffer<R>,
                           record: Buffer<R>, harmonicGroup: Int?, local: Int) throws {
        precondition(local > 0 && local & (local - 1) == 0, "WarmupReducer: a work-group of \(local) is not a power of two")
        let arguments: [Any] = [accept, flags, Int32(t * stride), sums, state, jitter, Int32(t), record, Int32(chains),
                                Int32(stride), Int32(harmonicGroup ?? 0)]
        try adaptKernel.setLocalMemory(arguments.count, bytes: 3 * local * MemoryLayout<R>.size)
        try launch(adaptKernel, arguments, global: [local], local: [local])
    }

    /// Enqueues the window moments and projections `what` asks for of `count` consecutive samples
    /// kept in `kept` (slot t at t·(d + 1)·stride: a chained NUTS group's, `NUTSSource`), in order,
    /// so the moments are those of `count` single transitions; slot t's projections go to rows
    /// t·k..<(t + 1)·k of `projections`. Returns the launches enqueued.
    func enqueueKept(_ what: WarmupReductionRequest, kept: Buffer<R>, count: Int) throws -> Int {
        precondition(!what.cheesSums, "WarmupReducer.enqueueKept: ChEES's sums need its proposals")
        precondition(!what.gradientMoments, "WarmupReducer.enqueueKept: a chained group keeps no gradients")
        try reserveProjections(rows: count * what.projections)
        var launches = 0
        for t in 0..<count {
            launches += try enqueuePerChain(what, from: kept, gradient: nil, offset: t * (dimension + 1) * stride,
                                            projectionRow: t * what.projections)
        }
        return launches
    }

    /// The per-chain reductions of one sample at `offset` of `x`: Welford's update (of
    /// `gradient` too, at offset 0, when `what` asks for gradient moments), the projections into
    /// rows from `projectionRow` on (growing `projections` as needed).
    private func enqueuePerChain(_ what: WarmupReductionRequest, from x: Buffer<R>, gradient: Buffer<R>?, offset: Int,
                                 projectionRow: Int) throws -> Int {
        let d = Int32(dimension), s = Int32(stride)
        var launches = 0
        if what.windowMoments {
            precondition(windowCount == 0 || windowGradients == what.gradientMoments,
                         "WarmupReducer: a window's draws add gradient moments all or none")
            windowCount += 1
            windowGradients = what.gradientMoments
            let n = R(Double(windowCount))
            try launch(welford, [x, mean, m2, d, s, n, Int32(offset)], global: perChain.global, local: perChain.local)
            launches += 1
            if what.gradientMoments {
                guard let gradient else { preconditionFailure("WarmupReducer: gradient moments without the gradients") }
                let g = try gradientBuffers()
                try launch(welford, [gradient, g.mean, g.m2, d, s, n, Int32(0)], global: perChain.global, local: perChain.local)
                launches += 1
            }
        }
        if what.projections > 0 {
            try reserveProjections(rows: projectionRow + what.projections)
            try launch(projectionKernel, [x, projections!, Int32(what.projections), d, s, Int32(offset),
                                          Int32(projectionRow * stride)],
                       global: perChain.global, local: perChain.local)
            launches += 1
        }
        return launches
    }

    /// Makes `projections` (and its host staging) hold at least `rows` rows; a new buffer forgets
    /// the old one's values, so a group reserves its rows before it enqueues any.
    func reserveProjections(rows: Int) throws {
        guard projectionRows < rows else { return }
        projections = try Buffer<R>(context: queue.context, count: rows * stride)
        hostProjections?.deallocate()
        hostProjections = .allocate(capacity: rows * stride)
        hostProjections!.initialize(repeating: 0)
        projectionRows = rows
    }

    /// The gradients' window moment buffers, made on first use.
    private func gradientBuffers() throws -> (mean: Buffer<R>, m2: Buffer<R>) {
        if let gradientMoments { return gradientMoments }
        let made = (mean: try Buffer<R>(context: queue.context, count: max(1, dimension) * stride),
                    m2: try Buffer<R>(context: queue.context, count: max(1, dimension) * stride))
        gradientMoments = made
        return made
    }

    /// The window moments so far (blocking reads of 2d·S reals, 4d·S with the gradients'), then
    /// forgotten; nil when none were added.
    func takeWindowMoments() throws -> DeviceWindowMoments? {
        guard windowCount > 0 else { return nil }
        let n = dimension * stride
        let staging = UnsafeMutableBufferPointer<R>.allocate(capacity: max(1, n))
        defer { staging.deallocate() }
        func values(_ buffer: Buffer<R>) throws -> [Double] {
            try buffer.read(into: UnsafeMutableBufferPointer(rebasing: staging[0..<n]), blocking: true, queue: queue)
            return [Double](unsafeUninitializedCapacity: dimension * chains) { out, initialised in
                R.unpack(UnsafePointer(staging.baseAddress!), chains: chains, stride: stride, dimension: dimension, into: out)
                initialised = dimension * chains
            }
        }
        var moments = DeviceWindowMoments(chains: chains, count: windowCount, mean: try values(mean), m2: try values(m2))
        if windowGradients, let g = gradientMoments {
            moments.mean += try values(g.mean)
            moments.m2 += try values(g.m2)
        }
        windowCount = 0   // the next window's first draw restarts the moments (`lf_warmup_welford`)
        return moments
    }

    /// Bytes `takeWindowMoments` moves.
    var windowMomentBytes: Int { (windowGradients ? 4 : 2) * dimension * stride * MemoryLayout<R>.size }
}
