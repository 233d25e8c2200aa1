import LeapfrogModel

extension Lowering {
    /// The loop's extent when `indices` are `[n, n]` with `n` a vectorised loop's index over all
    /// of a square matrix of type `t` (its diagonal, row by row); nil otherwise.
    func diagonalIndex(_ t: StanType, _ indices: [IndexArgument]) -> Dim? {
        guard indices.count == 2, case .single(.variable(let a, _)) = indices[0], case .single(.variable(let b, _)) = indices[1],
              a == b, let s = scope.lookup(a), case .plateIndex(let extent) = s.kind,
              t.base == .matrix, t.arrayRank == 0, same(t.sizes[0], extent), same(t.sizes[1], extent) else { return nil }
        return extent
    }

    /// `n + k`, `k + n` or `n - k` with n a vectorised loop's index and k a constant: the loop's
    /// extent, the shift and where n is written.
    func shiftedPlateIndex(_ e: Expression) -> (Dim, Int, StanSourceLocation)? {
        guard case .binary(_, let a, let b, _) = e, let (n, k) = loopIndexShift(e), case .plateIndex(let extent)? = scope.lookup(n)?.kind else {
            return nil
        }
        if case .variable(n, let l) = a { return (extent, k, l) }
        if case .variable(n, let l) = b { return (extent, k, l) }
        return nil
    }

    /// `n`, `n + k`, `k + n` or `n - k` with n the index of a vectorised loop or of a recurrence
    /// and k a constant: n and the shift.
    func loopIndexShift(_ e: Expression) -> (name: String, shift: Int)? {
        func loopIndex(_ x: Expression) -> String? {
            guard case .variable(let n, _) = x else { return nil }
            switch scope.lookup(n)?.kind {
            case .plateIndex?, .stepIndex?: return n
            default: return nil
            }
        }
        if let n = loopIndex(e) { return (n, 0) }
        guard case .binary(let op, let a, let b, _) = e, op == "+" || op == "-" else { return nil }
        if let n = loopIndex(a), let k = foldConstant(b), k == k.rounded() { return (n, Int(op == "+" ? k : -k)) }
        if op == "+", let n = loopIndex(b), let k = foldConstant(a), k == k.rounded() { return (n, Int(k)) }
        return nil
    }

    /// `e`, an expression of a vectorised loop's index and data only (`(t - 1) % 7 + 1`, `n / 2`,
    /// `g[n] + 1`, `seen[i, t]` over a loop's pairs), as data computed per row when the data are
    /// read (`SyntheticData.rowValues`): an integer data array indexed by the loop, usable as an
    /// index or a discrete outcome; nil for anything else (a bare variable, `g[n]` itself,
    /// parameters, functions the host lacks).
    func perRowData(_ e: Expression) throws -> Value? {
        guard let rows = plate, columnPlate == nil else { return nil }
        switch e {
        case .binary, .unary, .call, .conditional: break
        case .index(.variable, let idx, _):
            // An element of data at indices computed per row (`seen[i, t]` in a loop over pairs);
            // `g[n]` itself is the gather's own index.
            if idx.count == 1, case .single(.variable) = idx[0] { return nil }
        default: return nil
        }
        var index: String?
        for n in e.variables {
            switch scope.lookup(n)?.kind {
            case .plateIndex(let extent)? where same(extent, rows): index = n
            case .data?, .transformedData?, .loopConstant?: continue
            default: if hostAlias(n, e.location) == nil { return nil }
            }
        }
        guard let index, Lowering.hostEvaluable(e) else { return nil }
        let integer = isIntegerValued(e)
        let bound = bindingLoopConstants(e)
        let name = syntheticName("rowvalues", key: "rowvalues:\(bound.canonical):\(rows)") {
            .rowValues(name: $0, expression: bound, index: index, extent: rows, integer: integer)
        }
        return Value(type: integer ? .int : .real, node: builder.data(name, [rows], integer: integer), plated: true,
                     dataName: name, dataOnly: true)
    }

    /// Whether the host interpreter can compute `e`: its functions only (no user function, no `_rng`).
    static func hostEvaluable(_ e: Expression) -> Bool {
        var ok = true
        _ = e.rewritten { x in
            if case .call(let f, _, _, _) = x, !HostInterpreter.functionNames.contains(f) || f.hasSuffix("_rng") { ok = false }
            return nil
        }
        return ok
    }

