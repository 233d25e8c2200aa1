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

    static func family(_ kind: GaussianFamily.Kind) -> GaussianFamily {
        var f = GaussianFamily(kind: kind, mean: [0.2, -0.5, 1.5])
        f.parameters[3] = log(0.8); f.parameters[4] = log(1.5); f.parameters[5] = log(0.7)
        if kind == .fullRank { f.parameters[6] = 0.3; f.parameters[7] = -0.2; f.parameters[8] = 0.4 }
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
            var eps = [Double](repeating: 0, count: q.dimension)
            random.normals(chain: s, iteration: 0, purpose: .variationalDraw, count: q.dimension) { i, z in eps[i] = z }
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

    @Test(arguments: GaussianFamily.Kind.allCases)
    func transformAndStandardizeAreInverse(kind: GaussianFamily.Kind) {
        let q = Self.family(kind)
        let eps = [0.3, -1.2, 0.8]
        let back = q.standardize(q.transform(eps))
        for i in 0..<3 { #expect(abs(back[i] - eps[i]) < 1e-12) }
        #expect(abs(q.logDensity(q.transform(eps)) - q.logDensity(epsilon: eps)) < 1e-12)
    }

    /// Entropy against ½ log det(2πe Σ) from the covariance's own Cholesky diagonal.
    @Test(arguments: GaussianFamily.Kind.allCases)
    func entropyIsTheGaussianEntropy(kind: GaussianFamily.Kind) {
        let q = Self.family(kind)
        let l = q.choleskyFactor
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
