import Foundation
import LeapfrogCore
import LeapfrogRandom
import Testing
@testable import LeapfrogVariational

/// The L-BFGS inverse Hessian's compact form and the Gaussian it defines.
@Suite struct InverseHessianTests {
    /// Eigen-decomposition-free conjugate directions: for a precision Λ, Gram–Schmidt in the Λ
    /// inner product turns the unit vectors into Λ-conjugate ones (sᵢᵀΛsⱼ = 0, i ≠ j).
    static func conjugateDirections(_ precision: [Double], _ d: Int) -> [[Double]] {
        var out: [[Double]] = []
        for i in 0..<d {
            var v = [Double](repeating: 0, count: d)
            v[i] = 1
            for s in out {
                let num = quadratic(precision, v, s, d), den = quadratic(precision, s, s, d)
                for k in 0..<d { v[k] -= num / den * s[k] }
            }
            out.append(v)
        }
        return out
    }

    static func normals(count: Int, seed: UInt64 = 7) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        PhiloxRandom(seed: seed).normals(chain: 0, iteration: 0, purpose: .variationalDraw, count: count) { i, z in out[i] = z }
        return out
    }

    static func quadratic(_ a: [Double], _ x: [Double], _ y: [Double], _ d: Int) -> Double {
        var acc = 0.0
        for i in 0..<d { for j in 0..<d { acc += x[i] * a[i * d + j] * y[j] } }
        return acc
    }

    static func times(_ a: [Double], _ x: [Double], _ d: Int) -> [Double] {
        (0..<d).map { i in (0..<d).reduce(0) { $0 + a[i * d + $1] * x[$1] } }
    }

    /// On a quadratic −log p with Hessian Λ, y = Λs exactly; after d Λ-conjugate steps (what
    /// exact line searches produce) BFGS's hereditary property gives H yⱼ = sⱼ for every pair, so
    /// H = Λ⁻¹ = Σ whatever the diagonal α.
    @Test func equalsTheCovarianceAfterDConjugateStepsOnAQuadratic() {
        let (target, covariance) = GaussianDensity.correlated(mean: [0, 0, 0, 0], scales: [1, 2, 0.5, 1.5], rho: 0.8)
        let d = 4
        var history = LBFGSHistory(dimension: d, size: 6)
        for s in Self.conjugateDirections(target.precision, d) {
            let accepted = history.record(step: s, gradientChange: Self.times(target.precision, s, d))
            #expect(accepted)
        }
        let h = history.inverseHessian.dense
        for i in 0..<(d * d) { #expect(abs(h[i] - covariance[i]) < 1e-9 * max(1, abs(covariance[i])), "H[\(i)]") }
    }

    /// The two-loop recursion (`applyInverseHessian`, what `ModeSearch`'s paths use) is the same
    /// matrix as the compact form (what Pathfinder's Gaussians use): H·v agrees to rounding, for
    /// a history of J = 3 pairs after 5 steps (two dropped off the front) on a non-quadratic's
    /// pairs (random s, y with sᵀy > 0) and the α they updated.
    @Test func theTwoLoopRecursionIsTheCompactForm() {
        let d = 7
        var history = LBFGSHistory(dimension: d, size: 3)
        let z = Self.normals(count: 2 * d * 5 + d, seed: 11)
        var accepted = 0
        for l in 0..<5 {
            let s = Array(z[(2 * l * d)..<((2 * l + 1) * d)])
            // y = s + a small perturbation: sᵀy > 0.
            let y = (0..<d).map { s[$0] * (1.5 + 0.5 * sin(Double($0 + l))) + 0.1 * z[(2 * l + 1) * d + $0] }
            if history.record(step: s, gradientChange: y) { accepted += 1 }
        }
        #expect(accepted == 5 && history.steps.count == 3)
        let v = Array(z[(10 * d)...])
        let compact = history.inverseHessian.apply(v), twoLoop = history.applyInverseHessian(v)
        for i in 0..<d { #expect(abs(compact[i] - twoLoop[i]) <= 1e-12 * max(1, abs(compact[i])), "H·v[\(i)] \(twoLoop[i]) against \(compact[i])") }
        // With no pairs, H = diag(α) = I.
        #expect(LBFGSHistory(dimension: d).applyInverseHessian(v) == v)
    }

    /// A pair with sᵀy ≤ 0 would break positive definiteness: it is dropped.
    @Test func dropsAPairThatFailsTheCurvatureTest() {
        var history = LBFGSHistory(dimension: 2)
        let bad = history.record(step: [1, 0], gradientChange: [-1, 0])
        #expect(!bad)
        #expect(history.steps.isEmpty)
        let good = history.record(step: [1, 0], gradientChange: [2, 0])
        #expect(good)
        #expect(history.steps.count == 1)
    }

    /// The history keeps the last J pairs.
    @Test func keepsTheLastJPairs() {
        var history = LBFGSHistory(dimension: 3, size: 2)
        for k in 1...4 { history.record(step: [Double(k), 0, 0], gradientChange: [1, 0, 0]) }
        #expect(history.steps.map { $0[0] } == [3, 4])
    }

    /// θ − μ = T u: T Tᵀ must be H, and log q must be the N(μ, H) density, in the low-rank
    /// (2m < d) and the dense (2m ≥ d) forms.
    @Test(arguments: [(10, 2), (3, 2)]) func drawsHaveCovarianceHAndLogQIsTheGaussianDensity(d: Int, pairs: Int) throws {
        var history = LBFGSHistory(dimension: d)
        let random = Self.normals(count: 2 * pairs * d)
        for p in 0..<pairs {
            let s = Array(random[(2 * p * d)..<((2 * p + 1) * d)])
            // y = A s with A = diag(1…d) + 0.3: positive curvature.
            let y = (0..<d).map { Double($0 + 1) * s[$0] + 0.3 * s.reduce(0, +) }
            let accepted = history.record(step: s, gradientChange: y)
            #expect(accepted)
        }
        let h = history.inverseHessian
        let x = (0..<d).map { Double($0) * 0.1 }, g = (0..<d).map { 1 - Double($0) * 0.2 }
        let q = try #require(PathfinderApproximation(position: x, gradient: g, inverseHessian: h))
        let hg = h.apply(g)
        for i in 0..<d { #expect(abs(q.mean[i] - (x[i] + hg[i])) < 1e-12) }
        var t = [Double](repeating: 0, count: d * d)
        for j in 0..<d {
            var u = [Double](repeating: 0, count: d)
            u[j] = 1
            let theta = q.transform(u)
            for i in 0..<d { t[i * d + j] = theta[i] - q.mean[i] }
        }
        let dense = h.dense
        for i in 0..<d { for j in 0..<d {
            let ttT = (0..<d).reduce(0) { $0 + t[i * d + $1] * t[j * d + $1] }
            #expect(abs(ttT - dense[i * d + j]) < 1e-9, "(TTᵀ)[\(i),\(j)]")
        } }
        let c = try #require(DenseMatrix.cholesky(dense, d))
        let logDet = 2 * (0..<d).reduce(0) { $0 + log(c[$1 * d + $1]) }
        #expect(abs(q.logDeterminant - logDet) < 1e-9)
        let u = Array(random[0..<d])
        #expect(abs(q.logDensity(standardNormal: u) - (-0.5 * (logDet + u.reduce(0) { $0 + $1 * $1 } + Double(d) * log(2 * .pi)))) < 1e-9)
    }
}