    /// Whether `e` has an integer value by Stan's rules: integer literals and variables, and the
    /// operators and functions that keep integers (a comparison is an integer).
    func isIntegerValued(_ e: Expression) -> Bool {
        switch e {
        case .integer: return true
        case .real, .string: return false
        case .variable(let n, _):
            switch scope.lookup(n)?.kind {
            case .plateIndex?, .loopConstant?, .stepIndex?, .columnIndex?: return true
            default: return scope.lookup(n)?.type.isInteger ?? false
            }
        case .index(let a, _, _): return isIntegerValued(a)
        case .unary(_, let a, _): return isIntegerValued(a)
        case .binary(let op, let a, let b, _):
            if ["<", "<=", ">", ">=", "==", "!=", "&&", "||"].contains(op) { return true }
            return ["+", "-", "*", "/", "%", "%/%"].contains(op) && isIntegerValued(a) && isIntegerValued(b)
        case .conditional(_, let a, let b, _): return isIntegerValued(a) && isIntegerValued(b)
        case .call(let f, let args, _, _):
            return ["abs", "min", "max", "to_int", "size", "num_elements", "rows", "cols", "int_step"].contains(f)
                && (f == "to_int" || ["size", "num_elements", "rows", "cols"].contains(f) || args.allSatisfy(isIntegerValued))
        default: return false
        }
    }

    /// The most elements a sliding window is written out to (its container costs O(width²) per row).
    static let windowLimit = 256

    /// A sliding window `x[t - K : t - 1]` (both bounds the same loop index plus constants, so
    /// of constant width: a seasonal sum, an autoregression's lags) as the container of its
    /// elements, `[x[t - K], …, x[t - 1]]'`, each a shifted read the loop already supports
    /// (a gather in a vectorised loop, a step's row in a recurrence); nil for other indexing.
    func windowElements(_ base: Expression, _ indices: [IndexArgument], at l: StanSourceLocation) throws -> Expression? {
        guard indices.count == 1, case .range(let lo?, let hi?, let rl) = indices[0] else { return nil }
        guard let (n, first) = loopIndexShift(lo), let (m, last) = loopIndexShift(hi), n == m else {
            let loops = (lo.variables.union(hi.variables)).filter { loopIndexShift(.variable($0, rl)) != nil }
            if let n = loops.sorted().first {
                throw fail("a window inside the loop over \(n) needs a constant width, as \(n) - K : \(n) - 1 with K a "
                           + "constant; write its elements out otherwise", rl)
            }
            return nil
        }
        let width = last - first + 1
        guard width >= 1 else { throw fail("this window is empty (\(width) elements): its upper bound is below its lower bound", rl) }
        guard width <= Lowering.windowLimit else {
            throw fail("a sliding window of \(width) elements (more than \(Lowering.windowLimit)) is not supported; use fewer lags or a recurrence", rl)
        }
        let t = try expression(base).type
        guard t.rank >= 1 else { throw fail("cannot index a value of type \(t)", l) }
        let elements: [Expression] = (first...last).map { k in
            let position: Expression = k == 0 ? .variable(n, rl) : .binary(k > 0 ? "+" : "-", .variable(n, rl), .integer(abs(k), rl), rl)
            return .index(base, [.single(position)], l)
        }
        if t.arrayRank > 0 { return .array(elements, l) }
        return t.base == .vector ? .transpose(.rowVector(elements, l), l) : .rowVector(elements, l)
    }

    /// `v[n + k]` in a vectorised loop over 1:extent: the rows 1 + k … extent + k of `v`, a gather
    /// by a range computed with the data (checked against v's rows where the read is unconditional).
    func shiftedRows(_ v: Value, extent: Dim, shift: Int, at l: StanSourceLocation) -> Value {
        let lo = Expression.integer(1 + shift, l)
        let hi = Expression.binary("+", dimExpression(extent, l), .integer(shift, l), l)
        let within = unconditional ? v.type.sizes.first ?? nil : nil
        let name = syntheticName("range", key: "range:\(lo.canonical):\(hi.canonical):\(within.map(\.description) ?? "-")") {
            .range(name: $0, lower: lo, upper: hi, within: within)
        }
        let sizes = v.type.sizes.dropFirst()
        if let source = v.dataName, let rows = plate, sizes.allSatisfy({ $0 != nil }) {
            // Rows of a data variable stay data (a discrete outcome must be): a leaf of their own.
            let selected = syntheticName("rows", key: "rows:\(source):\(name)") { .selectedRows(name: $0, source: source, selection: name) }
            let leaf = builder.data(selected, [rows] + sizes.map { $0! }, integer: v.type.isInteger)
            return Value(type: v.type.removingDimension(0), node: leaf, plated: true, dataName: selected, dataOnly: true)
        }
        return Value(type: v.type.removingDimension(0), node: materialize(v)[builder.data(name, [extent], integer: true)],
                     plated: true, dataOnly: v.dataOnly)
    }

