#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LeapfrogCore

/// Reads Stan CSV files, ours and CmdStan's (CmdStan guide, "Stan CSV file format").
///
/// Rules: lines starting with `#` are comments wherever they appear; blank lines are skipped;
/// the first other line is the header row (column names, comma-separated, unique, non-empty);
/// every later line is a draw with exactly one number per column (`nan`, `inf`, `-inf`
/// accepted). Comments give the configuration (before the header), the adaptation block
/// (`# Step size = …`, `# Diagonal elements of inverse mass matrix:` or `# Elements of
/// inverse mass matrix:` followed by rows of numbers) and the timing trailer
/// (`Elapsed Time: … seconds (Warm-up)` …). Line endings may be `\n` or `\r\n`.
///
/// Errors are `LeapfrogError(.data, "file:line: …")` or `"file:line:column: …"`, 1-based,
/// columns counted in cells; an unreadable file gives `LeapfrogError(.io, …)` naming it.
public enum StanCSVReader {
    /// Reads and parses the file at `path`.
    public static func read(path: String) throws -> StanCSVFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileSystem.exists(path) ? "it is not readable or is a directory" : "no such file"
            throw LeapfrogError(.io, "cannot read Stan CSV file '\(path)': \(reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LeapfrogError(.data, "\(path): the file is not UTF-8 text")
        }
        return try parse(text, source: path)
    }

    /// Parses Stan CSV `text`; `source` names it in messages.
    public static func parse(_ text: String, source: String) throws -> StanCSVFile {
        var file = StanCSVFile(source: source, configuration: [:], columnNames: [], columns: [],
                               stepSize: nil, inverseMetric: [], timing: nil, comments: [])
        var header = false
        var sections: [(indent: Int, name: String)] = []
        var inMetric = false
        var warmup: Double?
        var sampling: Double?
        var lineNumber = 0
        // "\r\n" is one Character in Swift.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            if line.first == "#" {
                let comment = String(line.dropFirst())
                file.comments.append(comment)
                let content = trimmed(comment)
                if inMetric {
                    let cells = content.split(separator: ",")
                    let values = cells.compactMap { StanNumber.parse($0) }
                    if !cells.isEmpty, values.count == cells.count {
                        file.inverseMetric.append(values)
                        continue
                    }
                    inMetric = false
                }
                if !header {
                    configurationLine(comment, into: &file.configuration, sections: &sections)
                } else if content.hasPrefix("Step size") {
                    guard let value = content.split(separator: "=").last.flatMap({ StanNumber.parse($0) }) else {
                        throw LeapfrogError(.data, "\(source):\(lineNumber): cannot read the step size in '#\(comment)'")
                    }
                    file.stepSize = value
                } else if content.hasSuffix("inverse mass matrix:") {
                    inMetric = true
                } else if content.contains("seconds (") {
                    let time = content.hasPrefix("Elapsed Time:") ? content.dropFirst("Elapsed Time:".count) : Substring(content)
                    let number = time.split(separator: " ").first.flatMap { StanNumber.parse($0) }
                    guard let number else {
                        throw LeapfrogError(.data, "\(source):\(lineNumber): cannot read the time in '#\(comment)'")
                    }
                    if content.contains("(Warm-up)") { warmup = number }
                    if content.contains("(Sampling)") { sampling = number }
                } else if let eq = content.firstIndex(of: "="), !content.hasPrefix("Adaptation") {
                    let key = trimmed(String(content[..<eq]))
                    if !key.isEmpty, !key.contains(" ") {
                        file.configuration[key] = trimmed(String(content[content.index(after: eq)...]))
                    }
                }
                continue
            }
            inMetric = false
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            if !header {
                header = true
                var seen: [String: Int] = [:]
                for (j, cell) in cells.enumerated() {
                    let name = trimmed(String(cell))
                    if name.isEmpty {
                        throw LeapfrogError(.data, "\(source):\(lineNumber):\(j + 1): column \(j + 1) of the header row has no name")
                    }
                    if let earlier = seen[name] {
                        throw LeapfrogError(.data, "\(source):\(lineNumber):\(j + 1): duplicate column name '\(name)' (also column \(earlier + 1))")
                    }
                    seen[name] = j
                    file.columnNames.append(name)
                }
                file.columns = Array(repeating: [], count: cells.count)
                continue
            }
            guard cells.count == file.columnNames.count else {
                throw LeapfrogError(.data, "\(source):\(lineNumber): row has \(cells.count) values but the header has \(file.columnNames.count) columns")
            }
            for (j, cell) in cells.enumerated() {
                guard let value = StanNumber.parse(cell) else {
                    throw LeapfrogError(.data, "\(source):\(lineNumber):\(j + 1): '\(cell)' in column '\(file.columnNames[j])' is not a number")
                }
                file.columns[j].append(value)
            }
        }
        if !header {
            throw LeapfrogError(.data, "\(source): no header row; a Stan CSV file has a line naming the columns after its '#' comments")
        }
        if let warmup, let sampling {
            file.timing = RunTiming(warmupSeconds: warmup, samplingSeconds: sampling)
        }
        return file
    }

    /// Reads one configuration comment (text after `#`): a section name or `key = value`,
    /// nested by indentation.
    private static func configurationLine(_ comment: String, into configuration: inout [String: String],
                                          sections: inout [(indent: Int, name: String)]) {
        let indent = max(0, comment.prefix { $0 == " " }.count - 1)
        var content = trimmed(comment)
        if content.hasSuffix("(Default)") { content = trimmed(String(content.dropLast("(Default)".count))) }
        if content.isEmpty { return }
        while let last = sections.last, last.indent >= indent { sections.removeLast() }
        if let eq = content.firstIndex(of: "=") {
            let key = trimmed(String(content[..<eq]))
            guard !key.isEmpty, !key.contains(" ") else { return }
            let qualified = (sections.map(\.name) + [key]).joined(separator: ".")
            configuration[qualified] = trimmed(String(content[content.index(after: eq)...]))
        } else if !content.contains(" ") {
            sections.append((indent, content))
        }
    }

    private static func trimmed(_ s: String) -> String {
        var t = Substring(s)
        while let f = t.first, f == " " || f == "\t" { t = t.dropFirst() }
        while let l = t.last, l == " " || l == "\t" { t = t.dropLast() }
        return String(t)
    }

    /// Gathers the parameter columns of several chain files (one chain each) into
    /// `[chain][draw]` per element, named Stan-style (`theta[3]`, `W1[2,5]`) and ordered as
    /// `InferenceDataReader` orders them: variables in order of first appearance, elements
    /// row-major. Every file must have the same parameter columns and number of draws.
    public static func posterior(_ files: [StanCSVFile]) throws -> [FlatDraws] {
        guard let first = files.first else { return [] }
        let names = first.parameterNames
        for file in files.dropFirst() {
            if file.parameterNames != names {
                throw LeapfrogError(.data, "\(file.source): its parameter columns differ from those of \(first.source)")
            }
            if file.rowCount != first.rowCount {
                throw LeapfrogError(.data, "\(file.source): \(file.rowCount) draws, but \(first.source) has \(first.rowCount)")
            }
        }
        var order: [String] = []
        var elements: [String: [(index: [Int], column: String)]] = [:]
        for name in names {
            let (base, index) = StanCSVFile.split(name)
            if elements[base] == nil { order.append(base) }
            elements[base, default: []].append((index, name))
        }
        var result: [FlatDraws] = []
        for base in order {
            let sorted = elements[base]!.sorted { $0.index.lexicographicallyPrecedes($1.index) }
            for element in sorted {
                result.append(FlatDraws(name: StanCSVFile.bracketName(element.column),
                                        draws: files.map { $0.column(element.column)! }))
            }
        }
        return result
    }
}
