import LeapfrogModel

extension Lowering {
    func expression(_ e: Expression) throws -> Value {
        switch e {
        case .integer(let n, _): return .constant(Double(n), integer: true)
        case .real(let x, _): return .constant(x, integer: false)
        case .string(_, let l): throw fail("a string is only allowed in print and reject", l)
        case .variable(let n, let l): return try variable(n, l)
        case .binary(let op, let a, let b, let l):
            // Integer arithmetic on a vectorised loop's index (`n % 2`, `(t - 1) / 7`, `n > 3`):
            // computed per row from the data.
            if ["%", "%/%", "/", "<", "<=", ">", ">=", "==", "!=", "&&", "||"].contains(op), let v = try perRowData(e) { return v }
            if ["<", "<=", ">", ">=", "==", "!=", "&&", "||"].contains(op) {
                if let c = foldConstant(e) { return .constant(c, integer: true) }
                throw fail("comparison '\(op)' is only supported in if conditions on data", l)
            }
            return try binary(op, try expression(a), try expression(b), at: l)
        case .unary(let op, let a, let l):
            let v = try expression(a)
            try rejectFlattened([v], at: l)
            switch op {
            case "+": return v
            case "-":
                if let c = v.constant { return .constant(-c, integer: v.type.isInteger) }
                if v.summedOverPlate { throw fail("a log density inside a vectorised loop can only be added to target", l) }
                return derived(v, node: -materialize(v), type: v.type.promotedToReal)
            default:
                if let c = foldConstant(e) { return .constant(c, integer: true) }
                throw fail("'!' is only supported in if conditions on data", l)
            }
        case .transpose(let a, let l):
            let v = try expression(a)
            try rejectFlattened([v], at: l)
            switch v.type.base {
            case .vector where v.type.arrayRank == 0:
                var t = v.type; t.base = .rowVector; return retyped(v, t)
            case .rowVector where v.type.arrayRank == 0:
                var t = v.type; t.base = .vector; return retyped(v, t)
            case .matrix where v.type.arrayRank == 0:
                if v.plated { throw fail("cannot vectorise the loop: transposing a matrix that depends on the loop index", l) }
                return derived(v, node: materialize(v).transposed(), type: StanType(base: .matrix, arrayRank: 0, sizes: [v.type.sizes[1], v.type.sizes[0]]))
            default:
                throw fail("cannot transpose a value of type \(v.type)", l)
            }
        case .index(.call("dims", let args, false, let cl), let indices, let l):
            // dims(x)[k]: the k-th extent of x's type (dims itself is an integer array).
            guard args.count == 1, indices.count == 1, case .single(let ke) = indices[0], let k = foldConstant(ke) else {
                throw fail("dims is only supported as dims(x)[k] with a constant k; use size, rows and cols", cl)
            }
            let t = try expression(args[0]).type
            guard k >= 1, Int(k) <= t.rank else { throw fail("dims(x)[\(Int(k))]: x has \(t.rank) dimension\(t.rank == 1 ? "" : "s")", l) }
            return try sizeValue(t.sizes[Int(k) - 1], at: l)
        case .index(let a, let indices, let l):
            if let elements = try windowElements(a, indices, at: l) { return try expression(elements) }
            if case .variable(let n, _) = a {
                if let v = try recurrentRead(n, indices, at: l) { return v }
                return try index(try expression(a), indices, at: l, name: n)
            }
            return try index(try expression(a), indices, at: l)
        case .call(let name, let args, let conditional, let l):
            return try call(name, args, conditional: conditional, at: l)
        case .conditional(let c, let a, let b, let l):
            if let k = foldConstant(c) { return try expression(k != 0 ? a : b) }
            if c.variables.contains(where: { if case .stepIndex? = scope.lookup($0)?.kind { return true } else { return false } }) {
                throw fail("the conditional operator ?: on the index of a recurrence is not supported", l)
            }
            if try isComputed(c) { return try selectedConditional(c, a, b, at: l) }
            choosing += 1
            defer { choosing -= 1 }
            let (x, y) = (try expression(a), try expression(b))
            guard x.type.arrayRank == y.type.arrayRank, x.type.base == y.type.base || (x.type.isScalar && y.type.isScalar) else {
                throw fail("the branches of ?: have different types: \(x.type) and \(y.type)", l)
            }
            let type = x.type.isInteger && !y.type.isInteger ? y.type : x.type
            return try chosen(conditionFlag(c), x, y, type: type, at: l)
        case .array(let xs, let l):
            return try arrayExpression(xs, rowVector: false, at: l)
        case .rowVector(let xs, let l):
            return try arrayExpression(xs, rowVector: true, at: l)
        }
    }

