#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LeapfrogCore
import LeapfrogVariational

/// `variational.json`: the fitted family on the unconstrained scale and the fit's figures.
///
///     { "family": "meanfield", "dimension": d, "parameters": ["alpha", "sigma", …],
///       "coordinates": ["alpha", "log(sigma)", …],   // what each unconstrained coordinate is
///       "mean": [...], "scale": [...]            // mean-field: σᵢ = exp ωᵢ
///       "covariance": [[...], ...]               // full-rank: Σ = LLᵀ
///       "rank": r, "diagonal": [...], "factor": [[...], ...]   // low-rank: D = diag(exp ω), B d×r
///       "elbo": …, "pareto_k": …, "iterations": …, "converged": …, "reason": "…",
///       "restart_elbos": [...], "best_restart": k (1-based),
///       "restart_pruned_after": [null or the iteration, …]   // with --prune-restarts only
///       "mode_search": { "iterations": [...], "log_density": [...], "gradient_evaluations": …,
///                        "rounds": …, "seconds": … }           // with --init mode only
///       … }
///
/// Non-finite numbers are written as null.
public struct VariationalFile: Codable, Sendable, Hashable {
    public var family: String
    public var dimension: Int
    /// The element each unconstrained coordinate belongs to (`name[i]`, flat, in layout order).
    public var parameters: [String]
    /// What each coordinate is (`log(sigma)`, `logit(p)`; `ParameterLayout.coordinateNames`):
    /// the mean and covariance below are of these, not of the constrained values.
    public var coordinates: [String]?
    public var mean: [Double]
    public var scale: [Double]?
    public var covariance: [[Double]]?
    public var rank: Int?
    public var diagonal: [Double]?
    public var factor: [[Double]]?
    public var elbo: Double?
    public var paretoK: Double?
    public var iterations: Int
    public var converged: Bool
    public var reason: String
    public var restartELBOs: [Double?]
    public var bestRestart: Int
    /// Per restart, the iteration after which `--prune-restarts` dropped it (nil: ran to the end);
    /// absent without `--prune-restarts`.
    public var restartPrunedAfter: [Int?]?
    /// `--init mode`'s L-BFGS search (absent otherwise).
    public var modeSearch: ModeSearchRecord?
    public var gradientSamples: Int
    public var learningRate: Double
    public var stickingTheLanding: Bool
    public var gradientEvaluations: Int
    /// The fit's wall time (`--init mode`'s search included).
    public var seconds: Double
    /// Before the fit's clock: the kernels' first launches at the fit's batch sizes
    /// (`FittedRunSetup.warmUp`), where an OpenCL implementation may finish compiling them.
    public var warmUpSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case family, dimension, parameters, coordinates, mean, scale, covariance, rank, diagonal, factor, elbo, iterations, converged, reason, seconds
        case paretoK = "pareto_k", restartELBOs = "restart_elbos", bestRestart = "best_restart", restartPrunedAfter = "restart_pruned_after"
        case gradientSamples = "grad_samples", learningRate = "learning_rate", stickingTheLanding = "stl"
        case gradientEvaluations = "gradient_evaluations", modeSearch = "mode_search", warmUpSeconds = "warm_up_seconds"
    }

    /// Per restart, the accepted L-BFGS steps and log p where the search ended; its evaluations
    /// (included in the file's `gradient_evaluations`), batched calls and seconds.
    public struct ModeSearchRecord: Codable, Sendable, Hashable {
        public var iterations: [Int]
        public var logDensity: [Double?]
        public var gradientEvaluations: Int
        public var rounds: Int
        public var seconds: Double

        public init(_ search: ModeSearch.Result) {
            iterations = search.iterations
            logDensity = search.logDensities.map(VariationalFile.finite)
            gradientEvaluations = search.gradientEvaluations
            rounds = search.rounds
            seconds = search.seconds
        }

        enum CodingKeys: String, CodingKey {
            case iterations, rounds, seconds
            case logDensity = "log_density", gradientEvaluations = "gradient_evaluations"
        }
    }

    static func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        guard FileManager.default.createFile(atPath: path, contents: data) else {
            throw LeapfrogError(.io, "cannot write '\(path)'")
        }
    }

    public static func read(path: String) throws -> VariationalFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw LeapfrogError(.io, "cannot read '\(path)'") }
        return try JSONDecoder().decode(VariationalFile.self, from: data)
    }
}
