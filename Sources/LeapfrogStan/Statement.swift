/// A Stan statement.
indirect enum Statement: Sendable {
    case declaration(Declaration)
    /// `lhs op= value` with op "" for plain assignment, or `+`, `-`, `*`, `/`, `.*`, `./`.
    case assignment(target: String, indices: [IndexArgument], op: String, value: Expression, StanSourceLocation)
    /// `outcome ~ name(args);`
    case tilde(outcome: Expression, distribution: String, args: [Expression], StanSourceLocation)
    case targetIncrement(Expression, StanSourceLocation)
    case forLoop(variable: String, lower: Expression, upper: Expression, body: Statement, StanSourceLocation)
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
             .returnStatement(_, let l), .call(_, let l):
            return l
        }
    }
}
