/// A local declared before a loop that every step overwrites whole before reading it, and that
/// nothing reads after the loop, holds one step's value at a time: it is the loop's own local.
/// BUGS translations declare such scratch arrays once at the top of the model block,
///
///     array[N] real mu;
///     for (k in 1:N) {
///       for (n in 1:N) mu[n] = alpha + (n <= k ? beta[1] : beta[2]) * (x[n] - x[k]);
///       log_probs[k] = log(theta[k]) + normal_lpdf(Y | mu, sigma);
///     }
///
/// (BUGS' stagnant), which read as written make the loop over k a recurrence (each step writes
/// what the next could read). Declared in the loop's body instead, the local is a vector per row
/// of the vectorised loop over k. The rewriting changes no value: each step's reads see the
/// step's own writes either way, and the value after the loop is never read.
extension Lowering {
    /// `statements` (a block's, in order) with such locals moved into the loops that overwrite
    /// them, renamed `name__v` (v the loop's index) where declared there.
    static func privatized(_ statements: [Statement]) -> [Statement] {
        var out = statements
        for (i, s) in statements.enumerated() {
            guard case .forLoop(let v, let lo, let hi, var body, let l) = s else { continue }
            for case .declaration(let d) in statements[..<i] {
                let name = d.name, renamed = "\(d.name)__\(v)"
                guard variables(body).contains(name), !declares(name, in: body), !declares(renamed, in: body),
                      overwrittenFirst(d, in: body),
                      statements[(i + 1)...].allSatisfy({ !variables($0).contains(name) }) else { continue }
                var local = d
                local.name = renamed
                local.initializer = nil
                let moved = body.rewritten({ e in
                    if case .variable(name, let vl) = e { return .variable(renamed, vl) }
                    return nil
                }, target: { t, idx, _ in (t == name ? renamed : t, idx) })
                body = .block([.declaration(local), moved], body.location)
            }
            out[i] = .forLoop(variable: v, lower: lo, upper: hi, body: body, l)
        }
        return out
    }

    /// Whether the first statement of `body` that mentions d's variable overwrites all of it
    /// without reading it: `x = e;`, or `for (n in 1:N) x[n] = e;` over its first extent (its
    /// other statements not mentioning x).
    private static func overwrittenFirst(_ d: Declaration, in body: Statement) -> Bool {
        let name = d.name
        guard let first = body.steps.first(where: { variables($0).contains(name) }) else { return false }
        switch first {
        case .assignment(name, let idx, "", let value, _):
            return idx.isEmpty && !value.variables.contains(name)
        case .forLoop(let n, .integer(1, _), let hi, let inner, _):
            guard let extent = d.sizes.first, extent.canonical == hi.canonical else { return false }
            var writes = 0
            for x in inner.steps where variables(x).contains(name) {
                guard case .assignment(name, let idx, "", let value, _) = x, idx.count == 1, case .single(.variable(n, _)) = idx[0],
                      !value.variables.contains(name) else { return false }
                writes += 1
            }
            return writes > 0
        default:
            return false
        }
    }

    /// Whether `body` declares `name` anywhere (a local or a loop's index).
    private static func declares(_ name: String, in body: Statement) -> Bool {
        body.contains { s in
            switch s {
            case .declaration(let d): return d.name == name
            case .forLoop(let v, _, _, _, _): return v == name
            default: return false
            }
        }
    }
}
