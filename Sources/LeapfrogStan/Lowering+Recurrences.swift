import LeapfrogModel

/// Loops whose iterations depend on each other, lowered to the graph's recurrences (see
/// `Recurrence` and `LoopStructure`): a loop over a range other than 1:N (`for (t in 2:T)`,
/// `for (t in (K + 1):T)`), a 1:N loop that reads offsets (`y[t - 1]`), assigns part of an outer
/// variable other than `x[n]` (`gamma[1, k]`) or accumulates into one (`mu += …`), and every
/// loop over a data range inside a recurrence. The body is lowered once, symbolically, for a
/// step t: the graph's size does not depend on the number of steps.
extension Lowering {
    // MARK: Which loops

    /// Whether a loop over 1:N must be a recurrence: its body reads `x[n ± c]`-style offsets,
    /// or assigns an outer variable other than as `x[n] = …`.
    func needsRecurrence(_ v: String, _ body: Statement) -> Bool {
        var declared = Set<String>()
        // The indices of loops inside the body: data to an index computed per row and cell.
        var inner = Set<String>()
        // What the loop assigns: reading one of these at another step makes its steps depend on
        // each other; reading anything else at `v ± k` is a gather (`shiftedPlateIndex`).
        let written = Set(outerAssignments(body).map(\.name))
        func shifted(_ base: Expression, _ i: Expression) -> Bool {
            guard case .variable(let name, _) = base, !written.contains(name), !declared.contains(name),
                  case .binary(let op, let a, let b, _) = i, op == "+" || op == "-" else { return false }
            if case .variable(v, _) = a, foldConstant(b) != nil { return true }
            if op == "+", case .variable(v, _) = b, foldConstant(a) != nil { return true }
            return false
        }
        // `s[(t - 1) % 7 + 1]`: an index computed from the step and data only, of something the
        // loop does not write, is a gather by data computed per row (`perRowData`).
        func perRowGather(_ base: Expression, _ i: Expression) -> Bool {
            guard case .variable(let name, _) = base, !written.contains(name), !declared.contains(name), Lowering.hostEvaluable(i) else {
                return false
            }
            return i.variables.allSatisfy { n in
                if n == v || inner.contains(n) { return true }
                switch scope.lookup(n)?.kind {
                case .data?, .transformedData?, .loopConstant?: return true
                default: return false
                }
            }
        }
        func offset(_ e: Expression) -> Bool {
            switch e {
            case .integer, .real, .string, .variable: return false
            case .binary(_, let a, let b, _): return offset(a) || offset(b)
            case .unary(_, let a, _), .transpose(let a, _): return offset(a)
            case .call(_, let args, _, _), .array(let args, _), .rowVector(let args, _): return args.contains(where: offset)
            case .conditional(let c, let a, let b, _): return offset(c) || offset(a) || offset(b)
            case .index(let a, let idx, _):
                if offset(a) { return true }
                for case .single(let i) in idx {
                    if case .variable = i { continue }
                    if case .index = i { if offset(i) { return true }; continue }
                    if shifted(a, i) { continue }
                    if perRowGather(a, i) { continue }
                    if i.variables.contains(v) { return true }
                }
                return false
            }
        }
        func walk(_ s: Statement) -> Bool {
            switch s {
            case .declaration(let d):
                declared.insert(d.name)
                return d.initializer.map(offset) ?? false
            case .assignment(let name, let indices, _, let rhs, _):
                if offset(rhs) { return true }
                if declared.contains(name) { return false }
                if indices.count == 1, case .single(.variable(let n, _)) = indices[0], n == v { return false }
                // `K[n, n] = …`: the diagonal, each step its own element (`diagonalIndex`).
                if indices.count == 2, case .single(.variable(let a, _)) = indices[0], case .single(.variable(let b, _)) = indices[1],
                   a == v, b == v { return false }
                // `m[:, j] = …`: a column per step (`m[:, j]` in a vectorised loop).
                if indices.count == 2, Lowering.isWhole(indices[0]), case .single(.variable(let b, _)) = indices[1], b == v { return false }
                // `y[g[n]] = …` not reading y: a row given by data per step (`assignScatteredRows`).
                if indices.count == 1, case .single(.index(.variable, let gi, _)) = indices[0], gi.count == 1,
                   case .single(.variable(let n, _)) = gi[0], n == v, Lowering.mentions(name, in: body) == 1 { return false }
                return true
            case .tilde(let y, _, let args, _): return offset(y) || args.contains(where: offset)
            case .targetIncrement(let e, _): return offset(e)
            case .forLoop(let u, _, _, let b, _):
                inner.insert(u)
                return walk(b)
            case .whileLoop(_, let b, _): return walk(b)
            case .ifElse(_, let a, let b, _): return walk(a) || (b.map(walk) ?? false)
            case .block(let body, _): return body.contains(where: walk)
            default: return false
            }
        }
        return walk(body)
    }

