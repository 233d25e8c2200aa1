import LeapfrogCore
import LeapfrogRandom

/// The kind of mass matrix a run adapts.
public enum MetricKind: String, Sendable, CaseIterable {
    case unit, diagonal, dense
}

/// A dense inverse metric M⁻¹ and the lower Cholesky factor L with L Lᵀ = M⁻¹.
///
/// Momenta p ~ N(0, M) are drawn as in Stan `dense_e_metric::sample_p`: solve Lᵀ p = z for
/// z ~ N(0, I), so Cov(p) = L⁻ᵀ L⁻¹ = (L Lᵀ)⁻¹ = M.
public struct DenseInverseMetric: Sendable, Hashable {
    public let dimension: Int
    /// M⁻¹, row-major d×d, symmetric positive definite.
    public let inverse: [Double]
    /// L, row-major lower triangle (upper part zero), L Lᵀ = M⁻¹.
    public let cholesky: [Double]

    /// Factorises `inverse`; throws `.sampling` when it is not symmetric positive definite.
    public init(inverse: [Double], dimension d: Int) throws {
        precondition(inverse.count == d * d, "DenseInverseMetric: \(inverse.count) entries for d = \(d)")
        var l = [Double](repeating: 0, count: d * d)
        for j in 0..<d {
            var s = inverse[j * d + j]
            for k in 0..<j { s -= l[j * d + k] * l[j * d + k] }
            guard s > 0, s.isFinite else {
                throw LeapfrogError(.sampling, "dense inverse metric is not positive definite (pivot \(j) = \(s)); "
                                    + "check the model for non-identified or unbounded parameters")
            }
            let ljj = s.squareRoot()
            l[j * d + j] = ljj
            for i in (j + 1)..<max(j + 1, d) {
                var t = inverse[i * d + j]
                for k in 0..<j { t -= l[i * d + k] * l[j * d + k] }
                l[i * d + j] = t / ljj
            }
        }
        self.dimension = d
        self.inverse = inverse
        self.cholesky = l
    }

    public static func identity(dimension d: Int) -> DenseInverseMetric {
        var m = [Double](repeating: 0, count: d * d)
        for i in 0..<d { m[i * d + i] = 1 }
        return try! DenseInverseMetric(inverse: m, dimension: d)
    }
}

/// The Euclidean metric of the kinetic energy K(p) = ½ pᵀ M⁻¹ p, for a batch of chains.
///
/// Stored as the *inverse* metric (Stan's convention: the adapted quantity is the posterior
/// (co)variance). Either one metric shared by every chain or one per chain.
public enum Metric: Sendable, Hashable {
    case unit
    /// diag(M⁻¹), one vector shared by all chains.
    case diagonal([Double])
    /// diag(M⁻¹) per chain, in the batch layout.
    case diagonalPerChain(ChainBatch)
    case dense(DenseInverseMetric)
    case densePerChain([DenseInverseMetric])

    public var kind: MetricKind {
        switch self {
        case .unit: return .unit
        case .diagonal, .diagonalPerChain: return .diagonal
        case .dense, .densePerChain: return .dense
        }
    }

    /// The inverse metric of one chain as a dense row-major matrix (for reporting).
    public func inverseMatrix(chain c: Int, dimension d: Int) -> [Double] {
        var m = [Double](repeating: 0, count: d * d)
        switch self {
        case .unit: for i in 0..<d { m[i * d + i] = 1 }
        case .diagonal(let v): for i in 0..<d { m[i * d + i] = v[i] }
        case .diagonalPerChain(let b): for i in 0..<d { m[i * d + i] = b[c, i] }
        case .dense(let x): m = x.inverse
        case .densePerChain(let xs): m = xs[c].inverse
        }
        return m
    }

    /// diag(M⁻¹) of every chain, in the batch layout (`inverseDiagonal` chain by chain).
    public func inverseDiagonals(chains n: Int, dimension d: Int) -> ChainBatch {
        if case .diagonalPerChain(let b) = self { return b }
        var out = ChainBatch(chains: n, dimension: d)
        for c in 0..<n {
            for (i, x) in inverseDiagonal(chain: c, dimension: d).enumerated() { out.values[i * n + c] = x }
        }
        return out
    }

    /// diag(M⁻¹) of one chain (d numbers: no d × d matrix is made, which at d = 10⁵ was 80 GB).
    public func inverseDiagonal(chain c: Int, dimension d: Int) -> [Double] {
        switch self {
        case .unit: return [Double](repeating: 1, count: d)
        case .diagonal(let v): return v
        case .diagonalPerChain(let b): return (0..<d).map { b[c, $0] }
        case .dense(let x): return (0..<d).map { x.inverse[$0 * d + $0] }
        case .densePerChain(let xs): return (0..<d).map { xs[c].inverse[$0 * d + $0] }
        }
    }

