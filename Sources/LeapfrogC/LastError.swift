#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The last error message of the calling thread, as `leapfrog_last_error()` returns it: set by
/// every failing call, cleared by every successful one, valid until the thread's next call.
/// Kept in thread-local storage (a pthread key), so threads never see each other's errors.
enum LastError {
    /// The key; its destructor frees a thread's message when the thread exits.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in free(pointer) }
        return key
    }()

    /// An empty string for "no error", shared and never freed.
    private static let empty: UnsafeMutablePointer<CChar> = strdup("")!

    static func set(_ message: String?) {
        let old = pthread_getspecific(key)
        let new: UnsafeMutablePointer<CChar>? = message.map { strdup($0) }
        pthread_setspecific(key, new.map(UnsafeRawPointer.init))
        free(old)
    }

    static var current: UnsafePointer<CChar> {
        guard let p = pthread_getspecific(key) else { return UnsafePointer(empty) }
        return UnsafePointer(p.assumingMemoryBound(to: CChar.self))
    }
}
