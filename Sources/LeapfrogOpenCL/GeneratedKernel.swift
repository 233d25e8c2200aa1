/// A fused log-density-and-gradient kernel generated for one bound model.
public struct GeneratedKernel: Sendable, Hashable {
    /// The generated kernel only; build it after the library files in `libraryFiles`
    /// (`KernelLibrary.programSource(libraryFiles, extra: source)`).
    public let source: String
    public let kernelName: String
    public let libraryFiles: [String]
    /// Data variables passed as `__global const real*` arguments, in order, after
    /// (position, gradient, log_density) and before the final `int stride`.
    public let dataArguments: [String]
    /// Length of the unconstrained vector.
    public let dimension: Int
    /// How chains map onto work-items.
    public let shape: LaunchShape
}
