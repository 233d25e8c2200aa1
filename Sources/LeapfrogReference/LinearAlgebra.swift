import RealModule

/// Dense row-major linear algebra in Double for the reference path: plain loops, their inner
/// products along contiguous rows (`dot`).
enum LinearAlgebra {
    /// Lower Cholesky factor of the n×n matrix `a` (reads the lower triangle); NaN-filled when `a`
    /// is not positive definite (the non-finite policy then rejects the point). Its inner products
    /// run along rows of L (`dot`).
    static func cholesky(_ a: [Double], _ n: Int) -> [Double] {
        var l = [Double](repeating: 0, count: n * n)
        let positive = l.withUnsafeMutableBufferPointer { buffer -> Bool in
            let l = buffer.baseAddress!
            for j in 0..<n {
                let d = a[j * n + j] - dot(l + j * n, l + j * n, count: j)
                guard d > 0, d.isFinite else { return false }
                let ljj = d.squareRoot()
                l[j * n + j] = ljj
                for i in (j + 1)..<max(n, j + 1) {
                    l[i * n + j] = (a[i * n + j] - dot(l + i * n, l + j * n, count: j)) / ljj
                }
            }
            return true
        }
        return positive ? l : [Double](repeating: .nan, count: n * n)
    }

    /// Σ_{k < count} a[k]·b[k], in four running sums (every fourth product each) added at the end:
    /// one running sum waits on each addition before the next, so a 400-point GP's Cholesky and
    /// inverse ran at a quarter of the core's rate (docs/benchmarks.md, "Large intermediate values
    /// in a device heap"). The order differs from a sequential sum by rounding only.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count: Int) -> Double {
        var sums = SIMD4<Double>()
        var k = 0
        while k + 4 <= count {
            sums += UnsafeRawPointer(a + k).loadUnaligned(as: SIMD4<Double>.self)
                * UnsafeRawPointer(b + k).loadUnaligned(as: SIMD4<Double>.self)
            k += 4
        }
        var total = (sums[0] + sums[1]) + (sums[2] + sums[3])
        while k < count {
            total += a[k] * b[k]
            k += 1
        }
        return total
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

    /// K⁻¹ = L⁻ᵀ L⁻¹ for K = L Lᵀ (n×n, both triangles): the columns of L⁻¹ by forward
    /// substitution, column j from (L⁻¹)_jj = 1/L_jj and (L⁻¹)_ij = −(Σ_{k=j}^{i−1} L_ik (L⁻¹)_kj)·(L⁻¹)_ii,
    /// kept as the rows of U = L⁻ᵀ, then (K⁻¹)_rq = Σ_{k ≥ max(r, q)} U_rk U_qk: n³/3 multiply-adds
    /// in all, every inner product along contiguous rows (`dot`).
    static func inverseFromCholesky(_ l: [Double], _ n: Int) -> [Double] {
        var u = [Double](repeating: 0, count: n * n)
        var inverse = [Double](repeating: 0, count: n * n)
        l.withUnsafeBufferPointer { lBuffer in
            u.withUnsafeMutableBufferPointer { uBuffer in
                let (l, u) = (lBuffer.baseAddress!, uBuffer.baseAddress!)
                for j in 0..<n { u[j * n + j] = 1 / l[j * n + j] }
                for j in 0..<n {
                    for i in (j + 1)..<max(n, j + 1) {
                        u[j * n + i] = -dot(l + i * n + j, u + j * n + j, count: i - j) * u[i * n + i]
                    }
                }
                for r in 0..<n {
                    for q in 0...r {
                        let s = dot(u + r * n + r, u + q * n + r, count: n - r)
                        inverse[r * n + q] = s
                        inverse[q * n + r] = s
                    }
                }
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
