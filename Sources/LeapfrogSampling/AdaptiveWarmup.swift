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
/// The schedule (`WarmupSchedule.adaptive`): Stan's 75-iteration initial buffer, then slow
/// windows of constant length (`window`; with thousands of chains a pooled estimate needs no
/// doubling windows), each ending in a metric update and a step-size search, up to the user's
/// `--warmup` as the maximum. At every window's end from the second on, warmup is judged
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
/// - the adapted step size changed by less than `stepSizeChange` (relative, |log ε_t/ε_{t−1}|),
///   the inverse metric's diagonal by less than `metricChange` (largest |log m_t/m_{t−1}|), and
///   ChEES's trajectory length by less than `trajectoryChange` (|log T_t/T_{t−1}| of the moving
///   average of log T that sampling will use, not of Adam's noisy iterate).
///
/// Then one terminal buffer (Stan's 50 iterations of step-size adaptation under the final
/// metric) ends warmup. No check passes before `minimum` iterations.
public struct AdaptiveWarmup: Sendable, Hashable {
    /// Iterations per slow window (each ends with a check).
    public var window = 50
    /// Warmup never ends before this many iterations (initial buffer + two windows + terminal).
    public var minimum = 225
    /// Nested R̂ bound: the paper's suggested 1 + δ with δ = 0.01.
    public var nestedRHat = 1.01
    /// Bound on the log density's drift between windows, in posterior sds.
    public var lpDrift = 0.1
    /// Bounds on the relative change of the step size, the metric and the trajectory length.
    public var stepSizeChange = 0.1
    public var metricChange = 0.25
    public var trajectoryChange = 0.1
    /// Directions of the position judged besides the log density.
    public var projections = 4

    public init() {}

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
    /// traces[q][chain][draw]: q = 0 the log density, then the projections.
    private var traces: [[[Double]]]
    private var previous: (lpMean: Double, stepSize: Double, metric: [Double], trajectory: Double?)?
    private(set) var checks: [WarmupReport.Check] = []

    init(_ rule: AdaptiveWarmup, chains: Int, superchains: Int, dimension: Int) {
        self.rule = rule
        self.superchains = superchains
        self.dimension = dimension
        traces = Array(repeating: Array(repeating: [], count: chains), count: 1 + rule.projections)
    }

    /// Component i of projection j: a ±1 pattern (the parity of the bits of i & (j + 1), a column
    /// of a Hadamard-like matrix; j = 0 is the sum of the coordinates up to sign), scaled to unit
    /// length. Fixed, so every back end and every run judges the same directions.
    static func projectionSign(_ i: Int, _ j: Int) -> Double {
        (i & (j + 1)).nonzeroBitCount % 2 == 0 ? 1 : -1
    }

    mutating func record(_ state: SamplerState) {
        let scale = 1 / Double(max(1, dimension)).squareRoot()
        for c in 0..<state.chains {
            traces[0][c].append(state.logDensity[c])
            for j in 0..<rule.projections {
                var s = 0.0
                for i in 0..<dimension { s += Self.projectionSign(i, j) * state.positions[c, i] }
                traces[1 + j][c].append(s * scale)
            }
        }
    }

    /// Judges the window just finished at `iteration` (adapted step size, new metric diagonal,
    /// ChEES length) and starts the next; true when warmup may end.
    mutating func judge(iteration: Int, stepSize: Double, metric: [Double], trajectory: Double?) -> Bool {
        defer { for q in traces.indices { for c in traces[q].indices { traces[q][c].removeAll(keepingCapacity: true) } } }
        let lp = traces[0].flatMap { $0 }
        let lpMean = lp.reduce(0, +) / Double(max(1, lp.count))
        let lpSD = (lp.reduce(0) { $0 + ($1 - lpMean) * ($1 - lpMean) } / Double(max(1, lp.count - 1))).squareRoot()
        let rhat = traces.map { RHat.nested(Draws($0), superchains: superchains) }.map { $0.isNaN ? Double.infinity : $0 }.max() ?? .infinity
        guard let before = previous else {
            previous = (lpMean, stepSize, metric, trajectory)
            checks.append(.init(iteration: iteration, nestedRHat: rhat, lpDrift: .infinity, stepSizeChange: .infinity,
                                metricChange: .infinity, trajectoryChange: trajectory == nil ? nil : .infinity, passed: false))
            return false
        }
        previous = (lpMean, stepSize, metric, trajectory)
        let drift = lpSD > 0 ? abs(lpMean - before.lpMean) / lpSD : .infinity
        let stepChange = abs(log(stepSize / before.stepSize))
        var metricChange = 0.0
        for (a, b) in zip(metric, before.metric) { metricChange = max(metricChange, abs(log(a / b))) }
        let lengthChange = trajectory.flatMap { t in before.trajectory.map { abs(log(t / $0)) } }
        let passed = iteration + 1 + rule.terminalBuffer >= rule.minimum
            && rhat < rule.nestedRHat && drift < rule.lpDrift && stepChange < rule.stepSizeChange
            && !(metricChange > rule.metricChange) && !((lengthChange ?? 0) >= rule.trajectoryChange)
        checks.append(.init(iteration: iteration, nestedRHat: rhat, lpDrift: drift, stepSizeChange: stepChange,
                            metricChange: metricChange, trajectoryChange: lengthChange, passed: passed))
        return passed
    }
}

extension AdaptiveWarmup {
    /// Stan's terminal buffer, which follows the last window.
    var terminalBuffer: Int { WarmupSchedule.defaultTerminalBuffer }
}
