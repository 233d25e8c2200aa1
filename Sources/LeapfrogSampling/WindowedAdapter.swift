#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore
import LeapfrogDiagnostics
import LeapfrogRandom

/// Stan's windowed warmup (`adapt_diag_e_nuts::transition`, `windowed_adaptation`) over a batch.
///
/// Per warmup iteration: dual averaging on the acceptance statistic; inside a slow window the
/// new position goes into a Welford estimator; at a window's end the metric is set from the
/// estimates, the step-size heuristic reruns from the current point and dual averaging restarts
/// around it. After warmup the step size is exp(x̄).
///
/// Pooled adaptation: one dual averaging on an aggregate of the chains' acceptance statistics
/// (`statistic`) and one metric from all chains' Welford estimates combined; the step-size
/// heuristic runs per chain and the median is taken. Per-chain adaptation couples nothing:
/// chain c's draws are then identical whatever the number of chains.
public struct WindowedAdapter: Adapter {
    /// How one step size is fed when the chains share it.
    public enum SharedStatistic: Sendable, Hashable {
        /// The mean of the chains' acceptance statistics (non-finite counted as 0).
        case meanAcceptance
        /// ChEES's aggregate (`ChEESAdaptation.aggregate`).
        case chees(ChEESAdaptation.Aggregation)
    }

    public private(set) var adaptation: Adaptation
    public private(set) var schedule: WarmupSchedule
    /// The adaptive warmup's judge (`AdaptiveWarmup`); nil for a fixed warmup.
    private var convergence: WarmupConvergence?
    let kind: MetricKind
    let pooled: Bool
    let pooling: MetricPooling
    /// What the metric is estimated from; the window estimates hold `momentDimension` coordinates.
    let estimator: MetricEstimator
    let sharedStepSize: Bool
    let statistic: SharedStatistic
    let target: DualAveraging.Parameters
    let integrator: Integrator
    let dimension: Int
    private var averaging: [DualAveraging] = []
    private var welford: [WelfordEstimator]
    /// A metric each chain adapts for itself spans this many of the latest slow windows
    /// (`AdaptiveWarmup.chainMetricDraws`); 1 for a pooled metric and a fixed warmup.
    let metricWindows: Int
    /// The estimates of the windows before the current one that the next metric spans (oldest first).
    private var recentWindows: [[WelfordEstimator]] = []
    /// Each chain's log density over the current slow window (for `strayChains`).
    private var windowLogDensity: ChainMoments
    /// Stray chains are judged and moved (`StrayChainRelocation`).
    let relocatesStrayChains: Bool
    private var searches = 0
    /// The user's `--warmup`: an adaptive warmup's maximum.
    let maximumWarmup: Int

    /// Stan's windows for `configuration.warmup`; one step size shared by all chains when
    /// `sharedStepSize` (default: when adaptation is pooled), fed by `statistic`.
    public init(_ configuration: SamplerConfiguration, dimension d: Int, sharedStepSize: Bool? = nil,
                statistic: SharedStatistic = .meanAcceptance) {
        let n = configuration.chains
        if let rule = configuration.adaptiveWarmup {
            schedule = .adaptive(maximum: configuration.warmup, window: rule.window, initialBuffer: rule.initialBuffer,
                                 terminalBuffer: rule.terminalBuffer)
            convergence = WarmupConvergence(rule, chains: n, superchains: configuration.superchains, dimension: d)
            metricWindows = configuration.pooledAdaptation ? 1 : rule.metricWindows
        } else {
            schedule = WarmupSchedule(warmup: configuration.warmup, initialBuffer: configuration.buffers.initial,
                                      terminalBuffer: configuration.buffers.terminal)
            metricWindows = 1
        }
        kind = configuration.metric
        pooled = configuration.pooledAdaptation
        pooling = configuration.metricPooling
        estimator = kind == .diagonal ? configuration.metricEstimator : .variance
        self.sharedStepSize = sharedStepSize ?? pooled
        self.statistic = statistic
        target = DualAveraging.Parameters(target: configuration.resolvedTargetAcceptance)
        integrator = configuration.integrator
        dimension = d
        maximumWarmup = configuration.warmup
        let metric: Metric
        switch (kind, pooled) {
        case (.unit, _): metric = .unit
        case (.diagonal, true): metric = .diagonal(Array(repeating: 1, count: d))
        case (.diagonal, false): metric = .diagonalPerChain(ChainBatch(chains: n, dimension: d, repeating: 1))
        case (.dense, true): metric = .dense(.identity(dimension: d))
        case (.dense, false): metric = .densePerChain(Array(repeating: .identity(dimension: d), count: n))
        }
        adaptation = Adaptation(stepSizes: Array(repeating: configuration.initialStepSize, count: n), metric: metric)
        welford = Array(repeating: WelfordEstimator(dimension: estimator.momentDimension(d), dense: kind == .dense), count: n)
        relocatesStrayChains = configuration.strayChains == .relocate && n >= StrayChainRelocation.minimumChains
        windowLogDensity = ChainMoments(chains: n, quantities: 1)
    }

