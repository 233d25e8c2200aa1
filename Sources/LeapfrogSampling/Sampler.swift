import LeapfrogCore
import LeapfrogDiagnostics
import LeapfrogRandom

/// The driver: initialisation, warmup, sampling, for any `TransitionKernel` and its `Adapter`.
///
/// Iterations are numbered globally (warmup 0..<W, sampling W..<W+D); that number is the
/// Philox iteration word, so a run's random numbers do not depend on where it is cut. Each
/// iteration the kernel turns the adapter's tuning into a `TransitionRequest` and an executor
/// runs it (the host reference, `HostTransitionExecutor`, unless the caller passes another).
///
/// A model that is a `PrecisionCheckpoint` (`PrecisionGuard`) is checked after initialisation,
/// at the end of every adaptation window and at the end of warmup; a run that passes every
/// check makes the same draws as one without checks.
public enum Sampler {
    /// Runs `configuration` on `model`, writing every retained iteration to `sink`.
    ///
    /// - kernel: the sampler (default: the one `configuration.sampler` names, `SamplerKind.kernel`).
    /// - executor: runs the transitions (default: the host loop over `model`).
    /// - progress: called after every iteration (warmup and sampling).
    /// - shouldStop: tested once before every iteration; when it returns true the run stops and
    ///   returns normally with `interrupted = true` (the sink keeps what was written).
    public static func run(model: some BatchedLogDensity, configuration config: SamplerConfiguration,
                           sink: DrawSink, kernel: (any TransitionKernel)? = nil,
                           executor: (any TransitionExecutor)? = nil,
                           progress: ((SamplingProgress) -> Void)? = nil,
                           shouldStop: (() -> Bool)? = nil) throws -> SamplingResult {
        let d = model.dimension, n = config.chains
        try config.validate(dimension: d)
        let random = PhiloxRandom(seed: config.seed)
        let kernel = kernel ?? config.sampler.kernel(config)
        var adapter = kernel.makeAdapter(config, dimension: d)
        var executor: any TransitionExecutor = executor ?? HostTransitionExecutor(model: model)

        let start = try Initialisation.run(model: model, chains: n, points: config.initialPoints,
                                           superchains: config.superchains, random: random)
        var state = start.state
        var cost = EvaluationCount(gradients: start.gradientEvaluations, lockstep: start.lockstepEvaluations)

        // Precision checkpoints (see `PrecisionGuard`): after initialisation, at every window's
        // end and at warmup's end. A switch re-evaluates the state in the new precision.
        // Past initialisation the adapted metric estimates the posterior's sd in each coordinate,
        // √(M⁻¹)ᵢᵢ, which the fast precision must resolve.
        let checkpoint = model as? any PrecisionCheckpoint
        func checkPrecision(_ stage: PrecisionGuard.Stage) throws {
            var scales: ChainBatch?
            // A unit metric estimates nothing: its scales (1) would judge any |q| ≥ 2¹⁷ unresolved.
            if stage != .initialisation, adapter.adaptation.metric.kind != .unit {
                var s = adapter.adaptation.metric.inverseDiagonals(chains: n, dimension: d)
                for k in s.values.indices { s.values[k] = s.values[k].squareRoot() }
                scales = s
            }
            guard let checkpoint, try checkpoint.checkPrecision(at: state.positions, scales: scales, stage: stage) else { return }
            state = try SamplerState(positions: state.positions, model: model)
            cost.addBatchedEvaluation()
        }
        try checkPrecision(.initialisation)
        cost += try adapter.start(state, model: model, executor: &executor, random: random, search: adapter.warmupLength > 0)

        var warmupDivergences = 0, samplingDivergences = [Int](repeating: 0, count: n)
        var warmupCost = cost
        var written = 0
        var interrupted = false
        var announced = false
        var relocations: [ChainRelocation] = []
        var stopping = config.targetESS.map { ESSStopping(target: $0, chains: n) }

        func announce() throws {
            if announced { return }
            announced = true
            warmupCost = cost
            var adaptation = adapter.adaptation
            adaptation.warmupIterations = adapter.warmupLength
            try sink.adaptationFinished(adaptation)
        }
        if adapter.warmupLength == 0 { try announce() }

        // The warmup's length is the adapter's: an adaptive warmup shortens it at a window's end.
        var iteration = 0
        // Warmup on a device that keeps the state (`TransitionExecutor.executeKeepingState`): the
        // adapter learns from statistics reduced there, and the host's `state` is stale while
        // `held`, fetched (one read) where the host needs it: a window's end, warmup's end, a
        // transition the device cannot run.
        var held = false
        func fetchHeld() throws {
            if held {
                state = try executor.heldState()
                held = false
            }
        }
        // After warmup iteration `iteration`'s transition has been observed: the counts, a window's
        // end, warmup's end, progress; then the next iteration.
        func finishWarmupIteration(info: TransitionInfoBatch, lockstep: Int) throws {
            cost.add(info.gradientEvaluations, lockstep: lockstep)
            warmupDivergences += info.divergences
            if adapter.endsWindow(iteration) {
                try fetchHeld()
                if let moments = try executor.takeWindowMoments() { adapter.adoptWindowMoments(moments) }
                let moves = adapter.strayChains(iteration: iteration, random: random)
                if !moves.isEmpty {
                    state.relocate(moves)
                    relocations += moves
                }
                cost += try adapter.endWindow(state, model: model, executor: &executor, random: random, iteration: iteration)
                // After the window's metric is adopted, so that its scales are the window's.
                try checkPrecision(.windowEnd(iteration: iteration))
            }
            if iteration == adapter.warmupLength - 1 {
                try fetchHeld()
                adapter.finish()
                try checkPrecision(.warmupEnd(iteration: iteration))
            }
            progress?(SamplingProgress(phase: adapter.phase(of: iteration), iteration: iteration,
                                       totalIterations: adapter.warmupLength + config.draws, divergences: warmupDivergences,
                                       gradientEvaluations: cost.gradients.reduce(0, +), lockstepEvaluations: cost.lockstep))
            iteration += 1
        }
        var failure: CommunicationFailure?
        // A run shared between members (`ChainCommunicator`) stops like an interrupted one when a
        // member is lost, keeping every draw written so far.
        do {
            while iteration < adapter.warmupLength {
                if shouldStop?() == true { interrupted = true; break }
                let request = kernel.request(iteration: iteration, tuning: adapter.adaptation, random: random)
                // Per-chain adaptation between synchronisation points: the executor may run several
                // transitions back to back (`ChainedWarmupSpan`); the adapter then observes them in order.
                if let span = adapter.chainedSpan(from: iteration),
                   let group = try executor.executeChained(request, span: span, count: nil, from: held ? nil : state,
                                                                random: random) {
                    held = true
                    for reduced in group {
                        let request = kernel.request(iteration: iteration, tuning: adapter.adaptation, random: random)
                        adapter.observe(reduced: reduced, request: request, random: random)
                        try finishWarmupIteration(info: reduced.info, lockstep: reduced.lockstepEvaluations)
                    }
                    continue
                }
                let info: TransitionInfoBatch, lockstep: Int
                if let needs = adapter.reductions(for: iteration),
                   let reduced = try executor.executeKeepingState(request, from: held ? nil : state, reductions: needs,
                                                                  random: random) {
                    held = true
                    (info, lockstep) = (reduced.info, reduced.lockstepEvaluations)
                    adapter.observe(reduced: reduced, request: request, random: random)
                } else {
                    try fetchHeld()
                    let transition = try executor.execute(request, from: state, random: random)
                    let previous = state
                    state = transition.state
                    (info, lockstep) = (transition.info, transition.lockstepEvaluations)
                    adapter.observe(transition, from: previous, request: request, random: random)
                }
                try finishWarmupIteration(info: info, lockstep: lockstep)
            }
            try fetchHeld()

            // Sampling: the tuning is fixed, so the executor may run many iterations per round trip
            // (`TransitionExecutor.stream`); what reaches the sink is the same either way.
            if !interrupted && config.draws > 0 {
                try announce()
                if shouldStop?() == true { interrupted = true }
            }
            if !interrupted && config.draws > 0 {
                let warmup = adapter.warmupLength, tuning = adapter.adaptation, thin = config.thin
                // `--keep moments`: the moments are accumulated on the device when the executor can
                // (not with an ESS target, which reads every draw's lp__).
                let momentsSink = sink as? any MomentsSink
                let onDevice = stopping == nil ? momentsSink?.momentsOnDevice : nil
                var stream = SamplingStream(
                    iterations: warmup..<(warmup + config.draws),
                    request: { iteration in
                        var request = kernel.request(iteration: iteration, tuning: tuning, random: random)
                        request.returnsProposal = false   // only adapters read proposals
                        return request
                    },
                    keeps: { ($0 - warmup) % thin == 0 })
                if let onDevice, let momentsSink {
                    stream.moments = MomentsOnDevice(quantities: onDevice.quantities, firstHalf: onDevice.firstHalf,
                                                     finish: momentsSink.adoptMoments)
                }
                var processed = 0
                state = try executor.stream(stream, from: state, random: random) { block in
                    var draws: [Draw] = []
                    var goOn = true
                    // Moments on the device take a group whole: a stop takes effect at its end.
                    let whole = block.contains(where: \.keptOnDevice)
                    for sampled in block {
                        if goOn, processed > 0, shouldStop?() == true {
                            interrupted = true
                            goOn = false
                            if !whole { break }
                        }
                        processed += 1
                        cost.add(sampled.info.gradientEvaluations, lockstep: sampled.lockstepEvaluations)
                        for (c, divergent) in sampled.info.divergent.enumerated() where divergent { samplingDivergences[c] += 1 }
                        if let positions = sampled.positions, let logDensity = sampled.logDensity {
                            draws.append(Draw(index: written, iteration: sampled.iteration, positions: positions,
                                              logDensity: logDensity, info: sampled.info,
                                              lockstepEvaluations: sampled.lockstepEvaluations))
                            written += 1
                            if stopping?.add(logDensity) == true { goOn = false }
                        } else if sampled.keptOnDevice, let momentsSink {
                            try momentsSink.writeDiagnostics(of: sampled)
                            written += 1
                        }
                        progress?(SamplingProgress(phase: .sampling, iteration: sampled.iteration,
                                                   totalIterations: warmup + config.draws,
                                                   divergences: samplingDivergences.reduce(0, +),
                                                   gradientEvaluations: cost.gradients.reduce(0, +),
                                                   lockstepEvaluations: cost.lockstep))
                        if !goOn && !whole { break }
                    }
                    try sink.write(contentsOf: draws)
                    return goOn
                }
            }
        } catch let lost as CommunicationFailure {
            failure = lost
            interrupted = true
        }
        if !interrupted { try announce() }
        return SamplingResult(
            adaptation: adapter.adaptation,
            gradientEvaluations: cost.gradients, lockstepEvaluations: cost.lockstep,
            warmupGradientEvaluations: warmupCost.gradients, warmupLockstepEvaluations: warmupCost.lockstep,
            divergences: samplingDivergences, drawsWritten: written, interrupted: interrupted, finalState: state,
            warmupIterations: min(adapter.warmupLength, iteration), warmupReport: adapter.warmupReport,
            effectiveSampleSize: stopping?.finalESS(), failure: failure, relocations: relocations)
    }

    /// Collects every draw in memory (small runs and tests).
    public static func sample(model: some BatchedLogDensity, configuration: SamplerConfiguration,
                              progress: ((SamplingProgress) -> Void)? = nil,
                              shouldStop: (() -> Bool)? = nil) throws -> (draws: InMemoryDrawSink, result: SamplingResult) {
        let sink = InMemoryDrawSink()
        let result = try run(model: model, configuration: configuration, sink: sink, progress: progress,
                             shouldStop: shouldStop)
        return (sink, result)
    }
}
