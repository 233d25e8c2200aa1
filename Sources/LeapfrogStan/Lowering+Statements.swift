import LeapfrogCore
import LeapfrogModel

extension Lowering {
    /// Runs `body` and names the nodes it made after `location` (inside a library function, its
    /// call), unless a statement inside it claimed them first (`nodeSources`).
    func sourced<T>(_ location: StanSourceLocation, _ body: () throws -> T) rethrows -> T {
        let first = builder.graph.nodes.count
        let location = libraryCall?.call ?? location
        defer {
            for i in first..<builder.graph.nodes.count where nodeSources[i] == nil {
                nodeSources[i] = "\(diagnostics.path):\(location)"
            }
        }
        return try body()
    }

    func statement(_ s: Statement) throws {
        try sourced(s.location) { try lowered(s) }
    }

    private func lowered(_ s: Statement) throws {
        if let loop = rowTermLoop(s) {
            // A vectorised density over rows, as the loop it equals (`Lowering+RowTerms`); where
            // that form cannot be lowered (before it added its term), the statement whole.
            let terms = builder.graph.terms.count
            do {
                try statement(loop)
                rowTermNodes.formUnion(builder.graph.terms[terms...].map(\.node))
                return
            } catch where builder.graph.terms.count == terms {}
        }
        switch s {
        case .declaration(let d):
            try localDeclaration(d, kind: .local)
        case .assignment(let name, let indices, let op, let rhs, let l):
            try assignment(name, indices, op, rhs, l)
        case .tilde(let outcome, let dist, let args, let l):
            guard block == .model else { throw fail("sampling statements (~) are only allowed in the model block", l) }
            if let f = userFunction(dist, tilde: true) {
                try addTerm(try call(f.name, [outcome] + args, conditional: true, at: l), at: l, repeated: repeatedAlongInner(s))
                return
            }
            let y = try expression(outcome)
            let lp = try density(dist, outcome: y, args: try args.map { try expression($0) }, expressions: [outcome] + args, at: l,
                                 outcomeLocation: outcome.location)
            try addTerm(lp, at: l, repeated: repeatedAlongInner(s))
        case .targetIncrement(let e, let l):
            guard block == .model else { throw fail("target += is only allowed in the model block", l) }
            let saved = standaloneTerms
            standaloneTerms = Set(Lowering.summands(e).map { "\($0.location)" })
            defer { standaloneTerms = saved }
            try addTerm(try expression(e), at: e.location, repeated: repeatedAlongInner(s))
        case .forLoop(let v, let lo, let hi, let body, let l):
            try forLoop(v, lo, hi, body, l)
        case .whileLoop(_, _, let l):
            throw fail("while loops run only where the host runs the block (transformed data, generated quantities, the functions "
                       + "they call); in the \(block.rawValue) block use a for loop over an integer range", l)
        case .loopJump(let jump, let l):
            throw fail("\(jump.rawValue) runs only where the host runs the block (transformed data, generated quantities, the "
                       + "functions they call); in the \(block.rawValue) block a loop runs over all of its range", l)
        case .ifElse(let c, let then, let otherwise, let l):
            try ifElse(c, then, otherwise, l)
        case .block(let body, _):
            scope.push()
            defer { scope.pop() }
            for s in Lowering.privatized(countedLoops(body)) { try statement(s) }
        case .print:
            break  // printing happens nowhere: the graph is evaluated on devices, many chains at once
        case .returnStatement(_, let l):
            throw fail("return is only allowed in the body of a function", l)
        case .call(let e, let l):
            guard case .call(let name, let args, _, let cl) = e, let f = userFunction(name) else {
                throw fail("only a user-defined void or _lp function can be called as a statement", l)
            }
            _ = try inlineCall(f, args, at: cl)
        case .reject(_, let l):
            // A rejected proposal: the log density is −∞ wherever the enclosing data conditions
            // hold (log of the 0/1 indicator), so the sampler refuses the point instead of crashing.
            guard block == .model || block == .transformedParameters else {
                throw fail("reject is not supported in the \(block.rawValue) block; check the condition in transformed data instead", l)
            }
            if plate != nil { throw fail("reject inside a vectorised loop is not supported; check the condition in transformed data instead", l) }
            let fired = indicator ?? builder.constant(1)
            try addTarget((1.0 - fired).log(), at: l)
        }
    }

    /// How many times `name` is read or assigned in `s`.
    static func mentions(_ name: String, in s: Statement) -> Int {
        var count = 0
        _ = s.rewritten({ x in
            if case .variable(name, _) = x { count += 1 }
            return nil
        }, target: { t, idx, _ in
            if t == name { count += 1 }
            return (t, idx)
        })
        return count
    }

    /// Whether `s` indexes a dimension after the first by `v`, the first not by it (`y[:, k]`,
    /// `theta[j, k]`).
    static func indexesLaterDimension(_ v: String, in s: Statement) -> Bool {
        var found = false
        _ = s.rewritten({ x in
            if case .index(_, let idx, _) = x, let first = idx.first, !first.variables.contains(v),
               idx.dropFirst().contains(where: { $0.variables.contains(v) }) { found = true }
            return nil
        }, target: { t, idx, _ in
            if let first = idx.first, !first.variables.contains(v), idx.dropFirst().contains(where: { $0.variables.contains(v) }) { found = true }
            return (t, idx)
        })
        return found
    }

    /// Whether `s` indexes by an expression of `v` other than `v` itself (`lambda[seen[i, t]]`,
    /// `y[d, t + 1]`): what a loop nested in a vectorised loop cannot take as columns.
    static func indexesByExpressionOf(_ v: String, in s: Statement) -> Bool {
        var found = false
        func check(_ idx: [IndexArgument]) {
            for case .single(let k) in idx where k.variables.contains(v) {
                if case .variable = k { continue }
                found = true
            }
        }
        _ = s.rewritten({ x in
            if case .index(_, let idx, _) = x { check(idx) }
            return nil
        }, target: { t, idx, _ in
            check(idx)
            return (t, idx)
        })
        return found
    }

