import LeapfrogCore

/// Options of a built-in model, from `--model-option key=value` on the command line.
/// Every key must be one the model documents; a value that does not parse is an error.
public struct ModelOptions: Sendable, Hashable {
    public var values: [String: String]

    public init(_ values: [String: String] = [:]) { self.values = values }

    /// Parses `key=value` arguments. One argument may hold several options separated by commas
    /// (`dim=100,kind=ill-conditioned`): it is split at each comma followed by `identifier=`, so a
    /// comma inside a value stays (`widths=5,5` is one option, `widths=5,5,biases=true` two).
    /// A key given twice is an error.
    public init(parsing arguments: [String]) throws {
        var values: [String: String] = [:]
        for p in arguments.flatMap(Self.split) {
            guard let eq = p.firstIndex(of: "="), eq != p.startIndex else {
                throw LeapfrogError(.configuration, "model option '\(p)' is not of the form key=value")
            }
            let key = String(p[..<eq])
            guard values[key] == nil else {
                throw LeapfrogError(.configuration, "model option '\(key)' is given twice (\(key)=\(values[key]!) and \(p))")
            }
            values[key] = String(p[p.index(after: eq)...])
        }
        self.values = values
    }

    /// `argument` cut before every comma that is followed by an identifier (a letter or `_`,
    /// then letters, digits or `_`) and `=`.
    static func split(_ argument: String) -> [String] {
        let chars = Array(argument)
        var parts: [String] = []
        var start = 0
        for (i, c) in chars.enumerated() where c == "," {
            var j = i + 1
            guard j < chars.count, chars[j] == "_" || chars[j].isLetter else { continue }
            while j < chars.count, chars[j] == "_" || chars[j].isLetter || chars[j].isNumber { j += 1 }
            guard j < chars.count, chars[j] == "=" else { continue }
            parts.append(String(chars[start..<i]))
            start = i + 1
        }
        parts.append(String(chars[start...]))
        return parts
    }

    func checkKeys(_ allowed: [String: String], model: String) throws {
        for key in values.keys.sorted() where allowed[key] == nil {
            let names = allowed.keys.sorted()
            let known = names.joined(separator: ", ")
            throw LeapfrogError(.configuration, "model '\(model)' has no option '\(key)'\(NameSuggestion.clause(for: key, among: names)) "
                                + "(options: \(known.isEmpty ? "none" : known))")
        }
    }

    func string(_ key: String, _ fallback: String) -> String { values[key] ?? fallback }

    func int(_ key: String, _ fallback: Int) throws -> Int {
        guard let s = values[key] else { return fallback }
        guard let v = Int(s) else { throw LeapfrogError(.configuration, "model option \(key)=\(s): expected an integer") }
        return v
    }

    func double(_ key: String, _ fallback: Double) throws -> Double {
        guard let s = values[key] else { return fallback }
        guard let v = Double(s), v.isFinite else { throw LeapfrogError(.configuration, "model option \(key)=\(s): expected a finite number") }
        return v
    }

    /// A finite number above 0 (a scale): a prior scale of 0 leaves no finite log density.
    func positive(_ key: String, _ fallback: Double) throws -> Double {
        let v = try double(key, fallback)
        guard v > 0 else { throw LeapfrogError(.configuration, "model option \(key)=\(values[key] ?? "\(v)"): expected a positive scale") }
        return v
    }

    func bool(_ key: String, _ fallback: Bool) throws -> Bool {
        guard let s = values[key] else { return fallback }
        switch s.lowercased() {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default: throw LeapfrogError(.configuration, "model option \(key)=\(s): expected true or false")
        }
    }

    func intList(_ key: String, _ fallback: [Int]) throws -> [Int] {
        guard let s = values[key] else { return fallback }
        // Empty entries (`5,,5`, a trailing comma) are mistakes, not widths to skip.
        let parts = s.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters()) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0! > 0 }) else {
            throw LeapfrogError(.configuration, "model option \(key)=\(s): expected positive integers separated by commas, e.g. 5,5")
        }
        return parts.map { $0! }
    }
}

extension Substring {
    func trimmingCharacters() -> Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
