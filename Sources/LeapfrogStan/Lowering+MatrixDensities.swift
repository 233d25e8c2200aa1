import LeapfrogModel

/// Densities of covariance matrices and the multivariate Student t, written in the graph's
/// operations through Cholesky factors (Stan Functions Reference, "Covariance matrix
/// distributions", "Multivariate Student-t distribution"), normalising constants kept. With
/// W = L Lᵀ and S = C Cᵀ (lower Cholesky factors), log|W| = 2 Σ log Lᵢᵢ, tr(S⁻¹W) = ‖C⁻¹L‖²_F and
/// tr(S W⁻¹) = ‖L⁻¹C‖²_F (triangular solves), and log Γ_D(a) = D(D − 1)/4 · log π +
/// Σⱼ₌₁ᴰ log Γ(a + (1 − j)/2):
///
///     wishart(W | ν, S)     = (ν − D − 1)/2 log|W| − ½ tr(S⁻¹W) − νD/2 log 2 − ν/2 log|S| − log Γ_D(ν/2)
///     inv_wishart(W | ν, S) = ν/2 log|S| − νD/2 log 2 − log Γ_D(ν/2) − (ν + D + 1)/2 log|W| − ½ tr(S W⁻¹)
///     multi_student_t(y | ν, μ, Σ) = log Γ((ν + D)/2) − log Γ(ν/2) − D/2 log(νπ) − ½ log|Σ|
///                                    − (ν + D)/2 · log(1 + ‖L⁻¹(y − μ)‖²/ν)
///
/// (`multi_student_t_cholesky` takes L itself). The matrices' lower triangles are read, as
/// `multi_normal` reads its covariance's.
extension Lowering {
    /// log|A| from A's lower Cholesky factor `factor` [k, k]: 2 Σ log of its diagonal.
    func logDeterminant(cholesky factor: Expr, _ k: Dim) -> Expr {
        2.0 * (factor * pattern(.identity, [k, k])).matmul(fill(1, [k])).log().sum()
    }

    /// log Γ_D(a), the multivariate gamma function's log, for D = k the data may set
    /// (`FormulaDensities.logMultivariateGamma` for a constant D).
    func logMultivariateGamma(_ a: Expr, _ k: Dim) -> Expr {
        let dimension = fill(1, [k]).sum()
        let j = pattern(.lowerOnes, [k, k]).matmul(fill(1, [k]))   // 1, 2, …, D
        return dimension * (dimension - 1.0) * Lowering.quarterLogPi + (a + 0.5 - 0.5 * j).lgamma().sum()
    }

    /// The size k of a square matrix `v` (an error naming `what` otherwise).
    func squareSize(_ v: Value, _ what: String, at l: StanSourceLocation) throws -> Dim {
        guard v.type.base == .matrix, v.type.arrayRank == 0, !v.plated, !v.columns, let k = v.type.sizes[0], same(k, v.type.sizes[1] ?? k) else {
            throw fail("\(what) must be a square matrix (not one per row of a vectorised loop), got \(v.type)", l)
        }
        return k
    }

    func wishart(_ name: String, _ w: Value, _ nu: Value, _ s: Value, at l: StanSourceLocation, outcomeLocation: StanSourceLocation) throws -> Value {
        let k = try squareSize(w, "the outcome of \(name)", at: outcomeLocation)
        let ks = try squareSize(s, "the scale matrix of \(name)", at: l)
        if differ(k, ks) { throw fail("size mismatch in \(name): \(w.type) and a scale matrix \(s.type)", l) }
        guard nu.type.isScalar, !nu.plated else { throw fail("the degrees of freedom of \(name) must be a scalar, got \(nu.type)", l) }
        let (lw, ls, n) = (materialize(w).cholesky(), materialize(s).cholesky(), materialize(nu))
        let d = fill(1, [k]).sum()
        let (logW, logS) = (logDeterminant(cholesky: lw, k), logDeterminant(cholesky: ls, k))
        let constant: Expr = -(n * d * (0.5 * FormulaDensities.log2)) - logMultivariateGamma(n * 0.5, k)
        let half: Expr = n * 0.5
        let node: Expr
        if name == "wishart" {
            let trace: Expr = ls.solveLower(lw).square().sum()
            let weight: Expr = (n - d - 1.0) * 0.5
            node = weight * logW - half * logS - 0.5 * trace + constant
        } else {
            let trace: Expr = lw.solveLower(ls).square().sum()
            let weight: Expr = (n + d + 1.0) * 0.5
            node = half * logS - weight * logW - 0.5 * trace + constant
        }
        return Value(type: .real, node: node, dataOnly: w.dataOnly && nu.dataOnly && s.dataOnly)
    }

