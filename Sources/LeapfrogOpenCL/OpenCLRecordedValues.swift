import LeapfrogCore
import LeapfrogModel

/// The recorded-values kernel of one bound model on one queue (`OpenCLCodegen.generateRecorded`):
/// one launch per draw computes every chain's constrained parameters and derived quantities, so
/// the host does not recompute them through the CPU reference. Owned by `OpenCLLogDensity`,
/// which serialises calls.
///
/// Cost per draw: one upload of the positions (d × chains numbers), one launch, one download of
/// the outputs (d + derived elements per chain), one blocking round trip.
final class OpenCLRecordedValues<R: DeviceReal>: @unchecked Sendable {
    let generated: GeneratedKernel
    /// Values per chain: the unconstrained dimension, then the derived elements.
    let outputs: Int
    private let dimension: Int
    private let queue: CommandQueue
    private let kernel: Kernel
    private let width: Int
    private let localSize: Int
    private let computeUnits: Int
    private let isCPU: Bool
    private let dataBuffers: [Buffer<R>]
    /// The kernel's large arrays (`DeviceHeap`), grown to the largest launch.
    private var heap: DeviceHeap<R>
    /// Launches, round trips and bytes of the draws recorded so far.
    private(set) var traffic = DeviceTraffic()
    /// Device and host buffers for batches of up to `capacity` padded chains (a layout's stride),
    /// grown, never shrunk: a run records groups of draws whose sizes vary (a stream's last groups
    /// halve), and reallocating for each size cost more than its kernel (2.4 ms for 50 draws of
    /// 128 chains, docs/benchmarks.md).
    private var buffers: (capacity: Int, position: Buffer<R>, recorded: Buffer<R>,
                          hostIn: UnsafeMutableBufferPointer<R>, hostOut: UnsafeMutableBufferPointer<R>)?

    /// Throws when the model's derived quantities are outside what the generator supports, or the
    /// kernel needs more private memory than a CPU work-item has.
    init(_ model: BoundModel, queue: CommandQueue, width: Int, localSize: Int, info: DeviceInfo,
         cache: ProgramCache?) throws {
        (generated, outputs) = try OpenCLCodegen.generateRecorded(model)
        dimension = model.dimension
        self.queue = queue
        self.width = width
        heap = DeviceHeap(queue: queue, info: info, model: model.graph.name)
        computeUnits = info.computeUnits
        isCPU = info.type == .cpu
        let perItem = OpenCLLogDensity<R>.privateBytes(generated.source, width: width, transitionLanes: width)
        if isCPU {
            guard perItem <= OpenCLLogDensity<R>.cpuPrivateBudget else {
                throw LeapfrogError(.device, "the recorded values of model '\(model.graph.name)' need \(perItem / 1024) KiB "
                                    + "of private memory per work-item on '\(info.name)'")
            }
            self.localSize = max(1, min(localSize, OpenCLLogDensity<R>.cpuPrivateBudget / max(perItem, 1)))
        } else {
            self.localSize = localSize
        }
        let program = try KernelLibrary.build(context: queue.context, files: generated.libraryFiles, extra: generated.source,
                                              precision: R.precision, width: width, cache: cache)
        kernel = try Kernel(program: program, name: generated.kernelName)
        dataBuffers = try generated.dataBuffers(model, width: width, queue: queue)
    }

    deinit { release() }

    private func release() {
        if let b = buffers {
            b.hostIn.deallocate()
            b.hostOut.deallocate()
        }
        buffers = nil
    }

    /// Enqueues the kernel on positions already on the device (`position`, chain-fastest over
    /// `stride`, built for this kernel's width) into `recorded` (`outputs` rows over the same
    /// stride), without waiting: a streamed group's kept draws (`MomentsAccumulator`). One launch.
    func enqueue(position: Buffer<R>, recorded: Buffer<R>, chains: Int, stride: Int) throws {
        let items = (chains + width - 1) / width
        precondition(stride >= items * width && stride % width == 0, "OpenCLRecordedValues.enqueue: stride \(stride), width \(width)")
        let groupSize = isCPU ? ChainLayout.cpuGroupSize(items: items, maximum: localSize, computeUnits: computeUnits) : localSize
        try kernel.setArg(0, position)
        try kernel.setArg(1, recorded)
        try setData(workItems: stride / width, stride: stride)
        _ = try queue.enqueue(kernel, global: stride / width, local: groupSize)
    }

    /// Sets the data arguments, the heap for `workItems` work-items among them, and the stride.
    private func setData(workItems: Int, stride: Int) throws {
        let data = try heap.arguments(dataBuffers, for: generated, workItems: workItems, width: width)
        for (k, buffer) in data.enumerated() { try kernel.setArg(2 + k, buffer) }
        try kernel.setArg(2 + data.count, Int32(stride))
    }

    func recordedValues(_ positions: ChainBatch) throws -> ChainBatch {
        let chains = positions.chains
        let items = (chains + width - 1) / width
        let groupSize = isCPU ? ChainLayout.cpuGroupSize(items: items, maximum: localSize, computeUnits: computeUnits) : localSize
        let layout = ChainLayout(chains: chains, width: width, localSize: groupSize)
        let d = max(1, dimension)
        if (buffers?.capacity ?? 0) < layout.stride {
            release()
            let hostIn = UnsafeMutableBufferPointer<R>.allocate(capacity: d * layout.stride)
            let hostOut = UnsafeMutableBufferPointer<R>.allocate(capacity: max(1, outputs) * layout.stride)
            hostIn.initialize(repeating: 0)
            hostOut.initialize(repeating: 0)
            do {
                buffers = (layout.stride,
                           try Buffer<R>(context: queue.context, count: d * layout.stride, access: .readOnly),
                           try Buffer<R>(context: queue.context, count: max(1, outputs) * layout.stride, access: .writeOnly),
                           hostIn, hostOut)
            } catch {
                hostIn.deallocate()
                hostOut.deallocate()
                throw error
            }
        }
        let b = buffers!
        if dimension > 0 {
            positions.values.withUnsafeBufferPointer {
                R.pack($0, chains: chains, stride: layout.stride, dimension: dimension, into: b.hostIn.baseAddress!)
            }
            try b.position.enqueueWrite(from: UnsafeBufferPointer(rebasing: b.hostIn[0..<(dimension * layout.stride)]), queue: queue)
        }
        try kernel.setArg(0, b.position)
        try kernel.setArg(1, b.recorded)
        try setData(workItems: layout.workItems, stride: layout.stride)
        let event = try queue.enqueue(kernel, global: layout.workItems, local: groupSize)
        try b.recorded.read(into: UnsafeMutableBufferPointer(rebasing: b.hostOut[0..<(max(1, outputs) * layout.stride)]),
                            blocking: true, queue: queue)
        try event.checkFinished()
        traffic += DeviceTraffic(launches: 1, roundTrips: 1, bytesToDevice: dimension * layout.stride * MemoryLayout<R>.size,
                                 bytesFromDevice: max(1, outputs) * layout.stride * MemoryLayout<R>.size)
        let values = [Double](unsafeUninitializedCapacity: chains * outputs) { out, initialised in
            if outputs > 0 {
                R.unpack(UnsafePointer(b.hostOut.baseAddress!), chains: chains, stride: layout.stride, dimension: outputs,
                         into: out)
            }
            initialised = chains * outputs
        }
        return ChainBatch(chains: chains, dimension: outputs, values: values)
    }
}
