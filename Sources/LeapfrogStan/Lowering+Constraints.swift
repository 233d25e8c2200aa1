import LeapfrogModel

/// Constraint transforms written into the graph: `simplex`, `ordered`, `positive_ordered`,
/// `unit_vector`, `cholesky_factor_corr`, `corr_matrix`, `cholesky_factor_cov`, `cov_matrix`, and
/// bounds that depend on parameters (or are vectors). The matrix types are in `choleskyTransform`.
///
/// The sampler sees an unconstrained parameter `name__free`; the constrained value is a node,
/// recorded as the derived quantity `name`, and the transform's log-Jacobian is a term of the
/// log density. With u the free values (Stan Reference Manual, "Constraint transforms"; the
/// simplex uses a softmax parameterisation rather than Stan's transform, which gives the same
/// distribution on the simplex):
///
/// - `simplex[K]`: u ∈ ℝ^{K−1}, x = softmax([u; 0]). The Jacobian of u ↦ (x₁…x_{K−1}) is
///   diag(x′) − x′x′ᵀ, whose determinant is x₁⋯x_{K−1}·(1 − Σx′) = ∏ₖ xₖ (matrix determinant
///   lemma), so log J = Σₖ log xₖ = Σ log_softmax([u; 0]).
/// - `ordered[K]`: x₁ = u₁, xₖ = xₖ₋₁ + exp(uₖ); triangular Jacobian, log J = Σ_{k≥2} uₖ.
/// - `positive_ordered[K]`: x₁ = exp(u₁), xₖ = xₖ₋₁ + exp(uₖ); log J = Σₖ uₖ.
/// - `sum_to_zero_vector[K]`: u ∈ ℝ^{K−1}, x = V u with V an orthonormal basis of the vectors
///   summing to 0 (Helmert's, `ConstraintPattern.sumToZeroBasis`): a linear map onto that
///   subspace, so log J is a constant (0 here), and an isometry, so a standard normal on x's
///   subspace is a standard normal on u (Stan 2.36's type; Stan since 2.37 also uses an isometric
///   transform, and any other gives the same distribution of x).
/// - `sum_to_zero_matrix[N, M]`: U ∈ ℝ^{(N−1)×(M−1)}, X = V_N U V_Mᵀ: every row and column sums
///   to 0, log J constant, an isometry again.
/// - `row_stochastic_matrix[N, M]`: every row a simplex, the `array[N] simplex[M]` transform;
///   `column_stochastic_matrix[N, M]`: every column one, the transpose of M simplex rows of N.
/// - `unit_vector[K]`: x = u / ‖u‖ with the density −½‖u‖² on u (as Stan does), which makes the
///   radius proper and leaves x uniform on the sphere.
/// - `<lower=a, upper=b>` with a, b nodes: x = a + (b − a)·logistic(u),
///   log J = log(b − a) + log σ(u) + log σ(−u); `<lower=a>`: x = a + eᵘ, log J = u;
///   `<upper=b>`: x = b − eᵘ, log J = u.
/// - `<offset=μ, multiplier=σ>` (either may be left out: 0 and 1): x = μ + σ·u, log J = log σ per
///   element, so `theta ~ normal(mu, tau)` on `vector<offset=mu, multiplier=tau>[J] theta` is
///   the non-centred parameterisation (u standard normal) written as the centred one. A
///   multiplier that is not positive makes log J NaN or −∞: the point is rejected, as Stan's
///   exception rejects it.
///
/// Padding ([u; 0]) and cumulative sums are products with constant 0/1 matrices (synthetic data,
/// `ConstraintPattern`), so every transform uses operations both back ends already have.
/// `array[J]` of a constrained vector is a [J, K] free parameter transformed row by row.
extension Lowering {
    /// The name of the unconstrained parameter behind a transformed one.
    static func freeName(_ name: String) -> String { name + "__free" }