    var adaptsMetric: Bool { kind != .unit }
    /// The slow windows' per-chain Welford estimates are kept: for the metric or for the judge.
    var keepsWindowEstimates: Bool { adaptsMetric || relocatesStrayChains }
    /// A fresh window estimate of one chain.
    private var emptyEstimate: WelfordEstimator {
        WelfordEstimator(dimension: estimator.momentDimension(dimension), dense: kind == .dense)
    }

    public mutating func start(_ state: SamplerState, model: some BatchedLogDensity, executor: inout any TransitionExecutor,
                               random: PhiloxRandom, search: Bool) throws -> EvaluationCount {
        let cost = search ? try searchStepSizes(state, model: model, executor: &executor, random: random)
            : EvaluationCount(chains: state.chains)
        averaging = adaptation.stepSizes.prefix(sharedStepSize ? 1 : state.chains).map { DualAveraging(initialStepSize: $0) }
        return cost
    }

    public mutating func observe(_ transition: Transition, from previous: SamplerState, request: TransitionRequest,
                                 random: PhiloxRandom) {
        adaptStepSizes(transition.info)
        if case .slowWindow = schedule.phase(of: request.iteration) {
            if keepsWindowEstimates {
                WelfordEstimator.addWindow(transition.state, gradients: estimator.keepsGradients, to: &welford)
            }
            if relocatesStrayChains { windowLogDensity.add(transition.state.logDensity, half: 0) }
            if convergence != nil {
                convergence?.record(transition.state)
                let x = log(adaptedStepSize)
                convergence?.recordStepSize(log: x)
            }
        }
    }

    /// In a slow window: the positions into the window moments (on the device) and, for the
    /// judge, its projections; elsewhere nothing beyond the diagnostics. A dense metric needs the
    /// full batches.
    public func reductions(for iteration: Int) -> WarmupReductionRequest? {
        guard kind != .dense else { return nil }
        guard case .slowWindow = schedule.phase(of: iteration) else { return WarmupReductionRequest() }
        return WarmupReductionRequest(windowMoments: keepsWindowEstimates,
                                      gradientMoments: keepsWindowEstimates && estimator.keepsGradients,
                                      projections: convergence?.projectionCount ?? 0)
    }

    /// Per-chain step sizes (no shared statistic) and a diagonal metric: the rest of the current
    /// phase — the initial buffer, the slow window (its end changes the metric), the terminal buffer.
    /// Not with the Fisher estimate: a chained group keeps its transitions' positions, not their
    /// gradients, so each transition then runs on its own.
    public func chainedSpan(from iteration: Int) -> ChainedWarmupSpan? {
        guard !sharedStepSize, let span = phaseSpan(from: iteration), !span.reductions.gradientMoments else { return nil }
        return span
    }

