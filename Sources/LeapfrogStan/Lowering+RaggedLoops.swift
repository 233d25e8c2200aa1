import LeapfrogModel

/// A loop nested in a vectorised loop whose range depends on the outer loop's index through data
/// (`for (i in 1:I) for (t in (first[i] + 1):last[i]) …`: the User's Guide's Cormack–Jolly–Seber
/// model, ragged data by start and end positions). The pairs (i, t) it runs over are known once
/// the data are read (`SyntheticData.raggedPairs`, in Stan's order), so the nested loop equals
/// one vectorised loop over those pairs: a fresh index r over 1:count, i replaced by pair_i[r]
/// and t by pair_t[r] (data read through them are gathered, data by two of them a per-pair value
/// computed when the data are read, `perRowData`). Its terms are whole-array terms, as a branch
/// of an `if` on the loop index (`Lowering+RowConditions`). The graph does not grow with the
/// number of pairs.
extension Lowering {
    /// Whether `for (v in lo:hi)` here is such a loop: inside a vectorised loop (not a nested one
    /// already), a bound reading the outer loop's index.
    func isRagged(_ lo: Expression, _ hi: Expression) -> Bool {
        guard plate != nil, columnPlate == nil else { return false }
        return (lo.variables.union(hi.variables)).contains { if case .plateIndex? = scope.lookup($0)?.kind { return true } else { return false } }
    }

    func raggedLoop(_ v: String, _ lo: Expression, _ hi: Expression, _ body: Statement, _ l: StanSourceLocation) throws {
        guard let i = plateIndex(among: lo.variables.union(hi.variables)) ?? plateIndex(among: Lowering.variables(body)) else {
            throw fail("the bounds of a loop nested in a vectorised loop must depend on data and the outer loop's index only", l)
        }
        try pairLoop(v, lo, hi, body, outerIndex: i, filter: nil, l)
    }

    /// `for (j in lo:hi) if (c) A else B` nested in a vectorised loop over i, c a condition on
    /// data that reads j (`if (X[i, j] > 0)`, posteriordb's multi-species occupancy model), A and
    /// B only `~` and `target +=`: each branch is one loop over the pairs (i, j) where c holds
    /// (fails), ragged pairs filtered by c. Densities beside such ifs in the body (`target +=
    /// log(phi[k - 1]); if (X[i, k] == 1) … else …`, example-models' `cjs-K`) are one more loop
    /// over all the pairs: the terms add up in any order. Returns false, doing nothing, for any
    /// other loop.
    func conditionalNestedLoop(_ v: String, _ lo: Expression, _ hi: Expression, _ body: Statement, _ l: StanSourceLocation) throws -> Bool {
        var inner = body
        while case .block(let xs, _) = inner, xs.count == 1 { inner = xs[0] }
        var densities: [Statement] = []
        var conditions: [(c: Expression, then: Statement, otherwise: Statement?)] = []
        for step in inner.steps {
            if Lowering.onlyDensities(step) { densities.append(step); continue }
            guard case .ifElse(let c, let then, let otherwise, _) = step, c.variables.contains(v),
                  Lowering.onlyDensities(then), otherwise.map(Lowering.onlyDensities) ?? true else { return false }
            conditions.append((c, then, otherwise))
        }
        guard plate != nil, columnPlate == nil, !conditions.isEmpty else { return false }
        // The outer index, wherever the loop reads it (a placeholder where it reads none: every row's pairs alike).
        let i = plateIndex(among: lo.variables.union(hi.variables).union(Lowering.variables(body))) ?? "row__"
        for bound in [lo, hi] where !(try isDataOnly(bound, given: [i])) { return false }
        for c in conditions where !(try isDataOnly(c.c, given: [i, v])) { return false }
        if !densities.isEmpty {
            try pairLoop(v, lo, hi, .block(densities, body.location), outerIndex: i, filter: nil, l)
        }
        for (c, then, otherwise) in conditions {
            let condition = bindingLoopConstants(c)
            for (holds, branch) in [(true, then), (false, otherwise)] {
                guard let branch else { continue }
                try pairLoop(v, lo, hi, branch, outerIndex: i, filter: PairFilter(variable: v, condition: condition, holds: holds), l)
            }
        }
        return true
    }

