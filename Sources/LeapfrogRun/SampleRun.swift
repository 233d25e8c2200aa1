import LeapfrogCore
import LeapfrogData
import LeapfrogDiagnostics
import LeapfrogModel
import LeapfrogModels
import LeapfrogOutput
import LeapfrogRandom
import LeapfrogReference
import LeapfrogReport
import LeapfrogSampling
import LeapfrogVariational

/// A complete sampling run as a library call: the checks before any work (output directory,
/// memory), the back end from the registry, warmup and sampling, the draws streamed to disk,
/// then the summary, the warnings and `summary.json`. The CLI's `sample` parses flags into a
/// `RunConfiguration`, calls this and prints the `RunResult`.
///
///     let run = try SampleRun(configuration)          // refuses an unusable --output at once
///     let result = try run.sample(instance)
///
/// An interrupted run (`shouldStop` returned true) closes its files with every draw written so
/// far, marked interrupted, and summarises them.
public struct SampleRun {
    public let configuration: RunConfiguration
    let directory: OutputDirectory?

    /// The version written into output files.
    public static let libraryVersion = "0.1.0"
    /// Chains moved during warmup named one per line in the log; the rest are counted.
    static let relocationLines = 5

    /// Checks the output directory (changing nothing on disk yet).
    public init(_ configuration: RunConfiguration) throws {
        self.configuration = configuration
        // A run shared between ranks writes from rank 0 only.
        directory = Self.isFollower(configuration) ? nil
            : try configuration.output.map { try OutputDirectory(path: $0.directory, overwrite: $0.overwrite) }
    }

    /// Ranks other than 0 write nothing: their draws are rank 0's (gathered every iteration).
    static func isFollower(_ configuration: RunConfiguration) -> Bool { configuration.communicator.rank != 0 }

    /// Which term made the first starting point's log density non-finite, and where it comes from
    /// (the Stan statement, else the graph node), with the first element outside its family's
    /// support or domain: `; at the first point the term from m.stan:12:3 (normal) is -inf,
    /// element 8: y = 28, mu = 0.31, sigma = 0`. Empty when every term is finite there.
    static func nonFiniteTermNote(_ bound: BoundModel, _ instance: ModelInstance, seed: UInt64) -> String {
        let point = Initialisation.uniformPoint(random: PhiloxRandom(seed: seed), chain: 0, dimension: bound.dimension)
        guard let term = ReferenceModel(bound).nonFiniteTerms(point).first else { return "" }
        let source = instance.nodeSources[term.node].map { "from \($0)" } ?? "node \(term.node)"
        return "; at the first point the term \(source)\(term.family.map { " (\($0.rawValue))" } ?? "") is \(term.value)"
            + (term.element.map { ", \($0)" } ?? "")
    }

