#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A C library opened with `dlopen` when first needed, whose functions Leapfrog's C stubs are bound
/// to (Sources/CNetCDF, Sources/COpenCL): what `NetCDFLibrary` and `OpenCLLibrary` share, so that
/// a binary starts, and runs what needs neither, where the library is missing.
public struct DynamicLibrary: @unchecked Sendable {
    public let handle: UnsafeMutableRawPointer
    /// The candidate that loaded, as `dlopen` took it.
    public let path: String

    /// Why no candidate could be used, naming each one tried and its problem.
    public struct Failure: Error, Sendable {
        public let reason: String
    }

    /// The value of the environment variable `override` alone when it is set (tests point it at a
    /// missing file), else `defaults` in order.
    public static func candidates(override: String, defaults: [String]) -> [String] {
        getenv(override).map { [String(cString: $0)] } ?? defaults
    }

    /// Tries each of `candidates` in turn and keeps the first that loads and that `bind` accepts:
    /// `bind(handle)` points the stubs at the library and returns the name of a function it lacks,
    /// or nil. `what` names the library in the failure ("the netCDF C library").
    public static func load(_ what: String, candidates: [String],
                            bind: (UnsafeMutableRawPointer) -> UnsafePointer<CChar>?) -> Result<DynamicLibrary, Failure> {
        var problems: [String] = []
        for name in candidates {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                problems.append(dlerror().map { String(cString: $0) } ?? "\(name): cannot be loaded")
                continue
            }
            if let missing = bind(handle) {
                problems.append("\(name): has no function \(String(cString: missing))")
                dlclose(handle)
                continue
            }
            return .success(DynamicLibrary(handle: handle, path: name))
        }
        return .failure(Failure(reason: "\(what) could not be loaded (\(problems.joined(separator: "; ")))"))
    }
}
