import LeapfrogCore

/// Formats compile errors as `file:line:column: error: message`, then the source line and a
/// caret under the offending token. Every error is a `LeapfrogError` of kind `.model`.
struct Diagnostics: Sendable {
    let path: String
    let lines: [Substring]

    init(path: String, source: String) {
        self.path = path
        self.lines = source.split(separator: "\n", omittingEmptySubsequences: false)
    }

    func error(_ message: String, at location: StanSourceLocation) -> LeapfrogError {
        LeapfrogError(.model, format(message, at: location))
    }

    func format(_ message: String, at location: StanSourceLocation) -> String {
        var out = "\(path):\(location.line):\(location.column): error: \(message)"
        if location.line >= 1 && location.line <= lines.count {
            let line = String(lines[location.line - 1]).replacingTabs()
            out += "\n    " + line + "\n    " + String(repeating: " ", count: max(0, location.column - 1)) + "^"
        }
        return out
    }
}

extension String {
    /// Tabs as single spaces, so that the caret lines up with the column count.
    func replacingTabs() -> String { String(map { $0 == "\t" ? " " : $0 }) }
}
