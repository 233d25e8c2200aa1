import LeapfrogCore
import LeapfrogDiagnostics
import LeapfrogModel
import LeapfrogModels
import LeapfrogOutput

/// The setup and the summary that `VariationalRun` and `PathfinderRun` share: the model bound to
/// its data, the back end from the registry, the banner and the model's notes logged, the output
/// directory prepared (in that order, so a bad back end fails before any file is touched); and,
/// at the end, `summary.json` with the settings the report reads.
struct FittedRunSetup {
    let bound: BoundModel
    let backend: SelectedBackend
    let settings: any FittedRunSettings

    /// `banner` gets the bound model and the back end's description and returns the first line
    /// the run logs (what is fitted, how, on what). `vectors` gives, for the model's dimension,
    /// how many vectors of that many numbers the fit holds at once (its batches, their gradients,
    /// its draws and the values recorded with them): a fit that cannot fit in the host's memory
    /// is refused before anything is built, naming the options that size it.
    init(_ instance: ModelInstance, settings: any FittedRunSettings, directory: OutputDirectory?,
         log: @escaping @Sendable (String) -> Void, vectors: (_ dimension: Int) -> Double, sizedBy options: String,
         banner: (BoundModel, String) -> String) throws {
        bound = try BoundModel(instance)
        let width = Double(bound.dimension + bound.derivedElementNames.count + 1)
        let needed = vectors(bound.dimension) * width * 8
        let (available, words) = MachineMemory.available()
        if needed > available {
            throw LeapfrogError(.configuration, "this fit needs about \(NumberFormat.bytes(needed)) of host memory (this machine has "
                                + "\(NumberFormat.bytes(available)) \(words)): lower \(options)")
        }
        backend = try settings.registry.make(bound, options: settings.backend, log: log)
        self.settings = settings
        log(banner(bound, backend.description))
        for note in instance.notes { log("leapfrog: \(note)") }
        try directory?.prepare()
    }

    /// One evaluation at the origin of a batch of each of `chains`, in every precision the back
    /// end holds (the fast one and its accurate twin): an OpenCL implementation may finish
    /// building a kernel at its first launch of a shape (PoCL compiles the work-group function
    /// then: about 60 ms for f32 and f64 on Edward's BNN on this project's machine), which is
    /// compilation, as the program build before it; a run calls this before its clock starts.
    /// Returns the seconds it took; nothing to do on the CPU reference (no device), which
    /// compiles nothing.
    func warmUp(chains: [Int]) throws -> Double {
        guard backend.device != nil else { return 0 }
        let t0 = Clock.now()
        let evaluators: [any BatchedLogDensity] = (backend.density as? PrecisionGuard).map { [$0.fast, $0.accurate] } ?? [backend.density]
        for n in Set(chains) where n > 0 {
            let origin = ChainBatch(chains: n, dimension: bound.dimension)
            for e in evaluators { _ = try e.evaluate(origin, active: nil) }
        }
        return Clock.now() - t0
    }

    /// The method's own settings plus `model`, `data` and `model_options` as given.
    func configurationRecord(_ method: [String: String]) -> [String: String] {
        var r = method
        if let m = settings.modelLabel { r["model"] = m }
        if let d = settings.dataPath { r["data"] = d }
        if !settings.modelOptions.isEmpty { r["model_options"] = settings.modelOptions.joined(separator: ",") }
        return r
    }

    /// Writes `summary.json` for one chain of `draws` (`posterior.nc`, plus `chain-1.csv` with
    /// `--csv`, beside the method's own `outputs`); returns its path.
    func writeSummary(to directory: OutputDirectory, configuration: [String: String], draws: Int, interrupted: Bool,
                      timing: RunTiming, gradientsNeeded: Int, gradientsSpent: Int, summaries: [ParameterSummary],
                      warnings: [String], outputs: [String: String]) throws -> String {
        let summary = RunSummary(
            configuration: configurationRecord(configuration), backend: backend.description, device: backend.device,
            chains: 1, draws: draws, interrupted: interrupted, timing: timing,
            gradientEvaluations: .init(needed: gradientsNeeded, spentInLockstep: gradientsSpent),
            divergences: 0, parameters: summaries, warnings: warnings,
            outputs: outputs.merging(["inference_data": "posterior.nc"]) { a, _ in a }
                .merging(settings.output?.csv == true ? ["stan_csv": "chain-1.csv"] : [:]) { a, _ in a },
            sampler: nil, precision: backend.precisionFigures(requested: settings.backend.precision.rawValue),
            warmup: nil, targetESS: nil)
        try SummaryFile.write(summary, to: directory.summary)
        return directory.summary
    }
}