    /// k when every element assignment in `body` to a variable declared outside it writes row
    /// `v + k`, the same k ≠ 0 (a recurrence written forwards: `x[t + 1] = x[t] + …`); nil otherwise.
    func forwardShift(_ v: String, _ body: Statement) -> Int? {
        let shifts = outerAssignments(body).filter { !$0.indices.isEmpty }.map { a -> Int? in
            guard case .single(let e) = a.indices[0] else { return nil }
            return Lowering.shift(of: e, from: v)
        }
        guard let k = shifts.first ?? nil, k != 0, shifts.allSatisfy({ $0 == k }) else { return nil }
        return k
    }

    /// `v`, `v + c`, `c + v`, `v - c` with c an integer literal: 0, c, c, −c; nil otherwise.
    static func shift(of e: Expression, from v: String) -> Int? {
        switch e {
        case .variable(v, _): return 0
        case .binary("+", .variable(v, _), .integer(let c, _), _), .binary("+", .integer(let c, _), .variable(v, _), _): return c
        case .binary("-", .variable(v, _), .integer(let c, _), _): return -c
        default: return nil
        }
    }

    /// `body` with `v` standing for v − k: each `v ± c` becomes `v ± (c − k)` (so `x[t + 1]` is
    /// `x[t]` after a shift of 1), written in the forms the recurrence recognises.
    static func shifting(_ body: Statement, _ v: String, by k: Int) -> Statement {
        body.rewritten({ e in
            guard let c = shift(of: e, from: v) else { return nil }
            let d = c - k, l = e.location
            return d == 0 ? .variable(v, l) : .binary(d > 0 ? "+" : "-", .variable(v, l), .integer(abs(d), l), l)
        }, target: { t, idx, _ in (t, idx) })
    }

    /// `body` of `for (v in lo:hi)` as the body of `for (v in 1:(hi - lo + 1))`: v replaced by
    /// v + lo − 1 where it indexes, each such index simplified to v or v ± a constant (`bsize_mis[i
    /// - C]` in `for (i in (C + 1):M)` is `bsize_mis[v]`); nil where v is read otherwise or an
    /// index does not simplify so (`y[i]`: a row the loop reads at a data offset, which stays a
    /// recurrence's `at`).
    static func shifting(_ body: Statement, _ v: String, start lo: Expression) -> Statement? {
        var simple = true
        let shifted = body.rewritten({ e in
            switch e {
            case .variable(v, _):
                simple = false   // read other than as an index
                return nil
            case .index(let base, let idx, let l):
                guard !base.variables.contains(v) else { simple = false; return nil }
                let args = idx.map { i -> IndexArgument in
                    guard i.variables.contains(v) else { return i }
                    guard case .single(let k) = i, let form = LinearForm(FunctionBody.substitute(k, [v: .binary("-", .binary("+", .variable(v, l), lo, l), .integer(1, l), l)])),
                          form.terms == [v: 1] else {
                        simple = false
                        return i
                    }
                    let c = form.constant
                    return .single(c == 0 ? .variable(v, l) : .binary(c > 0 ? "+" : "-", .variable(v, l), .integer(abs(c), l), l))
                }
                return .index(base, args, l)
            default:
                return nil
            }
        }, target: { t, idx, _ in (t, idx) })
        return simple ? shifted : nil
    }

