import LeapfrogCore
import LeapfrogData
import LeapfrogDiagnostics
import LeapfrogModel
import LeapfrogModels
import LeapfrogOutput
import LeapfrogReference
import LeapfrogReport
import LeapfrogVariational

/// A complete variational run as a library call, the twin of `SampleRun`: the output directory
/// checked before any work, the back end from the registry, ADVI with `elbo.csv` streamed while it
/// fits, then S draws from the fitted family (one batched evaluation gives their log densities and
/// Pareto k̂), mapped to the constrained scale with the derived quantities (the back end's
/// recorder, else the CPU reference) and written as one chain: `posterior.nc` (InferenceData) and,
/// with `--csv`, `chain-1.csv` (Stan CSV); `variational.json` (the family) and `summary.json`
/// (`RunSummary`: the fit's time is its `warmup`, drawing its `sampling`; the VI figures are in
/// `variational.json`).
///
/// The fit's clock (`elbo.csv`'s `seconds`, `variational.json`'s `seconds`) starts after the
/// kernels' first launches at the fit's batch sizes (`FittedRunSetup.warmUp`: compilation, as the
/// program build is; `warm_up_seconds`), and includes `--init mode`'s search.
///
/// A fit that fails (NaN gradients, a divergent ELBO) throws, after `elbo.csv` has kept every row
/// up to the failure; no draws are written then.
public struct VariationalRun {
    public let configuration: VariationalConfiguration
    let directory: OutputDirectory?

    public init(_ configuration: VariationalConfiguration) throws {
        self.configuration = configuration
        directory = try configuration.output.map { try OutputDirectory(path: $0.directory, overwrite: $0.overwrite) }
    }

    /// What the run produced.
    public struct Outcome: Sendable {
        public var fit: ADVI.Result
        /// Summaries of `lp__` and every element, over the draws from the fitted family.
        public var summaries: [ParameterSummary]
        public var paretoK: Double
        public var warnings: [String]
        public var draws: Int
        public var fitSeconds: Double
        public var drawSeconds: Double
        public var backend: String
        public var files: [String]
        public var elbo: Double { fit.elbo[fit.best] }

        /// `meanfield: ELBO -123.4 after 2300 iterations (mean ELBO converged) in 1.2 s on …; Pareto k̂ 0.43`
        public var figuresLine: String {
            "\(fit.family.kind.rawValue): ELBO \(NumberFormat.significant(elbo, digits: 6)) after \(fit.iterations) iterations "
                + "(\(fit.reason)) in \(NumberFormat.fixed(fitSeconds, decimals: 1)) s on \(backend); \(fit.gradientEvaluations) "
                + "gradient evaluations; \(draws) draws, Pareto k̂ \(NumberFormat.significant(paretoK, digits: 3))"
        }
    }

