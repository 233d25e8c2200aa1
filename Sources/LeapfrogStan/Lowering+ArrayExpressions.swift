import LeapfrogModel

extension Lowering {
    /// `{x₁, …, x_K}` (an array) and `[x₁, …, x_K]` (a row vector of scalars, or a matrix whose
    /// rows are row vectors), lowered without a node of their own:
    ///
    ///     select(E_K, x_K, … select(E₁, x₁, Σⱼ Eⱼ cⱼ))
    ///
    /// (cⱼ the finite constant elements, xₖ the others) with Eₖ a 0/1 one-hot data pattern, [K]
    /// with a 1 at k for scalar elements and [K, 1] with a 1 in row k for vector elements (it
    /// broadcasts against the row xₖ to [K, m]). The gradient
    /// with respect to xₖ is then Eₖ's row of the incoming adjoint, on both back ends; a `select`
    /// rather than Σₖ Eₖ ⊙ xₖ, whose 0 · ∞ would make an infinite element (`negative_infinity()`,
    /// a log of 0) a NaN in the others. Zero constants are left out.
    ///
    /// Elements of one shape only (Stan's rule); ints promote to real when any element is real. An
    /// array of arrays or vectors is rank 2 at most (the graph's limit). Inside a vectorised loop
    /// only scalar elements may depend on the loop index (each row then holds its own container).
    func arrayExpression(_ xs: [Expression], rowVector: Bool, at l: StanSourceLocation) throws -> Value {
        let what = rowVector ? "a row vector expression […]" : "an array expression {…}"
        let values = try xs.map { try expression($0) }
        try rejectFlattened(values, at: l)
        let t0 = values[0].type
        for (v, x) in zip(values, xs) {
            if v.summedOverPlate { throw fail("\(what) cannot hold a log density inside a vectorised loop", x.location) }
            if v.columns || (v.plated && !v.type.isScalar) {
                throw fail("cannot vectorise the loop: \(what) whose elements depend on the loop index and are not scalars", x.location)
            }
            let t = v.type
            let sameBase = t.base == t0.base || (t.isScalar && t0.isScalar)
            guard sameBase, t.arrayRank == t0.arrayRank, t.sizes.count == t0.sizes.count else {
                throw fail("the elements of \(what) must have one type, got \(t0) and \(t)", x.location)
            }
            for (a, b) in zip(t.sizes, t0.sizes) where differ(a, b) {
                throw fail("the elements of \(what) must have one size, got \(t0) and \(t)", x.location)
            }
        }
        let k = Dim.fixed(values.count)
        let integer = values.allSatisfy(\.type.isInteger)
        var type: StanType
        if rowVector {
            switch t0.base {
            case _ where t0.isScalar: type = StanType(base: .rowVector, arrayRank: 0, sizes: [k])
            case .rowVector where t0.arrayRank == 0: type = StanType(base: .matrix, arrayRank: 0, sizes: [k] + t0.sizes)
            default: throw fail("\(what) holds scalars or row vectors, got \(t0)", l)
            }
        } else {
            type = StanType(base: integer ? .int : t0.promotedToReal.base, arrayRank: t0.arrayRank + 1, sizes: [k] + t0.sizes)
        }
        guard type.rank <= 2 else { throw fail("\(what) of \(t0) has \(type.rank) dimensions; the model graph supports at most 2", l) }
        let shape = type.sizes.compactMap { $0 }
        guard shape.count == type.rank else { throw fail("the size of the elements of \(what) is not known", l) }
        // Scalars of a vectorised loop's row (`[x[n - 1], x[n]]`, a sliding window) are placed as
        // columns: Eₖ [K] times the rows xₖ as a column [rows, 1] is [rows, K], a row's vector per row.
        let perRow = values.contains(where: \.plated)
        let patternShape: [Dim] = t0.isScalar ? [k] : [k, .fixed(1)]
        func pattern(_ i: Int) -> Expr {
            let key = "onehot:\(patternShape):[\(i + 1)]"
            return builder.data(syntheticName("onehot", key: key) { .oneHot(name: $0, shape: patternShape, position: [i + 1]) }, patternShape)
        }
        // Finite constants: Σ Eₖ cₖ (a constant array of ones is its pattern, a data leaf).
        var sum: Expr?
        for (i, v) in values.enumerated() {
            guard let c = v.constant, c != 0, c.isFinite else { continue }
            let placed = c == 1 ? pattern(i) : pattern(i) * materialize(v)
            sum = sum.map { $0 + placed } ?? placed
        }
        for (i, v) in values.enumerated() where v.constant.map({ !$0.isFinite }) ?? true {
            let rest = sum ?? fill(0, (perRow ? [plate!] : []) + shape)
            sum = builder.select(pattern(i), v.plated ? materialize(v).column() : materialize(v), rest, inclusive: false)
        }
        if perRow, let sum {
            // Elements that do not depend on the row ([K]) stretch along the rows.
            return Value(type: type, constant: nil, node: sum, plated: true, dataOnly: values.allSatisfy(\.dataOnly))
        }
        let node = sum ?? fill(0, shape)  // every element a zero constant (only scalars can be)
        return Value(type: type, constant: nil, node: node, dataOnly: values.allSatisfy(\.dataOnly))
    }
}