    /// The assignments in `body` to variables declared outside it, as written.
    func outerAssignments(_ body: Statement) -> [(name: String, indices: [IndexArgument])] {
        var declared = Set<String>()
        var out: [(String, [IndexArgument])] = []
        func walk(_ s: Statement) {
            switch s {
            case .declaration(let d): declared.insert(d.name)
            case .assignment(let name, let indices, _, _, _): if !declared.contains(name) { out.append((name, indices)) }
            case .forLoop(_, _, _, let b, _), .whileLoop(_, let b, _): walk(b)
            case .ifElse(_, let a, let b, _): walk(a); if let b { walk(b) }
            case .block(let body, _): body.forEach(walk)
            default: break
            }
        }
        walk(body)
        return out
    }

    // MARK: Names inside a recurrence

    /// The innermost recurrence whose step variable is `name`.
    func recurrence(stepping name: String) -> Recurrence? { recurrences.last { $0.variable == name } }

    /// `x[t, …]` inside recurrences that carry x by rows (or a constant row `x[c]` of it): the
    /// symbol of the row being built and the remaining indices.
    func resolveTarget(_ name: String, _ indices: [IndexArgument], at l: StanSourceLocation) throws -> (String, [IndexArgument]) {
        var (name, indices) = (name, indices)
        while let first = indices.first, case .single(let e) = first {
            if let r = recurrences.last(where: { $0.constantRows[name] != nil }), let c = foldConstant(e), Int(c) == r.constantRows[name]!.row {
                name = r.constantRows[name]!.symbol
            } else if let r = recurrences.last(where: { $0.rows[name] != nil }) {
                guard case .variable(let n, _) = e, n == r.variable else {
                    throw fail("inside the loop over \(r.variable), '\(name)' can only be assigned as \(name)[\(r.variable)] (a recurrence builds one row per step)", l)
                }
                name = r.rows[name]!.current
            } else {
                break
            }
            indices.removeFirst()
        }
        return (name, indices)
    }

    /// Reads of a variable a recurrence carries by rows: `x[t]` (the row being built) and
    /// `x[t - 1]` (the carry); nil for other variables.
    func recurrentRead(_ name: String, _ indices: [IndexArgument], at l: StanSourceLocation) throws -> Value? {
        var (current, rest) = (name, indices[...])
        var changed = false
        while let first = rest.first, case .single(let e) = first {
            if let r = recurrences.last(where: { $0.constantRows[current] != nil }), let c = foldConstant(e), Int(c) == r.constantRows[current]!.row {
                current = r.constantRows[current]!.symbol
            } else if let r = recurrences.last(where: { $0.rows[current] != nil }) {
                if case .variable(let n, _) = e, n == r.variable {
                    current = r.rows[current]!.current
                } else if let a = try stepAffine(e), a.loops.count == 1, a.loops[0].loop.id == r.loop.id, a.loops[0].coefficient == 1,
                          a.offset < 0, a.offset == -1 || -a.offset - 2 < r.older[current]?.count ?? 0 {
                    if let first = r.firstStep, first + a.offset < 1 {
                        throw fail("\(current)[\(Lowering.indexText(e))] reads row \(first + a.offset) of '\(current)' at the loop's first step "
                                   + "(\(r.variable) = \(first)): Stan's indices start at 1", e.location)
                    }
                    let type = scope.lookup(current)!.type.removingDimension(0)
                    let carry = a.offset == -1 ? r.rows[current]!.carry : r.older[current]![-a.offset - 2]
                    let previous = Value(type: type, node: carry, dataOnly: false)
                    rest.removeFirst()
                    return rest.isEmpty ? previous : try index(previous, Array(rest), at: l)
                } else {
                    throw fail("inside the loop over \(r.variable), '\(current)' can only be read as \(current)[\(r.variable)] or \(current)[\(r.variable) - k] "
                               + "with k a constant (the rows it has built: the recurrence carries them), not as \(current)[\(Lowering.indexText(e))]", e.location)
                }
            } else {
                break
            }
            rest.removeFirst()
            changed = true
        }
        guard changed else {
            if let r = recurrences.last(where: { $0.rows[name] != nil }) {
                throw fail("inside the loop over \(r.variable), '\(name)' can only be read as \(name)[\(r.variable)] or \(name)[\(r.variable) - 1]", l)
            }
            return nil
        }
        guard let v = scope.lookup(current)?.value else { throw fail("'\(current)' is used before it is assigned", l) }
        return rest.isEmpty ? v : try index(v, Array(rest), at: l)
    }

