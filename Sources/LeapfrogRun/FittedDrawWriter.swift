import LeapfrogCore
import LeapfrogModel
import LeapfrogModels
import LeapfrogOutput

/// Writes draws from a fitted approximation (ADVI's family, Pathfinder's resampled draws) as one
/// chain of `draws` draws: `posterior.nc` (InferenceData, where libnetcdf loads; else it says
/// why) and, with `csv`, `chain-1.csv` (Stan CSV, no warmup, adaptation off). One policy for every
/// variational method; `SampleRun` writes its chains itself.
struct FittedDrawWriter {
    let directory: OutputDirectory
    let instance: ModelInstance
    let bound: BoundModel
    let backend: SelectedBackend
    let csv: Bool
    let seed: UInt64
    /// `inference` attribute of posterior.nc and `leapfrog_method` of the CSV (`advi meanfield`, `pathfinder`).
    let method: String
    /// The CSV's `method` (`variational`, `pathfinder`) and its settings, as CmdStan writes them.
    let csvMethod: StanCSVConfiguration.Method
    let dataPath: String?

    /// Writes `values` (row s: draw s's recorded values, `DrawRecorder`) with log p in `lp__`.
    /// Returns the paths of the files written.
    @discardableResult
    func write(values: ChainBatch, logDensity: [Double], interrupted: Bool, timing: RunTiming,
               log: (String) -> Void) throws -> [String] {
        let draws = logDensity.count
        let schema = DrawCollector.schema(bound, chains: 1, draws: draws)
        var writers: [DrawWriter] = []
        var paths: [String] = []
        if NetCDFLibrary.isAvailable {
            paths.append(directory.posterior)
            writers.append(try InferenceDataWriter(
                path: directory.posterior, schema: schema,
                attributes: ["model": instance.graph.name, "backend": backend.description,
                             "inference": method, "seed": String(seed)],
                libraryVersion: SampleRun.libraryVersion, observedData: SampleRun.observedData(bound),
                options: InferenceDataWriter.Options(samplerStatistics: false)))
        } else if let reason = NetCDFLibrary.unavailableReason {
            log("leapfrog: not writing posterior.nc: \(reason)")
        }
        if csv {
            var cfg = StanCSVConfiguration(model: instance.graph.name, numSamples: draws, numWarmup: 0, seed: seed)
            cfg.dataFile = dataPath ?? ""
            cfg.adaptEngaged = false
            cfg.method = csvMethod
            cfg.extra = [("leapfrog_backend", backend.description), ("leapfrog_method", method)]
            writers.append(try StanCSVWriter(directory: directory.path, schema: schema, configuration: cfg))
            paths.append(directory.path + "/chain-1.csv")
        }
        guard !writers.isEmpty else { return [] }
        let group = try DrawWriterGroup(writers)
        do {
            for s in 0..<draws {
                var stats = SampleStatistics(chains: 1)
                stats.lp[0] = logDensity[s]
                try group.append(ChainBatch(chains: 1, dimension: values.dimension,
                                            values: (0..<values.dimension).map { values[s, $0] }), stats: stats)
            }
        } catch {
            group.abandon()
            throw error
        }
        try group.finish(interrupted: interrupted, timing: timing)
        return paths
    }

    /// `lp__` then every recorded element, as [element][draw] for one chain's summaries.
    static func columns(values: ChainBatch, logDensity: [Double]) -> [[Double]] {
        var kept = [[Double]](repeating: [], count: values.dimension + 1)
        kept[0] = logDensity
        for e in 0..<values.dimension { kept[e + 1] = (0..<logDensity.count).map { values[$0, e] } }
        return kept
    }
}
