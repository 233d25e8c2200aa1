import COpenCL
import LeapfrogCore

/// A built OpenCL program. Owns its handle and releases it in deinit.
///
/// Building checks for PoCL's linker first, then tries the binary cache, then compiles the source.
/// A failed compile throws a `.device` error carrying the compiler log, the build options and the
/// path of a file holding the exact source that failed.
public final class Program: @unchecked Sendable {
    public let handle: cl_program
    public let context: Context
    public let options: String

    public enum Origin: Sendable, Equatable {
        /// Compiled from source (and then stored in the cache, if one was given).
        case source
        /// Loaded from the binary cache.
        case cache
    }
    public let origin: Origin

    /// The build log of a source build (empty for a cached binary).
    public let buildLog: String

    public init(context: Context, source: String, options: String = "", cache: ProgramCache? = ProgramCache.default) throws {
        try OpenCLRuntime.checkLinker(for: context.device)
        let info = try context.device.info()
        let key = ProgramCache.key(source: source, options: options, deviceName: info.name,
                                   driverVersion: info.driverVersion, platformVersion: info.platformVersion)
        self.context = context
        self.options = options

        if let cache, let binary = cache.load(key), let handle = Program.fromBinary(context, binary, options: options) {
            self.handle = handle
            self.origin = .cache
            self.buildLog = ""
            return
        }
        if let cache { cache.remove(key) }

        let (handle, log) = try Program.fromSource(context, source, options: options, key: key, cache: cache)
        self.handle = handle
        self.origin = .source
        self.buildLog = log
        if let cache, let binary = try? binary() { cache.store(binary, for: key) }
    }

    deinit { clReleaseProgram(handle) }

    /// The device binary (for PoCL, LLVM bitcode; for NVIDIA, PTX).
    public func binary() throws -> [UInt8] {
        var size = 0
        try context.check(clGetProgramInfo(handle, cl_program_info(CL_PROGRAM_BINARY_SIZES), MemoryLayout<Int>.size,
                                           &size, nil), "clGetProgramInfo(CL_PROGRAM_BINARY_SIZES)")
        guard size > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: size)
        let status = bytes.withUnsafeMutableBytes { raw -> cl_int in
            var pointer: UnsafeMutablePointer<UInt8>? = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            return clGetProgramInfo(handle, cl_program_info(CL_PROGRAM_BINARIES),
                                    MemoryLayout<UnsafeMutablePointer<UInt8>?>.size, &pointer, nil)
        }
        try context.check(status, "clGetProgramInfo(CL_PROGRAM_BINARIES)")
        return bytes
    }

    /// A program from a cached binary, or nil if the driver rejects it in any way.
    private static func fromBinary(_ context: Context, _ binary: [UInt8], options: String) -> cl_program? {
        var status: cl_int = 0
        var binaryStatus: cl_int = 0
        var device: cl_device_id? = context.device.id
        var length = binary.count
        let program: cl_program? = binary.withUnsafeBufferPointer { buffer in
            var pointer: UnsafePointer<UInt8>? = buffer.baseAddress
            return clCreateProgramWithBinary(context.handle, 1, &device, &length, &pointer, &binaryStatus, &status)
        }
        guard let program, status == CL_SUCCESS, binaryStatus == CL_SUCCESS else {
            if let program { clReleaseProgram(program) }
            return nil
        }
        guard clBuildProgram(program, 1, &device, options, nil, nil) == CL_SUCCESS else {
            clReleaseProgram(program)
            return nil
        }
        return program
    }

    private static func fromSource(_ context: Context, _ source: String, options: String, key: ProgramCache.Key,
                                   cache: ProgramCache?) throws -> (cl_program, String) {
        var status: cl_int = 0
        let created: cl_program? = source.withCString { text in
            var pointer: UnsafePointer<CChar>? = text
            return clCreateProgramWithSource(context.handle, 1, &pointer, nil, &status)
        }
        guard let program = created, status == CL_SUCCESS else {
            try OpenCLStatus.fail(status == CL_SUCCESS ? CL_INVALID_PROGRAM : status, "clCreateProgramWithSource",
                                  device: context.deviceName)
        }
        var device: cl_device_id? = context.device.id
        let built = clBuildProgram(program, 1, &device, options, nil, nil)
        let log = buildLog(program, context.device)
        if built != CL_SUCCESS {
            clReleaseProgram(program)
            let path = saveFailedSource(source, options: options, key: key, cache: cache)
            var detail = "build options: \(options.isEmpty ? "(none)" : options)\n"
            detail += path.map { "source written to \($0)\n" } ?? "the source could not be written to a file\n"
            detail += "compiler log:\n" + (log.isEmpty ? "(empty)" : log)
            try OpenCLStatus.fail(built, "clBuildProgram", device: context.deviceName, detail: detail)
        }
        return (program, log)
    }

    private static func buildLog(_ program: cl_program, _ device: Device) -> String {
        var size = 0
        guard clGetProgramBuildInfo(program, device.id, cl_program_build_info(CL_PROGRAM_BUILD_LOG), 0, nil, &size)
                == CL_SUCCESS, size > 0 else { return "" }
        var bytes = [CChar](repeating: 0, count: size + 1)
        guard clGetProgramBuildInfo(program, device.id, cl_program_build_info(CL_PROGRAM_BUILD_LOG), size, &bytes, nil)
                == CL_SUCCESS else { return "" }
        return trimmedCString(bytes)
    }

    /// Writes the failing source next to the cache (or in the temporary directory), with the build
    /// options in a leading comment. Returns the path, or nil if nothing could be written.
    private static func saveFailedSource(_ source: String, options: String, key: ProgramCache.Key,
                                         cache: ProgramCache?) -> String? {
        let text = "// leapfrog: this source failed to build with options: \(options)\n" + source
        var directories: [String] = []
        if let cache { directories.append(cache.directory + "/failed") }
        directories.append(FileIO.temporaryDirectory + "/leapfrog-failed")
        for directory in directories where FileIO.makeDirectories(directory) {
            let path = "\(directory)/\(key.hex).cl"
            if FileIO.writeAtomically(path, Array(text.utf8)) { return path }
        }
        return nil
    }
}
