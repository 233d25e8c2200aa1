#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore

/// A Gaussian variational family on the unconstrained space, q(θ) = N(μ, Σ), drawn by
/// reparameterisation θ = μ + Lε with ε ~ N(0, I) (Kucukelbir, Tran, Ranganath, Gelman & Blei,
/// "Automatic differentiation variational inference", JMLR 18, 2017, §2.5 and §3).
///
/// The free parameters φ, one flat vector (what Adam updates):
/// - **mean-field**: φ = (μ₁…μ_d, ω₁…ω_d), L = diag(exp ω) — ADVI's ω = log σ (eq. 6);
/// - **full-rank**: φ = (μ, ω, the strictly lower entries of L row by row), with L's diagonal
///   exp(ωᵢ) so that L stays a Cholesky factor (Stan keeps the raw diagonal; a log keeps it
///   positive without a projection step);
/// - **low-rank** (rank r): φ = (μ, ω, B row by row, d×r), Σ = D² + BBᵀ with D = diag(exp ω),
///   drawn as θ = μ + D ε₁ + B ε₂ with (ε₁, ε₂) ~ N(0, I_{d+r}) — the family of Ong, Nott & Smith,
///   "Gaussian variational approximation with a factor covariance structure" (JCGS 27, 2018) and
///   NumPyro's `AutoLowRankMultivariateNormal`: O(d·r) per draw and per gradient, where
///   full-rank costs O(d²). Its solves and log-determinant go through the r×r capacitance matrix
///   (``LowRankCovariance``).
///
/// Entropy in closed form: H[q] = d/2·(1 + log 2π) + ½ log det Σ, which is
/// d/2·(1 + log 2π) + Σᵢ ωᵢ for mean-field and full-rank, and adds ½ log det(I + BᵀD⁻²B) for
/// low-rank.
public struct GaussianFamily: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case meanField = "meanfield"
        case fullRank = "fullrank"
        case lowRank = "lowrank"
    }

    public let kind: Kind
    public let dimension: Int
    /// r, the columns of the low-rank factor B; 0 for the other kinds.
    public let rank: Int
    /// φ, laid out as described above.
    public var parameters: [Double]

    /// The family centred at `mean` with L = I (and B = 0: ADVI starts B elsewhere, since B = 0 is
    /// a stationary point of the ELBO in B). `rank` is for `.lowRank` only; nil there:
    /// ``defaultRank(dimension:)``.
    public init(kind: Kind, mean: [Double], rank: Int? = nil) {
        let d = mean.count
        self.kind = kind
        dimension = d
        self.rank = kind == .lowRank ? (rank ?? Self.defaultRank(dimension: d)) : 0
        parameters = mean + Array(repeating: 0, count: Self.parameterCount(kind: kind, dimension: d, rank: self.rank) - d)
    }

    public init(kind: Kind, dimension: Int, parameters: [Double], rank: Int? = nil) {
        let r = kind == .lowRank ? (rank ?? Self.defaultRank(dimension: dimension)) : 0
        precondition(parameters.count == Self.parameterCount(kind: kind, dimension: dimension, rank: r),
                     "GaussianFamily: \(parameters.count) parameters for \(kind.rawValue) in dimension \(dimension)")
        self.kind = kind
        self.dimension = dimension
        self.rank = r
        self.parameters = parameters
    }

    /// The low-rank family's rank when none is given: round(√d), at least 1 (NumPyro's
    /// `AutoLowRankMultivariateNormal` default).
    public static func defaultRank(dimension d: Int) -> Int { max(1, Int(Double(d).squareRoot().rounded())) }

    /// 2d for mean-field; d + d + d(d−1)/2 for full-rank; 2d + d·r for low-rank.
    public static func parameterCount(kind: Kind, dimension d: Int, rank r: Int = 0) -> Int {
        switch kind {
        case .meanField: return 2 * d
        case .fullRank: return 2 * d + d * (d - 1) / 2
        case .lowRank: return 2 * d + d * r
        }
    }

    /// The length of ε: d, or d + r for low-rank.
    public var noiseDimension: Int { dimension + rank }

    /// ½·log 2π.
    static let halfLogTwoPi = 0.5 * log(2 * Double.pi)

    public var mean: [Double] { Array(parameters[0..<dimension]) }
    /// ωᵢ = log Lᵢᵢ (log Dᵢᵢ for low-rank).
    public var logScale: [Double] { Array(parameters[dimension..<(2 * dimension)]) }
    /// exp ωᵢ: L's diagonal (D for low-rank; the marginal σᵢ for mean-field).
    public var diagonalScale: [Double] { parameters[dimension..<(2 * dimension)].map { exp($0) } }
    /// Index in `parameters` of L[i][j], i > j (full-rank only).
    @inline(__always) func offDiagonalIndex(_ i: Int, _ j: Int) -> Int { 2 * dimension + i * (i - 1) / 2 + j }
    /// Index in `parameters` of B[i][j] (low-rank only).
    @inline(__always) func factorIndex(_ i: Int, _ j: Int) -> Int { 2 * dimension + i * rank + j }

    /// B, d×r row-major (low-rank; empty otherwise).
    public var factor: [Double] { kind == .lowRank ? Array(parameters[(2 * dimension)...]) : [] }

    /// The Woodbury form of a low-rank Σ (nil for the other kinds, or when it is not finite).
    var lowRankCovariance: LowRankCovariance? {
        guard kind == .lowRank else { return nil }
        return LowRankCovariance(logScale: parameters[dimension..<(2 * dimension)], factor: parameters[(2 * dimension)...], rank: rank)
    }

    /// A Cholesky factor L of Σ (LLᵀ = Σ) as a dense row-major d×d lower-triangular matrix: φ's own
    /// for mean-field and full-rank; computed from Σ for low-rank.
    public var choleskyFactor: [Double] {
        let d = dimension
        if kind == .lowRank { return DenseMatrix.cholesky(covariance, d) ?? Array(repeating: .nan, count: d * d) }
        var l = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            l[i * d + i] = exp(parameters[d + i])
            if kind == .fullRank { for j in 0..<i { l[i * d + j] = parameters[offDiagonalIndex(i, j)] } }
        }
        return l
    }

    /// Σ, row-major: LLᵀ, or D² + BBᵀ.
    public var covariance: [Double] {
        let d = dimension
        var s = [Double](repeating: 0, count: d * d)
        if kind == .lowRank {
            for i in 0..<d { for j in 0...i {
                var acc = i == j ? exp(2 * parameters[d + i]) : 0
                for k in 0..<rank { acc += parameters[factorIndex(i, k)] * parameters[factorIndex(j, k)] }
                s[i * d + j] = acc; s[j * d + i] = acc
            } }
            return s
        }
        let l = choleskyFactor
        for i in 0..<d { for j in 0...i {
            var acc = 0.0
            for k in 0...j { acc += l[i * d + k] * l[j * d + k] }
            s[i * d + j] = acc; s[j * d + i] = acc
        } }
        return s
    }

    /// Marginal standard deviations √Σᵢᵢ.
    public var standardDeviations: [Double] {
        let d = dimension
        if kind == .lowRank {
            return (0..<d).map { i in
                (exp(2 * parameters[d + i]) + (0..<rank).reduce(0.0) { $0 + parameters[factorIndex(i, $1)] * parameters[factorIndex(i, $1)] })
                    .squareRoot()
            }
        }
        // Σᵢᵢ = Σₖ Lᵢₖ², row i of L: O(d) for mean-field, O(d²) for full-rank (never the d×d Σ).
        return (0..<d).map { i in
            var acc = exp(2 * parameters[d + i])
            if kind == .fullRank { for j in 0..<i { acc += parameters[offDiagonalIndex(i, j)] * parameters[offDiagonalIndex(i, j)] } }
            return acc.squareRoot()
        }
    }

    /// ½ log det Σ: Σ ωᵢ, plus ½ log det C for low-rank.
    var halfLogDeterminant: Double {
        parameters[dimension..<(2 * dimension)].reduce(0, +) + 0.5 * (lowRankCovariance?.logDetCapacitance ?? 0)
    }

    /// H[q] = d/2·(1 + log 2π) + ½ log det Σ.
    public var entropy: Double {
        Double(dimension) * (0.5 + Self.halfLogTwoPi) + halfLogDeterminant
    }

    /// θ = μ + Lε (θ = μ + Dε₁ + Bε₂ for low-rank, ε of length d + r).
    public func transform(_ epsilon: [Double]) -> [Double] {
        var theta = ChainBatch(chains: 1, dimension: dimension)
        epsilon.withUnsafeBufferPointer { transform($0, count: 1, into: &theta, firstColumn: 0) }
        return theta.values
    }

    /// θⱼ = μ + Lεⱼ for `count` draws, written straight into columns `firstColumn + j` of `batch`
    /// (chain-fastest layout), εⱼ read from `epsilon[j·e ..< (j+1)·e]` (e = ``noiseDimension``):
    /// ``transform(_:)`` without its allocation, and with exp ωᵢ taken once for all the draws, for
    /// ADVI's inner loop.
    public func transform(_ epsilon: UnsafeBufferPointer<Double>, count: Int, into batch: inout ChainBatch, firstColumn: Int) {
        let d = dimension, n = batch.chains, e = noiseDimension
        precondition(epsilon.count >= count * e && firstColumn + count <= n, "transform: \(count) draws do not fit")
        parameters.withUnsafeBufferPointer { phi in
            batch.values.withUnsafeMutableBufferPointer { out in
                for i in 0..<d {
                    let mu = phi[i], scale = exp(phi[d + i])
                    for j in 0..<count {
                        let eps = j * e
                        var v = mu + scale * epsilon[eps + i]
                        switch kind {
                        case .meanField: break
                        case .fullRank: for l in 0..<i { v += phi[offDiagonalIndex(i, l)] * epsilon[eps + l] }
                        case .lowRank: for l in 0..<rank { v += phi[factorIndex(i, l)] * epsilon[eps + d + l] }
                        }
                        out[i * n + firstColumn + j] = v
                    }
                }
            }
        }
    }

    /// ε = L⁻¹(θ − μ), by forward substitution, with L = ``choleskyFactor`` (for low-rank this is a
    /// d-vector of N(0, I) under q, not the ε of ``transform(_:)``, which has d + r components).
    public func standardize(_ theta: [Double]) -> [Double] {
        let d = dimension
        if kind == .lowRank {
            let l = choleskyFactor
            var e = [Double](repeating: 0, count: d)
            for i in 0..<d {
                var r = theta[i] - parameters[i]
                for j in 0..<i { r -= l[i * d + j] * e[j] }
                e[i] = r / l[i * d + i]
            }
            return e
        }
        var e = [Double](repeating: 0, count: d)
        for i in 0..<d {
            var r = theta[i] - parameters[i]
            if kind == .fullRank { for j in 0..<i { r -= parameters[offDiagonalIndex(i, j)] * e[j] } }
            e[i] = r / exp(parameters[d + i])
        }
        return e
    }

    /// log q(θ) = −d/2·log 2π − ½ log det Σ − ½ (θ − μ)ᵀΣ⁻¹(θ − μ).
    public func logDensity(_ theta: [Double]) -> Double {
        if let w = lowRankCovariance {
            let r = (0..<dimension).map { theta[$0] - parameters[$0] }
            let s = w.solve(r)
            return -Double(dimension) * Self.halfLogTwoPi - halfLogDeterminant - 0.5 * zip(r, s).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let e = standardize(theta)
        return -Double(dimension) * Self.halfLogTwoPi - parameters[dimension..<(2 * dimension)].reduce(0, +)
            - 0.5 * e.reduce(0) { $0 + $1 * $1 }
    }

    /// log q at θ = μ + Lε: without the solve, −d/2·log 2π − Σ ωᵢ − ½|ε|², for mean-field and
    /// full-rank; through Σ⁻¹ for low-rank (whose ε has more components than θ).
    public func logDensity(epsilon: [Double]) -> Double {
        if kind == .lowRank { return logDensity(transform(epsilon)) }
        return -Double(dimension) * Self.halfLogTwoPi - parameters[dimension..<(2 * dimension)].reduce(0, +)
            - 0.5 * epsilon.reduce(0) { $0 + $1 * $1 }
    }

    /// The reparameterisation gradient of the ELBO with respect to φ from draws θₘ = μ + Lεₘ and
    /// gᵐ = ∇ log p(θₘ), averaged over the draws given (ADVI, eqs. 8–9 and their full-rank twins):
    ///
    ///     ∇_μ = mean gᵐ,  ∇_{L_ij} = mean gᵢᵐ εⱼᵐ (i > j),  ∇_{ωᵢ} = mean gᵢᵐ εᵢᵐ Lᵢᵢ + 1
    ///
    /// where the +1 is the entropy's gradient. For low-rank, θ = μ + Dε₁ + Bε₂ gives
    ///
    ///     ∇_{ωᵢ} = mean gᵢᵐ ε₁ᵢᵐ Dᵢ + Dᵢ²(Σ⁻¹)ᵢᵢ,  ∇_{B_ij} = mean gᵢᵐ ε₂ⱼᵐ + (Σ⁻¹B)ᵢⱼ
    ///
    /// (the second terms are ∇ ½ log det Σ, through ``LowRankCovariance``; with B = 0 they are 1 and 0).
    /// With `stickingTheLanding` (Roeder, Wu & Duvenaud, "Sticking the landing", NeurIPS 2017) the
    /// path derivative of log p(θ) − log q(θ) is used with q's parameters held fixed inside log q:
    /// gᵐ is replaced by gᵐ − ∇_θ log q(θₘ) = gᵐ + Σ⁻¹(θₘ − μ) (= gᵐ + L⁻ᵀεᵐ) and the analytic
    /// entropy gradient is dropped. Same expectation; its variance vanishes as q → p.
    public func elboGradient(epsilons: [[Double]], gradients: [[Double]], stickingTheLanding: Bool) -> [Double] {
        precondition(epsilons.count == gradients.count && !epsilons.isEmpty, "elboGradient: one gradient per draw")
        let noise = epsilons.flatMap { $0 }
        let batch = ChainBatch(vectors: gradients)
        var out = [Double](repeating: 0, count: parameters.count)
        noise.withUnsafeBufferPointer { e in
            elboGradient(epsilons: e, gradients: batch, firstColumn: 0, draws: Array(0..<epsilons.count),
                         stickingTheLanding: stickingTheLanding, into: &out)
        }
        return out
    }

    /// ``elboGradient(epsilons:gradients:stickingTheLanding:)`` on ADVI's flat buffers, without
    /// allocating (but for sticking-the-landing's solves): draw j of `draws` has its ε at
    /// `epsilons[j·e ..< (j+1)·e]` (e = ``noiseDimension``) and its gradient in column
    /// `firstColumn + j` of `gradients`; the average over those draws is written into `out`
    /// (``parameters``' length).
    public func elboGradient(epsilons noise: UnsafeBufferPointer<Double>, gradients: ChainBatch, firstColumn: Int, draws: [Int],
                             stickingTheLanding: Bool, into out: inout [Double]) {
        let d = dimension, e = noiseDimension, chains = gradients.chains
        precondition(out.count == parameters.count && !draws.isEmpty, "elboGradient: output of \(out.count) for \(parameters.count)")
        let n = Double(draws.count)
        let woodbury = lowRankCovariance
        // Sticking the landing: gᵐ + Σ⁻¹(θₘ − μ) per draw (solves allocate; the default path does not).
        let shifts: [[Double]]? = !stickingTheLanding ? nil : draws.map { j in
            let eps = Array(noise[(j * e)..<((j + 1) * e)])
            if let woodbury {
                let theta = transform(eps)
                return woodbury.solve((0..<d).map { theta[$0] - parameters[$0] })
            }
            return backSubstituteTranspose(eps, diagonal: (0..<d).map { exp(parameters[d + $0]) })
        }
        parameters.withUnsafeBufferPointer { phi in
            gradients.values.withUnsafeBufferPointer { grad in
                out.withUnsafeMutableBufferPointer { o in
                    for k in 0..<o.count { o[k] = 0 }
                    draws.withUnsafeBufferPointer { draws in
                        for i in 0..<d {
                            let row = i * chains + firstColumn
                            var sum = 0.0, sumEpsilon = 0.0
                            if kind == .meanField && shifts == nil {
                                // The default path: no covariance terms, no shift.
                                for j in draws {
                                    let g = grad[row + j]
                                    sum += g
                                    sumEpsilon += g * noise[j * e + i]
                                }
                            } else {
                                for (m, j) in draws.enumerated() {
                                    let g = grad[row + j] + (shifts?[m][i] ?? 0)
                                    let eps = j * e
                                    sum += g
                                    sumEpsilon += g * noise[eps + i]
                                    switch kind {
                                    case .meanField: break
                                    case .fullRank: for j in 0..<i { o[offDiagonalIndex(i, j)] += g * noise[eps + j] }
                                    case .lowRank: for j in 0..<rank { o[factorIndex(i, j)] += g * noise[eps + d + j] }
                                    }
                                }
                            }
                            o[i] = sum
                            o[d + i] = sumEpsilon * exp(phi[d + i])
                        }
                    }
                    for k in 0..<o.count { o[k] /= n }
                }
            }
        }
        if !stickingTheLanding {
            if let woodbury {
                let diag = (0..<d).map { exp(parameters[d + $0]) }
                let inverseDiagonal = woodbury.inverseDiagonal, sb = woodbury.inverseTimesFactor
                for i in 0..<d { out[d + i] += diag[i] * diag[i] * inverseDiagonal[i] }
                for k in 0..<(d * rank) { out[2 * d + k] += sb[k] }
            } else {
                for i in 0..<d { out[d + i] += 1 }
            }
        }
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