    /// The one of `names` that is a vectorised loop's index (inside one, not nested, there is one).
    private func plateIndex(among names: Set<String>) -> String? {
        names.sorted().first { if case .plateIndex? = scope.lookup($0)?.kind { return true } else { return false } }
    }

    /// The loop `for (v in lo:hi) body` inside the vectorised loop over `i` as one vectorised loop
    /// over its pairs (i, v), those `filter` keeps.
    private func pairLoop(_ v: String, _ lo: Expression, _ hi: Expression, _ body: Statement, outerIndex i: String,
                          filter: PairFilter?, _ l: StanSourceLocation) throws {
        guard let outer = plate, recurrences.isEmpty, indicator == nil, capturedTerms == nil else {
            throw fail("a loop whose range depends on the outer loop's index is only supported directly in a vectorised loop (not inside an if on data or parameters, or a recurrence)", l)
        }
        guard try isDataOnly(lo, given: [i]), try isDataOnly(hi, given: [i]) else {
            throw fail("the bounds of a loop nested in a vectorised loop must depend on data and the outer loop's index only", l)
        }
        guard Lowering.onlyDensities(body) else {
            throw fail("a loop nested in the vectorised loop over \(i), over a range other than 1:J (depending on \(i) or starting elsewhere), can only hold ~ and target += (it is one vectorised loop over "
                       + "its pairs of \(i) and \(v)); compute values in vectors outside it", l)
        }
        for n in Lowering.variables(body) {
            if let s = scope.lookup(n), s.insidePlate {
                throw fail("inside a loop whose range depends on the outer loop's index, '\(n)' (declared in the outer loop) cannot be read; "
                           + "compute it inside the inner loop, or index a variable declared outside the loops", l)
            }
        }
        let (lower, upper) = (bindingLoopConstants(lo), bindingLoopConstants(hi))
        let kept = filter.map { "|\($0.variable):\($0.condition.canonical)|\($0.holds)" } ?? ""
        let key = "\(lower.canonical):\(upper.canonical)|\(i)|\(outer)\(kept)"
        let rows = syntheticName("pairs", key: "pairs:\(key)") {
            .raggedPairs(name: $0, lower: lower, upper: upper, index: i, extent: outer, steps: false, filter: filter)
        }
        let steps = syntheticName("steps", key: "steps:\(key)") {
            .raggedPairs(name: $0, lower: lower, upper: upper, index: i, extent: outer, steps: true, filter: filter)
        }
        let count = Dim.symbol(syntheticName("paircount", key: "paircount:\(key)") { .rowCount(name: $0, selection: rows) })
        let r = "\(v)__\(rows.dropFirst(2))"
        scope.push()
        defer { scope.pop() }
        for name in [rows, steps] {
            scope.declare(Symbol(name: name, type: StanType(base: .int, arrayRank: 1, sizes: [count]), kind: .transformedData, value: nil, location: l))
        }
        scope.declare(Symbol(name: r, type: .int, kind: .plateIndex(count), value: nil, location: l))
        branchRows[r] = (branchRows[i]?.index ?? i, branchRows[i]?.selections ?? [])
        let pair = { (array: String) in Expression.index(.variable(array, l), [.single(.variable(r, l))], l) }
        let flat = FunctionBody.substitute(body, [i: pair(rows), v: pair(steps)])
        let (saved, savedStreams) = (plate, streamsRows)
        plate = count
        streamsRows = false
        defer { plate = saved; streamsRows = savedStreams }
        try statement(flat)
    }
}