    /// The rest of the current phase from `iteration` with its dual averaging (one per chain, or
    /// the shared one) and reductions; nil outside warmup and for a dense metric. ChEES's shared
    /// span (`ChEESAdapter.chainedSpan`) is one: each of its transitions is a launch of its own,
    /// so its gradients' moments can be reduced too.
    func phaseSpan(from iteration: Int) -> ChainedWarmupSpan? {
        guard iteration < schedule.warmup, let reductions = reductions(for: iteration) else { return nil }
        let last: Int
        switch schedule.phase(of: iteration) {
        case .initialBuffer: last = (schedule.windows.first?.lowerBound ?? schedule.warmup) - 1
        case .slowWindow(let k): last = schedule.windows[k].upperBound - 1
        case .terminalBuffer: last = schedule.warmup - 1
        case .sampling: return nil
        }
        return ChainedWarmupSpan(last: min(last, schedule.warmup - 1), averaging: averaging, parameters: target,
                                 reductions: reductions)
    }

    public mutating func observe(reduced: ReducedTransition, request: TransitionRequest, random: PhiloxRandom) {
        adaptStepSizes(reduced.info, shared: reduced.cheesRecord?.statistic)
        if case .slowWindow = schedule.phase(of: request.iteration) {
            if relocatesStrayChains { windowLogDensity.add(reduced.logDensity, half: 0) }
            if convergence != nil, let projections = reduced.projections {
                convergence?.record(logDensity: reduced.logDensity, projections: projections)
                let x = log(adaptedStepSize)
                convergence?.recordStepSize(log: x)
            }
        }
    }

    /// Adds the device's window moments to the window's estimates (Chan's combination: the
    /// device's exactly when the host added none).
    public mutating func adoptWindowMoments(_ moments: [WelfordEstimator]) {
        guard keepsWindowEstimates else { return }
        precondition(moments.count == welford.count && moments.allSatisfy { $0.dimension == welford[0].dimension },
                     "adoptWindowMoments: \(moments.count) estimators of \(moments.first?.dimension ?? 0) coordinates for "
                     + "\(welford.count) chains of \(welford.first?.dimension ?? 0)")
        for c in welford.indices { welford[c].combine(moments[c]) }
    }

    /// Dual averaging on the iteration's acceptance statistics: one shared step size fed by
    /// `statistic` (or by `shared`, the statistic a device already aggregated and adapted from:
    /// a chained ChEES group's record), or one per chain.
    private mutating func adaptStepSizes(_ info: TransitionInfoBatch, shared: Double? = nil) {
        let n = info.count, stats = info.acceptanceStatistic
        if sharedStepSize {
            let stat: Double
            switch (statistic, shared) {
            case (_, let device?):
                stat = device
            case (.meanAcceptance, nil):
                stat = stats.reduce(0) { $0 + ($1.isFinite ? $1 : 0) } / Double(n)
            case (.chees(let how), nil):
                stat = ChEESAdaptation.aggregate(stats, divergent: info.divergent, how) ?? 0
            }
            adaptation.stepSizes = Array(repeating: averaging[0].update(statistic: stat, parameters: target), count: n)
        } else {
            for c in 0..<n { adaptation.stepSizes[c] = averaging[c].update(statistic: stats[c], parameters: target) }
        }
    }

    /// The step size a window's judgement compares: dual averaging's exp(x̄), the median over
    /// chains when each chain has its own.
    private var adaptedStepSize: Double { averaging.map(\.finalStepSize).sorted()[averaging.count / 2] }

    /// ChEES's moving average of log T after a slow-window iteration, for the judgement's noise band.
    mutating func recordTrajectory(log t: Double, iteration: Int) {
        if case .slowWindow = schedule.phase(of: iteration) { convergence?.recordTrajectory(log: t) }
    }

    public func endsWindow(_ iteration: Int) -> Bool { schedule.endsWindow(iteration) }

    /// The window's stray chains (`StrayChainRelocation`). A pooled metric drops their window
    /// estimates, so that it is learnt from the chains that stay; a chain's own metric takes its
    /// donor's estimate, the one learnt where it now is.
    public mutating func strayChains(iteration: Int, random: PhiloxRandom) -> [ChainRelocation] {
        guard relocatesStrayChains, case .slowWindow = schedule.phase(of: iteration) else { return [] }
        let positions = estimator.keepsGradients ? welford.map { $0.coordinates(0..<dimension) } : welford
        let moves = StrayChainRelocation.judge(positions: positions, logDensity: windowLogDensity, iteration: iteration,
                                               random: random)
        for move in moves {
            welford[move.chain] = pooled ? emptyEstimate : welford[move.donor]
            for k in recentWindows.indices { recentWindows[k][move.chain] = recentWindows[k][move.donor] }
        }
        return moves
    }

