import LeapfrogCore

/// A numeric table read from comma-separated text whose first row names the columns.
///
/// Rules:
/// - The delimiter is a comma. Fields may be quoted (`"1.5"`, `"a,b"` in the header); leading
///   and trailing spaces around a cell or column name are ignored.
/// - Every data cell must be a finite decimal number (`Double` syntax: `3`, `-0.5`, `1e-3`).
///   Empty cells, text, `NaN` and `Inf` are errors — except `nan`/`inf` where the caller allows
///   non-finite values (`nonFinite: true`: Leapfrog's own traces, where `nan` marks a pruned
///   restart or a failed estimate).
/// - Every row must have as many cells as the header. A quoted field may hold a line break,
///   which keeps later line numbers exact, but such a cell or column name is an error.
/// - Blank lines at the end of the text are ignored; a blank line between rows is an error.
///
/// Errors are `LeapfrogError(.data, …)` whose message starts with `source:line:` or
/// `source:line:column:`, 1-based, the header being line 1 and columns counted in cells.
/// A file that cannot be read gives `LeapfrogError(.io, "cannot read data file 'path': …")`.
public struct CSVTable: Sendable, Hashable {
    /// Where the text came from (the path for `load`), used in messages and as `DataSet.source`.
    public let source: String
    public let columnNames: [String]
    public let rowCount: Int
    /// `columns[j][i]` is the value of column `j` in data row `i`.
    private let columns: [[Double]]
    /// The line on which each data row starts.
    private let rowLines: [Int]

    /// Reads and parses the CSV file at `path`.
    public static func load(path: String, nonFinite: Bool = false) throws -> CSVTable {
        try parse(DataFile.text(path: path), source: path, nonFinite: nonFinite)
    }

    /// Parses CSV `text`; `source` names it in messages (usually the path).
    public static func parse(_ text: String, source: String, nonFinite: Bool = false) throws -> CSVTable {
        let rows = try splitRows(text, source: source)
        guard let last = rows.lastIndex(where: { !$0.isBlank }) else {
            throw LeapfrogError(.data, "\(source):1: the file is empty; expected a header row naming the columns")
        }
        let header = rows[0]
        if header.isBlank {
            throw LeapfrogError(.data, "\(source):1: the first line is blank; expected a header row naming the columns")
        }
        let names = header.cells.map(trimmed)
        // A file without a header row would lose its first row to column names like '2.58'; the
        // column numbers 0, 1, … or 1, 2, … that pandas and R write for unnamed columns are names.
        let numbered = names.enumerated().allSatisfy { Int($0.element) == $0.offset } || names.enumerated().allSatisfy { Int($0.element) == $0.offset + 1 }
        if !numbered, names.allSatisfy({ number($0) != nil }) {
            throw LeapfrogError(.data, "\(source):\(header.line): the first row (\(names.prefix(3).joined(separator: ", "))\(names.count > 3 ? ", …" : "")) "
                                + "holds numbers only; a data CSV starts with a header row naming the columns")
        }
        if names.count == 1, let separator = ([";", "\t", "|"] as [String]).first(where: { names[0].contains($0) }) {
            throw LeapfrogError(.data, "\(source):\(header.line): the header has one column, '\(names[0])', which contains "
                                + "'\(separator == "\t" ? "\\t" : separator)': columns are separated by commas")
        }
        if names[0].hasPrefix("#") {
            throw LeapfrogError(.data, "\(source):\(header.line): the first line starts with '#'; a data CSV has no comment lines: "
                                + "its first line names the columns")
        }
        var firstIndex: [String: Int] = [:]
        for (j, name) in names.enumerated() {
            if header.cells[j].contains(where: \.isCSVLineBreak) {
                throw LeapfrogError(.data, "\(source):\(header.line):\(j + 1): column name spans several lines \(multiLineHint)")
            }
            if name.isEmpty {
                throw LeapfrogError(.data, "\(source):\(header.line):\(j + 1): column \(j + 1) has no name")
            }
            if let earlier = firstIndex[name] {
                throw LeapfrogError(.data, "\(source):\(header.line):\(j + 1): duplicate column name '\(name)' (also column \(earlier + 1))")
            }
            firstIndex[name] = j
        }
        if last == 0 {
            throw LeapfrogError(.data, "\(source):\(header.nextLine): no data rows after the header")
        }

        var columns = [[Double]](repeating: [], count: names.count)
        var rowLines: [Int] = []
        for row in rows[1...last] {
            if row.isBlank {
                throw LeapfrogError(.data, "\(source):\(row.line): blank line between data rows")
            }
            guard row.cells.count == names.count else {
                throw LeapfrogError(.data, "\(source):\(row.line): row has \(row.cells.count) \(row.cells.count == 1 ? "cell" : "cells") but the header has \(names.count)")
            }
            for (j, cell) in row.cells.enumerated() {
                let place = "\(source):\(row.line):\(j + 1)"
                if cell.contains(where: \.isCSVLineBreak) {
                    throw LeapfrogError(.data, "\(place): cell in column '\(names[j])' spans several lines \(multiLineHint)")
                }
                let text = trimmed(cell)
                if text.isEmpty {
                    throw LeapfrogError(.data, "\(place): cell in column '\(names[j])' is empty")
                }
                guard let value = number(text) else {
                    throw LeapfrogError(.data, "\(place): cell '\(text.split(separator: "\0", omittingEmptySubsequences: false).joined(separator: "\\0"))' in column '\(names[j])' is not a number")
                }
                guard value.isFinite || nonFinite else {
                    throw LeapfrogError(.data, "\(place): column '\(names[j])' holds a non-finite value '\(text)'")
                }
                columns[j].append(value)
            }
            rowLines.append(row.line)
        }
        return CSVTable(source: source, columnNames: names, rowCount: rowLines.count,
                        columns: columns, rowLines: rowLines)
    }