    /// Samples `instance`.
    /// - log: messages for the user (the banner, notes, fallbacks, precision switches).
    /// - progress: after every iteration.
    /// - shouldStop: before every iteration; true stops the run, keeping what was written.
    /// - observer: one more writer that receives every draw beside the files (the C ABI streams
    ///   draws into a caller's buffers with it); its schema is `SampleRun.drawSchema`'s. It is
    ///   finished or abandoned with the files.
    public func sample(_ instance: ModelInstance, log: @escaping @Sendable (String) -> Void = { _ in },
                       progress: ((SamplingProgress) -> Void)? = nil,
                       shouldStop: (() -> Bool)? = nil, observer: (any DrawWriter)? = nil) throws -> RunResult {
        var config = configuration.sampler
        let chains = config.chains
        let bound = try BoundModel(instance)
        let csv = configuration.output?.csv ?? false
        let moments = configuration.keep == .moments
        // Where libnetcdf cannot be loaded, --csv still writes the draws (Stan CSV only; the
        // summary is then made from draws kept in memory); without --csv the writer says why.
        let writesPosterior = directory != nil && (!csv || NetCDFLibrary.isAvailable)
        let memory = RunMemory(configuration, keepsDraws: !moments && (directory == nil || !writesPosterior))
        try memory.checkHost(bound)
        var backendOptions = configuration.backend
        backendOptions.chains = chains
        let backend = try configuration.registry.make(bound, options: backendOptions, log: log)
        try config.validate(dimension: bound.dimension)
        log("leapfrog: \(instance.graph.name), \(bound.dimension) parameters, \(chains) chains, "
            + "\(config.sampler.rawValue), back end \(backend.description)")
        for note in instance.notes { log("leapfrog: \(note)") }
        if moments {
            log("leapfrog: keeping each chain's running moments, not its draws (--keep moments): R-hat is split R-hat over "
                + "half-chains and ESS is by batch means; quantiles and tail ESS need the draws (NaN)")
        }
        if let rule = config.adaptiveWarmup {
            log("leapfrog: adaptive warmup: ends when nested R-hat over \(config.superchains) superchains is below "
                + "\(rule.nestedRHat) and the adaptation has settled (judged every \(rule.window) iterations), after at least "
                + "\(min(rule.minimum, config.warmup)) and at most \(config.warmup) iterations (--fixed-warmup for a fixed length)")
        }
        try memory.checkDevice(bound, backend: backend, log: log)
        let (density, shardedExecutor) = sharded(backend, log: log)
        var executor = shardedExecutor
        // The device programs the run will use are made before its clock starts, as the density's
        // were: the transitions' (with their warmup reductions) and, unless the moments stay on the
        // device, the recorded values' (below, with the draws' collector).
        try executor?.prepare(integrator: config.integrator, warmup: config.warmup > 0)
        if config.sampler == .nuts && !memory.treesOnHost
            && (backend.switchesToHost || !(executor?.runsOnDevice(config.integrator) ?? false)) {
            // The first check counted NUTS's trees on the device; they will be built here, or may
            // be after a precision switch.
            try memory.checkHost(bound, treesOnHost: true)
        }
        try directory?.prepare()
        var initialisation: PathfinderInitialisation.Outcome?
        if case .pathfinder(let pf) = configuration.initialisation {
            log("leapfrog: finding initial points with Pathfinder (\(config.superchains > 1 ? config.superchains : pf.paths) paths)")
            let start = try PathfinderInitialisation.points(model: backend.density, sampler: config, configuration: pf,
                                                            shouldStop: shouldStop)
            config.initialPoints = .perChain(start.points)
            initialisation = start
            let k = start.result.paretoK
            log("leapfrog: initial points from Pathfinder: \(start.result.paths.count) paths, \(start.result.gradientEvaluations) "
                + "gradient evaluations in \(start.result.batchCalls) batched calls, \(NumberFormat.fixed(start.seconds, decimals: 2)) s; "
                + "Pareto k̂ \(NumberFormat.significant(k, digits: 3))"
                + (k < ParetoKHat.warningThreshold || k.isNaN ? "" : " (above \(ParetoKHat.warningThreshold): the starts are rough, warmup will refine them)"))
        }

        let schema = DrawCollector.schema(bound, chains: chains, draws: config.draws)
        let files = moments ? nil : try writers(instance, bound: bound, schema: schema, backend: backend,
                                                writesPosterior: writesPosterior, log: log)
        let group = observer == nil ? files : try DrawWriterGroup([files, observer].compactMap { $0 })
        let kernel = config.sampler.kernel(config)
        let collector = DrawCollector(recorder: DrawRecorder(backend, bound: bound, seed: config.seed), chains: chains, maxDepth: kernel.maxTreeDepth,
                                      writer: group, keepDraws: !moments && (files == nil || !writesPosterior),
                                      momentsOf: moments ? (config.draws + config.thin - 1) / config.thin : nil)
        let follower = Self.isFollower(configuration)
        if !follower && config.draws > 0 && collector.momentsOnDevice == nil { try collector.recorder.prepare() }
        let t0 = Clock.now()
        var warmupEnd: Double?
        var iterations = 0
        let result: SamplingResult
        do {
            result = try Sampler.run(model: density, configuration: config, sink: follower ? DiscardingDrawSink() : collector,
                                     executor: executor,
                                     progress: { p in
                                         iterations += 1
                                         if p.phase == .sampling && warmupEnd == nil { warmupEnd = Clock.now() }
                                         progress?(p)
                                     },
                                     shouldStop: shouldStop)
        } catch let e as LeapfrogError where e.kind == .sampling && e.message.contains(Initialisation.noFiniteStart) {
            group?.abandon()
            throw LeapfrogError(.sampling, e.message + Self.nonFiniteTermNote(bound, instance, seed: config.seed))
        } catch {
            group?.abandon()
            throw error
        }
        let end = Clock.now()
        let timing = RunTiming(start: t0, samplingStart: warmupEnd, end: end)
        try group?.finish(interrupted: result.interrupted, timing: timing)
        if let failure = result.failure { log("leapfrog: \(failure.message); the run stopped on every rank") }
        if follower {
            return RunResult(summaries: [], warnings: DiagnosticWarnings(summaries: []), result: result, draws: result.drawsWritten,
                             chains: chains, seconds: end - t0, backend: backend.description, summaryFile: nil,
                             precision: backend.precisionFigures(requested: configuration.backend.precision.rawValue))
        }
        if let target = config.targetESS, !result.interrupted {
            let reached = result.effectiveSampleSize.map { NumberFormat.significant($0, digits: 4) } ?? "?"
            log(result.drawsWritten < config.draws
                ? "leapfrog: stopped at \(result.drawsWritten) draws per chain: lp__ bulk ESS \(reached) ≥ target \(NumberFormat.significant(target))"
                : "leapfrog: lp__ bulk ESS \(reached) after all \(config.draws) draws per chain (target \(NumberFormat.significant(target)))")
        }
        // A few moves one per line; thousands of chains can make thousands (summary.json has them all).
        for move in result.relocations.prefix(Self.relocationLines) { log("leapfrog: warmup: \(move.description)") }
        if result.relocations.count > Self.relocationLines {
            log("leapfrog: warmup: \(result.relocations.count - Self.relocationLines) more chains moved "
                + "(\(result.relocations.count) of \(chains) in all; summary.json's relocated_chains lists them)")
        }
        if let report = result.warmupReport { log("leapfrog: warmup took \(report.iterations) iterations: \(report.reason)") }
        if result.interrupted {
            log("interrupted: kept \(result.drawsWritten) draws per chain\(directory.map { " in \($0.path)" } ?? "")")
        }
        let summaries = collector.draws > 0
            ? try collector.summaries(superchains: config.superchains > 1 ? config.superchains : nil,
                                      posterior: writesPosterior && !moments ? directory?.posterior : nil) : []
        let warnings = DiagnosticWarnings(
            summaries: summaries, divergentCount: collector.divergent, totalDraws: collector.draws * chains,
            treeDepthSaturatedCount: collector.saturated, maxTreeDepth: kernel.maxTreeDepth ?? config.maxDepth,
            ebfmi: collector.draws > 1 ? collector.energy.perChain : [],
            identifiable: instance.graph.identifiable,
            logDensity: collector.draws > 0 ? try collector.logDensityDraws(posterior: writesPosterior && !moments ? directory?.posterior : nil) : [],
            unmixedRemedy: config.sampler == .chees ? Self.cheesUnmixedRemedy : nil,
            unjudged: moments && collector.draws > 0 && collector.secondHalfTooShort
                ? "with --keep moments, R̂, the ESS and the MCSE come from each chain's two halves of the draws "
                    + "planned (--draws \(config.draws)), and the run stopped at \(collector.draws) kept draws, before "
                    + "the second half had two (--target-ess or an interruption): they are not known; give --draws about "
                    + "twice the draws needed, or keep the draws" : nil)
        let precision = backend.precisionFigures(requested: configuration.backend.precision.rawValue)
        let traffic = backend.trafficFigures(iterations: iterations)
        if let traffic {
            log("leapfrog: device traffic per iteration: \(NumberFormat.significant(traffic.launchesPerIteration, digits: 3)) launches, "
                + "\(NumberFormat.significant(traffic.roundTripsPerIteration, digits: 3)) blocking round trips, "
                + "\(NumberFormat.significant(traffic.bytesPerIteration / 1024, digits: 3)) KiB; transitions on the device: "
                + "\(traffic.transitionsOnDevice) of \(traffic.transitionsOnDevice + traffic.transitionsOnHost)"
                + (traffic.transitionsLaunchShape.map { " (\($0))" } ?? ""))
        }
        var summaryFile: String?
        if let directory {
            let relocated: [ChainRelocation]? = result.relocations.isEmpty ? nil : result.relocations
            let record = RunSummary(
                configuration: configurationRecord(), backend: backend.description, device: backend.device,
                chains: chains, draws: collector.draws, interrupted: result.interrupted, timing: timing,
                gradientEvaluations: .init(needed: result.gradientEvaluations.reduce(0, +),
                                           spentInLockstep: result.lockstepEvaluations * chains),
                divergences: collector.divergent, parameters: summaries, warnings: warnings.warnings.map(\.message),
                outputs: (writesPosterior && !moments ? ["inference_data": "posterior.nc"] : [:])
                    .merging(csv ? ["stan_csv": "chain-<k>.csv"] : [:]) { a, _ in a },
                sampler: .init(stepSizes: result.adaptation.stepSizes, trajectoryLength: result.adaptation.trajectoryLength,
                               meanLeapfrogSteps: collector.draws > 0
                                   ? Double(collector.leapfrogSteps) / Double(collector.draws * chains) : 0,
                               treeDepthSaturated: kernel.maxTreeDepth != nil ? collector.saturated : nil),
                precision: precision, warmup: result.warmupReport,
                targetESS: config.targetESS.map { .init(target: $0, reached: result.effectiveSampleSize,
                                                        drawsPerChain: result.drawsWritten) },
                deviceTraffic: traffic, initialisation: initialisation?.figures, relocatedChains: relocated)
            try SummaryFile.write(record, to: directory.summary)
            summaryFile = directory.summary
        }
        var reportFile: String?
        if let directory, configuration.output?.report == true, collector.draws > 0 {
            reportFile = try RunReport.write(inputs: [directory.path]).first
        }
        var outcome = RunResult(summaries: summaries, warnings: warnings, result: result, draws: collector.draws,
                                chains: chains, seconds: end - t0, backend: backend.description, summaryFile: summaryFile,
                                reportFile: reportFile, precision: precision)
        outcome.initialisation = initialisation?.figures
        return outcome
    }