    /// v = M⁻¹ p for every chain with `active[c]` (all when nil); other chains of `v` untouched.
    public func velocity(_ p: ChainBatch, into v: inout ChainBatch, active: [Bool]? = nil) {
        let n = p.chains, d = p.dimension
        let mask = active ?? Array(repeating: true, count: n)
        p.values.withUnsafeBufferPointer { pp in
            v.values.withUnsafeMutableBufferPointer { vv in
                mask.withUnsafeBufferPointer { on in
                    switch self {
                    case .unit:
                        for i in 0..<d { for c in 0..<n where on[c] { vv[i * n + c] = pp[i * n + c] } }
                    case .diagonal(let m):
                        for i in 0..<d {
                            let mi = m[i]
                            for c in 0..<n where on[c] { vv[i * n + c] = mi * pp[i * n + c] }
                        }
                    case .diagonalPerChain(let m):
                        m.values.withUnsafeBufferPointer { mm in
                            for k in 0..<(n * d) where on[k % n] { vv[k] = mm[k] * pp[k] }
                        }
                    case .dense(let m):
                        m.inverse.withUnsafeBufferPointer { a in
                            for c in 0..<n where on[c] {
                                for i in 0..<d {
                                    var s = 0.0
                                    for j in 0..<d { s += a[i * d + j] * pp[j * n + c] }
                                    vv[i * n + c] = s
                                }
                            }
                        }
                    case .densePerChain(let ms):
                        for c in 0..<n where on[c] {
                            ms[c].inverse.withUnsafeBufferPointer { a in
                                for i in 0..<d {
                                    var s = 0.0
                                    for j in 0..<d { s += a[i * d + j] * pp[j * n + c] }
                                    vv[i * n + c] = s
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public func velocity(_ p: ChainBatch) -> ChainBatch {
        var v = ChainBatch(chains: p.chains, dimension: p.dimension)
        velocity(p, into: &v)
        return v
    }

    /// K = ½ pᵀ M⁻¹ p per chain, from a momentum and its velocity.
    public static func kineticEnergy(momentum p: ChainBatch, velocity v: ChainBatch) -> [Double] {
        let n = p.chains
        var k = [Double](repeating: 0, count: n)
        for i in 0..<p.dimension {
            for c in 0..<n { k[c] += p.values[i * n + c] * v.values[i * n + c] }
        }
        return k.map { 0.5 * $0 }
    }

    public func kineticEnergy(_ p: ChainBatch) -> [Double] {
        Metric.kineticEnergy(momentum: p, velocity: velocity(p))
    }

    /// p ~ N(0, M) for every chain with `active[c]` (others left as they are in `p`).
    ///
    /// Chain c uses the normal stream (chain c, `iteration`, `purpose`), element i for
    /// component i: p = z (unit), p_i = z_i / √(M⁻¹)_ii (diagonal), Lᵀ p = z (dense).
    public func drawMomentum(into p: inout ChainBatch, random: PhiloxRandom, iteration: Int,
                             purpose: RandomPurpose = .momentum, active: [Bool]? = nil) {
        let n = p.chains, d = p.dimension
        // Each chain's normals come from its own stream, so the chains split over the cores
        // (`ChainRanges`) draw the same values in any order.
        p.values.withUnsafeMutableBufferPointer { out in
            ChainRanges.forEach(n, parallel: ChainRanges.worthParallel(chains: n, perChain: d)) { range in
                var z = [Double](repeating: 0, count: d)
                for c in range where active?[c] ?? true {
                    random.normals(chain: c, iteration: iteration, purpose: purpose, count: d) { z[$0] = $1 }
                    switch self {
                    case .unit:
                        for i in 0..<d { out[i * n + c] = z[i] }
                    case .diagonal(let m):
                        for i in 0..<d { out[i * n + c] = z[i] / m[i].squareRoot() }
                    case .diagonalPerChain(let m):
                        for i in 0..<d { out[i * n + c] = z[i] / m.values[i * n + c].squareRoot() }
                    case .dense(let m):
                        Metric.solveUpper(m, z, into: out, chains: n, chain: c)
                    case .densePerChain(let ms):
                        Metric.solveUpper(ms[c], z, into: out, chains: n, chain: c)
                    }
                }
            }
        }
    }

    /// Back substitution Lᵀ x = z.
    private static func solveUpper(_ m: DenseInverseMetric, _ z: [Double], into p: UnsafeMutableBufferPointer<Double>,
                                   chains n: Int, chain c: Int) {
        let d = m.dimension
        var x = [Double](repeating: 0, count: d)
        for i in stride(from: d - 1, through: 0, by: -1) {
            var s = z[i]
            for k in (i + 1)..<max(i + 1, d) { s -= m.cholesky[k * d + i] * x[k] }
            x[i] = s / m.cholesky[i * d + i]
        }
        for i in 0..<d { p[i * n + c] = x[i] }
    }
}
