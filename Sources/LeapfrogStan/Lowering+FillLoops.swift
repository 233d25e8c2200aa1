import LeapfrogModel

/// Loops that fill variables element by element, as programs translated from BUGS do:
///
///     for (i in 1:(N - 1)) {
///       K[i, i] = sq_alpha + delta;
///       for (j in (i + 1):N) { K[i, j] = sq_alpha * exp(…x[i] - x[j]…); K[j, i] = K[i, j]; }
///     }
///
/// (a kernel matrix), `log_omega[k, n] = normal_lpdf(y[n] | mu[k], sigma)`, `z[n_pos[n],
/// d_pos[n]] = z_pos[n]`. Loop bounds, conditions and indices must depend on data and the loop
/// indices only; the host walks the nest when the data are read (`FillNest`). Each write becomes
/// one vectorised loop over its executions, every scalar on data and loop indices its value reads
/// an array of one element per execution, and each filled variable one gather:
///
///     x = concat(0, v₁, v₂, …)[p]        select(w, that, x) where x had a value
///
/// p the position of each element's last write (1, the 0, where none writes it), w whether one
/// does: O(elements + executions) per evaluation, a graph that does not grow with the data. A
/// write's value may read an element written before it in the same iteration (the symmetric half
/// of a kernel matrix, which repeats that write's values).
///
/// A nest whose writes read elements other executions write, at indices the host computes, is a
/// recurrence along the elements (`FillNest`'s levels): the Cormack–Jolly–Seber models'
///
///     for (i in 1:nind) { chi[i, T] = 1; for (t in 1:(T - 1)) { int c = T - t;
///       chi[i, c] = (1 - phi[i, c]) + phi[i, c] * (1 - p[i, c]) * chi[i, c + 1]; } }
///
/// The state is every write's values, `s = concat(0, v₁, v₂, …)`; a read is a gather `s[r]`, r
/// the position of the value it sees. The graph's `loop` runs one step per level, each
/// recomputing the values of the writes that read the state (the others computed once, before
/// it), vectorised over all their executions: O(levels × executions) per evaluation, against the
/// executions' O(executions) one after the other, and again a graph independent of the data. A
/// single loop reading its rows at constant offsets (`x[t] = … x[t - 1]`) stays with
/// `recurrenceLoop`, which takes one step per row, and an element added to over an inner loop
/// (`lp[s] = lp[s] + …`) with the vectorised loop, which sums it.
///
/// A variable every write of which the host can compute (data, the indices and elements of such
/// variables: ARM's dogs, `n_avoid[j, t] = n_avoid[j, t - 1] + 1 - y[j, t - 1]`) is filled by the
/// walk, once, and is data to the graph (`FillNest.hostTargets`).
extension Lowering {
    /// Lowers `for (v in lo:hi) body` as such a loop and returns true; false, having done
    /// nothing, when it is not one or when the vectorised loop over `x[v] = …` lowers it.
    func fillLoop(_ v: String, _ lo: Expression, _ hi: Expression, _ body: Statement, _ l: StanSourceLocation) throws -> Bool {
        guard plate == nil, columnPlate == nil, recurrences.isEmpty, indicator == nil, capturedTerms == nil else { return false }
        let loop = Statement.forLoop(variable: v, lower: lo, upper: hi, body: body, l)
        var targets = Set<String>()
        guard Lowering.collectTargets(loop, into: &targets), !targets.isEmpty else { return false }
        inlineCount += 1
        // Every variable with no value before the nest is first assumed filled on the host; one
        // with a write the host cannot compute is not, and the nest is read again without it.
        var host = Set(targets.filter { scope.lookup($0).map { $0.type.rank >= 1 && $0.value == nil } ?? false })
        var parse: FillParse
        var parsed: [FillNest.Step]?
        let saved = fillHostTargets
        defer { fillHostTargets = saved }
        repeat {
            parse = FillParse(id: inlineCount, targets: targets)
            parse.hostTargets = host
            fillHostTargets = host
            parsed = try fillSteps(loop, &parse, loops: [], available: [:], body: 0)
            host.subtract(parse.notHost)
        } while !parse.notHost.isEmpty
        fillHostTargets = saved
        guard let steps = parsed else {
            if parse.nestedLoops, let name = parse.recurrence { elementRecurrence = name }
            return false
        }
        if !parse.nested, try simpleRowLoop(v, lo, hi, parse.writes) { return false }
        let recurrent = parse.writes.contains { $0.write.recurrent }
        // The state of a recurrence holds one value per execution: rows have no place in it.
        if recurrent, parse.writes.contains(where: \.row) { return false }
        // An element added to over an inner loop (`lp[s] = lp[s] + …`, a change point's sum over
        // times) is a sum per element, which the vectorised loop takes with its plate.
        if parse.writes.contains(where: { w in
            let own = Expression.index(.variable(w.write.target, w.write.location), w.write.indices.map { .single($0) }, w.write.location).canonical
            switch w.value {
            case .binary("+", let a, let b, _): return bindingLoopConstants(a).canonical == own || bindingLoopConstants(b).canonical == own
            case .binary("-", let a, _, _): return bindingLoopConstants(a).canonical == own
            default: return false
            }
        }) { return false }
        if recurrent, !parse.nestedLoops, parse.writes.allSatisfy({ w in
            ([w.write.indices] + w.write.reads.map(\.indices)).allSatisfy { $0.first.flatMap { Lowering.shift(of: $0, from: v) } != nil }
        }) { return false }
        let hostFilled = parse.writes.filter(\.write.host).map(\.write.target)
        var nest = FillNest(id: parse.id, steps: steps, writes: parse.writes.map(\.write))
        for name in Set(hostFilled).sorted() {
            let sym = scope.lookup(name)!
            nest.hostTargets.append(FillNest.HostTarget(name: name, shape: sym.type.sizes.map { $0! }, integer: sym.type.isInteger))
        }
        // Each write's values (nil for the host's: not in the graph), a recurrent write's zeros
        // until the loop over the levels.
        var values: [(node: Expr, dataOnly: Bool)?] = []
        for w in parse.writes {
            values.append(w.write.host ? nil : w.write.recurrent ? (fill(0, [fillCount(nest, w.write.statement)]), true)
                          : try fillValue(w, id: parse.id, nest: nest, values: values))
        }
        // The state of a recurrent nest: the values of the writes the graph computes.
        func joinedState(_ values: [(node: Expr, dataOnly: Bool)?]) -> Expr {
            values.compactMap { $0?.node }.reduce(fill(0, [.fixed(1)])) { $0.concatenated($1) }
        }
        // The state after the last level (`FillNest`), or nil where no write reads it.
        var state: Expr?
        if recurrent {
            let levels = Dim.symbol(registerFill(nest, .levels, name: "__fill\(parse.id)_levels"))
            let initial = joinedState(values)
            var invariants: [Int: (expression: Expression, parts: [String: Value])] = [:]
            for w in parse.writes where w.write.recurrent && w.copies == nil {
                invariants[w.write.statement] = try fillInvariants(w, id: parse.id, nest: nest)
            }
            var carry: Expr!
            let steps = try builder.loop(from: .fixed(1), to: levels, name: "__fill\(parse.id)_level") { t in
                carry = builder.carry(t, initial: initial)
                var step = values
                for w in parse.writes where w.write.recurrent {
                    step[w.write.statement] = try fillValue(w, id: parse.id, nest: nest, values: step, state: carry,
                                                            invariant: invariants[w.write.statement])
                }
                builder.update(carry, to: joinedState(step))
                values = step
            }
            state = builder.last(steps, carry)
        }
        for t in nest.hostTargets {
            let sym = scope.lookup(t.name)!
            let node = fillData(nest, .hostFilled(target: t.name), name: "__fill\(parse.id)h_\(t.name)", t.shape, integer: t.integer)
            scope.setValue(t.name, Value(type: sym.type, node: node, dataOnly: true))
        }
        var filled: [String] = []
        for w in parse.writes where !w.write.host && !filled.contains(w.write.target) { filled.append(w.write.target) }
        for target in filled {
            let sym = scope.lookup(target)!
            // A scalar is its one element: its last write (`FillNest.Output.positions` of [1]).
            let scalar = sym.type.rank == 0
            // Written by rows: gathered by rows, after a row of zeros.
            let rows = parse.writes.contains { $0.write.target == target && $0.row }
            let dims = scalar ? [Dim.fixed(1)] : rows ? [sym.type.sizes[0]!] : sym.type.sizes.map { $0! }
            var joined = fill(0, rows ? [.fixed(1), sym.type.sizes[1]!] : [.fixed(1)])
            var dataOnly = sym.value?.dataOnly ?? true
            for (w, value) in zip(parse.writes, values) where w.write.target == target || state != nil {
                guard let value else { continue }
                if state == nil { joined = joined.concatenated(value.node) }
                dataOnly = dataOnly && value.dataOnly
            }
            let positions = fillData(nest, state == nil ? .positions(target: target, shape: dims) : .statePositions(target: target, shape: dims),
                                     name: "__fill\(parse.id)p_\(target)", dims, integer: true)
            var whole = (state ?? joined)[positions]
            if let old = sym.value {
                let written = fillData(nest, .written(target: target, shape: dims), name: "__fill\(parse.id)w_\(target)", dims, integer: false)
                whole = builder.select(rows ? written.column() : written, whole, materialize(old), inclusive: false)
            }
            if scalar { whole = whole.sum() }
            scope.setValue(target, Value(type: sym.type, node: whole, dataOnly: dataOnly))
        }
        return true
    }

