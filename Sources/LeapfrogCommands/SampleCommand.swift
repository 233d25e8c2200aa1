import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import LeapfrogMPI
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
    @Option(parsing: .unconditional, help: "Sampling iterations per chain (every --thin-th is kept).") var draws = 1000
    @Option(help: "nuts, hmc or chees.") var sampler: SamplerKind = .nuts
    @Option(parsing: .unconditional, help: "Seed of every random number (Philox keyed by seed, chain, iteration, purpose).") var seed: UInt64 = 1
    @Option(parsing: .unconditional, help: "Keep every T-th iteration.") var thin = 1
    @Option(name: .customLong("max-depth"), parsing: .unconditional, help: "NUTS maximum tree depth.") var maxDepth = NUTSKernel.defaultMaxDepth
    @Option(name: .customLong("target-accept"), parsing: .unconditional, help: "Target acceptance statistic for step-size adaptation (default 0.8; ChEES 0.651).")
    var targetAccept: Double?
    @Option(help: "unit, diag or dense inverse metric.") var metric: MetricChoice = .diag
    @Flag(inversion: .prefixedNo, help: "Pool adaptation statistics across chains (default: NUTS adapts each chain's step size and metric, as Stan and NumPyro do; HMC and ChEES pool above 8 chains).")
    var pooledAdaptation: Bool?
    @Option(name: .customLong("metric-pooling"), help: "How a pooled metric combines the chains' estimates: within (the chains' own variances averaged, R-hat's W, as each Stan chain estimates its own; leaves out the spread between chains that have not mixed) or total (every draw as one sample about the grand mean, R-hat's var⁺).")
    var metricPooling: MetricPooling = .within
    @Option(name: .customLong("metric-estimator"), help: "What a diagonal metric is estimated from at each warmup window's end: variance (the draws' variances, Stan's) or fisher (√(Var(x)/Var(∇ log p)) per coordinate, nutpie's: the diagonal that minimises the Fisher divergence; with ChEES over many chains 2.5× the BNN's noise-precision ESS and 2–4× posteriordb's blr's, less on funnels and long ridges).")
    var metricEstimator: MetricEstimator = .variance
    @Option(name: .customLong("stray-chains"), help: "relocate: at the end of a warmup window, move a chain whose region holds less than e^-20 of the typical chain's estimated mass (lower log density, volume counted) to another chain's position, and say so; keep: leave it (the run still names it after sampling).")
    var strayChains: StrayChainPolicy = .relocate
    @Option(parsing: .unconditional, help: "Start the chains in K groups that share an initial point (nested R-hat).") var superchains = 1
    @Option(parsing: .unconditional, help: "HMC: leapfrog steps per iteration.") var steps: Int?
    @Option(name: .customLong("integration-time"), parsing: .unconditional, help: "HMC: integration time (steps = ceil(time / step size)).") var integrationTime: Double?
    @Option(parsing: .unconditional, help: "HMC: jitter the step size uniformly by ± this fraction.") var jitter: Double?
    @Option(name: .customLong("chees-aggregation"), help: "ChEES step-size statistic: harmonicMean (the paper's, over groups of at most 1,024 chains, averaged), arithmeticMean or perChain.")
    var cheesAggregation: ChEESAdaptation.Aggregation = .harmonicMean
    @Option(name: .customLong("chees-learning-rate"), parsing: .unconditional, help: "Adam's learning rate on ChEES's log trajectory length (the paper's 0.025; 0.5 adapts long trajectories within a short warmup).")
    var cheesLearningRate: Double = ChEESAdaptation.defaultLearningRate
    @Option(name: .customLong("chees-jitter"), help: "ChEES's jitter of the trajectory length, shared by the chains each iteration: halton (quasi-random, evenly spread over iterations; BlackJAX's and TFP's) or uniform (independent each iteration).")
    var cheesJitter: ChEESJitter = .halton
    @Flag(name: .customLong("fixed-warmup"), help: "Run exactly --warmup warmup iterations (Stan's schedule), even with many chains.")
    var fixedWarmup = false
    @Flag(name: .customLong("adaptive-warmup"), help: "End warmup when nested R-hat over superchains and the adaptation say it is done, --warmup being the most (default from \(SampleCommand.adaptiveWarmupChains) chains on).")
    var adaptiveWarmup = false
    @Option(name: .customLong("warmup-window"), parsing: .unconditional, help: "Adaptive warmup: iterations per slow window, each ending in a metric update and a judgement (default \(AdaptiveWarmup.standardWindow), \(AdaptiveWarmup.shortWindow) from \(AdaptiveWarmup.shortWindowChains) chains on).")
    var warmupWindow: Int?
    @Option(name: .customLong("init-buffer"), parsing: .unconditional, help: "Warmup iterations before the first slow window, adapting the step size only (CmdStan's init_buffer; default \(WarmupSchedule.defaultInitialBuffer)).")
    var initBuffer: Int?
    @Option(name: .customLong("term-buffer"), parsing: .unconditional, help: "Warmup iterations after the last slow window, adapting the step size under the final metric (CmdStan's term_buffer; default \(WarmupSchedule.defaultTerminalBuffer)).")
    var termBuffer: Int?
    @Option(name: .customLong("target-ess"), parsing: .unconditional, help: "Stop sampling once the log density's bulk ESS over all chains reaches this (--draws being the most per chain).")
    var targetESS: Double?
    @Option(name: .customLong("init"), help: "Where chains start: uniform (Uniform(−2, 2) on the unconstrained scale) or pathfinder (multi-path Pathfinder draws; one path per superchain).")
    var initialisation: InitialisationChoice = .uniform
    @Option(help: "What sampling keeps: draws (posterior.nc, Stan CSV) or moments (each chain's running means and variances only: memory flat in the draws, no draw file; the summary's mean, sd, split R-hat, batch-means ESS and nested R-hat come from them; on OpenCL they are accumulated on the device).")
    var keep: RunConfiguration.Keep = .draws
    @Flag(help: "No progress display.") var quiet = false
    @Option(help: "Write posterior.nc (ArviZ InferenceData), summary.json and, with --csv, Stan CSV here, streamed while sampling.")
    var output: String?
    @Flag(help: "Also write chain-<k>.csv per chain (Stan CSV as CmdStan writes it); needs --output.") var csv = false
    @Flag(help: "Replace a run already in --output.") var overwrite = false
    @Flag(help: "At the end, also write --output's report/report.html and its pictures (as `leapfrog report` does).")
    var report = false

    func validate() throws {
        guard chains >= 1 else { throw ValidationError("--chains must be at least 1 (got \(chains))") }
        do {
            for (value, option) in [(chains, "--chains"), (warmup, "--warmup"), (draws, "--draws"), (thin, "--thin"),
                                    (superchains, "--superchains"), (steps, "--steps"), (warmupWindow, "--warmup-window"),
                                    (initBuffer, "--init-buffer"), (termBuffer, "--term-buffer")] as [(Int?, String)] {
                try CountLimit.check(value, option)
            }
        } catch let e as LeapfrogError { throw ValidationError(e.message) }
        guard warmup >= 0 else { throw ValidationError("--warmup cannot be negative (got \(warmup))") }
        guard draws >= 1 else { throw ValidationError("--draws must be at least 1 (got \(draws))") }
        guard thin >= 1 else { throw ValidationError("--thin must be at least 1 (got \(thin))") }
        guard maxDepth >= 1 && maxDepth <= 30 else { throw ValidationError("--max-depth must be between 1 and 30 (got \(maxDepth))") }
        if let a = targetAccept, !(a > 0 && a < 1) { throw ValidationError("--target-accept must be in (0, 1) (got \(a))") }
        guard superchains >= 1 else { throw ValidationError("--superchains must be at least 1 (got \(superchains))") }
        guard chains % superchains == 0 else {
            throw ValidationError("--superchains \(superchains) must divide --chains \(chains)")
        }
        if let w = warmupWindow, w < 1 { throw ValidationError("--warmup-window must be at least 1 (got \(w))") }
        if let b = initBuffer, b < 0 { throw ValidationError("--init-buffer cannot be negative (got \(b))") }
        if let b = termBuffer, b < 0 { throw ValidationError("--term-buffer cannot be negative (got \(b))") }
        if metricEstimator != .variance && metric != .diag {
            throw ValidationError("--metric-estimator \(metricEstimator.rawValue) estimates a diagonal metric; it needs --metric diag (got \(metric.rawValue))")
        }
        if steps != nil && integrationTime != nil { throw ValidationError("give --steps or --integration-time, not both") }
        if let s = steps, s < 1 { throw ValidationError("--steps must be at least 1") }
        if let t = integrationTime, !(t > 0 && t.isFinite) { throw ValidationError("--integration-time must be positive and finite (got \(t))") }
        if sampler != .hmc, let given = [("--steps", steps != nil), ("--integration-time", integrationTime != nil), ("--jitter", jitter != nil)]
            .first(where: \.1)?.0 {
            throw ValidationError("\(given) applies to --sampler hmc; this run's sampler is \(sampler.rawValue), which sets its own trajectories")
        }
        if let j = jitter, !(j >= 0 && j < 1) { throw ValidationError("--jitter must be in [0, 1)") }
        guard cheesLearningRate > 0 && cheesLearningRate.isFinite else {
            throw ValidationError("--chees-learning-rate must be positive (got \(cheesLearningRate))")
        }
        if csv && output == nil { throw ValidationError("--csv writes into the --output directory: give --output DIR") }
        if report && output == nil { throw ValidationError("--report writes into the --output directory: give --output DIR") }
        if keep == .moments && (csv || report) {
            throw ValidationError("--keep moments keeps no draws: --\(csv ? "csv" : "report") needs them")
        }
        if fixedWarmup && adaptiveWarmup { throw ValidationError("give --fixed-warmup or --adaptive-warmup, not both") }
        if let t = targetESS, !(t > 0 && t.isFinite) { throw ValidationError("--target-ess must be positive (got \(t))") }
        if adaptiveWarmup && superchains == 1 && AdaptiveWarmup.defaultSuperchains(chains: chains) == nil {
            throw ValidationError("--adaptive-warmup judges nested R-hat over superchains: \(chains) chains cannot form 2 or more "
                                  + "equal groups of 2 or more; use more chains or --superchains")
        }
    }

    /// Whether warmup pools its statistics across chains when the user did not say. NUTS: never,
    /// every chain adapts its own step size and diagonal metric (Stan's and NumPyro's default).
    /// Measured on the BNN (docs/benchmarks.md, 2026-12-05): at 128 chains 2–10× the `prec` bulk
    /// ESS of one pooled step size and metric, at 1,024 chains 1.37× the lp ESS/s, 4.6× the `prec`
    /// ESS and 7× fewer divergences (one shared step is too long for the chains in hard modes); on
    /// eight schools and the GP, fewer divergences, for 1.9–2.5× the gradients spent per lp ESS
    /// (small models whose runs last seconds at most). HMC and ChEES (whose trajectory length is shared
    /// anyway; a metric per chain halved its lp ESS per gradient at 1,024 BNN chains) pool above 8
    /// chains.
    static func poolsAdaptation(sampler: SamplerKind, chains: Int) -> Bool {
        sampler != .nuts && chains > 8
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
        c.pooledAdaptation = pooledAdaptation ?? Self.poolsAdaptation(sampler: sampler, chains: chains)
        c.metricPooling = metricPooling
        c.metricEstimator = metricEstimator
        c.strayChains = strayChains
        c.superchains = superchains
        if let s = steps { c.hmcTrajectory = .steps(s) }
        if let t = integrationTime { c.hmcTrajectory = .time(t) }
        if let j = jitter { c.hmcJitter = .stepSize(j) }
        c.cheesStepSizeAggregation = cheesAggregation
        c.cheesLearningRate = cheesLearningRate
        c.cheesJitter = cheesJitter
        c.targetESS = targetESS
        c.initialBuffer = initBuffer
        c.terminalBuffer = termBuffer
        if adaptiveWarmup || (!fixedWarmup && chains >= Self.adaptiveWarmupChains),
           let groups = superchains > 1 ? superchains : AdaptiveWarmup.defaultSuperchains(chains: chains) {
            var rule = AdaptiveWarmup()
            rule.window = warmupWindow ?? AdaptiveWarmup.defaultWindow(chains: chains)
            if let b = initBuffer { rule.initialBuffer = b }
            if let b = termBuffer { rule.terminalBuffer = b }
            c.adaptiveWarmup = rule
            c.superchains = groups
        }
        return c
    }

    /// From this many chains on, warmup is adaptive unless `--fixed-warmup` (see docs/benchmarks.md,
    /// "Adaptive warmup").
    static let adaptiveWarmupChains = 256

    func run() throws {
        // Under mpirun each rank samples its own block of chains; rank 0 prints and writes.
        let communicator = try MPICommunicator.forThisProcess()
        let outcome = try execute(communicator: communicator)
        if communicator.rank == 0 { report(outcome) }
        if let mpi = communicator as? MPICommunicator, !quiet { fputs(mpi.costLine(runSeconds: outcome.seconds) + "\n", stderr) }
        if let failure = outcome.result.failure {
            if communicator.rank == 0 { print("stopped: \(failure.message); kept \(outcome.draws) draws per chain") }
            (communicator as? MPICommunicator)?.exitAfterLosingARank(status: Self.lostRankExitStatus)
            throw ExitCode(Self.lostRankExitStatus)
        }
        (communicator as? MPICommunicator)?.finalize()
        if outcome.interrupted { throw ExitCode(Interrupt.exitStatus) }
    }

    /// The exit status of a run over MPI ranks that stopped because a rank was lost (after
    /// writing and summarising the draws made so far).
    static let lostRankExitStatus: Int32 = 1

    /// Prints the summary table, the run's figures and warnings.
    func report(_ outcome: RunResult) {
        guard outcome.draws > 0 else {
            print("no draws were made")
            return
        }
        print(SummaryTable(outcome.summaries).render())
        print(outcome.figuresLine)
        if let line = outcome.precisionLine { print(line) }
        let text = outcome.warnings.description
        if !text.isEmpty { print(text) }
        if let f = outcome.summaryFile { print(keep == .moments ? "wrote \(f) (moments only: no draws kept)" : "wrote \(f) and the draws beside it") }
        if let f = outcome.reportFile { print("wrote \(f)") }
    }

    /// The flags as the run layer takes them.
    func runConfiguration() -> RunConfiguration {
        var r = RunConfiguration(sampler: configuration(), backend: backendSelection.options(),
                                 output: output.map { .init(directory: $0, csv: csv, overwrite: overwrite, report: report) })
        r.modelLabel = selection.model
        r.dataPath = selection.data
        r.modelOptions = selection.modelOptions
        r.keep = keep
        if initialisation == .pathfinder { r.initialisation = .pathfinder(PathfinderConfiguration()) }
        return r
    }

    /// Runs the sample (`SampleRun`), with the progress display and Ctrl-C handling.
    func execute(communicator: any ChainCommunicator = SingleProcess()) throws -> RunResult {
        var configuration = runConfiguration()
        configuration.communicator = communicator
        let run = try SampleRun(configuration)
        let instance = try selection.instantiate(seed: seed)
        let progress = ProgressReporter(quiet: quiet || communicator.rank != 0)
        if communicator.members == 1 { Interrupt.install() }   // over MPI ranks, signals stop the gathers (MPICommunicator)
        return try run.sample(instance, log: progress.message, progress: progress.report,
                              shouldStop: { Interrupt.isRequested })
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

/// `--init`.
enum InitialisationChoice: String, ExpressibleByArgument, CaseIterable {
    case uniform, pathfinder
}

extension SamplerKind: ExpressibleByArgument {}
extension ChEESAdaptation.Aggregation: ExpressibleByArgument {}
extension ChEESJitter: ExpressibleByArgument {}
extension RunConfiguration.Keep: ExpressibleByArgument {}
extension MetricPooling: ExpressibleByArgument {}
extension MetricEstimator: ExpressibleByArgument {}
extension StrayChainPolicy: ExpressibleByArgument {}
