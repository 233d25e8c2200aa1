import ArgumentParser
import Leapfrog

/// `leapfrog sample`: warmup and sampling for many chains, a summary table and warnings.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sample a model with HMC, NUTS or ChEES-HMC over many chains at once.")

    @OptionGroup var selection: ModelSelection
    @OptionGroup var backendSelection: BackendSelection

    @Option(help: "Number of chains.") var chains = 4
    @Option(help: "Warmup (adaptation) iterations per chain.") var warmup = 1000
    @Option(help: "Retained draws per chain (after thinning).") var draws = 1000
    @Option(help: "nuts, hmc or chees.") var sampler: SamplerKind = .nuts
    @Option(help: "Seed of every random number (Philox keyed by seed, chain, iteration, purpose).") var seed: UInt64 = 1
    @Option(help: "Keep every T-th iteration.") var thin = 1
    @Option(name: .customLong("max-depth"), help: "NUTS maximum tree depth.") var maxDepth = NUTSKernel.defaultMaxDepth
    @Option(name: .customLong("target-accept"), help: "Target acceptance statistic for step-size adaptation (default 0.8; ChEES 0.651).")
    var targetAccept: Double?
    @Option(help: "unit, diag or dense inverse metric.") var metric: MetricChoice = .diag
    @Flag(inversion: .prefixedNo, help: "Pool adaptation statistics across chains (default: pooled above 8 chains, per chain otherwise).")
    var pooledAdaptation: Bool?
    @Option(help: "Start the chains in K groups that share an initial point (nested R-hat).") var superchains = 1
    @Option(help: "HMC: leapfrog steps per iteration.") var steps: Int?
    @Option(name: .customLong("integration-time"), help: "HMC: integration time (steps = ceil(time / step size)).") var integrationTime: Double?
    @Option(help: "HMC: jitter the step size uniformly by ± this fraction.") var jitter: Double?
    @Option(name: .customLong("chees-aggregation"), help: "ChEES step-size statistic: harmonicMean (the paper), arithmeticMean or perChain.")
    var cheesAggregation: ChEESAdaptation.Aggregation = .harmonicMean
    @Flag(help: "No progress display.") var quiet = false

    func validate() throws {
        guard chains >= 1 else { throw ValidationError("--chains must be at least 1 (got \(chains))") }
        guard warmup >= 0 else { throw ValidationError("--warmup cannot be negative (got \(warmup))") }
        guard draws >= 1 else { throw ValidationError("--draws must be at least 1 (got \(draws))") }
        guard thin >= 1 else { throw ValidationError("--thin must be at least 1 (got \(thin))") }
        guard maxDepth >= 1 && maxDepth <= 30 else { throw ValidationError("--max-depth must be between 1 and 30 (got \(maxDepth))") }
        if let a = targetAccept, !(a > 0 && a < 1) { throw ValidationError("--target-accept must be in (0, 1) (got \(a))") }
        guard superchains >= 1, chains % superchains == 0 else {
            throw ValidationError("--superchains \(superchains) must divide --chains \(chains)")
        }
        if steps != nil && integrationTime != nil { throw ValidationError("give --steps or --integration-time, not both") }
        if let s = steps, s < 1 { throw ValidationError("--steps must be at least 1") }
        if let t = integrationTime, !(t > 0) { throw ValidationError("--integration-time must be positive") }
        if let j = jitter, !(j >= 0 && j < 1) { throw ValidationError("--jitter must be in [0, 1)") }
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
    }

    func run() throws {
        let outcome = try execute()
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
        let text = outcome.warnings.description
        if !text.isEmpty { print(text) }
    }

    func execute() throws -> Outcome {
        let instance = try selection.instantiate()
        let bound = try BoundModel(graph: instance.graph, data: instance.data)
        let progress = ProgressReporter(quiet: quiet)
        let (density, backendName) = try backendSelection.make(instance, log: progress.message)
        let config = configuration()
        try config.validate(dimension: bound.dimension)
        progress.message("leapfrog: \(instance.graph.name), \(bound.dimension) parameters, \(chains) chains, "
                         + "\(config.sampler.rawValue), back end \(backendName)")
        Interrupt.install()
        let collector = DrawCollector(reference: ReferenceModel(bound), chains: chains, maxDepth: maxDepth)
        let t0 = Clock.now()
        let result = try Sampler.run(model: density, configuration: config, sink: collector,
                                     progress: progress.report, shouldStop: { Interrupt.isRequested })
        let elapsed = Clock.now() - t0
        if result.interrupted {
            progress.message("interrupted: kept \(result.drawsWritten) draws per chain")
        }
        let summaries = collector.draws > 0 ? collector.summaries(superchains: superchains > 1 ? superchains : nil) : []
        let warnings = DiagnosticWarnings(
            summaries: summaries, divergentCount: collector.divergent, totalDraws: collector.draws * chains,
            treeDepthSaturatedCount: config.sampler == .nuts ? collector.saturated : 0, maxTreeDepth: maxDepth,
            ebfmi: collector.draws > 1 ? EBFMI.perChain(energy: collector.energy) : [])
        return Outcome(summaries: summaries, warnings: warnings, result: result, draws: collector.draws,
                       seconds: elapsed, backend: backendName)
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
