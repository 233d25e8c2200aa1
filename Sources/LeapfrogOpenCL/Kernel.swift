import COpenCL
import LeapfrogCore

/// A kernel of a built program. Owns its handle and releases it in deinit.
///
/// Not `Sendable`: OpenCL kernel objects are not safe to set arguments on from two threads at once.
/// Create one `Kernel` per thread from a shared `Program` instead.
public final class Kernel {
    public let handle: cl_kernel
    public let name: String
    public let program: Program

    public init(program: Program, name: String) throws {
        var status: cl_int = 0
        guard let handle = clCreateKernel(program.handle, name, &status), status == CL_SUCCESS else {
            try OpenCLStatus.fail(status == CL_SUCCESS ? CL_INVALID_KERNEL : status, "clCreateKernel(\(name))",
                                  device: program.context.deviceName)
        }
        self.handle = handle
        self.name = name
        self.program = program
    }

    deinit { clReleaseKernel(handle) }

    /// Sets a scalar argument (`Int32`, `UInt32`, `Float`, `Double`, …): pass the exact type the
    /// kernel declares (`int` is `Int32`, `real` is `Float` or `Double`).
    public func setArg<T: BitwiseCopyable>(_ index: Int, _ value: T) throws {
        var copy = value
        try program.context.check(clSetKernelArg(handle, cl_uint(index), MemoryLayout<T>.size, &copy),
                                  "clSetKernelArg(\(name), \(index), \(T.self))")
    }

    /// Sets a buffer argument.
    public func setArg<E>(_ index: Int, _ buffer: Buffer<E>) throws {
        var mem: cl_mem? = buffer.handle
        try program.context.check(clSetKernelArg(handle, cl_uint(index), MemoryLayout<cl_mem>.size, &mem),
                                  "clSetKernelArg(\(name), \(index), buffer)")
    }

    /// Sets a `__local` array argument of `bytes` bytes.
    public func setLocalMemory(_ index: Int, bytes: Int) throws {
        try program.context.check(clSetKernelArg(handle, cl_uint(index), bytes, nil),
                                  "clSetKernelArg(\(name), \(index), local \(bytes) B)")
    }

    /// The largest work-group this kernel can run with on its device (`CL_KERNEL_WORK_GROUP_SIZE`).
    public func maxWorkGroupSize() throws -> Int {
        var value = 0
        try program.context.check(clGetKernelWorkGroupInfo(handle, program.context.device.id,
                                                           cl_kernel_work_group_info(CL_KERNEL_WORK_GROUP_SIZE),
                                                           MemoryLayout<Int>.size, &value, nil),
                                  "clGetKernelWorkGroupInfo(\(name))")
        return value
    }
}
