import LeapfrogCore
import LeapfrogModel

/// Running per-chain moments of kept draws, accumulated on the device (`sample --keep moments` on
/// OpenCL): for each kept draw left on the device by a streamed group (`OpenCLTrajectories`), the
/// recorded values (constrained parameters, derived quantities: `OpenCLRecordedValues`) are
/// computed into a scratch buffer and lp__ and every recorded value are added to the chain's
/// running moments by `lf_moments_add` (Kernels/moments.cl, the device twin of
/// `ChainMoments.add`: Welford's update, one half of each chain at a time). Nothing of size
/// chains × draws × values crosses the bus: `read` returns chains × quantities × 5 numbers once.
///
/// Cost per kept draw: one device-side copy of its positions (d·S reals), two launches, no
/// transfer, no wait. Memory on the device: S·(d + Q' + 5Q) reals (Q = 1 + Q' quantities, S the
/// padded chains).
final class MomentsAccumulator<R: DeviceReal>: @unchecked Sendable {
    let chains: Int
    let stride: Int
    let width: Int
    /// Values per chain and draw: lp__, then the recorded values.
    let quantities: Int
    private let dimension: Int
    private let queue: CommandQueue
    private let recorder: OpenCLRecordedValues<R>
    private let kernel: Kernel
    private let position, recorded: Buffer<R>
    /// means[h], m2[h]: half h; nonFinite over both halves. Element (q, c) at q·stride + c.
    private let means, m2: [Buffer<R>]
    private let nonFinite: Buffer<R>
    /// Draws added to each half (every chain alike).
    private(set) var counts = [0, 0]

    /// Throws when the model's recorded values cannot be computed on the device.
    init(_ model: BoundModel, queue: CommandQueue, chains: Int, stride: Int, width: Int, localSize: Int, info: DeviceInfo,
         cache: ProgramCache?) throws {
        self.chains = chains
        self.stride = stride
        self.width = width
        self.queue = queue
        dimension = model.dimension
        recorder = try OpenCLRecordedValues<R>(model, queue: queue, width: width, localSize: localSize, info: info, cache: cache)
        quantities = 1 + recorder.outputs
        let program = try KernelLibrary.build(context: queue.context, files: ["moments"], precision: R.precision, width: width,
                                              cache: cache)
        kernel = try Kernel(program: program, name: "lf_moments_add")
        func zeroed(_ count: Int) throws -> Buffer<R> {
            let b = try Buffer<R>(context: queue.context, count: count)
            try b.fill(0, queue: queue)
            return b
        }
        position = try zeroed(max(1, dimension) * stride)
        recorded = try zeroed(max(1, recorder.outputs) * stride)
        means = [try zeroed(quantities * stride), try zeroed(quantities * stride)]
        m2 = [try zeroed(quantities * stride), try zeroed(quantities * stride)]
        nonFinite = try zeroed(quantities * stride)
    }

    /// Enqueues the addition of one kept draw to half `half` (0 or 1): its positions are `d`
    /// rows of `kept` from `offset` and its log density the row after them (the layout of a
    /// streamed ring's kept draws), over this accumulator's stride. Does not wait.
    func enqueueAdd(kept: Buffer<R>, offset: Int, half: Int) throws {
        precondition(half == 0 || half == 1, "MomentsAccumulator.enqueueAdd: half \(half)")
        counts[half] += 1
        let s = stride
        if dimension > 0 {
            try kept.enqueueCopy(to: position, offset: offset, count: dimension * s, queue: queue)
        }
        try recorder.enqueue(position: position, recorded: recorded, chains: chains, stride: s)
        try kernel.setArg(0, recorded)
        try kernel.setArg(1, Int32(recorder.outputs))
        try kernel.setArg(2, kept)
        try kernel.setArg(3, Int32(offset + dimension * s))
        try kernel.setArg(4, means[half])
        try kernel.setArg(5, m2[half])
        try kernel.setArg(6, nonFinite)
        try kernel.setArg(7, Int32(s))
        try kernel.setArg(8, Int32(chains))
        try kernel.setArg(9, R(Double(counts[half])))
        let local = Self.localSize
        _ = try queue.enqueue(kernel, global: [(chains + local - 1) / local * local, quantities], local: [local, 1])
    }

    /// Work-items per group along the chains of `lf_moments_add`.
    static var localSize: Int { 64 }

    /// The moments so far: five blocking reads of quantities × stride reals, one buffer at a time
    /// through one staging buffer (at 10⁶ chains the host holds one buffer's staging, not five).
    func read() throws -> DeviceMoments {
        let n = quantities * stride
        let staging = UnsafeMutableBufferPointer<R>.allocate(capacity: n)
        defer { staging.deallocate() }
        func values(_ buffer: Buffer<R>) throws -> [Double] {
            try buffer.read(into: staging, blocking: true, queue: queue)
            return [Double](unsafeUninitializedCapacity: quantities * chains) { out, initialised in
                R.unpack(UnsafePointer(staging.baseAddress!), chains: chains, stride: stride, dimension: quantities, into: out)
                initialised = quantities * chains
            }
        }
        let means = [try values(self.means[0]), try values(self.means[1])]
        let m2 = [try values(self.m2[0]), try values(self.m2[1])]
        let flags = try values(nonFinite)
        let counted = (0..<quantities).map { q in
            flags[(q * chains)..<((q + 1) * chains)].reduce(0) { $0 + Int($1) }
        }
        return DeviceMoments(chains: chains, quantities: quantities, counts: counts, means: means, m2: m2, nonFinite: counted)
    }

    /// Blocking reads `read` makes.
    static var readRoundTrips: Int { 5 }

    /// Bytes `read` moves.
    var readBytes: Int { 5 * quantities * stride * MemoryLayout<R>.size }
}
