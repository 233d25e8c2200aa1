import LeapfrogModel

extension Lowering {
    /// `x[k] = v`, `x[a:b] = v` and `x[idx] = v` (idx an integer data array: the missing-data
    /// idiom `y[ii_obs] = y_obs; y[ii_mis] = y_mis;`) with data-dependent `k`, `a`, `b`, `idx`,
    /// outside loops, for x of any rank (the rows of a matrix or an array), and `m[:, j] = v` (its
    /// columns: the same on mᵀ). With N rows and the n written rows w₁…wₙ, the whole of x becomes
    ///
    ///     concat(x, v)[p]      p(i) = N + j where i = wⱼ (the last write of i wins), else i
    ///
    /// a gather whose positions are computed when the model meets its data
    /// (`SyntheticData.scatter`, which names an index out of range): O(N) work and memory, and
    /// rows never assigned are 0. Returns false when the target is not of that form (the caller
    /// then says what is supported).
    func assignPart(_ sym: Symbol, _ indices: [IndexArgument], _ r: Value, at l: StanSourceLocation, _ rl: StanSourceLocation) throws -> Bool {
        if let done = try assignWithinLine(sym, indices, r, at: l, rl) { return done }
        var t = sym.type
        var rowIndex = indices[0]
        // Columns of a matrix or of a two-dimensional array (`phi[:, 1] = rep_array(1 - psi, R);`).
        let columns = indices.count == 2 && Lowering.isWhole(indices[0]) && (t.base == .matrix && t.arrayRank == 0 || t.arrayRank == 2)
        if columns {
            rowIndex = indices[1]
            t = StanType(base: t.base, arrayRank: t.arrayRank, sizes: [t.sizes[1], t.sizes[0]])
        }
        guard indices.count == 1 || columns, t.rank >= 1, let rows = t.sizes[0], t.sizes.allSatisfy({ $0 != nil }) else { return false }
        let written: WrittenRows
        var partType = t
        switch rowIndex {
        case .single(let k):
            guard try isDataOnly(k) else { return false }
            let kt = try expression(k).type
            if kt.isIntScalar {
                written = .element(bindingLoopConstants(k))
                partType = t.removingDimension(0)
            } else if kt.isInteger, kt.rank == 1, let n = kt.sizes[0] {
                written = .indices(bindingLoopConstants(k))
                partType.sizes[0] = n
            } else {
                return false
            }
        case .range(let a, let b, let il):
            let lo = a ?? .integer(1, il)
            let hi = b ?? dimExpression(rows, il)
            guard try isDataOnly(lo), try isDataOnly(hi) else { return false }
            written = .range(bindingLoopConstants(lo), bindingLoopConstants(hi))
            partType.sizes[0] = try dim(.binary("+", .binary("-", hi, lo, il), .integer(1, il), il))
        case .all:
            return false
        }
        if columns, t.base == .matrix {
            // A column is a vector, the columns' block a matrix: as rows of mᵀ, a row vector and the block transposed.
            partType = partType.rank == 1 ? StanType(base: .rowVector, arrayRank: 0, sizes: partType.sizes) : partType
        }
        let target = "\(sym.name)[\(indices.map(\.canonical).joined(separator: ", "))]"
        let given = columns ? try transposedPart(r, at: rl) : r
        let v = try assignable(given, to: partType, name: target, at: rl)
        // How many rows the value brings, checked against the rows written when the data are read;
        // one row is given its leading extent of 1 so that it joins the rows.
        var part = materialize(v)
        var partRows: Dim? = given.type.sizes.first ?? nil
        if case .element = written {
            part = fill(1, Array(repeating: .fixed(1), count: partType.rank + 1)) * part
            partRows = nil
        }
        try scatterRows(sym, written, part: part, partRows: partRows, dataOnly: v.dataOnly, columns: columns, at: l)
        return true
    }

    /// `m[i, cols] = v`, `m[i, :] = v`, `m[i, j] = v` and `m[rows, j] = v` with i, j data (an
    /// HMM's transition matrix built row by row: `Gamma[1, 1:2] = t1';`, a 2 × 2 covariance
    /// element by element), m a matrix (or, but for columns, an array of vectors or a
    /// two-dimensional array): the row (column) is read, its part replaced as a vector's part
    /// (`assignPart`), and the row (column) written back. Nil when the target is not of that form.
    private func assignWithinLine(_ sym: Symbol, _ indices: [IndexArgument], _ r: Value, at l: StanSourceLocation,
                                  _ rl: StanSourceLocation) throws -> Bool? {
        guard indices.count == 2, sym.type.rank == 2 else { return nil }
        let isMatrix = sym.type.base == .matrix && sym.type.arrayRank == 0
        func rowOrColumn(_ i: IndexArgument) throws -> Expression? {
            guard case .single(let k) = i, try isDataOnly(k), try expression(k).type.isIntScalar else { return nil }
            return k
        }
        let (line, part): ([IndexArgument], IndexArgument)
        if let i = try rowOrColumn(indices[0]) {
            switch indices[1] {
            case .all: return try assignPart(sym, [.single(i)], r, at: l, rl)
            case .range: break
            case .single: guard try rowOrColumn(indices[1]) != nil else { return nil }
            }
            (line, part) = ([.single(i)], indices[1])
        } else if isMatrix, let j = try rowOrColumn(indices[1]), case .range = indices[0] {
            (line, part) = ([.all(l), .single(j)], indices[0])
        } else {
            return nil
        }
        return try assignWithin(sym, line: line, part: part, r, at: l, rl)
    }

