import Leapfrog

/// The status every C function returns (`LEAPFROG_OK`, `LEAPFROG_ERROR_…` in `include/leapfrog.h`):
/// zero for success, else the kind of error; the message is `leapfrog_last_error()`'s.
enum Status: Int32 {
    case ok = 0
    case data = 1
    case model = 2
    case configuration = 3
    case device = 4
    case sampling = 5
    case io = 6
    /// A null pointer, a size that does not match, an unknown name at the boundary.
    case argument = 7
    /// A Swift error that is not a `LeapfrogError` (a bug: please report it).
    case `internal` = 8

    init(_ kind: LeapfrogError.Kind) {
        switch kind {
        case .data: self = .data
        case .model: self = .model
        case .configuration: self = .configuration
        case .device: self = .device
        case .sampling: self = .sampling
        case .io: self = .io
        }
    }
}

/// Runs `body`, turning any error into a status and the thread's last error message, so that no
/// Swift error crosses the C boundary. Success clears the message.
func guarded(_ body: () throws -> Void) -> Int32 {
    do {
        try body()
        LastError.set(nil)
        return Status.ok.rawValue
    } catch let error as LeapfrogError {
        LastError.set(error.message)
        return Status(error.kind).rawValue
    } catch let error as BoundaryError {
        LastError.set(error.message)
        return Status.argument.rawValue
    } catch {
        LastError.set("\(error)")
        return Status.internal.rawValue
    }
}

/// A caller's mistake at the C boundary (a null pointer, a wrong size): `LEAPFROG_ERROR_ARGUMENT`.
struct BoundaryError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// A required C string, or an argument error naming the parameter.
func string(_ pointer: UnsafePointer<CChar>?, _ name: String) throws -> String {
    guard let pointer else { throw BoundaryError("\(name) is NULL") }
    return String(cString: pointer)
}

/// An optional C string: NULL and "" are nil.
func optionalString(_ pointer: UnsafePointer<CChar>?) -> String? {
    guard let pointer, pointer.pointee != 0 else { return nil }
    return String(cString: pointer)
}
