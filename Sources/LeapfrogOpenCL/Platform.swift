import COpenCL
import LeapfrogCore

/// An OpenCL platform (one installed ICD: PoCL, NVIDIA, …).
///
/// Platform IDs are not reference counted in OpenCL, so there is nothing to release. Platforms are
/// only ever obtained from `OpenCLRuntime`, which enumerates them once per process.
public struct Platform: @unchecked Sendable, Hashable {
    public let id: cl_platform_id

    init(_ id: cl_platform_id) { self.id = id }

    public var name: String { (try? infoString(CL_PLATFORM_NAME)) ?? "?" }
    public var vendor: String { (try? infoString(CL_PLATFORM_VENDOR)) ?? "?" }
    public var version: String { (try? infoString(CL_PLATFORM_VERSION)) ?? "?" }

    /// True for the Portable Computing Language CPU implementation, which needs `ld` at build time.
    public var isPoCL: Bool { name.contains("Portable Computing Language") || name.lowercased().contains("pocl") }

    func infoString(_ param: Int32) throws -> String {
        var size = 0
        try OpenCLStatus.check(clGetPlatformInfo(id, cl_platform_info(param), 0, nil, &size), "clGetPlatformInfo")
        var bytes = [CChar](repeating: 0, count: size + 1)
        try OpenCLStatus.check(clGetPlatformInfo(id, cl_platform_info(param), size, &bytes, nil), "clGetPlatformInfo")
        return trimmedCString(bytes)
    }

    /// The devices of this platform (all types).
    public func devices() throws -> [Device] {
        var count: cl_uint = 0
        let status = clGetDeviceIDs(id, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &count)
        if status == CL_DEVICE_NOT_FOUND || count == 0 { return [] }
        try OpenCLStatus.check(status, "clGetDeviceIDs")
        var ids = [cl_device_id?](repeating: nil, count: Int(count))
        try OpenCLStatus.check(clGetDeviceIDs(id, cl_device_type(CL_DEVICE_TYPE_ALL), count, &ids, nil), "clGetDeviceIDs")
        return ids.compactMap { $0 }.map { Device($0, platform: self) }
    }
}

/// A NUL-terminated C buffer as a Swift string, with trailing whitespace removed
/// (some drivers pad names with spaces).
func trimmedCString(_ bytes: [CChar]) -> String {
    let end = bytes.firstIndex(of: 0) ?? bytes.count
    let utf8 = bytes[..<end].map { UInt8(bitPattern: $0) }
    var text = String(decoding: utf8, as: UTF8.self)
    while let last = text.last, last == " " || last == "\n" || last == "\t" { text.removeLast() }
    while let first = text.first, first == " " { text.removeFirst() }
    return text
}
