#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A batched log density whose arithmetic precision can be checked during a run.
///
/// The sampler calls `checkPrecision` at the chains' current positions after initialisation, at
/// the end of every slow warmup window and at the end of warmup. When it returns true the
/// evaluator has changed (e.g. from float to double) and the caller must re-evaluate its state.
public protocol PrecisionCheckpoint {
    /// `scales`: each chain's estimate of the posterior's standard deviation in each coordinate
    /// (√(M⁻¹)ᵢᵢ of the adapted metric), which the fast precision must resolve at `positions`;
    /// nil where none is known yet.
    func checkPrecision(at positions: ChainBatch, scales: ChainBatch?, stage: PrecisionGuard.Stage) throws -> Bool
}

extension PrecisionCheckpoint {
    public func checkPrecision(at positions: ChainBatch, stage: PrecisionGuard.Stage) throws -> Bool {
        try checkPrecision(at: positions, scales: nil, stage: stage)
    }
}

/// Runs a model in fast (float) arithmetic and checks it against an accurate (double) twin of the
/// same model at the sampler's checkpoints; past `Bounds` it switches the rest of the run to the
/// accurate one (`.auto`), or only warns (`.checkOnly`).
///
/// Why: float32 has 24 significand bits (relative rounding 6e-8). Most models lose a few digits
/// and stay far inside what HMC tolerates, but some lose everything: a Cholesky factor of a nearly
/// singular covariance (a GP with `1e-10` jitter, as posteriordb's `gp_pois_regr`) fails or comes
/// out wrong in float, and the sampler then explores a different posterior without any sign.
///
/// At each checkpoint, for every chain c where the accurate log density is finite:
/// - `logDensityError` = |lp_fast − lp_accurate| / max(1, |lp_accurate|);
/// - `gradientError` = ‖g_fast − g_accurate‖₂ / max(1, ‖g_accurate‖₂);
/// - a chain whose fast log density or gradient is non-finite while the accurate one is finite
///   counts as `fastOnlyNonFinite` (a float-only failure).
/// The check fails when any chain exceeds a bound or fails in float only (the worst chain
/// decides: one chain on a wrong trajectory is a wrong posterior).
///
/// Chains where the accurate log density is itself non-finite are skipped: outside the support in
/// both precisions, which is the sampler's business, not a precision problem.
///
/// Where the sampler has estimated the posterior's scale in each coordinate (`scales`, from the
/// adapted metric), the check also asks whether float can hold the positions finely enough:
/// `resolution` = max over chains and coordinates of ulp₃₂(|qᵢ|) / scaleᵢ. A posterior much
/// narrower than its location (x ≈ 10⁵ with sd 0.01: float's spacing there is 0.0078) passes
/// the density and gradient comparisons, which are made at the same float point, yet its draws
/// come out on a lattice a fraction of an sd apart, and rounding a position changes the energy
/// by about |∇U| · ulp ≈ ulp / sd per step, which the leapfrog map's reversibility no longer
/// absorbs.
public final class PrecisionGuard: BatchedLogDensity, PrecisionCheckpoint, DrawRecording, DeviceTrafficCounting, @unchecked Sendable {
    /// Where in a run a check happens.
    public enum Stage: Sendable, Hashable, Codable, CustomStringConvertible {
        case initialisation
        /// After the slow window ending at this (global, 0-based) iteration.
        case windowEnd(iteration: Int)
        /// After the last warmup iteration.
        case warmupEnd(iteration: Int)

        public var description: String {
            switch self {
            case .initialisation: return "initialisation"
            case .windowEnd(let i): return "warmup window end (iteration \(i + 1))"
            case .warmupEnd(let i): return "warmup end (iteration \(i + 1))"
            }
        }
    }

    /// What a failed check does.
    public enum Policy: String, Sendable, Hashable, Codable {
        /// Switch to the accurate evaluator for the rest of the run (the default `--precision auto`).
        case auto
        /// Keep the fast evaluator and warn (an explicit choice of the fast precision).
        case checkOnly = "check_only"
    }

