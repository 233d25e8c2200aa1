import LeapfrogModel

/// Conditions computed per evaluation: an `if` or `?:` whose condition reads a parameter (or a
/// local variable, or a vectorised loop's row) lowers both branches, and the graph's `select`
/// takes the first branch's value where the condition holds and the second's elsewhere, element by
/// element, its derivative going to the branch taken. Stan evaluates only the branch taken; the
/// log density is the same, and so is its gradient wherever the condition does not change nearby
/// (everywhere but on the boundary, where a piecewise density has no derivative). A branch not
/// taken is still computed: where it is undefined (√ of a negative) its value is dropped, and the
/// back ends pass no adjoint through it (`ReferenceModel.propagate`, `Generator.guarded`).
///
/// A condition compares two scalars with <, <=, > or >=, or integers with == or != (data, as
/// `y[n] == 0`), possibly joined by &&, || and !. The terms a branch adds (`~`, `target +=`,
/// `reject`) are summed per branch and the sums selected the same way.
extension Lowering {
    /// A condition lowered to graph nodes: each comparison a difference that is positive (or not
    /// negative, `inclusive`) where it holds.
    indirect enum ComputedCondition {
        case positive(Expr, inclusive: Bool)
        case not(ComputedCondition)
        case and(ComputedCondition, ComputedCondition)
        case or(ComputedCondition, ComputedCondition)

        /// `a` where the condition holds, else `b`.
        func choose(_ a: Expr, _ b: Expr, in builder: ModelBuilder) -> Expr {
            switch self {
            case .positive(let d, let inclusive): return builder.select(d, a, b, inclusive: inclusive)
            case .not(let c): return c.choose(b, a, in: builder)
            case .and(let x, let y): return x.choose(y.choose(a, b, in: builder), b, in: builder)
            case .or(let x, let y): return x.choose(a, y.choose(a, b, in: builder), in: builder)
            }
        }
    }

    /// The terms a branch of an `if` on parameters adds, collected instead of added (`addTarget`),
    /// with the number of data conditions around the `if`; `perRow` when its condition differs by
    /// row of the vectorised loop (each term then one value per row, `capturePerRow`).
    struct TermCapture {
        var terms: [Expr] = []
        let conditions: Int
        var perRow = false
    }

    /// Whether a condition must be computed per evaluation: it reads something other than data,
    /// constants and loop constants, or a vectorised loop's row.
    func isComputed(_ c: Expression) throws -> Bool {
        let readsRow = c.variables.contains {
            switch scope.lookup($0)?.kind {
            case .plateIndex?, .columnIndex?: return true
            default: return false
            }
        }
        return try !isDataOnly(c) || readsRow
    }

    /// Lowers `c`; whether it differs by row of the vectorised loop.
    func computedCondition(_ c: Expression) throws -> (condition: ComputedCondition, plated: Bool) {
        switch c {
        case .unary("!", let x, _):
            let inner = try computedCondition(x)
            return (.not(inner.condition), inner.plated)
        case .binary(let op, let x, let y, _) where op == "&&" || op == "||":
            let (a, b) = (try computedCondition(x), try computedCondition(y))
            return (op == "&&" ? .and(a.condition, b.condition) : .or(a.condition, b.condition), a.plated || b.plated)
        case .binary(let op, let x, let y, let l) where ["<", "<=", ">", ">=", "==", "!="].contains(op):
            let (u, v) = (try expression(x), try expression(y))
            guard u.type.isScalar, v.type.isScalar, !u.summedOverPlate, !v.summedOverPlate else {
                throw fail("a condition computed per evaluation compares two scalars, got \(u.type) and \(v.type)", l)
            }
            let plated = u.plated || v.plated || (choosingPerCell && (u.columns || v.columns))
            let (a, b) = (perCell(u), perCell(v))
            switch op {
            case ">", ">=": return (.positive(a - b, inclusive: op == ">="), plated)
            case "<", "<=": return (.positive(b - a, inclusive: op == "<="), plated)
            default:
                guard u.type.isInteger, v.type.isInteger else {
                    throw fail("\(op) between real values computed per evaluation is not supported (equality of reals holds on a set "
                               + "of measure zero); compare with <, <=, > or >=", l)
                }
                // Integers that differ, differ by at least 1: (a − b)² − ½ > 0 exactly where a ≠ b.
                let differ = ComputedCondition.positive((a - b).square() - 0.5, inclusive: false)
                return (op == "!=" ? differ : .not(differ), plated)
            }
        default:
            throw fail("a condition on parameters (or on a vectorised loop's row) must compare two values with <, <=, >, >=, "
                       + "or integers with == and !=, possibly joined by &&, || and !", c.location)
        }
    }

