#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore

/// Streams draws into Stan CSV files, one per chain, `chain-<k>.csv` with `k` 1-based, in the
/// layout CmdStan writes (CmdStan guide, "Stan CSV file format"), so `arviz.from_cmdstan`,
/// CmdStanPy and `StanCSVReader` read them:
///
/// 1. the configuration as `#` comments (`StanCSVConfiguration`);
/// 2. the header row `lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,`
///    (`lp__,accept_stat__` for a fitted approximation's draws, as CmdStan's `fixed_param`:
///    `StanCSVConfiguration.method`) then the
///    parameters flattened Stan's way: `theta.3`, `W1.2.5`, 1-based and
///    **column-major** (first index fastest), as Stan orders array and matrix elements;
/// 3. after warmup (`recordAdaptation`): `# Adaptation terminated`, `# Step size = …`,
///    `# Diagonal elements of inverse mass matrix:` and the diagonal, comma-separated, or for a
///    dense metric `# Elements of inverse mass matrix:` and its rows, one per line (CmdStanPy
///    rejects a file without this block when the header says `engaged = 1`: call
///    `recordAdaptation` before the first draw, or set `adaptEngaged = false`);
/// 4. one row per draw, numbers as `StanNumber` writes them (round-trip exact, `nan`/`inf`);
/// 5. at `finish`: CmdStan's timing trailer (`#  Elapsed Time: … seconds (Warm-up)` …), then
///    `# leapfrog_interrupted = 0|1` and `# leapfrog_draws_written = N`. When fewer rows were
///    written than planned (an interrupted run, `--target-ess`), the header's `num_samples` is
///    overwritten in place with the iterations those rows stand for (rows × thin, padded with
///    spaces), so the file is consistent for readers that check the row count.
///
/// Files are written as `chain-<k>.csv.partial` (refusing to start if any exists: it may be
/// another run's) and renamed at `finish`, replacing files of the final names; `abandon()`
/// (or dropping an unfinished writer) deletes them. Each file keeps one open stream with a
/// 64 KiB buffer, so memory is flat in draws but grows with the chains written: write a
/// subset (`chains:`) for runs with thousands of chains (the open-file limit also applies).
public final class StanCSVWriter: DrawWriter {
    public let directory: String
    public let schema: DrawSchema
    /// The 0-based chains written, in file order.
    public let chains: [Int]
    /// The final path of each written chain's file.
    public let paths: [String]
    public private(set) var drawsWritten = 0

    /// The parameter columns' names (`W1.1.1`, `W1.2.1`, …) and flat (row-major) offsets.
    public let parameterColumns: [(name: String, flatOffset: Int)]

    public static let statisticColumns = StanCSVConfiguration.samplerColumns
    /// Whether the rows carry the sampler's statistics or `lp__` alone (a fitted approximation).
    private let samplerStatistics: Bool
    /// Planned rows (⌈num_samples / thin⌉) and the thinning, for `num_samples`'s rewrite.
    private let plannedRows: Int
    private let thin: Int

    private var streams: [UnsafeMutablePointer<FILE>?]
    /// Byte offset and width of the `num_samples` and `num_warmup` values in each file's header.
    private var numSamplesField: (offset: Int, width: Int)?
    private var numWarmupField: (offset: Int, width: Int)?
    /// The header's `num_warmup`: the most warmup iterations (`--warmup`).
    private let plannedWarmup: Int
    private var state = State.open
    private enum State { case open, finished, abandoned }

