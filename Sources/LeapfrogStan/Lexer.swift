/// Splits Stan source into tokens, skipping whitespace, `//` and `#` line comments and
/// `/* … */` block comments.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private let diagnostics: Diagnostics
    private var i = 0
    private var line = 1
    private var column = 1

    init(source: String, diagnostics: Diagnostics) {
        self.scalars = Array(source.unicodeScalars)
        self.diagnostics = diagnostics
    }

    /// Multi-character symbols, longest first.
    private static let symbols = ["+=", "-=", "*=", "/=", ".*=", "./=", ".*", "./", ".^", "<=", ">=", "==", "!=",
                                  "&&", "||", "%/%"].sorted { $0.count > $1.count }
    private static let singles: Set<Character> = ["{", "}", "(", ")", "[", "]", "<", ">", ",", ";", "=", "~", "+", "-",
                                                  "*", "/", "^", "'", "|", "!", ":", "?", "%", "\\", "."]

    /// All tokens, ending with `.endOfFile`.
    mutating func tokenize() throws -> [Token] {
        var out: [Token] = []
        while true {
            try skipTrivia()
            let here = StanSourceLocation(line: line, column: column)
            guard i < scalars.count else {
                out.append(Token(kind: .endOfFile, location: here))
                return out
            }
            let c = scalars[i]
            if c.properties.isAlphabetic || c == "_" {
                var s = ""
                while i < scalars.count, scalars[i].properties.isAlphabetic || scalars[i] == "_" || ("0"..."9").contains(scalars[i]) {
                    s.unicodeScalars.append(scalars[i]); advance()
                }
                out.append(Token(kind: .identifier(s), location: here))
            } else if ("0"..."9").contains(c) || (c == "." && i + 1 < scalars.count && ("0"..."9").contains(scalars[i + 1])) {
                out.append(try number(at: here))
            } else if c == "\"" {
                advance()
                var s = ""
                while i < scalars.count, scalars[i] != "\"", scalars[i] != "\n" { s.unicodeScalars.append(scalars[i]); advance() }
                guard i < scalars.count, scalars[i] == "\"" else { throw diagnostics.error("unterminated string", at: here) }
                advance()
                out.append(Token(kind: .string(s), location: here))
            } else {
                let rest = String(String.UnicodeScalarView(scalars[i..<min(i + 3, scalars.count)]))
                if let sym = Lexer.symbols.first(where: { rest.hasPrefix($0) }) {
                    for _ in sym.unicodeScalars { advance() }
                    out.append(Token(kind: .symbol(sym), location: here))
                } else if Lexer.singles.contains(Character(c)) {
                    advance()
                    out.append(Token(kind: .symbol(String(c)), location: here))
                } else {
                    throw diagnostics.error("unexpected character '\(c)'", at: here)
                }
            }
        }
    }

    private mutating func advance() {
        if scalars[i] == "\n" { line += 1; column = 1 } else { column += 1 }
        i += 1
    }

    private mutating func skipTrivia() throws {
        while i < scalars.count {
            let c = scalars[i]
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                advance()
            } else if c == "#" || (c == "/" && i + 1 < scalars.count && scalars[i + 1] == "/") {
                while i < scalars.count, scalars[i] != "\n" { advance() }
            } else if c == "/" && i + 1 < scalars.count && scalars[i + 1] == "*" {
                let start = StanSourceLocation(line: line, column: column)
                advance(); advance()
                while i < scalars.count, !(scalars[i] == "*" && i + 1 < scalars.count && scalars[i + 1] == "/") { advance() }
                guard i < scalars.count else { throw diagnostics.error("unterminated comment", at: start) }
                advance(); advance()
            } else {
                return
            }
        }
    }

    private mutating func number(at here: StanSourceLocation) throws -> Token {
        var s = ""
        var isReal = false
        func digits() { while i < scalars.count, ("0"..."9").contains(scalars[i]) { s.unicodeScalars.append(scalars[i]); advance() } }
        digits()
        if i < scalars.count, scalars[i] == ".", !(i + 1 < scalars.count && scalars[i + 1] == "*") && !(i + 1 < scalars.count && scalars[i + 1] == "/") {
            isReal = true
            s.append("."); advance()
            digits()
        }
        if i < scalars.count, scalars[i] == "e" || scalars[i] == "E" {
            isReal = true
            s.append("e"); advance()
            if i < scalars.count, scalars[i] == "+" || scalars[i] == "-" { s.unicodeScalars.append(scalars[i]); advance() }
            digits()
        }
        if isReal {
            if s.hasPrefix(".") { s = "0" + s }
            if s.hasSuffix(".") { s += "0" }
            guard let x = Double(s) else { throw diagnostics.error("malformed number '\(s)'", at: here) }
            return Token(kind: .real(x), location: here)
        }
        guard let n = Int(s) else { throw diagnostics.error("integer literal '\(s)' is too large", at: here) }
        return Token(kind: .integer(n), location: here)
    }
}