    /// A decimal number (`3`, `-0.5`, `1e-3`, `nan`, `inf`): not hexadecimal (`0x10`, which
    /// `Double` reads as 16) nor text with a NUL inside (which `Double` reads up to the NUL).
    static func number(_ text: String) -> Double? {
        guard !text.contains(where: { $0 == "\0" || $0 == "x" || $0 == "X" || $0 == "p" || $0 == "P" }) else { return nil }
        return Double(text)
    }

    /// The line of the file on which data row `i` (0-based) starts.
    public func line(ofRow i: Int) -> Int { rowLines[i] }

    /// The values of the column called `name`, top to bottom. An unknown name is an error that
    /// lists the available columns.
    public func column(_ name: String) throws -> [Double] {
        columns[try index(of: name)]
    }

    /// Builds model data from the table: a matrix `featureName` of shape [rowCount, features]
    /// (row-major, columns in the order of `features`) and a vector `targetName` of the target.
    ///
    /// - Parameters:
    ///   - features: the feature columns; `nil` takes every column except `target`, in file order.
    ///     Must not be empty, repeat a name or include `target`.
    ///   - standardize: centre and scale each feature column (see `Standardization`); the target
    ///     is never transformed. The returned `Standardization` is `nil` when this is false.
    ///   - integerTarget: require every target value to be an integer (e.g. a class label) and mark
    ///     the target `isInteger`.
    /// - Returns: the data, with `source` set to this table's source, and the standardisation used.
    public func dataSet(features: [String]?, target: String, standardize: Bool,
                        featureName: String = "X", targetName: String = "y",
                        integerTarget: Bool = false) throws -> (DataSet, Standardization?) {
        guard featureName != targetName else {
            throw LeapfrogError(.configuration, "the feature matrix and the target need different names (both are '\(featureName)')")
        }
        let t = try index(of: target)
        let featureNames = features ?? columnNames.filter { $0 != target }
        var featureIndices: [Int] = []
        for name in featureNames {
            let j = try index(of: name)
            if j == t {
                throw LeapfrogError(.data, "\(source):1: column '\(name)' is both the target and a feature")
            }
            if featureIndices.contains(j) {
                throw LeapfrogError(.data, "\(source):1: feature column '\(name)' is listed twice")
            }
            featureIndices.append(j)
        }
        if featureIndices.isEmpty {
            throw LeapfrogError(.data, "\(source):1: no feature columns (the target is '\(target)')")
        }

        let y = columns[t]
        if integerTarget, let i = y.firstIndex(where: { !$0.isExactInteger }) {
            throw LeapfrogError(.data, "\(source):\(rowLines[i]):\(t + 1): column '\(target)' holds \(y[i]), not an integer (an integer target such as a class label was asked for)")
        }

        let featureValues = featureIndices.map { columns[$0] }
        let standardization = standardize ? Standardization(columns: featureNames, values: featureValues) : nil
        var x = [Double](repeating: 0, count: rowCount * featureValues.count)
        for (j, column) in featureValues.enumerated() {
            for (i, value) in column.enumerated() {
                x[i * featureValues.count + j] = standardization?.apply(value, column: j) ?? value
            }
        }
        let data = DataSet([
            featureName: DataArray(shape: [rowCount, featureValues.count], values: x),
            targetName: DataArray(shape: [rowCount], values: y, isInteger: integerTarget),
        ], source: source)
        return (data, standardization)
    }

    private func index(of name: String) throws -> Int {
        guard let j = columnNames.firstIndex(of: name) else {
            throw LeapfrogError(.data, "\(source):1: no column '\(name)'; the columns are \(columnNames.joined(separator: ", "))")
        }
        return j
    }
}

// MARK: - Splitting text into rows