    /// Lowers `v[i, j, …]` one index at a time.
    ///
    /// - The index of a vectorised loop (`x[n]`) selects every row: the value becomes plated.
    /// - An integer data array indexed by it (`a[g[n]]`) gathers with the graph's `index` op; rows
    ///   of data gathered so are a synthetic data leaf instead (`SyntheticData.selectedRows`).
    /// - An integer data array (`a[g]`) gathers; `:` keeps a dimension.
    /// - A constant or data scalar index gathers one row through a one-element synthetic index
    ///   and drops the extent of 1 (`sum` for a vector, a product with `[1]` for a matrix).
    /// - An index over recurrences' steps (`y[t - k]`) reads one row with the graph's `at`
    ///   (`name` names the variable in the bind-time range check).
    /// Whether `lo:hi` is every index of an axis of `extent`: lo 1 (or left out) and hi the extent
    /// (or left out), as the compiler knows them (constants, or the same size).
    func coversTheAxis(_ lo: Expression?, _ hi: Expression?, extent: Dim?) -> Bool {
        guard let extent else { return false }
        if let lo, foldConstant(lo) != 1 { return false }
        guard let hi else { return true }
        return (try? dim(hi)) == extent
    }

    func index(_ v: Value, _ indices: [IndexArgument], at l: StanSourceLocation, name: String? = nil) throws -> Value {
        guard indices.count <= v.type.rank else {
            throw fail("too many indices: \(indices.count) for a value of type \(v.type)", l)
        }
        try rejectFlattened([v], at: l)
        if v.columns { throw fail("cannot vectorise the nested loop: indexing a value that depends on its index", l) }
        if !v.plated, let extent = diagonalIndex(v.type, indices) {
            // `K[n, n]` in `for (n in 1:N)`: the diagonal, one element per row.
            let x = materialize(v)
            let node = (x * pattern(.identity, [extent, extent])).matmul(fill(1, [extent]))
            return Value(type: .real, node: node, plated: true, dataOnly: v.dataOnly)
        }
        var cur = v
        var axis = 0
        var changed = false
        // After `phi[k, …]` (a matrix's rows by an inner loop's index, moved last) only the outer
        // loop's gather (`w[n]`) reads the remaining dimension correctly.
        var columnsMovedLast = false
        func onlyTheOuterGather(_ at: StanSourceLocation) throws {
            if columnsMovedLast {
                throw fail("cannot vectorise the nested loop: after the inner loop's index, only an index by the outer loop's data "
                           + "(as w[n]) is supported here", at)
            }
        }
        for idx in indices {
            let graphAxis = axis + (cur.plated ? 1 : 0)
            let graphRank = cur.type.rank + (cur.plated ? 1 : 0)
            switch idx {
            case .all:
                try onlyTheOuterGather(l)
                axis += 1
                continue
            case .range(let a, let b, let rl):
                try onlyTheOuterGather(rl)
                if coversTheAxis(a, b, extent: cur.type.sizes[axis]) {
                    // `x[1:N]` of an x of N: x itself (so a data variable stays one: the partial
                    // sum of `reduce_sum` over the whole array reads `n[start:end]`).
                    axis += 1
                    continue
                }
                let (ix, extent) = try rangeIndex(a, b, extent: cur.type.sizes[axis], at: rl)
                let node = materialize(cur)
                changed = true
                let gather: Expr
                if graphAxis == 0 {
                    gather = node[ix]
                } else if graphAxis == 1 && graphRank == 2 {
                    gather = node.transposed()[ix].transposed()
                } else { throw fail("range-indexing this dimension is not supported", rl) }
                var t = cur.type
                t.sizes[axis] = extent
                cur = Value(type: t, node: gather, plated: cur.plated, dataOnly: cur.dataOnly)
                axis += 1
                continue
            case .single(let e):
                if case .index(.variable(let g, _), let gi, _) = e, gi.count == 1, case .single(let s) = gi[0],
                   let gsym = scope.lookup(g), gsym.type.isInteger, gsym.type.rank == 1, try isDataOnly(.variable(g, e.location)),
                   let a = try stepAffine(s), !cur.columns, graphAxis == 0 && !cur.plated || graphAxis == 1 && graphRank == 2 {
                    // `phi[k, u[t]]` inside a recurrence over t, u integer data (the semi-supervised
                    // HMM's words): this axis gathered by all of u, its rows then read at the step
                    // (the graph's `at`): [len(u), …] along the axis, one row per step.
                    let node = materialize(cur)
                    let gathered = graphAxis == 0 ? node[builder.data(g)] : node.transposed()[builder.data(g)]
                    let label = "\(name ?? "the value")[\(Lowering.indexText(e))] (line \(e.location.line))"
                    cur = Value(type: cur.type.removingDimension(axis), node: builder.at(gathered, a.loops, offset: a.offset, name: label), plated: cur.plated, dataOnly: cur.dataOnly)
                    changed = true
                    continue
                }
                if let row = try stepRow(cur, e, name: name, at: l) {
                    guard graphAxis == 0, !cur.plated, !cur.columns else {
                        throw fail("inside a recurrence, a step-dependent index is only supported on the first remaining dimension", e.location)
                    }
                    cur = row
                    changed = true
                    continue
                }
                if case .variable(let n, let il) = e, let s = scope.lookup(n), case .plateIndex(let extent) = s.kind {
                    if columnsMovedLast, cur.columns, !cur.plated, cur.type.rank == 1, same(cur.type.sizes[0], extent) {
                        // `beta[l, d]` with l the inner loop's index and d the outer's (the User's
                        // Guide's hierarchical logistic regression): the value transposed above,
                        // [d's extent, l's], is already one row per d and one column per l.
                        cur.plated = true
                        cur.type = cur.type.removingDimension(0)
                        continue
                    }
                    if axis == 1, !cur.plated, !cur.columns, cur.type.rank == 2, same(cur.type.sizes[1], extent) {
                        // `v[:, n]` (a matrix's column per row: `y[n] ~ categorical_logit(v[:, n])`,
                        // `col(y, t)`): the rows of the transpose.
                        cur = Value(type: cur.type.removingDimension(1), node: materialize(cur).transposed(), plated: true, dataOnly: cur.dataOnly)
                        changed = true
                        continue
                    }
                    guard axis == 0, !cur.plated, !cur.columns else {
                        throw fail("cannot vectorise the loop: '\(n)' can only index the first dimension of a value that does not already depend on it", il)
                    }
                    guard same(cur.type.sizes[0], extent) else {
                        // A loop over fewer rows than the value has (`for (n in 1:(N - 1)) mu[n + 1]
                        // ~ normal(mu[n], s)`): rows 1 … extent, checked against its rows when the
                        // data are read.
                        cur = shiftedRows(cur, extent: extent, shift: 0, at: il)
                        changed = cur.dataName == nil   // rows of data stay a data leaf
                        continue
                    }
                    cur.plated = true
                    cur.type = cur.type.removingDimension(0)
                    continue
                }
                if case .variable(let n, let il) = e, let s = scope.lookup(n), case .columnIndex(let extent) = s.kind {
                    guard axis == 0, !cur.columns, cur.type.rank >= 1 else {
                        throw fail("cannot vectorise the nested loop: '\(n)' can only index the dimension after the outer loop's", il)
                    }
                    if !same(cur.type.sizes[0], extent), cur.type.rank == 1, !cur.plated {
                        // `sign[p]` with sign of 2 elements in a loop over 1:P: its elements 1…P,
                        // checked against its extent when the data are read.
                        let within = unconditional ? cur.type.sizes[0] : nil
                        let hi = dimExpression(extent, il)
                        let range = syntheticName("range", key: "range:1:\(hi.canonical):\(within.map(\.description) ?? "-")") {
                            .range(name: $0, lower: .integer(1, il), upper: hi, within: within)
                        }
                        cur = Value(type: cur.type.removingDimension(0), node: materialize(cur)[builder.data(range, [extent], integer: true)],
                                    dataOnly: cur.dataOnly)
                        cur.columns = true
                        changed = true
                        continue
                    }
                    guard same(cur.type.sizes[0], extent) else {
                        throw fail("cannot vectorise the nested loop: this dimension has \(StanType.text(cur.type.sizes[0])) elements but the loop runs over 1:\(extent)", il)
                    }
                    if cur.type.rank == 2 {
                        // `phi[k, w[n]]`: the inner loop's extent goes last (a value's columns
                        // trail its other extents), so the next index reads the second dimension.
                        guard !cur.plated else {
                            throw fail("cannot vectorise the nested loop: '\(n)' indexes a matrix that already depends on the outer loop", il)
                        }
                        cur = Value(type: cur.type.removingDimension(0), node: materialize(cur).transposed(), dataOnly: cur.dataOnly)
                        cur.columns = true
                        columnsMovedLast = true
                        continue
                    }
                    cur.columns = true
                    cur.type = cur.type.removingDimension(0)
                    continue
                }
                if let (extent, shift, il) = shiftedPlateIndex(e), axis == 0, !cur.plated, !cur.columns {
                    // `x[n + k]` with k constant (posteriordb's hierarchical_gp: `vars[i + 2]`).
                    cur = shiftedRows(cur, extent: extent, shift: shift, at: il)
                    changed = cur.dataName == nil
                    continue
                }
                let iv = try perRowData(e) ?? expression(e)
                if iv.columns {
                    // `sign[T[n, p]]`, T two-dimensional integer data indexed by the outer loop's row
                    // and the inner loop's column (BUGS' equiv): one gather by T whole, [rows, columns].
                    guard iv.plated, iv.type.isScalar, iv.type.isInteger, let g = iv.dataName, !iv.summedOverPlate,
                          iv.node?.id == builder.data(g).id, graphAxis == 0, !cur.plated, !cur.columns else {
                        throw fail("cannot vectorise the nested loop: an index that depends on its index", e.location)
                    }
                    var picked = Value(type: cur.type.removingDimension(0), node: materialize(cur)[builder.data(g)], plated: true, dataOnly: cur.dataOnly)
                    picked.columns = true
                    cur = picked
                    changed = true
                    continue
                }
                if !iv.plated { try onlyTheOuterGather(e.location) }
                guard iv.type.base == .int else { throw fail("indices must be integers, got \(iv.type)", e.location) }
                let sizes = cur.type.sizes.dropFirst()
                if iv.plated, iv.type.isScalar, let g = iv.dataName, !iv.summedOverPlate, graphAxis == 0,
                   let source = cur.dataName, !changed, let rows = plate, sizes.allSatisfy({ $0 != nil }) {
                    // Data rows selected by data (`y[g[n]]`): a data leaf of their own, so that they
                    // stay data (a discrete outcome must be).
                    let name = syntheticName("rows", key: "rows:\(source):\(g)") { .selectedRows(name: $0, source: source, selection: g) }
                    let leaf = builder.data(name, [rows] + sizes.map { $0! }, integer: cur.type.isInteger)
                    cur = Value(type: cur.type.removingDimension(0), node: leaf, plated: true, dataName: name, dataOnly: true)
                    continue
                }
                let node = materialize(cur)
                changed = true
                if iv.plated, iv.type.rank == 1, iv.type.isInteger, let g = iv.dataName, !iv.summedOverPlate, !iv.columns,
                   iv.node?.id == builder.data(g).id, graphAxis == 0, !cur.plated, !cur.columns, cur.type.rank == 1,
                   let width = iv.type.sizes[0] {
                    // `alpha[team1[n]]` with team1 two-dimensional integer data: each row's
                    // elements at that row's indices, one gather by team1 whole ([N, J]; the
                    // Bradley–Terry team model's players).
                    var t = cur.type
                    t.sizes[0] = width
                    cur = Value(type: t, node: node[builder.data(g)], plated: true, dataOnly: cur.dataOnly)
                    continue
                }
                if iv.plated {
                    guard iv.type.isScalar, let g = iv.dataName, !iv.summedOverPlate else {
                        throw fail("cannot vectorise the loop: an index that depends on the loop index must be an integer data array indexed by it, as g[n]", e.location)
                    }
                    if graphAxis == 1, graphRank == 2, cur.plated, !cur.columns, cur.type.rank == 1, let width = cur.type.sizes[0], let rows = plate {
                        // `m[g[n], h[n]]` (posteriordb's GLMM1): each row's vector, then its element
                        // h[n], a product with one-hot rows (`SyntheticData.oneHotRows`) summed along them.
                        let name = syntheticName("pick", key: "pick:\(g):\(width)") { .oneHotRows(name: $0, index: g, width: width, location: e.location) }
                        let pick = builder.data(name, [rows, width])
                        cur = Value(type: cur.type.removingDimension(0), node: (node * pick).matmul(fill(1, [width])), plated: true,
                                    dataOnly: cur.dataOnly)
                        continue
                    }
                    if graphAxis == 1, !cur.plated, !cur.columns, cur.type.rank == 2 {
                        // `beta[:, g[n]]`: a column per row, the rows of the transpose gathered.
                        cur = Value(type: cur.type.removingDimension(1), node: node.transposed()[builder.data(g)], plated: true, dataOnly: cur.dataOnly)
                        continue
                    }
                    guard graphAxis == 0 else {
                        throw fail("cannot vectorise the loop: '\(g)[…]' can only index the first dimension of a value that does not depend on the loop index", e.location)
                    }
                    let columns = cur.columns   // `phi[k, w[n]]`: still one column per k
                    cur = Value(type: cur.type.removingDimension(0), node: node[builder.data(g)], plated: true, dataOnly: cur.dataOnly)
                    cur.columns = columns
                } else if iv.type.rank == 1 {
                    let g: String
                    if let name = iv.dataName {
                        g = name
                    } else if iv.dataOnly, let extent = iv.type.sizes[0], try isDataOnly(e) {
                        // `theta[{1, 3}]`, `x[idx[2:3]]`: the indices computed when the data are read.
                        let bound = bindingLoopConstants(e)
                        g = syntheticName("indices", key: "indices:\(bound.canonical)") { .indices(name: $0, bound) }
                        builder.declareData(g, [extent], integer: true)
                    } else {
                        throw fail("a multi-index must be an integer array on data", e.location)
                    }
                    let gather: Expr
                    if graphAxis == 0 {
                        gather = node[builder.data(g)]
                    } else if graphAxis == 1 && graphRank == 2 {
                        gather = node.transposed()[builder.data(g)].transposed()
                    } else { throw fail("multi-indexing this dimension is not supported", e.location) }
                    var t = cur.type
                    t.sizes[axis] = iv.type.sizes[0]
                    cur = Value(type: t, node: gather, plated: cur.plated, dataOnly: cur.dataOnly)
                    axis += 1
                } else if iv.type.isScalar {
                    let idxName: String
                    if let k = iv.constant {
                        if k < 1 { throw fail("index \(Int(k)) is out of range: Stan indices start at 1", e.location) }
                        if case .fixed(let n)? = cur.type.sizes[axis], Int(k) > n { throw fail("index \(Int(k)) is out of range 1…\(n)", e.location) }
                        idxName = syntheticName("index", key: "cindex:\(Int(k))") { .constantIndex(name: $0, Int(k)) }
                    } else if iv.dataOnly, try isDataOnly(e) {
                        let bound = bindingLoopConstants(e)
                        idxName = syntheticName("index", key: "index:\(bound.canonical)") { .index(name: $0, bound) }
                    } else {
                        throw fail("an index must be a constant, depend on data only, or be the index of a vectorised loop", e.location)
                    }
                    let ix = builder.data(idxName, [1], integer: true)
                    let one = fill(1, [1])
                    let out: Expr
                    if graphAxis == 0 {
                        let r = node[ix]
                        out = graphRank == 1 ? r.sum() : one.matmul(r)
                    } else if graphAxis == 1 && graphRank == 2 {
                        out = one.matmul(node.transposed()[ix])
                    } else { throw fail("indexing this dimension is not supported", e.location) }
                    cur = Value(type: cur.type.removingDimension(axis), node: out, plated: cur.plated, dataOnly: cur.dataOnly)
                } else {
                    throw fail("an index must be an integer or an integer array, got \(iv.type)", e.location)
                }
            }
        }
        if changed { cur.dataName = nil }
        return cur
    }

