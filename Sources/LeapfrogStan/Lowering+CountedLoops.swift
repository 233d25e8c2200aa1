/// A `while` loop that counts, as older Stan programs write a backward recurrence
/// (example-models' `cjs-K`):
///
///     k = K - 1;
///     while (k > 0) {
///       chi[k] = (1 - phi[k]) + phi[k] * (1 - p[k + 1]) * chi[k + 1];
///       k = k - 1;
///     }
///
/// is the `for` loop over its steps, `for (k__while in 1:max(0, (K - 1) - 0)) { chi[(K - 1) -
/// k__while + 1] = …; }`, then, where a later statement reads it, `k = (K - 1) - …;` (the
/// counter's value after the loop). The graph's loops run over a range the data fix; a counter set
/// from data just before the loop, compared with a data bound (`>`, `>=` counting down by 1; `<`,
/// `<=` counting up by 1), stepped only by the body's last statement, with no `break` or
/// `continue`, has one.
extension Lowering {
    /// `statements` with such loops rewritten (others unchanged, refused later by name).
    func countedLoops(_ statements: [Statement]) -> [Statement] {
        var out: [Statement] = []
        for (i, s) in statements.enumerated() {
            guard case .whileLoop(let condition, let body, let l) = s, let previous = out.last,
                  let rewritten = countedLoop(after: previous, condition, body, l,
                                              readAfter: { k in statements[(i + 1)...].contains { Self.variables($0).contains(k) } }) else {
                out.append(s)
                continue
            }
            out.append(contentsOf: rewritten)
        }
        return out
    }

    /// The loop as `for` plus the counter's final value, or nil.
    private func countedLoop(after previous: Statement, _ condition: Expression, _ body: Statement,
                             _ l: StanSourceLocation, readAfter: (String) -> Bool) -> [Statement]? {
        // The counter and its start: `k = a;` or `int k = a;` just before.
        let k: String, start: Expression
        switch previous {
        case .assignment(let name, let idx, "", let value, _) where idx.isEmpty: (k, start) = (name, value)
        case .declaration(let d) where d.base == .int && d.rank == 0 && d.initializer != nil: (k, start) = (d.name, d.initializer!)
        default: return nil
        }
        guard case .binary(let op, let lhs, let rhs, _) = condition else { return nil }
        // `k op c` (or `c op k`, turned round).
        let (relation, bound): (String, Expression)
        switch (lhs, rhs) {
        case (.variable(k, _), _): (relation, bound) = (op, rhs)
        case (_, .variable(k, _)):
            guard let flipped = ["<": ">", "<=": ">=", ">": "<", ">=": "<="][op] else { return nil }
            (relation, bound) = (flipped, lhs)
        default: return nil
        }
        var steps = body.steps
        guard let last = steps.popLast(), let step = Self.unitStep(of: k, last) else { return nil }
        let down = relation == ">" || relation == ">="
        guard (down && step == -1) || (!down && step == 1) && (relation == "<" || relation == "<="),
              !bound.variables.contains(k), !start.variables.contains(k),
              !Self.assigns(k, in: steps), !steps.contains(where: { $0.contains { if case .loopJump = $0 { return true } else { return false } } }),
              (try? isDataOnly(start)) == true, (try? isDataOnly(bound)) == true else { return nil }
        // Steps: a − c (> c), a − c + 1 (≥ c), c − a (< c), c − a + 1 (≤ c), none when negative.
        var count: Expression = down ? .binary("-", start, bound, l) : .binary("-", bound, start, l)
        if relation == ">=" || relation == "<=" { count = .binary("+", count, .integer(1, l), l) }
        let trips = Expression.call("max", [.integer(0, l), count], conditional: false, l)
        let w = "\(k)__while"
        // k at step w: a − w + 1 counting down, a + w − 1 counting up.
        let at: Expression = down ? .binary("+", .binary("-", start, .variable(w, l), l), .integer(1, l), l)
                                  : .binary("-", .binary("+", start, .variable(w, l), l), .integer(1, l), l)
        let loopBody = Statement.block(steps, body.location).rewritten({ e in
            if case .variable(k, _) = e { return at }
            return nil
        }, target: { t, idx, _ in (t, idx) })
        let loop = Statement.forLoop(variable: w, lower: .integer(1, l), upper: trips, body: loopBody, l)
        guard readAfter(k) else { return [loop] }
        // Read after the loop: the counter's last value, a ∓ the steps taken.
        let taken = Expression.conditional(.binary(">", count, .integer(0, l), l), count, .integer(0, l), l)
        return [loop, .assignment(target: k, indices: [], op: "", value: .binary(down ? "-" : "+", start, taken, l), l)]
    }

    /// +1 or −1 where `s` is `k = k ± 1;` or `k ±= 1;`.
    private static func unitStep(of k: String, _ s: Statement) -> Int? {
        guard case .assignment(k, let idx, let op, let value, _) = s, idx.isEmpty else { return nil }
        switch (op, value) {
        case ("+", .integer(1, _)): return 1
        case ("-", .integer(1, _)): return -1
        case ("", .binary("+", .variable(k, _), .integer(1, _), _)): return 1
        case ("", .binary("-", .variable(k, _), .integer(1, _), _)): return -1
        default: return nil
        }
    }
}
