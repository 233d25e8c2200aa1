import COpenCL
import LeapfrogCore

/// A command's completion event. Owns its handle and releases it in deinit.
public final class Event: @unchecked Sendable {
    public let handle: cl_event
    let context: Context

    init(_ handle: cl_event, context: Context) {
        self.handle = handle
        self.context = context
    }

    deinit { clReleaseEvent(handle) }

    /// Blocks until the command has finished; a failed command (negative execution status) throws.
    public func wait() throws {
        var event: cl_event? = handle
        try context.check(clWaitForEvents(1, &event), "clWaitForEvents")
    }

    /// Device time between the command's start and end, in nanoseconds. Needs a queue created with
    /// `profiling: true`.
    public func elapsedNanoseconds() throws -> UInt64 {
        try wait()
        return try profilingInfo(CL_PROFILING_COMMAND_END) &- profilingInfo(CL_PROFILING_COMMAND_START)
    }

    private func profilingInfo(_ param: Int32) throws -> UInt64 {
        var value: cl_ulong = 0
        try context.check(clGetEventProfilingInfo(handle, cl_profiling_info(param), MemoryLayout<cl_ulong>.size,
                                                  &value, nil), "clGetEventProfilingInfo")
        return UInt64(value)
    }
}