    public mutating func endWindow(_ state: SamplerState, model: some BatchedLogDensity, executor: inout any TransitionExecutor,
                                   random: PhiloxRandom, iteration: Int) throws -> EvaluationCount {
        try endWindow(state, model: model, executor: &executor, random: random, iteration: iteration, trajectoryLength: nil)
    }

    /// Closes the window ending at `iteration`: the metric, the step-size search and, for an
    /// adaptive warmup, the judgement (with ChEES's `trajectoryLength`) that may end warmup.
    mutating func endWindow(_ state: SamplerState, model: some BatchedLogDensity, executor: inout any TransitionExecutor,
                            random: PhiloxRandom, iteration end: Int, trajectoryLength: Double?) throws -> EvaluationCount {
        // The window's adapted step size (before the search restarts dual averaging), for the judge.
        let adaptedStepSize = convergence == nil ? 0 : self.adaptedStepSize
        var cost = EvaluationCount(chains: state.chains)
        if keepsWindowEstimates {
            if adaptsMetric {
                adaptation.metric = try Self.adaptedMetric(spannedEstimates(), kind: kind, pooled: pooled, pooling: pooling,
                                                           estimator: estimator, dimension: dimension)
            }
            if metricWindows > 1 { recentWindows = Array((recentWindows + [welford]).suffix(metricWindows - 1)) }
            welford = Array(repeating: emptyEstimate, count: state.chains)
            windowLogDensity = ChainMoments(chains: state.chains, quantities: 1)
        }
        if adaptsMetric {
            cost = try searchStepSizes(state, model: model, executor: &executor, random: random)
            for k in averaging.indices { averaging[k].restart(initialStepSize: adaptation.stepSizes[k]) }
        }
        if var judge = convergence {
            let metric = (0..<(pooled ? 1 : state.chains)).map { adaptation.metric.inverseDiagonal(chain: $0, dimension: dimension) }
            let pooledDiagonal = metric.count == 1 ? metric[0]
                : (0..<dimension).map { i in metric.reduce(0) { $0 + $1[i] } / Double(metric.count) }
            if judge.judge(iteration: end, stepSize: adaptedStepSize, metric: pooledDiagonal, trajectory: trajectoryLength) {
                schedule = schedule.ending(afterWindowEndingAt: end)
            }
            convergence = judge
        }
        return cost
    }

    /// Each chain's estimate over the windows the metric spans: the recent windows' and the
    /// current one's draws combined, oldest first (the current window's alone when it spans one).
    private func spannedEstimates() -> [WelfordEstimator] {
        guard !recentWindows.isEmpty else { return welford }
        return welford.indices.map { c in
            var e = recentWindows[0][c]
            for k in recentWindows.indices.dropFirst() { e.combine(recentWindows[k][c]) }
            e.combine(welford[c])
            return e
        }
    }

    /// Whether an adaptive warmup's judgement at `iteration` found the chains still travelling
    /// (`WarmupConvergence.chainsInTransit`); nil for a fixed warmup or an iteration not judged.
    func chainsInTransit(at iteration: Int) -> Bool? { convergence?.chainsInTransit(at: iteration) }

    public var warmupLength: Int { schedule.warmup }

    public func phase(of iteration: Int) -> WarmupSchedule.Phase { schedule.phase(of: iteration) }

