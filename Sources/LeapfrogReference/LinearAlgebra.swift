import RealModule

/// Dense row-major linear algebra in Double for the reference path: small, plain loops.
enum LinearAlgebra {
    /// Lower Cholesky factor of the n×n matrix `a` (reads the lower triangle); NaN-filled when `a`
    /// is not positive definite (the non-finite policy then rejects the point).
    static func cholesky(_ a: [Double], _ n: Int) -> [Double] {
        var l = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var d = a[j * n + j]
            for k in 0..<j { d -= l[j * n + k] * l[j * n + k] }
            guard d > 0, d.isFinite else { return [Double](repeating: .nan, count: n * n) }
            let ljj = d.squareRoot()
            l[j * n + j] = ljj
            for i in (j + 1)..<max(n, j + 1) {
                var s = a[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = s / ljj
            }
        }
        return l
    }

    /// X = L⁻¹·B for lower-triangular n×n L and B of n×m (row-major).
    static func solveLower(_ l: [Double], _ b: [Double], _ n: Int, _ m: Int) -> [Double] {
        var x = b
        for c in 0..<m {
            for i in 0..<n {
                var s = x[i * m + c]
                for k in 0..<i { s -= l[i * n + k] * x[k * m + c] }
                x[i * m + c] = s / l[i * n + i]
            }
        }
        return x
    }

    /// X = L⁻ᵀ·B for lower-triangular n×n L and B of n×m.
    static func solveLowerTransposed(_ l: [Double], _ b: [Double], _ n: Int, _ m: Int) -> [Double] {
        var x = b
        for c in 0..<m {
            for i in stride(from: n - 1, through: 0, by: -1) {
                var s = x[i * m + c]
                for k in (i + 1)..<max(n, i + 1) { s -= l[k * n + i] * x[k * m + c] }
                x[i * m + c] = s / l[i * n + i]
            }
        }
        return x
    }

    /// K⁻¹ = L⁻ᵀ L⁻¹ for K = L Lᵀ (n×n, both triangles): L⁻¹ by forward substitution (its row i
    /// from the rows before it), then (K⁻¹)_rq = Σ_{k ≥ max(r, q)} (L⁻¹)_kr (L⁻¹)_kq. n³/3
    /// multiply-adds in all.
    static func inverseFromCholesky(_ l: [Double], _ n: Int) -> [Double] {
        var li = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            li[i * n + i] = 1 / l[i * n + i]
            for j in 0..<i {
                var s = 0.0
                for k in j..<i { s -= l[i * n + k] * li[k * n + j] }
                li[i * n + j] = s * li[i * n + i]
            }
        }
        var inverse = [Double](repeating: 0, count: n * n)
        for r in 0..<n {
            for q in 0...r {
                var s = 0.0
                for k in r..<n { s += li[k * n + r] * li[k * n + q] }
                inverse[r * n + q] = s
                inverse[q * n + r] = s
            }
        }
        return inverse
    }

    static func transpose(_ a: [Double], _ rows: Int, _ cols: Int) -> [Double] {
        var t = [Double](repeating: 0, count: a.count)
        for i in 0..<rows { for j in 0..<cols { t[j * rows + i] = a[i * cols + j] } }
        return t
    }
}