    /// An index that depends on recurrences' step variables, as Σ cⱼ·tⱼ + offset (the offset a
    /// constant); nil when it depends on none.
    func stepAffine(_ e: Expression) throws -> (loops: [(loop: Expr, coefficient: Int)], offset: Int)? {
        guard e.variables.contains(where: { recurrence(stepping: $0) != nil && scope.lookup($0).map { if case .stepIndex = $0.kind { return true } else { return false } } == true }) else { return nil }
        var coefficients: [(String, Int)] = []
        func go(_ e: Expression, _ sign: Int) throws -> Int {
            switch e {
            case .variable(let n, _) where recurrence(stepping: n) != nil:
                coefficients.append((n, sign))
                return 0
            case .binary("+", let a, let b, _): return try go(a, sign) + go(b, sign)
            case .binary("-", let a, let b, _): return try go(a, sign) + go(b, -sign)
            case .unary("-", let a, _): return try go(a, -sign)
            case .unary("+", let a, _): return try go(a, sign)
            default:
                guard let c = foldConstant(e), c == c.rounded() else {
                    throw fail("an index inside a recurrence must be its loop variables plus or minus a constant (t - 1, t - k), got '\(e.canonical)'", e.location)
                }
                return sign * Int(c)
            }
        }
        let offset = try go(e, 1)
        var loops: [(loop: Expr, coefficient: Int)] = []
        for name in Set(coefficients.map(\.0)).sorted() {
            let c = coefficients.filter { $0.0 == name }.map(\.1).reduce(0, +)
            if c != 0 { loops.append((recurrence(stepping: name)!.loop, c)) }
        }
        return (loops, offset)
    }

    /// Row `e` (a step-dependent index) of `v` along its first axis: the graph's `at`, named for
    /// the bind-time range check's message.
    func stepRow(_ v: Value, _ e: Expression, name: String?, at l: StanSourceLocation) throws -> Value? {
        guard let a = try stepAffine(e) else { return nil }
        guard v.type.rank >= 1 else { throw fail("cannot index a value of type \(v.type)", l) }
        let label = "\(name ?? "the value")[\(Lowering.indexText(e))] (line \(e.location.line))"
        let node = builder.at(materialize(v), a.loops, offset: a.offset, name: label)
        return Value(type: v.type.removingDimension(0), node: node, dataOnly: v.dataOnly)
    }

    // MARK: Lowering the loop

