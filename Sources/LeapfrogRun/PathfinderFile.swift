#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LeapfrogCore
import LeapfrogVariational

/// `pathfinder.json`: what every path did and whether to trust the pooled draws.
///
///     { "paths": [{"iterations": 23, "best_iteration": 19, "best_elbo": -123.4,
///                  "gradient_evaluations": 1290, "reason": "relative change in log density …"}, …],
///       "pareto_k": 0.41, "pareto_k_warning": false, "draws": 1000, "elbo_draws": 25, "history_size": 6,
///       "gradient_evaluations": …, "batch_calls": …, "seconds": …,
///       "parameters": ["alpha", "sigma", …], "coordinates": ["alpha", "log(sigma)", …],
///       "mean": [...] }   // the best path's approximation, on the unconstrained coordinates
///
/// Non-finite numbers are written as null.
public struct PathfinderFile: Codable, Sendable, Hashable {
    public struct Path: Codable, Sendable, Hashable {
        public var iterations: Int
        /// 1-based; 0 when no iterate had a finite ELBO.
        public var bestIteration: Int
        public var bestELBO: Double?
        public var gradientEvaluations: Int
        public var reason: String

        enum CodingKeys: String, CodingKey {
            case iterations, reason
            case bestIteration = "best_iteration", bestELBO = "best_elbo", gradientEvaluations = "gradient_evaluations"
        }
    }

    public var paths: [Path]
    public var paretoK: Double?
    /// k̂ above `ParetoKHat.warningThreshold` (0.7).
    public var paretoKWarning: Bool
    public var draws: Int
    public var elboDraws: Int
    public var historySize: Int
    public var gradientEvaluations: Int
    public var batchCalls: Int
    public var seconds: Double
    /// The element each unconstrained coordinate belongs to, what the coordinate is
    /// (`log(sigma)`: `ParameterLayout.coordinateNames`), and the mean there of the Gaussian of
    /// the best path's best iterate (the approximation with the highest ELBO; the draws are
    /// resampled from all paths' approximations, so their mean differs).
    public var parameters: [String]
    public var coordinates: [String]?
    public var mean: [Double]

    enum CodingKeys: String, CodingKey {
        case paths, draws, seconds, parameters, coordinates, mean
        case paretoK = "pareto_k", paretoKWarning = "pareto_k_warning", elboDraws = "elbo_draws",
             historySize = "history_size", gradientEvaluations = "gradient_evaluations", batchCalls = "batch_calls"
    }

    public init(_ result: Pathfinder.Result, configuration c: PathfinderConfiguration, parameters: [String],
                coordinates: [String]? = nil, seconds: Double) {
        self.coordinates = coordinates
        paths = result.paths.map {
            Path(iterations: $0.iterations, bestIteration: $0.bestIteration, bestELBO: VariationalFile.finite($0.bestELBO),
                 gradientEvaluations: $0.gradientEvaluations, reason: $0.reason)
        }
        paretoK = VariationalFile.finite(result.paretoK)
        paretoKWarning = !(result.paretoK < ParetoKHat.warningThreshold)
        draws = c.draws
        elboDraws = c.elboDraws
        historySize = c.historySize
        gradientEvaluations = result.gradientEvaluations
        batchCalls = result.batchCalls
        self.seconds = seconds
        self.parameters = parameters
        mean = result.paths[result.bestPath].approximation?.mean ?? []
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard FileManager.default.createFile(atPath: path, contents: try encoder.encode(self)) else {
            throw LeapfrogError(.io, "cannot write '\(path)'")
        }
    }

    public static func read(path: String) throws -> PathfinderFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw LeapfrogError(.io, "cannot read '\(path)'") }
        return try JSONDecoder().decode(PathfinderFile.self, from: data)
    }
}