    /// Whether `s` assigns a row through data indexed by the loop index (`y[g[n]] = …`).
    static func scatters(_ s: Statement, index n: String) -> Bool {
        var found = false
        _ = s.rewritten({ _ in nil }, target: { t, idx, _ in
            if idx.count == 1, case .single(.index(.variable, let gi, _)) = idx[0], gi.count == 1, case .single(.variable(n, _)) = gi[0] {
                found = true
            }
            return (t, idx)
        })
        return found
    }

    /// The terms of a sum, a term times or over a number being that term (`a - 1 * f(…) + g(…)`
    /// gives a, f(…), g(…)).
    static func summands(_ e: Expression) -> [Expression] {
        func isNumber(_ x: Expression) -> Bool {
            switch x {
            case .integer, .real: return true
            default: return false
            }
        }
        switch e {
        case .binary("+", let a, let b, _), .binary("-", let a, let b, _): return summands(a) + summands(b)
        case .binary("*", let a, let b, _) where isNumber(a): return summands(b)
        case .binary("*", let a, let b, _) where isNumber(b), .binary("/", let a, let b, _) where isNumber(b): return summands(a)
        case .unary("-", let a, _), .unary("+", let a, _): return summands(a)
        default: return [e]
        }
    }

    func localDeclaration(_ d: Declaration, kind: Symbol.Kind) throws {
        try checkFresh(d.name, d.location)
        let t = try declaredType(d)
        // In a loop nested in a vectorised one, a local scalar given its value where it is
        // declared (`real p = a[j] ^ s[j, t] * b[j] ^ v[j, t];`, posteriordb's dogs) names that
        // value per row and inner index, as the expression written in its place would be.
        let isLocal: Bool = { if case .local = kind { return true } else { return false } }()
        if columnPlate != nil && !(d.initializer != nil && t.isScalar && isLocal) {
            throw fail("inside a loop nested in a vectorised loop, only ~, target +=, local scalars declared with their value "
                       + "(real p = …;), x[k] = … (filling a vector declared in the outer loop) and x[n] += … are supported", d.location)
        }
        if case .local = kind, d.bounds.lower != nil || d.bounds.upper != nil {
            throw fail("local variables cannot have bounds", d.typeLocation)
        }
        var value: Value?
        if let e = d.initializer {
            value = try assignable(try perRowExpression(e), to: t, name: d.name, at: e.location)
        }
        scope.declare(Symbol(name: d.name, type: t, kind: kind, value: value, location: d.location, declaration: d, insidePlate: plate != nil))
    }

    /// Checks that `v` may be stored in a variable of type `t` and returns it with that type.
    func assignable(_ v: Value, to t: StanType, name: String, at l: StanSourceLocation) throws -> Value {
        try rejectFlattened([v], at: l)
        if v.summedOverPlate { throw fail("a log density inside a vectorised loop can only be added to target", l) }
        let ok = v.type.arrayRank == t.arrayRank && (v.type.base == t.base || (v.type.base == .int && t.base == .real))
        guard ok else { throw fail("cannot assign a value of type \(v.type) to '\(name)' of type \(t)", l) }
        if t.base == .int && !v.type.isInteger { throw fail("cannot assign a real value to the integer variable '\(name)'", l) }
        for (a, b) in zip(v.type.sizes, t.sizes) where differ(a, b) {
            throw fail("size mismatch: '\(name)' is \(t) but the value is \(v.type)", l)
        }
        // Sizes the data decide (`vector[N] m = v1;` with v1 a vector[1]): compared when the data
        // are read (a value of one element would otherwise broadcast to all of them).
        if zip(v.type.sizes, t.sizes).contains(where: { a, b in a != nil && b != nil && !same(a, b) }) {
            sizeChecks.append(SizeCheck(subject: "'\(name)'", declared: t, value: v.type, conditions: conditions, location: l))
        }
        var out = v
        out.type = t
        return out
    }

    /// `e` with its log densities one per row inside a vectorised loop (a value stored per row,
    /// not a term of the target).
    func perRowExpression(_ e: Expression) throws -> Value {
        let saved = perRowDensities
        perRowDensities = plate != nil
        defer { perRowDensities = saved }
        return try expression(e)
    }

    func assignment(_ name: String, _ indices: [IndexArgument], _ op: String, _ rhs: Expression, _ l: StanSourceLocation) throws {
        let (name, indices) = try resolveTarget(name, indices, at: l)
        guard let sym = scope.lookup(name) else { throw fail("unknown identifier '\(name)'", l) }
        switch sym.kind {
        case .local, .transformedParameter, .generated: break
        case .data, .transformedData: throw fail("cannot assign to the data variable '\(name)'", l)
        case .parameter: throw fail("cannot assign to the parameter '\(name)'; declare a transformed parameter instead", l)
        case .loopConstant, .plateIndex, .columnIndex, .stepIndex: throw fail("cannot assign to the loop variable '\(name)'", l)
        }
        if let columns = columnPlate {
            return try columnAssignment(sym, name, indices, op, rhs, columns: columns, at: l)
        }
        if case .transformedParameter = sym.kind, block != .transformedParameters {
            throw fail("cannot assign to the transformed parameter '\(name)' outside its block", l)
        }
        try assign(sym, name, indices, op, try perRowExpression(rhs), at: l, rhs.location)
    }

