import LeapfrogCore

/// Data in CmdStan's JSON format: a top-level object whose members are the variables.
///
/// - A number is a scalar, an array of numbers a vector, an array of equal-length arrays of
///   numbers a matrix (row-major, shape [rows, columns]). An empty array is a vector of shape [0];
///   `[[], []]` is a matrix of shape [2, 0]. Deeper nesting (rank 3 and up) is not supported yet.
/// - A number written without fraction or exponent (`8`, `-3`) is an integer; a variable is
///   integer (`isInteger`) when all its elements are — vacuously so for an empty array.
///   Integers must satisfy |n| ≤ 2⁵³ so that a `Double` holds them exactly.
/// - Data must be finite: CmdStan's `"NaN"`, `"Inf"`, `"-Inf"` strings are rejected, as are numbers
///   too large for a `Double`. Strings, booleans, null and objects are not numbers.
///
/// Errors are `LeapfrogError(.data, …)` whose message starts with `source:line:column:` and names
/// the variable; a file that cannot be read gives `LeapfrogError(.io, "cannot read data file …")`.
public enum StanJSON {
    /// Reads and parses the JSON data file at `path`; the result's `source` is `path`.
    public static func load(path: String) throws -> DataSet {
        try parse(JSONDocument(bytes: DataFile.bytes(path: path), source: path))
    }

    /// Parses JSON `text`; `source` names it in messages and becomes the result's `source`.
    public static func parse(_ text: String, source: String) throws -> DataSet {
        try parse(JSONDocument(bytes: Array(text.utf8), source: source))
    }

    /// The data as CmdStan JSON, one variable per line in name order, matrices as arrays of rows.
    /// Integer variables are written without a fraction and real values with one (or an
    /// exponent), so `parse` restores the same `DataSet` except `source` — and a matrix with no
    /// rows, which reads back as a vector of shape [0]. Non-finite values are written as
    /// CmdStan's `"NaN"`, `"Inf"` and `"-Inf"`, which `parse` rejects.
    public static func encode(_ data: DataSet) -> String {
        let members = data.names.map { name in
            "  " + quoted(name) + ": " + encode(data.variables[name]!)
        }
        return members.isEmpty ? "{}\n" : "{\n" + members.joined(separator: ",\n") + "\n}\n"
    }
}

// MARK: - Reading

extension StanJSON {
    private static func parse(_ document: JSONDocument) throws -> DataSet {
        let root = try document.parse()
        guard case .object(let members) = root.kind else {
            throw document.error(at: root.offset, "the top level must be an object of named variables, not \(root.kind.name)")
        }
        var variables: [String: DataArray] = [:]
        var firstOffset: [String: Int] = [:]
        for (name, value) in members {
            if let first = firstOffset[name] {
                throw document.error(at: value.offset, "variable '\(name)' is given twice (first on line \(document.position(of: first).line))")
            }
            firstOffset[name] = value.offset
            variables[name] = try Variable(name: name, document: document).array(value)
        }
        return DataSet(variables, source: document.source)
    }

    /// Converts one member's value into a `DataArray`, with messages naming it.
    private struct Variable {
        let name: String
        let document: JSONDocument

        func array(_ value: JSONValue) throws -> DataArray {
            guard case .array(let elements) = value.kind else {
                let (x, isInteger) = try number(value, "")
                return DataArray(shape: [], values: [x], isInteger: isInteger)
            }
            guard let first = elements.first else { return DataArray(shape: [0], values: [], isInteger: true) }
            guard case .array(let firstRow) = first.kind else {
                return try vector(elements)
            }
            var values: [Double] = []
            values.reserveCapacity(elements.count * firstRow.count)
            var allIntegers = true
            for (r, row) in elements.enumerated() {
                guard case .array(let cells) = row.kind else {
                    throw document.error(at: row.offset, "variable '\(name)' mixes arrays and numbers: element \(r + 1) is \(row.kind.name) but element 1 is an array")
                }
                guard cells.count == firstRow.count else {
                    throw document.error(at: row.offset, "variable '\(name)': row \(r + 1) has \(cells.count) elements but row 1 has \(firstRow.count)")
                }
                for (c, cell) in cells.enumerated() {
                    if case .array = cell.kind {
                        throw document.error(at: cell.offset, "variable '\(name)': arrays of rank \(2 + cell.rank) are not supported yet")
                    }
                    let (x, isInteger) = try number(cell, " row \(r + 1) column \(c + 1)")
                    values.append(x)
                    allIntegers = allIntegers && isInteger
                }
            }
            return DataArray(shape: [elements.count, firstRow.count], values: values, isInteger: allIntegers)
        }

