import Foundation
import LeapfrogCore

/// log p(θ) = −½(θ − μ)ᵀΛ(θ − μ) with gradient −Λ(θ − μ): a Gaussian with precision Λ, known
/// in closed form, so ADVI's optimum is too.
struct GaussianDensity: BatchedLogDensity {
    let mean: [Double]
    /// Row-major d×d.
    let precision: [Double]
    /// A constant added to log p (the normalising constant a real model has).
    var offset = 0.0
    var dimension: Int { mean.count }

    func evaluate(_ positions: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        let d = dimension
        var lp = [Double](repeating: 0, count: positions.chains)
        var grad = ChainBatch(chains: positions.chains, dimension: d)
        for c in 0..<positions.chains {
            let x = positions.vector(chain: c)
            var acc = 0.0
            for i in 0..<d {
                var g = 0.0
                for j in 0..<d { g -= precision[i * d + j] * (x[j] - mean[j]) }
                grad[c, i] = g
                acc += (x[i] - mean[i]) * g
            }
            lp[c] = 0.5 * acc + offset
        }
        return DensityBatch(logDensity: lp, gradient: grad)
    }

    /// The AR(1) covariance Σᵢⱼ = ρ^|i−j| scaled by sᵢsⱼ, and its precision.
    static func correlated(mean: [Double], scales: [Double], rho: Double) -> (GaussianDensity, covariance: [Double]) {
        let d = mean.count
        var s = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d { s[i * d + j] = pow(rho, Double(abs(i - j))) * scales[i] * scales[j] } }
        return (GaussianDensity(mean: mean, precision: invert(s, d), offset: 0), s)
    }

    /// Σ = diag(d²) + BBᵀ (B d×r row-major, `factor`), the covariance the low-rank family holds
    /// exactly, and its precision.
    static func lowRank(mean: [Double], diagonal: [Double], factor: [Double], rank r: Int) -> (GaussianDensity, covariance: [Double]) {
        let d = mean.count
        var s = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d {
            s[i * d + j] = (i == j ? diagonal[i] * diagonal[i] : 0) + (0..<r).reduce(0) { $0 + factor[i * r + $1] * factor[j * r + $1] }
        } }
        return (GaussianDensity(mean: mean, precision: invert(s, d), offset: 0), s)
    }

    /// Gauss–Jordan inverse of a small symmetric positive-definite matrix.
    static func invert(_ a: [Double], _ n: Int) -> [Double] {
        var m = a, inv = [Double](repeating: 0, count: n * n)
        for i in 0..<n { inv[i * n + i] = 1 }
        for col in 0..<n {
            let p = m[col * n + col]
            for k in 0..<n { m[col * n + k] /= p; inv[col * n + k] /= p }
            for r in 0..<n where r != col {
                let f = m[r * n + col]
                for k in 0..<n { m[r * n + k] -= f * m[col * n + k]; inv[r * n + k] -= f * inv[col * n + k] }
            }
        }
        return inv
    }
}

/// Wraps a density and returns NaN (log density and gradient) from evaluation `after` on.
final class NaNAfter: BatchedLogDensity, @unchecked Sendable {
    let base: any BatchedLogDensity
    let after: Int
    private(set) var calls = 0
    init(_ base: any BatchedLogDensity, after: Int) { self.base = base; self.after = after }
    var dimension: Int { base.dimension }
    func evaluate(_ positions: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        calls += 1
        var out = try base.evaluate(positions, active: active)
        if calls > after {
            out.logDensity = out.logDensity.map { _ in .nan }
            out.gradient.values = out.gradient.values.map { _ in .nan }
        }
        return out
    }
}
