/// Opaque handles: a retained Swift object behind a `leapfrog_model *` or `leapfrog_run *`.
enum Handles {
    static func make<T: AnyObject>(_ object: T) -> OpaquePointer {
        OpaquePointer(Unmanaged.passRetained(object).toOpaque())
    }

    /// The object behind `pointer`, or an argument error naming the parameter when it is NULL.
    static func object<T: AnyObject>(_ pointer: OpaquePointer?, _ type: T.Type, _ name: String) throws -> T {
        guard let pointer else { throw BoundaryError("\(name) is NULL") }
        return Unmanaged<T>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }

    static func release<T: AnyObject>(_ pointer: OpaquePointer?, _ type: T.Type) {
        guard let pointer else { return }
        Unmanaged<T>.fromOpaque(UnsafeRawPointer(pointer)).release()
    }
}