    /// Creates `chain-<k>.csv.partial` in `directory` for each of `chains` (0-based; all by
    /// default) and writes the configuration and header row.
    public init(directory: String, schema: DrawSchema, configuration: StanCSVConfiguration, chains: [Int]? = nil) throws {
        self.directory = directory
        self.schema = schema
        let chains = chains ?? Array(0..<schema.chains)
        self.chains = chains
        try schema.validate(for: directory + "/chain-*.csv")
        if let bad = chains.first(where: { !(0..<schema.chains).contains($0) }) {
            throw LeapfrogError(.io, "cannot write Stan CSV in '\(directory)': chain \(bad) is not in 0..<\(schema.chains)")
        }
        if Set(chains).count != chains.count {
            throw LeapfrogError(.io, "cannot write Stan CSV in '\(directory)': a chain is listed twice in \(chains)")
        }
        let names = chains.map { "chain-\($0 + 1).csv" }
        paths = names.map { directory + "/" + $0 }
        var columns: [(String, Int)] = []
        for (variable, offset) in zip(schema.variables, schema.offsets) {
            for index in Self.columnMajorIndices(variable.shape) {
                columns.append((variable.dotName(index), offset + variable.rowMajorOffset(index)))
            }
        }
        parameterColumns = columns
        streams = []
        let startedAt = FileSystem.cmdStanTimestamp()
        samplerStatistics = configuration.statisticColumns == Self.statisticColumns
        thin = max(1, configuration.thin)
        plannedRows = (configuration.numSamples + thin - 1) / thin
        plannedWarmup = configuration.numWarmup
        let header = (configuration.statisticColumns + columns.map(\.0)).joined(separator: ",")
        do {
            for (k, path) in paths.enumerated() {
                streams.append(try FileSystem.createExclusive(FileSystem.partialPath(path)))
                let lines = configuration.commentLines(chainID: chains[k] + 1, outputFile: names[k], startedAt: startedAt)
                func field(_ prefix: String, _ value: Int) -> (offset: Int, width: Int)? {
                    guard let i = lines.firstIndex(where: { $0.hasPrefix(prefix) }) else { return nil }
                    return (lines[..<i].reduce(0) { $0 + $1.utf8.count + 1 } + prefix.utf8.count, String(value).utf8.count)
                }
                numSamplesField = field("#     num_samples = ", configuration.numSamples)
                numWarmupField = field("#     num_warmup = ", configuration.numWarmup)
                try write(k, lines.joined(separator: "\n") + "\n" + header + "\n")
            }
        } catch {
            abandon()
            throw error
        }
    }

    deinit { abandon() }

    /// 1-based indices of an array of `shape`, first index fastest (Stan's column-major order).
    static func columnMajorIndices(_ shape: [Int]) -> [[Int]] {
        DrawSchema.Variable("", shape.reversed()).rowMajorIndices.map { $0.reversed() }
    }

    private func write(_ k: Int, _ text: String) throws {
        guard let stream = streams[k] else { return }
        if fputs(text, stream) == EOF {
            throw LeapfrogError(.io, "cannot write '\(FileSystem.partialPath(paths[k]))': \(FileSystem.lastError())")
        }
    }

    private func requireOpen(_ action: String) throws {
        guard state == .open else {
            throw LeapfrogError(.io, "cannot \(action) Stan CSV in '\(directory)': the writer is already finished or abandoned")
        }
    }

    public func recordAdaptation(_ adaptation: WarmupAdaptation) throws {
        try requireOpen("record adaptation in")
        for (k, chain) in chains.enumerated() {
            guard chain < adaptation.stepSize.count else {
                throw LeapfrogError(.io, "cannot write '\(paths[k])': adaptation has \(adaptation.stepSize.count) step sizes but the schema has \(schema.chains) chains")
            }
            var text = "# Adaptation terminated\n# Step size = \(StanNumber.format(adaptation.stepSize[chain]))\n"
            if let dense = adaptation.inverseMetricDense {
                guard chain < dense.count else {
                    throw LeapfrogError(.io, "cannot write '\(paths[k])': adaptation has \(dense.count) metrics but the schema has \(schema.chains) chains")
                }
                let d = Int(Double(dense[chain].count).squareRoot())
                text += "# Elements of inverse mass matrix:\n" + (0..<d).map { i in
                    "# " + dense[chain][(i * d)..<((i + 1) * d)].map(StanNumber.format).joined(separator: ", ") + "\n"
                }.joined()
            } else if let diagonal = adaptation.inverseMetricDiagonal {
                guard chain < diagonal.count else {
                    throw LeapfrogError(.io, "cannot write '\(paths[k])': adaptation has \(diagonal.count) metrics but the schema has \(schema.chains) chains")
                }
                text += "# Diagonal elements of inverse mass matrix:\n# "
                    + diagonal[chain].map(StanNumber.format).joined(separator: ", ") + "\n"
            }
            try write(k, text)
            // An adaptive warmup that ended early: the header says how long it ran.
            if let n = adaptation.warmupIterations, n != plannedWarmup, let field = numWarmupField {
                try rewriteHeader(k, field, value: n, name: "num_warmup")
            }
        }
    }

