import COpenCL
import LeapfrogCore

/// An OpenCL context on one device. Owns its handle and releases it in deinit.
///
/// OpenCL contexts are thread-safe, so this class is `@unchecked Sendable`.
public final class Context: @unchecked Sendable {
    public let handle: cl_context
    public let device: Device
    /// Cached device name, for error messages.
    public let deviceName: String

    public init(device: Device) throws {
        var status: cl_int = 0
        var deviceID: cl_device_id? = device.id
        let name = device.name
        guard let handle = clCreateContext(nil, 1, &deviceID, nil, nil, &status), status == CL_SUCCESS else {
            try OpenCLStatus.fail(status == CL_SUCCESS ? CL_INVALID_CONTEXT : status, "clCreateContext", device: name)
        }
        self.handle = handle
        self.device = device
        self.deviceName = name
    }

    deinit { clReleaseContext(handle) }

    /// Throws the standard error for a failed call made in this context.
    func check(_ status: cl_int, _ call: @autoclosure () -> String) throws {
        if status == CL_SUCCESS { return }
        try OpenCLStatus.fail(status, call(), device: deviceName)
    }
}