    /// `name[indices] op= r`, the value of the right side at `rhsLocation` (`assignment`).
    func assign(_ sym: Symbol, _ name: String, _ indices: [IndexArgument], _ op: String, _ r: Value,
                at l: StanSourceLocation, _ rhsLocation: StanSourceLocation) throws {
        var (op, r) = (op, r)
        if !op.isEmpty, !indices.isEmpty, plate == nil {
            // `h[1] /= sqrt(1 - phi^2)` outside a vectorised loop: `h[1] = h[1] / …`, the element
            // read before it is written.
            r = try binary(op, try expression(.index(.variable(name, l), indices, l)), r, at: l)
            op = ""
        }
        if indices.isEmpty {
            if plate != nil, !sym.insidePlate {
                throw fail("cannot vectorise the loop: it assigns the whole of '\(name)' on every iteration; assign \(name)[n] instead", l)
            }
            var new = r
            if !op.isEmpty {
                guard let old = sym.value else { throw fail("'\(name)' is used before it is assigned", l) }
                new = try binary(op, old, r, at: l)
            }
            scope.setValue(name, try assignable(new, to: sym.type, name: name, at: rhsLocation))
            return
        }
        if plate == nil, op.isEmpty, let ks = constantIndices(indices) {
            try assignElement(sym, ks, r, at: l, rhsLocation)
            return
        }
        if plate == nil, recurrences.isEmpty, op.isEmpty, try assignPart(sym, indices, r, at: l, rhsLocation) {
            return
        }
        if let plate, sym.insidePlate, sym.type.rank == 1, let ks = constantIndices(indices), ks.count == 1,
           let k = sym.type.sizes[0] {
            // `gamma[3] = …` (or `lps[3] += …`) for a vector declared in the loop (an inner loop over
            // a constant range, unrolled): its element 3 in every row, the rest kept (0 where never
            // assigned).
            let r = op.isEmpty ? r : try binary(op, try element(of: sym, name, indices, at: l), r, at: l)
            if r.summedOverPlate { throw perRowDensityError("\(name)[\(ks[0])]", at: rhsLocation) }
            guard r.type.isScalar, !r.columns else { throw fail("\(name)[\(ks[0])] takes a scalar", rhsLocation) }
            if ks[0] < 1 { throw fail("index \(ks[0]) is out of range: Stan indices start at 1", l) }
            if case .fixed(let n) = k, ks[0] > n { throw fail("index \(ks[0]) is out of range 1…\(n)", l) }
            _ = try assignable(Value(type: r.type, node: r.node, dataOnly: r.dataOnly), to: sym.type.removingDimension(0),
                               name: "\(name)[\(ks[0])]", at: rhsLocation)
            let oneHot = builder.data(syntheticName("onehot", key: "onehot:\([k]):\(ks)") { .oneHot(name: $0, shape: [k], position: ks) }, [k])
            // `select`, not E ⊙ r + (1 − E) ⊙ old: an infinite element would make 0 · ∞ a NaN.
            let rows = perRowVector(r, rows: plate, columns: k)
            let whole = builder.select(oneHot, rows, sym.value.map { perRowVector($0, rows: plate, columns: k) } ?? fill(0, [plate, k]),
                                       inclusive: false)
            scope.setValue(name, Value(type: sym.type, node: whole, plated: true, dataOnly: r.dataOnly && (sym.value?.dataOnly ?? true)))
            return
        }
        if let extent = diagonalIndex(sym.type, indices), !sym.insidePlate {
            // `K[n, n] = K[n, n] + d` (or `+= d`) in `for (n in 1:N)`: the diagonal replaced,
            // K + I ∘ (new − old) with the new diagonal one element per row (a GP's jitter).
            guard var old = sym.value else { throw fail("'\(name)' is used before it is assigned", l) }
            guard r.type.isScalar, !r.columns else { throw fail("\(name)[n, n] takes a scalar per row", rhsLocation) }
            old.type = sym.type
            let oldDiagonal = try index(old, indices, at: l)
            var row = r
            if !op.isEmpty { row = try binary(op, oldDiagonal, row, at: l) }
            let change = materialize(try binary("-", row, oldDiagonal, at: l))
            let node = materialize(old) + pattern(.identity, [extent, extent]) * change
            scope.setValue(name, Value(type: sym.type, node: node, dataOnly: old.dataOnly && r.dataOnly))
            return
        }
        if let plate, !sym.insidePlate, sym.type.base == .matrix, sym.type.arrayRank == 0, indices.count == 2,
           Self.isWhole(indices[0]), case .single(.variable(let iv, _)) = indices[1],
           let isym = scope.lookup(iv), case .plateIndex = isym.kind {
            // `m[:, j] = v` in `for (j in 1:J)` over all of m's columns (posteriordb's Mth:
            // `logit_p[:, j] = mean_lp[j] + eps;`): the rows of the loop are m's columns, so m is
            // the per-row vectors' [J, M] node transposed.
            guard same(sym.type.sizes[1], plate) else {
                throw fail("cannot vectorise the loop: '\(name)' has \(StanType.text(sym.type.sizes[1])) columns but the loop runs over 1:\(plate)", l)
            }
            guard op.isEmpty else { throw fail("\(op)= on a column of '\(name)' in a vectorised loop is not supported; write \(name)[:, \(iv)] = …", l) }
            guard r.plated, r.type.rank == 1, !r.summedOverPlate, !r.columns, same(r.type.sizes[0], sym.type.sizes[0]) else {
                throw fail("\(name)[:, \(iv)] takes a vector of \(StanType.text(sym.type.sizes[0])) that depends on \(iv)", rhsLocation)
            }
            scope.setValue(name, Value(type: sym.type, node: materialize(r).transposed(), dataOnly: r.dataOnly))
            return
        }
        if let plate, !sym.insidePlate, op.isEmpty, indices.count == 1, case .single(.index(.variable(let g, _), let gi, _)) = indices[0],
           gi.count == 1, case .single(.variable(let iv, _)) = gi[0], case .plateIndex? = scope.lookup(iv)?.kind,
           let gsym = scope.lookup(g), gsym.type.isInteger, gsym.type.rank == 1, try isDataOnly(.variable(g, l)) {
            return try assignScatteredRows(sym, index: g, r, plate: plate, at: l, rhsLocation)
        }
        // x[n] = … inside a vectorised loop assigns the whole of x.
        guard let plate, !sym.insidePlate, indices.count == 1, case .single(.variable(let iv, _)) = indices[0],
              let isym = scope.lookup(iv), case .plateIndex = isym.kind else {
            let recurrence = elementRecurrence.map { " (the loop around it reads '\($0)', which its steps fill, other than one element at a time: a recurrence along a variable's elements reads single elements)" } ?? ""
            throw fail("assigning to part of '\(name)' is only supported as \(name)[n] = … in a loop for (n in 1:N) over all of \(name)\(sym.type.base == .matrix ? " (or \(name)[:, j] = … in a loop over all of its columns)" : ""); build the whole value with vector expressions instead\(recurrence)", l)
        }
        guard same(sym.type.sizes.first ?? nil, plate) else {
            throw fail("cannot vectorise the loop: '\(name)' has \(StanType.text(sym.type.sizes.first ?? nil)) elements but the loop runs over 1:\(plate)", l)
        }
        if r.summedOverPlate {
            // A family without a per-row form (`FormulaDensities.elementwise`); in generated quantities the
            // block then runs on the host, which computes each row's.
            throw perRowDensityError("\(name)[\(iv)]", at: rhsLocation)
        }
        let rowType = sym.type.removingDimension(0)
        var row = r
        if !row.plated {
            // The same value in every row: a scalar, or a vector repeated as each row (`r[i] =
            // [mu, beta]';` in one branch of an if on the row).
            if row.type.isScalar, rowType.isScalar {
                row = Value(type: .real, node: materialize(r) * fill(1, [plate]), plated: true, dataOnly: r.dataOnly)
            } else if row.type.rank == 1, rowType.rank == 1, !row.columns {
                row = Value(type: row.type, node: fill(1, [plate, .fixed(1)]) * materialize(r), plated: true, dataOnly: r.dataOnly)
            } else {
                throw fail("cannot vectorise the loop: the value assigned to \(name)[\(iv)] does not depend on \(iv)", rhsLocation)
            }
        }
        if !op.isEmpty {
            guard var old = sym.value else { throw fail("'\(name)' is used before it is assigned", l) }
            old.plated = true
            old.type = rowType
            row = try binary(op, old, row, at: l)
        }
        _ = try assignable(Value(type: row.type, node: row.node, plated: false), to: rowType, name: "\(name)[\(iv)]", at: rhsLocation)
        var whole = row
        whole.plated = false
        whole.type = sym.type
        whole.dataName = nil
        scope.setValue(name, whole)
    }

