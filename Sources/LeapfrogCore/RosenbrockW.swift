#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ROS34PW2, a linearly implicit Rosenbrock–W method for stiff systems: four stages, order 3 with
/// an embedded order-2 solution for step-size control, L-stable and stiffly accurate (Rang &
/// Angermann, "New Rosenbrock W-methods of order 3 for partial differential algebraic equations of
/// index 1", BIT 45 (2005) 761–787). The stiff solver behind Stan's `ode_bdf` here: where an
/// explicit method's step is bounded by the fastest time scale, this one's is bounded by accuracy.
///
/// One step from (t, y) with step h and W ≈ ∂f/∂y at (t, y) solves, for i = 1…4,
/// (I − hγW) kᵢ = h f(t + αᵢh, y + Σⱼ αᵢⱼ kⱼ) + h W Σⱼ γᵢⱼ kⱼ (Hairer & Wanner, *Solving Ordinary
/// Differential Equations II*, eq. IV.7.4′), then y₁ = y + Σ bᵢ kᵢ, with error estimate
/// Σ (bᵢ − b̂ᵢ) kᵢ. A W-method keeps its order for any W (ibid. §IV.7, "W-methods"), so W need
/// not be exact and the term in ∂f/∂t is dropped (W for the autonomous system with t a state).
///
/// The state is y (n values) followed by an n × p row-major matrix S whose columns evolve under
/// the same Jacobian: forward sensitivities, S′ = J S + ∂f/∂p (`ReferenceModel.solveODE`). The
/// iteration matrix for that coupled system is taken block-diagonal, I − hγW on y and on every
/// column of S (the staggered approximation a W-method allows), so one LU factorisation of an
/// n × n matrix per step serves all of it. `AdaptiveODE` drives the steps (alone, or switching
/// with `DormandPrince` where the system is not stiff).
public enum RosenbrockW {
    /// The diagonal γ of the stage matrix.
    public static let gamma = 0.43586652150845900
    /// αᵢⱼ (row i, j < i).
    public static let alpha: [[Double]] = [
        [],
        [0.87173304301691801],
        [0.84457060015369423, -0.11299064236484185],
        [0, 0, 1],
    ]
    /// The stages' times, αᵢ = Σⱼ αᵢⱼ (fractions of the step).
    public static let nodes = alpha.map { $0.reduce(0, +) }
    /// γᵢⱼ below the diagonal (row i, j < i).
    public static let gammas: [[Double]] = [
        [],
        [-0.87173304301691801],
        [-0.90338057013044082, 0.054180672388095326],
        [0.24212380706095346, -1.2232505839045147, 0.54526025533510214],
    ]
    /// Weights of the order-3 solution b and of the embedded order-2 one b̂.
    public static let b: [Double] = [0.24212380706095346, -1.2232505839045147, 1.5452602553351020, 0.43586652150845900]
    public static let bEmbedded: [Double] = [0.37810903145819369, -0.096042292212423178, 0.5, 0.21793326075422950]
    /// The step-size exponent: one over the order of the error estimate (2) plus one.
    public static let exponent = 1.0 / 3

    /// z at each of `times` (increasing, after `t0`) for z′ = F(t, z), z(t0) = `initial`, by this
    /// method throughout (`AdaptiveODE`, stiff); `system` gives W with every derivative.
    public static func solve(_ system: @escaping (_ t: Double, _ z: [Double]) -> (derivative: [Double], jacobian: [Double]),
                             stateCount n: Int, initial: [Double], from t0: Double, to times: [Double],
                             relativeTolerance rtol: Double, absoluteTolerance atol: Double,
                             maxSteps: Int) -> Result<[[Double]], AdaptiveODE.Failure> {
        AdaptiveODE.solve({ t, z, _ in let (f, w) = system(t, z); return (f, w) }, stateCount: n, initial: initial, from: t0, to: times,
                          relativeTolerance: rtol, absoluteTolerance: atol, maxSteps: maxSteps, method: .stiff)
    }

