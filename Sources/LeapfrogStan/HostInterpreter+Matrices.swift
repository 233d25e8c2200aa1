import LeapfrogCore
import LeapfrogData
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The matrix functions on the host (transformed data; generated quantities run per draw), as
/// the Stan Functions Reference defines them, so that `multi_normal_cholesky_rng(mu,
/// diag_pre_multiply(tau, L))` and a covariance built in transformed data run where the graph's
/// versions cannot. A matrix is a rank-2 `DataArray`, row-major; so is an array of vectors.
extension HostInterpreter {
    static let matrixFunctionNames: Set<String> = Set([
        "diag_matrix", "diag_pre_multiply", "diag_post_multiply", "multiply_lower_tri_self_transpose", "tcrossprod",
        "crossprod", "quad_form_diag", "cholesky_decompose", "gp_exp_quad_cov", "cov_exp_quad", "columns_dot_product",
        "rows_dot_product", "add_diag", "mdivide_left_tri_low", "mdivide_right_tri_low", "mdivide_left_tri_upp",
        "mdivide_right_tri_upp", "qr_thin_Q", "qr_thin_R", "inverse", "identity_matrix", "col", "row", "diagonal", "dot_self",
        "columns_dot_self", "rows_dot_self", "trace", "inverse_spd", "mdivide_left", "mdivide_right", "mdivide_left_spd",
        "mdivide_right_spd", "determinant", "log_determinant", "log_determinant_spd", "eigenvalues_sym", "eigenvectors_sym",
        "quad_form", "quad_form_sym", "trace_quad_form",
    ]).union(GPKernel.allCases.map(\.rawValue))

