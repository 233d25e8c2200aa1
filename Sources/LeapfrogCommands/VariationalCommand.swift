import ArgumentParser
import Leapfrog

/// `leapfrog variational` (alias `vi`): ADVI on the unconstrained space, CmdStan's `variational`
/// with its defaults where they carry over (`iter` 10000, `tol_rel_obj` 0.01, `eval_elbo` 100,
/// `output_samples` 1000), the M draws of K restarts batched into one evaluation per iteration.
struct VariationalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "variational",
        abstract: "Fit a Gaussian approximation by ADVI (mean-field, full-rank or low-rank) and write draws from it.",
        aliases: ["vi"])

    @OptionGroup var selection: ModelSelection
    @OptionGroup var backendSelection: BackendSelection

    @Option(name: [.customLong("algorithm"), .customLong("family")],
            help: "meanfield or fullrank (CmdStan's names), or lowrank (diagonal + rank-r factor, O(d·r) per draw).")
    var algorithm: GaussianFamily.Kind = .meanField
    @Option(parsing: .unconditional, help: "Rank r of the low-rank family's factor (default round(√d), NumPyro's).") var rank: Int?
    @Option(parsing: .unconditional, help: "Draws written from the fitted family (CmdStan's output_samples).") var draws = 1000
    @Option(parsing: .unconditional, help: "Most iterations (CmdStan's iter).") var iterations = 10_000
    @Option(name: .customLong("grad-samples"), parsing: .unconditional,
            help: "Monte-Carlo draws per iteration for the gradient (batched; Stan's default is 1).")
    var gradSamples = ADVIConfiguration.defaultGradientSamples
    @Option(parsing: .unconditional, help: "Independent fits from different starts, batched together; the best ELBO wins.")
    var restarts = 1
    @Option(name: .customLong("prune-restarts"), parsing: .unconditional,
            help: "Successive halving: every N iterations (a multiple of --eval-elbo) drop the worse half of the restarts by their window-mean ELBO, down to one.")
    var pruneRestarts: Int?
    @Option(name: .customLong("learning-rate"), parsing: .unconditional, help: "Adam's base learning rate (decays as 1/√(1 + t/1000)).")
    var learningRate = ADVIConfiguration.defaultLearningRate
    @Option(name: .customLong("tol-rel-obj"), parsing: .unconditional, help: "Relative ELBO tolerance (Stan's rule, mean or median over windows).")
    var tolRelObj = RelativeELBOConvergence.defaultTolerance
    @Option(name: .customLong("eval-elbo"), parsing: .unconditional, help: "Iterations per convergence check.")
    var evalELBO = RelativeELBOConvergence.defaultEvaluationInterval
    @Option(name: .customLong("snapshot-every"), parsing: .unconditional,
            help: "Every K iterations, write the derived quantities' predictive (mean, 5/25/50/75/95 %) from draws of the current family to predictive.csv (leapfrog report plays it).")
    var snapshotEvery: Int?
    @Option(name: .customLong("init"), parsing: .unconditional,
            help: "Where the restarts' means start: uniform (Uniform(−2, 2), Stan's) or mode (an L-BFGS search for the mode from there, all restarts batched; for BNN-like models).")
    var start: ADVIConfiguration.Start = .uniform
    @Option(name: .customLong("init-iterations"), parsing: .unconditional, help: "L-BFGS iterations at most of --init mode.")
    var initIterations = ADVIConfiguration.defaultModeIterations
    @Option(name: .customLong("init-scale"), parsing: .unconditional,
            help: "Starting scale of the family (exp ω; NumPyro's autoguides' 0.1; Stan's is 1).")
    var initScale = ADVIConfiguration.defaultInitialScale
    @Flag(help: "Sticking-the-landing gradient estimator (lower variance near the optimum).") var stl = false
    @Option(parsing: .unconditional, help: "Seed of every random number (Philox).") var seed: UInt64 = 1
    @Flag(help: "No progress display.") var quiet = false
    @Option(help: "Write elbo.csv (streamed), posterior.nc, variational.json, summary.json and, with --csv, chain-1.csv here.")
    var output: String?
    @Flag(help: "Also write chain-1.csv (Stan CSV); needs --output.") var csv = false
    @Flag(help: "Replace a run already in --output.") var overwrite = false

    func validate() throws {
        if csv && output == nil { throw ValidationError("--csv writes into the --output directory: give --output DIR") }
        do { try adviConfiguration().validate() } catch let e as LeapfrogError { throw ValidationError(e.message) }
        guard draws >= 1 else { throw ValidationError("--draws must be at least 1 (got \(draws))") }
        do {
            try CountLimit.check(draws, "--draws")
            try CountLimit.check(snapshotEvery, "--snapshot-every")
        } catch let e as LeapfrogError { throw ValidationError(e.message) }
        if rank != nil && algorithm != .lowRank { throw ValidationError("--rank is the low-rank family's: add --family lowrank") }
        if let k = snapshotEvery {
            guard k >= 1 else { throw ValidationError("--snapshot-every must be at least 1 (got \(k))") }
            guard output != nil else { throw ValidationError("--snapshot-every writes predictive.csv into --output: give --output DIR") }
        }
    }

    func adviConfiguration() -> ADVIConfiguration {
        var c = ADVIConfiguration()
        c.family = algorithm
        c.rank = rank
        c.initialScale = initScale
        c.start = start
        c.modeIterations = initIterations
        c.gradientSamples = gradSamples
        c.restarts = restarts
        c.pruneInterval = pruneRestarts
        c.maxIterations = iterations
        c.learningRate = learningRate
        c.toleranceRelativeObjective = tolRelObj
        c.evaluationInterval = evalELBO
        c.stickingTheLanding = stl
        c.seed = seed
        return c
    }

    func runConfiguration() -> VariationalConfiguration {
        var r = VariationalConfiguration(advi: adviConfiguration(), draws: draws, backend: backendSelection.options(),
                                         output: output.map { .init(directory: $0, csv: csv, overwrite: overwrite) })
        r.modelLabel = selection.model
        r.dataPath = selection.data
        r.modelOptions = selection.modelOptions
        r.snapshotEvery = snapshotEvery
        return r
    }

    func run() throws {
        let outcome = try execute()
        print(SummaryTable(outcome.summaries).render())
        print(outcome.figuresLine)
        for w in outcome.warnings { print("warning: " + w) }
        if let directory = output { print("wrote \(directory)/summary.json, elbo.csv, variational.json and the draws beside them") }
        if outcome.fit.interrupted { throw ExitCode(Interrupt.exitStatus) }
    }

    /// Runs the fit (`VariationalRun`) with a progress line and Ctrl-C handling.
    func execute() throws -> VariationalRun.Outcome {
        let run = try VariationalRun(runConfiguration())
        let instance = try selection.instantiate(seed: seed)
        let progress = ProgressReporter(quiet: quiet)
        let total = iterations
        Interrupt.install()
        defer { progress.variationalDone() }
        return try run.fit(instance, log: progress.message, progress: { row in
            progress.variational(iteration: row.iteration, total: total, elboMean: row.elboMean)
        }, shouldStop: { Interrupt.isRequested })
    }
}

extension GaussianFamily.Kind: ExpressibleByArgument {}
extension ADVIConfiguration.Start: ExpressibleByArgument {}
