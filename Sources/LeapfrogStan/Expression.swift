/// A Stan expression with the location of its first token (for messages).
indirect enum Expression: Sendable {
    case integer(Int, SourceLocation)
    case real(Double, SourceLocation)
    case string(String, SourceLocation)
    case variable(String, SourceLocation)
    /// `a op b` for `+ - * / % ^ .* ./ \ %/% < <= > >= == != && ||`.
    case binary(String, Expression, Expression, SourceLocation)
    /// `-a`, `+a`, `!a`.
    case unary(String, Expression, SourceLocation)
    /// `a'`.
    case transpose(Expression, SourceLocation)
    /// `a[i, j]`.
    case index(Expression, [IndexArgument], SourceLocation)
    /// `f(a, b)`; `normal_lpdf(y | mu, sigma)` has `conditional` set (the outcome is `args[0]`).
    case call(String, [Expression], conditional: Bool, SourceLocation)
    /// `c ? a : b`.
    case conditional(Expression, Expression, Expression, SourceLocation)

    var location: SourceLocation {
        switch self {
        case .integer(_, let l), .real(_, let l), .string(_, let l), .variable(_, let l), .binary(_, _, _, let l),
             .unary(_, _, let l), .transpose(_, let l), .index(_, _, let l), .call(_, _, _, let l), .conditional(_, _, _, let l):
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
        case .call(_, let args, _, _): return args.reduce([]) { $0.union($1.variables) }
        case .conditional(let c, let a, let b, _): return c.variables.union(a.variables).union(b.variables)
        }
    }
}

/// One index inside `[…]`: a single expression, `:` (all), or a range `a:b`.
enum IndexArgument: Sendable {
    case single(Expression)
    case all(SourceLocation)
    case range(Expression?, Expression?, SourceLocation)

    var variables: Set<String> {
        switch self {
        case .single(let e): return e.variables
        case .all: return []
        case .range(let a, let b, _): return (a?.variables ?? []).union(b?.variables ?? [])
        }
    }
}