    /// Largest relative errors the fast evaluator may show before the run switches.
    ///
    /// - logDensity 1e-4: ~1,700 float ulps of the log density, or an absolute 1e-4 nats near 0 —
    ///   a Metropolis ratio off by at most 0.01 % per unit of |lp|, while summing N float terms
    ///   typically loses √N·6e-8 (6e-6 at N = 10⁴ rows).
    /// - gradient 1e-3: a 0.1 % error in the force, well below the leapfrog integrator's own
    ///   O(ε²) error at the step sizes adaptation reaches (acceptance 0.8).
    /// - resolution 1e-2: float's spacing at the positions is at most 1 % of the posterior's sd
    ///   in every coordinate: the draws' lattice moves a mean, an sd or a quantile by under
    ///   0.5 % of an sd, and rounding costs about 0.01 nats of energy per step or less (the
    ///   BNN: ≈ 1e-6).
    /// Measured (docs/benchmarks.md, "Precision check"): the BNN's float errors sit 2–3 orders
    /// of magnitude inside these; `gp_pois_regr`'s float Cholesky is off by O(1) or non-finite.
    public struct Bounds: Sendable, Hashable, Codable {
        public var logDensity: Double
        public var gradient: Double
        public var resolution: Double
        public init(logDensity: Double = 1e-4, gradient: Double = 1e-3, resolution: Double = 1e-2) {
            self.logDensity = logDensity
            self.gradient = gradient
            self.resolution = resolution
        }

        enum CodingKeys: String, CodingKey { case logDensity = "log_density", gradient, resolution }

