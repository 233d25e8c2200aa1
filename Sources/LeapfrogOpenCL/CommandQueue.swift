import COpenCL
import LeapfrogCore

/// An in-order command queue. Owns its handle and releases it in deinit.
///
/// Enqueue calls are thread-safe in OpenCL, but results are only ordered per queue: give each
/// thread its own queue if it needs its own ordering.
public final class CommandQueue: @unchecked Sendable {
    public let handle: cl_command_queue
    public let context: Context
    public let profiling: Bool

    public init(context: Context, profiling: Bool = false) throws {
        var status: cl_int = 0
        let properties = cl_command_queue_properties(profiling ? CL_QUEUE_PROFILING_ENABLE : 0)
        guard let handle = clCreateCommandQueue(context.handle, context.device.id, properties, &status),
              status == CL_SUCCESS else {
            try OpenCLStatus.fail(status == CL_SUCCESS ? CL_INVALID_COMMAND_QUEUE : status,
                                  "clCreateCommandQueue", device: context.deviceName)
        }
        self.handle = handle
        self.context = context
        self.profiling = profiling
    }

    deinit { clReleaseCommandQueue(handle) }

    /// Blocks until every enqueued command has finished.
    public func finish() throws {
        try context.check(clFinish(handle), "clFinish")
    }

    public func flush() throws {
        try context.check(clFlush(handle), "clFlush")
    }

    /// Launches a 1-D range of `global` work-items in groups of `local`; `global` is rounded up to
    /// a multiple of `local` (kernels guard their own bounds). The local size is always explicit:
    /// PoCL's own choice (2048–4096) crashed the vector kernels.
    @discardableResult
    public func enqueue(_ kernel: Kernel, global: Int, local: Int) throws -> Event {
        precondition(local > 0, "CommandQueue.enqueue: local size must be positive")
        let rounded = max(local, (global + local - 1) / local * local)
        return try enqueue(kernel, global: [rounded], local: [local])
    }

    /// Launches an N-D range; each `global[i]` must be a multiple of `local[i]`.
    @discardableResult
    public func enqueue(_ kernel: Kernel, global: [Int], local: [Int]) throws -> Event {
        precondition(global.count == local.count && (1...3).contains(global.count),
                     "CommandQueue.enqueue: 1 to 3 dimensions, global and local alike")
        var event: cl_event? = nil
        let status = global.withUnsafeBufferPointer { g in
            local.withUnsafeBufferPointer { l in
                clEnqueueNDRangeKernel(handle, kernel.handle, cl_uint(global.count), nil,
                                       g.baseAddress, l.baseAddress, 0, nil, &event)
            }
        }
        try context.check(status, "clEnqueueNDRangeKernel(\(kernel.name), global \(global), local \(local))")
        return Event(event!, context: context)
    }
}