    /// A log density stored per row of a vectorised loop whose family has no per-row form
    /// (`FormulaDensities.elementwise`: a multivariate one, say).
    func perRowDensityError(_ target: String, at l: StanSourceLocation) -> LeapfrogError {
        fail("cannot assign \(target) a log density of this family per row of a vectorised loop; "
             + "per-row log densities take scalar arguments and one of \(Lowering.perRowFamilies)", l)
    }

    /// `:` or an omitted index (`m[:, j]`, `m[, j]`): the whole of that dimension.
    static func isWhole(_ i: IndexArgument) -> Bool {
        switch i {
        case .all: return true
        case .range(nil, nil, _): return true
        default: return false
        }
    }

    /// The current value of `name[indices]` (a compound assignment's left side).
    func element(of sym: Symbol, _ name: String, _ indices: [IndexArgument], at l: StanSourceLocation) throws -> Value {
        guard var old = sym.value else { throw fail("'\(name)' is used before it is assigned", l) }
        old.type = sym.type
        return try index(old, indices, at: l)
    }

    /// `x[k] = e` inside `for (k in 1:K)` nested in `for (n in 1:N)`, with `x` a vector or array
    /// of K declared in the outer loop (`array[K] real gamma; for (k in 1:K) gamma[k] = …;` then
    /// `log_sum_exp(gamma)`, posteriordb's LDA): x becomes the per-row vector of the values, node
    /// [N, K] (what depends on neither index is repeated along it).
    func columnAssignment(_ sym: Symbol, _ name: String, _ indices: [IndexArgument], _ op: String, _ rhs: Expression,
                          columns: Dim, at l: StanSourceLocation) throws {
        if let plate, !sym.insidePlate, indices.count == 1, case .single(.variable(let iv, _)) = indices[0],
           case .plateIndex? = scope.lookup(iv)?.kind, let increment = Self.increment(of: name, indices, op, rhs) {
            // `lp[s] = lp[s] + f(s, t)` (or `+=`) in `for (t in 1:T)` nested in `for (s in 1:S)`,
            // lp declared outside both (the Stan User's Guide's change-point model): lp[s] plus
            // the sum over t of f, its [S, T] values summed along T by a product with ones.
            let r = try perRowExpression(increment)
            if r.summedOverPlate { throw perRowDensityError("\(name)[\(iv)]", at: increment.location) }
            guard r.type.isScalar else { throw fail("\(name)[\(iv)] takes a scalar", increment.location) }
            let sum = perRowVector(r, rows: plate, columns: columns).matmul(fill(1, [columns]))
            return try assign(sym, name, indices, "+", Value(type: .real, node: sum, plated: true, dataOnly: r.dataOnly),
                              at: l, increment.location)
        }
        if let plate, sym.insidePlate, sym.type.isScalar, indices.isEmpty, let increment = Self.scalarIncrement(of: name, op, rhs),
           columnBody.map({ Self.readsOnlyToIncrement(name, in: $0) }) ?? false {
            // `pos_sum += log_alpha[r]` in `for (r in 1:R)` nested in `for (n in 1:N)`, pos_sum a
            // scalar of the outer loop read nowhere else in the inner one (Raykar et al.'s
            // marginal likelihood): its value plus the inner loop's sum, [N, R] summed along R.
            let r = try perRowExpression(increment)
            if r.summedOverPlate { throw perRowDensityError(name, at: increment.location) }
            guard r.type.isScalar else { throw fail("\(name) takes a scalar", increment.location) }
            let sum = perRowVector(r, rows: plate, columns: columns).matmul(fill(1, [columns]))
            guard let old = sym.value else { throw fail("'\(name)' is used before it is assigned", l) }
            let new = try binary("+", old, Value(type: .real, node: sum, plated: true, dataOnly: r.dataOnly), at: l)
            scope.setValue(name, try assignable(new, to: sym.type, name: name, at: rhs.location))
            return
        }
        guard let plate, sym.insidePlate, indices.count == 1, case .single(.variable(let iv, _)) = indices[0],
              let isym = scope.lookup(iv), case .columnIndex = isym.kind, sym.type.rank == 1, same(sym.type.sizes[0], columns) else {
            throw fail("inside a loop nested in a vectorised loop, only ~, target +=, local scalars declared with their value "
                       + "(real p = …;), \(name)[k] = … (filling a vector declared in the outer loop, one element per k) "
                       + "and \(name)[n] += … (adding to an element of a vector declared outside both loops, n the outer index) are supported", l)
        }
        var r = try perRowExpression(rhs)
        // `lps[k] += normal_lpdf(y[n] | mu[k], sigma[k])`: the element's value so far, then the operation.
        if !op.isEmpty { r = try binary(op, try element(of: sym, name, indices, at: l), r, at: l) }
        if r.summedOverPlate { throw perRowDensityError("\(name)[\(iv)]", at: rhs.location) }
        guard r.type.isScalar else { throw fail("\(name)[\(iv)] takes a scalar", rhs.location) }
        _ = try assignable(Value(type: r.type, node: r.node, dataOnly: r.dataOnly), to: sym.type.removingDimension(0),
                           name: "\(name)[\(iv)]", at: rhs.location)
        scope.setValue(name, Value(type: sym.type, node: perRowVector(r, rows: plate, columns: columns), plated: true, dataOnly: r.dataOnly))
    }

