import ArgumentParser
import Leapfrog

/// `leapfrog pathfinder`: multi-path Pathfinder (Zhang et al. 2022), CmdStan's `pathfinder` with
/// its defaults (`num_paths` 4, `num_draws` 1000, `num_elbo_draws` 25, `max_lbfgs_iters` 1000,
/// Stan's L-BFGS tolerances); the K paths are batched into one evaluation per round.
struct PathfinderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pathfinder",
        abstract: "Fit Gaussians along L-BFGS paths (Pathfinder) and write Pareto-smoothed importance-resampled draws.")

    @OptionGroup var selection: ModelSelection
    @OptionGroup var backendSelection: BackendSelection

    @Option(parsing: .unconditional, help: "Independent L-BFGS paths, batched together (CmdStan's num_paths).") var paths = 4
    @Option(parsing: .unconditional, help: "Draws from each path's best Gaussian, and draws written after resampling (CmdStan's num_draws).")
    var draws = 1000
    @Option(name: .customLong("elbo-draws"), parsing: .unconditional, help: "Monte-Carlo draws per iterate for its ELBO (CmdStan's num_elbo_draws).")
    var elboDraws = 25
    @Option(name: .customLong("history-size"), parsing: .unconditional, help: "L-BFGS history J (the approximation is diagonal plus rank 2J).")
    var historySize = LBFGSHistory.defaultSize
    @Option(parsing: .unconditional, help: "Most L-BFGS iterations per path (CmdStan's max_lbfgs_iters).") var iterations = 1000
    @Option(name: .customLong("tol-obj"), parsing: .unconditional, help: "Absolute log-density change that ends a path (Stan's tol_obj).")
    var tolObj = PathfinderConfiguration().toleranceObjective
    @Option(name: .customLong("tol-grad"), parsing: .unconditional, help: "Gradient norm that ends a path (Stan's tol_grad).")
    var tolGrad = PathfinderConfiguration().toleranceGradient
    @Option(name: .customLong("tol-param"), parsing: .unconditional, help: "Parameter change that ends a path (Stan's tol_param).")
    var tolParam = PathfinderConfiguration().toleranceParameter
    @Option(name: .customLong("tol-rel-obj"), parsing: .unconditional, help: "Relative log-density change, in units of machine ε, that ends a path (Stan's tol_rel_obj).")
    var tolRelObj = PathfinderConfiguration().toleranceRelativeObjective
    @Option(name: .customLong("tol-rel-grad"), parsing: .unconditional, help: "Relative gradient magnitude, in units of machine ε, that ends a path (Stan's tol_rel_grad).")
    var tolRelGrad = PathfinderConfiguration().toleranceRelativeGradient
    @Option(parsing: .unconditional, help: "Seed of every random number (Philox).") var seed: UInt64 = 1
    @Flag(help: "No progress display.") var quiet = false
    @Option(help: "Write posterior.nc, pathfinder.json, summary.json and, with --csv, chain-1.csv here.") var output: String?
    @Flag(help: "Also write chain-1.csv (Stan CSV); needs --output.") var csv = false
    @Flag(help: "Replace a run already in --output.") var overwrite = false

    func validate() throws {
        if csv && output == nil { throw ValidationError("--csv writes into the --output directory: give --output DIR") }
        do { try pathfinderConfiguration().validate() } catch let e as LeapfrogError { throw ValidationError(e.message) }
    }

    func pathfinderConfiguration() -> PathfinderConfiguration {
        var c = PathfinderConfiguration()
        c.paths = paths
        c.draws = draws
        c.elboDraws = elboDraws
        c.historySize = historySize
        c.maxIterations = iterations
        c.toleranceObjective = tolObj
        c.toleranceGradient = tolGrad
        c.toleranceParameter = tolParam
        c.toleranceRelativeObjective = tolRelObj
        c.toleranceRelativeGradient = tolRelGrad
        c.seed = seed
        return c
    }

    func runConfiguration() -> PathfinderRunConfiguration {
        var r = PathfinderRunConfiguration(pathfinder: pathfinderConfiguration(), backend: backendSelection.options(),
                                           output: output.map { .init(directory: $0, csv: csv, overwrite: overwrite) })
        r.modelLabel = selection.model
        r.dataPath = selection.data
        r.modelOptions = selection.modelOptions
        return r
    }

    func run() throws {
        let outcome = try execute()
        print(SummaryTable(outcome.summaries).render())
        print(outcome.figuresLine)
        for (k, p) in outcome.result.paths.enumerated() {
            print("  path \(k + 1): \(p.iterations) iterations, best ELBO \(NumberFormat.significant(p.bestELBO, digits: 6)) "
                  + "at iteration \(p.bestIteration), \(p.gradientEvaluations) gradient evaluations; \(p.reason)")
        }
        for w in outcome.warnings { print("warning: " + w) }
        if let directory = output { print("wrote \(directory)/summary.json, pathfinder.json and the draws beside them") }
        if outcome.result.interrupted { throw ExitCode(Interrupt.exitStatus) }
    }

    /// Runs the fit (`PathfinderRun`) with a progress line and Ctrl-C handling.
    func execute() throws -> PathfinderRun.Outcome {
        let run = try PathfinderRun(runConfiguration())
        let instance = try selection.instantiate(seed: seed)
        let progress = ProgressReporter(quiet: quiet)
        Interrupt.install()
        defer { progress.variationalDone() }
        return try run.fit(instance, log: progress.message, progress: { round in
            progress.pathfinder(round)
        }, shouldStop: { Interrupt.isRequested })
    }
}
