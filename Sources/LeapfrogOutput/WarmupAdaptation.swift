/// What warmup adapted, per chain: the step size and the inverse metric.
///
/// Stan CSV writes it as the adaptation block between the header row and the first draw
/// (CmdStan guide, "Stan CSV file format"):
///
///     # Adaptation terminated
///     # Step size = 0.8
///     # Diagonal elements of inverse mass matrix:
///     # 1.2, 0.9
///
/// The InferenceData file has no place for it in ArviZ's schema; it is not stored there.
public struct WarmupAdaptation: Sendable, Hashable {
    /// One step size per chain.
    public var stepSize: [Double]
    /// The diagonal of each chain's inverse metric (`[chain][parameter]`, in the sampler's
    /// unconstrained coordinates), or `nil` for a unit metric.
    public var inverseMetricDiagonal: [[Double]]?
    /// Each chain's whole inverse metric, row-major d × d, for a dense metric (written in place
    /// of the diagonal, as CmdStan's `Elements of inverse mass matrix:` block).
    public var inverseMetricDense: [[Double]]?
    /// How many iterations warmup ran (an adaptive warmup ends before `--warmup`), if known.
    public var warmupIterations: Int?

    public init(stepSize: [Double], inverseMetricDiagonal: [[Double]]? = nil, inverseMetricDense: [[Double]]? = nil,
                warmupIterations: Int? = nil) {
        self.stepSize = stepSize
        self.inverseMetricDiagonal = inverseMetricDiagonal
        self.inverseMetricDense = inverseMetricDense
        self.warmupIterations = warmupIterations
    }
}
