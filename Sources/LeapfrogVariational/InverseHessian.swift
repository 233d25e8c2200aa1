/// The L-BFGS inverse Hessian in the factored form of Zhang et al. 2022 (Pathfinder, Appendix A,
/// eq. II.1; the compact representation of Byrd, Nocedal & Schnabel, "Representations of
/// quasi-Newton matrices and their use in limited memory methods", Math. Programming 63, 1994,
/// Theorem 2.2, with the diagonal α as the initial matrix):
///
///     H = diag(α) + β γ βᵀ,   β = [diag(α) Y, S]  (d × 2m),
///     γ = [ 0      −R⁻¹                      ]
///         [ −R⁻ᵀ   R⁻ᵀ (D + Yᵀ diag(α) Y) R⁻¹ ]   (2m × 2m),
///
/// where S, Y (d × m) hold the m accepted pairs oldest first, R is the upper triangle of SᵀY and
/// D its diagonal. With no pairs, H = diag(α).
public struct InverseHessian: Sendable, Hashable {
    public let dimension: Int
    public let alpha: [Double]
    /// Columns of β: 2m of them, each of length d (first diag(α)Y, then S).
    public let beta: [[Double]]
    /// γ, row-major 2m × 2m.
    public let gamma: [Double]

    /// Builds the factors. Pairs whose R is singular (impossible when every pair passed the
    /// curvature test, as then R's diagonal sᵀy is positive) leave H = diag(α).
    public init(alpha: [Double], steps: [[Double]], gradientChanges: [[Double]]) {
        let d = alpha.count, m = steps.count
        dimension = d
        self.alpha = alpha
        var r = [Double](repeating: 0, count: m * m)
        for i in 0..<m { for j in i..<m {
            var acc = 0.0
            for k in 0..<d { acc += steps[i][k] * gradientChanges[j][k] }
            r[i * m + j] = acc
        } }
        guard m > 0, let rInverse = DenseMatrix.invertUpperTriangular(r, m) else {
            beta = []
            gamma = []
            return
        }
        // D + Yᵀ diag(α) Y
        var middle = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for j in 0..<m {
                var acc = 0.0
                for k in 0..<d { acc += gradientChanges[i][k] * alpha[k] * gradientChanges[j][k] }
                middle[i * m + j] = acc
            }
            middle[i * m + i] += r[i * m + i]
        }
        let rInverseT = DenseMatrix.transpose(rInverse, rows: m, columns: m)
        let lower = DenseMatrix.multiply(DenseMatrix.multiply(rInverseT, middle, rows: m, inner: m, columns: m),
                                         rInverse, rows: m, inner: m, columns: m)
        let n = 2 * m
        var g = [Double](repeating: 0, count: n * n)
        for i in 0..<m {
            for j in 0..<m {
                g[i * n + (m + j)] = -rInverse[i * m + j]
                g[(m + i) * n + j] = -rInverseT[i * m + j]
                g[(m + i) * n + (m + j)] = lower[i * m + j]
            }
        }
        gamma = g
        beta = gradientChanges.map { y in (0..<d).map { alpha[$0] * y[$0] } } + steps
    }

    /// The number of columns of β (2m).
    public var rank: Int { beta.count }

    /// H·v = αv + β(γ(βᵀv)).
    public func apply(_ v: [Double]) -> [Double] {
        var out = (0..<dimension).map { alpha[$0] * v[$0] }
        let n = rank
        guard n > 0 else { return out }
        let projected = beta.map { column in
            var acc = 0.0
            for k in 0..<dimension { acc += column[k] * v[k] }
            return acc
        }
        for i in 0..<n {
            var w = 0.0
            for j in 0..<n { w += gamma[i * n + j] * projected[j] }
            if w == 0 { continue }
            for k in 0..<dimension { out[k] += beta[i][k] * w }
        }
        return out
    }

    /// H as a dense row-major d×d matrix.
    public var dense: [Double] {
        let d = dimension, n = rank
        var h = [Double](repeating: 0, count: d * d)
        for i in 0..<d { h[i * d + i] = alpha[i] }
        for a in 0..<n { for b in 0..<n {
            let w = gamma[a * n + b]
            if w == 0 { continue }
            for i in 0..<d { for j in 0..<d { h[i * d + j] += beta[a][i] * w * beta[b][j] } }
        } }
        return h
    }
}