    /// Whether the loop is the vectorised loop `for (n in 1:N) x[n] = …;` (or `x[g[n]] = …`)
    /// over all of each x, which `forLoop` lowers without gathers (in the branches of an `if`
    /// on the row too: `rowConditionalIf`, which also names a variable one branch leaves
    /// without a value).
    private func simpleRowLoop(_ v: String, _ lo: Expression, _ hi: Expression, _ writes: [FillParse.Planned]) throws -> Bool {
        guard foldConstant(lo) == 1 else { return false }
        let extent = try dim(hi)
        return writes.allSatisfy { w in
            guard w.write.indices.count == 1, let rows = scope.lookup(w.write.target)?.type.sizes.first else { return false }
            switch w.source {
            case .variable(let n, _): return n == v && same(rows, extent)
            case .index(.variable(_, _), let gi, _):
                guard gi.count == 1, case .single(.variable(let n, _)) = gi[0] else { return false }
                return n == v
            default: return false
            }
        }
    }

    /// The nest's steps from `s` (nil when `s` is not part of a fill loop), writes numbered in
    /// `parse`; `available`: the elements written before in the same iteration, by their text,
    /// with their value and the body they were written in.
    private func fillSteps(_ s: Statement, _ parse: inout FillParse, loops: [String],
                           available: [String: (value: Expression, body: Int, statement: Int)], body: Int) throws -> [FillNest.Step]? {
        var available = available
        switch s {
        case .block(let xs, _):
            var steps: [FillNest.Step] = []
            for x in xs {
                if case .declaration(let d) = x {
                    // A local given its value where it is declared: that value in its place; a scalar
                    // declared without one takes the value it is assigned (`t_curr = T - t;`).
                    guard d.initializer != nil || d.rank == 0, d.bounds.lower == nil, d.bounds.upper == nil, scope.lookup(d.name) == nil else { return nil }
                    if let e = d.initializer { parse.locals[d.name] = FunctionBody.substitute(e, parse.locals) }
                    parse.declared.insert(d.name)
                    parse.nested = true
                    continue
                }
                guard let more = try fillSteps(x, &parse, loops: loops, available: available, body: body) else { return nil }
                if case .assignment = x {
                    if case .write(let w)? = more.last {
                        let p = parse.writes[w.statement]
                        available[p.key] = (p.value, body, w.statement)
                    }
                } else {
                    // A loop or an if may have written any element of what it assigns.
                    available = Lowering.notWritten(by: x, available, parse)
                }
                steps += more
            }
            return steps
        case .forLoop(let u, let lo, let hi, let inner, _):
            guard scope.lookup(u) == nil, !loops.contains(u) else { return nil }
            let outer = Set(loops)
            let (lo, hi) = (try fillBound(lo, parse), try fillBound(hi, parse))
            guard try isDataOnly(lo, given: outer), try isDataOnly(hi, given: outer) else { return nil }
            if !loops.isEmpty { parse.nested = true; parse.nestedLoops = true }
            parse.loopVariables.insert(u)
            parse.bodies += 1
            let innerBody = parse.bodies
            // Its later steps read what its earlier ones wrote, not what was written before it.
            guard let steps = try fillSteps(.block([inner], inner.location), &parse, loops: loops + [u],
                                            available: Lowering.notWritten(by: inner, available, parse), body: innerBody) else { return nil }
            // A scalar the loop assigns has, after it, the value of its last step, or the one before
            // where it runs no step: not known here, so not read after it (`readsOther`).
            for name in Lowering.scalarAssignments(inner) { parse.locals[name] = nil }
            return [.loop(variable: u, lower: bindingLoopConstants(lo), upper: bindingLoopConstants(hi), body: steps)]
        case .ifElse(let c, let then, let otherwise, _):
            let c = FunctionBody.substitute(c, parse.locals)
            guard try isDataOnly(c, given: Set(loops)) else { return nil }
            var branches: [[FillNest.Step]] = []
            let before = parse.locals
            for branch in [then, otherwise] {
                guard let branch else { branches.append([]); continue }
                parse.bodies += 1
                parse.locals = before
                guard let steps = try fillSteps(.block([branch], branch.location), &parse, loops: loops, available: available,
                                                body: parse.bodies) else { return nil }
                branches.append(steps)
            }
            // A scalar a branch assigns is, after the if, one branch's value or the other's.
            parse.locals = before
            for branch in [then, otherwise].compactMap({ $0 }) {
                for name in Lowering.scalarAssignments(branch) { parse.locals[name] = nil }
            }
            return [.branch(condition: bindingLoopConstants(c), then: branches[0], otherwise: branches[1])]
        case .assignment(let name, let indices, let op, let rhs, let l):
            if parse.declared.contains(name) {
                // A scalar local assigned a value the host computes: that value from here on.
                let e = FunctionBody.substitute(rhs, parse.locals)
                guard op.isEmpty, indices.isEmpty, hostScalar(e, Set(loops)) != nil else { return nil }
                parse.locals[name] = e
                return []
            }
            guard op.isEmpty, let sym = scope.lookup(name), !loops.isEmpty else { return nil }
            switch sym.kind {
            case .local, .generated: break
            case .transformedParameter: guard block == .transformedParameters else { return nil }
            default: return nil
            }
            guard sym.type.rank <= 2, sym.type.sizes.allSatisfy({ $0 != nil }) else { return nil }
            // A row of a matrix or of an array of vectors (`logit_p[i] = alpha' + beta * x[i]`) for
            // a variable every write of which is a row: gathered by rows. Not filled by the host,
            // and not a recurrence's state (a read of an element of it is not one of the nest's).
            let row = sym.type.rank == 2 && indices.count == 1
            guard indices.count == sym.type.rank || row else { return nil }
            if row, parse.hostTargets.contains(name) {
                parse.notHost.insert(name)
                return nil
            }
            guard parse.writes.allSatisfy({ $0.write.target != name || $0.row == row }) else { return nil }
            let loopSet = Set(loops)
            // An element another execution may write, at indices the host computes: a read of the
            // recurrence's state.
            func readsState(_ t: String, _ idx: [IndexArgument]) -> Bool {
                guard let target = scope.lookup(t), idx.count == target.type.rank, target.type.sizes.allSatisfy({ $0 != nil }) else {
                    return false
                }
                return idx.allSatisfy { if case .single(let k) = $0 { return hostScalar(k, loopSet) != nil } else { return false } }
            }
            var ks: [Expression] = []
            for i in indices {
                guard case .single(let k) = i else { return nil }
                let e = FunctionBody.substitute(k, parse.locals)
                guard hostScalar(e, loopSet) == true else { return nil }
                ks.append(e)
            }
            if parse.hostTargets.contains(name) {
                // A variable filled on the host: its value too (`FillNest.Write.host`).
                let value = FunctionBody.substitute(rhs, parse.locals)
                guard hostScalar(value, loopSet) != nil else {
                    parse.notHost.insert(name)
                    return nil
                }
                var write = FillNest.Write(statement: parse.writes.count, target: name, indices: ks.map(bindingLoopConstants),
                                           hoisted: [bindingLoopConstants(value)], location: l)
                write.host = true
                parse.writes.append(FillParse.Planned(write: write, key: "\(name)[\(ks.map(\.canonical).joined(separator: ", "))]", value: value,
                                                      graphValue: value, integer: [], plateIndex: "", copies: nil,
                                                      source: ks.first ?? .integer(0, l), valueLocation: rhs.location))
                return [.write(write)]
            }
            // Reads of what the nest fills: only elements this iteration wrote before.
            var copies: Int?
            var readsOther = false
            let written = FunctionBody.substitute(rhs, parse.locals)
            let value = written.rewritten { e in
                if case .index(.variable(let t, _), let idx, _) = e, parse.targets.contains(t) {
                    guard let a = available["\(t)[\(idx.map(\.canonical).joined(separator: ", "))]"] else {
                        if row || !readsState(t, idx) || parse.writes.contains(where: { $0.write.target == t && $0.row }) { readsOther = true }
                        return e
                    }
                    if e.canonical == written.canonical, a.body == body { copies = a.statement }
                    return a.value
                }
                if case .variable(let t, _) = e, parse.targets.contains(t) { readsOther = true }
                return nil
            }
            guard !readsOther else {
                parse.recurrence = parse.targets.first { written.variables.contains($0) }
                return nil
            }
            // A scalar (`oldn = idxn1[n];`): its value read in its place for the rest of the iteration.
            if sym.type.rank == 0 { parse.locals[name] = value }
            let statement = parse.writes.count
            var hoisted: [Expression] = []
            var integer: [Bool] = []
            let r = "fill\(parse.id)__\(statement)"
            madeNames[r] = loops.last!
            var reads: [FillNest.Read] = []
            var checks: [FillNest.IndexCheck] = []
            // `name[r]`: an array of one value per execution, at this one.
            func atExecution(_ name: String, _ l: StanSourceLocation) -> Expression {
                .index(.variable(name, l), [.single(.variable(r, l))], l)
            }
            // `e`, computed by the host at each execution.
            func hoist(_ e: Expression, integer isInteger: Bool) -> Expression {
                hoisted.append(bindingLoopConstants(e))
                integer.append(isInteger)
                let name = Lowering.hoistedName(parse.id, statement, hoisted.count - 1)
                madeNames[name] = e.canonical
                return atExecution(name, e.location)
            }
            func perExecution(_ e: Expression) -> Expression? {
                // A condition on data and the indices (`t < s ? e : l`): an integer per execution.
                if case .conditional(let c, let a, let b, let l) = e, !c.variables.isDisjoint(with: loopSet), hostScalar(c, loopSet) != nil {
                    return .conditional(.binary("!=", hoist(c, integer: true), .integer(0, l), l), a.rewritten(perExecution), b.rewritten(perExecution), l)
                }
                if case .index(.variable(let n, _), let idx, _) = e, !parse.targets.contains(n), let sym = scope.lookup(n) {
                    for (axis, i) in idx.enumerated() where axis < sym.type.rank {
                        guard case .single(let k) = i, !k.variables.isDisjoint(with: loopSet), hostScalar(k, loopSet) == true,
                              let extent = sym.type.sizes[axis] else { continue }
                        checks.append(FillNest.IndexCheck(variable: n, axis: axis, rank: sym.type.rank, index: bindingLoopConstants(k), extent: extent))
                    }
                }
                if case .index(.variable(let t, _), let idx, let l) = e, parse.targets.contains(t), !parse.hostTargets.contains(t) {
                    // Validated by `readsState`: single indices, the sizes known.
                    let prior = scope.lookup(t)!.value != nil
                    reads.append(FillNest.Read(target: t, indices: idx.map { i -> Expression in
                        guard case .single(let k) = i else { return .integer(0, l) }
                        return bindingLoopConstants(k)
                    }, shape: scope.lookup(t)!.type.sizes.map { $0! }, location: l, prior: prior))
                    madeNames[Lowering.stateName(parse.id)] = t
                    let k = reads.count - 1
                    let read = Expression.index(.variable(Lowering.stateName(parse.id), l), [.single(atExecution(Lowering.readName(parse.id, statement, k), l))], l)
                    guard prior else { return read }
                    // The value before the nest where no execution before wrote the element.
                    let before = atExecution(Lowering.priorName(parse.id, statement, k), l)
                    return .conditional(.binary("==", before, .integer(1, l), l), .index(.variable(t, l), idx.map { $0.rewritten(perExecution) }, l), read, l)
                }
                guard !e.variables.isDisjoint(with: loopSet.union(parse.hostTargets)), let isInteger = hostScalar(e, loopSet) else { return nil }
                return hoist(e, integer: isInteger)
            }
            let graphValue = value.rewritten(perExecution)
            guard graphValue.variables.isDisjoint(with: parse.loopVariables) else { return nil }
            // A write that repeats another's values reads nothing of its own (`fillValue`).
            var write = FillNest.Write(statement: statement, target: name, indices: ks.map(bindingLoopConstants),
                                       hoisted: copies == nil ? hoisted : [], location: l)
            if let c = copies {
                write.copies = c
                write.recurrent = parse.writes[c].write.recurrent
            } else {
                write.reads = reads
                write.recurrent = !reads.isEmpty
                write.checks = checks
            }
            parse.writes.append(FillParse.Planned(write: write, key: "\(name)[\(ks.map(\.canonical).joined(separator: ", "))]", value: value,
                                                  graphValue: graphValue, integer: integer, plateIndex: r, copies: copies,
                                                  source: ks.first ?? .integer(0, l),
                                                  valueLocation: rhs.location, row: row))
            return [.write(write)]
        default:
            return nil
        }
    }

