import LeapfrogModel

/// Stan's dense linear algebra on values that may depend on parameters (Stan Functions Reference,
/// "Matrix operations"), built on the graph's `solve` (LU with partial pivoting),
/// `log_abs_determinant`, `determinant`, `eigenvalues_sym`/`eigenvectors_sym`, `cholesky` and
/// `triangular_solve`:
///
/// - `mdivide_left(A, B)` = `A \ B` = A⁻¹B, `mdivide_right(B, A)` = `B / A` = BA⁻¹ = (A⁻ᵀBᵀ)ᵀ,
///   `inverse(A)` = A⁻¹I; the `_spd` forms through A's Cholesky factor L (so that a matrix that is
///   not positive definite rejects the point, as Stan's do): A⁻¹B = L⁻ᵀ(L⁻¹B), A⁻¹ = (L⁻¹)ᵀL⁻¹;
///   `mdivide_right_tri_low(B, L)` = B·L⁻¹ (L's lower triangle only).
/// - `log_determinant(A)` = log |det A|, `determinant(A)`, `log_determinant_spd(A)` = 2 Σ log Lᵢᵢ.
/// - `diagonal(A)` = (A ∘ I)·1, `trace(A)` = Σ A ∘ I, `quad_form(A, B)` = BᵀAB (bᵀAb for a
///   vector), `quad_form_sym` its symmetric part, `trace_quad_form(A, B)` = Σ B ∘ (AB).
extension Lowering {
    static let linearAlgebraFunctions: Set<String> = [
        "mdivide_left", "mdivide_right", "mdivide_left_spd", "mdivide_right_spd", "mdivide_right_tri_low", "inverse",
        "inverse_spd", "log_determinant", "log_determinant_spd", "determinant", "eigenvalues_sym", "eigenvectors_sym",
        "diagonal", "trace", "quad_form", "quad_form_sym", "trace_quad_form",
    ]

    func linearAlgebra(_ name: String, _ args: [Value], at l: StanSourceLocation) throws -> Value {
        let arity = ["mdivide_left", "mdivide_right", "mdivide_left_spd", "mdivide_right_spd", "mdivide_right_tri_low",
                     "quad_form", "quad_form_sym", "trace_quad_form"].contains(name) ? 2 : 1
        guard args.count == arity else { throw fail("\(name) takes \(arity) argument\(arity == 1 ? "" : "s"), got \(args.count)", l) }
        for a in args where a.plated || a.columns {
            throw fail("cannot vectorise the loop: \(name) of a value that depends on the loop index", l)
        }
        /// The square matrix argument k: its node and extent.
        func square(_ k: Int) throws -> (Expr, Dim) {
            let t = args[k].type
            guard t.base == .matrix, t.arrayRank == 0 else { throw fail("\(name): argument \(k + 1) must be a matrix, got \(t)", l) }
            if differ(t.sizes[0], t.sizes[1]) { throw fail("\(name) needs a square matrix, got \(t)", l) }
            guard let n = t.sizes[0] ?? t.sizes[1] else { throw fail("\(name): the size of its matrix is not known", l) }
            return (materialize(args[k]), n)
        }
        /// Argument k as a right-hand side of `rows` rows (`left`: a vector or a matrix) or of
        /// `rows` columns (a row vector or a matrix).
        func operand(_ k: Int, _ n: Dim, left: Bool) throws -> StanType {
            let t = args[k].type
            let allowed: [BaseType] = left ? [.vector, .matrix] : [.rowVector, .matrix]
            guard t.arrayRank == 0, allowed.contains(t.base) else {
                throw fail("\(name): argument \(k + 1) must be a \(left ? "vector" : "row vector") or a matrix, got \(t)", l)
            }
            let extent = t.base == .matrix ? t.sizes[left ? 0 : 1] : t.sizes[0]
            if differ(extent, n) { throw fail("size mismatch in \(name): \(args[0].type) and \(args[1].type)", l) }
            return t.promotedToReal
        }
        func identity(_ n: Dim) -> Expr { pattern(.identity, [n, n]) }
        func squareType(_ n: Dim) -> StanType { StanType(base: .matrix, arrayRank: 0, sizes: [n, n]) }
        func value(_ node: Expr, _ type: StanType) -> Value {
            Value(type: type, node: node, dataOnly: args.allSatisfy(\.dataOnly))
        }

        switch name {
        case "mdivide_left", "mdivide_left_spd":
            let (a, n) = try square(0)
            let t = try operand(1, n, left: true)
            let b = materialize(args[1])
            if name == "mdivide_left" { return value(a.solve(b), t) }
            let factor = a.cholesky()
            return value(factor.transposed().solve(factor.solveLower(b)), t)
        case "mdivide_right", "mdivide_right_spd", "mdivide_right_tri_low":
            let (a, n) = try square(1)
            let t = try operand(0, n, left: false)
            let b = materialize(args[0])
            let bt = t.base == .matrix ? b.transposed() : b   // a row vector's elements are its transpose's
            let x: Expr
            switch name {
            case "mdivide_right": x = a.transposed().solve(bt)
            case "mdivide_right_spd":
                let factor = a.cholesky()
                x = factor.transposed().solve(factor.solveLower(bt))
            default: x = a.solveLower(identity(n)).transposed().matmul(bt)   // (B L⁻¹)ᵀ = L⁻ᵀ Bᵀ
            }
            return value(t.base == .matrix ? x.transposed() : x, t)
        case "inverse":
            let (a, n) = try square(0)
            return value(a.solve(identity(n)), squareType(n))
        case "inverse_spd":
            let (a, n) = try square(0)
            let w = a.cholesky().solveLower(identity(n))
            return value(w.transposed().matmul(w), squareType(n))
        case "log_determinant", "determinant":
            let (a, _) = try square(0)
            return value(a.apply(name == "determinant" ? .determinant : .logAbsDeterminant), .real)
        case "log_determinant_spd":
            let (a, n) = try square(0)
            return value(2.0 * (a.cholesky() * identity(n)).matmul(fill(1, [n])).log().sum(), .real)
        case "eigenvalues_sym":
            let (a, n) = try square(0)
            return value(a.apply(.eigenvaluesSym), StanType(base: .vector, arrayRank: 0, sizes: [n]))
        case "eigenvectors_sym":
            let (a, n) = try square(0)
            return value(a.apply(.eigenvectorsSym), squareType(n))
        case "diagonal":
            let (a, n) = try square(0)
            return value((a * identity(n)).matmul(fill(1, [n])), StanType(base: .vector, arrayRank: 0, sizes: [n]))
        case "trace":
            let (a, n) = try square(0)
            return value((a * identity(n)).sum(), .real)
        default:   // quad_form, quad_form_sym, trace_quad_form
            let (a, n) = try square(0)
            let t = try operand(1, n, left: true)
            let b = materialize(args[1])
            if name == "trace_quad_form" {
                guard t.base == .matrix else { throw fail("trace_quad_form needs a matrix B, got \(t)", l) }
                return value((b * a.matmul(b)).sum(), .real)
            }
            if t.base == .vector { return value(b.matmul(a.matmul(b)), .real) }
            let x = b.transposed().matmul(a.matmul(b))
            return value(name == "quad_form_sym" ? 0.5 * (x + x.transposed()) : x,
                         StanType(base: .matrix, arrayRank: 0, sizes: [t.sizes[1], t.sizes[1]]))
        }
    }
}