    public var warmupReport: WarmupReport? {
        guard let judge = convergence else { return nil }
        let maximum = maximumWarmup
        let passed = judge.checks.last { $0.passed }
        let reason = passed.map { c in
            "converged at iteration \(c.iteration + 1) (nested R-hat \(NumberFormat.significant(c.nestedRHat, digits: 4)) over "
                + "\(judge.superchains) superchains, log-density drift \(NumberFormat.significant(c.lpDrift)) sd, "
                + "step size change \(NumberFormat.significant(c.stepSizeChange))"
                + (c.trajectoryChange.map { ", trajectory length change \(NumberFormat.significant($0))" } ?? "")
                + "); then \(schedule.terminalBuffer) terminal iterations"
        } ?? "reached the maximum of \(maximum) iterations without converging"
        return WarmupReport(iterations: schedule.warmup, maximum: maximum, superchains: judge.superchains,
                            reason: reason, checks: judge.checks)
    }

    public mutating func finish() {
        let n = adaptation.stepSizes.count
        if sharedStepSize {
            adaptation.stepSizes = Array(repeating: averaging[0].finalStepSize, count: n)
        } else {
            for c in 0..<n { adaptation.stepSizes[c] = averaging[c].finalStepSize }
        }
    }

    /// Stan's step-size heuristic from `state` under the current metric (`StepSizeSearch`), where
    /// `executor` runs it, else on the host over `model`; the median over chains when the step
    /// size is shared.
    private mutating func searchStepSizes(_ state: SamplerState, model: some BatchedLogDensity,
                                          executor: inout any TransitionExecutor, random: PhiloxRandom) throws -> EvaluationCount {
        let r = try executor.searchStepSizes(state, metric: adaptation.metric, integrator: integrator,
                                             initial: adaptation.stepSizes, random: random, search: searches)
            ?? StepSizeSearch.run(state, model: model, metric: adaptation.metric, integrator: integrator,
                                  initial: adaptation.stepSizes, random: random, search: searches)
        searches += 1
        adaptation.stepSizes = sharedStepSize
            ? Array(repeating: Self.median(r.stepSizes), count: state.chains) : r.stepSizes
        return EvaluationCount(gradients: r.gradientEvaluations, lockstep: r.lockstepEvaluations)
    }

    /// The regularised metric from the window's Welford estimates, combined by `pooling` when
    /// `pooled`, a diagonal one by `estimator`; `.sampling` error when it is not finite or not
    /// positive definite.
    static func adaptedMetric(_ estimators: [WelfordEstimator], kind: MetricKind, pooled: Bool,
                              pooling: MetricPooling = .within, estimator: MetricEstimator = .variance,
                              dimension d: Int) throws -> Metric {
        func check(_ v: [Double], chain: Int?) throws {
            if let bad = v.firstIndex(where: { !$0.isFinite || $0 <= 0 && kind == .diagonal }) {
                let who = chain.map { "chain \($0)" } ?? "pooled over chains"
                throw LeapfrogError(.sampling, "adapted inverse metric (\(who)) is not finite at entry \(bad) (\(v[bad])); "
                                    + "check for parameters that drift without bound during warmup (an improper "
                                    + "posterior, a missing prior or constraint), or use the unit metric")
            }
        }
        if pooled {
            let all: WelfordEstimator
            switch pooling {
            case .total: all = estimators.dropFirst().reduce(into: estimators[0]) { $0.combine($1) }
            case .within: all = .pooledWithin(estimators)
            }
            if kind == .dense {
                let v = all.regularised
                try check(v, chain: nil)
                return .dense(try DenseInverseMetric(inverse: v, dimension: d))
            }
            let v = estimator.inverseMetricDiagonal(all, dimension: d)
            try check(v, chain: nil)
            return .diagonal(v)
        }
        let n = estimators.count
        if kind == .dense {
            return .densePerChain(try estimators.enumerated().map { c, e in
                let v = e.regularised
                try check(v, chain: c)
                return try DenseInverseMetric(inverse: v, dimension: d)
            })
        }
        var batch = ChainBatch(chains: n, dimension: d)
        for (c, e) in estimators.enumerated() {
            let v = estimator.inverseMetricDiagonal(e, dimension: d)
            try check(v, chain: c)
            batch.setVector(v, chain: c)
        }
        return .diagonalPerChain(batch)
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        let m = s.count / 2
        return s.count % 2 == 1 ? s[m] : 0.5 * (s[m - 1] + s[m])
    }
}
