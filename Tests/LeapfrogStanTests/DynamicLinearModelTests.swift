import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// `gaussian_dlm_obs` (`Lowering+DynamicLinearModel`): the log likelihood against a Kalman filter
/// written out here in its textbook form (an explicit inverse of each step's forecast covariance,
/// the gain A = R F Q⁻¹, C ← R − A Q Aᵀ; West & Harrison 1997, §4.3), where the lowering works
/// through Q's Cholesky factor; gradients against finite differences.
struct DynamicLinearModelTests {
    /// The model's matrices from the unconstrained point u = (g, λ, log σ_v, log σ_w), as
    /// `StanFixtures.dynamicLinearModel` builds them.
    static func matrices(_ u: [Double], diagonalV: Bool) -> (f: [[Double]], g: [[Double]], v: [[Double]], w: [[Double]]) {
        let (sv, sw) = (exp(u[2]), exp(u[3]))
        let f = [[1, u[1], 0.5], [0.2, 1, -0.4]]
        let g = [[u[0], 0.2], [0, 0.9]]
        let v = diagonalV ? [[sv * sv, 0, 0], [0, 1, 0], [0, 0, 0.5]] : [[sv * sv, 0.1, 0], [0.1, 1, 0.2], [0, 0.2, 0.5]]
        let w = [[sw * sw, 0], [0, sw * sw]]
        return (f, g, v, w)
    }

    @Test(arguments: [false, true])
    func logLikelihoodIsTheKalmanFilters(diagonalV: Bool) throws {
        let model = try stanReference(StanFixtures.dynamicLinearModel(diagonalV: diagonalV), StanFixtures.dynamicLinearModelData)
        var rng = TestRandom(seed: 5)
        for _ in 0..<4 {
            let u = rng.vector(4, -0.8, 0.8)
            let (f, g, v, w) = Self.matrices(u, diagonalV: diagonalV)
            let initial = StanFixtures.dynamicLinearModelInitial
            let want = Self.kalmanFilter(StanFixtures.dynamicLinearModelSeries, f: f, g: g, v: v, w: w,
                                         m0: initial.mean, c0: initial.covariance)
            let got = model.logDensity(u)
            #expect(abs(got - want) <= 1e-10 * abs(want), "\(got) vs the Kalman filter's \(want) at \(u)")
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance, "at \(u)")
        }
    }

    /// The function form is the sampling statement's density, and both keep the constant:
    /// `target += gaussian_dlm_obs_lpdf(…)` and `~` give one value.
    @Test func theFunctionFormIsTheStatements() throws {
        let statement = StanFixtures.dynamicLinearModel(diagonalV: false)
        let function = statement.replacingOccurrences(of: "y ~ gaussian_dlm_obs(F, G, V, W, m0, C0);",
                                                      with: "target += gaussian_dlm_obs_lpdf(y | F, G, V, W, m0, C0);")
        let (a, b) = (try stanReference(statement, StanFixtures.dynamicLinearModelData), try stanReference(function, StanFixtures.dynamicLinearModelData))
        let u = [0.4, -0.3, 0.1, -0.2]
        #expect(abs(a.logDensity(u) - b.logDensity(u)) <= 1e-12 * abs(a.logDensity(u)))
    }

    /// Sizes that do not fit, and a value per row of a vectorised loop, are named.
    @Test func mismatchesAreNamed() {
        let head = "data { int T; matrix[3, T] y; vector[2] m0; cov_matrix[2] C0; } parameters { real g; }\n"
        let f = compileError(head + "model { y ~ gaussian_dlm_obs(rep_matrix(1, 3, 3), rep_matrix(g, 2, 2), rep_matrix(0, 3, 3), C0, m0, C0); }")
        #expect(f.contains("observation matrix F"), "\(f)")
        let v = compileError(head + "model { y ~ gaussian_dlm_obs(rep_matrix(1, 2, 3), rep_matrix(g, 2, 2), rep_vector(1, 2), C0, m0, C0); }")
        #expect(v.contains("observation variances V") && v.contains("vector of 3"), "\(v)")
        let m = compileError(head + "model { y ~ gaussian_dlm_obs(rep_matrix(1, 2, 3), rep_matrix(g, 2, 2), rep_vector(1, 3), C0, rep_vector(0, 3), C0); }")
        #expect(m.contains("initial mean m0"), "\(m)")
        let outcome = compileError(head + "model { y[1] ~ gaussian_dlm_obs(rep_matrix(1, 2, 3), rep_matrix(g, 2, 2), rep_vector(1, 3), C0, m0, C0); }")
        #expect(outcome.contains("must be a matrix [r, T]"), "\(outcome)")
    }

    // MARK: The textbook filter

    typealias Matrix = [[Double]]

    static func kalmanFilter(_ y: Matrix, f: Matrix, g: Matrix, v: Matrix, w: Matrix, m0: [Double], c0: Matrix) -> Double {
        let r = y.count
        var (m, c) = (m0, c0)
        var total = 0.0
        for t in 0..<y[0].count {
            let a = apply(g, m)
            let rr = add(product(product(g, c), transpose(g)), w)
            let forecast = apply(transpose(f), a)
            let q = add(product(product(transpose(f), rr), f), v)
            let lu = LUDecomposition(q.flatMap { $0 }, r)
            let qInverse = unflatten(lu.solve(identity(r).flatMap { $0 }, columns: r), r)
            let e = (0..<r).map { y[$0][t] - forecast[$0] }
            let quadratic = zip(e, apply(qInverse, e)).map(*).reduce(0, +)
            let constant: Double = 0.5 * Double(r) * log(2 * Double.pi)
            total += -0.5 * (lu.logAbsDeterminant + quadratic) - constant
            let gain = product(product(rr, f), qInverse)
            m = zip(a, apply(gain, e)).map(+)
            c = add(rr, product(product(gain, q), transpose(gain)).map { $0.map(-) })
        }
        return total
    }

    static func product(_ a: Matrix, _ b: Matrix) -> Matrix {
        a.map { row in (0..<b[0].count).map { j in zip(row, b).map { $0 * $1[j] }.reduce(0, +) } }
    }
    static func apply(_ a: Matrix, _ x: [Double]) -> [Double] { a.map { zip($0, x).map(*).reduce(0, +) } }
    static func transpose(_ a: Matrix) -> Matrix { (0..<a[0].count).map { j in a.map { $0[j] } } }
    static func add(_ a: Matrix, _ b: Matrix) -> Matrix { zip(a, b).map { zip($0, $1).map(+) } }
    static func identity(_ n: Int) -> Matrix { (0..<n).map { i in (0..<n).map { i == $0 ? 1 : 0 } } }
    static func unflatten(_ x: [Double], _ n: Int) -> Matrix { (0..<n).map { Array(x[($0 * n)..<($0 * n + n)]) } }
}