    /// `name` applied to `a`, or nil when `name` is not one of `matrixFunctionNames`.
    func matrixFunction(_ name: String, _ a: [DataArray], at l: StanSourceLocation) throws -> DataArray? {
        guard Self.matrixFunctionNames.contains(name) else { return nil }
        func need(_ n: Int) throws {
            guard a.count == n else { throw fail("\(name) takes \(n) argument\(n == 1 ? "" : "s"), got \(a.count)", l) }
        }
        func matrix(_ i: Int) throws -> Matrix {
            guard a[i].rank == 2 else { throw fail("\(name): argument \(i + 1) must be a matrix, got shape \(a[i].shape)", l) }
            return Matrix(rows: a[i].shape[0], columns: a[i].shape[1], values: a[i].values)
        }
        func vector(_ i: Int, count: Int? = nil) throws -> [Double] {
            guard a[i].rank == 1 else { throw fail("\(name): argument \(i + 1) must be a vector, got shape \(a[i].shape)", l) }
            if let count, a[i].count != count {
                throw fail("\(name): argument \(i + 1) has \(a[i].count) elements, but the matrix needs \(count)", l)
            }
            return a[i].values
        }
        func square(_ m: Matrix) throws -> Matrix {
            guard m.rows == m.columns else { throw fail("\(name) needs a square matrix, got \(m.rows) × \(m.columns)", l) }
            return m
        }
        func integer(_ i: Int) throws -> Int {
            guard a[i].rank == 0, a[i].isInteger else { throw fail("\(name): argument \(i + 1) must be an integer", l) }
            return Int(a[i].values[0])
        }
        switch name {
        case "identity_matrix":
            try need(1)
            let n = try integer(0)
            guard n <= 1 << 15 else { throw fail("identity_matrix(\(n)): at most 32,768 rows here", l) }
            return Matrix.diagonal(Array(repeating: 1, count: max(n, 0))).array
        case "diag_matrix":
            try need(1)
            guard a[0].count <= 1 << 15 else { throw fail("diag_matrix of \(a[0].count) elements: at most 32,768 here", l) }
            return Matrix.diagonal(try vector(0)).array
        case "diagonal":
            try need(1)
            let m = try square(try matrix(0))
            return .vector((0..<m.rows).map { m[$0, $0] })
        case "trace":
            try need(1)
            let m = try square(try matrix(0))
            return .scalar((0..<m.rows).reduce(0) { $0 + m[$1, $1] })
        case "diag_pre_multiply", "diag_post_multiply":
            try need(2)
            let pre = name == "diag_pre_multiply"
            let m = try matrix(pre ? 1 : 0)
            let v = try vector(pre ? 0 : 1, count: pre ? m.rows : m.columns)
            return m.mapIndexed { i, j, x in x * (pre ? v[i] : v[j]) }.array
        case "quad_form_diag":
            try need(2)
            let m = try square(try matrix(0))
            let v = try vector(1, count: m.rows)
            return m.mapIndexed { i, j, x in v[i] * x * v[j] }.array
        case "multiply_lower_tri_self_transpose":
            try need(1)
            let m = try matrix(0)
            let lower = m.mapIndexed { i, j, x in j <= i ? x : 0 }
            return lower.times(lower.transposed).array
        case "tcrossprod", "crossprod":
            try need(1)
            let m = try matrix(0)
            return (name == "tcrossprod" ? m.times(m.transposed) : m.transposed.times(m)).array
        case "cholesky_decompose":
            try need(1)
            guard let factor = try square(try matrix(0)).cholesky() else {
                throw fail("cholesky_decompose: the matrix is not symmetric positive definite", l)
            }
            return factor.array
        case "add_diag":
            try need(2)
            let m = try square(try matrix(0))
            let d = a[1].rank == 0 ? Array(repeating: a[1].values[0], count: m.rows) : try vector(1, count: m.rows)
            return m.mapIndexed { i, j, x in i == j ? x + d[i] : x }.array
        case "mdivide_left_tri_low", "mdivide_left_tri_upp":
            // T⁻¹ b for triangular T (the other part ignored, as Stan's): forward or back substitution.
            try need(2)
            let t = try square(try matrix(0))
            let b = a[1].rank == 1 ? Matrix(rows: a[1].count, columns: 1, values: a[1].values) : try matrix(1)
            guard b.rows == t.rows else { throw fail("\(name): \(t.rows) rows against \(b.rows)", l) }
            let x = Matrix.solveTriangular(t, b, lower: name.hasSuffix("low"))
            return a[1].rank == 1 ? .vector(x.values) : x.array
        case "qr_thin_Q", "qr_thin_R":
            // A = QR with Q [N, K] orthonormal columns and R [K, K] upper triangular, its diagonal
            // positive (modified Gram–Schmidt); for the User's Guide's QR reparameterisation.
            try need(1)
            let m = try matrix(0)
            guard m.rows >= m.columns else { throw fail("\(name) needs at least as many rows as columns, got \(m.rows) × \(m.columns)", l) }
            var q = m, r = Matrix(rows: m.columns, columns: m.columns, values: Array(repeating: 0, count: m.columns * m.columns))
            for j in 0..<m.columns {
                for i in 0..<j {
                    let dot = (0..<m.rows).reduce(0.0) { $0 + q[$1, i] * q[$1, j] }
                    r[i, j] = dot
                    for k in 0..<m.rows { q[k, j] -= dot * q[k, i] }
                }
                let norm = (0..<m.rows).reduce(0.0) { $0 + q[$1, j] * q[$1, j] }.squareRoot()
                guard norm > 0 else { throw fail("\(name): column \(j + 1) depends on the columns before it (the matrix has no full column rank)", l) }
                r[j, j] = norm
                for k in 0..<m.rows { q[k, j] /= norm }
            }
            return name == "qr_thin_Q" ? q.array : r.array
        case "inverse", "inverse_spd":
            try need(1)
            let m = try square(try matrix(0))
            if name == "inverse_spd", m.cholesky() == nil { throw fail("inverse_spd: the matrix is not symmetric positive definite", l) }
            let lu = LUDecomposition(m.values, m.rows)
            guard !lu.isSingular else { throw fail("\(name): the matrix is singular", l) }
            return Matrix(rows: m.rows, columns: m.rows, values: lu.inverse).array
        case "mdivide_left", "mdivide_left_spd", "mdivide_right", "mdivide_right_spd":
            // A⁻¹B, and BA⁻¹ = (A⁻ᵀBᵀ)ᵀ, by LU with partial pivoting (the _spd forms check A first).
            try need(2)
            let left = name.hasPrefix("mdivide_left")
            let m = try square(try matrix(left ? 0 : 1))
            if name.hasSuffix("_spd"), m.cholesky() == nil { throw fail("\(name): the matrix is not symmetric positive definite", l) }
            let other = a[left ? 1 : 0]
            let b = other.rank == 1 ? Matrix(rows: left ? other.count : 1, columns: left ? 1 : other.count, values: other.values)
                                    : try matrix(left ? 1 : 0)
            guard (left ? b.rows : b.columns) == m.rows else { throw fail("\(name): a \(m.rows) × \(m.rows) matrix against shape \(other.shape)", l) }
            let lu = LUDecomposition(m.values, m.rows)
            guard !lu.isSingular else { throw fail("\(name): the matrix is singular", l) }
            let x = left ? Matrix(rows: b.rows, columns: b.columns, values: lu.solve(b.values, columns: b.columns))
                         : Matrix(rows: b.columns, columns: b.rows, values: lu.solveTransposed(b.transposed.values, columns: b.rows)).transposed
            return other.rank == 1 ? .vector(x.values) : x.array
        case "determinant", "log_determinant", "log_determinant_spd":
            try need(1)
            let m = try square(try matrix(0))
            if name == "log_determinant_spd" {
                guard let f = m.cholesky() else { throw fail("log_determinant_spd: the matrix is not symmetric positive definite", l) }
                return .scalar(2 * (0..<m.rows).reduce(0) { $0 + log(f[$1, $1]) })
            }
            let lu = LUDecomposition(m.values, m.rows)
            return .scalar(name == "determinant" ? lu.determinant : lu.logAbsDeterminant)
        case "eigenvalues_sym", "eigenvectors_sym":
            try need(1)
            let m = try square(try matrix(0))
            guard SymmetricEigen.isSymmetric(m.values, m.rows) else { throw fail("\(name): the matrix is not symmetric", l) }
            let e = SymmetricEigen(m.values, m.rows)
            return name == "eigenvalues_sym" ? .vector(e.values) : Matrix(rows: m.rows, columns: m.rows, values: e.vectors).array
        case "quad_form", "quad_form_sym", "trace_quad_form":
            // BᵀAB (bᵀAb for a vector b), its symmetric part, its trace.
            try need(2)
            let m = try square(try matrix(0))
            if a[1].rank == 1, name != "trace_quad_form" {
                let v = try vector(1, count: m.rows)
                let mv = m.times(Matrix(rows: m.rows, columns: 1, values: v)).values
                return .scalar(zip(v, mv).reduce(0) { $0 + $1.0 * $1.1 })
            }
            let b = try matrix(1)
            guard b.rows == m.rows else { throw fail("\(name): a \(m.rows) × \(m.rows) matrix against \(b.rows) rows", l) }
            let x = b.transposed.times(m.times(b))
            switch name {
            case "trace_quad_form": return .scalar((0..<x.rows).reduce(0) { $0 + x[$1, $1] })
            case "quad_form_sym": return x.mapIndexed { i, j, _ in 0.5 * (x[i, j] + x[j, i]) }.array
            default: return x.array
            }
        case "mdivide_right_tri_low", "mdivide_right_tri_upp":
            // B T⁻¹ = (T⁻ᵀ Bᵀ)ᵀ: Tᵀ is triangular the other way (a row vector B gives a row vector).
            try need(2)
            let t = try square(try matrix(1))
            let b = a[0].rank == 1 ? Matrix(rows: 1, columns: a[0].count, values: a[0].values) : try matrix(0)
            guard b.columns == t.rows else { throw fail("\(name): \(b.columns) columns against \(t.rows) rows", l) }
            let x = Matrix.solveTriangular(t.transposed, b.transposed, lower: !name.hasSuffix("low")).transposed
            return a[0].rank == 1 ? .vector(x.values) : x.array
        case "columns_dot_product", "rows_dot_product", "columns_dot_self", "rows_dot_self", "dot_self":
            let selfProduct = name.hasSuffix("self")
            try need(selfProduct ? 1 : 2)
            if name == "dot_self" { return .scalar(a[0].values.reduce(0) { $0 + $1 * $1 }) }
            let x = a[0].rank == 1 ? Matrix(rows: a[0].count, columns: 1, values: a[0].values) : try matrix(0)
            let y = selfProduct ? x : (a[1].rank == 1 ? Matrix(rows: a[1].count, columns: 1, values: a[1].values) : try matrix(1))
            guard (x.rows, x.columns) == (y.rows, y.columns) else { throw fail("\(name): shapes \(a[0].shape) and \(a[1].shape) differ", l) }
            let byColumns = name.hasPrefix("columns")
            let out = (0..<(byColumns ? x.columns : x.rows)).map { k in
                (0..<(byColumns ? x.rows : x.columns)).reduce(0.0) { s, t in
                    s + (byColumns ? x[t, k] * y[t, k] : x[k, t] * y[k, t])
                }
            }
            return .vector(out)
        case "col", "row":
            try need(2)
            let m = try matrix(0)
            let k = try integer(1)
            let extent = name == "col" ? m.columns : m.rows
            guard k >= 1 && k <= extent else { throw fail("\(name): index \(k) is out of range 1…\(extent)", l) }
            return .vector(name == "col" ? (0..<m.rows).map { m[$0, k - 1] } : (0..<m.columns).map { m[k - 1, $0] })
        case _ where GPKernel(rawValue: name) != nil:
            let kernel = GPKernel(rawValue: name)!
            guard let sets = kernel.pointSets(arguments: a.count) else { throw fail(kernel.usage(got: a.count), l) }
            return try covarianceMatrix(name, a, pointSets: sets, scalars: kernel.parameters, at: l) { p in
                { d2 in kernel.covariance(d2.squareRoot(), p) }
            }
        default:   // gp_exp_quad_cov, cov_exp_quad: α² exp(−‖xᵢ − x'ⱼ‖² / (2ρ²))
            guard a.count == 3 || a.count == 4 else {
                throw fail("\(name) takes (x, alpha, rho) or (x1, x2, alpha, rho), got \(a.count) arguments", l)
            }
            return try covarianceMatrix(name, a, pointSets: a.count - 2, scalars: ["alpha", "rho"], at: l) { p in
                { d2 in p[0] * p[0] * exp(-d2 / (2 * p[1] * p[1])) }
            }
        }
    }

