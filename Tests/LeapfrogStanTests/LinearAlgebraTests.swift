import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Stan's dense linear algebra (`Lowering+LinearAlgebra`, and the host's in
/// `HostInterpreter+Matrices`): every function's value against its definition (residuals of the
/// solves, the cofactor determinant, the eigen-equation) in the graph and on the host; gradients
/// against finite differences; a Kronecker-structured GP written with eigendecompositions (as
/// posteriordb's kronecker_gp) against the same GP written with its full covariance; and the
/// errors of singular or asymmetric matrices.
@Suite struct LinearAlgebraTests {
    /// A needs a row exchange (a₀₀ = 0); S is symmetric positive definite; Lr's upper part is
    /// junk that mdivide_right_tri_low must ignore.
    static let a: [[Double]] = [[0, 2, 1], [3, -1, 4], [5, 2, -3]]
    static let s: [[Double]] = [[4, 1, 0.5], [1, 3, -0.2], [0.5, -0.2, 2]]
    static let lr: [[Double]] = [[2, 9, 9], [0.5, 1.5, 9], [-1, 0.3, 1.2]]
    static let b = [1.0, -2, 0.5], r = [0.3, 1.1, -0.7]
    static let bm: [[Double]] = [[1, 0.2], [-0.4, 2], [0.7, -1]]

    static let functions = """
      vector[3] x1 = mdivide_left(A, b);
      vector[3] x2 = A \\ b;
      matrix[3, 2] x3 = mdivide_left_spd(S, B);
      row_vector[3] x4 = mdivide_right(r, A);
      row_vector[3] x5 = r / A;
      matrix[2, 3] x6 = mdivide_right_spd(B', S);
      row_vector[3] x7 = mdivide_right_tri_low(r, Lr);
      matrix[3, 3] Ai = inverse(A);
      matrix[3, 3] Si = inverse_spd(S);
      real d = determinant(A);
      real ld = log_determinant(A);
      real lds = log_determinant_spd(S);
      vector[3] ev = eigenvalues_sym(S);
      matrix[3, 3] EV = eigenvectors_sym(S);
      vector[3] dg = diagonal(A);
      real tr = trace(A);
      real qf = quad_form(S, b);
      matrix[2, 2] QF = quad_form(S, B);
      matrix[2, 2] QS = quad_form_sym(S, B);
      real tq = trace_quad_form(S, B);
    """

    static var data: DataSet {
        DataSet(["A": .matrix(rows: a), "S": .matrix(rows: s), "Lr": .matrix(rows: lr), "b": .vector(b), "r": .vector(r),
                 "B": .matrix(rows: bm)], source: "test")
    }

    static func product(_ x: [[Double]], _ y: [[Double]]) -> [[Double]] {
        x.map { row in (0..<y[0].count).map { j in zip(row, y).reduce(0) { $0 + $1.0 * $1.1[j] } } }
    }
    static func column(_ v: [Double]) -> [[Double]] { v.map { [$0] } }
    static func transpose(_ x: [[Double]]) -> [[Double]] { (0..<x[0].count).map { j in x.map { $0[j] } } }
    static func rows(_ v: [Double], _ columns: Int) -> [[Double]] { stride(from: 0, to: v.count, by: columns).map { Array(v[$0..<($0 + columns)]) } }
    static func det3(_ m: [[Double]]) -> Double {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    }

