import COpenCL
import LeapfrogCore

/// OpenCL status codes: names for messages, and the check every wrapper call goes through.
package enum OpenCLStatus {
    /// The symbolic name of an OpenCL status code, e.g. `CL_BUILD_PROGRAM_FAILURE`.
    package static func name(_ status: Int32) -> String {
        switch status {
        case 0: return "CL_SUCCESS"
        case -1: return "CL_DEVICE_NOT_FOUND"
        case -2: return "CL_DEVICE_NOT_AVAILABLE"
        case -3: return "CL_COMPILER_NOT_AVAILABLE"
        case -4: return "CL_MEM_OBJECT_ALLOCATION_FAILURE"
        case -5: return "CL_OUT_OF_RESOURCES"
        case -6: return "CL_OUT_OF_HOST_MEMORY"
        case -7: return "CL_PROFILING_INFO_NOT_AVAILABLE"
        case -8: return "CL_MEM_COPY_OVERLAP"
        case -9: return "CL_IMAGE_FORMAT_MISMATCH"
        case -10: return "CL_IMAGE_FORMAT_NOT_SUPPORTED"
        case -11: return "CL_BUILD_PROGRAM_FAILURE"
        case -12: return "CL_MAP_FAILURE"
        case -13: return "CL_MISALIGNED_SUB_BUFFER_OFFSET"
        case -14: return "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST"
        case -15: return "CL_COMPILE_PROGRAM_FAILURE"
        case -16: return "CL_LINKER_NOT_AVAILABLE"
        case -17: return "CL_LINK_PROGRAM_FAILURE"
        case -18: return "CL_DEVICE_PARTITION_FAILED"
        case -19: return "CL_KERNEL_ARG_INFO_NOT_AVAILABLE"
        case -30: return "CL_INVALID_VALUE"
        case -31: return "CL_INVALID_DEVICE_TYPE"
        case -32: return "CL_INVALID_PLATFORM"
        case -33: return "CL_INVALID_DEVICE"
        case -34: return "CL_INVALID_CONTEXT"
        case -35: return "CL_INVALID_QUEUE_PROPERTIES"
        case -36: return "CL_INVALID_COMMAND_QUEUE"
        case -37: return "CL_INVALID_HOST_PTR"
        case -38: return "CL_INVALID_MEM_OBJECT"
        case -39: return "CL_INVALID_IMAGE_FORMAT_DESCRIPTOR"
        case -40: return "CL_INVALID_IMAGE_SIZE"
        case -41: return "CL_INVALID_SAMPLER"
        case -42: return "CL_INVALID_BINARY"
        case -43: return "CL_INVALID_BUILD_OPTIONS"
        case -44: return "CL_INVALID_PROGRAM"
        case -45: return "CL_INVALID_PROGRAM_EXECUTABLE"
        case -46: return "CL_INVALID_KERNEL_NAME"
        case -47: return "CL_INVALID_KERNEL_DEFINITION"
        case -48: return "CL_INVALID_KERNEL"
        case -49: return "CL_INVALID_ARG_INDEX"
        case -50: return "CL_INVALID_ARG_VALUE"
        case -51: return "CL_INVALID_ARG_SIZE"
        case -52: return "CL_INVALID_KERNEL_ARGS"
        case -53: return "CL_INVALID_WORK_DIMENSION"
        case -54: return "CL_INVALID_WORK_GROUP_SIZE"
        case -55: return "CL_INVALID_WORK_ITEM_SIZE"
        case -56: return "CL_INVALID_GLOBAL_OFFSET"
        case -57: return "CL_INVALID_EVENT_WAIT_LIST"
        case -58: return "CL_INVALID_EVENT"
        case -59: return "CL_INVALID_OPERATION"
        case -60: return "CL_INVALID_GL_OBJECT"
        case -61: return "CL_INVALID_BUFFER_SIZE"
        case -62: return "CL_INVALID_MIP_LEVEL"
        case -63: return "CL_INVALID_GLOBAL_WORK_SIZE"
        case -64: return "CL_INVALID_PROPERTY"
        case -65: return "CL_INVALID_IMAGE_DESCRIPTOR"
        case -66: return "CL_INVALID_COMPILER_OPTIONS"
        case -67: return "CL_INVALID_LINKER_OPTIONS"
        case -68: return "CL_INVALID_DEVICE_PARTITION_COUNT"
        case -1001: return "CL_PLATFORM_NOT_FOUND_KHR"
        default: return "unknown OpenCL status"
        }
    }

    /// Statuses that mean "this much work does not fit": the caller can retry with fewer chains.
    package static func isOutOfMemory(_ status: Int32) -> Bool {
        status == CL_MEM_OBJECT_ALLOCATION_FAILURE || status == CL_OUT_OF_RESOURCES
            || status == CL_OUT_OF_HOST_MEMORY
    }

    /// The message every failed call produces:
    /// `clBuildProgram failed: CL_BUILD_PROGRAM_FAILURE (-11) on device 'pthread-…'`.
    package static func message(call: String, status: Int32, device: String?) -> String {
        var text = "\(call) failed: \(name(status)) (\(status))"
        if let device { text += " on device '\(device)'" }
        return text
    }

    /// Throws unless `status` is `CL_SUCCESS`: `DeviceOutOfMemory` for allocation failures,
    /// `LeapfrogError(.device, …)` for everything else.
    @inline(__always)
    static func check(_ status: Int32, _ call: @autoclosure () -> String,
                      device: @autoclosure () -> String? = nil) throws {
        if status == CL_SUCCESS { return }
        try fail(status, call(), device: device())
    }

    static func fail(_ status: Int32, _ call: String, device: String?, detail: String? = nil) throws -> Never {
        var text = message(call: call, status: status, device: device)
        if let detail, !detail.isEmpty { text += "\n" + detail }
        if isOutOfMemory(status) {
            throw DeviceOutOfMemory(status: status, call: call, device: device, message: text)
        }
        throw LeapfrogError(.device, text)
    }
}

/// An OpenCL allocation or resource failure (`CL_MEM_OBJECT_ALLOCATION_FAILURE`,
/// `CL_OUT_OF_RESOURCES`, `CL_OUT_OF_HOST_MEMORY`), kept apart from other device errors so that a
/// caller can split its chain batch and try again (see `withChainSplitting`).
///
/// `LeapfrogError.Kind` has no case for this, so it is its own type; `leapfrogError` gives the
/// `.device` error to show a user when splitting cannot help.
package struct DeviceOutOfMemory: Error, CustomStringConvertible, Sendable, Equatable {
    package var status: Int32
    package var call: String
    package var device: String?
    package var message: String

    package var description: String { message }
    package var leapfrogError: LeapfrogError { LeapfrogError(.device, message) }
}
