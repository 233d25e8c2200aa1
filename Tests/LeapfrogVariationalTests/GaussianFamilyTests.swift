import Foundation
import LeapfrogCore
import LeapfrogRandom
import Testing
@testable import LeapfrogVariational

/// The family's closed forms, and the ELBO estimator and its gradient against the closed-form
/// ELBO of a Gaussian q under a Gaussian p:
///
///     ELBO(q) = E_q[log p] + H[q] = −½[tr(ΛS) + (m − μ)ᵀΛ(m − μ)] + H[q],   q = N(m, S)
///
/// (log p without its constant, as `GaussianDensity` has it).
@Suite struct GaussianFamilyTests {
    static let (target, covariance) = GaussianDensity.correlated(mean: [0.5, -1, 2], scales: [1, 2, 0.5], rho: 0.7)

    /// In dimension 3; the low-rank one has rank 2 (B 3×2).
    static func family(_ kind: GaussianFamily.Kind) -> GaussianFamily {
        var f = GaussianFamily(kind: kind, mean: [0.2, -0.5, 1.5], rank: 2)
        f.parameters[3] = log(0.8); f.parameters[4] = log(1.5); f.parameters[5] = log(0.7)
        if kind == .fullRank { f.parameters[6] = 0.3; f.parameters[7] = -0.2; f.parameters[8] = 0.4 }
        if kind == .lowRank { for (k, b) in [0.3, -0.2, 0.4, 0.5, -0.6, 0.1].enumerated() { f.parameters[6 + k] = b } }
        return f
    }

    static func closedFormELBO(_ q: GaussianFamily) -> Double {
        let d = q.dimension, lam = target.precision, s = q.covariance, m = q.mean
        var trace = 0.0, quad = 0.0
        for i in 0..<d { for j in 0..<d {
            trace += lam[i * d + j] * s[j * d + i]
            quad += (m[i] - target.mean[i]) * lam[i * d + j] * (m[j] - target.mean[j])
        } }
        return -0.5 * (trace + quad) + q.entropy
    }

