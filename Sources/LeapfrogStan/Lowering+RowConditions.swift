import LeapfrogModel

/// An `if` whose condition depends on the index of a vectorised loop, and otherwise on data only
/// (posteriordb's capture–recapture models: `for (i in 1:M) { if (s[i] > 0) … else … }`).
///
/// Which rows take which branch is known once the data are read, so Stan's loop equals one loop
/// over the rows where the condition holds followed by one over the rows where it fails. Each
/// branch is lowered as a vectorised loop of its own: a fresh index r over
/// 1:count (`SyntheticData.rowCount`), with the original index i replaced by sel[r], sel being
/// those rows (`SyntheticData.rowSelection`). Data read as x[i] become x[sel[r]], whose rows are
/// a data leaf of their own (`SyntheticData.selectedRows`), so a discrete outcome stays data;
/// parameters are gathered. A branch with no rows adds nothing. The graph stays independent of
/// the number of rows. The branches' terms are whole-array terms, not plates over rows (a device
/// kernel streams the rows of one plate only).
///
/// A variable x declared outside the loop and assigned as x[i] = … in a branch (`if (n < nmin)
/// lp[n] = …; else lp[n] = …;`, posteriordb's Survey) gets the same treatment: each branch fills
/// its own rows x_b[r] (starting from x's value at those rows, gathered, where x has one), and x
/// becomes concat(x_true, x_false) gathered by each row's position in that concatenation
/// (`SyntheticData.rowOrder`). A branch never evaluates another branch's rows, so nothing it
/// computes there (a log of data ≤ 0, a binomial with fewer trials than successes) can reach the
/// value or, as 0 · ∞, the gradient.
extension Lowering {
    func rowConditionalIf(_ c: Expression, index i: String, extent: Dim, _ then: Statement, _ otherwise: Statement?,
                          _ l: StanSourceLocation) throws {
        guard columnPlate == nil, indicator == nil, recurrences.isEmpty else {
            throw fail("an if on the loop index is only supported directly in a vectorised loop, not inside a nested loop or another if on data", c.location)
        }
        // Locals of the loop read in a branch: their rows there (a gather by the branch's rows);
        // one a branch assigns would need its rows put back after the if.
        var rowLocals: [Symbol] = []
        for branch in [then] + (otherwise.map { [$0] } ?? []) {
            var assignedHere = Set<String>()
            _ = Lowering.collectTargets(branch, into: &assignedHere)
            for n in Lowering.variables(branch) {
                guard let s = scope.lookup(n), s.insidePlate else { continue }
                guard !assignedHere.contains(n), s.value != nil else {
                    throw fail("inside an if on the loop index, '\(n)' (declared in the loop) cannot be \(assignedHere.contains(n) ? "assigned" : "read before it has a value"); "
                               + "compute it inside the if, or index a variable declared outside the loop", l)
                }
                if !rowLocals.contains(where: { $0.name == n }) { rowLocals.append(s) }
            }
        }
        let assigned = try rowAssignedVariables([then] + (otherwise.map { [$0] } ?? []), index: i, extent: extent)
        let bound = bindingLoopConstants(c)
        let key = "\(bound.canonical)|\(i)|\(extent)"
        var selections: [String] = []
        var parts: [String: [Value]] = [:]
        for (holds, branch) in [(true, then), (false, otherwise)] {
            guard branch != nil || !assigned.isEmpty else { continue }
            let selection = syntheticName("rows", key: "select:\(key)|\(holds)") {
                .rowSelection(name: $0, condition: bound, index: i, extent: extent, holds: holds)
            }
            selections.append(selection)
            let count = syntheticName("rowcount", key: "count:\(key)|\(holds)") { .rowCount(name: $0, selection: selection) }
            let rows = Dim.symbol(count)
            let r = "\(i)__\(selection.dropFirst(2))"
            scope.push()
            defer { scope.pop() }
            scope.declare(Symbol(name: selection, type: StanType(base: .int, arrayRank: 1, sizes: [rows]), kind: .transformedData,
                                 value: nil, location: l))
            scope.declare(Symbol(name: r, type: .int, kind: .plateIndex(rows), value: nil, location: l))
            for var s in rowLocals where s.value!.plated {
                let old = s.value!
                s.value = derived(old, node: materialize(old)[builder.data(selection, [rows], integer: true)], type: s.type)
                scope.declare(s)
            }
            branchRows[r] = (branchRows[i]?.index ?? i, (branchRows[i]?.selections ?? []) + [selection])
            // This branch's rows of each assigned variable, starting from the variable's value there.
            var copies: [String: String] = [:]
            for x in assigned {
                let sym = scope.lookup(x)!
                var t = sym.type
                t.sizes[0] = rows
                let start = sym.value.map { old in
                    derived(old, node: materialize(old)[builder.data(selection, [rows], integer: true)], type: t)
                }
                copies[x] = "\(x)__\(selection.dropFirst(2))"
                madeNames[copies[x]!] = x
                scope.declare(Symbol(name: copies[x]!, type: t, kind: .local, value: start, location: l))
            }
            if let branch {
                let body = FunctionBody.substitute(try rowsOwn(branch, copies, index: i, row: r),
                                                   [i: .index(.variable(selection, c.location), [.single(.variable(r, c.location))], c.location)])
                let (saved, savedStreams) = (plate, streamsRows)
                plate = rows
                streamsRows = false
                defer { plate = saved; streamsRows = savedStreams }
                try statement(body)
            }
            for x in assigned {
                guard let v = scope.lookup(copies[x]!)!.value else {
                    throw fail("'\(x)[\(i)]' is assigned only where the condition \(holds ? "fails" : "holds"), and '\(x)' has no value "
                               + "on the other rows; assign it in both branches or give '\(x)' a value before the loop", l)
                }
                parts[x, default: []].append(v)
            }
        }
        guard !assigned.isEmpty else { return }
        let order = syntheticName("roworder", key: "order:\(key)") { .rowOrder(name: $0, selections: selections) }
        let positions = builder.data(order, [extent], integer: true)
        for x in assigned {
            let (a, b) = (parts[x]![0], parts[x]![1])
            let t = scope.lookup(x)!.type
            scope.setValue(x, derived(a, b, node: materialize(a).concatenated(materialize(b))[positions], type: t))
        }
    }

