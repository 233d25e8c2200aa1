import LeapfrogCore
import LeapfrogDiagnostics
import LeapfrogModel
import LeapfrogModels
import LeapfrogOutput
import LeapfrogVariational

/// A complete Pathfinder run as a library call, the twin of `VariationalRun`: the output directory
/// checked before any work, the back end from the registry, multi-path Pathfinder
/// (`Pathfinder.fit`: K L-BFGS paths in one batched evaluation per round, the best-ELBO Gaussian
/// of each, N draws from each pooled and resampled by Pareto-smoothed importance weights), the
/// resampled draws mapped to the constrained scale with the derived quantities (`DrawRecorder`)
/// and written as one chain (`FittedDrawWriter`: `posterior.nc`, `chain-1.csv` with `--csv`),
/// `pathfinder.json` (per path: iterations, best ELBO, gradient evaluations; k̂) and
/// `summary.json` (`RunSummary`: the paths' time is its `warmup`, the final draws its `sampling`).
public struct PathfinderRun {
    public let configuration: PathfinderRunConfiguration
    let directory: OutputDirectory?

    public init(_ configuration: PathfinderRunConfiguration) throws {
        self.configuration = configuration
        directory = try configuration.output.map { try OutputDirectory(path: $0.directory, overwrite: $0.overwrite) }
    }

    /// What the run produced.
    public struct Outcome: Sendable {
        public var result: Pathfinder.Result
        /// Summaries of `lp__` and every element over the resampled draws.
        public var summaries: [ParameterSummary]
        public var warnings: [String]
        public var seconds: Double
        public var backend: String
        public var files: [String]

        /// `pathfinder: 4 paths, best ELBO -123.4 (path 2, iteration 31); 5321 gradient evaluations in 212 batched calls, 0.3 s on …; 1000 draws, Pareto k̂ 0.41`
        public var figuresLine: String {
            let best = result.bestPath, path = result.paths[best]
            return "pathfinder: \(result.paths.count) path\(result.paths.count == 1 ? "" : "s"), best ELBO "
                + "\(NumberFormat.significant(path.bestELBO, digits: 6)) (path \(best + 1), iteration \(path.bestIteration)); "
                + "\(result.gradientEvaluations) gradient evaluations in \(result.batchCalls) batched calls, "
                + "\(NumberFormat.fixed(seconds, decimals: 2)) s on \(backend); \(result.draws.chains) draws, "
                + "Pareto k̂ \(NumberFormat.significant(result.paretoK, digits: 3))"
        }
    }