    func recurrenceLoop(_ v: String, _ lo: Expression, _ hi: Expression, _ body: Statement, _ l: StanSourceLocation) throws {
        if let solver = odeSolverName {
            throw fail("a loop whose steps depend on each other (or over a range not starting at 1) inside the right-hand side of \(solver) is not supported; write it with vector operations", l)
        }
        if let k = forwardShift(v, body) {
            // `for (t in 1:(T - 1)) x[t + 1] = x[t] + …` is `for (t in 2:T) x[t] = x[t - 1] + …`.
            let moved = { (e: Expression) in Expression.binary("+", e, .integer(k, l), l) }
            return try recurrenceLoop(v, moved(lo), moved(hi), Lowering.shifting(body, v, by: k), l)
        }
        let from = try rangeBound(lo), to = try rangeBound(hi)
        // What the body assigns, as seen through the enclosing recurrences.
        var forms: [String: [[IndexArgument]]] = [:]
        var order: [String] = []
        for (name, indices) in outerAssignments(body) {
            let (target, rest) = try resolveTarget(name, indices, at: l)
            if forms[target] == nil { order.append(target) }
            forms[target, default: []].append(rest)
        }
        func isStep(_ i: IndexArgument) -> Bool { if case .single(.variable(let n, _)) = i { return n == v }; return false }
        var rowVariables: [String] = [], wholeVariables: [String] = []
        var constantRows: [String: Int] = [:]
        for name in order {
            let all = forms[name]!
            if all.allSatisfy({ $0.first.map(isStep) == true }) {
                rowVariables.append(name)
            } else if all.allSatisfy({ $0.count >= 2 && isStep($0[1]) }), case .single(let e) = all[0][0], let c = foldConstant(e),
                      all.allSatisfy({ if case .single(let f) = $0[0] { return foldConstant(f) == c }; return false }) {
                constantRows[name] = Int(c)
            } else {
                wholeVariables.append(name)
            }
        }
        // A constant row assigned element by element (gamma[1, k] = …) is its own variable.
        scope.push()
        defer { scope.pop() }
        var rowsOfConstant: [String: (row: Int, symbol: String)] = [:]
        for (name, c) in constantRows {
            guard let sym = scope.lookup(name), sym.type.rank >= 2 else { throw fail("cannot assign \(name)[\(c), \(v)]: '\(name)' needs two dimensions", l) }
            let symbol = "\(name)[\(c)]"
            let value = try sym.value.map { try index($0, [.single(.integer(c, l))], at: l) }
            scope.declare(Symbol(name: symbol, type: sym.type.removingDimension(0), kind: .local, value: value, location: l))
            rowsOfConstant[name] = (c, symbol)
            rowVariables.append(symbol)
        }
        // Initial states, before the loop's region.
        var rowInits: [String: (Expr, Value?)] = [:]
        for name in rowVariables {
            guard let sym = scope.lookup(name) else { throw fail("unknown identifier '\(name)'", l) }
            let rowType = sym.type.removingDimension(0)
            let prior = sym.value
            var initial = try zeros(rowType, name, l)
            if let prior, foldConstant(lo).map({ $0 > 1 }) ?? true {
                initial = materialize(try index(prior, [.single(.binary("-", lo, .integer(1, l), l))], at: l))
            }
            rowInits[name] = (initial, prior)
        }
        // Older rows read in the body (`x[t - 2]`): carried too, from the prior's rows before the loop.
        var olderInits: [String: [Expr]] = [:]
        for name in rowVariables {
            let lag = Lowering.largestLag(of: name, v, in: body)
            guard lag >= 2 else { continue }
            let prior = rowInits[name]!.1
            let rowType = scope.lookup(name)!.type.removingDimension(0)
            olderInits[name] = try (2...lag).map { j in
                guard let prior, foldConstant(lo).map({ $0 > Double(j) }) ?? true else { return try zeros(rowType, name, l) }
                return materialize(try index(prior, [.single(.binary("-", lo, .integer(j, l), l))], at: l))
            }
        }
        var wholeInits: [String: Expr] = [:]
        for name in wholeVariables {
            guard let sym = scope.lookup(name) else { throw fail("unknown identifier '\(name)'", l) }
            wholeInits[name] = try sym.value.map(materialize) ?? zeros(sym.type, name, l)
        }
        var record: Recurrence!
        let loop = try builder.loop(from: from, to: to, name: v) { t in
            let r = Recurrence(variable: v, loop: t, location: l)
            r.firstStep = foldConstant(lo).map { Int($0) }
            record = r
            r.constantRows = rowsOfConstant
            scope.push()
            defer { scope.pop() }
            scope.declare(Symbol(name: v, type: .int, kind: .stepIndex, value: nil, location: l))
            for name in rowVariables {
                let sym = scope.lookup(name)!
                let (initial, prior) = rowInits[name]!
                let carry = builder.carry(t, initial: initial)
                let rowType = sym.type.removingDimension(0)
                let current = r.rowName(name)
                let start = prior.map { Value(type: rowType, node: builder.at(materialize($0), [(t, 1)], name: "\(name)[\(v)] (line \(l.line))"), dataOnly: false) }
                scope.declare(Symbol(name: current, type: rowType, kind: .local, value: try start ?? Value(type: rowType, node: zeros(rowType, name, l), dataOnly: true), location: l))
                r.rows[name] = (carry, current, prior)
                if let inits = olderInits[name] { r.older[name] = inits.map { builder.carry(t, initial: $0) } }
            }
            for name in wholeVariables {
                let sym = scope.lookup(name)!
                let carry = builder.carry(t, initial: wholeInits[name]!)
                r.whole[name] = carry
                scope.setValue(name, Value(type: sym.type, node: carry, dataOnly: false))
            }
            recurrences.append(r)
            defer { recurrences.removeLast() }
            try statement(body)
            // The next step's state.
            for name in rowVariables {
                let value = materialize(scope.lookup(r.rows[name]!.current)!.value!)
                let node = builder.graph.nodes[value.id].op.isLeaf || value.id > t.id ? value : value * 1.0
                // Each older row takes the next younger's value at this step (a copy made inside
                // the step, so that no update reads another's new value).
                let younger = [r.rows[name]!.carry] + (r.older[name] ?? [])
                for (j, carry) in (r.older[name] ?? []).enumerated() { builder.update(carry, to: younger[j] * 1.0) }
                builder.update(r.rows[name]!.carry, to: node)
                r.finals[name] = node
            }
            for name in wholeVariables {
                builder.update(r.whole[name]!, to: materialize(scope.lookup(name)!.value!))
            }
            if let carry = r.targetCarry { builder.update(carry, to: r.target!) }
        }
        // After the loop: rows stacked into their prior, whole variables' final states, the terms.
        for name in rowVariables {
            let sym = scope.lookup(name)!
            let prior = try record.rows[name]!.prior.map(materialize) ?? zeros(sym.type, name, l)
            let node = builder.stack(loop, record.finals[name]!, into: prior)
            scope.setValue(name, Value(type: sym.type, node: node, dataOnly: false))
        }
        for name in wholeVariables {
            let sym = scope.lookup(name)!
            scope.setValue(name, Value(type: sym.type, node: builder.last(loop, record.whole[name]!), dataOnly: false))
        }
        for (name, (row, symbol)) in rowsOfConstant {
            let value = scope.lookup(symbol)!.value!
            try assignElement(scope.lookup(name)!, [row], value, at: l, l)
        }
        if let carry = record.targetCarry {
            try addTerm(Value(type: .real, node: builder.last(loop, carry), dataOnly: false), at: l)
        }
    }

