import LeapfrogModel

extension Lowering {
    /// Lowers `v[i, j, …]` one index at a time.
    ///
    /// - The index of a vectorised loop (`x[n]`) selects every row: the value becomes plated.
    /// - An integer data array indexed by it (`a[g[n]]`) gathers with the graph's `index` op.
    /// - An integer data array (`a[g]`) gathers; `:` keeps a dimension.
    /// - A constant or data scalar index gathers one row through a one-element synthetic index
    ///   and drops the extent of 1 (`sum` for a vector, a product with `[1]` for a matrix).
    func index(_ v: Value, _ indices: [IndexArgument], at l: StanSourceLocation) throws -> Value {
        guard indices.count <= v.type.rank else {
            throw fail("too many indices: \(indices.count) for a value of type \(v.type)", l)
        }
        try rejectFlattened([v], at: l)
        if v.columns { throw fail("cannot vectorise the nested loop: indexing a value that depends on its index", l) }
        var cur = v
        var axis = 0
        var changed = false
        for idx in indices {
            let graphAxis = axis + (cur.plated ? 1 : 0)
            let graphRank = cur.type.rank + (cur.plated ? 1 : 0)
            switch idx {
            case .all:
                axis += 1
                continue
            case .range(_, _, let rl):
                throw fail("index ranges (a:b) are not supported yet; use a multi-index with an integer data array", rl)
            case .single(let e):
                if case .variable(let n, let il) = e, let s = scope.lookup(n), case .plateIndex(let extent) = s.kind {
                    guard axis == 0, !cur.plated, !cur.columns else {
                        throw fail("cannot vectorise the loop: '\(n)' can only index the first dimension of a value that does not already depend on it", il)
                    }
                    guard same(cur.type.sizes[0], extent) else {
                        throw fail("cannot vectorise the loop: this value has \(StanType.text(cur.type.sizes[0])) rows but the loop runs over 1:\(extent)", il)
                    }
                    cur.plated = true
                    cur.type = cur.type.removingDimension(0)
                    continue
                }
                if case .variable(let n, let il) = e, let s = scope.lookup(n), case .columnIndex(let extent) = s.kind {
                    guard axis == 0, !cur.columns, cur.type.rank >= 1 else {
                        throw fail("cannot vectorise the nested loop: '\(n)' can only index the dimension after the outer loop's", il)
                    }
                    guard same(cur.type.sizes[0], extent) else {
                        throw fail("cannot vectorise the nested loop: this dimension has \(StanType.text(cur.type.sizes[0])) elements but the loop runs over 1:\(extent)", il)
                    }
                    cur.columns = true
                    cur.type = cur.type.removingDimension(0)
                    continue
                }
                let iv = try expression(e)
                if iv.columns { throw fail("cannot vectorise the nested loop: an index that depends on its index", e.location) }
                guard iv.type.base == .int else { throw fail("indices must be integers, got \(iv.type)", e.location) }
                let node = materialize(cur)
                changed = true
                if iv.plated {
                    guard iv.type.isScalar, let g = iv.dataName, !iv.summedOverPlate else {
                        throw fail("cannot vectorise the loop: an index that depends on the loop index must be an integer data array indexed by it, as g[n]", e.location)
                    }
                    guard graphAxis == 0 else {
                        throw fail("cannot vectorise the loop: '\(g)[…]' can only index the first dimension of a value that does not depend on the loop index", e.location)
                    }
                    cur = Value(type: cur.type.removingDimension(0), node: node[builder.data(g)], plated: true, dataOnly: cur.dataOnly)
                } else if iv.type.rank == 1 {
                    guard let g = iv.dataName else { throw fail("a multi-index must be an integer data array", e.location) }
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
}
