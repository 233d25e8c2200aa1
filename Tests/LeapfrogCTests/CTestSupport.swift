import Leapfrog
import LeapfrogC

/// Calls into the C ABI as a C program would, from Swift: C strings, out-pointers, statuses.
enum C {
    /// A model compiled through `leapfrog_model_new`, or the status and message of the failure.
    static func model(_ kind: Int32 = 0, _ source: String, data: String? = nil, format: Int32 = 0, dataName: String? = nil,
                      options: String? = nil, backend: String? = "cpu", precision: String? = nil) -> (OpaquePointer?, Int32, String) {
        var out: OpaquePointer?
        let status = source.withCString { s in
            withOptionalCString(data) { d in
                withOptionalCString(dataName) { dn in
                    withOptionalCString(options) { o in
                        withOptionalCString(backend) { b in
                            withOptionalCString(precision) { p in
                                leapfrog_model_new(kind, s, nil, d, format, dn, o, b, nil, p, &out)
                            }
                        }
                    }
                }
            }
        }
        return (out, status, String(cString: leapfrog_last_error()))
    }

    /// A run made through `leapfrog_run_new`, or the status and message of the failure.
    static func run(_ model: OpaquePointer?, _ method: String = "sample", _ arguments: [String]) -> (OpaquePointer?, Int32, String) {
        var out: OpaquePointer?
        let pointers = arguments.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        let status = pointers.map { UnsafePointer($0) }.withUnsafeBufferPointer { argv in
            method.withCString { leapfrog_run_new(model, $0, argv.baseAddress, Int64(arguments.count), &out) }
        }
        return (out, status, String(cString: leapfrog_last_error()))
    }

    /// Log densities and row-major gradients at row-major points.
    static func evaluate(_ model: OpaquePointer?, _ points: [[Double]]) -> (Int32, [Double], [Double]) {
        let x = points.flatMap { $0 }
        var lp = [Double](repeating: .nan, count: points.count)
        var g = [Double](repeating: .nan, count: x.count)
        let status = leapfrog_model_log_density_gradient(model, Int64(points.count), x, &lp, &g)
        return (status, lp, g)
    }

    private static func withOptionalCString<T>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
        guard let s else { return body(nil) }
        return s.withCString { body($0) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body` on a new pthread and waits for it.
func onNewThread(_ body: @escaping () -> Void) {
    final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }
    var thread = pthread_t()
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    #if canImport(Glibc)
    let created = pthread_create(&thread, nil, { p in
        Unmanaged<Box>.fromOpaque(p!).takeRetainedValue().body()
        return nil
    }, box)
    #else
    let created = pthread_create(&thread, nil, { p in
        Unmanaged<Box>.fromOpaque(p).takeRetainedValue().body()
        return nil
    }, box)
    #endif
    precondition(created == 0, "pthread_create failed")
    pthread_join(thread, nil)
}
