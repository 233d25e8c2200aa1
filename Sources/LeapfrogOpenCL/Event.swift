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

    /// Blocks until the command has finished. A command that failed on the device throws with its
    /// own execution status (so `CL_OUT_OF_RESOURCES` during a launch is a `DeviceOutOfMemory`).
    public func wait() throws {
        var event: cl_event? = handle
        let status = clWaitForEvents(1, &event)
        if status == CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST {
            var execution: cl_int = 0
            if clGetEventInfo(handle, cl_event_info(CL_EVENT_COMMAND_EXECUTION_STATUS), MemoryLayout<cl_int>.size,
                              &execution, nil) == CL_SUCCESS, execution < 0 {
                try context.check(execution, "command execution (clWaitForEvents)")
            }
        }
        try context.check(status, "clWaitForEvents")
    }

    /// For a command known to be finished (a later blocking command on the same in-order queue
    /// returned): throws its own failure status, as `wait` would, without another round trip.
    public func checkFinished() throws {
        var execution: cl_int = 0
        try context.check(clGetEventInfo(handle, cl_event_info(CL_EVENT_COMMAND_EXECUTION_STATUS), MemoryLayout<cl_int>.size,
                                         &execution, nil), "clGetEventInfo")
        if execution < 0 { try context.check(execution, "command execution") }
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