    /// A GP covariance function's matrix K[i, j] = k(‖xᵢ − x'ⱼ‖²) of one or two sets of points
    /// (arrays of reals or of vectors; two: the cross-covariance of GP prediction), `kernel`
    /// given the scalar arguments after them (named `scalars`).
    private func covarianceMatrix(_ name: String, _ a: [DataArray], pointSets: Int, scalars: [String], at l: StanSourceLocation,
                                  _ kernel: ([Double]) -> (Double) -> Double) throws -> DataArray {
        let (first, second) = (a[0], pointSets == 2 ? a[1] : a[0])
        guard a[pointSets...].allSatisfy({ $0.rank == 0 }) else { throw fail("\(name): \(scalars.joined(separator: ", ")) must be scalars", l) }
        let k = kernel(a[pointSets...].map { $0.values[0] })
        let width = first.rank == 2 ? first.shape[1] : 1
        guard (second.rank == 2 ? second.shape[1] : 1) == width else {
            throw fail("\(name): the two sets of points have \(width) and \(second.rank == 2 ? second.shape[1] : 1) coordinates", l)
        }
        let (n, m) = (first.shape.first ?? 1, second.shape.first ?? 1)
        var out = Matrix(rows: n, columns: m, values: Array(repeating: 0, count: n * m))
        for i in 0..<n {
            for j in 0..<m {
                let d2 = (0..<width).reduce(0.0) { s, t in
                    let d = first.values[i * width + t] - second.values[j * width + t]
                    return s + d * d
                }
                out[i, j] = k(d2)
            }
        }
        return out.array
    }
}