    /// What `name op= rhs` adds to a scalar, when it adds to it only: `s += e`, `s -= e` (−e),
    /// `s = s + e` or `s = e + s`, e not reading s.
    static func scalarIncrement(of name: String, _ op: String, _ rhs: Expression) -> Expression? {
        let e: Expression?
        switch (op, rhs) {
        case ("+", _): e = rhs
        case ("-", _): e = .unary("-", rhs, rhs.location)
        case ("", .binary("+", .variable(name, _), let b, _)): e = b
        case ("", .binary("+", let a, .variable(name, _), _)): e = a
        default: e = nil
        }
        return e.flatMap { $0.variables.contains(name) ? nil : $0 }
    }

    /// Whether `body` reads `name` only in assignments that add to it (`scalarIncrement`).
    static func readsOnlyToIncrement(_ name: String, in body: Statement) -> Bool {
        switch body {
        case .assignment(name, let idx, let op, let rhs, _): return idx.isEmpty && scalarIncrement(of: name, op, rhs) != nil
        case .block(let xs, _): return xs.allSatisfy { readsOnlyToIncrement(name, in: $0) }
        case .ifElse(let c, let a, let b, _):
            return !c.variables.contains(name) && readsOnlyToIncrement(name, in: a) && (b.map { readsOnlyToIncrement(name, in: $0) } ?? true)
        default: return !variables(body).contains(name)
        }
    }

    /// `if (c) { a += x; b += y; } else { a += z; }` as `a += c ? x : z; b += c ? y : 0;`: branches
    /// that only add to scalars (each at most once, no value reading what either branch adds
    /// to), so that a condition per row and inner index chooses per cell. nil otherwise.
    static func conditionalIncrements(_ c: Expression, _ then: Statement, _ otherwise: Statement?) -> [Statement]? {
        func increments(_ s: Statement?) -> [(String, Expression)]? {
            guard let s else { return [] }
            var out: [(String, Expression)] = []
            for x in s.steps {
                guard case .assignment(let t, let idx, let op, let rhs, _) = x, idx.isEmpty, op == "+" || op == "-",
                      let e = scalarIncrement(of: t, op, rhs), !out.contains(where: { $0.0 == t }) else { return nil }
                out.append((t, e))
            }
            return out
        }
        guard let a = increments(then), let b = increments(otherwise), !(a.isEmpty && b.isEmpty) else { return nil }
        let targets = (a + b).map(\.0).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        guard (a + b).allSatisfy({ $0.1.variables.isDisjoint(with: targets) }), c.variables.isDisjoint(with: targets) else { return nil }
        let l = c.location
        return targets.map { t in
            let x = a.first { $0.0 == t }?.1 ?? .integer(0, l), y = b.first { $0.0 == t }?.1 ?? .integer(0, l)
            return .assignment(target: t, indices: [], op: "+", value: .conditional(c, x, y, l), l)
        }
    }

    /// What `name[indices] op= rhs` adds to the element, when it adds to it only: `x[s] += e`,
    /// `x[s] = x[s] + e` or `x[s] = e + x[s]`, e not reading x.
    static func increment(of name: String, _ indices: [IndexArgument], _ op: String, _ rhs: Expression) -> Expression? {
        let element = Expression.index(.variable(name, rhs.location), indices, rhs.location).canonical
        var e: Expression?
        switch (op, rhs) {
        case ("+", _): e = rhs
        case ("", .binary("+", let a, let b, _)) where a.canonical == element: e = b
        case ("", .binary("+", let a, let b, _)) where b.canonical == element: e = a
        default: return nil
        }
        return e.flatMap { $0.variables.contains(name) ? nil : $0 }
    }

    /// Inside a loop nested in a vectorised loop, its extent when `s` reads neither its index nor
    /// a value per inner index: the term is then the same at every inner step, and Stan adds it at
    /// each. nil otherwise.
    func repeatedAlongInner(_ s: Statement) -> Dim? {
        guard let columns = columnPlate else { return nil }
        return readsInnerIndex(Lowering.variables(s)) ? nil : columns
    }

    /// Whether `names` include a nested loop's index or a value per inner index.
    func readsInnerIndex(_ names: Set<String>) -> Bool {
        names.contains { n in
            guard let symbol = scope.lookup(n) else { return false }
            if case .columnIndex = symbol.kind { return true }
            return symbol.value?.columns ?? false
        }
    }