    /// Write w's values, one per execution ([count]), lowered as a vectorised loop over its
    /// executions (or the values of the write it repeats).
    private func fillValue(_ p: FillParse.Planned, id: Int, nest: FillNest, values: [(node: Expr, dataOnly: Bool)?],
                           state: Expr? = nil, invariant: (expression: Expression, parts: [String: Value])? = nil) throws -> (node: Expr, dataOnly: Bool) {
        if let c = p.copies { return values[c]! }
        let v = try inFillPlate(p, id: id, nest: nest, state: state) {
            for (name, part) in invariant?.parts ?? [:] {
                scope.declare(Symbol(name: name, type: part.type, kind: .local, value: part, location: p.write.location))
            }
            return try perRowExpression(invariant?.expression ?? p.graphValue)
        }
        let target = "\(p.write.target)[\(p.write.indices.map(\.canonical).joined(separator: ", "))]"
        if v.summedOverPlate { throw perRowDensityError(target, at: p.valueLocation) }
        let count = fillCount(nest, p.write.statement)
        let targetType = scope.lookup(p.write.target)!.type
        if p.row {
            // A row: a vector of the row's extent per execution, [count, extent].
            let rowType = targetType.removingDimension(0)
            guard !v.columns, v.type.rank == 1 else { throw fail("\(target) takes a \(rowType), got \(v.type)", p.valueLocation) }
            _ = try assignable(Value(type: v.type, node: v.node, dataOnly: v.dataOnly), to: rowType, name: target, at: p.valueLocation)
            return (v.plated ? materialize(v) : fill(1, [count, .fixed(1)]) * materialize(v), v.dataOnly)
        }
        guard v.type.isScalar, !v.columns else { throw fail("\(target) takes a scalar, got \(v.type)", p.valueLocation) }
        let element = StanType(base: targetType.base == .int ? .int : .real, arrayRank: 0, sizes: [])
        _ = try assignable(Value(type: v.type, node: v.node, dataOnly: v.dataOnly), to: element, name: target, at: p.valueLocation)
        return (v.plated ? materialize(v) : materialize(v) * fill(1, [count]), v.dataOnly)
    }