    /// Appends one draw of every chain. Each chain's row is formatted and written to its own
    /// stream, over the cores when the draw is large (`ChainRanges`): formatting shortest
    /// round-trip decimals is the cost, and on one thread 4,096 chains × 78 columns took most of
    /// a GPU run's sampling phase. The first failure, in chain order, is thrown.
    public func append(_ draws: ChainBatch, stats: SampleStatistics) throws {
        try requireOpen("append to")
        try check(draws, stats, file: paths.first ?? directory)
        var failures = [(any Error)?](repeating: nil, count: chains.count)
        let parallel = ChainRanges.worthParallel(chains: chains.count, perChain: parameterColumns.count)
        draws.values.withUnsafeBufferPointer { values in
            failures.withUnsafeMutableBufferPointer { failures in
                ChainRanges.forEach(chains.count, parallel: parallel) { range in
                    for k in range {
                        do { try write(k, row(chains[k], values: values, stats: stats)) } catch { failures[k] = error }
                    }
                }
            }
        }
        if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
        drawsWritten += 1
    }

    /// Chain `c`'s row: the statistics, then the parameters in column order.
    private func row(_ c: Int, values: UnsafeBufferPointer<Double>, stats: SampleStatistics) -> String {
        let n = schema.chains
        var row = StanNumber.format(stats.lp[c])
        if samplerStatistics {
            row += "," + StanNumber.format(stats.acceptanceRate[c]) + "," + StanNumber.format(stats.stepSize[c]) + ","
                + String(stats.treeDepth[c]) + "," + String(stats.nSteps[c]) + "," + (stats.diverging[c] ? "1" : "0") + ","
                + StanNumber.format(stats.energy[c])
        } else {
            row += ",0"   // fixed_param's accept_stat__
        }
        for column in parameterColumns {
            row += ","
            row += StanNumber.format(values[column.flatOffset * n + c])
        }
        row += "\n"
        return row
    }

    public func finish(interrupted: Bool, timing: RunTiming) throws {
        try requireOpen("finish")
        let seconds = { (x: Double) in StanNumber.format((x * 1000).rounded() / 1000) }
        let trailer = """
            # \n#  Elapsed Time: \(seconds(timing.warmupSeconds)) seconds (Warm-up)
            #                \(seconds(timing.samplingSeconds)) seconds (Sampling)
            #                \(seconds(timing.totalSeconds)) seconds (Total)
            # \n# leapfrog_interrupted = \(interrupted ? 1 : 0)
            # leapfrog_draws_written = \(drawsWritten)\n
            """
        do {
            for k in streams.indices {
                try write(k, trailer)
                if interrupted || drawsWritten != plannedRows, let field = numSamplesField {
                    try rewriteHeader(k, field, value: drawsWritten * thin, name: "num_samples")
                }
                let stream = streams[k]
                streams[k] = nil
                if let stream, fclose(stream) != 0 {
                    throw LeapfrogError(.io, "cannot write '\(FileSystem.partialPath(paths[k]))': fclose: \(FileSystem.lastError())")
                }
            }
            for path in paths {
                try FileSystem.rename(FileSystem.partialPath(path), to: path)
            }
            state = .finished
        } catch {
            abandon()
            throw error
        }
    }

    /// Overwrites a number in the header, padded with spaces to the planned number's width:
    /// `num_samples` with the iterations the rows written stand for (rows × thin), so readers
    /// that check the row count (CmdStanPy: ⌈num_samples / thin⌉) accept the file, and
    /// `num_warmup` with the iterations an adaptive warmup ran.
    private func rewriteHeader(_ k: Int, _ field: (offset: Int, width: Int), value: Int, name: String) throws {
        guard let stream = streams[k] else { return }
        let text = String(value)
        guard text.utf8.count <= field.width else { return }
        let padded = text + String(repeating: " ", count: field.width - text.utf8.count)
        if fseek(stream, field.offset, SEEK_SET) != 0 || fputs(padded, stream) == EOF || fseek(stream, 0, SEEK_END) != 0 {
            throw LeapfrogError(.io, "cannot write '\(FileSystem.partialPath(paths[k]))': rewriting \(name): \(FileSystem.lastError())")
        }
    }

    public func abandon() {
        guard state == .open else { return }
        for k in streams.indices {
            if let stream = streams[k] { fclose(stream) }
            streams[k] = nil
        }
        for path in paths.prefix(streams.count) {  // only the files this writer created
            FileSystem.remove(FileSystem.partialPath(path))
        }
        state = .abandoned
    }
}
