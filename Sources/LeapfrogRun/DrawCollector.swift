import LeapfrogCore
import LeapfrogDiagnostics
import LeapfrogModel
import LeapfrogOutput
import LeapfrogReference
import LeapfrogSampling

/// A `DrawSink` that maps each draw to the constrained scale (plus derived quantities), streams it
/// to the output writers, and keeps what the end-of-run summary needs.
///
/// The recorded values come from `DrawRecorder`: the back end that sampled, else the reference.
///
/// With writers, memory stays flat in the number of draws: only per-chain energies and counters are
/// kept, and the summary reads the draws back from `posterior.nc` one variable at a time. Without
/// writers (`keepDraws`), every element's draws are kept in memory.
///
/// With `--keep moments` and a device that computes the recorded values, the moments are
/// accumulated on the device (`MomentsSink`): the collector then gets only each kept iteration's
/// diagnostics, and the moments once, at the end.
final class DrawCollector: MomentsSink {
    let recorder: DrawRecorder
    let chains: Int
    let schema: DrawSchema
    let writer: DrawWriter?
    let keepDraws: Bool
    /// NUTS's depth limit (a draw that reaches it is saturated); nil for fixed trajectories.
    let maxDepth: Int?
    /// values[element][chain][draw], lp__ first (only with `keepDraws`).
    private(set) var values: [[[Double]]]
    /// Whether the run keeps moments instead of draws (`--keep moments`).
    let keepsMoments: Bool
    /// lp__ and every element's per-chain running moments, instead of draws (`--keep moments`):
    /// made at the first draw the host accumulates, or adopted from the device (so a run whose
    /// moments are on the device does not hold a second, idle copy),
    /// and the draws in the first half of each chain (split R̂).
    private(set) var moments: ChainMoments?
    private let firstHalf: Int
    /// E-BFMI per chain, accumulated draw by draw (memory flat in the draws).
    private(set) var energy: EBFMI.Running
    private(set) var divergent = 0
    private(set) var saturated = 0
    /// Leapfrog steps of every draw collected, over all chains.
    private(set) var leapfrogSteps = 0
    private(set) var draws = 0
    /// lp__ as `summaries` read it back from `posterior.nc`, for `logDensityDraws`.
    private var readBackLogDensity: Draws?

    /// - momentsOf: keep running moments instead of draws, for a run of this many draws per chain.
    init(recorder: DrawRecorder, chains: Int, maxDepth: Int?, writer: DrawWriter?, keepDraws: Bool, momentsOf planned: Int? = nil) {
        self.recorder = recorder
        self.chains = chains
        self.maxDepth = maxDepth
        self.writer = writer
        self.keepDraws = keepDraws
        schema = DrawCollector.schema(recorder.reference.model, chains: chains, draws: 0)
        values = keepDraws ? Array(repeating: Array(repeating: [], count: chains), count: 1 + schema.flatCount) : []
        energy = EBFMI.Running(chains: chains)
        keepsMoments = planned != nil
        firstHalf = ((planned ?? 0) + 1) / 2
    }

    /// Parameters (constrained), derived quantities, then host quantities, each with its shape.
    /// A variable with no elements (`array[N_cens] real y_cens` with N_cens = 0 in the data, as
    /// Stan allows) takes no slot in a draw and is left out: a netCDF dimension needs an extent.
    static func schema(_ model: BoundModel, chains: Int, draws: Int) -> DrawSchema {
        let params = model.layout.entries.map { DrawSchema.Variable($0.name, $0.shape) }
        let derived = model.derived.map { DrawSchema.Variable($0.name, model.shapes[$0.node]!) }
        let host = (model.hostQuantities?.variables ?? []).map { DrawSchema.Variable($0.name, $0.shape) }
        return DrawSchema(variables: (params + derived + host).filter { $0.count > 0 }, chains: chains, plannedDraws: draws)
    }

    func adaptationFinished(_ adaptation: Adaptation) throws {
        let d = recorder.reference.dimension
        // The Stan CSV writes a dense metric whole, a diagonal one as its diagonal.
        let kind = adaptation.metric.kind
        let diagonal: [[Double]]? = kind == .diagonal ? (0..<chains).map { adaptation.metric.inverseDiagonal(chain: $0, dimension: d) } : nil
        let dense = kind == .dense ? (0..<chains).map { adaptation.metric.inverseMatrix(chain: $0, dimension: d) } : nil
        try writer?.recordAdaptation(WarmupAdaptation(stepSize: adaptation.stepSizes, inverseMetricDiagonal: diagonal,
                                                      inverseMetricDense: dense, warmupIterations: adaptation.warmupIterations))
    }

    func write(_ draw: Draw) throws {
        try write(draw, recorded: try recorder.values(draw.positions, draw: draw.index))
    }

    /// Moments on the device unless the recorded values include host quantities (computed on the
    /// host from each draw) or a writer needs every draw (an `observer`).
    /// Whether the rows kept so far leave the moments' second half with fewer than two rows (a run
    /// stopped early), so that R̂ and the batch-means ESS cannot be computed.
    var secondHalfTooShort: Bool { draws < firstHalf + 2 }

