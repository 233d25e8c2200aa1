import LeapfrogCore

/// Running mean and (co)variance by Welford's algorithm, combinable across chains.
///
/// Sources: Welford (1962); Chan, Golub & LeVeque (1979) for combining two estimates;
/// Stan `welford_var_estimator.hpp`, `welford_covar_estimator.hpp` (sample variance with n − 1)
/// and `var_adaptation.hpp` / `covar_adaptation.hpp` for the regularisation
/// (n/(n+5))·Σ̂ + 1e-3·(5/(n+5))·I.
public struct WelfordEstimator: Sendable, Hashable {
    public let dimension: Int
    public let dense: Bool
    public private(set) var count = 0.0
    public private(set) var mean: [Double]
    /// Sums of squared deviations: d entries (diagonal) or d×d row-major (dense).
    public private(set) var m2: [Double]

    /// Stan `var_adaptation.hpp`: shrinkage weight 5 and target 1e-3.
    public static let regularisationWeight = 5.0
    public static let regularisationTarget = 1e-3

    public init(dimension: Int, dense: Bool) {
        self.dimension = dimension
        self.dense = dense
        mean = Array(repeating: 0, count: dimension)
        m2 = Array(repeating: 0, count: dense ? dimension * dimension : dimension)
    }

    /// A diagonal estimate of `count` draws with these means and sums of squared deviations (as
    /// a device accumulated them).
    public init(count: Int, mean: [Double], m2: [Double]) {
        precondition(mean.count == m2.count, "WelfordEstimator: \(mean.count) means, \(m2.count) sums")
        dimension = mean.count
        dense = false
        self.count = Double(count)
        self.mean = mean
        self.m2 = m2
    }

    public mutating func add(_ x: [Double]) {
        x.withUnsafeBufferPointer { add($0) }
    }

    /// Adds one draw of `dimension` values.
    public mutating func add(_ x: UnsafeBufferPointer<Double>) {
        count += 1
        let d = dimension
        if dense {
            withUnsafeTemporaryAllocation(of: Double.self, capacity: d) { delta in
                for i in 0..<d {
                    delta[i] = x[i] - mean[i]
                    mean[i] += delta[i] / count
                }
                for i in 0..<d {
                    let after = x[i] - mean[i]
                    for j in 0..<d { m2[i * d + j] += after * delta[j] }
                }
            }
        } else {
            for i in 0..<d {
                let delta = x[i] - mean[i]
                mean[i] += delta / count
                m2[i] += delta * (x[i] - mean[i])
            }
        }
    }

