import Foundation
import LeapfrogData
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// `wishart`, `inv_wishart`, `multi_student_t` and `multi_student_t_cholesky`
/// (`Lowering+MatrixDensities`): SciPy's log densities (`scripts/make_distribution_fixtures.py`,
/// SciPy 1.17.1), gradients against finite differences with the matrices as parameters.
struct MatrixDensityTests {
    static let w = [[2.0, 0.3, -0.4], [0.3, 1.5, 0.2], [-0.4, 0.2, 1.1]]
    static let s = [[1.2, -0.2, 0.1], [-0.2, 0.9, 0.3], [0.1, 0.3, 1.4]]
    static let y = [[0.5, -0.3, 1.2], [-1.0, 0.4, 0.2]]
    static let data = DataSet(["W": .matrix(rows: w), "S": .matrix(rows: s), "Y": .matrix(rows: y), "mu": .vector([0.1, -0.2, 0.3])],
                              source: "m.json")

    /// The three against SciPy's, and the Cholesky form against the covariance form.
    @Test func logDensitiesAreSciPys() throws {
        let model = try stanReference("""
        data { cov_matrix[3] W; cov_matrix[3] S; array[2] vector[3] Y; vector[3] mu; }
        parameters { real z; }
        model { z ~ normal(0, 1); }
        generated quantities {
          real a = wishart_lpdf(W | 5.5, S);
          real b = inv_wishart_lpdf(W | 5.5, S);
          real c = multi_student_t_lpdf(Y | 4.5, mu, S);
          real d = multi_student_t_cholesky_lpdf(Y | 4.5, mu, cholesky_decompose(S));
          real e = multi_student_t_lpdf(Y[1] | 4.5, mu, S) + multi_student_t_lpdf(Y[2] | 4.5, mu, S);
        }
        """, Self.data)
        let g = model.derivedValues([0])
        for (got, want, name) in [(g[0], -10.262893683108073, "wishart"), (g[1], -13.500780621152922, "inv_wishart"),
                                  (g[2], -6.9817253386524785, "multi_student_t"), (g[3], -6.9817253386524785, "multi_student_t_cholesky"),
                                  (g[4], -6.9817253386524785, "multi_student_t, one outcome at a time")] {
            #expect(abs(got - want) < 1e-12 * abs(want), "\(name): \(got) vs SciPy's \(want)")
        }
    }

    /// A covariance with an inverse-Wishart prior and outcomes multivariate t given it, per row of
    /// a vectorised loop too: finite, gradients against finite differences.
    @Test func gradientsAreFiniteDifferences() throws {
        for likelihood in ["Y ~ multi_student_t(nu, mu, Sigma);", "for (n in 1:N) Y[n] ~ multi_student_t(nu, mu, Sigma);"] {
            let model = try stanReference("""
            data { int N; cov_matrix[3] W; cov_matrix[3] S; array[N] vector[3] Y; }
            parameters { cov_matrix[3] Sigma; vector[3] mu; real<lower=1> nu; }
            model {
              Sigma ~ inv_wishart(6, S);
              W ~ wishart(8, Sigma);
              mu ~ normal(0, 1);
              nu ~ gamma(2, 0.1);
              \(likelihood)
            }
            """, DataSet(Self.data.variables.merging(["N": .integer(2)]) { a, _ in a }, source: "m.json"))
            var rng = TestRandom(seed: 3)
            for _ in 0..<3 {
                let u = rng.vector(model.dimension, -0.6, 0.6)
                #expect(model.logDensity(u).isFinite)
                #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance, "\(likelihood) at \(u)")
            }
        }
    }

    /// One outcome against an array of locations (example-models' `normal_multi`: `y[1] ~
    /// multi_student_t(10, beta, sigma)`): the sum of the densities, one per location.
    @Test func oneOutcomeAgainstAnArrayOfLocations() throws {
        let head = "data { cov_matrix[3] S; } parameters { array[2] vector[3] m; vector[3] y; real<lower=1> nu; }\n"
        let prior = "for (j in 1:2) m[j] ~ normal(0, 1); nu ~ gamma(2, 0.1); y ~ normal(0, 2);"
        let array = head + "model { \(prior) y ~ multi_student_t(nu, m, S); }"
        let each = head + "model { \(prior) y ~ multi_student_t(nu, m[1], S); y ~ multi_student_t(nu, m[2], S); }"
        let data = DataSet(["S": Self.data["S"]!], source: "m.json")
        expectEquivalent(try stanReference(array, data), try stanReference(each, data))
    }

    /// Sizes that do not fit are named.
    @Test func mismatchesAreNamed() {
        let message = compileError("""
        data { cov_matrix[3] W; cov_matrix[2] S; }
        parameters { real<lower=3> nu; }
        model { W ~ wishart(nu, S); }
        """)
        #expect(message.contains("m.stan:3:") && message.contains("size mismatch in wishart"), "\(message)")
    }
}