    /// A value computed from `inputs`: plated if any is, data-only if all are.
    func derived(_ inputs: Value..., node: Expr, type: StanType) -> Value {
        var v = Value(type: type, constant: nil, node: node, plated: inputs.contains { $0.plated },
                      dataOnly: inputs.allSatisfy(\.dataOnly))
        v.columns = inputs.contains { $0.columns }
        return v
    }

    /// Errors on `to_vector(matrix)` outside the places that accept it.
    func rejectFlattened(_ values: [Value], at l: StanSourceLocation) throws {
        if values.contains(where: \.flattened) {
            throw fail("to_vector of a matrix (a reshape) is only supported as a distribution's outcome with scalar parameters, or inside sum and mean", l)
        }
    }

    /// Inside a nested loop, brings values to one layout: rows-only values become [rows, columns]
    /// (`transpose(ones[J, N] .* x)`); column-only [J] values and shared scalars broadcast.
    func aligned(_ values: [Value], at l: StanSourceLocation) throws -> [Value] {
        guard values.contains(where: \.columns), plate != nil, let columnPlate else { return values }
        return try values.map { v in
            guard v.type.isScalar else {
                throw fail("cannot vectorise the nested loop: only scalars per iteration are supported, got \(v.type)", l)
            }
            guard v.plated && !v.columns else { return v }
            var lifted = v
            lifted.node = materialize(v).column() * fill(1, [columnPlate])
            lifted.columns = true
            lifted.dataName = nil
            return lifted
        }
    }

    func retyped(_ v: Value, _ t: StanType) -> Value {
        var out = v
        out.type = t
        return out
    }

    func variable(_ name: String, _ l: StanSourceLocation) throws -> Value {
        guard let s = scope.lookup(name) else {
            if program.functions[name] != nil {
                throw fail("the function '\(name)' is used as a value; functions are passed only as the first argument of the ODE solvers "
                           + "(ode_rk45, ode_bdf, integrate_ode_rk45, …)", l)
            }
            throw fail("unknown identifier '\(name)'", l)
        }
        switch s.kind {
        case .data, .transformedData:
            guard s.type.rank <= 2 else { throw fail("'\(name)' has \(s.type.rank) dimensions; the model graph supports at most 2", l) }
            let node = builder.data(name, s.type.sizes.map { $0! }, integer: s.type.isInteger)
            return Value(type: s.type, node: node, dataName: name, dataOnly: true)
        case .parameter:
            if let v = s.value { return v }  // a constrained type or parameter-dependent bounds: the transformed node
            return Value(type: s.type, node: builder.parameter(name), dataOnly: false)
        case .local, .transformedParameter, .generated:
            if let r = recurrences.last(where: { $0.rows[name] != nil }) {
                throw fail("inside the loop over \(r.variable), '\(name)' can only be read as \(name)[\(r.variable)] or \(name)[\(r.variable) - 1]", l)
            }
            guard let v = s.value else { throw fail("'\(name)' is used before it is assigned", l) }
            return v
        case .stepIndex:
            return Value(type: .int, node: recurrence(stepping: name)!.loop, dataOnly: true)
        case .loopConstant(let k):
            return .constant(Double(k), integer: true)
        case .plateIndex(let extent):
            // The index as a value (`mu * n`, `(n - 1) * h`): the integers 1 … N, one per row.
            let hi = dimExpression(extent, l)
            let range = syntheticName("range", key: "range:1:\(hi.canonical):-") { .range(name: $0, lower: .integer(1, l), upper: hi, within: nil) }
            return Value(type: .int, node: builder.data(range, [extent], integer: true), plated: true, dataOnly: true)
        case .columnIndex(let extent):
            // The integers 1 … J along the inner index (`t < s ? e : l`).
            let hi = dimExpression(extent, l)
            let range = syntheticName("range", key: "range:1:\(hi.canonical):-") { .range(name: $0, lower: .integer(1, l), upper: hi, within: nil) }
            var v = Value(type: .int, node: builder.data(range, [extent], integer: true), dataOnly: true)
            v.columns = true
            return v
        }
    }