    func multiStudentT(_ name: String, _ y: Value, _ nu: Value, _ mu: Value, _ sigma: Value, at l: StanSourceLocation,
                       outcomeLocation: StanSourceLocation) throws -> Value {
        let k = try squareSize(sigma, name == "multi_student_t" ? "the covariance of multi_student_t" : "the Cholesky factor of \(name)", at: l)
        guard nu.type.isScalar, !nu.plated else { throw fail("the degrees of freedom of \(name) must be a scalar, got \(nu.type)", l) }
        var y = y
        if !y.plated, y.type.rank == 1, !mu.plated, mu.type.rank == 2, mu.type.arrayRank == 1, let means = mu.type.sizes[0] {
            // One outcome, an array of locations: Stan sums the densities, the outcome repeated
            // per location (as multi_normal's).
            y = derived(y, node: fill(1, [means, .fixed(1)]) * materialize(y), type: StanType(base: .vector, arrayRank: 1, sizes: [means, y.type.sizes[0]]))
        }
        // Outcomes: one vector, or an array of them (rows [N, D]), or one per row of a vectorised loop.
        let rowsOfY = y.plated || (y.type.rank == 2 && y.type.arrayRank == 1)
        guard y.type.base == .vector || y.type.base == .rowVector, y.type.rank == (y.plated ? 1 : (rowsOfY ? 2 : 1)), !y.columns,
              differ(y.type.sizes.last!, k) == false else {
            throw fail("the outcome of \(name) must be a vector of \(StanType.text(k)) or an array of them, got \(y.type)", outcomeLocation)
        }
        let rowsOfMu = mu.plated || (mu.type.rank == 2 && mu.type.arrayRank == 1)
        guard mu.type.rank >= 1, !mu.columns, differ(mu.type.sizes.last!, k) == false, !rowsOfMu || rowsOfY else {
            throw fail("the location of \(name) must be a vector of \(StanType.text(k)) (or one per outcome), got \(mu.type)", l)
        }
        let factor = name == "multi_student_t" ? materialize(sigma).cholesky() : materialize(sigma)
        // Residuals as columns [D, N] (or [D] for one outcome): L⁻¹ of them, squared, summed per column.
        let residual = materialize(y) - materialize(mu)
        let columns: Expr = rowsOfY ? residual.transposed() : residual
        let z = factor.solveLower(columns)
        let q: Expr = rowsOfY ? fill(1, [k]).matmul(z.square()) : z.square().sum()
        let n = materialize(nu)
        let d = fill(1, [k]).sum()
        let halfSum: Expr = (n + d) * 0.5
        let gammas: Expr = halfSum.lgamma() - (n * 0.5).lgamma()
        let perOutcome: Expr = gammas - 0.5 * d * (n * Double.pi).log() - 0.5 * logDeterminant(cholesky: factor, k)
        let kernel: Expr = -(halfSum * (q / n).log1p())
        let outcomes: Expr = rowsOfY ? fill(1, [y.plated ? plate! : y.type.sizes[0]!]).sum() : builder.constant(1)
        var v = Value(type: .real, node: kernel.sum() + outcomes * perOutcome, dataOnly: y.dataOnly && nu.dataOnly && mu.dataOnly && sigma.dataOnly)
        v.summedOverPlate = y.plated
        return v
    }
}