    /// `v`'s node; inside a loop nested in a vectorised loop, a value that depends on either index
    /// as one per row and inner index ([rows, columns]), so that a condition on both indices
    /// (`t < s`, the Stan User's Guide's change-point model) and the branches it chooses between
    /// line up element by element (a shared value broadcasts as it is).
    func perCell(_ v: Value) -> Expr {
        guard choosingPerCell, let plate, let columnPlate, v.plated || v.columns else { return materialize(v) }
        return perRowVector(v, rows: plate, columns: columnPlate)
    }

    /// `c ? a : b` with `c` computed per evaluation.
    func selectedConditional(_ c: Expression, _ a: Expression, _ b: Expression, at l: StanSourceLocation) throws -> Value {
        // Per row and inner index only where the inner index is read: elsewhere a term of the
        // choice is the same at every inner step (`repeatedAlongInner`).
        let savedCells = choosingPerCell
        choosingPerCell = columnPlate != nil && readsInnerIndex(c.variables.union(a.variables).union(b.variables))
        defer { choosingPerCell = savedCells }
        let (condition, rows) = try computedCondition(c)
        // Inside a vectorised loop a density in a branch is one value per row (`y[n] == 0 ? … :
        // poisson_lpmf(y[n] | λ)`), as inside log_mix.
        let savedPerRow = perRowDensities
        perRowDensities = savedPerRow || plate != nil
        defer { perRowDensities = savedPerRow }
        let (x, y) = (try expression(a), try expression(b))
        guard x.type.arrayRank == y.type.arrayRank, x.type.base == y.type.base || (x.type.isScalar && y.type.isScalar) else {
            throw fail("the branches of ?: have different types: \(x.type) and \(y.type)", l)
        }
        let type = x.type.isInteger && !y.type.isInteger ? y.type : x.type
        if rows, !(x.type.isScalar && y.type.isScalar) {
            throw fail("?: with a condition that differs by row of the vectorised loop chooses between scalars, got \(x.type) and \(y.type)", l)
        }
        let node = try selected(condition, x, y, subject: "?:", at: l)
        // Inside a nested loop, anything per row or per inner index makes the choice one per cell.
        let cell = choosingPerCell && (rows || x.plated || y.plated || x.columns || y.columns)
        var v = Value(type: type.promotedToReal, node: node, plated: cell || rows || x.plated || y.plated, dataOnly: false)
        v.columns = cell
        return v
    }

    /// The select nodes choosing `a` where `condition` holds, else `b`.
    func selected(_ condition: ComputedCondition, _ a: Value, _ b: Value, subject: String, at l: StanSourceLocation) throws -> Expr {
        guard !a.summedOverPlate, !b.summedOverPlate, !a.flattened, !b.flattened else {
            throw fail("\(subject): this value cannot be chosen by a condition on parameters (a log density inside a loop, or a reshaped matrix)", l)
        }
        if columnPlate != nil, !(a.type.isScalar && b.type.isScalar) {
            throw fail("\(subject): inside a loop nested in a vectorised loop, a condition chooses between scalars, got \(a.type) and \(b.type)", l)
        }
        return condition.choose(perCell(a), perCell(b), in: builder)
    }

