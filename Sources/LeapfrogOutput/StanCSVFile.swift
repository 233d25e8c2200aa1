/// One Stan CSV file, parsed by `StanCSVReader`: the configuration, the columns, the
/// adaptation block and the timing trailer.
public struct StanCSVFile: Sendable, Hashable {
    /// Where the text came from (the path), used in messages.
    public var source: String
    /// `key = value` comments, keys qualified by the sections CmdStan nests them in
    /// (`sample.num_samples`, `sample.adapt.delta`, `sample.hmc.nuts.max_depth`,
    /// `random.seed`, `output.sig_figs`, `model`, `id`) with `(Default)` removed. Key/value
    /// comments after the header row (such as `leapfrog_interrupted`) are included unqualified.
    public var configuration: [String: String]
    /// Column names as in the header row (`lp__`, …, `theta.1`).
    public var columnNames: [String]
    /// `columns[j][i]`: column `j` in draw row `i`.
    public var columns: [[Double]]
    /// The step size from `# Step size = …`, if the file has an adaptation block.
    public var stepSize: Double?
    /// The inverse metric from the adaptation block: one row (the diagonal) for `diag_e`,
    /// `n` rows for `dense_e`, none if absent.
    public var inverseMetric: [[Double]]
    /// Seconds from the `Elapsed Time` trailer, if present.
    public var timing: RunTiming?
    /// Every comment line, without the leading `#`, in file order.
    public var comments: [String]

    public var rowCount: Int { columns.first?.count ?? 0 }

    /// The values of column `name`, or `nil` if there is no such column.
    public func column(_ name: String) -> [Double]? {
        columnNames.firstIndex(of: name).map { columns[$0] }
    }

    /// The value of configuration key `key`: an exact (qualified) key, or else the only key
    /// whose last component is `key` (`"seed"` finds `random.seed`).
    public func configurationValue(_ key: String) -> String? {
        if let value = configuration[key] { return value }
        let matches = configuration.filter { $0.key.hasSuffix("." + key) }
        return matches.count == 1 ? matches.first?.value : nil
    }

    /// The chain's `id` from the configuration (CmdStan's and Leapfrog's), if the file has one.
    public var chainID: Int? { configuration["id"].flatMap { Int($0) } }

    /// `files` in chain order: by their `id` when every file has one and no two share it, else
    /// as given. A shell's glob lists `chain-10.csv` before `chain-2.csv`, and the order of the
    /// chains decides which form a superchain (nested R̂) and which a report draws on top.
    public static func inChainOrder(_ files: [StanCSVFile]) -> [StanCSVFile] {
        let ids = files.compactMap(\.chainID)
        guard ids.count == files.count, Set(ids).count == ids.count else { return files }
        return files.sorted { $0.chainID! < $1.chainID! }
    }

    /// `true` when the file says the run was interrupted (`leapfrog_interrupted = 1`).
    public var interrupted: Bool { configuration["leapfrog_interrupted"] == "1" }

    /// Columns whose names do not end in `__`: the model's values.
    public var parameterNames: [String] { columnNames.filter { !$0.hasSuffix("__") } }

    /// Stan's CSV element name in bracket form: `theta.3` → `theta[3]`, `W1.2.5` → `W1[2,5]`;
    /// names without numeric dotted suffixes are returned unchanged.
    public static func bracketName(_ csvName: String) -> String {
        let (base, index) = split(csvName)
        return index.isEmpty ? base : base + "[" + index.map(String.init).joined(separator: ",") + "]"
    }

    /// Splits `W1.2.5` into `("W1", [2, 5])`; the trailing all-digit components are the index.
    static func split(_ name: String) -> (String, [Int]) {
        var parts = name.split(separator: ".", omittingEmptySubsequences: false)
        var index: [Int] = []
        while parts.count > 1, let last = parts.last, !last.isEmpty, last.allSatisfy(\.isASCIIDigit), let i = Int(last) {
            index.insert(i, at: 0)
            parts.removeLast()
        }
        return (parts.joined(separator: "."), index)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