    public func fit(_ instance: ModelInstance, log: @escaping @Sendable (String) -> Void = { _ in },
                    progress: ((Pathfinder.Round) -> Void)? = nil, shouldStop: (() -> Bool)? = nil) throws -> Outcome {
        let pf = configuration.pathfinder
        try pf.validate()
        // Per path: the N draws of its best approximation with their gradients and log q (3N), the
        // ELBO batch with its gradients (3(1 + M)), the L-BFGS history (2 × history); the N
        // resampled draws twice (the draws and the recorded values written from them).
        let (k, n, m) = (Double(pf.paths), Double(pf.draws), Double(pf.elboDraws))
        let setup = try FittedRunSetup(instance, settings: configuration, directory: directory, log: log,
                                       vectors: { _ in k * (3 * n + 3 * (1 + m) + 2 * Double(pf.historySize)) + 2 * n },
                                       sizedBy: "--paths, --draws or --elbo-draws") { bound, backend in
            "leapfrog: \(instance.graph.name), \(bound.dimension) parameters, Pathfinder: \(pf.paths) path"
                + "\(pf.paths == 1 ? "" : "s") × (1 + \(pf.elboDraws) ELBO draws) per batched call, back end \(backend)"
        }
        let bound = setup.bound, backend = setup.backend

        let t0 = Clock.now()
        let result = try Pathfinder.fit(model: backend.density, configuration: pf, round: { progress?($0) }, shouldStop: shouldStop)
        let t1 = Clock.now()
        if result.interrupted { log("interrupted: writing draws from the best iterates reached") }
        let warnings = Self.warnings(result)
        let values = try DrawRecorder(backend, bound: bound, seed: pf.seed).values(result.draws, chains: 1)
        let names = ["lp__"] + DrawCollector.schema(bound, chains: 1, draws: pf.draws).bracketNames
        let kept = FittedDrawWriter.columns(values: values, logDensity: result.logDensity)

        var files: [String] = []
        if let directory, let output = configuration.output {
            files += try FittedDrawWriter(directory: directory, instance: instance, bound: bound, backend: backend, csv: output.csv,
                                 seed: pf.seed, method: "pathfinder", csvMethod: csvMethod(), dataPath: configuration.dataPath)
                .write(values: values, logDensity: result.logDensity, interrupted: result.interrupted,
                       timing: RunTiming(start: t0, samplingStart: t1, end: Clock.now()), log: log)
        }
        let t2 = Clock.now()
        let summaries = names.enumerated().map { e, name in summarize(name: name, draws: [kept[e]]) }
        if let directory, configuration.output != nil {
            let d = bound.dimension, layoutNames = bound.layout.elementNames
            let record = PathfinderFile(result, configuration: pf,
                                        parameters: layoutNames.count == d ? layoutNames : (0..<d).map { "theta[\($0 + 1)]" },
                                        coordinates: layoutNames.count == d ? bound.layout.coordinateNames : nil,
                                        seconds: t1 - t0)
            let path = directory.path + "/" + Self.pathfinderFile
            try record.write(to: path)
            files.append(path)
            let width = pf.paths * (1 + pf.elboDraws)
            files.append(try setup.writeSummary(
                to: directory, configuration: configurationRecord(), draws: pf.draws, interrupted: result.interrupted,
                timing: RunTiming(start: t0, samplingStart: t1, end: t2), gradientsNeeded: result.gradientEvaluations,
                gradientsSpent: result.rounds * width + pf.paths * pf.draws, summaries: summaries, warnings: warnings,
                outputs: ["pathfinder": Self.pathfinderFile]))
        }
        return Outcome(result: result, summaries: summaries, warnings: warnings, seconds: t1 - t0,
                       backend: backend.description, files: files)
    }

    /// The fit's file name in `--output`.
    public static let pathfinderFile = "pathfinder.json"

    /// What a user should know about a fit: k̂ above 0.7, paths with no finite ELBO.
    public static func warnings(_ result: Pathfinder.Result) -> [String] {
        var out: [String] = []
        if result.paretoK.isNaN {
            out.append(ParetoKHat.notEstimated)
        } else if !(result.paretoK < ParetoKHat.warningThreshold) {
            out.append("Pareto k̂ = \(NumberFormat.significant(result.paretoK, digits: 3)) of the pooled importance weights is "
                       + "above \(ParetoKHat.warningThreshold): Pathfinder's Gaussians do not cover the posterior (Zhang et al. "
                       + "2022; Yao et al. 2018); use its draws as a start (sample --init pathfinder), not as a posterior")
        }
        for (k, p) in result.paths.enumerated() where p.approximation == nil {
            out.append("Pathfinder path \(k + 1) had no iterate with a finite ELBO (\(p.reason)); its draws were left out")
        }
        return out
    }

    /// `method = pathfinder` and the settings CmdStan's `pathfinder` method names.
    func csvMethod() -> StanCSVConfiguration.Method {
        let c = configuration.pathfinder
        return .fitted(name: "pathfinder", settings: [
            .init("history_size", String(c.historySize)), .init("num_draws", String(c.draws)),
            .init("num_elbo_draws", String(c.elboDraws)), .init("num_paths", String(c.paths)),
            .init("max_lbfgs_iters", String(c.maxIterations)),
        ])
    }

    /// The run's Pathfinder settings for summary.json (`FittedRunSetup` adds `model`, `data`, `model_options`).
    func configurationRecord() -> [String: String] {
        let c = configuration.pathfinder
        return ["method": "pathfinder", "paths": String(c.paths), "draws": String(c.draws),
                 "elbo_draws": String(c.elboDraws), "history_size": String(c.historySize),
                 "iterations": String(c.maxIterations), "seed": String(c.seed)]
    }
}