    /// Means of the per-draw ELBO estimates and gradients over `n` draws, with standard errors.
    static func monteCarlo(_ q: GaussianFamily, n: Int, stl: Bool) throws -> (elbo: Double, se: Double, grad: [Double], gradSE: [Double]) {
        let random = PhiloxRandom(seed: 42)
        var values: [Double] = [], grads: [[Double]] = []
        for s in 0..<n {
            var eps = [Double](repeating: 0, count: q.noiseDimension)
            random.normals(chain: s, iteration: 0, purpose: .variationalDraw, count: eps.count) { i, z in eps[i] = z }
            let theta = q.transform(eps)
            let out = try target.evaluate(ChainBatch(vectors: [theta]))
            values.append(out.logDensity[0] + q.entropy)
            grads.append(q.elboGradient(epsilons: [eps], gradients: [out.gradient.vector(chain: 0)], stickingTheLanding: stl))
        }
        func meanSE(_ x: [Double]) -> (Double, Double) {
            let m = x.reduce(0, +) / Double(x.count)
            let v = x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)
            return (m, (v / Double(x.count)).squareRoot())
        }
        let (e, se) = meanSE(values)
        let g = (0..<q.parameters.count).map { k in meanSE(grads.map { $0[k] }) }
        return (e, se, g.map(\.0), g.map(\.1))
    }

    /// The in-place forms of ADVI's loop agree with the allocating ones: θ written into a batch
    /// column, and the ELBO gradient over some of the draws, each read from its own batch column
    /// (the other columns hold NaN, so reading one would show).
    @Test(arguments: GaussianFamily.Kind.allCases)
    func inPlaceFormsAgreeWithTheArrayForms(kind: GaussianFamily.Kind) {
        let q = Self.family(kind)
        let e = q.noiseDimension, d = q.dimension, draws = 4, first = 2, chains = first + draws + 1
        var noise = [Double](repeating: 0, count: draws * e)
        PhiloxRandom(seed: 7).normals(chain: 0, iteration: 0, purpose: .variationalDraw, count: noise.count) { i, z in noise[i] = z }
        let eps = (0..<draws).map { Array(noise[($0 * e)..<(($0 + 1) * e)]) }
        var batch = ChainBatch(chains: chains, dimension: d, repeating: .nan)
        noise.withUnsafeBufferPointer { q.transform($0, count: draws, into: &batch, firstColumn: first) }
        for j in 0..<draws { #expect(batch.vector(chain: first + j) == q.transform(eps[j])) }
        let untouched = batch.vector(chain: 0) + batch.vector(chain: chains - 1)
        #expect(untouched.allSatisfy { $0.isNaN })

        var gradients = ChainBatch(chains: chains, dimension: d, repeating: .nan)
        for j in 0..<draws { gradients.setVector((0..<d).map { Double(j) - 0.7 * Double($0) + 0.1 }, chain: first + j) }
        let kept = [0, 2, 3]
        for stl in [false, true] {
            var out = [Double](repeating: .nan, count: q.parameters.count)
            noise.withUnsafeBufferPointer {
                q.elboGradient(epsilons: $0, gradients: gradients, firstColumn: first, draws: kept, stickingTheLanding: stl, into: &out)
            }
            let expected = q.elboGradient(epsilons: kept.map { eps[$0] }, gradients: kept.map { gradients.vector(chain: first + $0) },
                                          stickingTheLanding: stl)
            let finite = out.allSatisfy { $0.isFinite }
            #expect(finite)
            #expect(zip(out, expected).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) }, "\(kind) stl \(stl): \(out) against \(expected)")
        }
    }

    @Test(arguments: [GaussianFamily.Kind.meanField, .fullRank])
    func transformAndStandardizeAreInverse(kind: GaussianFamily.Kind) {
        let q = Self.family(kind)
        let eps = [0.3, -1.2, 0.8]
        let back = q.standardize(q.transform(eps))
        for i in 0..<3 { #expect(abs(back[i] - eps[i]) < 1e-12) }
        #expect(abs(q.logDensity(q.transform(eps)) - q.logDensity(epsilon: eps)) < 1e-12)
    }

    /// The marginal standard deviations, computed from φ without Σ (a mean-field family of 10⁵
    /// coordinates had asked for its 10¹⁰-element Σ), are Σ's diagonal's square roots.
    @Test(arguments: [GaussianFamily.Kind.meanField, .fullRank, .lowRank])
    func standardDeviationsAreTheCovariancesDiagonal(_ kind: GaussianFamily.Kind) {
        let q = Self.family(kind), s = q.covariance
        for (i, sd) in q.standardDeviations.enumerated() { #expect(abs(sd - s[i * 3 + i].squareRoot()) < 1e-14, "\(kind) \(i)") }
    }

    /// Low-rank: Σ = D² + BBᵀ; log q, the solve and the standardisation agree with the dense
    /// Cholesky of that Σ; the Woodbury pieces agree with Σ⁻¹ formed densely.
    @Test func lowRankAgreesWithItsDenseCovariance() throws {
        let q = Self.family(.lowRank)
        #expect(q.rank == 2 && q.noiseDimension == 5 && q.parameters.count == 12)
        let s = q.covariance, b = q.factor, dd = q.diagonalScale
        for i in 0..<3 { for j in 0..<3 {
            let expected = (i == j ? dd[i] * dd[i] : 0) + b[i * 2] * b[j * 2] + b[i * 2 + 1] * b[j * 2 + 1]
            #expect(abs(s[i * 3 + j] - expected) < 1e-14)
        } }
        let eps = [0.3, -1.2, 0.8, 0.5, -0.4]
        let theta = q.transform(eps)
        // Dense log q from the Cholesky of Σ.
        let l = try #require(DenseMatrix.cholesky(s, 3))
        let e = q.standardize(theta)
        var r = [Double](repeating: 0, count: 3)
        for i in 0..<3 { r[i] = l[i * 3 + i] * e[i] + (0..<i).reduce(0) { $0 + l[i * 3 + $1] * e[$1] } }
        for i in 0..<3 { #expect(abs(r[i] + q.mean[i] - theta[i]) < 1e-12) }
        let dense = -1.5 * log(2 * Double.pi) - (0..<3).reduce(0) { $0 + log(l[$1 * 3 + $1]) } - 0.5 * e.reduce(0) { $0 + $1 * $1 }
        #expect(abs(q.logDensity(theta) - dense) < 1e-12 && abs(q.logDensity(epsilon: eps) - dense) < 1e-12)
        // Σ⁻¹ densely (L⁻ᵀL⁻¹) against the Woodbury solve, diagonal and Σ⁻¹B.
        let w = try #require(q.lowRankCovariance)
        let lInverse = try #require(DenseMatrix.invertUpperTriangular(DenseMatrix.transpose(l, rows: 3, columns: 3), 3))
        let inverse = DenseMatrix.multiply(lInverse, DenseMatrix.transpose(lInverse, rows: 3, columns: 3), rows: 3, inner: 3, columns: 3)
        let v = [0.7, -0.1, 2.0]
        let solved = w.solve(v)
        for i in 0..<3 {
            #expect(abs(solved[i] - (0..<3).reduce(0) { $0 + inverse[i * 3 + $1] * v[$1] }) < 1e-12)
            #expect(abs(w.inverseDiagonal[i] - inverse[i * 3 + i]) < 1e-12)
            for j in 0..<2 { #expect(abs(w.inverseTimesFactor[i * 2 + j] - (0..<3).reduce(0) { $0 + inverse[i * 3 + $1] * b[$1 * 2 + j] }) < 1e-12) }
        }
    }

    /// Entropy against ½ log det(2πe Σ) from the covariance's own Cholesky diagonal.
    @Test(arguments: GaussianFamily.Kind.allCases)
    func entropyIsTheGaussianEntropy(kind: GaussianFamily.Kind) throws {
        let q = Self.family(kind)
        let l = try #require(DenseMatrix.cholesky(q.covariance, 3))
        let logDet = 2 * (0..<3).map { log(l[$0 * 3 + $0]) }.reduce(0, +)
        #expect(abs(q.entropy - 0.5 * (3 * (1 + log(2 * Double.pi)) + logDet)) < 1e-12)
    }

    /// The ELBO estimate is unbiased: its mean over 4000 draws is within 4 standard errors of the closed form.
    @Test(arguments: GaussianFamily.Kind.allCases)
    func elboEstimatorIsUnbiased(kind: GaussianFamily.Kind) throws {
        let q = Self.family(kind)
        let mc = try Self.monteCarlo(q, n: 4000, stl: false)
        let exact = Self.closedFormELBO(q)
        #expect(abs(mc.elbo - exact) < 4 * mc.se, "ELBO estimate \(mc.elbo) ± \(mc.se) against \(exact)")
    }

    /// The reparameterisation gradient (and the STL one) averages to the closed-form ELBO's
    /// gradient (central differences in φ), within 4 standard errors plus 1e-6.
    @Test(arguments: GaussianFamily.Kind.allCases, [false, true])
    func gradientIsUnbiased(kind: GaussianFamily.Kind, stl: Bool) throws {
        let q = Self.family(kind)
        let mc = try Self.monteCarlo(q, n: 4000, stl: stl)
        let h = 1e-5
        for k in q.parameters.indices {
            var up = q, down = q
            up.parameters[k] += h; down.parameters[k] -= h
            let fd = (Self.closedFormELBO(up) - Self.closedFormELBO(down)) / (2 * h)
            #expect(abs(mc.grad[k] - fd) < 4 * mc.gradSE[k] + 1e-6,
                    "\(kind.rawValue) stl=\(stl) φ[\(k)]: \(mc.grad[k]) ± \(mc.gradSE[k]) against \(fd)")
        }
    }

    /// At the exact posterior, STL's gradient is zero for every draw (Roeder et al.'s point); the
    /// low-rank family too, on a target whose covariance is diagonal + rank 1.
    @Test func stickingTheLandingHasZeroVarianceAtALowRankOptimum() throws {
        let d = 3, dd = [0.8, 1.5, 0.7], b = [0.9, -0.4, 0.6]
        let (target, _) = GaussianDensity.lowRank(mean: [0.5, -1, 2], diagonal: dd, factor: b, rank: 1)
        var q = GaussianFamily(kind: .lowRank, mean: target.mean, rank: 1)
        for i in 0..<d { q.parameters[d + i] = log(dd[i]); q.parameters[2 * d + i] = b[i] }
        let random = PhiloxRandom(seed: 3)
        for n in 0..<50 {
            var eps = [Double](repeating: 0, count: q.noiseDimension)
            random.normals(chain: n, iteration: 0, purpose: .variationalDraw, count: eps.count) { i, z in eps[i] = z }
            let out = try target.evaluate(ChainBatch(vectors: [q.transform(eps)]))
            let g = q.elboGradient(epsilons: [eps], gradients: [out.gradient.vector(chain: 0)], stickingTheLanding: true)
            for k in g.indices { #expect(abs(g[k]) < 1e-9) }
        }
    }

    /// At the exact posterior, STL's gradient is zero for every draw (Roeder et al.'s point).
    @Test func stickingTheLandingHasZeroVarianceAtTheOptimum() throws {
        var q = GaussianFamily(kind: .fullRank, mean: Self.target.mean)
        let d = 3, s = Self.covariance
        // Cholesky of Σ into φ.
        var l = [Double](repeating: 0, count: 9)
        for i in 0..<d { for j in 0...i {
            var v = s[i * d + j]
            for k in 0..<j { v -= l[i * d + k] * l[j * d + k] }
            l[i * d + j] = i == j ? v.squareRoot() : v / l[j * d + j]
        } }
        for i in 0..<d { q.parameters[d + i] = log(l[i * d + i]); for j in 0..<i { q.parameters[q.offDiagonalIndex(i, j)] = l[i * d + j] } }
        let mc = try Self.monteCarlo(q, n: 50, stl: true)
        for k in q.parameters.indices { #expect(abs(mc.grad[k]) < 1e-9 && mc.gradSE[k] < 1e-9) }
    }
}
