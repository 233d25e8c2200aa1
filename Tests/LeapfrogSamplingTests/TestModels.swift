#if canImport(Glibc)
import Glibc
#endif
import LeapfrogCore
@testable import LeapfrogSampling

/// Independent Gaussian N(μ, diag(σ²)) with analytic gradient.
/// iid (σ = 1, d = 100) and ill-conditioned (σ from 1 to 100: variance condition number 1e4).
struct DiagonalGaussian: BatchedLogDensity {
    let mean: [Double]
    let sd: [Double]
    var dimension: Int { mean.count }

    static func iid(dimension d: Int) -> DiagonalGaussian {
        DiagonalGaussian(mean: (0..<d).map { Double($0 % 5) - 2 }, sd: Array(repeating: 1, count: d))
    }

    /// Standard deviations log-spaced from 1 to 100 (variances 1 … 1e4).
    static func illConditioned(dimension d: Int) -> DiagonalGaussian {
        DiagonalGaussian(mean: Array(repeating: 0, count: d),
                         sd: (0..<d).map { pow(100, Double($0) / Double(d - 1)) })
    }

    func evaluate(_ x: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        let n = x.chains
        var lp = [Double](repeating: 0, count: n)
        var g = ChainBatch(chains: n, dimension: dimension)
        for i in 0..<dimension {
            let inv = 1 / (sd[i] * sd[i])
            for c in 0..<n where active?[c] ?? true {
                let r = x.values[i * n + c] - mean[i]
                lp[c] -= 0.5 * r * r * inv
                g.values[i * n + c] = -r * inv
            }
        }
        return DensityBatch(logDensity: lp, gradient: g)
    }
}

/// N(μ, Σ) given the precision P = Σ⁻¹ (row-major): log π = −½ (x−μ)ᵀ P (x−μ).
struct DenseGaussian: BatchedLogDensity {
    let mean: [Double]
    let covariance: [Double]
    let precision: [Double]
    var dimension: Int { mean.count }

    /// Σ_ij = s_i s_j ρ^{|i−j|} (AR(1) correlation).
    static func ar1(dimension d: Int, rho: Double, scale: [Double]? = nil) -> DenseGaussian {
        let s = scale ?? Array(repeating: 1, count: d)
        var cov = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d { cov[i * d + j] = s[i] * s[j] * pow(rho, Double(abs(i - j))) } }
        return DenseGaussian(mean: (0..<d).map { 0.5 * Double($0) }, covariance: cov, precision: invert(cov, d))
    }

    func evaluate(_ x: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        let n = x.chains, d = dimension
        var lp = [Double](repeating: 0, count: n)
        var g = ChainBatch(chains: n, dimension: d)
        for c in 0..<n where active?[c] ?? true {
            let r = (0..<d).map { x.values[$0 * n + c] - mean[$0] }
            var s = 0.0
            for i in 0..<d {
                var pr = 0.0
                for j in 0..<d { pr += precision[i * d + j] * r[j] }
                g.values[i * n + c] = -pr
                s += r[i] * pr
            }
            lp[c] = -0.5 * s
        }
        return DensityBatch(logDensity: lp, gradient: g)
    }
}

/// Gauss–Jordan inverse of a small SPD matrix (test helper).
func invert(_ a: [Double], _ d: Int) -> [Double] {
    var m = a
    var inv = [Double](repeating: 0, count: d * d)
    for i in 0..<d { inv[i * d + i] = 1 }
    for col in 0..<d {
        let piv = m[col * d + col]
        for j in 0..<d { m[col * d + j] /= piv; inv[col * d + j] /= piv }
        for r in 0..<d where r != col {
            let f = m[r * d + col]
            if f == 0 { continue }
            for j in 0..<d { m[r * d + j] -= f * m[col * d + j]; inv[r * d + j] -= f * inv[col * d + j] }
        }
    }
    return inv
}

/// Standard normal in 1-D whose density is NaN for x > `wall`: a region of non-finite density.
struct WalledNormal: BatchedLogDensity {
    var wall = 1.0
    var dimension: Int { 1 }
    func evaluate(_ x: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        var lp = [Double](repeating: 0, count: x.chains)
        var g = ChainBatch(chains: x.chains, dimension: 1)
        for c in 0..<x.chains {
            let v = x.values[c]
            if v > wall { lp[c] = .nan; g.values[c] = .nan } else { lp[c] = -0.5 * v * v; g.values[c] = -v }
        }
        return DensityBatch(logDensity: lp, gradient: g)
    }
}

/// A density that is −∞ everywhere for chains at odd positions of some component > 0: used to
/// test initialisation failure (never finite for the chosen chain).
struct NeverFinite: BatchedLogDensity {
    let dimension: Int
    func evaluate(_ x: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        DensityBatch(logDensity: Array(repeating: -.infinity, count: x.chains),
                     gradient: ChainBatch(chains: x.chains, dimension: dimension))
    }
}

/// Mean and variance per component from per-chain means, with MCSE from independent chains.
///
/// MCSE of the mean: sd of the C chain means / √C (chains are independent after warmup).
/// MCSE of the variance: the same estimator applied to each chain's second central moment
/// about the pooled mean.
struct ChainMoments {
    var mean: [Double] = []
    var variance: [Double] = []
    var meanSE: [Double] = []
    var varianceSE: [Double] = []

    init(draws: [[[Double]]]) { // [chain][draw][component]
        let c = draws.count, d = draws[0][0].count
        for i in 0..<d {
            let chainMeans = draws.map { ch in ch.reduce(0) { $0 + $1[i] } / Double(ch.count) }
            let m = chainMeans.reduce(0, +) / Double(c)
            let chainVars = draws.map { ch in ch.reduce(0) { $0 + ($1[i] - m) * ($1[i] - m) } / Double(ch.count) }
            let v = chainVars.reduce(0, +) / Double(c)
            func se(_ xs: [Double], _ mu: Double) -> Double {
                (xs.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(c - 1) / Double(c)).squareRoot()
            }
            mean.append(m); variance.append(v)
            meanSE.append(se(chainMeans, m)); varianceSE.append(se(chainVars, v))
        }
    }
}