/// A dense row-major matrix for the host's matrix functions.
struct Matrix {
    var rows: Int
    var columns: Int
    var values: [Double]

    subscript(i: Int, j: Int) -> Double {
        get { values[i * columns + j] }
        set { values[i * columns + j] = newValue }
    }

    var array: DataArray { DataArray(shape: [rows, columns], values: values) }

    static func diagonal(_ d: [Double]) -> Matrix {
        var m = Matrix(rows: d.count, columns: d.count, values: Array(repeating: 0, count: d.count * d.count))
        for (i, x) in d.enumerated() { m[i, i] = x }
        return m
    }

    /// X with T X = B for triangular T (`lower`, else upper; the other part ignored), column by
    /// column: forward or back substitution.
    static func solveTriangular(_ t: Matrix, _ b: Matrix, lower: Bool) -> Matrix {
        var x = b
        let n = t.rows
        for c in 0..<b.columns {
            for step in 0..<n {
                let i = lower ? step : n - 1 - step
                var s = b[i, c]
                for k in (lower ? 0..<i : (i + 1)..<n) { s -= t[i, k] * x[k, c] }
                x[i, c] = s / t[i, i]
            }
        }
        return x
    }

    var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows, values: values)
        for i in 0..<rows { for j in 0..<columns { t[j, i] = self[i, j] } }
        return t
    }

    func mapIndexed(_ f: (Int, Int, Double) -> Double) -> Matrix {
        var out = self
        for i in 0..<rows { for j in 0..<columns { out[i, j] = f(i, j, self[i, j]) } }
        return out
    }

    func times(_ b: Matrix) -> Matrix {
        var out = Matrix(rows: rows, columns: b.columns, values: Array(repeating: 0, count: rows * b.columns))
        for i in 0..<rows { for k in 0..<columns { let x = self[i, k]; for j in 0..<b.columns { out[i, j] += x * b[k, j] } } }
        return out
    }

    /// The lower Cholesky factor L (A = LLᵀ) of a symmetric positive-definite matrix; nil when A
    /// is not (a pivot not above 0, or asymmetry beyond rounding).
    func cholesky() -> Matrix? {
        let n = rows
        for i in 0..<n { for j in 0..<i where abs(self[i, j] - self[j, i]) > 1e-8 * max(1, abs(self[i, j])) { return nil } }
        var l = Matrix(rows: n, columns: n, values: Array(repeating: 0, count: n * n))
        for j in 0..<n {
            var d = self[j, j]
            for k in 0..<j { d -= l[j, k] * l[j, k] }
            guard d > 0 else { return nil }
            l[j, j] = d.squareRoot()
            for i in (j + 1)..<n {
                var s = self[i, j]
                for k in 0..<j { s -= l[i, k] * l[j, k] }
                l[i, j] = s / l[j, j]
            }
        }
        return l
    }
}