    /// What an unmixed ChEES run suggests: measured on centred eight schools (a funnel) and
    /// posteriordb's kilpisjarvi (a ridge of condition number ~10⁶), where ChEES's one step size
    /// and trajectory length for every chain left R-hat at 1.06–4.7 and NUTS mixed
    /// (docs/benchmarks.md, "ChEES's T restarts at one time unit after a metric update").
    static let cheesUnmixedRemedy = "ChEES gives every chain one step size and one trajectory length; on a funnel or a "
        + "long ridge NUTS (--sampler nuts), which adapts each chain's own, may mix where it cannot. Otherwise run a longer "
        + "warmup or reparameterise."

    /// The density and executor `Sampler.run` uses: the back end's own in one process; over
    /// several ranks (`RunConfiguration.communicator`), each rank's block of chains through
    /// `ShardedLogDensity` and `ShardedTransitionExecutor` with the back end's own executor (a
    /// device's transition kernels, keyed by the block's first chain) or else the host loop, so
    /// that the draws are the one-process run's: bit for bit on the host loop, and on a device
    /// where the ranks' devices are the same kind.
    private func sharded(_ backend: SelectedBackend, log: (String) -> Void)
        -> (density: any BatchedLogDensity, executor: (any TransitionExecutor)?) {
        let communicator = configuration.communicator
        guard communicator.members > 1 else { return (backend.density, backend.executor) }
        let chains = configuration.sampler.chains
        let partition = ChainPartition(chains: chains, members: communicator.members)
        log("leapfrog: \(communicator.members) ranks, each sampling a block of chains "
            + "(\(partition.counts.map(String.init).joined(separator: ", "))); rank 0 writes; transitions "
            + (backend.executor == nil ? "on the host loop" : "on each rank's device"))
        func shard<Model: BatchedLogDensity>(_ model: Model) -> (any BatchedLogDensity, (any TransitionExecutor)?) {
            (ShardedLogDensity(local: model, communicator: communicator),
             ShardedTransitionExecutor(local: backend.executor ?? HostTransitionExecutor(model: model),
                                       communicator: communicator))
        }
        return shard(backend.density)
    }

