import COpenCL
import LeapfrogCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The OpenCL ICD loader, loaded with `dlopen` at the first OpenCL call (`OpenCLRuntime`'s
/// discovery of platforms and devices, which every other OpenCL object comes from).
///
/// Leapfrog does not link libOpenCL: a binary built for another machine then starts, and samples
/// with `--backend cpu` (or `auto`, which falls back to the CPU reference), where no OpenCL loader
/// is installed. The `cl*` functions Swift calls are stubs (Sources/COpenCL) that `load` points at
/// the loader's own.
///
/// The library is the first of `LEAPFROG_OPENCL_LIBRARY` (a path or name, used alone when set;
/// for tests) or `libOpenCL.so.1`, then `libOpenCL.so` that loads. A `static let`, so it is loaded
/// once, under Swift's lazy-initialisation lock, however many threads ask first.
package enum OpenCLLibrary {
    /// The library as loaded, or why it could not be.
    static let state: Result<DynamicLibrary, LoadFailure> = {
        // PoCL reads its settings when the loader first initialises it, so this goes first.
        OpenCLRuntime.preferPoCLSettings()
        return load(candidates: DynamicLibrary.candidates(override: "LEAPFROG_OPENCL_LIBRARY", defaults: defaultCandidates))
    }()

    #if canImport(Darwin)
    static let defaultCandidates = ["/System/Library/Frameworks/OpenCL.framework/OpenCL"]
    #else
    static let defaultCandidates = ["libOpenCL.so.1", "libOpenCL.so"]
    #endif

    /// "the OpenCL library could not be loaded (libOpenCL.so.1: …; libOpenCL.so: …)"
    typealias LoadFailure = DynamicLibrary.Failure

    /// Whether the library is (or can be) loaded; loads it on first use.
    package static var isAvailable: Bool { unavailableReason == nil }

    /// Why the library cannot be loaded, naming each library tried and its `dlerror`; `nil` if it
    /// can. Loads it on first use.
    package static var unavailableReason: String? {
        if case .failure(let failure) = state { return failure.reason }
        return nil
    }

    /// Loads the library if that has not been tried yet. Throws `LeapfrogError(.device, …)` saying
    /// why it cannot be loaded and what to do: install the loader and a driver, or use the CPU.
    package static func require() throws {
        if let reason = unavailableReason { throw LeapfrogError(.device, message(reason: reason)) }
    }

    static func message(reason: String) -> String {
        "OpenCL is not available: \(reason); install the OpenCL ICD loader and a driver "
            + "(Debian/Ubuntu: apt install ocl-icd-libopencl1 pocl-opencl-icd, or your GPU vendor's OpenCL driver), "
            + "or use --backend cpu"
    }

    /// Tries each of `candidates` in turn (as `dlopen` takes them) and binds the OpenCL stubs to
    /// the first that loads and has every function Leapfrog calls.
    static func load(candidates: [String]) -> Result<DynamicLibrary, LoadFailure> {
        DynamicLibrary.load("the OpenCL library", candidates: candidates, bind: leapfrog_opencl_bind)
    }
}