    public func fit(_ instance: ModelInstance, log: @escaping @Sendable (String) -> Void = { _ in },
                    progress: ((ADVI.Iteration) -> Void)? = nil, shouldStop: (() -> Bool)? = nil) throws -> Outcome {
        let advi = configuration.advi
        try advi.validate()
        guard configuration.draws >= 1 else {
            throw LeapfrogError(.configuration, "--draws must be at least 1 (got \(configuration.draws))")
        }
        // The K restarts' batch of M draws with its gradients (3KM), the M draws' noise, each
        // restart's family (a D × D factor when full-rank), and the N draws twice (the draws and
        // the recorded values written from them).
        let (restarts, m, n) = (Double(advi.restarts), Double(advi.gradientSamples), Double(configuration.draws))
        let setup = try FittedRunSetup(instance, settings: configuration, directory: directory, log: log,
                                       vectors: { d in 3 * restarts * m + m + restarts * (advi.family == .fullRank ? Double(d) + 2 : 4) + 2 * n },
                                       sizedBy: advi.family == .fullRank
                                           ? "--restarts, or fit --algorithm lowrank or meanfield (a full-rank family of d coordinates holds d² numbers)"
                                           : "--draws, --restarts or --grad-samples") { bound, backend in
            "leapfrog: \(instance.graph.name), \(bound.dimension) parameters, ADVI \(advi.family.rawValue)"
                + (advi.family == .lowRank ? " rank \(advi.rank ?? GaussianFamily.defaultRank(dimension: bound.dimension))" : "") + ", "
                + "\(advi.gradientSamples) draws × \(advi.restarts) restart\(advi.restarts == 1 ? "" : "s") per iteration"
                + (advi.pruneInterval.map { ", the worse half pruned every \($0) iterations" } ?? "") + ", back end \(backend)"
        }
        let bound = setup.bound, backend = setup.backend

        let warmUp = try setup.warmUp(chains: [advi.restarts, advi.restarts * advi.gradientSamples])
        let t0 = Clock.now()
        let trace = try directory.map { try ELBOTraceWriter(path: $0.path + "/" + Self.elboFile, restarts: advi.restarts, start: t0) }
        defer { trace?.close() }
        let recorder = DrawRecorder(backend, bound: bound, seed: advi.seed)
        let snapshots = try directory.flatMap { dir -> PredictiveSnapshotWriter? in
            guard configuration.snapshotEvery != nil, !bound.derivedElementNames.isEmpty else { return nil }
            return try PredictiveSnapshotWriter(path: dir.path + "/" + Self.predictiveFile, names: bound.derivedElementNames)
        }
        if configuration.snapshotEvery != nil && bound.derivedElementNames.isEmpty {
            log("leapfrog: the model derives no quantity: no predictive snapshots")
        }
        defer { snapshots?.close() }
        let fit = try ADVI.fit(model: backend.density, configuration: advi, iteration: { row in
            try trace?.append(row)
            progress?(row)
        }, snapshotEvery: snapshots == nil ? nil : configuration.snapshotEvery, snapshot: { iteration, family in
            let (x, _) = ADVI.draws(family, count: VariationalConfiguration.snapshotDraws, seed: advi.seed &+ UInt64(iteration))
            try snapshots?.append(iteration: iteration, values: try recorder.values(x, chains: 1))
        }, shouldStop: shouldStop)
        trace?.close()
        snapshots?.close()
        let t1 = Clock.now()
        if fit.interrupted { log("interrupted after \(fit.iterations) iterations: writing draws from the family reached") }

        // S draws from the best family: one batched evaluation for log p, then k̂ on log p − log q.
        let family = fit.family
        let (positions, logQ) = ADVI.draws(family, count: configuration.draws, seed: advi.seed)
        let density = try backend.density.evaluate(positions, active: nil)
        let k = ParetoKHat.estimate(logRatios: zip(density.logDensity, logQ).map { $0 - $1 })
        var warnings: [String] = []
        if !fit.converged && !fit.interrupted {
            warnings.append("ADVI did not converge: \(fit.reason); raise --iterations or --tol-rel-obj")
        }
        if fit.mayBeDiverging {
            warnings.append("the ELBO's relative change is still above \(RelativeELBOConvergence.divergingThreshold) after "
                            + "\(fit.iterations) iterations: the fit may be diverging (Stan's check); lower --learning-rate")
        }
        if let search = fit.modeSearch {
            let capped = search.reasons.filter { $0.hasPrefix("reached --iterations") }.count
            if capped > 0 {
                warnings.append("the mode search (--init mode) reached its limit of \(advi.modeIterations) iterations on "
                                + "\(capped) of \(search.reasons.count) start\(search.reasons.count == 1 ? "" : "s") with the log density "
                                + "still rising: the fit started short of a mode; raise --init-iterations")
            }
        }
        // A family this wide on the unconstrained scale (e^(10⁸) for a positive parameter) is no
        // posterior: a parameter without a prior, or a likelihood that does not identify it, lets
        // q grow without bound while the ELBO's entropy term rewards it.
        let sds = family.standardDeviations
        if let widest = sds.indices.max(by: { sds[$0] < sds[$1] }), sds[widest] > Self.improperScale {
            let names = bound.layout.coordinateNames
            let name = names.count == sds.count ? "'\(names[widest])'" : "coordinate \(widest + 1)"
            warnings.append("the fitted family's sd in \(name) is \(NumberFormat.significant(sds[widest], digits: 2)) on the "
                            + "unconstrained scale: the posterior may be improper (a parameter without a prior, or one the "
                            + "likelihood does not identify); the ELBO and the draws mean nothing until it has a proper prior")
        }
        if k.isNaN {
            warnings.append(ParetoKHat.notEstimated)
        } else if !(k < ParetoKHat.warningThreshold) {
            warnings.append("Pareto k̂ = \(NumberFormat.significant(k, digits: 3)) is above \(ParetoKHat.warningThreshold): the "
                            + "fitted family does not cover the posterior (Yao et al. 2018); do not trust its draws beyond a "
                            + "rough location — sample with NUTS, or try --algorithm fullrank")
        }

        let values = try recorder.values(positions, chains: 1)
        let schema = DrawCollector.schema(bound, chains: 1, draws: configuration.draws)
        let names = ["lp__"] + schema.bracketNames
        // values[element][draw], lp__ first: one chain, kept for the summary.
        let kept = FittedDrawWriter.columns(values: values, logDensity: density.logDensity)

        var files: [String] = []
        if let directory, let output = configuration.output {
            files += try FittedDrawWriter(directory: directory, instance: instance, bound: bound, backend: backend, csv: output.csv,
                                 seed: advi.seed, method: "advi " + advi.family.rawValue, csvMethod: csvMethod(),
                                 dataPath: configuration.dataPath)
                .write(values: values, logDensity: density.logDensity, interrupted: fit.interrupted,
                       timing: RunTiming(start: t0, samplingStart: t1, end: Clock.now()), log: log)
            files.append(directory.path + "/" + Self.elboFile)
            if snapshots != nil { files.append(directory.path + "/" + Self.predictiveFile) }
        }
        let t2 = Clock.now()
        let summaries = names.enumerated().map { e, name in summarize(name: name, draws: [kept[e]]) }

        if let directory, configuration.output != nil {
            let d = bound.dimension
            let layoutNames = bound.layout.elementNames
            let record = VariationalFile(
                family: family.kind.rawValue, dimension: d,
                parameters: layoutNames.count == d ? layoutNames : (1...max(d, 1)).prefix(d).map { "theta[\($0)]" },
                coordinates: layoutNames.count == d ? bound.layout.coordinateNames : nil,
                mean: family.mean,
                scale: family.kind == .meanField ? family.standardDeviations : nil,
                // Full-rank only: a low-rank family's d×d Σ is what its rank avoids (D and B below give it).
                covariance: family.kind == .fullRank ? (0..<d).map { i in Array(family.covariance[(i * d)..<((i + 1) * d)]) } : nil,
                rank: family.kind == .lowRank ? family.rank : nil,
                diagonal: family.kind == .lowRank ? family.diagonalScale : nil,
                factor: family.kind == .lowRank ? (0..<d).map { i in Array(family.factor[(i * family.rank)..<((i + 1) * family.rank)]) } : nil,
                elbo: VariationalFile.finite(fit.elbo[fit.best]), paretoK: VariationalFile.finite(k),
                iterations: fit.iterations, converged: fit.converged, reason: fit.reason,
                restartELBOs: fit.elbo.map(VariationalFile.finite), bestRestart: fit.best + 1,
                restartPrunedAfter: advi.pruneInterval == nil ? nil : fit.prunedAfter,
                modeSearch: fit.modeSearch.map(VariationalFile.ModeSearchRecord.init),
                gradientSamples: advi.gradientSamples, learningRate: advi.learningRate,
                stickingTheLanding: advi.stickingTheLanding, gradientEvaluations: fit.gradientEvaluations, seconds: t1 - t0,
                warmUpSeconds: warmUp)
            let path = directory.path + "/" + Self.familyFile
            try record.write(to: path)
            files.append(path)
            files.append(try setup.writeSummary(
                to: directory, configuration: configurationRecord(), draws: configuration.draws, interrupted: fit.interrupted,
                timing: RunTiming(start: t0, samplingStart: t1, end: t2), gradientsNeeded: fit.gradientEvaluations + configuration.draws,
                gradientsSpent: fit.gradientEvaluations + configuration.draws, summaries: summaries, warnings: warnings,
                outputs: ["elbo": Self.elboFile, "variational": Self.familyFile]
                    .merging(snapshots == nil ? [:] : ["predictive": Self.predictiveFile]) { a, _ in a }))
        }
        return Outcome(fit: fit, summaries: summaries, paretoK: k, warnings: warnings, draws: configuration.draws,
                       fitSeconds: t1 - t0, drawSeconds: t2 - t1, backend: backend.description, files: files)
    }

