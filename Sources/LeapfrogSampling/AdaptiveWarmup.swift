#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore
import LeapfrogDiagnostics

/// A warmup that ends when it is done: for many chains, the batch itself says when the chains
/// have forgotten their starts and the adaptation has settled.
///
/// The schedule (`WarmupSchedule.adaptive`): Stan's 75-iteration initial buffer
/// (`initialBuffer`), then slow windows of constant length (`window`; with thousands of chains a
/// pooled estimate needs no doubling windows), each ending in a metric update and a step-size
/// search, up to the user's `--warmup` as the maximum. At every window's end from the second on, warmup is judged
/// converged when all of these hold over the window just finished:
///
/// - nested R̂ (Margossian et al. 2024, `RHat.nested`) over the superchains (chains that shared
///   an initial point) of the log density and of `projections` fixed directions of the
///   unconstrained position is below `nestedRHat`: the superchains agree, so the chains have
///   forgotten where they started;
/// - the log density's mean over all chains moved by less than `lpDrift` posterior sds
///   (the sd across chains and draws) since the previous window: the batch is not still
///   climbing towards the typical set, which nested R̂ alone can miss when every superchain
///   climbs together;
/// - the adapted step size changed by less than its tolerance (|log ε_t/ε_{t−1}|, ε the dual
///   averaging's x̄ that sampling will use; the chains' median when each adapts its own, NUTS's
///   default), the inverse metric's diagonal by less than
///   `metricChange` (largest |log m_t/m_{t−1}|), and ChEES's trajectory length by less than its
///   tolerance (|log T_t/T_{t−1}| of the moving average of log T that sampling will use, not of
///   Adam's noisy iterate).
///
/// **Noise-scaled tolerances** for the step size and the trajectory length. Both estimates are
/// averages of noisy iterates (dual averaging's x̄ of a per-iteration statistic, the moving average
/// of Adam's steps on log T), and with thousands of chains their noise does not shrink with the
/// chains: ChEES's harmonic mean of the acceptance probabilities is dominated by its worst chains
/// (1/α has no finite mean when α has density at 0), and Adam with a large learning rate moves
/// log T by up to ±0.35 per iteration. Measured on the BNN at 4,096 chains (docs/benchmarks.md),
/// the step size moved 5–15 % and T 3–33 % between windows while everything else had settled, so
/// fixed bounds of 10 % never passed. The judge therefore also measures each estimate's own
/// jitter: σ_k, the sd of log x̄ (of log T̄) over the second half of window k. A change between
/// windows is settled when |Δ| < max(bound, `noiseMultiple` · √(σ_k² + σ_{k−1}²)), the bound
/// capped at `noiseCap`. A persistent trend still fails: a ramp that rises r over a window has
/// σ ≈ 0.14 r over a half window, so its change of about r between windows exceeds 2 · √2 · 0.14 r
/// = 0.4 r; pure jitter of sd σ changes by about √2 σ, inside the band.
///
/// Then one terminal buffer (Stan's 50 iterations of step-size adaptation under the final
/// metric, `terminalBuffer`) ends warmup. No check passes before `minimum` iterations.
public struct AdaptiveWarmup: Sendable, Hashable {
    /// Iterations per slow window (each ends with a check): `defaultWindow(chains:)` from the
    /// command line, `standardWindow` otherwise.
    public var window = standardWindow
    /// Iterations before the first slow window (step size only) and after the last (step size
    /// under the final metric): Stan's `init_buffer` and `term_buffer` unless `--init-buffer`,
    /// `--term-buffer` say otherwise. Shorter buffers were measured at 1,024 chains and kept
    /// opt-in (docs/benchmarks.md, "Quasi-random jitter for ChEES, and shorter warmup buffers
    /// tried"): 25 and 25 raised the BNN's lp ESS per gradient by a tenth on average, within two
    /// standard errors, but a terminal buffer of 25 left dual averaging's restart transient in
    /// kilpisjarvi's step size (largest R-hat 1.06 → 1.10–1.20).
    public var initialBuffer = WarmupSchedule.defaultInitialBuffer
    public var terminalBuffer = WarmupSchedule.defaultTerminalBuffer
    /// Warmup never ends before this many iterations; nil: the initial buffer, two windows (the
    /// first judgement has nothing to compare with) and the terminal buffer, 225 for windows of 50.
    public var minimumIterations: Int?
    /// The iterations warmup runs at least.
    public var minimum: Int {
        minimumIterations ?? initialBuffer + 2 * window + terminalBuffer
    }
    /// Nested R̂ bound: the paper's suggested 1 + δ with δ = 0.01.
    public var nestedRHat = 1.01
    /// Bound on the log density's drift between windows, in posterior sds.
    public var lpDrift = 0.1
    /// Bounds on the relative change of the step size, the metric and the trajectory length.
    public var stepSizeChange = 0.1
    public var metricChange = 0.25
    public var trajectoryChange = 0.1
    /// Half-width of the noise band, in sds of the difference of two windows' estimates (a
    /// two-sided 95 % band for Gaussian jitter).
    public var noiseMultiple = 2.0
    /// The most a noise band may widen the step-size and trajectory-length bounds: a change of
    /// more than 40 % (|log| > log 1.4) is never called settled, however noisy.
    public var noiseCap = 0.336
    /// Directions of the position judged besides the log density.
    public var projections = 4
    /// A metric each chain adapts for itself (not pooled over chains: NUTS's default) is estimated
    /// from the latest windows that hold at least this many of its draws: with windows of 25, the
    /// last two. The chain's own draws are all such an estimate has, and 25 of them under-estimate a
    /// direction the chain crosses slowly (posteriordb's kilpisjarvi at 1,024 chains: the smallest
    /// ESS per gradient a third of the 50-draw estimate's, R-hat 1.08–1.11; docs/benchmarks.md,
    /// "Shorter windows for many chains"). A pooled metric pools over chains and spans one window.
    public var chainMetricDraws = 50