extension CSVTable {
    /// One record of the text: its cells and the lines it occupies.
    private struct Row {
        var cells: [String]
        /// The line the row starts on.
        var line: Int
        /// The line after this row (rows end with a line break; quoted fields may hold more).
        var nextLine: Int
        /// An empty or all-space line: a single empty (or all-space) cell.
        var isBlank: Bool { cells.count == 1 && CSVTable.trimmed(cells[0]).isEmpty }
    }

    /// Splits `text` into rows of raw cells (RFC 4180), numbering lines as it goes.
    ///
    /// This small reader replaces the SwiftCSV package, which imports all of Foundation: linked
    /// statically, Foundation and its ICU data would make up most of a `leapfrog` binary meant
    /// to be copied to another machine (issue 7; see "Binary size" in docs/benchmarks.md).
    ///
    /// - A leading byte-order mark is dropped. Rows end with LF, CRLF or CR; a missing final line
    ///   break is supplied.
    /// - A cell is quoted when its first character other than spaces and tabs is `"`: it then runs
    ///   to the matching `"`, may hold commas and line breaks, and writes a quote as `""`; only
    ///   spaces and tabs may follow the closing quote. An unclosed quote runs to the end of the text.
    /// - Any other cell runs to the next comma or line break and must not contain `"`; it is
    ///   returned as written, spaces included.
    /// - A quote anywhere else is an error `source:line: misplaced quote in this row (…)`, `line`
    ///   being where the row starts.
    private static func splitRows(_ text: String, source: String) throws -> [Row] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let last = bytes.last, last != lf && last != cr { bytes.append(lf) }

        var rows: [Row] = []
        var cells: [String] = []
        var line = 1      // the line at index i
        var rowLine = 1   // the line the current row starts on
        var i = 0
        let n = bytes.count

        /// Counts the line break at `j` (CRLF as one) and returns the index after it.
        func skipLineBreak(_ j: Int) -> Int {
            line += 1
            return bytes[j] == cr && j + 1 < n && bytes[j + 1] == lf ? j + 2 : j + 1
        }
        func misplacedQuote(_ detail: String) -> LeapfrogError {
            LeapfrogError(.data, "\(source):\(rowLine): misplaced quote in this row (cell \(cells.count + 1): \(detail))")
        }

        while i < n {
            var j = i
            while j < n && (bytes[j] == space || bytes[j] == tab) { j += 1 }
            if j < n && bytes[j] == quote {
                // A quoted cell: up to the closing quote, "" standing for one quote.
                var value: [UInt8] = []
                j += 1
                var closed = false
                while j < n {
                    let b = bytes[j]
                    if b == quote {
                        if j + 1 < n && bytes[j + 1] == quote {
                            value.append(quote)
                            j += 2
                            continue
                        }
                        closed = true
                        j += 1
                        break
                    }
                    if b == lf || b == cr {
                        let next = skipLineBreak(j)
                        value.append(contentsOf: bytes[j..<next])
                        j = next
                    } else {
                        value.append(b)
                        j += 1
                    }
                }
                cells.append(String(decoding: value, as: UTF8.self))
                if !closed {
                    // An unclosed quote ran to the end of the text.
                    rows.append(Row(cells: cells, line: rowLine, nextLine: line))
                    return rows
                }
                while j < n && (bytes[j] == space || bytes[j] == tab) { j += 1 }
                if j < n && bytes[j] != comma && bytes[j] != lf && bytes[j] != cr {
                    cells.removeLast()
                    throw misplacedQuote(bytes[j] == quote
                        ? "a quote after the closing quote; write a quote inside a quoted cell as \"\""
                        : "text after the closing quote")
                }
            } else {
                // An unquoted cell: up to the next comma or line break.
                while j < n && bytes[j] != comma && bytes[j] != lf && bytes[j] != cr {
                    if bytes[j] == quote {
                        throw misplacedQuote("a quote inside an unquoted cell; quote the whole cell and write the quote as \"\"")
                    }
                    j += 1
                }
                cells.append(String(decoding: bytes[i..<j], as: UTF8.self))
            }
            // j is at a comma or a line break (the text ends with one).
            if bytes[j] == comma {
                i = j + 1
            } else {
                i = skipLineBreak(j)
                rows.append(Row(cells: cells, line: rowLine, nextLine: line))
                cells = []
                rowLine = line
            }
        }
        return rows
    }

    private static let multiLineHint = "(a quoted field with a line break, or an unclosed quote)"

    private static func trimmed(_ s: String) -> String {
        var s = Substring(s)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}

extension Character {
    /// A line break as `splitRows` sees it (CRLF is one `Character`).
    fileprivate var isCSVLineBreak: Bool { self == "\n" || self == "\r\n" || self == "\r" }
}

extension Double {
    /// An integer that a `Double` holds exactly (|x| ≤ 2⁵³).
    fileprivate var isExactInteger: Bool { rounded() == self && magnitude <= 9_007_199_254_740_992 }
}
