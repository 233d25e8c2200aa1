import LeapfrogModel

extension Lowering {
    /// `append_row(a, b)` and `append_col(a, b)`, lowered to products with fixed 0/1 placement
    /// patterns (no node of their own). With K = m + n rows in all,
    ///
    ///     append_row(A, B) = I[K, m] · A + J[K, n] · B
    ///
    /// where I is the identity in the first m rows and J the identity in the last n
    /// (`ConstraintPattern.identity`, `.bottomIdentity`): for vectors (a real is one element,
    /// placed by the [K] masks `.firstMask`, `.lastMask`) and for matrices, a row vector being a
    /// one-row matrix (I [K, 1] ⊙ r broadcasts to [K, c]). `append_col(A, B)` is
    /// `append_row(Aᵀ, Bᵀ)ᵀ` for vectors and matrices, and `append_row` itself for row vectors
    /// and reals. Gradients flow through `matmul` and `multiply` on both back ends.
    ///
    /// Stan's rules: append_row takes reals and vectors (a vector) or row vectors and matrices of
    /// one column count (a matrix); append_col the transposes. Inside a vectorised loop, reals and
    /// vectors (row vectors) that depend on its index are concatenated row by row: the per-row
    /// values [N, m] and [N, n] placed by the transposed patterns, A Iᵀ + B Jᵀ (a per-row real
    /// through `perRowVector` as [N, 1]); matrices must not depend on the index.
    func concatenation(_ name: String, _ argExprs: [Expression], at l: StanSourceLocation) throws -> Value {
        guard argExprs.count == 2 else { throw fail("\(name) takes 2 arguments, got \(argExprs.count)", l) }
        let columns = name == "append_col"
        let args = try argExprs.map { try expression($0) }
        try rejectFlattened(args, at: l)
        let perRow = args.contains(where: \.plated)
        for (v, e) in zip(args, argExprs) {
            if v.columns || v.summedOverPlate || (perRow && (v.type.base == .matrix || v.type.base == (columns ? .vector : .rowVector))) {
                throw fail("cannot vectorise the loop: \(name) of a value that depends on the loop index", e.location)
            }
            if v.type.arrayRank > 0 { throw fail("\(name) takes reals, vectors, row vectors and matrices, got \(v.type)", e.location) }
        }
        // Along the concatenated axis: a "line" base (real, and vector for append_row or row vector
        // for append_col) gives a vector result; the others a matrix.
        let line: Set<BaseType> = columns ? [.real, .int, .rowVector] : [.real, .int, .vector]
        let isLine = args.map { line.contains($0.type.base) }
        guard isLine[0] == isLine[1] else {
            throw fail("\(name) cannot combine \(args[0].type) and \(args[1].type)", l)
        }
        /// Extent along the concatenated axis, and across it (nil for a line).
        func extents(_ t: StanType) -> (along: Dim?, across: Dim?) {
            switch t.base {
            case .int, .real: return (.fixed(1), nil)
            case .vector: return columns ? (.fixed(1), t.sizes[0]) : (t.sizes[0], nil)
            case .rowVector: return columns ? (t.sizes[0], nil) : (.fixed(1), t.sizes[0])
            case .matrix: return columns ? (t.sizes[1], t.sizes[0]) : (t.sizes[0], t.sizes[1])
            }
        }
        let (ea, eb) = (extents(args[0].type), extents(args[1].type))
        guard let m = ea.along, let n = eb.along else { throw fail("\(name): the size of an argument is not known", l) }
        if differ(ea.across, eb.across) {
            throw fail("\(name): the arguments have different numbers of \(columns ? "rows" : "columns"): \(args[0].type) and \(args[1].type)", l)
        }
        let k = try dimSum(m, n, at: l)
        let dataOnly = args.allSatisfy(\.dataOnly)
        if perRow, let rows = plate {
            func placed(_ v: Value, first: Bool, _ count: Dim) -> Expr {
                let x = perRowVector(v, rows: rows, columns: count)
                return x.matmul(pattern(first ? .identity : .bottomIdentity, [k, count]).transposed())
            }
            var v = Value(type: StanType(base: columns ? .rowVector : .vector, arrayRank: 0, sizes: [k]), constant: nil,
                          node: placed(args[0], first: true, m) + placed(args[1], first: false, n), dataOnly: dataOnly)
            v.plated = true
            return v
        }
        if isLine[0] {
            // A vector (or row vector) of K elements.
            func placed(_ v: Value, first: Bool, _ count: Dim) -> Expr {
                if v.type.isScalar { return pattern(first ? .firstMask : .lastMask, [k]) * materialize(v) }
                return pattern(first ? .identity : .bottomIdentity, [k, count]).matmul(materialize(v))
            }
            let node = placed(args[0], first: true, m) + placed(args[1], first: false, n)
            let type = StanType(base: columns ? .rowVector : .vector, arrayRank: 0, sizes: [k])
            return Value(type: type, constant: nil, node: node, dataOnly: dataOnly)
        }
        // A matrix: rows K (columns for append_col, built transposed).
        func placed(_ v: Value, first: Bool, _ count: Dim) -> Expr {
            let p = pattern(first ? .identity : .bottomIdentity, [k, count])
            let x = materialize(v)
            if v.type.base != .matrix { return p * x }  // one row (column), p is [K, 1]
            return p.matmul(columns ? x.transposed() : x)
        }
        let stacked = placed(args[0], first: true, m) + placed(args[1], first: false, n)
        let across = ea.across ?? eb.across
        let type = StanType(base: .matrix, arrayRank: 0, sizes: columns ? [across, k] : [k, across])
        return Value(type: type, constant: nil, node: columns ? stacked.transposed() : stacked, dataOnly: dataOnly)
    }

    /// a + b as an extent: fixed when both are, else a synthetic size computed from the data.
    func dimSum(_ a: Dim, _ b: Dim, at l: StanSourceLocation) throws -> Dim {
        if case .fixed(let x) = a, case .fixed(let y) = b { return .fixed(x + y) }
        return try dim(.binary("+", dimExpression(a, l), dimExpression(b, l), l))
    }
}
