import LeapfrogCore
import LeapfrogModel

/// One call for the CLI: the OpenCL log density of a bound model on a chosen device.
public enum OpenCLBackend {
    /// `device` as in `OpenCLRuntime.device(_:)` (nil: the first GPU, else the first device).
    /// Throws `.device` errors for a missing platform or fp64, `.model` errors for graphs the code
    /// generator does not support yet (the caller can fall back to the CPU reference).
    public static func logDensity(_ model: BoundModel, device selector: String? = nil, precision: Precision = .double,
                                  cache: ProgramCache? = ProgramCache.default) throws -> any BatchedLogDensity {
        let device = try OpenCLRuntime.device(selector)
        let queue = try CommandQueue(context: Context(device: device))
        switch precision {
        case .double: return try OpenCLLogDensity<Double>(model, queue: queue, cache: cache)
        case .float: return try OpenCLLogDensity<Float>(model, queue: queue, cache: cache)
        }
    }
}
