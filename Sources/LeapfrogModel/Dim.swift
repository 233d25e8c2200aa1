/// One extent of a shape: a fixed number, or a symbol bound when the model meets its data.
///
/// A symbol is bound by an integer scalar data variable of the same name (`J` in eight schools)
/// or, failing that, by unification with the shapes of the data that use it (`N` = rows of `X`).
/// JSON form: a number for `.fixed`, a string for `.symbol`.
public enum Dim: Hashable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    case fixed(Int)
    case symbol(String)

    public init(integerLiteral value: Int) { self = .fixed(value) }
    public init(stringLiteral value: String) { self = .symbol(value) }

    public var description: String {
        switch self {
        case .fixed(let n): return String(n)
        case .symbol(let s): return s
        }
    }
}

extension Dim: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) { self = .fixed(n) } else { self = .symbol(try c.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .fixed(let n): try c.encode(n)
        case .symbol(let s): try c.encode(s)
        }
    }
}
