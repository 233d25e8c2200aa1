import COpenCL
import LeapfrogCore

/// An OpenCL device. Root device IDs are not reference counted, so there is nothing to release.
public struct Device: @unchecked Sendable, Hashable {
    public let id: cl_device_id
    public let platform: Platform

    init(_ id: cl_device_id, platform: Platform) {
        self.id = id
        self.platform = platform
    }

    public var name: String { (try? string(CL_DEVICE_NAME)) ?? "?" }

    /// Everything `leapfrog devices` shows, and what kernel generation needs to pick its tunables.
    public func info() throws -> DeviceInfo {
        let extensions = try string(CL_DEVICE_EXTENSIONS)
        let rawType: cl_device_type = try scalar(CL_DEVICE_TYPE)
        let type: DeviceInfo.DeviceType
        if rawType & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 { type = .gpu }
        else if rawType & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 { type = .accelerator }
        else if rawType & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 { type = .cpu }
        else { type = .other }
        let doubleConfig: cl_device_fp_config = (try? scalar(CL_DEVICE_DOUBLE_FP_CONFIG)) ?? 0
        let workItemDims: cl_uint = try scalar(CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS)
        var itemSizes = [Int](repeating: 0, count: Int(workItemDims))
        try itemSizes.withUnsafeMutableBytes { raw in
            try OpenCLStatus.check(clGetDeviceInfo(id, cl_device_info(CL_DEVICE_MAX_WORK_ITEM_SIZES), raw.count,
                                                   raw.baseAddress, nil), "clGetDeviceInfo", device: name)
        }
        let u = { (param: Int32) throws -> Int in Int(try self.scalar(param) as cl_uint) }
        let u64 = { (param: Int32) throws -> UInt64 in UInt64(try self.scalar(param) as cl_ulong) }
        return DeviceInfo(
            platformName: platform.name,
            platformVersion: platform.version,
            name: try string(CL_DEVICE_NAME),
            vendor: try string(CL_DEVICE_VENDOR),
            type: type,
            computeUnits: try u(CL_DEVICE_MAX_COMPUTE_UNITS),
            clockMHz: try u(CL_DEVICE_MAX_CLOCK_FREQUENCY),
            globalMemory: try u64(CL_DEVICE_GLOBAL_MEM_SIZE),
            maxAllocation: try u64(CL_DEVICE_MAX_MEM_ALLOC_SIZE),
            localMemory: try u64(CL_DEVICE_LOCAL_MEM_SIZE),
            maxWorkGroupSize: Int(try scalar(CL_DEVICE_MAX_WORK_GROUP_SIZE) as Int),
            maxWorkItemSizes: itemSizes,
            supportsFP64: doubleConfig != 0 || extensions.split(separator: " ").contains("cl_khr_fp64"),
            driverVersion: try string(CL_DRIVER_VERSION),
            deviceVersion: try string(CL_DEVICE_VERSION),
            openCLCVersion: try string(CL_DEVICE_OPENCL_C_VERSION),
            preferredVectorWidthFloat: try u(CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT),
            preferredVectorWidthDouble: try u(CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE),
            nativeVectorWidthFloat: try u(CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT),
            nativeVectorWidthDouble: try u(CL_DEVICE_NATIVE_VECTOR_WIDTH_DOUBLE),
            extensions: extensions.split(separator: " ").map(String.init))
    }

    func string(_ param: Int32) throws -> String {
        var size = 0
        try OpenCLStatus.check(clGetDeviceInfo(id, cl_device_info(param), 0, nil, &size), "clGetDeviceInfo")
        var bytes = [CChar](repeating: 0, count: size + 1)
        try OpenCLStatus.check(clGetDeviceInfo(id, cl_device_info(param), size, &bytes, nil), "clGetDeviceInfo")
        return trimmedCString(bytes)
    }

    func scalar<T: BitwiseCopyable>(_ param: Int32) throws -> T {
        var value = [UInt8](repeating: 0, count: MemoryLayout<T>.size)
        try value.withUnsafeMutableBytes { raw in
            try OpenCLStatus.check(clGetDeviceInfo(id, cl_device_info(param), raw.count, raw.baseAddress, nil),
                                   "clGetDeviceInfo(0x\(String(param, radix: 16)))")
        }
        return value.withUnsafeBytes { $0.loadUnaligned(as: T.self) }
    }
}
