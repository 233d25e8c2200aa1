import Leapfrog
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The model functions of include/leapfrog.h. Every function that can fail returns a status
// (0: success) and leaves the message in `leapfrog_last_error()`; none lets a Swift error or
// trap cross the boundary on a caller's mistake.

/// The library's version (`SampleRun.libraryVersion`); static storage.
@_cdecl("leapfrog_version")
public func leapfrog_version() -> UnsafePointer<CChar> { UnsafePointer(Exports.version) }

/// The calling thread's last error message ("" when the last call succeeded); valid until the
/// thread's next call.
@_cdecl("leapfrog_last_error")
public func leapfrog_last_error() -> UnsafePointer<CChar> { LastError.current }

/// Compiles a model with its data and back-end choice into `*out` (free with `leapfrog_model_free`).
/// - kind: `LEAPFROG_MODEL_BUILTIN` (source is a name), `_STAN` (Stan text) or `_GRAPH_JSON`.
/// - source_name: how messages name the source (`schools.stan`); NULL: the name or `model.stan`.
/// - data: CmdStan JSON or CSV text (`data_format`), or NULL (a built-in's bundled data).
/// - model_options: a built-in's `key=value,key=value`, or NULL.
/// - backend: `auto`, `cpu` or `opencl` (NULL: auto); device: an index or part of a name (NULL:
///   the default); precision: `auto` (f32 checked against f64 at the first evaluation), `f32`
///   (unchecked) or `f64` (NULL: auto). Runs made from the model check f32 as the CLI does.
@_cdecl("leapfrog_model_new")
public func leapfrog_model_new(_ kind: Int32, _ source: UnsafePointer<CChar>?, _ sourceName: UnsafePointer<CChar>?,
                               _ data: UnsafePointer<CChar>?, _ dataFormat: Int32, _ dataName: UnsafePointer<CChar>?,
                               _ modelOptions: UnsafePointer<CChar>?, _ backend: UnsafePointer<CChar>?,
                               _ device: UnsafePointer<CChar>?, _ precision: UnsafePointer<CChar>?,
                               _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded {
        guard let out else { throw BoundaryError("out is NULL") }
        out.pointee = nil
        guard let modelKind = ModelSource.Kind(rawValue: kind) else {
            throw BoundaryError("unknown model kind \(kind): use LEAPFROG_MODEL_BUILTIN, _STAN or _GRAPH_JSON")
        }
        guard let format = ModelSource.DataFormat(rawValue: dataFormat) else {
            throw BoundaryError("unknown data format \(dataFormat): use LEAPFROG_DATA_JSON or LEAPFROG_DATA_CSV")
        }
        let text = try string(source, "source")
        let defaultName: String
        switch modelKind {
        case .builtin: defaultName = text
        case .stan: defaultName = "model.stan"
        case .graphJSON: defaultName = "model.json"
        }
        let name = optionalString(sourceName) ?? defaultName
        let modelSource = ModelSource(kind: modelKind, text: text, sourceName: name, data: data.map { String(cString: $0) },
                                      dataFormat: format, dataName: optionalString(dataName) ?? (format == .json ? "data.json" : "data.csv"),
                                      options: optionalString(modelOptions))
        var options = BackendOptions(name: optionalString(backend) ?? BackendRegistry.auto, device: optionalString(device))
        if let p = optionalString(precision) {
            guard let request = PrecisionRequest(rawValue: p) else {
                throw LeapfrogError(.configuration, "unknown precision '\(p)': use auto, f32 or f64")
            }
            options.precision = request
            // An explicit f32 evaluator is the bare f32 kernel (as `leapfrog bench`); `auto` keeps the
            // f64 twin and checks the first batch against it. Runs check f32 as the CLI does either way.
            options.checked = request != .f32
        }
        out.pointee = Handles.make(try ModelHandle(modelSource, label: name, backend: options))
    }
}

/// Frees a model (NULL is ignored). Runs made from it keep it alive until they are freed.
@_cdecl("leapfrog_model_free")
public func leapfrog_model_free(_ model: OpaquePointer?) { Handles.release(model, ModelHandle.self) }

/// The length of the unconstrained parameter vector; -1 (and an error) for NULL.
@_cdecl("leapfrog_model_dimension")
public func leapfrog_model_dimension(_ model: OpaquePointer?) -> Int64 {
    var d: Int64 = -1
    _ = guarded { d = Int64(try Handles.object(model, ModelHandle.self, "model").dimension) }
    return d
}

/// The name of unconstrained coordinate `index` (`theta[2]`), valid while the model lives; NULL
/// (and an error) when out of range.
@_cdecl("leapfrog_model_parameter_name")
public func leapfrog_model_parameter_name(_ model: OpaquePointer?, _ index: Int64) -> UnsafePointer<CChar>? {
    var name: UnsafePointer<CChar>?
    _ = guarded {
        let m = try Handles.object(model, ModelHandle.self, "model")
        guard index >= 0 && index < Int64(m.dimension) else {
            throw BoundaryError("parameter index \(index) is outside 0..<\(m.dimension)")
        }
        name = UnsafePointer(m.cParameterNames[Int(index)])
    }
    return name
}

/// The model as JSON: name, label, dimension, parameter_names, variables (what a draw records,
/// with shapes), backend and precision (null before the first evaluation), notes. Valid until
/// the next call on this model or its free; NULL on error.
@_cdecl("leapfrog_model_info_json")
public func leapfrog_model_info_json(_ model: OpaquePointer?) -> UnsafePointer<CChar>? {
    var text: UnsafePointer<CChar>?
    _ = guarded {
        let m = try Handles.object(model, ModelHandle.self, "model")
        m.cInfo = strdup(try m.info())
        text = m.cInfo.map { UnsafePointer($0) }
    }
    return text
}

/// Log density and gradient on the unconstrained scale at `chains` points: `x` is chains × dim,
/// row-major; `log_density` receives chains values, `gradient` (may be NULL) chains × dim,
/// row-major. Calls on one model are serialised; the first makes the back end.
@_cdecl("leapfrog_model_log_density_gradient")
public func leapfrog_model_log_density_gradient(_ model: OpaquePointer?, _ chains: Int64, _ x: UnsafePointer<Double>?,
                                                _ logDensity: UnsafeMutablePointer<Double>?,
                                                _ gradient: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded {
        let m = try Handles.object(model, ModelHandle.self, "model")
        guard chains >= 1 else { throw BoundaryError("chains must be at least 1 (got \(chains))") }
        guard let x else { throw BoundaryError("x is NULL") }
        guard let logDensity else { throw BoundaryError("log_density is NULL") }
        try m.evaluate(chains: Int(chains), x: x, logDensity: logDensity, gradient: gradient)
    }
}

enum Exports {
    static let version: UnsafeMutablePointer<CChar> = strdup(SampleRun.libraryVersion)!
}