    /// The parts of recurrent write p's value that do not read the state and read more than
    /// data (`phi[i, c]`, `1 - p[i, c]`): lowered once, before the loop over the levels, each
    /// one value per execution, and read inside it by a name made up for it.
    private func fillInvariants(_ p: FillParse.Planned, id: Int, nest: FillNest) throws -> (expression: Expression, parts: [String: Value]) {
        let state = Lowering.stateName(id)
        var parts: [String: Value] = [:]
        let expression = try inFillPlate(p, id: id, nest: nest, state: nil) {
            try p.graphValue.rewritten { e in
                guard !e.variables.contains(state) else { return nil }
                switch e {
                case .integer, .real, .string, .variable: return e
                default: break
                }
                let readsMoreThanData = e.variables.contains { n in
                    switch scope.lookup(n)?.kind {
                    case .data?, .transformedData?, .plateIndex?, .loopConstant?: return false
                    default: return true
                    }
                }
                guard readsMoreThanData else { return e }
                let v = try perRowExpression(e)
                guard v.type.isScalar, !v.columns, !v.summedOverPlate else { return e }
                let name = "__fill\(id)_\(p.write.statement)_i\(parts.count)"
                madeNames[name] = e.canonical
                parts[name] = v
                return .variable(name, e.location)
            }
        }
        return (expression, parts)
    }

