/// The memory of L-BFGS as Pathfinder uses it (Zhang, Carpenter, Gelman & Vehtari, "Pathfinder:
/// parallel quasi-Newton variational inference", JMLR 23(306), 2022, Algorithm 3), for minimising
/// f(x) = −log p(x): the last J accepted pairs
///
///     sₗ = xₗ₊₁ − xₗ,   yₗ = ∇f(xₗ₊₁) − ∇f(xₗ) = −(∇log p(xₗ₊₁) − ∇log p(xₗ))
///
/// and a diagonal initial inverse Hessian α. A pair is accepted only where it keeps the BFGS
/// update positive definite with a margin, sₗᵀyₗ > ε‖yₗ‖² (`curvatureTolerance`, the paper's ε);
/// a pair that fails is dropped and α is kept. On every accepted pair α is updated by the
/// diagonal BFGS rule of Gilbert & Lemaréchal (Math. Programming 45, 1989), as the paper's
/// Algorithm 3 writes it:
///
///     1/αᵢ ← (yᵀ diag(α) y)/((yᵀs) αᵢ) + yᵢ²/(yᵀs) − (yᵀ diag(α) y) sᵢ² / ((yᵀs)(sᵀ diag(α)⁻¹ s) αᵢ²)
///
/// The inverse Hessian it stands for is `InverseHessian` (the compact form of Byrd, Nocedal &
/// Schnabel 1994 with α as the initial matrix).
public struct LBFGSHistory: Sendable, Hashable {
    public let dimension: Int
    public let size: Int
    /// Accepted pairs, oldest first, at most `size`.
    public private(set) var steps: [[Double]] = []
    public private(set) var gradientChanges: [[Double]] = []
    /// The diagonal initial inverse Hessian (ones before the first accepted pair).
    public private(set) var alpha: [Double]

    /// The paper's ε for the curvature test (Zhang et al. 2022, Algorithm 3: 2.2·10⁻¹⁶, machine ε).
    public static let curvatureTolerance = 2.2e-16
    /// J: pairs kept (Zhang et al. 2022 use J = 6 in their experiments).
    public static let defaultSize = 6

    public init(dimension: Int, size: Int = LBFGSHistory.defaultSize) {
        self.dimension = dimension
        self.size = size
        alpha = [Double](repeating: 1, count: dimension)
    }

    /// Records the pair (s, y) if it passes the curvature test; true when it did.
    @discardableResult
    public mutating func record(step s: [Double], gradientChange y: [Double]) -> Bool {
        let ys = dot(y, s), yy = dot(y, y)
        guard ys > Self.curvatureTolerance * yy, ys.isFinite, yy > 0 else { return false }
        var yAlphaY = 0.0, sAlphaInvS = 0.0
        for i in 0..<dimension {
            yAlphaY += y[i] * alpha[i] * y[i]
            sAlphaInvS += s[i] * s[i] / alpha[i]
        }
        var next = alpha
        for i in 0..<dimension {
            let inverse = yAlphaY / (ys * alpha[i]) + y[i] * y[i] / ys
                - yAlphaY * s[i] * s[i] / (ys * sAlphaInvS * alpha[i] * alpha[i])
            next[i] = 1 / inverse
        }
        // The update keeps α positive in exact arithmetic; rounding can break that on nearly
        // collinear pairs, and then the previous α stays.
        if next.allSatisfy({ $0 > 0 && $0.isFinite }) { alpha = next }
        steps.append(s)
        gradientChanges.append(y)
        if steps.count > size {
            steps.removeFirst()
            gradientChanges.removeFirst()
        }
        return true
    }

    /// Forgets every pair and resets α to ones (after a direction that does not descend).
    public mutating func reset() {
        steps = []
        gradientChanges = []
        alpha = [Double](repeating: 1, count: dimension)
    }

    /// H·v by the two-loop recursion (Nocedal & Wright, "Numerical Optimization", 2nd ed.,
    /// Algorithm 7.4) with H₀ = diag(α): the same matrix as ``inverseHessian``'s compact form
    /// (Byrd, Nocedal & Schnabel 1994, Theorem 2.2), in O(J·d) and without forming it.
    public func applyInverseHessian(_ v: [Double]) -> [Double] {
        let m = steps.count, d = dimension
        var q = v
        var a = [Double](repeating: 0, count: m), rho = [Double](repeating: 0, count: m)
        q.withUnsafeMutableBufferPointer { q in
            for l in stride(from: m - 1, through: 0, by: -1) {
                steps[l].withUnsafeBufferPointer { s in
                    gradientChanges[l].withUnsafeBufferPointer { y in
                        var ys = 0.0, sq = 0.0
                        for i in 0..<d { ys += y[i] * s[i]; sq += s[i] * q[i] }
                        rho[l] = 1 / ys
                        a[l] = rho[l] * sq
                        for i in 0..<d { q[i] -= a[l] * y[i] }
                    }
                }
            }
            alpha.withUnsafeBufferPointer { alpha in for i in 0..<d { q[i] *= alpha[i] } }
            for l in 0..<m {
                steps[l].withUnsafeBufferPointer { s in
                    gradientChanges[l].withUnsafeBufferPointer { y in
                        var yq = 0.0
                        for i in 0..<d { yq += y[i] * q[i] }
                        let c = a[l] - rho[l] * yq
                        for i in 0..<d { q[i] += s[i] * c }
                    }
                }
            }
        }
        return q
    }

    /// The inverse Hessian approximation these pairs and α define.
    public var inverseHessian: InverseHessian { InverseHessian(alpha: alpha, steps: steps, gradientChanges: gradientChanges) }

    func dot(_ a: [Double], _ b: [Double]) -> Double {
        var acc = 0.0
        for i in a.indices { acc += a[i] * b[i] }
        return acc
    }
}
