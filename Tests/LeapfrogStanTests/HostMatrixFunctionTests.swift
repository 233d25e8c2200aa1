import Foundation
import LeapfrogData
import LeapfrogModel
import Testing
@testable import LeapfrogStan

/// The host's matrix functions (`HostInterpreter+Matrices`): in transformed data against their
/// definitions, and in generated quantities run on the host (a correlated `_rng` draw).
@Suite struct HostMatrixFunctionTests {
    static let s: [[Double]] = [[4, 1.2, -0.6], [1.2, 3, 0.4], [-0.6, 0.4, 2]]
    static let v: [Double] = [0.5, -1.5, 2]
    static let x: [Double] = [0, 0.4, 1.1, 2.5]

    @Test func transformedDataMatchesTheDefinitions() throws {
        let model = try StanProgram.compile(source: """
            data { matrix[3, 3] S; vector[3] v; array[4] real x; }
            transformed data {
              matrix[3, 3] L = cholesky_decompose(S);
              matrix[3, 3] back = multiply_lower_tri_self_transpose(L);
              matrix[3, 3] t = tcrossprod(L);
              matrix[3, 3] c = crossprod(L);
              matrix[3, 3] pre = diag_pre_multiply(v, S);
              matrix[3, 3] post = diag_post_multiply(S, v);
              matrix[3, 3] q = quad_form_diag(S, v);
              matrix[4, 4] K = gp_exp_quad_cov(x, 1.5, 0.7);
              matrix[3, 3] A = add_diag(S, 0.5);
              vector[3] z = mdivide_left_tri_low(L, v);
              vector[3] cd = columns_dot_product(S, L);
              vector[3] rd = rows_dot_product(S, L);
              matrix[3, 3] D = diag_matrix(v) + identity_matrix(3);
              vector[3] c2 = col(S, 2);
              real tr = trace(S);
            }
            parameters { real mu; }
            model { mu ~ normal(0, 1); }
            """, path: "m.stan")
        let d = try model.prepareData(DataSet(["S": .matrix(rows: Self.s), "v": .vector(Self.v), "x": .vector(Self.x)], source: "t"))
        let (s, v, x) = (Self.s, Self.v, Self.x)
        func m(_ name: String) throws -> [[Double]] {
            let a = try #require(d[name])
            return (0..<a.shape[0]).map { i in Array(a.values[(i * a.shape[1])..<((i + 1) * a.shape[1])]) }
        }
        func vec(_ name: String) throws -> [Double] { try #require(d[name]).values }
        let (l, back, t, c) = (try m("L"), try m("back"), try m("t"), try m("c"))
        let (pre, post, q, a, dm, k) = (try m("pre"), try m("post"), try m("q"), try m("A"), try m("D"), try m("K"))
        let (z, cd, rd, c2) = (try vec("z"), try vec("cd"), try vec("rd"), try vec("c2"))
        for i in 0..<3 {
            for j in 0..<3 {
                #expect(l[i][j] == 0 || j <= i)
                let llt = (0..<3).reduce(0.0) { $0 + l[i][$1] * l[j][$1] }
                let ltl = (0..<3).reduce(0.0) { $0 + l[$1][i] * l[$1][j] }
                #expect(abs(llt - s[i][j]) < 1e-12 && abs(back[i][j] - s[i][j]) < 1e-12 && abs(t[i][j] - s[i][j]) < 1e-12)
                #expect(abs(c[i][j] - ltl) < 1e-12)
                #expect(pre[i][j] == v[i] * s[i][j] && post[i][j] == s[i][j] * v[j])
                #expect(abs(q[i][j] - v[i] * s[i][j] * v[j]) < 1e-15)
                #expect(a[i][j] == s[i][j] + (i == j ? 0.5 : 0) && dm[i][j] == (i == j ? v[i] + 1 : 0))
            }
            // L z = v, the columns' and rows' dot products.
            #expect(abs((0..<3).reduce(0.0) { $0 + l[i][$1] * z[$1] } - v[i]) < 1e-12)
            #expect(abs(cd[i] - (0..<3).reduce(0.0) { $0 + s[$1][i] * l[$1][i] }) < 1e-12)
            #expect(abs(rd[i] - (0..<3).reduce(0.0) { $0 + s[i][$1] * l[i][$1] }) < 1e-12)
            #expect(c2[i] == s[i][1])
        }
        for i in 0..<4 { for j in 0..<4 {
            let expected = 2.25 * exp(-(x[i] - x[j]) * (x[i] - x[j]) / (2 * 0.49))
            #expect(abs(k[i][j] - expected) < 1e-14)
        } }
        #expect(try vec("tr") == [9])
    }

    /// The User's Guide's GP prediction (`gp_pred_rng`): the cross-covariance
    /// `gp_exp_quad_cov(x1, x2, alpha, rho)`, `mdivide_right_tri_low` and the upper-triangular
    /// solves, against their definitions (products that give back the right-hand sides).
    @Test func gpPredictionsFunctions() throws {
        let model = try StanProgram.compile(source: """
            data { matrix[3, 3] S; vector[3] v; array[4] real x; array[2] real x2; }
            transformed data {
              matrix[3, 3] L = cholesky_decompose(S);
              matrix[4, 2] K12 = gp_exp_quad_cov(x, x2, 1.5, 0.7);
              row_vector[3] r = mdivide_right_tri_low(v', L);
              matrix[2, 3] R = mdivide_right_tri_low([v', 2 * v'], L);
              vector[3] u = mdivide_left_tri_upp(L', v);
              row_vector[3] w = mdivide_right_tri_upp(v', L');
              vector[3] kdy = mdivide_right_tri_low(mdivide_left_tri_low(L, v)', L)';
            }
            parameters { real mu; }
            model { mu ~ normal(0, 1); }
            """, path: "m.stan")
        let x2 = [0.2, 3.0]
        let d = try model.prepareData(DataSet(["S": .matrix(rows: Self.s), "v": .vector(Self.v), "x": .vector(Self.x), "x2": .vector(x2)],
                                              source: "t"))
        let (s, v, x) = (Self.s, Self.v, Self.x)
        let l = try #require(d["L"]).values, k = try #require(d["K12"]).values
        for i in 0..<4 { for j in 0..<2 {
            #expect(abs(k[i * 2 + j] - 2.25 * exp(-(x[i] - x2[j]) * (x[i] - x2[j]) / (2 * 0.49))) < 1e-14)
        } }
        let (r, u, w, kdy) = (try #require(d["R"]).values, try #require(d["u"]).values, try #require(d["w"]).values, try #require(d["kdy"]).values)
        for j in 0..<3 {
            // r L = v' (row by row for R); Lᵀ u = v; w Lᵀ = v'; S kdy = v (K⁻¹ y through L, as the Guide).
            #expect(abs((0..<3).reduce(0.0) { $0 + (try! #require(d["r"])).values[$1] * l[$1 * 3 + j] } - v[j]) < 1e-12)
            #expect(abs((0..<3).reduce(0.0) { $0 + r[3 + $1] * l[$1 * 3 + j] } - 2 * v[j]) < 1e-12)
            #expect(abs((0..<3).reduce(0.0) { $0 + l[$1 * 3 + j] * u[$1] } - v[j]) < 1e-12)
            #expect(abs((0..<3).reduce(0.0) { $0 + w[$1] * l[j * 3 + $1] } - v[j]) < 1e-12)
            #expect(abs((0..<3).reduce(0.0) { $0 + s[j][$1] * kdy[$1] } - v[j]) < 1e-12)
        }
    }

    /// The User's Guide's QR reparameterisation in transformed data: `qr_thin_Q`, `qr_thin_R`,
    /// `inverse`: QR = X, QᵀQ = I, R upper triangular with a positive diagonal, R⁻¹R = I; a
    /// singular matrix is named.
    @Test func qrAndInverse() throws {
        let model = try StanProgram.compile(source: """
            data { int N; int K; matrix[N, K] X; }
            transformed data {
              matrix[N, K] Q = qr_thin_Q(X) * sqrt(N - 1);
              matrix[K, K] R = qr_thin_R(X) / sqrt(N - 1);
              matrix[K, K] Ri = inverse(R);
            }
            parameters { real mu; }
            model { mu ~ normal(0, 1); }
            """, path: "m.stan")
        let x: [[Double]] = [[1, 2, 0.5], [0.3, -1, 2], [2, 0.1, 1], [-1, 1.5, 0], [0.7, 0.2, -0.4]]
        let d = try model.prepareData(DataSet(["N": .integer(5), "K": .integer(3), "X": .matrix(rows: x)], source: "t"))
        let (q, r, ri) = (try #require(d["Q"]).values, try #require(d["R"]).values, try #require(d["Ri"]).values)
        for i in 0..<5 { for j in 0..<3 {
            #expect(abs((0..<3).reduce(0.0) { $0 + q[i * 3 + $1] * r[$1 * 3 + j] } - x[i][j]) < 1e-12, "QR[\(i),\(j)]")
        } }
        for i in 0..<3 { for j in 0..<3 {
            #expect(abs((0..<5).reduce(0.0) { $0 + q[$1 * 3 + i] * q[$1 * 3 + j] } - (i == j ? 4 : 0)) < 1e-12, "QᵀQ = (N − 1) I")
            #expect(j >= i || r[i * 3 + j] == 0)
            #expect(abs((0..<3).reduce(0.0) { $0 + ri[i * 3 + $1] * r[$1 * 3 + j] } - (i == j ? 1 : 0)) < 1e-12, "R⁻¹R = I")
        } }
        #expect((0..<3).allSatisfy { r[$0 * 3 + $0] > 0 })
        let singular = try StanProgram.compile(source: "data { matrix[2, 2] A; } transformed data { matrix[2, 2] B = inverse(A); } parameters { real mu; } model { mu ~ normal(0, 1); }", path: "m.stan")
        #expect(errorMessage { _ = try singular.prepareData(DataSet(["A": .matrix(rows: [[1, 2], [2, 4]])], source: "t")) }
            .contains("inverse: the matrix is singular"))
    }

    /// A non-positive-definite matrix is named; LKJ's correlated draw in generated quantities,
    /// sent to the host by its `_rng`, runs there.
    @Test func failuresAreNamedAndGeneratedQuantitiesRun() throws {
        let bad = try StanProgram.compile(source: "data { matrix[2, 2] S; } transformed data { matrix[2, 2] L = cholesky_decompose(S); } parameters { real mu; } model { mu ~ normal(0, 1); }", path: "m.stan")
        let message = errorMessage { _ = try bad.prepareData(DataSet(["S": .matrix(rows: [[1, 2], [2, 1]])], source: "t")) }
        #expect(message.contains("cholesky_decompose: the matrix is not symmetric positive definite"), "\(message)")
        let lkj = try StanProgram.compile(source: """
            parameters { cholesky_factor_corr[3] L; vector<lower=0>[3] tau; }
            model { L ~ lkj_corr_cholesky(2); tau ~ exponential(1); }
            generated quantities {
              corr_matrix[3] Omega = multiply_lower_tri_self_transpose(L);
              vector[3] y = multi_normal_cholesky_rng(rep_vector(0, 3), diag_pre_multiply(tau, L));
            }
            """, path: "lkj.stan")
        #expect(lkj.generatedQuantitiesOnHost)
        let l: [Double] = [1, 0, 0, 0.6, 0.8, 0, -0.28, 0.3, 0.9110434]
        let g = try HostGeneratedQuantitiesTests.generated(lkj, DataSet(source: "t"), ["L": l, "tau": [1, 2, 0.5]])
        let omega = try #require(g["Omega"])
        #expect(omega.count == 9 && abs(omega[0] - 1) < 1e-12 && abs(omega[3] - 0.6) < 1e-12 && abs(omega[5] - (0.6 * -0.28 + 0.8 * 0.3)) < 1e-12)
        #expect(try #require(g["y"]).count == 3 && g["y"]!.allSatisfy(\.isFinite))
    }
}
