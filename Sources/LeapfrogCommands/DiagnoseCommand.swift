import ArgumentParser
import Leapfrog
import LeapfrogOutput

/// `leapfrog diagnose FILES…`: the summary table and warnings for draws already on disk — Stan CSV
/// files (one per chain, CmdStan's own included) or a `posterior.nc`.
struct DiagnoseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Summarise and diagnose Stan CSV files or an InferenceData posterior.nc.")

    @Argument(help: "Stan CSV files (one per chain) or one posterior.nc.")
    var files: [String]

    @Option(parsing: .unconditional, help: "Chains per superchain group for nested R-hat (K groups of adjacent chains).")
    var superchains: Int?

    struct Outcome {
        var summaries: [ParameterSummary]
        var warnings: DiagnosticWarnings
    }

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give Stan CSV files or a posterior.nc") }
        if files.contains(where: { $0.hasSuffix(".nc") }) && files.count > 1 {
            throw ValidationError("give one posterior.nc, or Stan CSV files, not both")
        }
        if let k = superchains, k < 1 { throw ValidationError("--superchains must be at least 1 (got \(k))") }
        if let twice = FileSystem.repeated(files) {
            throw ValidationError("'\(twice)' is given twice: each file is one chain, and a chain counted twice inflates ESS and hides R-hat")
        }
    }

    func run() throws {
        let out = try execute()
        print(SummaryTable(out.summaries).render())
        let text = out.warnings.description
        if !text.isEmpty { print(text) }
    }

    func execute() throws -> Outcome {
        var draws: [(name: String, draws: Draws)]
        var diverging: [[Double]] = [], treeDepth: [[Double]] = [], energy: [[Double]] = []
        var maxDepth: Int?
        if files[0].hasSuffix(".nc") {
            let reader = try InferenceDataReader(path: files[0])
            defer { reader.close() }
            draws = [("lp__", try reader.sampleStatisticDraws("lp"))] + (try reader.variables.flatMap { try reader.posteriorDraws($0.name) })
            let stats = Set(reader.sampleStatisticNames)
            if stats.contains("diverging") { diverging = try reader.sampleStatistic("diverging") }
            if stats.contains("tree_depth") { treeDepth = try reader.sampleStatistic("tree_depth") }
            if stats.contains("energy") { energy = try reader.sampleStatistic("energy") }
        } else {
            let parsed = StanCSVFile.inChainOrder(try files.map(Self.readStanCSV))
            let lengths = Set(parsed.map(\.rowCount))
            guard lengths.count == 1 else {
                throw LeapfrogError(.data, "the CSV files hold different numbers of draws (\(lengths.sorted())); diagnose chains of equal length")
            }
            draws = ([FlatDraws(name: "lp__", draws: parsed.map { $0.column("lp__") ?? [] })] + (try StanCSVReader.posterior(parsed)))
                .map { ($0.name, Draws($0.draws)) }
            diverging = parsed.compactMap { $0.column("divergent__") }
            treeDepth = parsed.compactMap { $0.column("treedepth__") }
            energy = parsed.compactMap { $0.column("energy__") }
            maxDepth = parsed.first?.configurationValue("sample.max_depth").flatMap { Int($0) }
                ?? parsed.first?.configurationValue("max_depth").flatMap { Int($0) }
        }
        guard let first = draws.first?.draws, first.drawsPerChain > 0 else {
            throw LeapfrogError(.data, "\(files.count == 1 ? files[0] : "the files") hold\(files.count == 1 ? "s" : "") no draws: nothing to diagnose")
        }
        if let k = superchains, first.chainCount % k != 0 || first.chainCount / k < 2 {
            throw LeapfrogError(.configuration, "--superchains \(k) must divide the \(first.chainCount) chains into groups of 2 or more")
        }
        let summaries = summarize(draws, superchains: superchains)
        let depth = maxDepth ?? 10
        let warnings = DiagnosticWarnings(
            summaries: summaries,
            divergentCount: diverging.joined().filter { $0 != 0 }.count,
            totalDraws: draws.first?.draws.count ?? 0,
            treeDepthSaturatedCount: treeDepth.joined().filter { $0 >= Double(depth) }.count,
            maxTreeDepth: depth,
            ebfmi: energy.isEmpty || energy[0].count < 2 ? [] : EBFMI.perChain(energy: energy),
            logDensity: draws.first?.draws.values ?? [])
        return Outcome(summaries: summaries, warnings: warnings)
    }

    /// What diagnose reads, for messages about a file it cannot.
    static let readable = "diagnose reads the Stan CSV files of a run (chain-<k>.csv from `leapfrog sample --output DIR --csv`, "
        + "or CmdStan's) or one InferenceData posterior.nc"

    /// The Stan CSV file at `path`. A file that is not one (no header row naming `lp__`: a JSON
    /// summary, a data CSV) is refused as such, by name, with what diagnose reads; a Stan CSV
    /// file with a malformed row keeps the reader's `file:line` message.
    static func readStanCSV(_ path: String) throws -> StanCSVFile {
        let file: StanCSVFile
        do {
            file = try StanCSVReader.read(path: path)
        } catch let e as LeapfrogError where e.kind == .data {
            guard let header = headerRow(path), header.contains("lp__") else { throw notStanCSV(path) }
            throw e
        }
        guard file.columnNames.contains("lp__") else { throw notStanCSV(path) }
        return file
    }

    static func notStanCSV(_ path: String) -> LeapfrogError {
        LeapfrogError(.data, "'\(path)' is not a Stan CSV file (it has no header row naming lp__) nor an InferenceData "
                      + "posterior.nc; \(readable)")
    }

    /// The column names of the first line of `path` that is neither blank nor a `#` comment,
    /// from its first MiB (Stan CSV puts `lp__` first).
    static func headerRow(_ path: String) -> [String]? {
        guard let text = FileSystem.readPrefix(path, limit: 1 << 20) else { return nil }
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        where !line.hasPrefix("#") && !line.allSatisfy(\.isWhitespace) {
            return line.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }
        }
        return nil
    }
}
