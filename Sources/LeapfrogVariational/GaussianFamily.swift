#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Gaussian variational family on the unconstrained space, q(θ) = N(μ, LLᵀ), drawn by
/// reparameterisation θ = μ + Lε with ε ~ N(0, I) (Kucukelbir, Tran, Ranganath, Gelman & Blei,
/// "Automatic differentiation variational inference", JMLR 18, 2017, §2.5 and §3).
///
/// The free parameters φ, one flat vector (what Adam updates):
/// - **mean-field**: φ = (μ₁…μ_d, ω₁…ω_d), L = diag(exp ω) — ADVI's ω = log σ (eq. 6);
/// - **full-rank**: φ = (μ, ω, the strictly lower entries of L row by row), with L's diagonal
///   exp(ωᵢ) so that L stays a Cholesky factor (Stan keeps the raw diagonal; a log keeps it
///   positive without a projection step).
///
/// Entropy in closed form: H[q] = d/2·(1 + log 2π) + Σᵢ log Lᵢᵢ = d/2·(1 + log 2π) + Σᵢ ωᵢ.
public struct GaussianFamily: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case meanField = "meanfield"
        case fullRank = "fullrank"
    }

    public let kind: Kind
    public let dimension: Int
    /// φ, laid out as described above.
    public var parameters: [Double]

    /// The family centred at `mean` with L = I.
    public init(kind: Kind, mean: [Double]) {
        let d = mean.count
        self.kind = kind
        dimension = d
        parameters = mean + Array(repeating: 0, count: Self.parameterCount(kind: kind, dimension: d) - d)
    }

    public init(kind: Kind, dimension: Int, parameters: [Double]) {
        precondition(parameters.count == Self.parameterCount(kind: kind, dimension: dimension),
                     "GaussianFamily: \(parameters.count) parameters for \(kind.rawValue) in dimension \(dimension)")
        self.kind = kind
        self.dimension = dimension
        self.parameters = parameters
    }

    /// 2d for mean-field; d + d + d(d−1)/2 for full-rank.
    public static func parameterCount(kind: Kind, dimension d: Int) -> Int {
        kind == .meanField ? 2 * d : 2 * d + d * (d - 1) / 2
    }

    /// ½·log 2π.
    static let halfLogTwoPi = 0.5 * log(2 * Double.pi)

    public var mean: [Double] { Array(parameters[0..<dimension]) }
    /// ωᵢ = log Lᵢᵢ.
    public var logScale: [Double] { Array(parameters[dimension..<(2 * dimension)]) }
    /// Index in `parameters` of L[i][j], i > j (full-rank only).
    @inline(__always) func offDiagonalIndex(_ i: Int, _ j: Int) -> Int { 2 * dimension + i * (i - 1) / 2 + j }

    /// L as a dense row-major d×d lower-triangular matrix.
    public var choleskyFactor: [Double] {
        let d = dimension
        var l = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            l[i * d + i] = exp(parameters[d + i])
            if kind == .fullRank { for j in 0..<i { l[i * d + j] = parameters[offDiagonalIndex(i, j)] } }
        }
        return l
    }

    /// Σ = LLᵀ, row-major.
    public var covariance: [Double] {
        let d = dimension, l = choleskyFactor
        var s = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0...i {
            var acc = 0.0
            for k in 0...j { acc += l[i * d + k] * l[j * d + k] }
            s[i * d + j] = acc; s[j * d + i] = acc
        } }
        return s
    }

    /// Marginal standard deviations √Σᵢᵢ.
    public var standardDeviations: [Double] {
        let d = dimension, s = covariance
        return (0..<d).map { s[$0 * d + $0].squareRoot() }
    }

    /// H[q] = d/2·(1 + log 2π) + Σ ωᵢ.
    public var entropy: Double {
        Double(dimension) * (0.5 + Self.halfLogTwoPi) + parameters[dimension..<(2 * dimension)].reduce(0, +)
    }

    /// θ = μ + Lε.
    public func transform(_ epsilon: [Double]) -> [Double] {
        let d = dimension
        var theta = [Double](repeating: 0, count: d)
        for i in 0..<d {
            var v = parameters[i] + exp(parameters[d + i]) * epsilon[i]
            if kind == .fullRank { for j in 0..<i { v += parameters[offDiagonalIndex(i, j)] * epsilon[j] } }
            theta[i] = v
        }
        return theta
    }

    /// ε = L⁻¹(θ − μ), by forward substitution.
    public func standardize(_ theta: [Double]) -> [Double] {
        let d = dimension
        var e = [Double](repeating: 0, count: d)
        for i in 0..<d {
            var r = theta[i] - parameters[i]
            if kind == .fullRank { for j in 0..<i { r -= parameters[offDiagonalIndex(i, j)] * e[j] } }
            e[i] = r / exp(parameters[d + i])
        }
        return e
    }

    /// log q(θ) = −d/2·log 2π − Σ ωᵢ − ½|L⁻¹(θ − μ)|².
    public func logDensity(_ theta: [Double]) -> Double {
        let e = standardize(theta)
        return -Double(dimension) * Self.halfLogTwoPi - parameters[dimension..<(2 * dimension)].reduce(0, +)
            - 0.5 * e.reduce(0) { $0 + $1 * $1 }
    }

    /// log q at θ = μ + Lε, without the solve: −d/2·log 2π − Σ ωᵢ − ½|ε|².
    public func logDensity(epsilon: [Double]) -> Double {
        -Double(dimension) * Self.halfLogTwoPi - parameters[dimension..<(2 * dimension)].reduce(0, +)
            - 0.5 * epsilon.reduce(0) { $0 + $1 * $1 }
    }

    /// The reparameterisation gradient of the ELBO with respect to φ from draws θₘ = μ + Lεₘ and
    /// gᵐ = ∇ log p(θₘ), averaged over the draws given (ADVI, eqs. 8–9 and their full-rank twins):
    ///
    ///     ∇_μ = mean gᵐ,  ∇_{L_ij} = mean gᵢᵐ εⱼᵐ (i > j),  ∇_{ωᵢ} = mean gᵢᵐ εᵢᵐ Lᵢᵢ + 1
    ///
    /// where the +1 is the entropy's gradient. With `stickingTheLanding` (Roeder, Wu & Duvenaud,
    /// "Sticking the landing", NeurIPS 2017) the path derivative of log p(θ) − log q(θ) is used with
    /// q's parameters held fixed inside log q: gᵐ is replaced by gᵐ − ∇_θ log q(θₘ) = gᵐ + L⁻ᵀεᵐ and
    /// the analytic entropy gradient is dropped. Same expectation; its variance vanishes as q → p.
    public func elboGradient(epsilons: [[Double]], gradients: [[Double]], stickingTheLanding: Bool) -> [Double] {
        let d = dimension
        var out = [Double](repeating: 0, count: parameters.count)
        let n = Double(epsilons.count)
        let diag = (0..<d).map { exp(parameters[d + $0]) }
        for (eps, g0) in zip(epsilons, gradients) {
            var g = g0
            if stickingTheLanding {
                let w = backSubstituteTranspose(eps, diagonal: diag)
                for i in 0..<d { g[i] += w[i] }
            }
            for i in 0..<d {
                out[i] += g[i]
                out[d + i] += g[i] * eps[i] * diag[i]
                if kind == .fullRank { for j in 0..<i { out[offDiagonalIndex(i, j)] += g[i] * eps[j] } }
            }
        }
        for k in out.indices { out[k] /= n }
        if !stickingTheLanding { for i in 0..<d { out[d + i] += 1 } }
        return out
    }

    /// x = L⁻ᵀε, by back substitution on Lᵀ (upper triangular).
    func backSubstituteTranspose(_ eps: [Double], diagonal: [Double]) -> [Double] {
        let d = dimension
        var x = [Double](repeating: 0, count: d)
        for i in stride(from: d - 1, through: 0, by: -1) {
            var r = eps[i]
            if kind == .fullRank { for k in (i + 1)..<max(i + 1, d) { r -= parameters[offDiagonalIndex(k, i)] * x[k] } }
            x[i] = r / diagonal[i]
        }
        return x
    }
}