    /// The integer data behind a range index `a:b` over a dimension of `extent` (an omitted `a`
    /// is 1, an omitted `b` the extent), and the range's length `b - a + 1`.
    ///
    /// Both bounds must be constants or depend on data only; the indices are a synthetic integer
    /// array filled in when the model meets its data. A range starting at a constant `a` has the
    /// length `b - (a - 1)`, so `x[2:N]` and `y[1:(N - 1)]` get the same extent.
    func rangeIndex(_ a0: Expression?, _ b0: Expression?, extent: Dim?, at l: StanSourceLocation) throws -> (Expr, Dim) {
        let (a, b) = (try a0.map { try resolvingSizes($0) }, try b0.map { try resolvingSizes($0) })
        for e in [a, b].compactMap({ $0 }) where !(try isDataOnly(e)) {
            throw fail("a range bound must be a constant or depend on data only", e.location)
        }
        let lo = bindingLoopConstants(a ?? .integer(1, l))
        let hi: Expression
        if let b { hi = bindingLoopConstants(b) } else {
            guard let extent else { throw fail("the size of this dimension is not known; write the range's upper bound", l) }
            hi = dimExpression(extent, l)
        }
        let length: Dim
        if let x = foldConstant(lo), let y = foldConstant(hi) {
            guard x >= 1 else { throw fail("range \(Int(x)):\(Int(y)) starts below 1: Stan indices start at 1", l) }
            if case .fixed(let n)? = extent, Int(y) > n { throw fail("range \(Int(x)):\(Int(y)) is out of range 1…\(n)", l) }
            length = .fixed(max(0, Int(y) - Int(x) + 1))
        } else if let x = foldConstant(lo) {
            guard x >= 1 else { throw fail("range \(Int(x)):… starts below 1: Stan indices start at 1", l) }
            length = try syntheticDim(x == 1 ? hi : .binary("-", hi, .integer(Int(x) - 1, l), l))
        } else {
            length = try syntheticDim(.binary("+", .binary("-", hi, lo, l), .integer(1, l), l))
        }
        let within = unconditional ? extent : nil
        let name = syntheticName("range", key: "range:\(lo.canonical):\(hi.canonical):\(within.map(\.description) ?? "-")") {
            .range(name: $0, lower: lo, upper: hi, within: within)
        }
        return (builder.data(name, [length], integer: true), length)
    }