    func declareConstrainedType(_ d: Declaration, _ t: StanType, _ c: ConstrainedType) throws {
        let k = t.sizes.last!!
        let rows: Dim? = t.arrayRank == 1 ? t.sizes[0]! : nil
        let x: Expr, logJ: Expr
        switch c {
        case .simplex:
            let free = try reducedDim(k, d)
            let u = builder.parameter(Lowering.freeName(d.name), rows.map { [$0, free] } ?? [free])
            let pad = pattern(.padIdentity, [k, free])
            let z = rows == nil ? pad.matmul(u) : u.matmul(pad.transposed())
            x = z.softmax()
            logJ = z.logSoftmax().sum()
        case .ordered, .positiveOrdered:
            let u = builder.parameter(Lowering.freeName(d.name), t.sizes.map { $0! })
            let z: Expr
            if c == .ordered {
                let rest = 1.0 - pattern(.firstMask, [k])
                let increments = rest * u
                z = (1.0 - rest) * u + rest * increments.exp()
                logJ = increments.sum()
            } else {
                z = u.exp()
                logJ = u.sum()
            }
            let lower = pattern(.lowerOnes, [k, k])
            x = rows == nil ? lower.matmul(z) : z.matmul(lower.transposed())
        case .sumToZeroVector:
            let free = try reducedDim(k, d)
            let u = builder.parameter(Lowering.freeName(d.name), rows.map { [$0, free] } ?? [free])
            let basis = pattern(.sumToZeroBasis, [k, free])
            x = rows == nil ? basis.matmul(u) : u.matmul(basis.transposed())
            logJ = builder.constant(0)
        case .rowStochasticMatrix, .columnStochasticMatrix, .sumToZeroMatrix:
            guard t.arrayRank == 0 else {
                throw fail("arrays of \(c.rawValue) are not supported: the model graph's parameters have at most 2 dimensions", d.typeLocation)
            }
            let (n, m) = (t.sizes[0]!, t.sizes[1]!)
            if c == .sumToZeroMatrix {
                let (freeRows, freeColumns) = (try reducedDim(n, d), try reducedDim(m, d))
                let u = builder.parameter(Lowering.freeName(d.name), [freeRows, freeColumns])
                x = pattern(.sumToZeroBasis, [n, freeRows]).matmul(u).matmul(pattern(.sumToZeroBasis, [m, freeColumns]).transposed())
                logJ = builder.constant(0)
            } else {
                let (count, length) = c == .rowStochasticMatrix ? (n, m) : (m, n)
                let free = try reducedDim(length, d)
                let u = builder.parameter(Lowering.freeName(d.name), [count, free])
                let z = u.matmul(pattern(.padIdentity, [length, free]).transposed())
                x = c == .rowStochasticMatrix ? z.softmax() : z.softmax().transposed()
                logJ = z.logSoftmax().sum()
            }
        case .unitVector:
            guard rows == nil else { throw fail("arrays of unit_vector are not supported yet", d.typeLocation) }
            let u = builder.parameter(Lowering.freeName(d.name), [k])
            let squares = u.square().sum()
            x = u / squares.sqrt()
            logJ = -0.5 * squares
        case .choleskyFactorCorr, .corrMatrix, .choleskyFactorCov, .covMatrix:
            guard t.arrayRank == 0 else { throw fail("arrays of \(c.rawValue) are not supported: the model graph's parameters have at most 2 dimensions", d.typeLocation) }
            (x, logJ) = try choleskyTransform(d, c, k)
        }
        finishTransformed(d, t, x, logJ)
    }

    /// The matrix transforms, from a [K, K] free parameter U whose entries on and above the
    /// diagonal (for correlations) or above it (for covariances) are not used by the transform:
    /// they get independent standard normal densities, so they are proper and leave the rest of
    /// the posterior unchanged (their draws are noise, recorded under `name__free`).
    ///
    /// - `cholesky_factor_corr` (Stan's CPC transform): W = tanh(U) strictly below the diagonal;
    ///   with Aᵢⱼ = log(1 − Wᵢⱼ²) and Cᵢⱼ = Σ_{k<j} Aᵢₖ (a product with the strictly-upper ones),
    ///   Lᵢⱼ = Wᵢⱼ·exp(Cᵢⱼ/2) below the diagonal and Lᵢᵢ = exp(Cᵢᵢ/2) (unit rows).
    ///   log J = Σ_{i>j} Aᵢⱼ (tanh) + ½ Σ_{i>j} Cᵢⱼ.
    /// - `corr_matrix`: Ω = L·Lᵀ; adds Σⱼ (K − j) log Lⱼⱼ (Ωᵢⱼ depends on Lᵢⱼ through Lⱼⱼ, a
    ///   triangular Jacobian in row-major order of the strictly lower entries).
    /// - `cholesky_factor_cov`: L = U below the diagonal, Lᵢᵢ = exp(Uᵢᵢ); log J = Σ Uᵢᵢ.
    /// - `cov_matrix`: Σ = L·Lᵀ; log J = K log 2 + Σₖ (K − k + 2) log Lₖₖ (Stan Reference Manual).
    func choleskyTransform(_ d: Declaration, _ c: ConstrainedType, _ k: Dim) throws -> (Expr, Expr) {
        let u = builder.parameter(Lowering.freeName(d.name), [k, k])
        let below = pattern(.strictLower, [k, k])
        let eye = pattern(.identity, [k, k])
        switch c {
        case .choleskyFactorCorr, .corrMatrix:
            let w = u.tanh() * below
            let a = (-w.square()).log1p()
            let cum = a.matmul(below.transposed())
            let scale = (0.5 * cum).exp()
            let l = (w + eye) * scale
            var logJ = a.sum() + 0.5 * (cum * below).sum() - 0.5 * (u.square() * (1.0 - below)).sum()
            if c == .choleskyFactorCorr { return (l, logJ) }
            logJ = logJ + 0.5 * (cum * eye * pattern(.corrWeights, [k])).sum()
            return (l.matmul(l.transposed()), logJ)
        default:
            let diagonal = u * eye
            let l = u * below + diagonal.exp() * eye
            let unused = -0.5 * (u.square() * below.transposed()).sum()
            if c == .choleskyFactorCov { return (l, diagonal.sum() + unused) }
            let logJ = (diagonal * pattern(.covWeights, [k])).sum() + (eye * 0.6931471805599453).sum() + unused
            return (l.matmul(l.transposed()), logJ)
        }
    }

