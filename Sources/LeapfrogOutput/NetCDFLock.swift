#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// netCDF-C (and the HDF5 under it, as Debian builds it) is not thread-safe: every netCDF
/// call in this module runs while holding this one process-wide recursive lock, so readers
/// and writers may be used from different threads (one object from one thread at a time).
enum NetCDFLock {
    nonisolated(unsafe) private static let mutex: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_RECURSIVE))
        pthread_mutex_init(m, &attributes)
        pthread_mutexattr_destroy(&attributes)
        return m
    }()

    /// Takes the lock and turns off HDF5's automatic error printing on this thread (with the HDF5
    /// that the netCDF library loaded, if it loaded; see `NetCDFLibrary`). netCDF
    /// turns it off only on the thread that initialised it, and netCDF 4.9.0 probes for
    /// missing `_Quantize…` attributes on open, which a thread-safe HDF5 then prints as
    /// "HDF5-DIAG" noise (Unidata/netcdf-c#2674). Errors are still returned as statuses.
    static func lock() {
        pthread_mutex_lock(mutex)
        if case .success(let library) = NetCDFLibrary.state { _ = library.hdf5SetAuto?(0, nil, nil) }
    }

    static func unlock() { pthread_mutex_unlock(mutex) }

    static func run<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