    /// How many latest windows a chain's own metric spans.
    public var metricWindows: Int { max(1, (chainMetricDraws + window - 1) / max(1, window)) }

    public init() {}

    /// Slow windows below `shortWindowChains` chains: Stan's base window doubled.
    public static let standardWindow = 50
    /// From this many chains on, slow windows are `shortWindow` iterations long.
    public static let shortWindowChains = 1_024
    /// The slow windows of a batch of `shortWindowChains` or more chains: each still pools at least
    /// 25,600 draws into a pooled metric's update, more than a window of 50 over 256 chains (where
    /// the adaptive warmup becomes the default); a metric each chain adapts for itself spans the
    /// last two windows (`chainMetricDraws`). Measured on the BNN, eight schools and posteriordb
    /// programs at 1,024 and 4,096 chains, NUTS and ChEES (docs/benchmarks.md, "Shorter windows
    /// for many chains"): warmup ended 50–125 iterations sooner, with the same posterior moments
    /// and a larger lp ESS per gradient.
    public static let shortWindow = 25

    /// The slow window's length for a batch of `chains`: `standardWindow`, or `shortWindow` from
    /// `shortWindowChains` on.
    public static func defaultWindow(chains: Int) -> Int { chains >= shortWindowChains ? shortWindow : standardWindow }

    /// Superchains used when the user asks for none: up to 16 groups of at least 2 chains (nested
    /// R̂ needs ≥ 2 superchains; more give a steadier between-superchain variance). Nil when the
    /// chain count allows no such grouping (fewer than 4 chains, or a prime count).
    public static func defaultSuperchains(chains: Int) -> Int? {
        for k in stride(from: min(16, chains / 2), through: 2, by: -1) where chains % k == 0 { return k }
        return nil
    }
}

/// The traces of one window and the previous window's figures: what `AdaptiveWarmup` judges.
struct WarmupConvergence: Sendable {
    let rule: AdaptiveWarmup
    let superchains: Int
    let dimension: Int
    /// The window's running per-chain moments (all nested R̂ and the log density's drift need):
    /// quantity 0 the log density, then the scaled projections.
    private var window: ChainMoments
    private var previous: (lpMean: Double, stepSize: Double, metric: [Double], trajectory: Double?,
                           stepSizeNoise: Double, trajectoryNoise: Double)?
    /// The window's per-iteration log step size (x̄) and log trajectory length (moving average).
    private var stepSizeTrace: [Double] = []
    private var trajectoryTrace: [Double] = []
    private(set) var checks: [WarmupReport.Check] = []

    init(_ rule: AdaptiveWarmup, chains: Int, superchains: Int, dimension: Int) {
        self.rule = rule
        self.superchains = superchains
        self.dimension = dimension
        window = ChainMoments(chains: chains, quantities: 1 + rule.projections)
    }

    /// Component i of projection j: a ±1 pattern (the parity of the bits of i & (j + 1), a column
    /// of a Hadamard-like matrix; j = 0 is the sum of the coordinates up to sign), scaled to unit
    /// length. Fixed, so every back end and every run judges the same directions.
    static func projectionSign(_ i: Int, _ j: Int) -> Double {
        (i & (j + 1)).nonzeroBitCount % 2 == 0 ? 1 : -1
    }

    /// Σ_i s(i, j) x_i for every chain and j < `count` (s = `projectionSign`, summed in order of
    /// i): the unscaled projections, one row per j (the host twin of Kernels/warmup.cl's
    /// `lf_warmup_projections`).
    public static func projections(_ positions: ChainBatch, count: Int) -> ChainBatch {
        let n = positions.chains, d = positions.dimension
        var out = ChainBatch(chains: n, dimension: count)
        for c in 0..<n {
            for j in 0..<count {
                var s = 0.0
                for i in 0..<d { s += projectionSign(i, j) * positions[c, i] }
                out[c, j] = s
            }
        }
        return out
    }