    /// What every draw of a run of `bound` over `chains` chains holds, as the writers (and an
    /// `observer`) receive it: the constrained parameters, then the derived quantities, each
    /// flattened row-major.
    public static func drawSchema(_ bound: BoundModel, chains: Int, draws: Int) -> DrawSchema {
        DrawCollector.schema(bound, chains: chains, draws: draws)
    }

    /// The output writers (nil without an output directory).
    private func writers(_ instance: ModelInstance, bound: BoundModel, schema: DrawSchema, backend: SelectedBackend,
                         writesPosterior: Bool, log: (String) -> Void) throws -> DrawWriterGroup? {
        guard let directory, let output = configuration.output else { return nil }
        let config = configuration.sampler
        var writers: [DrawWriter] = []
        if writesPosterior {
            writers.append(try InferenceDataWriter(
                path: directory.posterior, schema: schema,
                attributes: ["model": instance.graph.name, "backend": backend.description,
                             "sampler": config.sampler.rawValue, "seed": String(config.seed)],
                libraryVersion: Self.libraryVersion, observedData: Self.observedData(bound)))
        } else if let reason = NetCDFLibrary.unavailableReason {
            log("leapfrog: writing Stan CSV only, not posterior.nc: \(reason)")
        }
        if output.csv {
            var cfg = StanCSVConfiguration(model: instance.graph.name, numSamples: config.draws,
                                           numWarmup: config.warmup, seed: config.seed)
            cfg.thin = config.thin
            (cfg.initBuffer, cfg.termBuffer) = config.buffers
            if let rule = config.adaptiveWarmup { cfg.window = rule.window }
            if config.sampler == .nuts {
                cfg.engine = .nuts(maxDepth: config.maxDepth)
            } else if case .time(let t) = config.hmcTrajectory, config.sampler == .hmc {
                cfg.engine = .static(integrationTime: t)
            } else {
                cfg.engine = .static(integrationTime: 0)
            }
            cfg.metric = Self.stanMetricName(config.metric)
            cfg.delta = config.resolvedTargetAcceptance
            cfg.dataFile = configuration.dataPath ?? ""
            cfg.extra = [("leapfrog_backend", backend.description), ("leapfrog_sampler", config.sampler.rawValue)]
            if config.sampler == .hmc {
                // CmdStan's static HMC knows an integration time and a step-size jitter; a step
                // count and a step-count jitter are Leapfrog's own.
                if case .steps(let l) = config.hmcTrajectory { cfg.extra.append(("leapfrog_steps", String(l))) }
                switch config.hmcJitter {
                case .none: break
                case .stepSize(let j): cfg.stepSizeJitter = j
                case .steps(let j): cfg.extra.append(("leapfrog_steps_jitter", String(j)))
                }
            }
            if let target = config.targetESS { cfg.extra.append(("leapfrog_target_ess", String(target))) }
            writers.append(try StanCSVWriter(directory: directory.path, schema: schema, configuration: cfg))
        }
        return writers.isEmpty ? nil : try DrawWriterGroup(writers)
    }

