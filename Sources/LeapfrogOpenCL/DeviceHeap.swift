import COpenCL
import LeapfrogCore

/// The global memory behind a generated kernel's large arrays (`Generator.heapDeclarations`): one
/// slice of `GeneratedKernel.heapElements` × W numbers per work-item, the work-item's at its
/// global id (`lf_heap` in the kernel). A launcher keeps one, grown to its largest launch and then
/// reused; every launch writes a slice before reading it, so nothing in it outlives a launch.
///
/// Cost: what private memory cost before, moved to global memory — on a CPU device the same
/// caches (a 400-point GP's covariance is 10 MiB per work-item either way); on a GPU the slices
/// are not interleaved between work-items, so their reads do not coalesce.
struct DeviceHeap<R: DeviceReal> {
    let queue: CommandQueue
    let info: DeviceInfo
    /// The model's name, for messages.
    let model: String
    private var buffer: Buffer<R>?

    init(queue: CommandQueue, info: DeviceInfo, model: String) {
        self.queue = queue
        self.info = info
        self.model = model
    }

    /// `data` followed by the heap for a launch of `workItems` work-items of `kernel` built with
    /// W = `width`, or `data` alone when the kernel has no heap. Throws `DeviceOutOfMemory`, with
    /// the figures, when the heap exceeds the device's largest buffer (so that a caller splitting
    /// its chains tries fewer) or cannot be allocated.
    mutating func arguments(_ data: [Buffer<R>], for kernel: GeneratedKernel, workItems: Int, width: Int) throws -> [Buffer<R>] {
        guard kernel.heapElements > 0 else { return data }
        let count = workItems * kernel.heapElements * width
        if let buffer, buffer.count >= count { return data + [buffer] }
        try checkSize(kernel, workItems: workItems, width: width)
        buffer = nil   // release the smaller one first
        do {
            buffer = try Buffer<R>(context: queue.context, count: count, access: .readWrite)
        } catch var failure as DeviceOutOfMemory {
            failure.message = need(kernel, workItems: workItems, width: width) + ": " + failure.message
            throw failure
        }
        return data + [buffer!]
    }

    /// Numbers the heap holds now.
    var count: Int { buffer?.count ?? 0 }

    /// Gives the heap's buffer back (the next launch makes it again).
    mutating func release() { buffer = nil }

    /// Throws `DeviceOutOfMemory` when the heap of `workItems` work-items of `kernel` (built with
    /// W = `width`) exceeds the device's largest buffer.
    func checkSize(_ kernel: GeneratedKernel, workItems: Int, width: Int) throws {
        let bytes = Double(workItems * kernel.heapElements * width * MemoryLayout<R>.size)
        guard bytes > Double(info.maxAllocation) else { return }
        throw DeviceOutOfMemory(status: CL_MEM_OBJECT_ALLOCATION_FAILURE, call: "DeviceHeap", device: info.name,
                                message: need(kernel, workItems: workItems, width: width)
                                    + ", more than the largest buffer '\(info.name)' allows "
                                    + "(\(NumberFormat.bytes(Double(info.maxAllocation)))); run fewer chains")
    }

    /// What the heap needs, in words.
    private func need(_ kernel: GeneratedKernel, workItems: Int, width: Int) -> String {
        let perItem = Double(kernel.heapElements * width * MemoryLayout<R>.size)
        return "model '\(model)' keeps \(NumberFormat.bytes(perItem)) of large intermediate values per work-item in device "
            + "memory: \(NumberFormat.grouped(workItems)) work-items need \(NumberFormat.bytes(perItem * Double(workItems)))"
    }
}
