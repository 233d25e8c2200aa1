/// When and why an adaptive warmup ended (`AdaptiveWarmup` in LeapfrogSampling; summary.json's
/// `warmup`): the iterations it took, the most it could have taken, and every judgement made at
/// a window's end. Non-finite figures (a first window has no previous one to compare with) are
/// written as null.
public struct WarmupReport: Sendable, Hashable, Codable {
    /// One judgement at a window's end.
    public struct Check: Sendable, Hashable, Codable {
        /// The window's last iteration (0-based).
        public var iteration: Int
        /// The largest nested R̂ over the log density and the projections.
        public var nestedRHat: Double
        /// The log density's mean moved this many posterior sds since the previous window.
        public var lpDrift: Double
        /// |log ε_t/ε_{t−1}|, the largest |log m_t/m_{t−1}| of the inverse metric's diagonal, and
        /// ChEES's |log T_t/T_{t−1}| (nil for the other samplers).
        public var stepSizeChange: Double
        public var metricChange: Double
        public var trajectoryChange: Double?
        public var passed: Bool
        /// The bounds the step size's and the trajectory length's changes were held to: the fixed
        /// bound widened by the estimates' measured jitter (`AdaptiveWarmup`); nil before the
        /// second window (nothing to compare) and, for the length, for other samplers.
        public var stepSizeTolerance: Double?
        public var trajectoryTolerance: Double?
        /// ChEES's Adam learning rate on log T for the window after this judgement (raised while
        /// the chains travel, `ChEESAdapter`); nil for the other samplers.
        public var learningRate: Double?

        public init(iteration: Int, nestedRHat: Double, lpDrift: Double, stepSizeChange: Double, metricChange: Double,
                    trajectoryChange: Double?, passed: Bool, stepSizeTolerance: Double? = nil,
                    trajectoryTolerance: Double? = nil) {
            self.stepSizeTolerance = stepSizeTolerance
            self.trajectoryTolerance = trajectoryTolerance
            self.iteration = iteration
            self.nestedRHat = nestedRHat
            self.lpDrift = lpDrift
            self.stepSizeChange = stepSizeChange
            self.metricChange = metricChange
            self.trajectoryChange = trajectoryChange
            self.passed = passed
        }

        enum CodingKeys: String, CodingKey {
            case iteration, nestedRHat = "nested_rhat", lpDrift = "lp_drift", stepSizeChange = "step_size_change"
            case metricChange = "metric_change", trajectoryChange = "trajectory_change", passed
            case stepSizeTolerance = "step_size_tolerance", trajectoryTolerance = "trajectory_tolerance"
            case learningRate = "learning_rate"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            iteration = try c.decode(Int.self, forKey: .iteration)
            nestedRHat = try c.decodeIfPresent(Double.self, forKey: .nestedRHat) ?? .infinity
            lpDrift = try c.decodeIfPresent(Double.self, forKey: .lpDrift) ?? .infinity
            stepSizeChange = try c.decodeIfPresent(Double.self, forKey: .stepSizeChange) ?? .infinity
            metricChange = try c.decodeIfPresent(Double.self, forKey: .metricChange) ?? .infinity
            trajectoryChange = try c.decodeIfPresent(Double.self, forKey: .trajectoryChange)
            passed = try c.decode(Bool.self, forKey: .passed)
            stepSizeTolerance = try c.decodeIfPresent(Double.self, forKey: .stepSizeTolerance)
            trajectoryTolerance = try c.decodeIfPresent(Double.self, forKey: .trajectoryTolerance)
            learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(iteration, forKey: .iteration)
            try c.encodeFiniteOrNull(nestedRHat, forKey: .nestedRHat)
            try c.encodeFiniteOrNull(lpDrift, forKey: .lpDrift)
            try c.encodeFiniteOrNull(stepSizeChange, forKey: .stepSizeChange)
            try c.encodeFiniteOrNull(metricChange, forKey: .metricChange)
            if let t = trajectoryChange { try c.encodeFiniteOrNull(t, forKey: .trajectoryChange) }
            try c.encode(passed, forKey: .passed)
            if let t = stepSizeTolerance { try c.encodeFiniteOrNull(t, forKey: .stepSizeTolerance) }
            if let t = trajectoryTolerance { try c.encodeFiniteOrNull(t, forKey: .trajectoryTolerance) }
            if let r = learningRate { try c.encodeFiniteOrNull(r, forKey: .learningRate) }
        }
    }

    /// Iterations warmup took.
    public var iterations: Int
    /// The user's `--warmup`: the most it could take.
    public var maximum: Int
    /// Superchains nested R̂ was computed over.
    public var superchains: Int
    /// "converged at iteration N (…)" or "reached the maximum of N iterations without converging".
    public var reason: String
    public var checks: [Check]

    public init(iterations: Int, maximum: Int, superchains: Int, reason: String, checks: [Check]) {
        self.iterations = iterations
        self.maximum = maximum
        self.superchains = superchains
        self.reason = reason
        self.checks = checks
    }

    /// Whether a check passed, so warmup ended before its maximum.
    public var converged: Bool { checks.contains { $0.passed } }
}