    /// Every function's value against its definition.
    static func expectDefinitions(_ v: [String: [Double]], _ context: String) throws {
        func near(_ x: [[Double]], _ y: [[Double]], _ what: String, tolerance: Double = 1e-12) {
            for (p, q) in zip(x.joined(), y.joined()) { #expect(abs(p - q) < tolerance, "\(context): \(what): \(p) against \(q)") }
        }
        func get(_ name: String) throws -> [Double] { try #require(v[name], "\(context): no \(name)") }
        let identity = [[1.0, 0, 0], [0, 1, 0], [0, 0, 1]]
        let tril = lr.enumerated().map { i, row in row.enumerated().map { j, x in j <= i ? x : 0 } }
        near(product(a, column(try get("x1"))), column(b), "A · mdivide_left(A, b)")
        near(product(a, column(try get("x2"))), column(b), "A · (A \\ b)")
        near(product(s, rows(try get("x3"), 2)), bm, "S · mdivide_left_spd(S, B)")
        near(product([try get("x4")], a), [r], "mdivide_right(r, A) · A")
        near(product([try get("x5")], a), [r], "(r / A) · A")
        near(product(rows(try get("x6"), 3), s), transpose(bm), "mdivide_right_spd(B', S) · S")
        near(product([try get("x7")], tril), [r], "mdivide_right_tri_low(r, Lr) · tril(Lr)")
        near(product(a, rows(try get("Ai"), 3)), identity, "A · inverse(A)")
        near(product(s, rows(try get("Si"), 3)), identity, "S · inverse_spd(S)")
        near([[try get("d")[0]]], [[det3(a)]], "determinant")
        near([[try get("ld")[0]]], [[log(abs(det3(a)))]], "log_determinant")
        near([[try get("lds")[0]]], [[log(det3(s))]], "log_determinant_spd")
        let (ev, q) = (try get("ev"), rows(try get("EV"), 3))
        #expect(ev[0] < ev[1] && ev[1] < ev[2], "\(context): eigenvalues ascending")
        for k in 0..<3 {
            let qk = q.map { $0[k] }
            near(product(s, column(qk)), column(qk.map { $0 * ev[k] }), "S qₖ = λₖ qₖ")
            near([[qk.reduce(0) { $0 + $1 * $1 }]], [[1]], "|qₖ| = 1")
        }
        near([[ev.reduce(0, +)]], [[s[0][0] + s[1][1] + s[2][2]]], "Σ λ = trace S")
        near([try get("dg")], [[a[0][0], a[1][1], a[2][2]]], "diagonal")
        near([[try get("tr")[0]]], [[a[0][0] + a[1][1] + a[2][2]]], "trace")
        near([[try get("qf")[0]]], product([b], product(s, column(b))), "quad_form(S, b)")
        let qf = product(transpose(bm), product(s, bm))
        near(rows(try get("QF"), 2), qf, "quad_form(S, B)")
        near(rows(try get("QS"), 2), qf, "quad_form_sym(S, B)")
        near([[try get("tq")[0]]], [[qf[0][0] + qf[1][1]]], "trace_quad_form(S, B)")
    }

    @Test(arguments: [false, true])
    func valuesAreTheirDefinitions(onHost: Bool) throws {
        let source = """
        data { matrix[3, 3] A; matrix[3, 3] S; matrix[3, 3] Lr; vector[3] b; row_vector[3] r; matrix[3, 2] B; }
        parameters { real m; }
        model { m ~ normal(0, 1); }
        generated quantities {
        \(Self.functions)
          \(onHost ? "real z = normal_rng(0, 1);" : "")
        }
        """
        let model = try StanProgram.compile(source: source, path: "m.stan")
        #expect(model.generatedQuantitiesOnHost == onHost)
        var values: [String: [Double]] = [:]
        if onHost {
            values = try HostGeneratedQuantitiesTests.generated(model, Self.data, ["m": [0.1]])
        } else {
            let stan = try stanReference(source, Self.data)
            for (name, x) in zip(stan.model.derivedElementNames, stan.derivedValues([0.1])) {
                values[String(name.prefix { $0 != "[" }), default: []].append(x)
            }
        }
        try Self.expectDefinitions(values, onHost ? "host" : "graph")
    }

    /// Every function of parameters inside one log density (`StanFixtures.denseLinearAlgebra`):
    /// its gradient against finite differences.
    @Test func gradientsAreFiniteDifferences() throws {
        let stan = try stanReference(StanFixtures.denseLinearAlgebra, StanFixtures.denseLinearAlgebraData)
        var rng = TestRandom(seed: 5)
        for _ in 0..<4 {
            let u = rng.vector(stan.dimension, -0.7, 0.7)
            #expect(stan.logDensity(u).isFinite)
            let error = GradientCheck.worstRelativeError(stan, at: u)
            #expect(error < GradientCheck.tolerance, "worst relative error \(error) at \(u)")
        }
    }

    /// A Kronecker-structured GP, as posteriordb's kronecker_gp writes it: y [n2, n1] with
    /// covariance K1 ⊗ K2 + σ²I over vec(y), through the eigendecompositions of K1 and K2 (the
    /// eigenvalues of K1 ⊗ K2 are the products λ1ᵢ λ2ⱼ, its eigenvectors Q1 ⊗ Q2). Against the same
    /// model with the full covariance built as (E1 K1 E1ᵀ) ∘ (E2 K2 E2ᵀ) from selection matrices
    /// and a multivariate normal: equal log densities up to a constant, equal gradients.
    @Test func kroneckerGPThroughEigendecompositionsIsTheFullCovariance() throws {
        let (n1, n2) = (4, 3)
        let x1 = [0.0, 0.3, 0.7, 1.2]
        var rng = TestRandom(seed: 11)
        let y = (0..<n2).map { _ in rng.vector(n1, -2, 2) }
        var e1 = [[Double]](repeating: Array(repeating: 0, count: n1), count: n1 * n2)
        var e2 = [[Double]](repeating: Array(repeating: 0, count: n2), count: n1 * n2)
        for i in 0..<n1 { for j in 0..<n2 { e1[i * n2 + j][i] = 1; e2[i * n2 + j][j] = 1 } }
        let yv = (0..<n1).flatMap { i in (0..<n2).map { j in y[j][i] } }   // vec(y), column-major
        let data = DataSet(["n1": .integer(n1), "n2": .integer(n2), "x1": .vector(x1), "y": .matrix(rows: y), "yv": .vector(yv),
                            "E1": .matrix(rows: e1), "E2": .matrix(rows: e2)], source: "test")
        let common = """
        data { int n1; int n2; vector[n1] x1; matrix[n2, n1] y; vector[n1 * n2] yv; matrix[n1 * n2, n1] E1; matrix[n1 * n2, n2] E2; }
        transformed data {
          matrix[n1, n1] xd;
          for (i in 1:n1) for (j in 1:n1) xd[i, j] = -square(x1[i] - x1[j]);
        }
        parameters { real<lower=0> var1; real<lower=0> bw1; cholesky_factor_corr[n2] L; real<lower=0.00001> sigma1; }
        transformed parameters {
          matrix[n1, n1] K1 = add_diag(var1 * exp(xd * bw1), 1e-5);
          matrix[n2, n2] K2 = multiply_lower_tri_self_transpose(L);
        }
        """
        let priors = "var1 ~ lognormal(0, 1); bw1 ~ cauchy(0, 2.5); sigma1 ~ lognormal(0, 1); L ~ lkj_corr_cholesky(2);"
        let eigen = common + """
        model {
          \(priors)
          matrix[n1, n1] Q1 = eigenvectors_sym(K1);
          matrix[n2, n2] Q2 = eigenvectors_sym(K2);
          matrix[n2, n1] e = eigenvalues_sym(K2) * eigenvalues_sym(K1)' + sigma1;
          matrix[n2, n1] rotated = (Q1' * (Q2' * y)')';
          target += -0.5 * sum(rotated .* rotated ./ e) - 0.5 * sum(log(e));
        }
        """
        let full = common + """
        model {
          \(priors)
          matrix[n1 * n2, n1 * n2] C = add_diag((E1 * K1 * E1') .* (E2 * K2 * E2'), sigma1);
          yv ~ multi_normal(rep_vector(0, n1 * n2), C);
        }
        """
        expectEquivalent(try stanReference(eigen, data), try stanReference(full, data), points: 4, seed: 3, scale: 0.8)
    }

    @Test func singularAndAsymmetricMatricesAreRejected() throws {
        // In the graph: the point's log density is not finite (the sampler rejects it); the eigenvalues of
        // [[1, 2], [2, 1]] are −1 and 3 (normal(0, 1)'s constant kept: −½ log 2π).
        let source = """
        data { matrix[2, 2] A; }
        parameters { real m; }
        model { m ~ normal(0, 1); target += sum(eigenvalues_sym(A * exp(m))); }
        """
        let asymmetric = DataSet(["A": .matrix(rows: [[1, 2], [2.5, 1]])], source: "test")
        #expect(!(try stanReference(source, asymmetric)).logDensity([0.2]).isFinite)
        let symmetric = DataSet(["A": .matrix(rows: [[1, 2], [2, 1]])], source: "test")
        let value = try stanReference(source, symmetric).logDensity([0.2])
        #expect(abs(value - (-0.02 - 0.5 * log(2 * Double.pi) + 2 * exp(0.2))) < 1e-12, "\(value)")
        let singular = """
        data { matrix[2, 2] A; }
        parameters { real m; }
        model { m ~ normal(0, 1); target += sum(mdivide_left(A * exp(m), [1, 1]')); }
        """
        #expect(!(try stanReference(singular, DataSet(["A": .matrix(rows: [[1, 2], [2, 4]])], source: "test"))).logDensity([0.2]).isFinite)
        // On the host: an error naming the function.
        for (call, message) in [("inverse(A)", "inverse: the matrix is singular"), ("mdivide_left(A, [1, 1]')", "mdivide_left: the matrix is singular"),
                                ("eigenvectors_sym(A + [[0, 1], [0, 0]])", "eigenvectors_sym: the matrix is not symmetric"),
                                ("inverse_spd(A)", "inverse_spd: the matrix is not symmetric positive definite")] {
            let program = """
            data { matrix[2, 2] A; }
            parameters { real m; }
            model { m ~ normal(0, 1); }
            generated quantities { real z = normal_rng(0, 1); real s = sum(\(call)); }
            """
            let model = try StanProgram.compile(source: program, path: "m.stan")
            let error = errorMessage { _ = try HostGeneratedQuantitiesTests.generated(model, DataSet(["A": .matrix(rows: [[1, 2], [2, 4]])], source: "test"), ["m": [0.1]]) }
            #expect(error.contains(message), "\(call): \(error)")
        }
    }

    @Test func shapesAreChecked() {
        let base = "parameters { matrix[2, 3] M; vector[3] v; } model { to_vector(M) ~ normal(0, 1); v ~ normal(0, 1); target += "
        #expect(compileError(base + "log_determinant(M); }").contains("log_determinant needs a square matrix"))
        #expect(compileError(base + "sum(mdivide_left(crossprod(M), M)); }").contains("size mismatch in mdivide_left"))
        #expect(compileError(base + "sum(mdivide_left(crossprod(M))); }").contains("mdivide_left takes 2 arguments"))
        #expect(compileError(base + "quad_form(crossprod(M), v[1]); }").contains("quad_form: argument 2 must be a vector or a matrix"))
    }
}