    var momentsOnDevice: (quantities: Int, firstHalf: Int)? {
        guard keepsMoments, recorder.host == nil, writer == nil, !keepDraws else { return nil }
        return (1 + schema.flatCount, firstHalf)
    }

    func writeDiagnostics(of iteration: SampledIteration) throws {
        precondition(keepsMoments, "DrawCollector.writeDiagnostics: not keeping moments")
        addDiagnostics(iteration.info)
        draws += 1
    }

    func adoptMoments(_ device: ChainMoments) throws {
        precondition(device.chains == chains && device.quantities == 1 + schema.flatCount && device.drawsPerChain == draws,
                     "DrawCollector.adoptMoments: \(device.drawsPerChain) draws of moments for \(draws) draws collected")
        moments = device
    }

    /// Records all the draws' values in one call (one launch on a device: the draws' chains side
    /// by side as one batch), then writes each.
    func write(contentsOf draws: [Draw]) throws {
        guard draws.count > 1 else { return try draws.forEach(write) }
        let recorded = try recorder.values(ChainBatch(stacking: draws.map(\.positions)), chains: chains, draws: draws.map(\.index))
        for (k, draw) in draws.enumerated() {
            try write(draw, recorded: recorded.chains((k * chains)..<((k + 1) * chains)))
        }
    }

    /// Divergences, saturated trees, leapfrog steps and energies of one kept iteration.
    private func addDiagnostics(_ info: TransitionInfoBatch) {
        divergent += info.divergences
        if let maxDepth { saturated += info.treeDepth.reduce(0) { $0 + ($1 >= maxDepth ? 1 : 0) } }
        leapfrogSteps += info.leapfrogSteps.reduce(0, +)
        energy.add(info.energy)
    }

    private func write(_ draw: Draw, recorded batch: ChainBatch) throws {
        addDiagnostics(draw.info)
        if keepDraws {
            for c in 0..<chains {
                values[0][c].append(draw.logDensity[c])
                for k in 0..<batch.dimension { values[k + 1][c].append(batch[c, k]) }
            }
        }
        if let writer {
            var stats = SampleStatistics(chains: chains)
            for c in 0..<chains {
                let info = draw.info[c]
                stats.lp[c] = draw.logDensity[c]
                stats.acceptanceRate[c] = info.acceptanceStatistic
                stats.stepSize[c] = info.stepSize
                stats.treeDepth[c] = info.treeDepth
                stats.nSteps[c] = info.leapfrogSteps
                stats.diverging[c] = info.divergent
                stats.energy[c] = info.energy
            }
            try writer.append(batch, stats: stats)
        }
        if keepsMoments {
            if moments == nil { moments = ChainMoments(chains: chains, quantities: 1 + schema.flatCount) }
            moments!.add(draw.logDensity + batch.values, half: draws < firstHalf ? 0 : 1)
        }
        draws += 1
    }

    /// lp__ draws per chain (`[chain][draw]`), from memory or read back from `posterior`; empty
    /// with `--keep moments` (no draws kept) or when neither is there.
    func logDensityDraws(posterior: String?) throws -> [[Double]] {
        if moments != nil { return [] }
        if keepDraws { return values[0] }
        if let readBackLogDensity { return readBackLogDensity.values }
        guard let posterior else { return [] }
        let reader = try InferenceDataReader(path: posterior)
        defer { reader.close() }
        return try reader.sampleStatistic("lp")
    }

    /// Summaries of `lp__` and every element, from memory or read back from `posterior`.
    func summaries(superchains: Int?, posterior: String?) throws -> [ParameterSummary] {
        if keepsMoments {
            let moments = moments ?? ChainMoments(chains: chains, quantities: 1 + schema.flatCount)
            return (["lp__"] + schema.bracketNames).enumerated().map { k, name in
                moments.summary(quantity: k, name: name, superchains: superchains)
            }
        }
        if keepDraws {
            let names = ["lp__"] + schema.bracketNames
            return summarize(names.enumerated().map { k, name in (name, Draws(values[k])) }, superchains: superchains)
        }
        guard let posterior else { return [] }
        let reader = try InferenceDataReader(path: posterior)
        defer { reader.close() }
        // Variables are read one at a time (the file's reads are serialised) and summarised over the
        // cores in batches of at least `summaryBatchValues` draws, or a quantity per core.
        let budget = max(Self.summaryBatchValues, ChainRanges.cores * chains * max(1, draws))
        var out: [ParameterSummary] = []
        let lp = try reader.sampleStatisticDraws("lp")
        readBackLogDensity = lp
        var batch: [(name: String, draws: Draws)] = [("lp__", lp)]
        var held = batch[0].draws.count
        func summariseBatch() {
            out += summarize(batch, superchains: superchains)
            batch.removeAll()
            held = 0
        }
        for v in schema.variables {
            for element in try reader.posteriorDraws(v.name) {
                batch.append(element)
                held += element.draws.count
            }
            if held >= budget { summariseBatch() }
        }
        summariseBatch()
        return out
    }

    /// Draws read back from `posterior.nc` before their summaries are computed together (2²⁵
    /// doubles, 256 MiB), unless one quantity per core takes more.
    static let summaryBatchValues = 1 << 25
}