    /// Adds the term `v`; `repeated`: the number of inner steps at which it is the same
    /// (`repeatedAlongInner`), its count.
    func addTerm(_ v: Value, at l: StanSourceLocation, repeated: Dim? = nil) throws {
        // Only a loop over a data extent (1:N) marks its terms as a plate over rows: a loop over
        // a constant extent (1:2) gains nothing from streaming rows, and its extent could be
        // mistaken for the rows of any other value with that many.
        if let r = recurrences.last { return try accumulate(v, in: r, at: l) }
        if capturedTerms?.perRow ?? false { return try capturePerRow(v, at: l) }
        // A multivariate normal's rows are vectors, which a device kernel's row loop does not
        // stream: its term is evaluated whole; so is a repeated one (a multiple of the rows' sum).
        let multivariate = v.node.map { densityFamilies[$0.id] == .multiNormalCholesky } ?? false
        let rows: Dim? = { if streamsRows, !multivariate, repeated == nil, case .symbol? = plate { return plate } else { return nil } }()
        let times = { (e: Expr) -> Expr in repeated.map { e * self.rowCount($0) } ?? e }
        if v.summedOverPlate {
            if let parts = v.plateParts {
                for p in parts { try addTarget(times(p.node), plate: p.perRow ? rows : nil, at: l) }
                return
            }
            try addTarget(times(materialize(v)), plate: rows, at: l)
            return
        }
        if let plate {
            // A term that does not depend on the loop index is added once per row; one per inner
            // index only ([K]: `target += c[k]` in a nested loop) is summed, then added per row.
            let whole = v.type.isScalar && !v.columns ? materialize(v) : materialize(v).sum()
            let node = v.plated ? materialize(v).sum() : whole * rowCount(plate)
            try addTarget(times(node), plate: v.plated ? rows : nil, at: l)
            return
        }
        let node = v.type.isScalar ? materialize(v) : materialize(v).sum()
        try addTarget(node, at: l)
    }

    /// The term's node times the enclosing conditions' indicator. The term is also recorded as a
    /// `ConditionalTerm`, so that `StanModel.instantiate` can keep the plain node or drop the term
    /// once the data decide the conditions (the product is only what the graph says before that).
    func scaled(_ e: Expr) -> Expr {
        guard let indicator else { return e }
        let product = indicator * e
        conditionalTerms.append(ConditionalTerm(term: builder.graph.terms.count, node: e.id, conditions: conditions))
        return product
    }

    func forLoop(_ v: String, _ lo: Expression, _ hi: Expression, _ body: Statement, _ l: StanSourceLocation) throws {
        try checkFresh(v, l)
        // `1:rows(c)` with c a parameter: its extent, known from the data.
        let (lo, hi) = (try resolvingSizes(lo), try resolvingSizes(hi))
        let a = foldConstant(lo), b = foldConstant(hi)
        let savedRecurrence = elementRecurrence
        defer { elementRecurrence = savedRecurrence }
        if try fillLoop(v, lo, hi, body, l) { return }
        if plate == nil, recurrences.isEmpty, let a, a > 1, a == a.rounded(), b == nil, Lowering.onlyDensities(body),
           Lowering.readsBackFrom(v, Int(a), in: body), !needsRecurrence(v, body) {
            // `for (t in 2:N) y[t] ~ poisson_log(mu[t - 1])`: terms whose steps do not depend on each
            // other, a vectorised loop over 1:(N − 1) with t standing for t + 1 (reading no row
            // before the first, so no message speaks of the shifted index).
            let k = Int(a) - 1
            // No rows where the range is empty (N < 2): max(0, N − 1), not a negative size.
            let rows = Expression.call("max", [.integer(0, l), .binary("-", hi, .integer(k, l), l)], conditional: false, l)
            return try forLoop(v, .integer(1, l), rows, Lowering.shifting(body, v, by: -k), l)
        }
        if plate == nil, recurrences.isEmpty, a == nil, Lowering.onlyDensities(body), !needsRecurrence(v, body),
           try isDataOnly(lo), try isDataOnly(hi), let shifted = Lowering.shifting(body, v, start: lo) {
            // `for (i in (C + 1):M) bsize_mis[i - C] ~ …` (BPA's MtX, the augmented individuals):
            // terms whose steps do not depend on each other, indexed at v minus the start, the
            // vectorised loop over 1:(M − C).
            let count = Expression.binary("+", .binary("-", hi, lo, l), .integer(1, l), l)
            return try forLoop(v, .integer(1, l), .call("max", [.integer(0, l), count], conditional: false, l), shifted, l)
        }
        if plate == nil, a == nil || b == nil, !recurrences.isEmpty || a != 1 || needsRecurrence(v, body) {
            return try recurrenceLoop(v, lo, hi, body, l)
        }
        // A loop over constants whose steps depend on each other (`s += square(c[i])` for i in
        // 1:3) is unrolled below, not vectorised.
        // A loop over constants that indexes a later dimension by its variable (`y[:, k]`, the
        // Lotka–Volterra model's two species) is unrolled too: a vectorised loop's rows are the
        // first dimension.
        if a == 1, plate == nil, b == nil || (!needsRecurrence(v, body) && !Lowering.indexesLaterDimension(v, in: body)) {
            let extent = try dim(hi)
            scope.push()
            scope.declare(Symbol(name: v, type: .int, kind: .plateIndex(extent), value: nil, location: l))
            // A loop that writes rows through data (`y[g[n]] = …`) computes a whole value inside
            // it: its terms are evaluated whole, not streamed by rows.
            let (savedBody, savedStreams) = (plateBody, streamsRows)
            plate = extent
            plateBody = body
            if Lowering.scatters(body, index: v) { streamsRows = false }
            defer { plate = nil; plateBody = savedBody; streamsRows = savedStreams; scope.pop() }
            try statement(body)
            return
        }
        if try conditionalNestedLoop(v, lo, hi, body, l) { return }
        if isRagged(lo, hi) { return try raggedLoop(v, lo, hi, body, l) }
        if let a, b == nil, plate != nil, columnPlate == nil, a != 1 || (Lowering.onlyDensities(body) && Lowering.indexesByExpressionOf(v, in: body)) {
            // `for (t in 2:T)` inside a vectorised loop (BUGS' dogs: `y[dog, trial] ~ …` from the
            // second trial), or one whose densities index by an expression of t (`lambda[seen[i,
            // t]]`, `mu[t + 1]`): the same ragged loop over its pairs, every row's range the same,
            // each pair's indices data.
            return try raggedLoop(v, lo, hi, body, l)
        }
        if a == 1, plate != nil, columnPlate == nil, b == nil {
            let extent = try dim(hi)
            scope.push()
            scope.declare(Symbol(name: v, type: .int, kind: .columnIndex(extent), value: nil, location: l))
            columnPlate = extent
            columnBody = body
            defer { columnPlate = nil; columnBody = nil; scope.pop() }
            try statement(body)
            return
        }
        guard let a, let b else {
            if plate != nil { throw fail("nested loops over data-dependent ranges cannot be vectorised; write the inner loop with vector operations", l) }
            throw fail("cannot vectorise this loop: it must run over 1:N; loops over other data-dependent ranges are not supported", lo.location)
        }
        guard a <= b else { return }
        guard b - a < 1000 else { throw fail("this loop has \(Int(b - a + 1)) iterations; loops with constant bounds are unrolled up to 1000", l) }
        for k in Int(a)...Int(b) {
            scope.push()
            scope.declare(Symbol(name: v, type: .int, kind: .loopConstant(k), value: nil, location: l))
            defer { scope.pop() }
            try statement(body)
        }
    }