    /// Adds each chain's vector of `batch` to its own estimator (`estimators[c]` for chain c),
    /// followed by its vector of `second` when given (coordinates after `batch`'s, without
    /// joining the two batches first). The chain-fastest batches are copied out in blocks of
    /// `block` chains, each read in order (a gather per chain strides by the chain count, and at
    /// 65,536 chains that cost more than the arithmetic), over the cores (`ChainRanges`) for large
    /// batches. The same sums as `add(batch.vector(chain: c) + second.vector(chain: c))` for every c.
    public static func add(_ batch: ChainBatch, followedBy second: ChainBatch? = nil, to estimators: inout [WelfordEstimator],
                           block: Int = 64) {
        let n = batch.chains, first = batch.dimension, d = first + (second?.dimension ?? 0)
        precondition(estimators.count == n && (second?.chains ?? n) == n,
                     "WelfordEstimator.add: \(estimators.count) estimators for \(n) chains")
        guard n > 0, d > 0 else { return }
        let following = second?.values ?? []
        batch.values.withUnsafeBufferPointer { values in
            following.withUnsafeBufferPointer { following in
                estimators.withUnsafeMutableBufferPointer { estimators in
                    ChainRanges.forEach(n, parallel: ChainRanges.worthParallel(chains: n, perChain: d)) { range in
                        withUnsafeTemporaryAllocation(of: Double.self, capacity: block * d) { rows in
                            for start in stride(from: range.lowerBound, to: range.upperBound, by: block) {
                                let width = min(block, range.upperBound - start)
                                for i in 0..<d {
                                    let (source, base) = i < first ? (values, i * n + start) : (following, (i - first) * n + start)
                                    for k in 0..<width { rows[k * d + i] = source[base + k] }
                                }
                                for k in 0..<width {
                                    estimators[start + k].add(UnsafeBufferPointer(rebasing: rows[(k * d)..<(k * d + d)]))
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Combines two estimates as if all samples had been added to one (Chan et al.).
    public mutating func combine(_ other: WelfordEstimator) {
        guard other.count > 0 else { return }
        guard count > 0 else { self = other; return }
        let d = dimension, n = count + other.count
        let delta = (0..<d).map { other.mean[$0] - mean[$0] }
        let w = count * other.count / n
        if dense {
            for i in 0..<d { for j in 0..<d { m2[i * d + j] += other.m2[i * d + j] + w * delta[i] * delta[j] } }
        } else {
            for i in 0..<d { m2[i] += other.m2[i] + w * delta[i] * delta[i] }
        }
        for i in 0..<d { mean[i] += delta[i] * other.count / n }
        count = n
    }

    /// The estimators' within-chain (co)variances pooled: an estimator whose `sampleVariance` is
    /// Σ_c M2_c / Σ_c (n_c − 1), R-hat's W (`MetricPooling.within`), its count Σ_c (n_c − 1) + 1
    /// (the draws less one degree of freedom per chain mean), its mean the grand mean. Estimators
    /// with fewer than 2 draws add nothing.
    public static func pooledWithin(_ estimators: [WelfordEstimator]) -> WelfordEstimator {
        precondition(!estimators.isEmpty, "WelfordEstimator.pooledWithin: no estimators")
        var pooled = WelfordEstimator(dimension: estimators[0].dimension, dense: estimators[0].dense)
        var freedom = 0.0
        for e in estimators where e.count >= 2 {
            freedom += e.count - 1
            for i in pooled.m2.indices { pooled.m2[i] += e.m2[i] }
            for i in pooled.mean.indices { pooled.mean[i] += e.count * e.mean[i] }
            pooled.count += e.count
        }
        if pooled.count > 0 { for i in pooled.mean.indices { pooled.mean[i] /= pooled.count } }
        pooled.count = freedom + 1
        return pooled
    }

    /// Sample (co)variance with denominator n − 1.
    public var sampleVariance: [Double] {
        m2.map { $0 / (count - 1) }
    }

    /// Stan's regularised estimate: (n/(n+5))·Σ̂ + 1e-3·(5/(n+5)) on the diagonal.
    public var regularised: [Double] {
        if !dense { return Self.regularise(sampleVariance, count: count) }
        let n = count, w = Self.regularisationWeight
        var v = sampleVariance.map { (n / (n + w)) * $0 }
        let add = Self.regularisationTarget * (w / (n + w))
        for i in 0..<dimension { v[i * dimension + i] += add }
        return v
    }

    /// Stan's regularisation of a diagonal estimate from `count` draws: (n/(n+5))·v + 1e-3·(5/(n+5)).
    public static func regularise(_ v: [Double], count n: Double) -> [Double] {
        let w = regularisationWeight, add = regularisationTarget * (w / (n + w))
        return v.map { (n / (n + w)) * $0 + add }
    }

    /// The estimate of the coordinates `range` alone (diagonal estimates only).
    public func coordinates(_ range: Range<Int>) -> WelfordEstimator {
        precondition(!dense && range.upperBound <= dimension, "WelfordEstimator.coordinates: \(range) of \(dimension)")
        return WelfordEstimator(count: Int(count), mean: Array(mean[range]), m2: Array(m2[range]))
    }

    /// Adds each chain's new position to its window estimate, and with `gradients` its gradient
    /// as coordinates d..<2d (`MetricEstimator.momentDimension`).
    public static func addWindow(_ state: SamplerState, gradients: Bool, to estimators: inout [WelfordEstimator]) {
        add(state.positions, followedBy: gradients ? state.gradient : nil, to: &estimators)
    }
}
