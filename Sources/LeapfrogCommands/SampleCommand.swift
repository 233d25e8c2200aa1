import ArgumentParser
import Leapfrog

/// `leapfrog sample`: warmup and sampling for many chains, a summary table and warnings.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sample a model with HMC, NUTS or ChEES-HMC over many chains at once.")

    @OptionGroup var selection: ModelSelection
    @OptionGroup var backendSelection: BackendSelection

    @Option(parsing: .unconditional, help: "Number of chains.") var chains = 4
    @Option(parsing: .unconditional, help: "Warmup (adaptation) iterations per chain.") var warmup = 1000
    @Option(parsing: .unconditional, help: "Retained draws per chain (after thinning).") var draws = 1000
    @Option(help: "nuts, hmc or chees.") var sampler: SamplerKind = .nuts
    @Option(parsing: .unconditional, help: "Seed of every random number (Philox keyed by seed, chain, iteration, purpose).") var seed: UInt64 = 1
    @Option(parsing: .unconditional, help: "Keep every T-th iteration.") var thin = 1
    @Option(name: .customLong("max-depth"), parsing: .unconditional, help: "NUTS maximum tree depth.") var maxDepth = NUTSKernel.defaultMaxDepth
    @Option(name: .customLong("target-accept"), parsing: .unconditional, help: "Target acceptance statistic for step-size adaptation (default 0.8; ChEES 0.651).")
    var targetAccept: Double?
    @Option(help: "unit, diag or dense inverse metric.") var metric: MetricChoice = .diag
    @Flag(inversion: .prefixedNo, help: "Pool adaptation statistics across chains (default: pooled above 8 chains, per chain otherwise).")
    var pooledAdaptation: Bool?
    @Option(parsing: .unconditional, help: "Start the chains in K groups that share an initial point (nested R-hat).") var superchains = 1
    @Option(parsing: .unconditional, help: "HMC: leapfrog steps per iteration.") var steps: Int?
    @Option(name: .customLong("integration-time"), parsing: .unconditional, help: "HMC: integration time (steps = ceil(time / step size)).") var integrationTime: Double?
    @Option(parsing: .unconditional, help: "HMC: jitter the step size uniformly by ± this fraction.") var jitter: Double?
    @Option(name: .customLong("chees-aggregation"), help: "ChEES step-size statistic: harmonicMean (the paper), arithmeticMean or perChain.")
    var cheesAggregation: ChEESAdaptation.Aggregation = .harmonicMean
    @Option(name: .customLong("chees-learning-rate"), parsing: .unconditional, help: "Adam's learning rate on ChEES's log trajectory length (the paper's 0.025; 0.5 adapts long trajectories within a short warmup).")
    var cheesLearningRate: Double = ChEESAdaptation.defaultLearningRate
    @Flag(help: "No progress display.") var quiet = false
    @Option(help: "Write posterior.nc (ArviZ InferenceData), summary.json and, with --csv, Stan CSV here, streamed while sampling.")
    var output: String?
    @Flag(help: "Also write chain-<k>.csv per chain (Stan CSV as CmdStan writes it); needs --output.") var csv = false
    @Flag(help: "Replace a run already in --output.") var overwrite = false

    func validate() throws {
        guard chains >= 1 else { throw ValidationError("--chains must be at least 1 (got \(chains))") }
        guard warmup >= 0 else { throw ValidationError("--warmup cannot be negative (got \(warmup))") }
        guard draws >= 1 else { throw ValidationError("--draws must be at least 1 (got \(draws))") }
        guard thin >= 1 else { throw ValidationError("--thin must be at least 1 (got \(thin))") }
        guard maxDepth >= 1 && maxDepth <= 30 else { throw ValidationError("--max-depth must be between 1 and 30 (got \(maxDepth))") }
        if let a = targetAccept, !(a > 0 && a < 1) { throw ValidationError("--target-accept must be in (0, 1) (got \(a))") }
        guard superchains >= 1 else { throw ValidationError("--superchains must be at least 1 (got \(superchains))") }
        guard chains % superchains == 0 else {
            throw ValidationError("--superchains \(superchains) must divide --chains \(chains)")
        }
        if steps != nil && integrationTime != nil { throw ValidationError("give --steps or --integration-time, not both") }
        if let s = steps, s < 1 { throw ValidationError("--steps must be at least 1") }
        if let t = integrationTime, !(t > 0) { throw ValidationError("--integration-time must be positive") }
        if let j = jitter, !(j >= 0 && j < 1) { throw ValidationError("--jitter must be in [0, 1)") }
        guard cheesLearningRate > 0 && cheesLearningRate.isFinite else {
            throw ValidationError("--chees-learning-rate must be positive (got \(cheesLearningRate))")
        }
        if csv && output == nil { throw ValidationError("--csv writes into the --output directory: give --output DIR") }
    }

    func configuration() -> SamplerConfiguration {
        var c = SamplerConfiguration()
        c.sampler = sampler
        c.chains = chains
        c.warmup = warmup
        c.draws = draws
        c.thin = thin
        c.seed = seed
        c.maxDepth = maxDepth
        c.targetAcceptance = targetAccept
        c.metric = metric.kind
        c.pooledAdaptation = pooledAdaptation ?? (chains > 8)
        c.superchains = superchains
        if let s = steps { c.hmcTrajectory = .steps(s) }
        if let t = integrationTime { c.hmcTrajectory = .time(t) }
        if let j = jitter { c.hmcJitter = .stepSize(j) }
        c.cheesStepSizeAggregation = cheesAggregation
        c.cheesLearningRate = cheesLearningRate
        return c
    }

    /// What a run produced, for printing and for tests.
    struct Outcome {
        var summaries: [ParameterSummary]
        var warnings: DiagnosticWarnings
        var result: SamplingResult
        var draws: Int
        var seconds: Double
        var backend: String
        var summaryFile: String?
        /// What `--precision` asked, ran and checked.
        var precision: RunSummary.PrecisionFigures
    }

    /// The exit status of a run stopped by Ctrl-C after writing and summarising its draws (the
    /// SIGINT convention, 128 + 2), so that scripts can tell it from a finished run.
    static let interruptedExitStatus: Int32 = 130

    func run() throws {
        let outcome = try execute()
        try report(outcome)
        if outcome.result.interrupted { throw ExitCode(Self.interruptedExitStatus) }
    }

    /// Prints the summary table, the run's figures and warnings.
    func report(_ outcome: Outcome) throws {
        guard outcome.draws > 0 else {
            print("no draws were made")
            return
        }
        print(SummaryTable(outcome.summaries).render())
        let r = outcome.result
        let needed = r.gradientEvaluations.reduce(0, +)
        print("\(chains) chains × \(outcome.draws) draws in \(Format.fixed(outcome.seconds, 1)) s on \(outcome.backend); "
              + "gradient evaluations: \(needed) needed by the chains, \(r.lockstepEvaluations * chains) spent in lockstep "
              + "(\(r.lockstepEvaluations) batched calls)")
        if let line = Self.precisionLine(outcome.precision) { print(line) }
        let text = outcome.warnings.description
        if !text.isEmpty { print(text) }
        if let f = outcome.summaryFile { print("wrote \(f) and the draws beside it") }
    }

    func execute() throws -> Outcome {
        let directory = try output.map { try OutputDirectory(path: $0, overwrite: overwrite) }
        let instance = try selection.instantiate()
        let bound = try BoundModel(graph: instance.graph, data: instance.data)
        try checkHostMemory(bound)
        let progress = ProgressReporter(quiet: quiet)
        let backend = try backendSelection.make(instance, log: progress.message)
        let backendName = backend.description
        let config = configuration()
        try config.validate(dimension: bound.dimension)
        progress.message("leapfrog: \(instance.graph.name), \(bound.dimension) parameters, \(chains) chains, "
                         + "\(config.sampler.rawValue), back end \(backendName)")
        for note in instance.notes { progress.message("leapfrog: \(note)") }
        try checkDeviceMemory(bound, backend: backend, log: progress.message)
        try directory?.prepare()
        var writers: [DrawWriter] = []
        let schema = DrawCollector.schema(bound, chains: chains, draws: draws)
        // Where libnetcdf cannot be loaded, --csv still writes the draws (Stan CSV only; the
        // summary is then made from draws kept in memory); without --csv the writer says why.
        let writesPosterior = directory != nil && (!csv || NetCDFLibrary.isAvailable)
        if let directory {
            if writesPosterior {
                writers.append(try InferenceDataWriter(
                    path: directory.posterior, schema: schema,
                    attributes: ["model": instance.graph.name, "backend": backendName, "sampler": config.sampler.rawValue,
                                 "seed": String(seed)],
                    libraryVersion: LeapfrogCommand.version, observedData: Self.observedData(bound)))
            } else if let reason = NetCDFLibrary.unavailableReason {
                progress.message("leapfrog: writing Stan CSV only, not posterior.nc: \(reason)")
            }
            if csv {
                var cfg = StanCSVConfiguration(model: instance.graph.name, numSamples: draws, numWarmup: warmup, seed: seed)
                cfg.thin = thin
                cfg.engine = config.sampler == .nuts ? .nuts(maxDepth: maxDepth) : .static(integrationTime: integrationTime ?? 0)
                cfg.metric = metric == .unit ? "unit_e" : metric == .diag ? "diag_e" : "dense_e"
                cfg.delta = config.resolvedTargetAcceptance
                cfg.dataFile = selection.data ?? ""
                cfg.extra = [("leapfrog_backend", backendName), ("leapfrog_sampler", config.sampler.rawValue)]
                writers.append(try StanCSVWriter(directory: directory.path, schema: schema, configuration: cfg))
            }
        }
        let group = writers.isEmpty ? nil : try DrawWriterGroup(writers)
        let collector = DrawCollector(reference: ReferenceModel(bound), chains: chains, maxDepth: maxDepth,
                                      writer: group, keepDraws: group == nil || !writesPosterior)
        Interrupt.install()
        let t0 = Clock.now()
        var warmupEnd: Double?
        let result: SamplingResult
        do {
            result = try Sampler.run(model: backend.density, configuration: config, sink: collector,
                                     progress: { p in
                                         if p.phase == .sampling && warmupEnd == nil { warmupEnd = Clock.now() }
                                         progress.report(p)
                                     },
                                     shouldStop: { Interrupt.isRequested })
        } catch {
            group?.abandon()
            throw error
        }
        let end = Clock.now()
        let elapsed = end - t0
        let timing = RunTiming(start: t0, samplingStart: warmupEnd, end: end)
        try group?.finish(interrupted: result.interrupted, timing: timing)
        if result.interrupted {
            progress.message("interrupted: kept \(result.drawsWritten) draws per chain\(directory.map { " in \($0.path)" } ?? "")")
        }
        let summaries = collector.draws > 0
            ? try collector.summaries(superchains: superchains > 1 ? superchains : nil, posterior: writesPosterior ? directory?.posterior : nil) : []
        let warnings = DiagnosticWarnings(
            summaries: summaries, divergentCount: collector.divergent, totalDraws: collector.draws * chains,
            treeDepthSaturatedCount: config.sampler == .nuts ? collector.saturated : 0, maxTreeDepth: maxDepth,
            ebfmi: collector.draws > 1 ? EBFMI.perChain(energy: collector.energy) : [],
            identifiable: instance.graph.identifiable)
        let precision = precisionFigures(backend)
        var summaryFile: String?
        if let directory {
            let record = RunSummary(
                configuration: configurationRecord(config), backend: backendName,
                device: backend.device,
                chains: chains, draws: collector.draws,
                interrupted: result.interrupted, timing: timing,
                gradientEvaluations: .init(needed: result.gradientEvaluations.reduce(0, +),
                                           spentInLockstep: result.lockstepEvaluations * chains),
                divergences: collector.divergent,
                parameters: summaries,
                warnings: warnings.warnings.map(\.message),
                outputs: (writesPosterior ? ["inference_data": "posterior.nc"] : [:])
                    .merging(csv ? ["stan_csv": "chain-<k>.csv"] : [:]) { a, _ in a },
                sampler: .init(stepSizes: result.adaptation.stepSizes, trajectoryLength: result.adaptation.trajectoryLength,
                               meanLeapfrogSteps: collector.draws > 0 ? Double(collector.leapfrogSteps) / Double(collector.draws * chains) : 0,
                               treeDepthSaturated: config.sampler == .nuts ? collector.saturated : nil),
                precision: precision)
            try SummaryFile.write(record, to: directory.summary)
            summaryFile = directory.summary
        }
        return Outcome(summaries: summaries, warnings: warnings, result: result, draws: collector.draws,
                       seconds: elapsed, backend: backendName, summaryFile: summaryFile,
                       precision: precision)
    }

    /// A line after the run's figures when precision mattered: a switch to f64, or f32 checks
    /// that failed while the run kept f32 (printed even with `--quiet`, which hides the live message).
    static func precisionLine(_ p: RunSummary.PrecisionFigures) -> String? {
        if let stage = p.switchedAt { return "precision: f32 was off at \(stage); the run switched to \(p.ran) there" }
        let failed = p.checks.filter { !$0.passed }.count
        guard failed > 0 else { return nil }
        return "warning: f32 failed \(failed) of \(p.checks.count) precision checks against f64 and the run kept f32 "
            + "(--precision \(p.requested)); the posterior may be wrong: use --precision auto or f64"
    }

    /// What `--precision` asked for, what computed the draws and the checks made on the way.
    func precisionFigures(_ backend: SelectedBackend) -> RunSummary.PrecisionFigures {
        let requested = backendSelection.precision.rawValue
        guard let precisionGuard = backend.density as? PrecisionGuard else {
            return .init(requested: requested, ran: backend.precision)
        }
        return .init(requested: requested, ran: precisionGuard.currentName, switchedAt: precisionGuard.switchedAt,
                     bounds: precisionGuard.bounds, checks: precisionGuard.checks, setupSeconds: precisionGuard.setupSeconds)
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

    func configurationRecord(_ c: SamplerConfiguration) -> [String: String] {
        var r = ["model": selection.model, "sampler": c.sampler.rawValue, "chains": String(c.chains),
                 "warmup": String(c.warmup), "draws": String(c.draws), "thin": String(c.thin), "seed": String(c.seed),
                 "max_depth": String(c.maxDepth), "target_accept": String(c.resolvedTargetAcceptance),
                 "metric": metric.rawValue, "pooled_adaptation": String(c.pooledAdaptation),
                 "superchains": String(c.superchains)]
        if let d = selection.data { r["data"] = d }
        if !selection.modelOptions.isEmpty { r["model_options"] = selection.modelOptions.joined(separator: ",") }
        return r
    }
}

enum MetricChoice: String, ExpressibleByArgument, CaseIterable {
    case unit, diag, dense
    var kind: MetricKind {
        switch self {
        case .unit: return .unit
        case .diag: return .diagonal
        case .dense: return .dense
        }
    }
}

extension SamplerKind: ExpressibleByArgument {}
extension ChEESAdaptation.Aggregation: ExpressibleByArgument {}