    /// The number of a vectorised loop's rows as a scalar node (the extent's data scalar), so that
    /// a term counted once per row does not read the rows (a sum of a row-shaped fill had, which
    /// a device kernel streaming the rows cannot evaluate).
    func rowCount(_ rows: Dim) -> Expr {
        switch rows {
        case .fixed(let n): return builder.constant(Double(n))
        case .symbol(let s): return builder.data(s, [], integer: true)
        }
    }

    /// Whether every use of `v` in `body` is `v` or `v - c` with a − c ≥ 1 (a the loop's first
    /// value): rows at or before the current one, never before row 1.
    static func readsBackFrom(_ v: String, _ a: Int, in body: Statement) -> Bool {
        var ok = true
        _ = body.rewritten({ e in
            if let c = shift(of: e, from: v) {
                if c > 0 || a + c < 1 { ok = false }
                return e
            }
            return nil
        }, target: { t, idx, _ in (t, idx) })
        return ok
    }

    /// Whether `body` only adds to the log density (`~` and `target +=`, in blocks).
    static func onlyDensities(_ body: Statement) -> Bool {
        switch body {
        case .tilde, .targetIncrement: return true
        case .block(let xs, _): return xs.allSatisfy(onlyDensities)
        default: return false
        }
    }

    func ifElse(_ c: Expression, _ then: Statement, _ otherwise: Statement?, _ l: StanSourceLocation) throws {
        if let k = foldConstant(c) {
            scope.push()
            defer { scope.pop() }
            if k != 0 { try statement(then) } else if let otherwise { try statement(otherwise) }
            return
        }
        if plate != nil, c.variables.contains(where: { if case .columnIndex? = scope.lookup($0)?.kind { return true } else { return false } }) {
            // Branches that only add to scalars: the additions chosen per cell by `?:`.
            if let increments = Self.conditionalIncrements(c, then, otherwise) {
                for s in increments { try statement(s) }
                return
            }
            throw fail("cannot vectorise the nested loop: an if whose condition depends on its index", c.location)
        }
        if let plate, let i = c.variables.first(where: { if case .plateIndex? = scope.lookup($0)?.kind { return true } else { return false } }) {
            // On the row's data: the rows split between the branches; on parameters too: selected.
            guard try isDataOnly(c, given: [i]) else {
                return try selectedIf(c, then, otherwise, l)
            }
            return try rowConditionalIf(c, index: i, extent: plate, then, otherwise, l)
        }
        if let i = c.variables.first(where: { if case .stepIndex? = scope.lookup($0)?.kind { return true } else { return false } }) {
            throw fail("an if on '\(i)', the index of a loop whose steps depend on each other (a recurrence), is not supported yet", c.location)
        }
        if !(try isDataOnly(c)) {
            return try selectedIf(c, then, otherwise, l)
        }
        if !recurrences.isEmpty {
            throw fail("an if on data inside a recurrence (a loop whose steps depend on each other) is not supported yet", c.location)
        }
        let name = conditionFlag(c)
        let flag = builder.data(name)
        let saved = indicator
        let savedConditions = conditions
        defer { indicator = saved; conditions = savedConditions }
        // Variables declared outside the if that a branch assigns: each branch's value, the one
        // taken chosen when the model meets its data (`ConditionalChoice`).
        let assigned = try branchAssignments(then, otherwise, at: l) { holds in
            let branchFlag = holds ? flag : 1.0 - flag
            indicator = saved.map { $0 * branchFlag } ?? branchFlag
            conditions = savedConditions + [(name, holds)]
        }
        // The choices hold wherever the if does: the enclosing conditions only.
        (indicator, conditions) = (saved, savedConditions)
        for (x, a, b) in assigned { scope.setValue(x, try chosen(name, a, b, type: scope.lookup(x)!.type, at: l)) }
    }