    /// Errors unless plated and shared values combine row by row under NumPy broadcasting: a
    /// shared value must be a scalar or have the rows' own rank.
    func checkRows(_ values: [Value], at l: StanSourceLocation, _ what: String) throws {
        let rows = values.filter(\.plated)
        guard !rows.isEmpty else { return }
        for v in values where !v.plated && !v.type.isScalar {
            for r in rows where r.type.rank != v.type.rank {
                throw fail("cannot vectorise the loop: \(what) combines a per-iteration \(r.type) with \(v.type)", l)
            }
        }
    }

    /// A per-row scalar combined with a vector (`y[n] - mu` with `mu` a vector[K], or `a[i] *
    /// (theta - b[i])` with the difference a per-row vector, inside `for (n in 1:N)`): the scalar
    /// repeated along the vector, a per-row vector[K] (node [N, K]: ones [K, N] times the rows,
    /// transposed), so each row combines with its whole vector as Stan's loop does; with
    /// `arrays`, beside a one-dimensional array too (a density's `y[n] ~ normal(mu[n], s)` with
    /// y[n] an array of reals: BUGS' dyes), as a real array. nil when `row` is not such a scalar.
    func widenedRow(_ row: Value, against other: Value, arrays: Bool = false) -> Value? {
        guard let plate, row.plated, row.type.isScalar, !row.columns, !other.columns,
              other.type.arrayRank == 0 || arrays, other.type.rank == 1, let k = other.type.sizes[0] else { return nil }
        let type = other.type.arrayRank == 0 ? StanType(base: other.type.base, arrayRank: 0, sizes: [k]) : StanType(base: .real, arrayRank: 1, sizes: [k])
        return Value(type: type, node: perRowVector(row, rows: plate, columns: k), plated: true, dataOnly: row.dataOnly)
    }

    /// `v` as a per-row vector's node [N, K] (rows along N, columns along K): a value already so
    /// is itself; what lacks the rows or the columns is repeated along them (a per-row scalar:
    /// its rows as a column [N, 1] times ones [K], so that row n holds its value K times and a
    /// back end streaming the rows reads row n only).
    func perRowVector(_ v: Value, rows: Dim, columns: Dim) -> Expr {
        let x = materialize(v)
        if v.type.rank == 1 || v.columns { return v.plated ? x : fill(1, [rows, columns]) * x }
        return v.plated ? x.column() * fill(1, [columns]) : fill(1, [rows, columns]) * x
    }

