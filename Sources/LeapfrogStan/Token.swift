/// A position in Stan source text: 1-based line and column (in Unicode scalars).
public struct StanSourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// One lexical token of a Stan program.
struct Token: Hashable, Sendable {
    enum Kind: Hashable, Sendable {
        case identifier(String)
        case integer(Int)
        case real(Double)
        case string(String)
        /// Punctuation and operators: `{`, `<-`, `.*`, `+=`, `'`, `|`, …
        case symbol(String)
        case endOfFile
    }

    var kind: Kind
    var location: StanSourceLocation

    /// The token as it reads in messages.
    var text: String {
        switch kind {
        case .identifier(let s): return s
        case .integer(let n): return String(n)
        case .real(let x): return String(x)
        case .string(let s): return "\"\(s)\""
        case .symbol(let s): return s
        case .endOfFile: return "end of file"
        }
    }

    func isSymbol(_ s: String) -> Bool { kind == .symbol(s) }
    func isIdentifier(_ s: String) -> Bool { kind == .identifier(s) }
}
