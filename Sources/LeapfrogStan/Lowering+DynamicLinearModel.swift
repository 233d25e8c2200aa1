import LeapfrogModel

/// `y ~ gaussian_dlm_obs(F, G, V, W, m0, C0)`: the log likelihood of a Gaussian dynamic linear
/// model by the Kalman filter (Stan Functions Reference, "Gaussian dynamic linear models"; West
/// & Harrison 1997, §4.3). The observations are the columns yₜ of y [r, T]; the state θₜ [n]:
///
///     yₜ ~ N(Fᵀθₜ, V),   θₜ ~ N(Gθₜ₋₁, W),   θ₀ ~ N(m0, C0).
///
/// One step of the graph's loop per observation carries the filtered mean m and covariance C:
///
///     a = G m,   R = G C Gᵀ + W,   f = Fᵀa,   Q = Fᵀ R F + V = L Lᵀ,   e = yₜ − f,
///     K = R F Q⁻¹ = Uᵀ L⁻¹ with U = L⁻¹FᵀR,   A = I − K Fᵀ,
///     m ← a + K e,   C ← A R Aᵀ + K V Kᵀ,
///     log p(yₜ | y₁…ₜ₋₁) = −½‖L⁻¹e‖² − Σ log Lᵢᵢ − r/2 · log 2π.
///
/// The covariance update is Joseph's form (Bucy & Joseph 1968; Grewal & Andrews, *Kalman
/// Filtering*, §6.4), a sum of two positive semi-definite terms, where Stan's C − K Q Kᵀ is a
/// difference: with a diffuse start (C0 = 10⁷ I, as example-models' `fx_equicorr`) the difference
/// loses every digit of C in float (10⁷ · 6·10⁻⁸ against observation variances of 10⁻⁴), and a
/// float run explores another posterior; Joseph's form keeps C ≈ V there. V may be a vector:
/// the diagonal of a diagonal observation covariance (Stan's second signature). Normalising
/// constants kept.
extension Lowering {
    func gaussianDLM(_ y: Value, _ args: [Value], at l: StanSourceLocation, outcomeLocation: StanSourceLocation) throws -> Value {
        guard args.count == 6 else { throw fail("gaussian_dlm_obs takes 6 arguments (F, G, V, W, m0, C0), got \(args.count)", l) }
        if ([y] + args).contains(where: \.plated) {
            throw fail("gaussian_dlm_obs cannot take a value per row of a vectorised loop; give it the whole series", l)
        }
        let (f, g, v, w, m0, c0) = (args[0], args[1], args[2], args[3], args[4], args[5])
        guard y.type.base == .matrix, y.type.arrayRank == 0, let r = y.type.sizes[0], let steps = y.type.sizes[1] else {
            throw fail("the outcome of gaussian_dlm_obs must be a matrix [r, T] (one observation per column), got \(y.type)", outcomeLocation)
        }
        let n = try squareSize(g, "the state transition G of gaussian_dlm_obs", at: l)
        guard f.type.base == .matrix, f.type.arrayRank == 0, !differ(f.type.sizes[0], n), !differ(f.type.sizes[1], r) else {
            throw fail("the observation matrix F of gaussian_dlm_obs must be a matrix [n, r] = [\(n), \(r)], got \(f.type)", l)
        }
        let diagonalV = v.type.base == .vector && v.type.arrayRank == 0
        if diagonalV {
            if differ(v.type.sizes[0], r) { throw fail("the observation variances V of gaussian_dlm_obs must be a vector of \(r), got \(v.type)", l) }
        } else if differ(try squareSize(v, "the observation covariance V of gaussian_dlm_obs", at: l), r) {
            throw fail("the observation covariance V of gaussian_dlm_obs must be \(r) × \(r), got \(v.type)", l)
        }
        if differ(try squareSize(w, "the state covariance W of gaussian_dlm_obs", at: l), n) {
            throw fail("the state covariance W of gaussian_dlm_obs must be \(n) × \(n), got \(w.type)", l)
        }
        guard m0.type.base == .vector, m0.type.arrayRank == 0, !differ(m0.type.sizes[0], n) else {
            throw fail("the initial mean m0 of gaussian_dlm_obs must be a vector of \(n), got \(m0.type)", l)
        }
        if differ(try squareSize(c0, "the initial covariance C0 of gaussian_dlm_obs", at: l), n) {
            throw fail("the initial covariance C0 of gaussian_dlm_obs must be \(n) × \(n), got \(c0.type)", l)
        }
        // Before the loop: the series as rows (one per step), the transposes, the constant.
        let series = materialize(y).transposed()
        let (fMatrix, gMatrix, vNode, wNode) = (materialize(f), materialize(g), materialize(v), materialize(w))
        let (ft, gt) = (fMatrix.transposed(), gMatrix.transposed())
        let (initialMean, initialCovariance) = (materialize(m0), materialize(c0))
        let constant: Expr = -(fill(1, [r]).sum() * FormulaDensities.halfLog2Pi)
        let (identityR, identityN) = (pattern(.identity, [r, r]), pattern(.identity, [n, n]))
        var stepDensity: Expr?
        let loop = builder.loop(from: .fixed(1), to: steps, name: "gaussian_dlm_obs") { t in
            let mean = builder.carry(t, initial: initialMean)
            let covariance = builder.carry(t, initial: initialCovariance)
            let a = gMatrix.matmul(mean)
            let rr = gMatrix.matmul(covariance).matmul(gt) + wNode
            let ftr = ft.matmul(rr)
            let qWithoutV = ftr.matmul(fMatrix)
            let q = diagonalV ? qWithoutV.addDiagonal(vNode) : qWithoutV + vNode
            let factor = q.cholesky()
            let e = builder.at(series, [(t, 1)]) - ft.matmul(a)
            let z = factor.solveLower(e)
            let gain = factor.solveLower(ftr).transposed().matmul(factor.solveLower(identityR))
            let gainT = gain.transposed()
            let keep = identityN - gain.matmul(ft)
            let noise = (diagonalV ? gain * vNode : gain.matmul(vNode)).matmul(gainT)
            builder.update(mean, to: a + gain.matmul(e))
            builder.update(covariance, to: keep.matmul(rr).matmul(keep.transposed()) + noise)
            stepDensity = -0.5 * z.square().sum() - 0.5 * logDeterminant(cholesky: factor, r) + constant
        }
        let total = builder.stack(loop, stepDensity!).sum()
        let dataOnly = ([y] + args).allSatisfy(\.dataOnly)
        return Value(type: .real, node: total, dataOnly: dataOnly)
    }
}
