import LeapfrogCore
import LeapfrogRandom

/// The driver: initialisation, warmup (Stan's windowed adaptation, or ChEES), sampling.
///
/// Iterations are numbered globally (warmup 0..<W, sampling W..<W+D); that number is the
/// Philox iteration word, so a run's random numbers do not depend on where it is cut.
/// Warmup per iteration, as Stan `adapt_diag_e_nuts::transition`: transition; dual averaging
/// on the acceptance statistic; inside a slow window add the new position to the Welford
/// estimator; at a window end set the metric, rerun the step-size heuristic from the current
/// point, restart dual averaging around it. After warmup the step size is exp(x̄).
///
/// Pooled adaptation: one dual averaging on the chains' mean acceptance statistic (ChEES: the
/// configured aggregate) and one metric from all chains' Welford estimates combined; the step
/// size heuristic runs per chain and the median is taken. Per-chain adaptation couples nothing:
/// chain c's draws are then identical whatever the number of chains.
///
/// A model that is a `PrecisionCheckpoint` (`PrecisionGuard`) is checked after initialisation,
/// at the end of every slow window and at the end of warmup; a run that passes every check
/// makes the same draws as one without checks.
public enum Sampler {
    /// Runs `configuration` on `model`, writing every retained iteration to `sink`.
    ///
    /// - progress: called after every iteration (warmup and sampling).
    /// - shouldStop: tested once before every iteration; when it returns true the run stops and
    ///   returns normally with `interrupted = true` (the sink keeps what was written).
    public static func run(model: some BatchedLogDensity, configuration config: SamplerConfiguration,
                           sink: DrawSink, progress: ((SamplingProgress) -> Void)? = nil,
                           shouldStop: (() -> Bool)? = nil) throws -> SamplingResult {
        let d = model.dimension, n = config.chains
        try config.validate(dimension: d)
        let random = PhiloxRandom(seed: config.seed)
        let warmup = config.warmup, total = config.warmup + config.draws
        let schedule = WarmupSchedule(warmup: warmup)

        let start = try Initialisation.run(model: model, chains: n, points: config.initialPoints,
                                           superchains: config.superchains, random: random)
        var state = start.state
        var gradients = start.gradientEvaluations
        var lockstep = start.lockstepEvaluations

        // Precision checkpoints (see `PrecisionGuard`): after initialisation, at every slow
        // window's end and at warmup's end. A switch re-evaluates the state in the new precision.
        let checkpoint = model as? any PrecisionCheckpoint
        func checkPrecision(_ stage: PrecisionGuard.Stage) throws {
            guard let checkpoint, try checkpoint.checkPrecision(at: state.positions, stage: stage) else { return }
            state = try SamplerState(positions: state.positions, model: model)
            lockstep += 1
            for c in 0..<n { gradients[c] += 1 }
        }
        try checkPrecision(.initialisation)

        let pooled = config.pooledAdaptation
        var metric: Metric
        switch (config.metric, pooled) {
        case (.unit, _): metric = .unit
        case (.diagonal, true): metric = .diagonal(Array(repeating: 1, count: d))
        case (.diagonal, false): metric = .diagonalPerChain(ChainBatch(chains: n, dimension: d, repeating: 1))
        case (.dense, true): metric = .dense(.identity(dimension: d))
        case (.dense, false): metric = .densePerChain(Array(repeating: .identity(dimension: d), count: n))
        }
        let adaptMetric = config.metric != .unit

        var stepSizes = Array(repeating: config.initialStepSize, count: n)
        let target = DualAveraging.Parameters(target: config.resolvedTargetAcceptance)
        let sharedStepSize: Bool = config.sampler == .chees
            ? config.cheesStepSizeAggregation != .perChain : pooled
        var searchCount = 0

        func searchStepSizes() throws {
            let r = try StepSizeSearch.run(state, model: model, metric: metric, integrator: config.integrator,
                                           initial: stepSizes, random: random, search: searchCount)
            searchCount += 1
            lockstep += r.lockstepEvaluations
            for c in 0..<n { gradients[c] += r.gradientEvaluations[c] }
            stepSizes = sharedStepSize ? Array(repeating: median(r.stepSizes), count: n) : r.stepSizes
        }

        if warmup > 0 { try searchStepSizes() }
        var averaging = (0..<(sharedStepSize ? 1 : n)).map { DualAveraging(initialStepSize: stepSizes[$0]) }
        var welford = Array(repeating: WelfordEstimator(dimension: d, dense: config.metric == .dense), count: n)
        var chees = ChEESAdaptation(trajectoryLength: config.cheesInitialTrajectoryLength ?? stepSizes[0],
                                    learningRate: config.cheesLearningRate)
        var cheesLength = chees.trajectoryLength

        var nutsWorkspace = NUTSWorkspace()
        let nuts = NUTSKernel(maxDepth: config.maxDepth, integrator: config.integrator)
        let hmc = HMCKernel(trajectory: config.hmcTrajectory, jitter: config.hmcJitter, integrator: config.integrator)

        var warmupDivergences = 0, samplingDivergences = [Int](repeating: 0, count: n)
        var warmupGradients = gradients, warmupLockstep = lockstep
        var written = 0
        var interrupted = false
        var announced = false

        func announce() throws {
            if announced { return }
            announced = true
            warmupGradients = gradients
            warmupLockstep = lockstep
            try sink.adaptationFinished(Adaptation(stepSizes: stepSizes, metric: metric,
                                                   trajectoryLength: config.sampler == .chees ? cheesLength : nil))
        }
        if warmup == 0 { try announce() }

        for iteration in 0..<total {
            if shouldStop?() == true { interrupted = true; break }
            if iteration == warmup { try announce() }
            let isWarmup = iteration < warmup

            // Transition.
            let transition: Transition
            var cheesJitter = 0.0
            switch config.sampler {
            case .nuts:
                transition = try nuts.transition(state, model: model, metric: metric, stepSizes: stepSizes,
                                                 random: random, iteration: iteration, workspace: &nutsWorkspace)
            case .hmc:
                transition = try hmc.transition(state, model: model, metric: metric, stepSizes: stepSizes,
                                                random: random, iteration: iteration)
            case .chees:
                cheesJitter = ChEESAdaptation.jitter(random: random, iteration: iteration)
                let kernel = HMCKernel(trajectory: .time(cheesJitter * (isWarmup ? chees.trajectoryLength : cheesLength)),
                                       integrator: config.integrator)
                transition = try kernel.transition(state, model: model, metric: metric, stepSizes: stepSizes,
                                                   random: random, iteration: iteration)
            }
            let previous = state
            state = transition.state
            lockstep += transition.lockstepEvaluations
            for c in 0..<n { gradients[c] += transition.info[c].gradientEvaluations }
            let divergent = transition.info.map { $0.divergent }

            if isWarmup {
                warmupDivergences += divergent.filter { $0 }.count
                let stats = transition.info.map { $0.acceptanceStatistic }
                // Step size.
                if sharedStepSize {
                    let stat: Double
                    if config.sampler == .chees {
                        stat = ChEESAdaptation.aggregate(stats, divergent: divergent, config.cheesStepSizeAggregation) ?? 0
                    } else {
                        stat = stats.map { $0.isFinite ? $0 : 0 }.reduce(0, +) / Double(n)
                    }
                    stepSizes = Array(repeating: averaging[0].update(statistic: stat, parameters: target), count: n)
                } else {
                    for c in 0..<n { stepSizes[c] = averaging[c].update(statistic: stats[c], parameters: target) }
                }
                // ChEES trajectory length.
                if config.sampler == .chees, let proposal = transition.proposal {
                    chees.update(starts: previous.positions, proposal: proposal, metric: metric, acceptance: stats,
                                 divergent: divergent, jitter: cheesJitter, stepSize: stepSizes[0])
                }
                // Metric windows.
                if adaptMetric, case .slowWindow = schedule.phase(of: iteration) {
                    for c in 0..<n { welford[c].add(state.positions.vector(chain: c)) }
                }
                if schedule.endsWindow(iteration) { try checkPrecision(.windowEnd(iteration: iteration)) }
                if adaptMetric && schedule.endsWindow(iteration) {
                    let before = metric
                    metric = try adaptedMetric(welford, kind: config.metric, pooled: pooled, dimension: d)
                    if config.sampler == .chees { chees.metricChanged(from: before, to: metric, dimension: d) }
                    welford = Array(repeating: WelfordEstimator(dimension: d, dense: config.metric == .dense), count: n)
                    try searchStepSizes()
                    for k in averaging.indices { averaging[k].restart(initialStepSize: stepSizes[k]) }
                }
                if iteration == warmup - 1 {
                    if sharedStepSize {
                        stepSizes = Array(repeating: averaging[0].finalStepSize, count: n)
                    } else {
                        for c in 0..<n { stepSizes[c] = averaging[c].finalStepSize }
                    }
                    cheesLength = chees.finalTrajectoryLength(stepSize: stepSizes.max() ?? stepSizes[0])
                    try checkPrecision(.warmupEnd(iteration: iteration))
                }
                progress?(SamplingProgress(phase: schedule.phase(of: iteration), iteration: iteration,
                                           totalIterations: total, divergences: warmupDivergences,
                                           gradientEvaluations: gradients.reduce(0, +), lockstepEvaluations: lockstep))
            } else {
                for c in 0..<n where divergent[c] { samplingDivergences[c] += 1 }
                let s = iteration - warmup
                if s % config.thin == 0 {
                    try sink.write(Draw(index: written, iteration: iteration, positions: state.positions,
                                        logDensity: state.logDensity, info: transition.info,
                                        lockstepEvaluations: transition.lockstepEvaluations))
                    written += 1
                }
                progress?(SamplingProgress(phase: .sampling, iteration: iteration, totalIterations: total,
                                           divergences: samplingDivergences.reduce(0, +),
                                           gradientEvaluations: gradients.reduce(0, +), lockstepEvaluations: lockstep))
            }
        }
        if !interrupted { try announce() }
        return SamplingResult(
            adaptation: Adaptation(stepSizes: stepSizes, metric: metric,
                                   trajectoryLength: config.sampler == .chees ? cheesLength : nil),
            gradientEvaluations: gradients, lockstepEvaluations: lockstep,
            warmupGradientEvaluations: warmupGradients, warmupLockstepEvaluations: warmupLockstep,
            divergences: samplingDivergences, drawsWritten: written, interrupted: interrupted, finalState: state)
    }

    /// Collects every draw in memory (small runs and tests).
    public static func sample(model: some BatchedLogDensity, configuration: SamplerConfiguration,
                              progress: ((SamplingProgress) -> Void)? = nil,
                              shouldStop: (() -> Bool)? = nil) throws -> (draws: InMemoryDrawSink, result: SamplingResult) {
        let sink = InMemoryDrawSink()
        let result = try run(model: model, configuration: configuration, sink: sink, progress: progress, shouldStop: shouldStop)
        return (sink, result)
    }

    /// The regularised metric from the window's Welford estimates; `.sampling` error when it is
    /// not finite or not positive definite.
    static func adaptedMetric(_ estimators: [WelfordEstimator], kind: MetricKind, pooled: Bool,
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
            var all = estimators[0]
            for e in estimators.dropFirst() { all.combine(e) }
            let v = all.regularised
            try check(v, chain: nil)
            return kind == .dense ? .dense(try DenseInverseMetric(inverse: v, dimension: d)) : .diagonal(v)
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
            let v = e.regularised
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
