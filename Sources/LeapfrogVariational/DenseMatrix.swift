/// The few dense linear-algebra routines Pathfinder needs, on small row-major matrices stored as
/// `[Double]` (element (i, j) of an r×c matrix at `i * c + j`). Sizes here are d×2J and 2J×2J
/// (J the L-BFGS history, 6 by default), or d×d when 2J ≥ d; nothing is blocked or vectorised.
enum DenseMatrix {
    /// C = A·B for A r×k and B k×c.
    static func multiply(_ a: [Double], _ b: [Double], rows r: Int, inner k: Int, columns c: Int) -> [Double] {
        var out = [Double](repeating: 0, count: r * c)
        for i in 0..<r {
            for l in 0..<k {
                let x = a[i * k + l]
                if x == 0 { continue }
                for j in 0..<c { out[i * c + j] += x * b[l * c + j] }
            }
        }
        return out
    }

    /// Aᵀ for A r×c.
    static func transpose(_ a: [Double], rows r: Int, columns c: Int) -> [Double] {
        var out = [Double](repeating: 0, count: r * c)
        for i in 0..<r { for j in 0..<c { out[j * r + i] = a[i * c + j] } }
        return out
    }

    /// The lower Cholesky factor L (LLᵀ = A) of a symmetric n×n matrix, or nil when A is not
    /// numerically positive definite (a pivot ≤ 0 or not finite).
    static func cholesky(_ a: [Double], _ n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var diagonal = a[j * n + j]
            for k in 0..<j { diagonal -= l[j * n + k] * l[j * n + k] }
            guard diagonal > 0, diagonal.isFinite else { return nil }
            let pivot = diagonal.squareRoot()
            l[j * n + j] = pivot
            for i in (j + 1)..<max(j + 1, n) {
                var v = a[i * n + j]
                for k in 0..<j { v -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = v / pivot
            }
        }
        return l
    }

    /// The inverse of an upper-triangular n×n matrix U (nil when a diagonal element is 0 or the
    /// result is not finite), by back substitution column by column.
    static func invertUpperTriangular(_ u: [Double], _ n: Int) -> [Double]? {
        var inv = [Double](repeating: 0, count: n * n)
        for col in 0..<n {
            for i in stride(from: col, through: 0, by: -1) {
                var v = i == col ? 1.0 : 0.0
                for k in (i + 1)..<max(i + 1, col + 1) { v -= u[i * n + k] * inv[k * n + col] }
                let pivot = u[i * n + i]
                guard pivot != 0 else { return nil }
                inv[i * n + col] = v / pivot
            }
        }
        return inv.allSatisfy(\.isFinite) ? inv : nil
    }

    /// The thin QR factorisation A = QR of an r×c matrix with c ≤ r, by Householder reflections
    /// (Golub & Van Loan, "Matrix Computations", 4th ed., Alg. 5.2.1): Q is r×c with orthonormal
    /// columns even where A is rank-deficient, R is c×c upper triangular.
    static func thinQR(_ a: [Double], rows r: Int, columns c: Int) -> (q: [Double], r: [Double]) {
        precondition(c <= r, "thinQR: \(c) columns > \(r) rows")
        var work = a
        var reflectors: [[Double]] = []
        for j in 0..<c {
            var v = [Double](repeating: 0, count: r)
            var norm = 0.0
            for i in j..<r { v[i] = work[i * c + j]; norm += v[i] * v[i] }
            norm = norm.squareRoot()
            if norm > 0 {
                v[j] += v[j] >= 0 ? norm : -norm
                var vv = 0.0
                for i in j..<r { vv += v[i] * v[i] }
                if vv > 0 {
                    for k in j..<c {
                        var dot = 0.0
                        for i in j..<r { dot += v[i] * work[i * c + k] }
                        let f = 2 * dot / vv
                        for i in j..<r { work[i * c + k] -= f * v[i] }
                    }
                    for i in j..<r { v[i] /= vv.squareRoot() }
                } else {
                    v = [Double](repeating: 0, count: r)
                }
            }
            reflectors.append(v)
        }
        var rr = [Double](repeating: 0, count: c * c)
        for i in 0..<c { for k in i..<c { rr[i * c + k] = work[i * c + k] } }
        // Q = H₁H₂…H_c applied to the first c columns of the identity.
        var q = [Double](repeating: 0, count: r * c)
        for j in 0..<c { q[j * c + j] = 1 }
        for j in stride(from: c - 1, through: 0, by: -1) {
            let v = reflectors[j]
            for k in 0..<c {
                var dot = 0.0
                for i in j..<r { dot += v[i] * q[i * c + k] }
                if dot == 0 { continue }
                for i in j..<r { q[i * c + k] -= 2 * dot * v[i] }
            }
        }
        return (q, rr)
    }
}
