import CNetCDF
import LeapfrogCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The netCDF-C library, loaded with `dlopen` the first time a `.nc` file is read or written.
///
/// Leapfrog does not link libnetcdf (and through it HDF5, curl, libxml2, OpenSSL, …): a binary
/// built for another machine then starts, and samples with `--csv` or no output, where the
/// library is missing. The `nc_*` functions Swift calls are stubs (Sources/CNetCDF) that
/// `load` points at the library's own.
///
/// The library is the first of `LEAPFROG_NETCDF_LIBRARY` (a path or name, used alone when set;
/// for tests) or `libnetcdf.so.19`, then `libnetcdf.so` (`libnetcdf.dylib` on macOS) that loads.
package enum NetCDFLibrary {
    /// The library as loaded, or why it could not be.
    static let state: Result<Loaded, LoadFailure> =
        load(candidates: DynamicLibrary.candidates(override: "LEAPFROG_NETCDF_LIBRARY", defaults: defaultCandidates))

    #if canImport(Darwin)
    static let defaultCandidates = ["libnetcdf.19.dylib", "libnetcdf.dylib"]
    #else
    static let defaultCandidates = ["libnetcdf.so.19", "libnetcdf.so"]
    #endif

    struct Loaded: @unchecked Sendable {
        let library: DynamicLibrary
        /// HDF5's `H5Eset_auto2` from the HDF5 that this netCDF loaded (`nil` if none); see `NetCDFLock`.
        let hdf5SetAuto: (@convention(c) (Int64, UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Int32)?
    }

    /// "the netCDF C library could not be loaded (libnetcdf.so.19: …; libnetcdf.so: …)"
    typealias LoadFailure = DynamicLibrary.Failure

    /// Whether the library is (or can be) loaded; loads it on first use.
    package static var isAvailable: Bool { unavailableReason == nil }

    /// Why the library cannot be loaded, naming each library tried and its `dlerror`; `nil` if it
    /// can. Loads it on first use.
    package static var unavailableReason: String? {
        if case .failure(let failure) = state { return failure.reason }
        return nil
    }

    /// Loads the library if that has not been tried yet. Throws `LeapfrogError(.io, "path: …")`
    /// saying why it cannot be loaded and what to do: install it, or write Stan CSV instead.
    package static func require(for path: String) throws {
        if let reason = unavailableReason { throw LeapfrogError(.io, message(path: path, reason: reason)) }
    }

    static func message(path: String, reason: String) -> String {
        "\(path): cannot read or write netCDF files: \(reason); install it (Debian/Ubuntu: apt install libnetcdf-dev; "
            + "Fedora: dnf install netcdf) or, with `leapfrog sample`, write Stan CSV instead (--csv)"
    }

    /// Tries each of `candidates` in turn (as `dlopen` takes them) and binds the netCDF stubs to
    /// the first that loads and has every function Leapfrog calls.
    static func load(candidates: [String]) -> Result<Loaded, LoadFailure> {
        DynamicLibrary.load("the netCDF C library", candidates: candidates, bind: leapfrog_netcdf_bind).map { library in
            let setAuto = dlsym(library.handle, "H5Eset_auto2").map {
                unsafeBitCast($0, to: (@convention(c) (Int64, UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Int32).self)
            }
            return Loaded(library: library, hdf5SetAuto: setAuto)
        }
    }
}