    /// `body` run with write p's executions as a vectorised loop's rows: its hoisted arrays, and
    /// inside the loop over a recurrent nest's levels the state and the reads' positions in it.
    private func inFillPlate<T>(_ p: FillParse.Planned, id: Int, nest: FillNest, state: Expr?, _ body: () throws -> T) throws -> T {
        let s = p.write.statement
        let count = fillCount(nest, s)
        scope.push()
        defer { scope.pop() }
        if let state {
            // The state the reads gather from.
            scope.declare(Symbol(name: Lowering.stateName(id), type: StanType(base: .vector, arrayRank: 0, sizes: [nil]), kind: .local,
                                 value: Value(type: StanType(base: .vector, arrayRank: 0, sizes: [nil]), node: state, dataOnly: false),
                                 location: p.write.location))
        }
        // Each read's positions in the state.
        for (k, read) in p.write.reads.enumerated() {
            var names = [registerFill(nest, .readPositions(statement: s, read: k), name: Lowering.readName(id, s, k))]
            if read.prior { names.append(registerFill(nest, .readsPrior(statement: s, read: k), name: Lowering.priorName(id, s, k))) }
            for name in names {
                scope.declare(Symbol(name: name, type: StanType(base: .int, arrayRank: 1, sizes: [count]), kind: .transformedData,
                                     value: nil, location: p.write.location))
            }
        }
        for (k, isInteger) in p.integer.enumerated() {
            let name = registerFill(nest, .values(statement: s, expression: k, integer: isInteger),
                                    name: Lowering.hoistedName(id, s, k))
            scope.declare(Symbol(name: name, type: StanType(base: isInteger ? .int : .real, arrayRank: 1, sizes: [count]),
                                 kind: .transformedData, value: nil, location: p.write.location))
        }
        scope.declare(Symbol(name: p.plateIndex, type: .int, kind: .plateIndex(count), value: nil, location: p.write.location))
        let (savedPlate, savedStreams, savedBody) = (plate, streamsRows, plateBody)
        plate = count
        streamsRows = false
        plateBody = nil
        defer { plate = savedPlate; streamsRows = savedStreams; plateBody = savedBody }
        return try body()
    }

