/// `break` leaves the innermost loop; `continue` goes on with its next iteration.
enum LoopJump: String, Sendable {
    case breakLoop = "break", continueLoop = "continue"
}

/// A Stan statement.
indirect enum Statement: Sendable {
    case declaration(Declaration)
    /// `lhs op= value` with op "" for plain assignment, or `+`, `-`, `*`, `/`, `.*`, `./`.
    case assignment(target: String, indices: [IndexArgument], op: String, value: Expression, StanSourceLocation)
    /// `outcome ~ name(args);`
    case tilde(outcome: Expression, distribution: String, args: [Expression], StanSourceLocation)
    case targetIncrement(Expression, StanSourceLocation)
    case forLoop(variable: String, lower: Expression, upper: Expression, body: Statement, StanSourceLocation)
    /// `while (condition) body`: only where the host runs the block (transformed data, generated
    /// quantities on the host, the functions they call); a graph has no data-dependent trip count.
    case whileLoop(condition: Expression, body: Statement, StanSourceLocation)
    /// `break;` or `continue;` inside a loop, on the host as `while`.
    case loopJump(LoopJump, StanSourceLocation)
    case ifElse(Expression, Statement, Statement?, StanSourceLocation)
    case block([Statement], StanSourceLocation)
    case print([Expression], StanSourceLocation)
    case reject([Expression], StanSourceLocation)
    /// `return e;` or `return;` (only in a function body).
    case returnStatement(Expression?, StanSourceLocation)
    /// A call standing alone: `f(x);` (a void or `_lp` user function).
    case call(Expression, StanSourceLocation)

    var location: StanSourceLocation {
        switch self {
        case .declaration(let d): return d.location
        case .assignment(_, _, _, _, let l), .tilde(_, _, _, let l), .targetIncrement(_, let l), .forLoop(_, _, _, _, let l),
             .ifElse(_, _, _, let l), .block(_, let l), .print(_, let l), .reject(_, let l),
             .returnStatement(_, let l), .call(_, let l), .whileLoop(_, _, let l), .loopJump(_, let l):
            return l
        }
    }
}

extension Statement {
    /// The statement with its expressions rewritten (`Expression.rewritten`), every assignment's
    /// target and indices passed through `target`, and declared names through `name`.
    func rewritten(_ f: (Expression) throws -> Expression?,
                   target: (String, [IndexArgument], StanSourceLocation) throws -> (String, [IndexArgument]),
                   name: (String) -> String = { $0 }) rethrows -> Statement {
        func e(_ x: Expression) throws -> Expression { try x.rewritten(f) }
        func s(_ x: Statement) throws -> Statement { try x.rewritten(f, target: target, name: name) }
        switch self {
        case .declaration(var d):
            d.name = name(d.name)
            d.arraySizes = try d.arraySizes.map(e)
            d.typeSizes = try d.typeSizes.map(e)
            d.bounds = Bounds(lower: try d.bounds.lower.map(e), upper: try d.bounds.upper.map(e))
            d.initializer = try d.initializer.map(e)
            return .declaration(d)
        case .assignment(let t, let idx, let op, let v, let l):
            let (t2, idx2) = try target(t, try idx.map { try $0.rewritten(f) }, l)
            return .assignment(target: t2, indices: idx2, op: op, value: try e(v), l)
        case .tilde(let y, let d, let args, let l): return .tilde(outcome: try e(y), distribution: d, args: try args.map(e), l)
        case .targetIncrement(let x, let l): return .targetIncrement(try e(x), l)
        case .forLoop(let v, let lo, let hi, let b, let l):
            return .forLoop(variable: name(v), lower: try e(lo), upper: try e(hi), body: try s(b), l)
        case .whileLoop(let c, let b, let l): return .whileLoop(condition: try e(c), body: try s(b), l)
        case .loopJump: return self
        case .ifElse(let c, let a, let b, let l): return .ifElse(try e(c), try s(a), try b.map(s), l)
        case .block(let xs, let l): return .block(try xs.map(s), l)
        case .print(let xs, let l): return .print(try xs.map(e), l)
        case .reject(let xs, let l): return .reject(try xs.map(e), l)
        case .returnStatement(let x, let l): return .returnStatement(try x.map(e), l)
        case .call(let x, let l): return .call(try e(x), l)
        }
    }
}

extension Statement {
    /// A block's statements, or the statement itself.
    var steps: [Statement] {
        if case .block(let xs, _) = self { return xs }
        return [self]
    }

    /// Whether `self` or a statement inside it (a loop's body, a branch, a block's statements)
    /// satisfies `predicate`.
    func contains(where predicate: (Statement) -> Bool) -> Bool {
        if predicate(self) { return true }
        switch self {
        case .forLoop(_, _, _, let b, _), .whileLoop(_, let b, _): return b.contains(where: predicate)
        case .ifElse(_, let a, let b, _): return a.contains(where: predicate) || (b?.contains(where: predicate) ?? false)
        case .block(let xs, _): return xs.contains { $0.contains(where: predicate) }
        default: return false
        }
    }
}
