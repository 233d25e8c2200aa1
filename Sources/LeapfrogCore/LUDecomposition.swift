#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// PA = LU of a square row-major matrix by Gaussian elimination with partial pivoting (Golub &
/// Van Loan, "Matrix Computations", 4th ed., algorithm 3.4.1): L unit lower triangular and U upper
/// triangular stored together in `factors`, P the row exchanges in `pivots`.
///
/// It serves Stan's general linear algebra on both paths: `mdivide_left`, `inverse`, `determinant`
/// and `log_determinant` as the CPU reference's `solve`, `determinant` and `log_abs_determinant`
/// nodes (forward and reverse: X = A⁻¹B gives B̄ = A⁻ᵀX̄, `solveTransposed`) and in the host's
/// transformed data and generated quantities. A zero pivot (an exactly singular matrix) sets
/// `isSingular`; the solves then return NaN (the non-finite policy rejects the point).
public struct LUDecomposition: Sendable {
    public let n: Int
    /// L below the diagonal (its unit diagonal implied) and U on and above it, row-major n × n.
    public private(set) var factors: [Double]
    /// Row k of PA is row pivots[k] of A.
    public private(set) var pivots: [Int]
    /// det P: +1 or −1 (the parity of the row exchanges).
    public private(set) var sign: Double = 1
    public private(set) var isSingular = false

    public init(_ a: [Double], _ n: Int) {
        precondition(a.count == n * n, "LUDecomposition needs an n × n matrix")
        self.n = n
        factors = a
        pivots = Array(0..<n)
        for c in 0..<n {
            var p = c
            for r in (c + 1)..<max(n, c + 1) where abs(factors[r * n + c]) > abs(factors[p * n + c]) { p = r }
            let pivot = factors[p * n + c]
            guard pivot != 0, pivot.isFinite else { isSingular = true; continue }
            if p != c {
                for k in 0..<n { factors.swapAt(p * n + k, c * n + k) }
                pivots.swapAt(p, c)
                sign = -sign
            }
            for r in (c + 1)..<max(n, c + 1) {
                let f = factors[r * n + c] / pivot
                factors[r * n + c] = f
                if f != 0 { for k in (c + 1)..<n { factors[r * n + k] -= f * factors[c * n + k] } }
            }
        }
    }

    /// log |det A| = Σ log |uᵢᵢ| (−∞ when A is singular).
    public var logAbsDeterminant: Double {
        if isSingular { return -.infinity }
        return (0..<n).reduce(0) { $0 + log(abs(factors[$1 * n + $1])) }
    }

    /// det A = det P · Π uᵢᵢ (0 when A is singular).
    public var determinant: Double {
        if isSingular { return 0 }
        return (0..<n).reduce(sign) { $0 * factors[$1 * n + $1] }
    }

    /// A⁻¹B for B row-major n × m (a vector when m = 1); NaN-filled when A is singular.
    public func solve(_ b: [Double], columns m: Int) -> [Double] {
        precondition(b.count == n * m, "the right-hand side must have n rows")
        if isSingular { return [Double](repeating: .nan, count: n * m) }
        var x = [Double](repeating: 0, count: n * m)
        for r in 0..<n { for j in 0..<m { x[r * m + j] = b[pivots[r] * m + j] } }   // PB
        for r in 0..<n {                                                              // L y = PB
            for k in 0..<r where factors[r * n + k] != 0 {
                let f = factors[r * n + k]
                for j in 0..<m { x[r * m + j] -= f * x[k * m + j] }
            }
        }
        for r in stride(from: n - 1, through: 0, by: -1) {                            // U x = y
            for k in (r + 1)..<max(n, r + 1) where factors[r * n + k] != 0 {
                let f = factors[r * n + k]
                for j in 0..<m { x[r * m + j] -= f * x[k * m + j] }
            }
            let d = factors[r * n + r]
            for j in 0..<m { x[r * m + j] /= d }
        }
        return x
    }

    /// A⁻ᵀB = (Uᵀ Lᵀ P)⁻¹ B for B row-major n × m; NaN-filled when A is singular.
    public func solveTransposed(_ b: [Double], columns m: Int) -> [Double] {
        precondition(b.count == n * m, "the right-hand side must have n rows")
        if isSingular { return [Double](repeating: .nan, count: n * m) }
        var y = b
        for r in 0..<n {                                                              // Uᵀ z = B
            for k in 0..<r where factors[k * n + r] != 0 {
                let f = factors[k * n + r]
                for j in 0..<m { y[r * m + j] -= f * y[k * m + j] }
            }
            let d = factors[r * n + r]
            for j in 0..<m { y[r * m + j] /= d }
        }
        for r in stride(from: n - 1, through: 0, by: -1) {                            // Lᵀ w = z
            for k in (r + 1)..<max(n, r + 1) where factors[k * n + r] != 0 {
                let f = factors[k * n + r]
                for j in 0..<m { y[r * m + j] -= f * y[k * m + j] }
            }
        }
        var x = [Double](repeating: 0, count: n * m)                                  // x = Pᵀ w
        for r in 0..<n { for j in 0..<m { x[pivots[r] * m + j] = y[r * m + j] } }
        return x
    }

    /// A⁻¹ (NaN-filled when A is singular).
    public var inverse: [Double] {
        var identity = [Double](repeating: 0, count: n * n)
        for k in 0..<n { identity[k * n + k] = 1 }
        return solve(identity, columns: n)
    }

    /// A⁻ᵀ, the adjoint direction of log |det A| (NaN-filled when A is singular).
    public var inverseTransposed: [Double] {
        var identity = [Double](repeating: 0, count: n * n)
        for k in 0..<n { identity[k * n + k] = 1 }
        return solveTransposed(identity, columns: n)
    }
}