    /// The synthetic array of a fill loop's write `statement`'s hoisted scalar `k`.
    private static func hoistedName(_ id: Int, _ statement: Int, _ k: Int) -> String { "__fill\(id)_\(statement)_\(k)" }

    /// The positions in the state of write `statement`'s read `k` (`FillNest.Output.readPositions`).
    private static func readName(_ id: Int, _ statement: Int, _ k: Int) -> String { "__fill\(id)_\(statement)_r\(k)" }

    /// Whether write `statement`'s read `k` sees the value before the nest (`FillNest.Output.readsPrior`).
    private static func priorName(_ id: Int, _ statement: Int, _ k: Int) -> String { "__fill\(id)_\(statement)_b\(k)" }

    /// A recurrent nest's state inside the loop over its levels.
    private static func stateName(_ id: Int) -> String { "__fill\(id)_state" }

    /// How many times write `statement` runs, a size.
    private func fillCount(_ nest: FillNest, _ statement: Int) -> Dim {
        .symbol(registerFill(nest, .count(statement: statement), name: "__fill\(nest.id)_\(statement)_n"))
    }

    /// A nested loop's bound, the nest's locals in place and `rows(x)` of a parameter's x its
    /// extent (`resolvingSizes`, where x reads no loop index).
    private func fillBound(_ e: Expression, _ parse: FillParse) throws -> Expression {
        let e = FunctionBody.substitute(e, parse.locals)
        if e.variables.isDisjoint(with: parse.loopVariables) { return try resolvingSizes(e) }
        if case .binary(let op, let a, let b, let l) = e { return .binary(op, try fillBound(a, parse), try fillBound(b, parse), l) }
        return e
    }