    /// `sym[line][part] = r`: the row (or column) `line` read, its `part` replaced, written back.
    private func assignWithin(_ sym: Symbol, line: [IndexArgument], part: IndexArgument, _ r: Value, at l: StanSourceLocation,
                              _ rl: StanSourceLocation) throws -> Bool? {
        let lineType = line.count == 1 ? sym.type.removingDimension(0) : StanType(base: .vector, arrayRank: 0, sizes: [sym.type.sizes[0]])
        let current = sym.value != nil
            ? try index(sym.value!, line, at: l)
            : Value(type: lineType, node: fill(0, [lineType.sizes[0]!]), dataOnly: true)
        inlineCount += 1
        let name = "\(sym.name)__line\(inlineCount)"
        scope.declare(Symbol(name: name, type: lineType, kind: .local, value: current, location: l))
        guard let temporary = scope.lookup(name), try assignPart(temporary, [part], r, at: l, rl),
              let updated = scope.lookup(name)?.value else { return nil }
        return try assignPart(sym, line, updated, at: l, rl)
    }

    /// `x[g[n]] = v` in a vectorised loop `for (n in 1:K)` with g integer data (the missing-data
    /// idiom written as loops: `for (n in 1:N_obs) y[ii_obs[n]] = y_obs[n];`): the loop writes rows
    /// g[1], …, g[K] of x, as `x[g[1:K]] = v` would (`assignPart`).
    func assignScatteredRows(_ sym: Symbol, index g: String, _ r: Value, plate: Dim, at l: StanSourceLocation, _ rl: StanSourceLocation) throws {
        let t = sym.type
        guard t.rank >= 1, t.sizes.allSatisfy({ $0 != nil }) else { throw fail("the size of '\(sym.name)' is not known", l) }
        // The loop's writes are applied together, as one assignment: right only when nothing else
        // in the loop reads or writes the variable (Stan's loop would see the writes one by one).
        if let body = plateBody, Lowering.mentions(sym.name, in: body) > 1 {
            throw fail("'\(sym.name)' is assigned as \(sym.name)[\(g)[…]] and read or assigned elsewhere in the same loop, which "
                       + "cannot be vectorised; assign its rows in a loop of their own (or with \(sym.name)[\(g)] = …)", l)
        }
        if r.summedOverPlate {
            throw fail("cannot assign \(sym.name)[\(g)[…]] a log density per row of a vectorised loop; add it to target instead", rl)
        }
        let rowType = t.removingDimension(0)
        var part = materialize(r)
        if !r.plated {
            // The same value on every row.
            part = fill(1, [plate] + Array(repeating: .fixed(1), count: rowType.rank)) * part
        }
        _ = try assignable(Value(type: r.type, node: r.node, dataOnly: r.dataOnly), to: rowType, name: "\(sym.name)[\(g)[…]]", at: rl)
        let written = WrittenRows.indices(.index(.variable(g, l), [.range(.integer(1, l), dimExpression(plate, l), l)], l))
        try scatterRows(sym, written, part: part, partRows: nil, dataOnly: r.dataOnly, columns: false, at: l)
    }

    /// x (its transpose for `columns`) with the rows `written` replaced by the rows of `part`:
    /// concat(x, part)[p] (`assignPart`).
    private func scatterRows(_ sym: Symbol, _ written: WrittenRows, part: Expr, partRows: Dim?, dataOnly: Bool, columns: Bool,
                             at l: StanSourceLocation) throws {
        let rows = columns ? sym.type.sizes[1]! : sym.type.sizes[0]!
        let key = "scatter:\(rows):\(written.canonical):\(partRows.map(\.description) ?? "-")"
        let name = syntheticName("scatter", key: key) { .scatter(name: $0, rows: rows, written: written, partRows: partRows, location: l) }
        var base = sym.value.map { materialize($0) } ?? fill(0, sym.type.sizes.map { $0! })
        if columns { base = base.transposed() }
        var whole = base.concatenated(part)[builder.data(name, [rows], integer: true)]
        if columns { whole = whole.transposed() }
        scope.setValue(sym.name, Value(type: sym.type, node: whole, dataOnly: dataOnly && (sym.value?.dataOnly ?? true)))
    }

    /// The value assigned to columns of a matrix, as the rows of its transpose: a vector as a
    /// row vector, a matrix transposed.
    private func transposedPart(_ r: Value, at l: StanSourceLocation) throws -> Value {
        switch r.type.base {
        case .vector: return retyped(r, StanType(base: .rowVector, arrayRank: 0, sizes: r.type.sizes))
        case .matrix: return derived(r, node: materialize(r).transposed(), type: StanType(base: .matrix, arrayRank: 0, sizes: [r.type.sizes[1], r.type.sizes[0]]))
        case _ where r.type.arrayRank == 2:
            return derived(r, node: materialize(r).transposed(), type: StanType(base: r.type.base, arrayRank: 2, sizes: [r.type.sizes[1], r.type.sizes[0]]))
        default: return r
        }
    }
}