    /// The variables declared outside the loop that the branches assign, each only as x[i, …] = …
    /// with x's first extent the loop's (else an error that says so).
    private func rowAssignedVariables(_ branches: [Statement], index i: String, extent: Dim) throws -> [String] {
        var out: [String] = []
        func walk(_ s: Statement) throws {
            switch s {
            case .assignment(let t, let idx, _, _, let l):
                guard let sym = scope.lookup(t), !sym.insidePlate, !out.contains(t) else { return }
                guard case .single(.variable(i, _))? = idx.first else {
                    throw fail("inside an if on the loop index, '\(t)' can only be assigned as \(t)[\(i)] = … (one row per iteration)", l)
                }
                guard same(sym.type.sizes.first ?? nil, extent) else {
                    throw fail("cannot vectorise the loop: '\(t)' has \(StanType.text(sym.type.sizes.first ?? nil)) rows but the loop runs over 1:\(extent)", l)
                }
                out.append(t)
            case .forLoop(_, _, _, let b, _), .whileLoop(_, let b, _): try walk(b)
            case .ifElse(_, let a, let b, _): try walk(a); if let b { try walk(b) }
            case .block(let xs, _): try xs.forEach(walk)
            default: break
            }
        }
        try branches.forEach(walk)
        return out
    }

    /// `s` with x[i, …] of each assigned variable x (read or written) turned into its copy's
    /// x_b[r, …]; any other use of x inside the branch is an error.
    private func rowsOwn(_ s: Statement, _ copies: [String: String], index i: String, row r: String) throws -> Statement {
        guard !copies.isEmpty else { return s }
        func own(_ x: Expression) throws -> Expression? {
            switch x {
            case .index(.variable(let n, let nl), let idx, let l) where copies[n] != nil:
                guard case .single(.variable(i, let il))? = idx.first else {
                    throw fail("inside an if on the loop index that assigns \(n)[\(i)], '\(n)' can only be read as \(n)[\(i)]", l)
                }
                let rest = try idx.dropFirst().map { try $0.rewritten(own) }
                return .index(.variable(copies[n]!, nl), [.single(.variable(r, il))] + rest, l)
            case .variable(let n, let l) where copies[n] != nil:
                throw fail("inside an if on the loop index that assigns \(n)[\(i)], '\(n)' can only be read as \(n)[\(i)]", l)
            default: return nil
            }
        }
        return try s.rewritten(own, target: { t, idx, l in
            guard let copy = copies[t] else { return (t, idx) }
            guard case .single(.variable(i, let il))? = idx.first else { return (t, idx) }  // rowAssignedVariables refused it
            return (copy, [.single(.variable(r, il))] + idx.dropFirst())
        })
    }

    /// The variable names a statement reads or writes.
    static func variables(_ s: Statement) -> Set<String> {
        var out = Set<String>()
        func e(_ x: Expression) { out.formUnion(x.variables) }
        switch s {
        case .declaration(let d):
            (d.arraySizes + d.typeSizes).forEach(e)
            d.initializer.map(e)
        case .assignment(let t, let idx, _, let v, _):
            out.insert(t)
            idx.forEach { out.formUnion($0.variables) }
            e(v)
        case .tilde(let y, _, let args, _): e(y); args.forEach(e)
        case .targetIncrement(let x, _): e(x)
        case .forLoop(_, let lo, let hi, let b, _): e(lo); e(hi); out.formUnion(variables(b))
        case .whileLoop(let c, let b, _): e(c); out.formUnion(variables(b))
        case .loopJump: break
        case .ifElse(let c, let a, let b, _): e(c); out.formUnion(variables(a)); b.map { out.formUnion(variables($0)) }
        case .block(let xs, _): xs.forEach { out.formUnion(variables($0)) }
        case .print(let xs, _), .reject(let xs, _): xs.forEach(e)
        case .returnStatement(let x, _): x.map(e)
        case .call(let x, _): e(x)
        }
        return out
    }
}