    /// The data that likelihood terms condition on (the outcome of a `log_density` term that is a
    /// data variable), for InferenceData's `observed_data` group.
    static func observedData(_ bound: BoundModel) -> [InferenceDataWriter.ObservedArray] {
        var seen = Set<String>()
        var out: [InferenceDataWriter.ObservedArray] = []
        for t in bound.graph.terms {
            let node = bound.graph.nodes[t.node]
            guard node.op == .logDensity, let outcome = node.args.first else { continue }
            let leaf = bound.graph.nodes[outcome]
            guard leaf.op == .data, let name = leaf.name, let value = bound.data[name], seen.insert(name).inserted else { continue }
            out.append(.init(name: name, shape: value.shape, values: value.values))
        }
        return out
    }

    /// The metric's name in Stan CSV (`unit_e`, `diag_e`, `dense_e`).
    static func stanMetricName(_ kind: MetricKind) -> String {
        switch kind {
        case .unit: return "unit_e"
        case .diagonal: return "diag_e"
        case .dense: return "dense_e"
        }
    }

    /// The metric as `--metric` names it (`unit`, `diag`, `dense`).
    static func metricOptionName(_ kind: MetricKind) -> String {
        switch kind {
        case .unit: return "unit"
        case .diagonal: return "diag"
        case .dense: return "dense"
        }
    }

    /// The run's settings for summary.json.
    func configurationRecord() -> [String: String] {
        let c = configuration.sampler
        var r = ["sampler": c.sampler.rawValue, "init": configuration.initialisation.name, "chains": String(c.chains),
                 "warmup_kind": c.adaptiveWarmup == nil ? "fixed" : "adaptive",
                 "warmup": String(c.warmup), "draws": String(c.draws), "thin": String(c.thin), "seed": String(c.seed),
                 "max_depth": String(c.maxDepth), "target_accept": String(c.resolvedTargetAcceptance),
                 "metric": Self.metricOptionName(c.metric), "pooled_adaptation": String(c.pooledAdaptation),
                 "metric_pooling": c.metricPooling.rawValue, "metric_estimator": c.metricEstimator.rawValue, "stray_chains": c.strayChains.rawValue,
                 "superchains": String(c.superchains)]
        if let rule = c.adaptiveWarmup { r["warmup_window"] = String(rule.window) }
        (r["init_buffer"], r["term_buffer"]) = (String(c.buffers.initial), String(c.buffers.terminal))
        if let t = c.targetESS { r["target_ess"] = String(t) }
        if c.sampler == .chees { r["chees_jitter"] = c.cheesJitter.rawValue }
        r["keep"] = configuration.keep.rawValue
        if let m = configuration.modelLabel { r["model"] = m }
        if let d = configuration.dataPath { r["data"] = d }
        if !configuration.modelOptions.isEmpty { r["model_options"] = configuration.modelOptions.joined(separator: ",") }
        return r
    }
}
