import LeapfrogModel

extension Lowering {
    /// `x[a:b] = v` and `x[k] = v` with data-dependent `a`, `b`, `k`, for a vector (or 1-D array)
    /// `x` outside loops: the whole of x becomes
    ///
    ///     x ⊙ (1 − P·1) + P·v        (a range, P [K, n] with 1 at (a + j − 1, j), n = b − a + 1)
    ///     x ⊙ (1 − e) + e·v          (one element, e [K] one-hot at k)
    ///
    /// with P and e placement patterns computed when the model meets its data
    /// (`SyntheticData.placement`); elements never assigned are 0. Returns false when the target
    /// is not of that form (the caller then says what is supported).
    func assignPart(_ sym: Symbol, _ indices: [IndexArgument], _ r: Value, at l: StanSourceLocation, _ rl: StanSourceLocation) throws -> Bool {
        let t = sym.type
        guard indices.count == 1, t.rank == 1, let rows = t.sizes[0] else { return false }
        let start: Expression
        var count: Dim?
        switch indices[0] {
        case .single(let k):
            guard try isDataOnly(k) else { return false }
            guard try expression(k).type.isIntScalar else { return false }  // a multi-index
            start = bindingLoopConstants(k)
        case .range(let a, let b, let il):
            let lo = a ?? .integer(1, il)
            let hi = b ?? dimExpression(rows, il)
            guard try isDataOnly(lo), try isDataOnly(hi) else { return false }
            start = bindingLoopConstants(lo)
            count = try dim(.binary("+", .binary("-", hi, lo, il), .integer(1, il), il))
        case .all:
            return false
        }
        var elementType = t
        if let count { elementType.sizes = [count] } else { elementType = t.removingDimension(0) }
        let v = try assignable(r, to: elementType, name: "\(sym.name)[\(indices[0].canonical)]", at: rl)
        let key = "placement:\(rows):\(count.map(\.description) ?? "-"):\(start.canonical)"
        let name = syntheticName("place", key: key) { .placement(name: $0, rows: rows, count: count, start: start) }
        let p = builder.data(name, count.map { [rows, $0] } ?? [rows])
        let (placed, mask): (Expr, Expr)
        if let count {
            (placed, mask) = (p.matmul(materialize(v)), p.matmul(fill(1, [count])))
        } else {
            (placed, mask) = (p * materialize(v), p)
        }
        let whole = sym.value.map { materialize($0) * (1.0 - mask) + placed } ?? placed
        var out = derived(v, node: whole, type: t)
        out.dataOnly = v.dataOnly && (sym.value?.dataOnly ?? true)
        scope.setValue(sym.name, out)
        return true
    }
}