    /// W for y′ = f(t, y) by forward differences (n more evaluations of f; any W keeps the order),
    /// √ε relative to each component as MINPACK's fdjac1.
    public static func differenceJacobian(_ f: (Double, [Double]) -> [Double], t: Double, y: [Double], derivative f0: [Double]) -> [Double] {
        let n = y.count
        var w = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            let delta = Double.ulpOfOne.squareRoot() * Swift.max(1, Swift.abs(y[j]))
            var shifted = y
            shifted[j] += delta
            let fj = f(t, shifted)
            for r in 0..<n { w[r * n + j] = (fj[r] - f0[r]) / delta }
        }
        return w
    }

    /// One step of size h from (t, z) with derivative F(t, z) and W at (t, z): the order-3
    /// solution and the scaled error of the embedded difference; nil when I − hγW is singular or
    /// a stage is not finite.
    static func step(_ f: (Double, [Double]) -> [Double], t: Double, z: [Double], derivative f0: [Double], jacobian w: [Double],
                     size h: Double, stateCount n: Int, rtol: Double, atol: Double) -> (next: [Double], error: Double)? {
        let size = z.count
        let columns = n == 0 ? 0 : (size - n) / n
        guard let lu = LU(identityMinus: h * gamma, times: w, n: n) else { return nil }
        var k = [[Double]](repeating: [Double](repeating: 0, count: size), count: 4)
        var stage = [Double](repeating: 0, count: size)
        var coupling = [Double](repeating: 0, count: size)
        for s in 0..<4 {
            for i in 0..<size {
                var (a, g) = (0.0, 0.0)
                for j in 0..<s {
                    a += alpha[s][j] * k[j][i]
                    g += gammas[s][j] * k[j][i]
                }
                stage[i] = z[i] + a
                coupling[i] = g
            }
            let fs = s == 0 ? f0 : f(t + nodes[s] * h, stage)
            // h F + h W Σγᵢⱼkⱼ, W applied to y and to each column of S.
            for r in 0..<n {
                var wy = 0.0
                for j in 0..<n { wy += w[r * n + j] * coupling[j] }
                k[s][r] = h * (fs[r] + wy)
                for q in 0..<columns {
                    var ws = 0.0
                    for j in 0..<n { ws += w[r * n + j] * coupling[n + j * columns + q] }
                    k[s][n + r * columns + q] = h * (fs[n + r * columns + q] + ws)
                }
            }
            lu.solve(&k[s], columns: columns)
            guard k[s].allSatisfy(\.isFinite) else { return nil }
        }
        var next = z
        var error = 0.0
        for i in 0..<size {
            var e = 0.0
            for s in 0..<4 {
                next[i] += b[s] * k[s][i]
                e += (b[s] - bEmbedded[s]) * k[s][i]
            }
            error = Swift.max(error, Swift.abs(e) / (atol + rtol * Swift.max(Swift.abs(z[i]), Swift.abs(next[i]))))
        }
        return (next, error)
    }

    /// An LU factorisation with partial pivoting of M = I − c·W (n × n), applied to y and to
    /// each column of an n × p block after it.
    struct LU {
        var m: [Double]
        var pivots: [Int]
        let n: Int

        /// nil when M is singular to working precision.
        init?(identityMinus c: Double, times w: [Double], n: Int) {
            self.n = n
            m = [Double](repeating: 0, count: n * n)
            for i in 0..<(n * n) { m[i] = -c * w[i] }
            for i in 0..<n { m[i * n + i] += 1 }
            pivots = Array(0..<n)
            for col in 0..<n {
                var best = col
                for r in (col + 1)..<Swift.max(col + 1, n) where Swift.abs(m[r * n + col]) > Swift.abs(m[best * n + col]) { best = r }
                guard m[best * n + col] != 0, m[best * n + col].isFinite else { return nil }
                if best != col {
                    for j in 0..<n { m.swapAt(col * n + j, best * n + j) }
                    pivots.swapAt(col, best)
                }
                let p = m[col * n + col]
                for r in (col + 1)..<Swift.max(col + 1, n) {
                    let l = m[r * n + col] / p
                    m[r * n + col] = l
                    for j in (col + 1)..<n { m[r * n + j] -= l * m[col * n + j] }
                }
            }
        }

        /// Solves M x = v in place for v's first n values and for each of the `columns` columns
        /// of the n × columns block after them.
        func solve(_ v: inout [Double], columns: Int) {
            for q in -1..<columns {
                let at = { (r: Int) in q < 0 ? r : self.n + r * columns + q }
                var x = (0..<n).map { v[at(pivots[$0])] }
                for r in 0..<n {
                    for j in 0..<r { x[r] -= m[r * n + j] * x[j] }
                }
                for r in stride(from: n - 1, through: 0, by: -1) {
                    for j in (r + 1)..<n { x[r] -= m[r * n + j] * x[j] }
                    x[r] /= m[r * n + r]
                }
                for r in 0..<n { v[at(r)] = x[r] }
            }
        }
    }
}