    func binary(_ op: String, _ a0: Value, _ b0: Value, at l: StanSourceLocation) throws -> Value {
        let ab = try aligned([a0, b0], at: l)
        var (a, b) = (ab[0], ab[1])
        // x + 0, 0 + x, x - 0, 1 * x, x * 1: x itself, so a log density plus a dropped constant
        // (`lpdf - 1 * student_t_lccdf(0 | …)`) stays a log density.
        func keepsType(_ x: Value, _ c: Value) -> Bool { c.type.isInteger || !x.type.isInteger }
        if a.constant == nil, let c = b.constant, (c == 0 && (op == "+" || op == "-")) || (c == 1 && (op == "*" || op == ".*")), keepsType(a, b), !a.flattened { return a }
        if b.constant == nil, let c = a.constant, (c == 0 && op == "+") || (c == 1 && (op == "*" || op == ".*")), keepsType(b, a), !b.flattened { return b }
        try rejectFlattened([a, b], at: l)
        if a.summedOverPlate || b.summedOverPlate {
            // A log density summed over the loop's rows plus (or minus) a scalar that does not depend
            // on the row (`bernoulli_lpmf(1 | omega) + binomial_lpmf(s[i] | T, p)`): the scalar
            // counts once per row, as in Stan's loop; a scalar per row (`log_inv_logit(psi[i]) +
            // binomial_logit_lpmf(…)`) is summed over the rows as the density is. The sum can
            // only be added to target (what would read its rows refuses it).
            func rowSum(_ x: Value) -> Expr? {
                if x.summedOverPlate { return materialize(x) }
                guard x.type.isScalar, !x.columns, !x.flattened, let plate else { return nil }
                return x.plated ? materialize(x).sum() : materialize(x) * rowCount(plate)
            }
            guard op == "+" || op == "-", let x = rowSum(a), let y = rowSum(b) else {
                throw fail("inside a vectorised loop a log density can only be added to target (alone or summed with others)", l)
            }
            var v = derived(a, b, node: op == "+" ? x + y : x - y, type: .real)
            v.summedOverPlate = true
            func parts(_ p: Value, _ node: Expr) -> [PlatePart] { p.plateParts ?? [PlatePart(node: node, perRow: p.summedOverPlate || p.plated)] }
            let right = parts(b, y).map { p -> PlatePart? in
                guard op == "-" else { return p }
                if !p.perRow { return PlatePart(node: -p.node, perRow: false) }
                return p.node.negatedSum().map { PlatePart(node: $0, perRow: true) }   // a density less another: one term
            }
            if right.allSatisfy({ $0 != nil }) { v.plateParts = parts(a, x) + right.map { $0! } }
            return v
        }
        // Constant folding, with Stan's integer arithmetic.
        if let x = a.constant, let y = b.constant {
            let ints = a.type.isInteger && b.type.isInteger
            switch op {
            case "+": return .constant(x + y, integer: ints)
            case "-": return .constant(x - y, integer: ints)
            case "*", ".*": return .constant(x * y, integer: ints)
            case "/", "./":
                if ints { guard y != 0 else { throw fail("integer division by zero", l) }; return .constant((x / y).rounded(.towardZero), integer: true) }
                return .constant(x / y, integer: false)
            case "%/%":
                guard y != 0 else { throw fail("integer division by zero", l) }
                return .constant((x / y).rounded(.towardZero), integer: true)
            case "%":
                guard ints, y != 0 else { throw fail("% needs integers and a non-zero divisor", l) }
                return .constant(x.truncatingRemainder(dividingBy: y), integer: true)
            case "^", ".^": return .constant(HostInterpreter.power(x, y), integer: false)
            default: break
            }
        }
        var op = op
        if ["+", "-", "*", "/", ".*", "./"].contains(op) {
            var widened = true
            if let w = widenedRow(a, against: b) { a = w } else if let w = widenedRow(b, against: a) { b = w } else { widened = false }
            // The scalar with the vector, element by element.
            if widened && op == "*" { op = ".*" }
            if widened && op == "/" { op = "./" }
        }
        let (ta, tb) = (a.type, b.type)
        switch op {
        case "+", "-", ".*", "./", "^", ".^":
            if op == "^", !(ta.isScalar && tb.isScalar) {
                throw fail("'^' needs scalars; use .^ or pow(x, y) for containers", l)
            }
            var type: StanType
            if ta.isScalar { type = tb.promotedToReal } else if tb.isScalar { type = ta.promotedToReal } else {
                guard ta.base == tb.base || (ta.base == .int && tb.base == .real) || (ta.base == .real && tb.base == .int) else {
                    throw fail("operator '\(op)' cannot combine \(ta) and \(tb)", l)
                }
                for (x, y) in zip(ta.sizes, tb.sizes) where differ(x, y) { throw fail("size mismatch: \(ta) \(op) \(tb)", l) }
                type = ta.promotedToReal
            }
            if ta.arrayRank > 0 || tb.arrayRank > 0 {
                throw fail("operator '\(op)' is not defined for arrays; use vectors", l)
            }
            try checkRows([a, b], at: l, "'\(op)'")
            if ta.isInteger && tb.isInteger && (op == "+" || op == "-" || op == ".*") { type.base = .int }
            let (x, y) = (materialize(a), materialize(b))
            let node: Expr
            switch op {
            case "+": node = x + y
            case "-": node = x - y
            case ".*": node = x * y
            case "./": node = x / y
            default: node = x.pow(y)
            }
            return derived(a, b, node: node, type: type)
        case "*":
            if ta.isScalar || tb.isScalar {
                try checkRows([a, b], at: l, "'*'")
                if ta.isIntScalar && tb.isIntScalar { return derived(a, b, node: materialize(a) * materialize(b), type: .int) }
                if (ta.isScalar ? tb : ta).arrayRank > 0 { throw fail("'*' is not defined for arrays; use vectors", l) }
                return derived(a, b, node: materialize(a) * materialize(b), type: ta.isScalar ? tb.promotedToReal : ta.promotedToReal)
            }
            guard ta.arrayRank == 0, tb.arrayRank == 0 else { throw fail("'*' is not defined for arrays; use vectors or matrices", l) }
            let inner: (Dim?, Dim?)
            let type: StanType
            switch (ta.base, tb.base) {
            case (.matrix, .matrix):
                inner = (ta.sizes[1], tb.sizes[0]); type = StanType(base: .matrix, arrayRank: 0, sizes: [ta.sizes[0], tb.sizes[1]])
            case (.matrix, .vector):
                inner = (ta.sizes[1], tb.sizes[0]); type = StanType(base: .vector, arrayRank: 0, sizes: [ta.sizes[0]])
            case (.rowVector, .matrix):
                inner = (ta.sizes[0], tb.sizes[0]); type = StanType(base: .rowVector, arrayRank: 0, sizes: [tb.sizes[1]])
            case (.rowVector, .vector):
                inner = (ta.sizes[0], tb.sizes[0]); type = .real
            case (.vector, .rowVector):
                // The outer product u vᵀ [J, K]: a [K, J] of ones times u (broadcast along rows),
                // transposed to [J, K] (u[j] along row j), times v (broadcast along columns).
                guard let j = ta.sizes[0], let k = tb.sizes[0] else { throw fail("the outer product needs sized operands", l) }
                if a.plated || b.plated { throw fail("cannot vectorise the loop: an outer product that depends on the loop index", l) }
                let ones = fill(1, [k, j])
                return derived(a, b, node: (ones * materialize(a)).transposed() * materialize(b),
                               type: StanType(base: .matrix, arrayRank: 0, sizes: [j, k]))
            default:
                throw fail("'*' cannot multiply \(ta) by \(tb)", l)
            }
            if differ(inner.0, inner.1) { throw fail("size mismatch in matrix product: \(ta) * \(tb)", l) }
            if b.plated, !a.plated, !a.columns, !b.columns, ta.base == .matrix, tb.base == .vector {
                // B · x[n] per row (the User's Guide's multi-logit, `categorical_logit(beta * x[n])`):
                // the rows' vectors [N, D] times Bᵀ [D, K], row n holding B · xₙ.
                return derived(a, b, node: materialize(b).matmul(materialize(a).transposed()), type: type)
            }
            if b.plated, ta.base == .rowVector, tb.base == .vector, !a.columns, !b.columns, let k = inner.0 ?? inner.1 {
                // A row times a per-row vector (the User's Guide's hierarchical logistic regression,
                // `x[n] * beta[ll[n]]`): one dot product per row, as dot_product's.
                let node = a.plated ? (materialize(a) * materialize(b)).matmul(fill(1, [k])) : materialize(b).matmul(materialize(a))
                return derived(a, b, node: node, type: .real)
            }
            if b.plated {
                throw fail("cannot vectorise the loop: the right operand of '*' depends on the loop index"
                           + (ta.base == .rowVector && tb.base == .vector ? "; write dot_product(a, b) for a row times a per-row vector" : ""), l)
            }
            if a.plated, ta.base == .matrix { throw fail("cannot vectorise the loop: a matrix that depends on the loop index", l) }
            return derived(a, b, node: materialize(a).matmul(materialize(b)), type: type)
        case "/" where tb.base == .matrix && tb.arrayRank == 0 && (ta.base == .matrix || ta.base == .rowVector):
            return try linearAlgebra("mdivide_right", [a, b], at: l)
        case "/":
            guard tb.isScalar else { throw fail("'/' needs a scalar divisor; use ./ for elementwise division", l) }
            if ta.isInteger && tb.isInteger {
                throw fail("integer division of values that are not constants is not supported; write 1.0 * a / b for real division", l)
            }
            if ta.arrayRank > 0 { throw fail("'/' is not defined for arrays; use vectors", l) }
            try checkRows([a, b], at: l, "'/'")
            return derived(a, b, node: materialize(a) / materialize(b), type: ta.promotedToReal)
        case "\\":
            return try linearAlgebra("mdivide_left", [a, b], at: l)
        case "%", "%/%":
            throw fail("'\(op)' is only supported on integer constants", l)
        default:
            throw fail("operator '\(op)' is not supported", l)
        }
    }
}