    /// The synthetic array `output` of the nest, registered under `name`.
    private func registerFill(_ nest: FillNest, _ output: FillNest.Output, name: String) -> String {
        if syntheticKeys[name] == nil {
            syntheticKeys[name] = name
            synthetic.append(.filledElements(name: name, nest: nest, output: output))
        }
        return name
    }

    private func fillData(_ nest: FillNest, _ output: FillNest.Output, name: String, _ dims: [Dim], integer: Bool) -> Expr {
        builder.data(registerFill(nest, output, name: name), dims, integer: integer)
    }

    /// For a scalar the host can compute from the data and the loop indices `loops`, whether it
    /// is an integer (Stan's rules, `isIntegerValued`); nil for anything else (a parameter, a
    /// container, a function that is not elementwise or that the host lacks).
    private func hostScalar(_ e: Expression, _ loops: Set<String>) -> Bool? {
        guard isHostScalar(e, loops), Lowering.hostEvaluable(e) else { return nil }
        return isIntegerValued(Lowering.withIndices(e, loops, at: e.location))
    }

    private func isHostScalar(_ e: Expression, _ loops: Set<String>) -> Bool {
        switch e {
        case .integer, .real: return true
        case .variable(let n, let l):
            if loops.contains(n) { return true }
            switch scope.lookup(n)?.kind {
            case .data?, .transformedData?, .loopConstant?: return scope.lookup(n)!.type.isScalar
            default: return hostAlias(n, l) != nil
            }
        case .index(.variable(let n, _), let idx, _):
            guard let s = scope.lookup(n), idx.count == s.type.rank else { return false }
            switch s.kind {
            case .data, .transformedData: break
            default: guard fillHostTargets.contains(n) else { return false }
            }
            return idx.allSatisfy { if case .single(let k) = $0 { return isHostScalar(k, loops) } else { return false } }
        case .binary(let op, let a, let b, _):
            return ["+", "-", "*", "/", "%", "%/%", "^", "<", "<=", ">", ">=", "==", "!=", "&&", "||"].contains(op)
                && isHostScalar(a, loops) && isHostScalar(b, loops)
        case .unary(_, let a, _): return isHostScalar(a, loops)
        case .conditional(let c, let a, let b, _): return [c, a, b].allSatisfy { isHostScalar($0, loops) }
        case .call(let f, let args, false, _):
            // Functions of scalars whose value is a scalar (not rep_vector's kind).
            let scalarValued = HostInterpreter.unary[f] != nil ? args.count == 1 : ["pow", "fmin", "fmax", "fma", "hypot", "abs", "min", "max", "int_step"].contains(f)
            return scalarValued && args.allSatisfy { isHostScalar($0, loops) }
        default:
            return false
        }
    }