    /// Adds a term inside a recurrence's body to its accumulator.
    func accumulate(_ v: Value, in r: Recurrence, at l: StanSourceLocation) throws {
        if v.summedOverPlate || v.plated { throw fail("a vectorised term inside a recurrence is not supported", l) }
        let node = v.type.isScalar ? materialize(v) : materialize(v).sum()
        if r.targetCarry == nil {
            r.targetCarry = builder.carry(r.loop, initial: builder.constant(0))
            r.target = r.targetCarry
        }
        r.target = r.target! + node
    }

    /// An index as written between brackets: `t - 1`, not its canonical `(t - 1)`.
    static func indexText(_ e: Expression) -> String {
        let text = e.canonical
        return text.hasPrefix("(") && text.hasSuffix(")") ? String(text.dropFirst().dropLast()) : text
    }

    /// The largest k ≥ 1 of the reads `name[v - k]` in `body` (0 when there are none).
    static func largestLag(of name: String, _ v: String, in body: Statement) -> Int {
        var lag = 0
        _ = body.rewritten({ e in
            if case .index(.variable(name, _), let idx, _) = e, case .single(let i)? = idx.first, let c = shift(of: i, from: v), c < 0 {
                lag = max(lag, -c)
            }
            return nil
        }, target: { t, idx, _ in (t, idx) })
        return lag
    }

    /// A loop bound as an extent: a constant, or a data expression (a synthetic size).
    func rangeBound(_ e: Expression) throws -> Dim {
        if let c = foldConstant(e) {
            guard c == c.rounded() else { throw fail("a loop bound must be an integer", e.location) }
            return .fixed(Int(c))
        }
        guard try isDataOnly(e) else {
            throw fail("the bounds of a loop whose steps depend on each other must be constants or depend on data only", e.location)
        }
        return try dim(e)
    }

    /// Zeros of `type` (what Stan leaves unassigned is NaN; the graph's convention is 0).
    func zeros(_ type: StanType, _ name: String, _ l: StanSourceLocation) throws -> Expr {
        let dims = try type.sizes.map { d -> Dim in
            guard let d else { throw fail("the size of '\(name)' is not known", l) }
            return d
        }
        return fill(0, dims)
    }
}