    /// The trace's file name in `--output`.
    public static let elboFile = "elbo.csv"
    /// The predictive snapshots' file name in `--output`.
    public static let predictiveFile = "predictive.csv"
    /// A fitted sd above this on the unconstrained scale is warned as a sign of an improper
    /// posterior (the flat target's family reached 7e15); real posteriors in the units users
    /// write stay many orders of magnitude below it.
    public static let improperScale = 1e8

    /// The family's file name in `--output`.
    public static let familyFile = "variational.json"

    /// `method = variational` and the settings CmdStan's `variational` method names.
    func csvMethod() -> StanCSVConfiguration.Method {
        let a = configuration.advi
        return .fitted(name: "variational", settings: [
            .init("algorithm", a.family.rawValue), .init("iter", String(a.maxIterations)),
            .init("grad_samples", String(a.gradientSamples)), .init("eta", String(a.learningRate)),
            .init("tol_rel_obj", String(a.toleranceRelativeObjective)), .init("eval_elbo", String(a.evaluationInterval)),
            .init("output_samples", String(configuration.draws)),
        ])
    }

    /// The run's ADVI settings for summary.json (`FittedRunSetup` adds `model`, `data`, `model_options`).
    func configurationRecord() -> [String: String] {
        let a = configuration.advi
        return ["method": "variational", "algorithm": a.family.rawValue + (a.rank.map { " rank \($0)" } ?? ""), "draws": String(configuration.draws),
                 "iterations": String(a.maxIterations), "grad_samples": String(a.gradientSamples),
                 "restarts": String(a.restarts), "learning_rate": String(a.learningRate),
                 "tol_rel_obj": String(a.toleranceRelativeObjective), "eval_elbo": String(a.evaluationInterval),
                 "stl": String(a.stickingTheLanding), "init_scale": String(a.initialScale), "seed": String(a.seed),
                 "init": a.start.rawValue]
            .merging(a.pruneInterval.map { ["prune_restarts": String($0)] } ?? [:]) { x, _ in x }
            .merging(a.start == .mode ? ["init_iterations": String(a.modeIterations)] : [:]) { x, _ in x }
    }
}
