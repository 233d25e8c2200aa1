/// The eigendecomposition A = QΛQᵀ of a symmetric row-major matrix by the cyclic Jacobi method
/// (Golub & Van Loan, "Matrix Computations", 4th ed., §8.5.2–8.5.3): plane rotations J chosen to
/// zero one off-diagonal pair at a time, A ← JᵀAJ and Q ← QJ, sweeping all pairs until the
/// off-diagonal mass is below the rounding of the diagonal (quadratic convergence; a few sweeps).
///
/// Stan's `eigenvalues_sym` and `eigenvectors_sym`: the values ascending, the vectors as the
/// columns of Q in the same order, each of unit length with its largest-magnitude element
/// positive (Stan leaves the sign to Eigen; every use that is a function of the matrix, QΛQᵀ,
/// QᵀyQ, is unchanged by it). The CPU reference's `eigenvalues_sym`/`eigenvectors_sym` nodes and the
/// host's transformed data and generated quantities use it.
public struct SymmetricEigen: Sendable {
    /// Stan's tolerance for a symmetric argument, |aᵢⱼ − aⱼᵢ| ≤ 1e-8 (stan/math's
    /// CONSTRAINT_TOLERANCE, used by check_symmetric).
    public static let symmetryTolerance = 1e-8
    /// The most sweeps: Jacobi converges in 6–10 for matrices of any practical size.
    static let maximumSweeps = 60

    public let n: Int
    /// The eigenvalues, ascending.
    public let values: [Double]
    /// Row-major n × n; column k is the unit eigenvector of values[k].
    public let vectors: [Double]

    /// The cyclic Jacobi sweeps on m (symmetric, row-major), accumulating the rotations into q.
    /// An off-diagonal element too small to change either diagonal element it pairs (after the
    /// first sweeps) is set to zero rather than rotated away (Rutishauser's test, as in Numerical
    /// Recipes' `jacobi`).
    static func jacobi(_ m: UnsafeMutablePointer<Double>, _ q: UnsafeMutablePointer<Double>, _ n: Int) {
        for sweep in 0..<maximumSweeps {
            var off = 0.0, diagonal = 0.0
            for r in 0..<n {
                diagonal += m[r * n + r] * m[r * n + r]
                for c in 0..<r { off += m[r * n + c] * m[r * n + c] }
            }
            if off <= Double.ulpOfOne * Double.ulpOfOne * diagonal || off == 0 { return }
            for p in 0..<n {
                for r in (p + 1)..<max(n, p + 1) {
                    let apr = m[p * n + r]
                    if apr == 0 { continue }
                    let (app, arr) = (m[p * n + p], m[r * n + r])
                    if sweep > 3, abs(app) + 100 * abs(apr) == abs(app), abs(arr) + 100 * abs(apr) == abs(arr) {
                        m[p * n + r] = 0
                        m[r * n + p] = 0
                        continue
                    }
                    // t = tan φ, the smaller root of t² + 2θt − 1 = 0 with θ = (a_rr − a_pp)/(2a_pr),
                    // makes (JᵀAJ)_pr zero (Golub & Van Loan, algorithm 8.5.1).
                    let theta = (arr - app) / (2 * apr)
                    let t = abs(theta) < 1e150
                        ? (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                        : 1 / (2 * theta)
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let (x, y) = (m[k * n + p], m[k * n + r])
                        m[k * n + p] = c * x - s * y
                        m[k * n + r] = s * x + c * y
                    }
                    let (rowP, rowR) = (m + p * n, m + r * n)
                    for k in 0..<n {
                        let (x, y) = (rowP[k], rowR[k])
                        rowP[k] = c * x - s * y
                        rowR[k] = s * x + c * y
                    }
                    m[p * n + r] = 0
                    m[r * n + p] = 0
                    for k in 0..<n {
                        let (x, y) = (q[k * n + p], q[k * n + r])
                        q[k * n + p] = c * x - s * y
                        q[k * n + r] = s * x + c * y
                    }
                }
            }
        }
    }

    /// The eigenvalues of symmetric `a` belonging to its unit eigenvectors, the columns of `q`:
    /// the Rayleigh quotients λₖ = qₖᵀAqₖ (what a decomposition already made gives its values
    /// from, O(n³) against the sweeps' many n³).
    public static func rayleighQuotients(_ a: [Double], _ q: [Double], _ n: Int) -> [Double] {
        var aq = [Double](repeating: 0, count: n * n)    // A·Q
        for r in 0..<n { for k in 0..<n where a[r * n + k] != 0 { for c in 0..<n { aq[r * n + c] += a[r * n + k] * q[k * n + c] } } }
        return (0..<n).map { c in (0..<n).reduce(0) { $0 + q[$1 * n + c] * aq[$1 * n + c] } }
    }

    /// Whether `a` is symmetric within `symmetryTolerance` (Stan rejects it otherwise).
    public static func isSymmetric(_ a: [Double], _ n: Int) -> Bool {
        for r in 0..<n { for c in 0..<r where !(abs(a[r * n + c] - a[c * n + r]) <= symmetryTolerance) { return false } }
        return true
    }

    /// Decomposes the symmetric part (A + Aᵀ)/2 of `a`; NaN-filled when `a` holds a non-finite value.
    public init(_ a: [Double], _ n: Int) {
        precondition(a.count == n * n, "SymmetricEigen needs an n × n matrix")
        self.n = n
        guard a.allSatisfy(\.isFinite) else {
            values = [Double](repeating: .nan, count: n)
            vectors = [Double](repeating: .nan, count: n * n)
            return
        }
        var m = a
        for r in 0..<n { for c in 0..<r { let s = 0.5 * (a[r * n + c] + a[c * n + r]); m[r * n + c] = s; m[c * n + r] = s } }
        var q = [Double](repeating: 0, count: n * n)
        for k in 0..<n { q[k * n + k] = 1 }
        m.withUnsafeMutableBufferPointer { mb in
            q.withUnsafeMutableBufferPointer { qb in Self.jacobi(mb.baseAddress!, qb.baseAddress!, n) }
        }
        let order = (0..<n).sorted { (m[$0 * n + $0], $0) < (m[$1 * n + $1], $1) }
        values = order.map { m[$0 * n + $0] }
        var sorted = [Double](repeating: 0, count: n * n)
        for (k, j) in order.enumerated() {
            var largest = 0
            for r in 0..<n where abs(q[r * n + j]) > abs(q[largest * n + j]) { largest = r }
            let sign: Double = q[largest * n + j] < 0 ? -1 : 1
            for r in 0..<n { sorted[r * n + k] = sign * q[r * n + j] }
        }
        vectors = sorted
    }
}