    /// The elements of `available` whose variable `s` assigns nowhere.
    private static func notWritten(by s: Statement, _ available: [String: (value: Expression, body: Int, statement: Int)],
                                   _ parse: FillParse) -> [String: (value: Expression, body: Int, statement: Int)] {
        var written = Set<String>()
        _ = collectTargets(s, into: &written)
        return available.filter { !written.contains(parse.writes[$0.value.statement].write.target) }
    }

    /// The names `s` assigns whole (`k = g[n];`).
    private static func scalarAssignments(_ s: Statement) -> Set<String> {
        switch s {
        case .assignment(let t, let idx, _, _, _): return idx.isEmpty ? [t] : []
        case .forLoop(_, _, _, let b, _): return scalarAssignments(b)
        case .ifElse(_, let a, let b, _): return scalarAssignments(a).union(b.map(scalarAssignments) ?? [])
        case .block(let xs, _): return xs.reduce([]) { $0.union(scalarAssignments($1)) }
        default: return []
        }
    }

    /// Adds the names `s` assigns to `targets`; false when it holds anything a fill loop cannot
    /// (densities, calls, while loops, …).
    static func collectTargets(_ s: Statement, into targets: inout Set<String>) -> Bool {
        switch s {
        case .assignment(let t, _, _, _, _): targets.insert(t); return true
        case .declaration: return true
        case .forLoop(_, _, _, let b, _): return collectTargets(b, into: &targets)
        case .ifElse(_, let a, let b, _): return collectTargets(a, into: &targets) && (b.map { collectTargets($0, into: &targets) } ?? true)
        case .block(let xs, _): return xs.allSatisfy { collectTargets($0, into: &targets) }
        default: return false
        }
    }
}

/// What `Lowering.fillLoop` learns walking a nest.
private struct FillParse {
    /// A write, with its value as written (locals and repeated reads replaced), as the graph
    /// lowers it (loop-dependent scalars read from per-execution arrays), and what repeats it.
    struct Planned {
        var write: FillNest.Write
        var key: String
        var value: Expression
        var graphValue: Expression
        var integer: [Bool]
        var plateIndex: String
        var copies: Int?
        var source: Expression
        var valueLocation: StanSourceLocation
        /// A whole row (`x[i] = v` of a matrix or an array of vectors): its value is a vector
        /// per execution, and the variable is gathered by rows.
        var row = false
    }
    let id: Int
    let targets: Set<String>
    var loopVariables: Set<String> = []
    /// Locals declared in the nest and scalars assigned in it, by the value they hold at the
    /// point the walk has reached.
    var locals: [String: Expression] = [:]
    /// The locals declared in the nest (never assigned again: a fill loop only writes elements).
    var declared: Set<String> = []
    var writes: [Planned] = []
    /// Whether the nest has more than one loop or declares locals.
    var nested = false
    /// Whether it has more than one loop.
    var nestedLoops = false
    /// A variable the nest fills that a write reads at elements other steps write.
    var recurrence: String?
    /// The variables assumed filled on the host (`FillNest.hostTargets`), and those found to have
    /// a write the host cannot compute.
    var hostTargets: Set<String> = []
    var notHost: Set<String> = []
    var bodies = 0

    init(id: Int, targets: Set<String>) {
        self.id = id
        self.targets = targets
    }
}
