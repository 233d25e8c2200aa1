#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Pathfinder's local Gaussian at one point x of the optimisation path (Zhang et al. 2022,
/// Algorithm 4, "BFGS-Sample"): q = N(μ, H) with H the L-BFGS inverse Hessian at x
/// (`InverseHessian`) and μ = x + H ∇log p(x), the quasi-Newton step from x (on a Gaussian
/// target with H its covariance, μ is its mean).
///
/// Draws, from u ~ N(0, I_d):
/// - 2m < d: with the thin QR factorisation diag(α)^(−½) β = QR̃ and the Cholesky factor L of
///   I + R̃γR̃ᵀ (2m × 2m),
///
///       θ = μ + diag(α)^(½) (Q (L − I) Qᵀ u + u),   log det H = Σ log αᵢ + 2 Σ log Lⱼⱼ,
///
///   since H = diag(α)^(½) (I + Q R̃γR̃ᵀ Qᵀ) diag(α)^(½) and I + Q(L − I)Qᵀ is that middle
///   factor's square root. Cost O(d m) per draw.
/// - 2m ≥ d: the dense Cholesky factor C of H, θ = μ + C u, log det H = 2 Σ log Cᵢᵢ.
///
/// In both cases log q(θ) = −½ (log det H + |u|² + d log 2π).
public struct PathfinderApproximation: Sendable, Hashable {
    public let mean: [Double]
    public let inverseHessian: InverseHessian
    public let logDeterminant: Double
    let factor: Factor

    enum Factor: Sendable, Hashable {
        /// Q (d × n, row-major) and L − I (n × n, row-major).
        case lowRank(q: [Double], lMinusIdentity: [Double], n: Int)
        /// C, row-major d × d lower triangular.
        case dense([Double])
    }

    /// nil when H is not numerically positive definite.
    public init?(position x: [Double], gradient g: [Double], inverseHessian h: InverseHessian) {
        let d = x.count, n = h.rank
        let step = h.apply(g)
        mean = (0..<d).map { x[$0] + step[$0] }
        inverseHessian = h
        guard mean.allSatisfy(\.isFinite) else { return nil }
        if n >= d {
            guard let c = DenseMatrix.cholesky(h.dense, d) else { return nil }
            factor = .dense(c)
            logDeterminant = 2 * (0..<d).reduce(0) { $0 + log(c[$1 * d + $1]) }
        } else if n == 0 {
            factor = .lowRank(q: [], lMinusIdentity: [], n: 0)
            logDeterminant = h.alpha.reduce(0) { $0 + log($1) }
        } else {
            var b = [Double](repeating: 0, count: d * n)
            for j in 0..<n { for i in 0..<d { b[i * n + j] = h.beta[j][i] / h.alpha[i].squareRoot() } }
            let (q, r) = DenseMatrix.thinQR(b, rows: d, columns: n)
            let rGamma = DenseMatrix.multiply(r, h.gamma, rows: n, inner: n, columns: n)
            var middle = DenseMatrix.multiply(rGamma, DenseMatrix.transpose(r, rows: n, columns: n), rows: n, inner: n, columns: n)
            for i in 0..<n { middle[i * n + i] += 1 }
            // Symmetrise against rounding before the factorisation.
            for i in 0..<n { for j in 0..<i {
                let v = 0.5 * (middle[i * n + j] + middle[j * n + i])
                middle[i * n + j] = v; middle[j * n + i] = v
            } }
            guard var l = DenseMatrix.cholesky(middle, n) else { return nil }
            let logDetL = (0..<n).reduce(0) { $0 + log(l[$1 * n + $1]) }
            for i in 0..<n { l[i * n + i] -= 1 }
            factor = .lowRank(q: q, lMinusIdentity: l, n: n)
            logDeterminant = h.alpha.reduce(0) { $0 + log($1) } + 2 * logDetL
        }
        guard logDeterminant.isFinite else { return nil }
    }

    public var dimension: Int { mean.count }

    /// θ for the standard normal vector u.
    public func transform(_ u: [Double]) -> [Double] {
        let d = dimension
        switch factor {
        case .dense(let c):
            return (0..<d).map { i in
                var v = mean[i]
                for j in 0...i { v += c[i * d + j] * u[j] }
                return v
            }
        case .lowRank(let q, let lm, let n):
            var z = u
            if n > 0 {
                var qtu = [Double](repeating: 0, count: n)
                for i in 0..<d { for j in 0..<n { qtu[j] += q[i * n + j] * u[i] } }
                var w = [Double](repeating: 0, count: n)
                for a in 0..<n { for b in 0...a { w[a] += lm[a * n + b] * qtu[b] } }
                for i in 0..<d { for j in 0..<n { z[i] += q[i * n + j] * w[j] } }
            }
            return (0..<d).map { mean[$0] + inverseHessian.alpha[$0].squareRoot() * z[$0] }
        }
    }

    /// ½·log 2π.
    static let halfLogTwoPi = 0.5 * log(2 * Double.pi)

    /// log q(θ) at θ = transform(u).
    public func logDensity(standardNormal u: [Double]) -> Double {
        -0.5 * logDeterminant - 0.5 * u.reduce(0) { $0 + $1 * $1 } - Double(dimension) * Self.halfLogTwoPi
    }

    /// The covariance H, row-major d × d.
    public var covariance: [Double] { inverseHessian.dense }
}
