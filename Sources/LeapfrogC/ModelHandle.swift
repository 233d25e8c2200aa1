import Leapfrog
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a `leapfrog_model *` points to: a compiled model bound to its data, the back-end
/// options it was compiled with, and (made at the first evaluation) the back end's evaluator.
/// Strings handed to C live as long as the handle. Evaluations are serialised by a lock, so
/// one handle may be shared between threads.
final class ModelHandle {
    let instance: ModelInstance
    let bound: BoundModel
    /// How summary.json names the model (a built-in name or a file).
    let label: String
    let backendOptions: BackendOptions
    /// One name per unconstrained coordinate (`mu`, `theta[1]`, …).
    let parameterNames: [String]
    private let lock = Lock()
    private var backend: SelectedBackend?
    private var checkedPrecision = false
    /// `parameterNames` as C strings, for `leapfrog_model_parameter_name`.
    let cParameterNames: [UnsafeMutablePointer<CChar>]
    /// The latest `info()` as a C string (replaced by the next call).
    var cInfo: UnsafeMutablePointer<CChar>? {
        didSet { free(oldValue) }
    }

    init(_ source: ModelSource, label: String, backend: BackendOptions) throws {
        instance = try source.instantiate()
        bound = try BoundModel(instance)
        self.label = label
        backendOptions = backend
        if backend.name != BackendRegistry.auto { _ = try BackendRegistry.standard.backend(named: backend.name) }
        // The back end is made at the first call (its programs take seconds); a device that does
        // not exist is named now.
        if let device = backend.device {
            if backend.name == CPUBackend().name {
                throw LeapfrogError(.configuration, "device '\(device)' names an OpenCL device; the cpu back end (the reference) runs on the host")
            }
            if device != "all" && !device.contains(",") { _ = try OpenCLRuntime.device(device) }
        }
        let names = bound.layout.elementNames
        parameterNames = names.count == bound.dimension ? names : (0..<bound.dimension).map { "theta[\($0 + 1)]" }
        cParameterNames = parameterNames.map { strdup($0)! }
    }

    deinit {
        cParameterNames.forEach { free($0) }
        free(cInfo)
    }

    var dimension: Int { bound.dimension }

    /// The back end, made at the first call.
    private func selected() throws -> SelectedBackend {
        if let backend { return backend }
        let made = try BackendRegistry.standard.make(bound, options: backendOptions)
        backend = made
        return made
    }

    /// Log densities and gradients at `chains` points given row-major (`x[c * d + i]`), written
    /// to `logDensity[c]` and row-major `gradient[c * d + i]` (skipped when nil). On OpenCL with
    /// checked f32, the first batch is also checked against f64 (as `leapfrog eval` does), which
    /// may switch the model to f64 for good.
    func evaluate(chains: Int, x: UnsafePointer<Double>, logDensity: UnsafeMutablePointer<Double>,
                  gradient: UnsafeMutablePointer<Double>?) throws {
        let d = dimension
        var batch = ChainBatch(chains: chains, dimension: d)
        // Coordinate-major loops: the chain-fastest side is walked contiguously, the row-major
        // side with a stride of d (a chain-major loop strides by `chains` and misses the TLB).
        batch.values.withUnsafeMutableBufferPointer { out in
            for i in 0..<d {
                for c in 0..<chains { out[i * chains + c] = x[c * d + i] }
            }
        }
        let result: DensityBatch = try lock.withLock {
            let backend = try selected()
            if !checkedPrecision, let precisionGuard = backend.density as? PrecisionGuard {
                _ = try precisionGuard.checkPrecision(at: batch, stage: .initialisation)
                checkedPrecision = true
            }
            return try backend.density.evaluate(batch)
        }
        result.logDensity.withUnsafeBufferPointer { lp in
            for c in 0..<chains { logDensity[c] = lp[c] }
        }
        if let gradient {
            result.gradient.values.withUnsafeBufferPointer { g in
                for i in 0..<d {
                    for c in 0..<chains { gradient[c * d + i] = g[i * chains + c] }
                }
            }
        }
    }

    /// What `leapfrog_model_info_json` returns.
    struct Info: Encodable {
        struct Variable: Encodable {
            var name: String
            var shape: [Int]
        }
        var name: String
        var label: String
        var dimension: Int
        var parameter_names: [String]
        /// What every draw records: the constrained parameters, then the derived quantities.
        var variables: [Variable]
        /// The back-end line once the model has been evaluated; nil before.
        var backend: String?
        var precision: String?
        var notes: [String]
    }

    func info() throws -> String {
        let schema = SampleRun.drawSchema(bound, chains: 1, draws: 0)
        let backend = lock.withLock { self.backend }
        let info = Info(name: instance.graph.name, label: label, dimension: dimension, parameter_names: parameterNames,
                        variables: schema.variables.map { .init(name: $0.name, shape: $0.shape) },
                        backend: backend?.description, precision: backend?.precision, notes: instance.notes)
        return try JSON.encode(info)
    }
}

/// JSON for the boundary: sorted keys, non-finite numbers as the strings `nan`, `inf`, `-inf`.
enum JSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
