import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// `multi_normal` and `multi_normal_cholesky` with a mean per outcome (multivariate regression:
/// an array of means, or a mean per row of a vectorised loop), against the bivariate normal
/// written out; and a covariance that Stan would refuse (asymmetric, not positive definite).
@Suite struct MultiNormalTests {
    static let (n, k) = (6, 2)
    static let x: [Double] = [0.3, -1.2, 0.8, 1.5, -0.4, 0.1]
    static let y: [[Double]] = [[0.5, 1.0], [-1.0, 0.2], [1.2, 1.9], [2.0, 1.1], [-0.3, -0.8], [0.4, 0.0]]
    /// The covariance's Cholesky factor, data.
    static let factor: [[Double]] = [[1.2, 0], [0.5, 0.8]]
    static let data = DataSet(["N": .integer(n), "K": .integer(k), "x": .vector(x), "y": DataArray(shape: [n, k], values: y.flatMap { $0 }),
                               "L": .matrix(rows: factor)], source: "test")

    /// Σₙ log N(yₙ | a + b xₙ, LLᵀ) for the unconstrained a, b (2 each).
    static func logDensity(_ u: [Double]) -> Double {
        let (a, b) = (Array(u[0..<2]), Array(u[2..<4]))
        var lp = 0.0
        for (yn, xn) in zip(y, x) {
            let d = (0..<2).map { yn[$0] - a[$0] - b[$0] * xn }
            let z0 = d[0] / factor[0][0]
            let z1 = (d[1] - factor[1][0] * z0) / factor[1][1]
            lp += -0.5 * (z0 * z0 + z1 * z1) - log(factor[0][0] * factor[1][1]) - log(2 * Double.pi)
        }
        return lp
    }

    @Test(arguments: [
        "for (n in 1:N) y[n] ~ multi_normal_cholesky(a + b * x[n], L);",
        "array[N] vector[K] mu; for (n in 1:N) mu[n] = a + b * x[n]; y ~ multi_normal(mu, multiply_lower_tri_self_transpose(L));",
        "for (n in 1:N) target += multi_normal_cholesky_lpdf(y[n] - b * x[n] | a, L);",
    ])
    func aMeanPerOutcome(_ statements: String) throws {
        let stan = try stanReference("""
            data { int N; int K; array[N] vector[K] y; vector[N] x; matrix[K, K] L; }
            parameters { vector[K] a; vector[K] b; }
            model { \(statements) }
            """, Self.data)
        var rng = TestRandom(seed: 11)
        let u0 = rng.vector(4, -1, 1)
        for _ in 0..<3 {
            let u = rng.vector(4, -1, 1)
            #expect(abs((stan.logDensity(u) - stan.logDensity(u0)) - (Self.logDensity(u) - Self.logDensity(u0))) < 1e-10)
            #expect(GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance)
        }
    }

    @Test func aCovarianceStanWouldRefuseIsNamed() throws {
        let program = try StanProgram.compile(source: """
            data { matrix[2, 2] S; vector[2] y; }
            parameters { vector[2] mu; }
            model { y ~ multi_normal(mu, S); }
            """, path: "m.stan")
        func message(_ s: [[Double]]) -> String {
            errorMessage { _ = try program.instantiate(data: DataSet(["S": .matrix(rows: s), "y": .vector([0, 1])], source: "d.json")) }
        }
        #expect(message([[1, 0.3], [0.3, 1]]) == "")
        #expect(message([[1, 0.9], [0, 1]]).contains(
            "m.stan:3:9: error: data file 'd.json': the covariance of this multi_normal is not symmetric: element [1, 2] is 0.9 but [2, 1] is 0"))
        #expect(message([[1, 2], [2, 1]]).contains("the covariance of this multi_normal is not positive definite"))
        #expect(compileError("""
            data { array[3] vector[2] y; }
            parameters { corr_matrix[2] Omega; vector<lower=0>[2] tau; }
            model { y ~ multi_normal(rep_vector(0, 2), diag_pre_multiply(tau, Omega)); }
            """).contains("write quad_form_diag(Omega, tau), or with the correlation's Cholesky factor L, multi_normal_cholesky(mu, diag_pre_multiply(tau, L))"))
    }

    /// A covariance computed from data in a model-block local (which the host does not evaluate
    /// when the data are read) is checked by the symmetry term.
    @Test func anAsymmetricLocalDataCovarianceIsMinusInfinity() throws {
        let data = DataSet(["y": .vector([0.4, -0.3]), "Sd": .matrix(rows: [[1, 0.9], [0, 1]])], source: "test")
        let model = try stanReference("""
            data { vector[2] y; matrix[2, 2] Sd; }
            parameters { vector[2] mu; }
            model { matrix[2, 2] S = 2 * Sd; y ~ multi_normal(mu, S); }
            """, data)
        #expect(model.logDensity([0.1, 0.2]) == -.infinity)
    }

    /// One outcome and an array of means: Stan sums the densities, as two statements would.
    @Test func oneOutcomeAndAnArrayOfMeans() throws {
        let data = DataSet(["y": .vector([0.4, -0.3]), "S": .matrix(rows: [[1, 0.3], [0.3, 2]])], source: "test")
        let head = "data { vector[2] y; matrix[2, 2] S; }\nparameters { array[2] vector[2] mu; }\n"
        expectEquivalent(try stanReference(head + "model { y ~ multi_normal(mu, S); }", data),
                         try stanReference(head + "model { y ~ multi_normal(mu[1], S); y ~ multi_normal(mu[2], S); }", data))
    }

    /// A covariance that depends on parameters and is not symmetric (scales on one side, through
    /// a local) makes the log density −∞, as Stan rejects the point; symmetric, it is the normal's.
    @Test func anAsymmetricParameterCovarianceIsMinusInfinity() throws {
        let data = DataSet(["y": DataArray(shape: [3, 2], values: [0.5, 1, -1, 0.2, 1.2, 1.9])], source: "test")
        let head = "data { array[3] vector[2] y; }\nparameters { cholesky_factor_corr[2] L; vector<lower=0>[2] tau; }\n"
        let oneSided = try stanReference(head + """
            model { matrix[2, 2] Sigma = diag_pre_multiply(tau, multiply_lower_tri_self_transpose(L)); y ~ multi_normal(rep_vector(0, 2), Sigma); }
            """, data)
        let symmetric = try stanReference(head + """
            model { matrix[2, 2] Sigma = quad_form_diag(multiply_lower_tri_self_transpose(L), tau); y ~ multi_normal(rep_vector(0, 2), Sigma); }
            """, data)
        let factor = try stanReference(head + "model { y ~ multi_normal_cholesky(rep_vector(0, 2), diag_pre_multiply(tau, L)); }", data)
        var rng = TestRandom(seed: 23)
        for _ in 0..<4 {
            let u = rng.vector(oneSided.dimension, -1, 1)
            #expect(oneSided.logDensity(u) == -.infinity)
            #expect(abs(symmetric.logDensity(u) - factor.logDensity(u)) < 1e-9)
            #expect(GradientCheck.worstRelativeError(symmetric, at: u) < GradientCheck.tolerance)
        }
    }
}