        private func vector(_ elements: [JSONValue]) throws -> DataArray {
            var values: [Double] = []
            values.reserveCapacity(elements.count)
            var allIntegers = true
            for (k, element) in elements.enumerated() {
                if case .array = element.kind {
                    throw document.error(at: element.offset, "variable '\(name)' mixes numbers and arrays: element \(k + 1) is an array but element 1 is \(elements[0].kind.name)")
                }
                let (x, isInteger) = try number(element, " element \(k + 1)")
                values.append(x)
                allIntegers = allIntegers && isInteger
            }
            return DataArray(shape: [elements.count], values: values, isInteger: allIntegers)
        }

        /// A finite number and whether it is an integer; `place` is "" or " element 4" etc.
        private func number(_ value: JSONValue, _ place: String) throws -> (Double, Bool) {
            let what = "variable '\(name)'\(place)"
            switch value.kind {
            case .number(let x, let isInteger):
                guard x.isFinite else {
                    throw document.error(at: value.offset, "\(what) is not finite (\(document.numberText(at: value.offset)) is too large)")
                }
                if isInteger, x.magnitude >= 9_007_199_254_740_992 {
                    let text = document.numberText(at: value.offset)
                    if let n = Int(text), n.magnitude <= 1 << 53 { return (x, true) }
                    throw document.error(at: value.offset, "\(what) is the integer \(text), too large to hold exactly (the limit is 2^53)")
                }
                return (x, isInteger)
            case .string(let s) where nonFiniteSpellings.contains(s.lowercased()):
                throw document.error(at: value.offset, "\(what) is not finite (\(s)); data must be finite")
            default:
                throw document.error(at: value.offset, "\(what) is \(value.kind.name), not a number")
            }
        }
    }

    /// The strings CmdStan reads as non-finite numbers (compared in lower case).
    private static let nonFiniteSpellings: Set<String> = ["nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"]
}

extension JSONValue.Kind {
    /// What this is, for messages: "a number", "a string ("abc")", ….
    fileprivate var name: String {
        switch self {
        case .number: "a number"
        case .string(let s): "a string (\"\(s.count > 20 ? String(s.prefix(20)) + "…" : s)\")"
        case .bool: "a boolean"
        case .null: "null"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension JSONValue {
    /// Array nesting depth along first elements: 0 for a non-array, 1 for `[1]`, 2 for `[[1]]`.
    fileprivate var rank: Int {
        guard case .array(let elements) = kind else { return 0 }
        return 1 + (elements.first?.rank ?? 0)
    }
}

// MARK: - Writing

extension StanJSON {
    private static func encode(_ array: DataArray) -> String {
        func number(_ x: Double) -> String {
            if !x.isFinite { return x.isNaN ? "\"NaN\"" : x > 0 ? "\"Inf\"" : "\"-Inf\"" }
            if array.isInteger, let n = Int(exactly: x) { return String(n) }
            return "\(x)"  // Swift's shortest round-trip form always has a '.' or an exponent.
        }
        /// The sub-array of `shape[dim...]` whose first value is `values[start]`.
        func nested(_ dim: Int, _ start: Int) -> String {
            if dim == array.shape.count { return number(array.values[start]) }
            let stride = array.shape[(dim + 1)...].reduce(1, *)
            let parts = (0..<array.shape[dim]).map { nested(dim + 1, start + $0 * stride) }
            return "[" + parts.joined(separator: ", ") + "]"
        }
        return nested(0, 0)
    }

    private static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
