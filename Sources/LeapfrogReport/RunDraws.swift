import LeapfrogCore
import LeapfrogOutput

/// The draws of a run, read one variable at a time (so a large `posterior.nc` need not be in
/// memory whole), with the sampler's per-draw statistics under ArviZ's names.
final class RunDraws {
    /// A posterior variable: its name and its flat elements' names (`theta[1]` …; one element
    /// `theta` for a scalar), with the element shape.
    struct Variable: Hashable {
        var name: String
        var shape: [Int]
        var elementNames: [String]
        var count: Int { elementNames.count }
    }

    let chains: Int
    let draws: Int
    let variables: [Variable]
    /// `lp`, `acceptance_rate`, `step_size`, `tree_depth`, `n_steps`, `diverging`, `energy` as
    /// `[chain][draw]`, those the input has.
    let statistics: [String: [[Double]]]
    /// The model's name as the files record it (graph name), if they do.
    let modelName: String?
    /// The data file the files record (Stan CSV's `data.file`), if any.
    let dataPath: String?
    /// Where the draws came from, for the page.
    let source: String
    /// The fitted approximation the draws come from (`advi meanfield`, `pathfinder`), nil for
    /// MCMC draws: such draws have no sampler statistics but `lp__` (files written before they
    /// said so carry zeros there, which are not read).
    let fittedBy: String?

    private let reader: InferenceDataReader?
    private let csvDraws: [String: [FlatDraws]]

    init(_ input: RunInput) throws {
        if let path = input.posterior {
            let reader = try InferenceDataReader(path: path)
            self.reader = reader
            chains = reader.chains
            draws = reader.draws
            variables = reader.variables.map { v in
                Variable(name: v.name, shape: v.shape, elementNames: v.rowMajorIndices.map { v.bracketName($0) })
            }
            var stats: [String: [[Double]]] = [:]
            fittedBy = reader.attributes["inference"]
            for name in reader.sampleStatisticNames where fittedBy == nil || name == "lp" { stats[name] = try reader.sampleStatistic(name) }
            statistics = stats
            modelName = reader.attributes["model"]
            dataPath = nil
            source = path
            csvDraws = [:]
        } else {
            let files = StanCSVFile.inChainOrder(try input.csvFiles.map(Self.readStanCSV))
            let lengths = Set(files.map(\.rowCount))
            guard lengths.count == 1 else {
                throw LeapfrogError(.data, "the CSV files hold different numbers of draws (\(lengths.sorted())); "
                                    + "a report needs chains of equal length")
            }
            reader = nil
            chains = files.count
            draws = files[0].rowCount
            let flat = try StanCSVReader.posterior(files)
            var order: [String] = []
            var grouped: [String: [FlatDraws]] = [:]
            for f in flat {
                let base = Self.baseName(f.name)
                if grouped[base] == nil { order.append(base) }
                grouped[base, default: []].append(f)
            }
            csvDraws = grouped
            variables = order.map { name in
                let elements = grouped[name]!.map(\.name)
                return Variable(name: name, shape: elements.count == 1 && elements[0] == name ? [] : [elements.count],
                                elementNames: elements)
            }
            let columns = ["lp": "lp__", "acceptance_rate": "accept_stat__", "step_size": "stepsize__",
                           "tree_depth": "treedepth__", "n_steps": "n_leapfrog__", "diverging": "divergent__",
                           "energy": "energy__"]
            var stats: [String: [[Double]]] = [:]
            fittedBy = files[0].configuration["leapfrog_method"]
            for (ours, theirs) in columns where fittedBy == nil || ours == "lp" {
                let cols = files.compactMap { $0.column(theirs) }
                if cols.count == files.count { stats[ours] = cols }
            }
            statistics = stats
            modelName = files[0].configurationValue("model")
            dataPath = files[0].configuration["data.file"].flatMap { $0.isEmpty ? nil : $0 }
            source = input.csvFiles.count == 1 ? input.csvFiles[0] : "\(input.csvFiles[0]) and \(input.csvFiles.count - 1) more"
        }
    }

    deinit { reader?.close() }

    /// The elements of `variable`, each `[chain][draw]`.
    func elements(_ variable: Variable) throws -> [FlatDraws] {
        if let reader { return try reader.posterior(variable.name) }
        return csvDraws[variable.name] ?? []
    }

    /// `lp__` as `[chain][draw]`, if the input has it.
    var logDensity: [[Double]]? { statistics["lp"] }

    /// `theta[3]` → `theta`.
    static func baseName(_ name: String) -> String {
        name.firstIndex(of: "[").map { String(name[..<$0]) } ?? name
    }

    /// A Stan CSV file, refused by name when it is not one (no `lp__` column).
    static func readStanCSV(_ path: String) throws -> StanCSVFile {
        let file = try StanCSVReader.read(path: path)
        guard file.columnNames.contains("lp__") else {
            throw LeapfrogError(.data, "'\(path)' is not a Stan CSV file (it has no header row naming lp__); \(RunInput.readable)")
        }
        return file
    }
}