    /// The extent that a data-only size expression (already bound) stands for.
    func syntheticDim(_ e: Expression) throws -> Dim {
        if let c = foldConstant(e) { return .fixed(Int(c)) }
        if case .variable(let n, _) = e, let s = scope.lookup(n), case .data = s.kind { return .symbol(n) }
        if case .variable(let n, _) = e, n.hasPrefix("__") { return .symbol(n) }
        let name = syntheticName("size", key: "size:\(e.canonical)") { .size(name: $0, e) }
        return .symbol(name)
    }

    /// An extent as an expression the host can evaluate.
    func dimExpression(_ d: Dim, _ l: StanSourceLocation) -> Expression {
        switch d {
        case .fixed(let n): return .integer(n, l)
        case .symbol(let s): return .variable(s, l)
        }
    }

    /// `e` with `rows(x)`, `cols(x)`, `size(x)` and `num_elements(x)` of a vector replaced by the
    /// extents of x's type, so `head(y, rows(y) - 1)` has a data-only bound even when y is a parameter.
    func resolvingSizes(_ e: Expression) throws -> Expression {
        func go(_ e: Expression) throws -> Expression {
            switch e {
            case .call(let f, let args, let c, let l):
                if ["rows", "cols", "size", "num_elements"].contains(f), args.count == 1, !(try isDataOnly(args[0])) {
                    let t = try expression(args[0]).type
                    let d: Dim?
                    switch f {
                    case "cols": d = t.rank == 2 ? t.sizes[1] : .fixed(1)
                    case "num_elements": d = t.rank <= 1 ? (t.sizes.first ?? .fixed(1)) : nil
                    default: d = t.sizes.first ?? .fixed(1)
                    }
                    if let d { return dimExpression(d, l) }
                }
                return .call(f, try args.map(go), conditional: c, l)
            case .binary(let op, let a, let b, let l): return .binary(op, try go(a), try go(b), l)
            case .unary(let op, let a, let l): return .unary(op, try go(a), l)
            default: return e
            }
        }
        return try go(e)
    }
}