    /// An `if` whose condition is computed per evaluation (see above). Inside an ODE's
    /// right-hand side (posteriordb's `one_comp_mm_elim_abs`: `if (t > 0) dose = …;`) the branches
    /// only assign.
    func selectedIf(_ c: Expression, _ then: Statement, _ otherwise: Statement?, _ l: StanSourceLocation) throws {
        let branches = [then] + (otherwise.map { [$0] } ?? [])
        if let solver = odeSolverName, let b = branches.first(where: Lowering.addsTerms) {
            throw fail("inside the right-hand side of \(solver), an if on a value that is not data can only assign variables", b.location)
        }
        guard recurrences.isEmpty, columnPlate == nil else {
            throw fail("an if on parameters inside a recurrence (a loop whose steps depend on each other) or a loop nested in a vectorised loop is not supported yet", c.location)
        }
        let (condition, rows) = try computedCondition(c)
        // Each branch's terms, collected (an enclosing if on parameters collects this one's); per
        // row when the condition differs by row, its densities then one value per row.
        let saved = capturedTerms
        let savedPerRow = perRowDensities
        perRowDensities = savedPerRow || rows
        defer { perRowDensities = savedPerRow }
        var sums: [Bool: Expr] = [:]
        var branch: Bool?
        func close() {
            if let branch, let t = capturedTerms?.terms, let first = t.first { sums[branch] = t.dropFirst().reduce(first, +) }
        }
        let assigned: [(name: String, holds: Value, fails: Value)]
        do {
            assigned = try branchAssignments(then, otherwise, at: l) { holds in
                close()
                branch = holds
                capturedTerms = TermCapture(conditions: conditions.count, perRow: rows)
            }
            close()
            capturedTerms = saved
        } catch {
            capturedTerms = saved
            throw error
        }
        for (name, holds, fails) in assigned {
            let symbol = scope.lookup(name)!
            // Per row: a scalar of the loop's body, or a variable filled row by row (`mu[n] = …`).
            let perRow = symbol.insidePlate ? symbol.type.isScalar
                                            : same(symbol.type.sizes.first ?? nil, plate) && symbol.type.removingDimension(0).isScalar
            if rows, !perRow {
                throw fail("'\(name)' is assigned under a condition that differs by row of the vectorised loop; only a scalar declared "
                           + "in the loop, or \(name)[n] = … filling a vector row by row, can be", l)
            }
            let node = try selected(condition, holds, fails, subject: "'\(name)'", at: l)
            scope.setValue(name, Value(type: symbol.type, node: node, plated: symbol.insidePlate && (rows || holds.plated || fails.plated), dataOnly: false))
        }
        if !sums.isEmpty {
            let zero = builder.constant(0)
            let chosen = condition.choose(sums[true] ?? zero, sums[false] ?? zero, in: builder)
            guard rows else { return try addTarget(chosen, at: l) }
            // One value per row: their sum, a plate term over the loop's rows.
            let streamed: Dim? = { if streamsRows, case .symbol? = plate { return plate } else { return nil } }()
            try addTarget(chosen.sum(), plate: streamed, at: l)
        }
    }

    /// Inside a branch of an `if` whose condition differs by row: collects the term `v` as one
    /// value per row (a term that does not depend on the row counts once per row, as in any
    /// vectorised loop).
    func capturePerRow(_ v: Value, at l: StanSourceLocation) throws {
        guard !v.summedOverPlate, !v.columns, v.type.isScalar || !v.plated else {
            throw fail("inside an if whose condition differs by row of the vectorised loop, a term must be one value per row: "
                       + "a density with scalar arguments of \(Lowering.perRowFamilies), or a scalar expression", l)
        }
        try addTarget(v.plated || v.type.isScalar ? materialize(v) : materialize(v).sum(), at: l)
    }

    /// Adds `node` to the log density (a plate term over `rows` when given), under the enclosing
    /// data conditions; inside a branch of an `if` on parameters, collects it for that `if`.
    func addTarget(_ node: Expr, plate rows: Dim? = nil, at l: StanSourceLocation) throws {
        if let capture = capturedTerms {
            guard conditions.count == capture.conditions else {
                throw fail("an if on data that adds to the log density inside an if on parameters is not supported; "
                           + "put the if on data outside", l)
            }
            capturedTerms!.terms.append(node)
            return
        }
        builder.target(scaled(node), plate: rows)
    }
}
