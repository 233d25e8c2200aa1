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
extension Lowering {
    func rowConditionalIf(_ c: Expression, index i: String, extent: Dim, _ then: Statement, _ otherwise: Statement?,
                          _ l: StanSourceLocation) throws {
        guard try isDataOnly(FunctionBody.substitute(c, [i: .integer(1, c.location)])) else {
            throw fail("if conditions must depend on data only (or on constants); conditions on parameters are not supported", c.location)
        }
        guard block == .model else {
            throw fail("an if on the loop index inside a vectorised loop is only supported in the model block (around ~ and target +=)", c.location)
        }
        guard columnPlate == nil, indicator == nil, recurrences.isEmpty else {
            throw fail("an if on the loop index is only supported directly in a vectorised loop, not inside a nested loop or another if on data", c.location)
        }
        for branch in [then] + (otherwise.map { [$0] } ?? []) {
            for n in Lowering.variables(branch) {
                if let s = scope.lookup(n), s.insidePlate {
                    throw fail("inside an if on the loop index, '\(n)' (declared in the loop) cannot be read; compute it inside the if, or index a variable declared outside the loop", l)
                }
            }
        }
        let bound = bindingLoopConstants(c)
        let key = "\(bound.canonical)|\(i)|\(extent)"
        for (holds, branch) in [(true, then), (false, otherwise)] {
            guard let branch else { continue }
            let selection = syntheticName("rows", key: "select:\(key)|\(holds)") {
                .rowSelection(name: $0, condition: bound, index: i, extent: extent, holds: holds)
            }
            let count = syntheticName("rowcount", key: "count:\(key)|\(holds)") { .rowCount(name: $0, selection: selection) }
            let rows = Dim.symbol(count)
            let r = "\(i)__\(selection.dropFirst(2))"
            let body = FunctionBody.substitute(branch, [i: .index(.variable(selection, c.location), [.single(.variable(r, c.location))], c.location)])
            scope.push()
            scope.declare(Symbol(name: selection, type: StanType(base: .int, arrayRank: 1, sizes: [rows]), kind: .transformedData,
                                 value: nil, location: l))
            scope.declare(Symbol(name: r, type: .int, kind: .plateIndex(rows), value: nil, location: l))
            let (saved, savedStreams) = (plate, streamsRows)
            plate = rows
            streamsRows = false
            defer { plate = saved; streamsRows = savedStreams; scope.pop() }
            try statement(body)
        }
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
        case .ifElse(let c, let a, let b, _): e(c); out.formUnion(variables(a)); b.map { out.formUnion(variables($0)) }
        case .block(let xs, _): xs.forEach { out.formUnion(variables($0)) }
        case .print(let xs, _), .reject(let xs, _): xs.forEach(e)
        case .returnStatement(let x, _): x.map(e)
        case .call(let x, _): e(x)
        }
        return out
    }
}
