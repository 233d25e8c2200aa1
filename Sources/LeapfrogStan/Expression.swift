/// A Stan expression with the location of its first token (for messages).
indirect enum Expression: Sendable {
    case integer(Int, StanSourceLocation)
    case real(Double, StanSourceLocation)
    case string(String, StanSourceLocation)
    case variable(String, StanSourceLocation)
    /// `a op b` for `+ - * / % ^ .* ./ \ %/% < <= > >= == != && ||`.
    case binary(String, Expression, Expression, StanSourceLocation)
    /// `-a`, `+a`, `!a`.
    case unary(String, Expression, StanSourceLocation)
    /// `a'`.
    case transpose(Expression, StanSourceLocation)
    /// `a[i, j]`.
    case index(Expression, [IndexArgument], StanSourceLocation)
    /// `f(a, b)`; `normal_lpdf(y | mu, sigma)` has `conditional` set (the outcome is `args[0]`).
    case call(String, [Expression], conditional: Bool, StanSourceLocation)
    /// `c ? a : b`.
    case conditional(Expression, Expression, Expression, StanSourceLocation)
    /// `{a, b, c}`: an array of the elements' type (ints promote to real when any is real).
    case array([Expression], StanSourceLocation)
    /// `[a, b, c]`: a row vector of scalars, or a matrix whose rows are row vectors.
    case rowVector([Expression], StanSourceLocation)

    var location: StanSourceLocation {
        switch self {
        case .integer(_, let l), .real(_, let l), .string(_, let l), .variable(_, let l), .binary(_, _, _, let l),
             .unary(_, _, let l), .transpose(_, let l), .index(_, _, let l), .call(_, _, _, let l), .conditional(_, _, _, let l),
             .array(_, let l), .rowVector(_, let l):
            return l
        }
    }

    /// Every variable name the expression reads.
    var variables: Set<String> {
        switch self {
        case .integer, .real, .string: return []
        case .variable(let n, _): return [n]
        case .binary(_, let a, let b, _): return a.variables.union(b.variables)
        case .unary(_, let a, _), .transpose(let a, _): return a.variables
        case .index(let a, let idx, _):
            return idx.reduce(a.variables) { $0.union($1.variables) }
        case .call(_, let args, _, _), .array(let args, _), .rowVector(let args, _): return args.reduce([]) { $0.union($1.variables) }
        case .conditional(let c, let a, let b, _): return c.variables.union(a.variables).union(b.variables)
        }
    }
}

/// One index inside `[…]`: a single expression, `:` (all), or a range `a:b`.
enum IndexArgument: Sendable {
    case single(Expression)
    case all(StanSourceLocation)
    case range(Expression?, Expression?, StanSourceLocation)

    var variables: Set<String> {
        switch self {
        case .single(let e): return e.variables
        case .all: return []
        case .range(let a, let b, _): return (a?.variables ?? []).union(b?.variables ?? [])
        }
    }
}

extension Expression {
    /// The expression with every subexpression for which `f` answers replaced by the answer
    /// (not looked into further); the rest rebuilt around them, top down.
    func rewritten(_ f: (Expression) throws -> Expression?) rethrows -> Expression {
        if let y = try f(self) { return y }
        func e(_ y: Expression) throws -> Expression { try y.rewritten(f) }
        switch self {
        case .integer, .real, .string, .variable: return self
        case .binary(let op, let a, let b, let l): return .binary(op, try e(a), try e(b), l)
        case .unary(let op, let a, let l): return .unary(op, try e(a), l)
        case .transpose(let a, let l): return .transpose(try e(a), l)
        case .index(let a, let idx, let l): return .index(try e(a), try idx.map { try $0.rewritten(f) }, l)
        case .call(let name, let args, let c, let l): return .call(name, try args.map(e), conditional: c, l)
        case .conditional(let c, let a, let b, let l): return .conditional(try e(c), try e(a), try e(b), l)
        case .array(let xs, let l): return .array(try xs.map(e), l)
        case .rowVector(let xs, let l): return .rowVector(try xs.map(e), l)
        }
    }
}

extension IndexArgument {
    /// The index with its expressions rewritten (`Expression.rewritten`).
    func rewritten(_ f: (Expression) throws -> Expression?) rethrows -> IndexArgument {
        switch self {
        case .single(let x): return .single(try x.rewritten(f))
        case .all: return self
        case .range(let a, let b, let l): return .range(try a.map { try $0.rewritten(f) }, try b.map { try $0.rewritten(f) }, l)
        }
    }
}

extension Expression {
    /// The expression as Stan text, fully parenthesised (locations left out): equal for equal
    /// expressions wherever they are written.
    var canonical: String {
        switch self {
        case .integer(let n, _): return String(n)
        case .real(let x, _): return String(x)
        case .string(let s, _): return "\"\(s)\""
        case .variable(let n, _): return n
        case .binary(let op, let a, let b, _): return "(\(a.canonical) \(op) \(b.canonical))"
        case .unary(let op, let a, _): return "(\(op)\(a.canonical))"
        case .transpose(let a, _): return "(\(a.canonical))'"
        case .index(let a, let idx, _): return "\(a.canonical)[\(idx.map(\.canonical).joined(separator: ", "))]"
        case .call(let f, let args, let conditional, _):
            let parts = args.map(\.canonical)
            if conditional, let first = parts.first { return "\(f)(\(first) | \(parts.dropFirst().joined(separator: ", ")))" }
            return "\(f)(\(parts.joined(separator: ", ")))"
        case .conditional(let c, let a, let b, _): return "(\(c.canonical) ? \(a.canonical) : \(b.canonical))"
        case .array(let xs, _): return "{\(xs.map(\.canonical).joined(separator: ", "))}"
        case .rowVector(let xs, _): return "[\(xs.map(\.canonical).joined(separator: ", "))]"
        }
    }
}

extension IndexArgument {
    var canonical: String {
        switch self {
        case .single(let e): return e.canonical
        case .all: return ":"
        case .range(let a, let b, _): return "\(a?.canonical ?? ""):\(b?.canonical ?? "")"
        }
    }
}
