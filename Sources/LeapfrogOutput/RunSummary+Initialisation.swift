import LeapfrogCore
import LeapfrogDiagnostics

extension RunSummary {
    /// Where the chains started and what finding those points cost, when it was more than
    /// drawing them (`sample --init pathfinder`): the method, the paths run, the log-density and
    /// gradient evaluations and batched calls spent, the seconds, and Pareto k̂ of the pooled
    /// importance weights. These evaluations are not in `gradient_evaluations`, which counts the
    /// chains' own.
    public struct InitialisationFigures: Codable, Sendable, Hashable {
        public var method: String
        public var paths: Int
        public var gradientEvaluations: Int
        public var batchCalls: Int
        public var seconds: Double
        public var paretoK: Double?

        public init(method: String, paths: Int, gradientEvaluations: Int, batchCalls: Int, seconds: Double, paretoK: Double?) {
            self.method = method
            self.paths = paths
            self.gradientEvaluations = gradientEvaluations
            self.batchCalls = batchCalls
            self.seconds = seconds
            self.paretoK = paretoK
        }

        enum CodingKeys: String, CodingKey {
            case method, paths, seconds
            case gradientEvaluations = "gradient_evaluations", batchCalls = "batch_calls", paretoK = "pareto_k"
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(method, forKey: .method)
            try c.encode(paths, forKey: .paths)
            try c.encode(gradientEvaluations, forKey: .gradientEvaluations)
            try c.encode(batchCalls, forKey: .batchCalls)
            try c.encode(seconds, forKey: .seconds)
            try c.encodeFiniteOrNull(paretoK, forKey: .paretoK)
        }
    }
}