    /// Whether the judgement at `iteration` found the chains still travelling: their superchains
    /// disagree (nested R̂ at or above its bound) or their mean log density still drifts (at or
    /// above its bound; the first judgement has no drift to measure). Nil when no judgement was
    /// made at `iteration`.
    func chainsInTransit(at iteration: Int) -> Bool? {
        guard let check = checks.last, check.iteration == iteration else { return nil }
        return !(check.nestedRHat < rule.nestedRHat) || check.lpDrift.isFinite && !(check.lpDrift < rule.lpDrift)
    }

    /// Records a slow-window iteration's state.
    mutating func record(_ state: SamplerState) {
        record(logDensity: state.logDensity, projections: Self.projections(state.positions, count: rule.projections))
    }

    /// Records a slow-window iteration from every chain's log density and its unscaled
    /// `projections` (computed here, or on a device).
    mutating func record(logDensity: [Double], projections: ChainBatch) {
        let scale = 1 / Double(max(1, dimension)).squareRoot()
        var values = [Double]()
        values.reserveCapacity(logDensity.count + projections.values.count)
        values += logDensity
        for v in projections.values { values.append(v * scale) }
        window.add(values, half: 0)
    }

    /// Projections `record` asks for.
    var projectionCount: Int { rule.projections }

    /// Notes the adapted estimates after a slow-window iteration: dual averaging's x̄ (log) and,
    /// for ChEES, the moving average of log T (`recordTrajectory`).
    mutating func recordStepSize(log x: Double) { stepSizeTrace.append(x) }
    mutating func recordTrajectory(log t: Double) { trajectoryTrace.append(t) }

    /// An estimate's jitter over a window: the sd of its trace's second half (0 for fewer than 4
    /// values, so a short or unrecorded trace leaves the fixed bound alone).
    static func jitter(_ trace: [Double]) -> Double {
        let half = trace.suffix(trace.count / 2)
        guard half.count >= 2, trace.count >= 4 else { return 0 }
        let mean = half.reduce(0, +) / Double(half.count)
        let v = half.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(half.count - 1)
        return v.isFinite ? v.squareRoot() : 0
    }

    /// The bound a change between windows must stay under: `bound`, widened to the noise band
    /// of the two windows' jitters, at most `noiseCap`.
    func tolerance(_ bound: Double, noise a: Double, _ b: Double) -> Double {
        max(bound, min(rule.noiseCap, rule.noiseMultiple * (a * a + b * b).squareRoot()))
    }

    /// Judges the window just finished at `iteration` (adapted step size, new metric diagonal,
    /// ChEES length) and starts the next; true when warmup may end.
    mutating func judge(iteration: Int, stepSize: Double, metric: [Double], trajectory: Double?) -> Bool {
        defer {
            window = ChainMoments(chains: window.chains, quantities: window.quantities)
            stepSizeTrace.removeAll(keepingCapacity: true)
            trajectoryTrace.removeAll(keepingCapacity: true)
        }
        let stepNoise = Self.jitter(stepSizeTrace), lengthNoise = Self.jitter(trajectoryTrace)
        let summaries = (0..<window.quantities).map { window.summary(quantity: $0, name: "", superchains: superchains) }
        let lpMean = summaries[0].mean, lpSD = summaries[0].sd
        // A quantity with a non-finite value is not judged converged (nested R̂ of such draws is NaN).
        let rhat = summaries.indices.map { q in window.nonFinite[q] > 0 ? .infinity : summaries[q].nestedRHat ?? .nan }
            .map { $0.isNaN ? Double.infinity : $0 }.max() ?? .infinity
        guard let before = previous else {
            previous = (lpMean, stepSize, metric, trajectory, stepNoise, lengthNoise)
            checks.append(.init(iteration: iteration, nestedRHat: rhat, lpDrift: .infinity, stepSizeChange: .infinity,
                                metricChange: .infinity, trajectoryChange: trajectory == nil ? nil : .infinity, passed: false))
            return false
        }
        previous = (lpMean, stepSize, metric, trajectory, stepNoise, lengthNoise)
        let drift = lpSD > 0 ? abs(lpMean - before.lpMean) / lpSD : .infinity
        let stepChange = abs(log(stepSize / before.stepSize))
        var metricChange = 0.0
        for (a, b) in zip(metric, before.metric) { metricChange = max(metricChange, abs(log(a / b))) }
        let lengthChange = trajectory.flatMap { t in before.trajectory.map { abs(log(t / $0)) } }
        let stepBound = tolerance(rule.stepSizeChange, noise: stepNoise, before.stepSizeNoise)
        let lengthBound = trajectory == nil ? nil : tolerance(rule.trajectoryChange, noise: lengthNoise, before.trajectoryNoise)
        let passed = iteration + 1 + rule.terminalBuffer >= rule.minimum
            && rhat < rule.nestedRHat && drift < rule.lpDrift && stepChange < stepBound
            && !(metricChange > rule.metricChange) && !((lengthChange ?? 0) >= (lengthBound ?? .infinity))
        checks.append(.init(iteration: iteration, nestedRHat: rhat, lpDrift: drift, stepSizeChange: stepChange,
                            metricChange: metricChange, trajectoryChange: lengthChange, passed: passed,
                            stepSizeTolerance: stepBound, trajectoryTolerance: lengthBound))
        return passed
    }
}