    /// Whether `d`'s bounds must be computed in the graph: one depends on parameters or is a container.
    func boundsNeedTheGraph(_ d: Declaration) throws -> Bool {
        for e in [d.bounds.lower, d.bounds.upper].compactMap({ $0 }) where foldConstant(e) == nil {
            if !(try isDataOnly(e)) { return true }
            // Data only but beyond the graph's functions (`mean(y) - 3 * sd(y)`): a scalar the host
            // computes when the data are bound (which checks that it is one).
            guard let v = try? expression(e) else { continue }
            if !v.type.isScalar { return true }
        }
        return false
    }

    /// `e`, a bound, offset or multiplier of `d` (of type `t`), as a node: a scalar, or of `d`'s shape.
    private func transformOperand(_ e: Expression?, _ what: String, of d: Declaration, _ t: StanType) throws -> Expr? {
        guard let e else { return nil }
        let v = try expression(e)
        let fits = v.type.isScalar || (v.type.rank == t.rank && !zip(v.type.sizes, t.sizes).contains { differ($0, $1) })
        guard fits, v.type.arrayRank == 0 || v.type.rank == t.rank else {
            throw fail("\(what) of '\(d.name)' must be a scalar or have the shape of '\(d.name)' (\(t)), got \(v.type)", e.location)
        }
        return materialize(v)
    }

    func declareGraphBounded(_ d: Declaration, _ t: StanType) throws {
        let (lo, hi) = (try transformOperand(d.bounds.lower, "a bound", of: d, t), try transformOperand(d.bounds.upper, "a bound", of: d, t))
        let u = builder.parameter(Lowering.freeName(d.name), t.sizes.map { $0! })
        let x: Expr, logJ: Expr
        switch (lo, hi) {
        case (let a?, let b?):
            let width = b - a
            x = a + width * u.invLogit()
            logJ = width.log() + u.logInvLogit() + (-u).logInvLogit()
        case (let a?, nil):
            x = a + u.exp()
            logJ = u
        case (nil, let b?):
            x = b - u.exp()
            logJ = u
        case (nil, nil):
            x = u
            logJ = builder.constant(0)
        }
        finishTransformed(d, t, x, logJ)
    }

    func declareAffine(_ d: Declaration, _ t: StanType) throws {
        let offset = try transformOperand(d.bounds.offset, "the offset", of: d, t)
        let multiplier = try transformOperand(d.bounds.multiplier, "the multiplier", of: d, t)
        let shape = t.sizes.map { $0! }
        let u = builder.parameter(Lowering.freeName(d.name), shape)
        var x = multiplier.map { $0 * u } ?? u
        if let offset { x = offset + x }
        // log σ for every element: a scalar σ counts once per element of x.
        let logJ = multiplier.map { m in shape.isEmpty ? m.log() : m.log() * fill(1, shape) } ?? builder.constant(0)
        finishTransformed(d, t, x, logJ)
    }

    /// Adds the log-Jacobian term, records `x` as the derived quantity `d.name`, and declares
    /// the parameter with `x` as its value.
    private func finishTransformed(_ d: Declaration, _ t: StanType, _ x: Expr, _ logJ: Expr) {
        builder.target(logJ.sum())
        builder.derive(d.name, x)
        scope.declare(Symbol(name: d.name, type: t, kind: .parameter, value: Value(type: t, node: x, dataOnly: false),
                             location: d.location, declaration: d))
    }

    /// K − 1 for a vector of K elements.
    func reducedDim(_ k: Dim, _ d: Declaration) throws -> Dim {
        switch k {
        case .fixed(let n):
            guard n >= 1 else { throw fail("'\(d.name)' needs at least one element", d.typeLocation) }
            return .fixed(n - 1)
        case .symbol(let s):
            return try syntheticDim(.binary("-", .variable(s, d.location), .integer(1, d.location), d.location))
        }
    }

    /// A synthetic data leaf holding `p` with `shape`.
    func pattern(_ p: ConstraintPattern, _ shape: [Dim]) -> Expr {
        let name = syntheticName("pattern", key: "pattern:\(p.rawValue):\(shape)") { .pattern(name: $0, p, shape: shape) }
        return builder.data(name, shape)
    }
}