        /// summary.json files written before the resolution bound existed read with its default.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(logDensity: try c.decode(Double.self, forKey: .logDensity), gradient: try c.decode(Double.self, forKey: .gradient),
                      resolution: try c.decodeIfPresent(Double.self, forKey: .resolution) ?? Bounds().resolution)
        }
    }

    /// One checkpoint's figures (written to summary.json).
    public struct Check: Sendable, Hashable, Codable {
        public var stage: String
        public var chains: Int
        /// Worst relative log-density and gradient errors over the chains compared (0 when none).
        public var logDensityError: Double
        public var gradientError: Double
        /// Chains whose fast result is non-finite while the accurate one is finite.
        public var fastOnlyNonFinite: Int
        /// Chains skipped because the accurate log density is non-finite too.
        public var skipped: Int
        /// The worst float spacing of a position relative to the posterior's sd there (nil
        /// where no scale was known: initialisation).
        public var resolution: Double?
        public var passed: Bool
        /// Wall-clock seconds of the check (both evaluations and the comparison).
        public var seconds: Double

        public init(stage: String, chains: Int, logDensityError: Double, gradientError: Double, fastOnlyNonFinite: Int,
                    skipped: Int, passed: Bool, seconds: Double) {
            self.stage = stage
            self.chains = chains
            self.logDensityError = logDensityError
            self.gradientError = gradientError
            self.fastOnlyNonFinite = fastOnlyNonFinite
            self.skipped = skipped
            self.passed = passed
            self.seconds = seconds
        }

        enum CodingKeys: String, CodingKey {
            case stage, chains, passed, seconds, skipped
            case logDensityError = "log_density_error", gradientError = "gradient_error"
            case fastOnlyNonFinite = "fast_only_non_finite", resolution
        }
    }

    public let fast: any BatchedLogDensity
    public let accurate: any BatchedLogDensity
    public let fastName: String
    public let accurateName: String
    public let policy: Policy
    public let bounds: Bounds
    /// Seconds spent making the accurate twin (an f64 program build), told by whoever made it.
    public let setupSeconds: Double
    private let log: @Sendable (String) -> Void
    private let clock: @Sendable () -> Double
    private let lock = Lock()
    private var switched = false
    private var history: [Check] = []
    private var switchStage: String?

    /// - Parameters:
    ///   - clock: seconds from any origin (for the checks' cost); injected so this module needs
    ///     no platform clock.
    ///   - log: told, once, when a check fails (the switch, or the warning).
    public init(fast: any BatchedLogDensity, accurate: any BatchedLogDensity, fastName: String, accurateName: String,
                policy: Policy = .auto, bounds: Bounds = Bounds(), setupSeconds: Double = 0,
                clock: @escaping @Sendable () -> Double,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        precondition(fast.dimension == accurate.dimension, "PrecisionGuard: the evaluators disagree on the dimension")
        self.fast = fast
        self.accurate = accurate
        self.fastName = fastName
        self.accurateName = accurateName
        self.policy = policy
        self.bounds = bounds
        self.setupSeconds = setupSeconds
        self.clock = clock
        self.log = log
    }

    public var dimension: Int { fast.dimension }

    /// The evaluator in use now.
    public var current: any BatchedLogDensity {
        lock.withLock { switched ? accurate : fast }
    }

    /// The precision in use now (`fastName` or `accurateName`).
    public var currentName: String { lock.withLock { switched ? accurateName : fastName } }

    /// Recorded values from the accurate evaluator, whichever precision is sampling: recording
    /// runs once per draw, not once per integrator step, so f64 costs little there and the draws
    /// written never carry f32's rounding. Nil when the accurate evaluator does not record (the
    /// CPU reference: the caller then records through it).
    public func recordedValues(_ positions: ChainBatch) throws -> ChainBatch? {
        try (accurate as? DrawRecording)?.recordedValues(positions)
    }

    public func prepareRecording() throws {
        try (accurate as? DrawRecording)?.prepareRecording()
    }

    /// Both evaluators' device traffic (checks included).
    public var traffic: DeviceTraffic {
        ((fast as? DeviceTrafficCounting)?.traffic ?? DeviceTraffic()) + ((accurate as? DeviceTrafficCounting)?.traffic ?? DeviceTraffic())
    }

    /// Every check made so far, in order.
    public var checks: [Check] { lock.withLock { history } }

    /// The stage at which the run switched to the accurate evaluator, if it did.
    public var switchedAt: String? { lock.withLock { switchStage } }

    public func evaluate(_ positions: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        try current.evaluate(positions, active: active)
    }

    public func checkPrecision(at positions: ChainBatch, scales: ChainBatch?, stage: Stage) throws -> Bool {
        try checkPrecision(at: positions, scales: scales, stage: stage, agree: { $0.passed })
    }

    /// The check of a run shared between members (`ShardedLogDensity`), each guard seeing its own
    /// block of chains (`positions`, possibly empty): `agree` is given this block's check and
    /// returns whether every member's passed. The guard then records the check as passed only if
    /// all did, and switches (or warns) on that shared verdict — so every member switches at the
    /// same checkpoint, as one guard over every chain does (its worst chain decides, and the worst
    /// chain is in some member's block). Every member must call this at every checkpoint until
    /// they have switched.
    public func checkPrecision(at positions: ChainBatch, scales: ChainBatch? = nil, stage: Stage,
                               agree: (Check) throws -> Bool) throws -> Bool {
        if lock.withLock({ switched }) { return false }
        let t0 = clock()
        var check: Check
        if positions.chains == 0 {
            check = Check(stage: "", chains: 0, logDensityError: 0, gradientError: 0, fastOnlyNonFinite: 0, skipped: 0,
                          passed: true, seconds: 0)
        } else {
            let a = try fast.evaluate(positions, active: nil)
            let b = try accurate.evaluate(positions, active: nil)
            check = Self.compare(fast: a, accurate: b, bounds: bounds)
            if let scales {
                let r = Self.resolution(positions, scales: scales)
                check.resolution = r
                if r > bounds.resolution { check.passed = false }
            }
        }
        check.passed = try agree(check)
        check.stage = stage.description
        check.seconds = clock() - t0
        let switching = !check.passed && policy == .auto
        lock.withLock {
            history.append(check)
            if switching {
                switched = true
                switchStage = check.stage
            }
        }
        if switching { (fast as? DeviceMemoryReleasing)?.releaseDeviceMemory() }
        if !check.passed {
            let what = Self.describe(check, bounds: bounds)
            if switching {
                log("precision: \(fastName) \(what) at \(check.stage); switching to \(accurateName) for the rest of the run")
            } else {
                log("warning: precision \(fastName) \(what) at \(check.stage); the posterior may be wrong: "
                    + "use --precision \(accurateName) or auto")
            }
        }
        return switching
    }

    /// The comparison of one checkpoint (stage and seconds left for the caller to fill).
    public static func compare(fast a: DensityBatch, accurate b: DensityBatch, bounds: Bounds) -> Check {
        let n = b.logDensity.count, d = b.gradient.dimension
        var lpError = 0.0, gradError = 0.0, fastOnly = 0, skipped = 0
        for c in 0..<n {
            let lpB = b.logDensity[c]
            guard lpB.isFinite else { skipped += 1; continue }
            var gradBFinite = true, gradAFinite = true
            var diff2 = 0.0, norm2 = 0.0
            for i in 0..<d {
                let x = a.gradient[c, i], y = b.gradient[c, i]
                if !y.isFinite { gradBFinite = false }
                if !x.isFinite { gradAFinite = false }
                diff2 += (x - y) * (x - y)
                norm2 += y * y
            }
            guard gradBFinite else { skipped += 1; continue }
            let lpA = a.logDensity[c]
            guard lpA.isFinite, gradAFinite else { fastOnly += 1; continue }
            lpError = max(lpError, abs(lpA - lpB) / max(1, abs(lpB)))
            gradError = max(gradError, diff2.squareRoot() / max(1, norm2.squareRoot()))
        }
        let passed = fastOnly == 0 && lpError <= bounds.logDensity && gradError <= bounds.gradient
        return Check(stage: "", chains: n, logDensityError: lpError, gradientError: gradError,
                     fastOnlyNonFinite: fastOnly, skipped: skipped, passed: passed, seconds: 0)
    }

    /// max over chains c and coordinates i of ulp₃₂(|q_ci|) / scale_ci, over finite positions and
    /// positive scales: how coarsely float holds a position against the posterior's sd there.
    public static func resolution(_ positions: ChainBatch, scales: ChainBatch) -> Double {
        precondition(positions.chains == scales.chains && positions.dimension == scales.dimension,
                     "PrecisionGuard.resolution: positions and scales of different shapes")
        var worst = 0.0
        for (q, m) in zip(positions.values, scales.values) where q.isFinite && m > 0 && m.isFinite {
            worst = max(worst, Double(Float(q.magnitude).ulp) / m)
        }
        return worst
    }

    /// What failed: only the figures past their bounds lead (a failed resolution says so; the
    /// log-density and gradient errors are always given).
    static func describe(_ c: Check, bounds: Bounds) -> String {
        var parts: [String] = []
        if let r = c.resolution, r > bounds.resolution {
            parts.append("spaces positions up to \(sci(r)) of the posterior's sd apart (the posterior is narrow against "
                         + "its location: f32 draws would lie on a lattice)")
        }
        if c.fastOnlyNonFinite > 0 {
            parts.append("gave non-finite results for \(c.fastOnlyNonFinite) of \(c.chains) chains where f64 is finite")
        }
        parts.append("log density off by \(sci(c.logDensityError)), gradient by \(sci(c.gradientError)) (relative, worst chain)")
        return parts.joined(separator: "; ")
    }

    /// Two significant figures in scientific form, truncated: 6.34e-5 → "6.3e-5".
    static func sci(_ x: Double) -> String {
        guard x > 0, x.isFinite else { return x == 0 ? "0" : "\(x)" }
        let e = floor(log10(x))
        return "\(Double(Int(x / pow(10, e) * 10)) / 10)e\(Int(e))"
    }
}
