/// Running per-chain means and variances of Q quantities, each chain's draws in two halves, so
/// that a run can summarise and diagnose its draws without keeping them: memory is chains × Q ×
/// 4 numbers whatever the number of draws (`sample --keep moments`).
///
/// From these moments, per quantity (`summary`):
/// - the mean and the sd over all draws, exactly (Chan, Golub & LeVeque 1979 to pool the halves);
/// - split R̂ over the 2C half-chains, the classic form of Gelman et al., *Bayesian Data
///   Analysis* 3rd ed. §11.4 (not rank-normalised: ranks need the draws), √(var⁺/W) with
///   var⁺ = (n − 1)/n · W + B/n;
/// - an ESS by batch means, each half-chain a batch: Var(half-chain mean) ≈ σ²·τ/n, so
///   ESS = N/τ = N · σ² / (n · Var(half-chain means)), at most N (Flegal & Jones 2010 use
///   batch means the same way; with many chains each chain is a natural batch);
/// - nested R̂ (Margossian et al. 2024) when superchains are given: it needs only chain means
///   and within-chain variances (`RHat.nested`, here from the moments).
/// Quantiles, tail ESS and MCSE of the sd need the draws: they are NaN; so are R̂ and the ESS
/// of one chain (two batches) and of a run that stopped before its second half began.
///
/// Values are added with Welford's update (Welford 1962). A non-finite value makes its
/// chain's moments non-finite and is counted: the summary reports it rather than hiding it.
public struct ChainMoments: Sendable, Hashable {
    public let chains: Int
    public let quantities: Int
    /// Draws added to each half (every chain alike).
    public private(set) var counts = [0, 0]
    /// means[h][q·chains + c] and m2[h][q·chains + c]: half h of chain c, quantity q.
    public private(set) var means: [[Double]]
    public private(set) var m2: [[Double]]
    public private(set) var nonFinite: [Int]

    public init(chains: Int, quantities: Int) {
        precondition(chains >= 1 && quantities >= 0, "ChainMoments: \(chains) chains, \(quantities) quantities")
        self.chains = chains
        self.quantities = quantities
        means = Array(repeating: Array(repeating: 0, count: chains * quantities), count: 2)
        m2 = means
        nonFinite = Array(repeating: 0, count: quantities)
    }

    /// Moments accumulated elsewhere with the same update (a device: `lf_moments_add`, see
    /// `MomentsOnDevice`): draws per half, means and M2 per half (`[h][q·chains + c]`), and the
    /// non-finite values added per quantity.
    public init(chains: Int, quantities: Int, counts: [Int], means: [[Double]], m2: [[Double]], nonFinite: [Int]) {
        let n = chains * quantities
        precondition(counts.count == 2 && means.count == 2 && m2.count == 2 && nonFinite.count == quantities
                     && means.allSatisfy { $0.count == n } && m2.allSatisfy { $0.count == n },
                     "ChainMoments: moments of the wrong shape for \(chains) chains × \(quantities) quantities")
        self.chains = chains
        self.quantities = quantities
        self.counts = counts
        self.means = means
        self.m2 = m2
        self.nonFinite = nonFinite
    }

    /// Adds one draw of every chain to half `half` (0 or 1): `values[q·chains + c]`, chain-fastest.
    public mutating func add(_ values: [Double], half: Int) {
        precondition(values.count == chains * quantities && (half == 0 || half == 1), "ChainMoments.add: bad shape or half")
        counts[half] += 1
        let n = Double(counts[half])
        // In place through buffers: a subscript of the nested arrays checks their uniqueness on
        // every access (a warmup adds every chain's log density each iteration).
        var bad = [Int](repeating: 0, count: quantities)
        means[half].withUnsafeMutableBufferPointer { mean in
            m2[half].withUnsafeMutableBufferPointer { m2 in
                values.withUnsafeBufferPointer { values in
                    for q in 0..<quantities {
                        for i in (q * chains)..<((q + 1) * chains) {
                            let x = values[i]
                            if !x.isFinite { bad[q] += 1 }
                            let delta = x - mean[i]
                            mean[i] += delta / n
                            m2[i] += delta * (x - mean[i])
                        }
                    }
                }
            }
        }
        for q in 0..<quantities { nonFinite[q] += bad[q] }
    }

    /// Draws per chain so far.
    public var drawsPerChain: Int { counts[0] + counts[1] }

    /// Chain c's mean and variance (denominator n − 1) of quantity q over both halves.
    public func chain(_ c: Int, quantity q: Int) -> (mean: Double, variance: Double) {
        let i = q * chains + c, n0 = Double(counts[0]), n1 = Double(counts[1]), n = n0 + n1
        guard n > 0 else { return (.nan, .nan) }
        let delta = means[1][i] - means[0][i]
        let mean = means[0][i] + delta * n1 / n
        let m2 = m2[0][i] + m2[1][i] + (n0 > 0 && n1 > 0 ? delta * delta * n0 * n1 / n : 0)
        return (mean, n > 1 ? m2 / (n - 1) : 0)
    }

    /// The summary of quantity `q` (see the type's documentation for what each figure is).
    public func summary(quantity q: Int, name: String, superchains: Int? = nil) -> ParameterSummary {
        let total = Double(drawsPerChain * chains)
        var halfMeans: [Double] = [], halfVariances: [Double] = [], sum = 0.0
        for h in 0..<2 where counts[h] > 0 {
            for c in 0..<chains {
                let i = q * chains + c
                halfMeans.append(means[h][i])
                halfVariances.append(counts[h] > 1 ? m2[h][i] / Double(counts[h] - 1) : .nan)
                sum += means[h][i] * Double(counts[h])
            }
        }
        let mean = sum / total
        var pooled = 0.0
        for h in 0..<2 where counts[h] > 0 {
            for c in 0..<chains {
                let i = q * chains + c, d = means[h][i] - mean
                pooled += m2[h][i] + Double(counts[h]) * d * d
            }
        }
        let variance = pooled / (total - 1)
        var rhat = Double.nan, ess = Double.nan
        // One chain: two batches, one degree of freedom for their variance (an ESS off by
        // any factor), and ArviZ's R̂ needs two chains: NaN, as the draws' summary gives.
        if counts[0] > 1 && counts[1] > 1 && chains >= 2 {
            let n = Double(drawsPerChain) / 2
            let w = halfVariances.reduce(0, +) / Double(halfVariances.count)
            let b = LeapfrogDiagnostics.variance(halfMeans, ddof: 1)
            rhat = (((n - 1) / n * w + b) / w).squareRoot()
            ess = min(total, total * variance / (n * b))
        }
        var nested: Double?
        if let k = superchains, k >= 2, chains % k == 0 {
            let perChain = (0..<chains).map { chain($0, quantity: q) }
            nested = RHat.nested(chainMeans: perChain.map(\.mean), chainVariances: perChain.map(\.variance), superchains: k)
        }
        let sd = variance.squareRoot()
        return ParameterSummary(name: name, mean: mean, sd: sd, q5: .nan, q50: .nan, q95: .nan,
                                mcseMean: sd / ess.squareRoot(), mcseSD: .nan, essBulk: ess, essTail: .nan, rhat: rhat,
                                nestedRHat: nested, chains: chains, drawsPerChain: drawsPerChain, nonFiniteCount: nonFinite[q])
    }
}
