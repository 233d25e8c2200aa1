import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// `lkj_corr_cholesky` and `lkj_corr` with a shape η that depends on parameters
/// (`Lowering+Distributions`): the η terms of the normalising constant are kept. Checked against
/// Stan's `do_lkj_constant` written out here, and by finite differences.
@Suite struct LKJShapeTests {
    /// Stan's log normalising constant (Lewandowski, Kurowicka & Joe 2009, theorem 5) without its
    /// −K(K − 1)/4 log π, which does not depend on η.
    static func logConstant(_ eta: Double, _ k: Int) -> Double {
        (1..<k).map { j in lgamma(eta + Double(k - 1) / 2) - lgamma(eta + Double(k - 1 - j) / 2) }.reduce(0, +)
    }

    @Test(arguments: [2, 3, 4])
    func choleskyFactorWithAParameterShape(k: Int) throws {
        let data = DataSet(["K": .integer(k)])
        let lkj = try stanReference("""
        data { int K; }
        parameters { cholesky_factor_corr[K] L; real<lower=0> eta; }
        model { eta ~ gamma(2, 1); L ~ lkj_corr_cholesky(eta); }
        """, data)
        let prior = try stanReference("""
        data { int K; }
        parameters { cholesky_factor_corr[K] L; real<lower=0> eta; }
        model { eta ~ gamma(2, 1); }
        """, data)
        var rng = TestRandom(seed: UInt64(30 + k))
        for _ in 0..<3 {
            let u = rng.vector(lkj.dimension, -1.2, 1.2)
            let v = ConstrainedParameterTests.values(prior, u)
            let l = ConstrainedParameterTests.matrix(v, "L", k)
            let eta = v["eta"]!
            let kernel = (1...k).map { i in (Double(k - i) + 2 * eta - 2) * log(l[i - 1][i - 1]) }.reduce(0, +)
            let expected = kernel + Self.logConstant(eta, k)
            #expect(abs(lkj.logDensity(u) - prior.logDensity(u) - expected) < 1e-9, "K = \(k), eta = \(eta)")
            #expect(GradientCheck.worstRelativeError(lkj, at: u) < GradientCheck.tolerance)
        }
    }

    /// `lkj_corr_cholesky_lpdf` with a data η keeps Stan's whole constant, −K(K − 1)/4 log π too,
    /// as `target += …_lpdf` must (inside log_mix two shapes' constants differ); `~` leaves it out.
    @Test(arguments: [2, 3, 4])
    func lpdfWithADataShapeKeepsTheWholeConstant(k: Int) throws {
        let data = DataSet(["K": .integer(k)])
        let head = "data { int K; }\nparameters { cholesky_factor_corr[K] L; }\n"
        let lpdf = try stanReference(head + "model { target += lkj_corr_cholesky_lpdf(L | 2.5); }", data)
        let tilde = try stanReference(head + "model { L ~ lkj_corr_cholesky(2.5); }", data)
        let flat = try stanReference(head + "model { }", data)
        var rng = TestRandom(seed: UInt64(40 + k))
        for _ in 0..<3 {
            let u = rng.vector(lpdf.dimension, -1.2, 1.2)
            let l = ConstrainedParameterTests.matrix(ConstrainedParameterTests.values(flat, u), "L", k)
            let kernel = (1...k).map { i in (Double(k - i) + 2 * 2.5 - 2) * log(l[i - 1][i - 1]) }.reduce(0, +)
            let constant = Self.logConstant(2.5, k) - Double(k * (k - 1)) / 4 * log(Double.pi)
            #expect(abs(lpdf.logDensity(u) - flat.logDensity(u) - kernel - constant) < 1e-9, "K = \(k)")
            #expect(abs(tilde.logDensity(u) - flat.logDensity(u) - kernel) < 1e-9, "K = \(k)")
        }
    }

    /// For K = 2 the constant makes the density of the correlation r integrate to 1:
    /// ∫ (1 − r²)^(η−1) dr = √π Γ(η)/Γ(η + ½), so log c₂(η) − ½ log π is its negative log.
    @Test func theKEqualsTwoConstantNormalises() {
        for eta in [0.7, 1, 2.5, 6] {
            let n = 200_000
            var integral = 0.0
            for i in 0..<n {
                let r = -1 + (Double(i) + 0.5) * 2 / Double(n)
                integral += pow(1 - r * r, eta - 1) * 2 / Double(n)
            }
            let logC = Self.logConstant(eta, 2) - 0.5 * log(Double.pi)
            #expect(abs(logC + log(integral)) < (eta < 1 ? 2e-3 : 1e-6), "eta = \(eta): \(logC) vs \(-log(integral))")
        }
    }

    @Test func correlationMatrixWithAParameterShape() throws {
        let lkj = try stanReference("""
        parameters { corr_matrix[3] Omega; real<lower=0> eta; }
        model { eta ~ gamma(2, 1); Omega ~ lkj_corr(eta); }
        """, DataSet([:]))
        let prior = try stanReference("""
        parameters { corr_matrix[3] Omega; real<lower=0> eta; }
        model { eta ~ gamma(2, 1); }
        """, DataSet([:]))
        var rng = TestRandom(seed: 41)
        for _ in 0..<3 {
            let u = rng.vector(lkj.dimension, -1.2, 1.2)
            let v = ConstrainedParameterTests.values(prior, u)
            let o = ConstrainedParameterTests.matrix(v, "Omega", 3)
            let eta = v["eta"]!
            let det = o[0][0] * (o[1][1] * o[2][2] - o[1][2] * o[2][1]) - o[0][1] * (o[1][0] * o[2][2] - o[1][2] * o[2][0])
                + o[0][2] * (o[1][0] * o[2][1] - o[1][1] * o[2][0])
            let expected = (eta - 1) * log(det) + Self.logConstant(eta, 3)
            #expect(abs(lkj.logDensity(u) - prior.logDensity(u) - expected) < 1e-9)
            #expect(GradientCheck.worstRelativeError(lkj, at: u) < GradientCheck.tolerance)
        }
    }

    @Test func aShapePerRowIsRefused() {
        #expect(compileError("data { int N; } parameters { cholesky_factor_corr[3] L; vector<lower=0>[N] eta; } model { for (n in 1:N) L ~ lkj_corr_cholesky(eta[n]); }")
            .contains("the shape eta of lkj_corr_cholesky must be a scalar, got real per row of a vectorised loop"))
    }
}