    /// Lowers both branches of an `if` (`enter` runs before each, told which), each from the values
    /// the variables had before it; returns each variable declared outside that a branch assigns,
    /// with its value where the condition holds and where it fails (the value before the if for a
    /// branch that leaves it alone). A variable with no value on one side is named.
    func branchAssignments(_ then: Statement, _ otherwise: Statement?, at l: StanSourceLocation,
                           enter: (_ holds: Bool) -> Void) throws -> [(name: String, holds: Value, fails: Value)] {
        let assigned = Array(Set((outerAssignments(then) + (otherwise.map(outerAssignments) ?? [])).map(\.name)))
            .filter { scope.lookup($0) != nil }.sorted()
        let before = assigned.map { scope.lookup($0)!.value }
        var branchValues: [[Value?]] = []
        for (branch, holds) in [(then, true), (otherwise, false)] {
            if let branch {
                enter(holds)
                scope.push()
                try statement(branch)
                scope.pop()
            }
            branchValues.append(assigned.map { scope.lookup($0)!.value })
            for (x, v) in zip(assigned, before) { scope.setValue(x, v) }
        }
        return try assigned.enumerated().map { k, x in
            guard let a = branchValues[0][k], let b = branchValues[1][k] else {
                throw fail("'\(x)' is assigned only where the condition \(branchValues[0][k] == nil ? "fails" : "holds") and has no value otherwise; "
                           + "assign it in both branches or before the if", l)
            }
            return (x, a, b)
        }
    }

    /// The synthetic 0/1 indicator of a data condition (`SyntheticData.indicator`).
    func conditionFlag(_ c: Expression) -> String {
        let bound = bindingLoopConstants(c)
        return syntheticName("cond", key: "cond:\(bound.canonical)") { .indicator(name: $0, bound) }
    }

    /// `a` where the data condition `flag` holds, else `b`: the branch taken chosen when the model
    /// meets its data (`ConditionalChoice`), the other never evaluated. A value per row of a
    /// vectorised loop against a shared scalar has the scalar repeated along the rows.
    func chosen(_ flag: String, _ a: Value, _ b: Value, type: StanType, at l: StanSourceLocation) throws -> Value {
        guard !a.summedOverPlate, !b.summedOverPlate, !a.flattened, !b.flattened, a.columns == b.columns else {
            throw fail("this value cannot be chosen by a condition on data (a log density inside a loop, or a reshaped matrix)", l)
        }
        func rows(_ v: Value) throws -> Value {
            guard !v.plated, a.plated || b.plated, let plate else { return v }
            guard v.type.isScalar else { throw fail("the branches of a condition on data differ: one value per row of the loop and one shared", l) }
            return Value(type: v.type, node: materialize(v) * fill(1, [plate]), plated: true, dataOnly: v.dataOnly)
        }
        let (x, y) = (materialize(try rows(a)), materialize(try rows(b)))
        // The branch taken must have the value's sizes (the other may differ: it is not evaluated).
        for (branch, holds) in [(a, true), (b, false)] where zip(branch.type.sizes, type.sizes).contains(where: { $0 != nil && $1 != nil && !same($0, $1) }) {
            sizeChecks.append(SizeCheck(subject: "this condition on data's value (its \(holds ? "first" : "second") branch, taken)", declared: type, value: branch.type,
                                        conditions: conditions + [(flag, holds)], location: l))
        }
        let f = builder.data(flag)
        let placeholder = f * x + (1.0 - f) * y
        conditionalChoices.append(ConditionalChoice(node: placeholder.id, condition: flag, then: x.id, otherwise: y.id))
        var v = derived(a, b, node: placeholder, type: type)
        v.plated = a.plated || b.plated
        return v
    }

    /// The 1-based indices when every index is a compile-time constant (`x[2]`, `v[1, 1]`).
    func constantIndices(_ indices: [IndexArgument]) -> [Int]? {
        var out: [Int] = []
        for i in indices {
            guard case .single(let e) = i, let k = foldConstant(e), k == k.rounded() else { return nil }
            out.append(Int(k))
        }
        return out
    }

    /// `x[k] = v` or `x[k, j] = v` with constant indices: the whole of x becomes
    /// x ⊙ (1 − E) + E ⊙ v, with E a 0/1 pattern that is 1 at the assigned elements ([K, 1] for a
    /// row of a matrix or array, so it broadcasts against v). Elements never assigned are 0.
    func assignElement(_ sym: Symbol, _ ks: [Int], _ r: Value, at l: StanSourceLocation, _ rl: StanSourceLocation) throws {
        let t = sym.type
        guard ks.count <= t.rank, t.rank <= 2 else { throw fail("too many indices for '\(sym.name)' of type \(t)", l) }
        var shape: [Dim] = []
        for (axis, d) in t.sizes.enumerated() {
            guard let d else { throw fail("the size of '\(sym.name)' is not known", l) }
            if axis < ks.count {
                if ks[axis] < 1 { throw fail("index \(ks[axis]) is out of range: Stan indices start at 1", l) }
                if case .fixed(let n) = d, ks[axis] > n { throw fail("index \(ks[axis]) is out of range 1…\(n)", l) }
            }
            shape.append(d)
        }
        var elementType = t
        for _ in ks { elementType = elementType.removingDimension(0) }
        let v = try assignable(r, to: elementType, name: "\(sym.name)[\(ks.map(String.init).joined(separator: ", "))]", at: rl)
        // E's shape: the full shape when every dimension is indexed, else [K, 1] (a row).
        let patternShape: [Dim] = ks.count == t.rank ? shape : [shape[0], .fixed(1)]
        let key = "onehot:\(patternShape):\(ks)"
        let name = syntheticName("onehot", key: key) { .oneHot(name: $0, shape: patternShape, position: ks) }
        let e = builder.data(name, patternShape)
        // `select`, not E ⊙ v + (1 − E) ⊙ old: an infinite value (`negative_infinity()`, a log of
        // 0) would make 0 · ∞ a NaN in the other elements.
        let whole = builder.select(e, materialize(v), sym.value.map(materialize) ?? fill(0, shape), inclusive: false)
        var out = derived(v, node: whole, type: t)
        out.dataOnly = v.dataOnly && (sym.value?.dataOnly ?? true)
        scope.setValue(sym.name, out)
    }
}
