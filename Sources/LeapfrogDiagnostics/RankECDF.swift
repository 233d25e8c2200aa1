#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rank ECDF differences of several groups of draws (chains, or superchains), with a
/// simultaneous confidence band: the graphical test that the groups sample one distribution.
///
/// Säilynoja, Bürkner & Vehtari (2022), "Graphical test for discrete uniformity and its
/// applications in goodness-of-fit evaluation and multiple sample comparison", *Statistics and
/// Computing* 32:32, §3 (multiple sample comparison), as bayesplot's `mcmc_rank_ecdf` does it:
///
/// 1. All L · N draws are ranked together (ties get their average rank).
/// 2. At the points zᵢ = i/K, i = 1 … K − 1, group l's count cₗᵢ is how many of its N draws have
///    a pooled rank ≤ kᵢ = ⌊zᵢ · L N⌋. If the groups sample one distribution, cₗᵢ is
///    hypergeometric: kᵢ draws out of L N of which N belong to group l.
/// 3. The picture is the ECDF difference cₗᵢ / N − zᵢ per group, inside the band
///    [q(γ/2), q(1 − γ/2)] / N − zᵢ, q the hypergeometric quantile.
/// 4. γ is adjusted so that the band is *simultaneous* — all L (K − 1) points of every group
///    inside it with probability `level` under the null — by simulation (the paper's §2.2
///    simulation method extended to L samples, bayesplot's `adjust_gamma_simulate`): each of
///    `simulations` rounds deals a random permutation of the ranks 1 … L N into the L groups and
///    records 2 · min over groups and points of min(F(cₗᵢ), 1 − F(cₗᵢ − 1)); γ is the
///    (1 − level) quantile of those minima. The rounds use a fixed-seed SplitMix64, so a report
///    is reproducible.
///
/// Draws are used as given; callers thin long chains first (the test stays valid, with less
/// power). The paper's optimisation-based adjustment (§2.3) is for one sample only and is not used.
public struct RankECDF: Sendable, Hashable {
    /// z₀ = 0, z₁ … z_{K−1}, z_K = 1 (the ends, where every difference is 0, included for drawing).
    public var points: [Double]
    /// `differences[l][i]`: group l's ECDF minus zᵢ at `points[i]`.
    public var differences: [[Double]]
    /// The simultaneous band for the difference at each point.
    public var lower: [Double]
    public var upper: [Double]
    /// The adjusted pointwise level γ.
    public var gamma: Double
    /// The simultaneous coverage asked for.
    public var level: Double

    /// The rank ECDF differences of `groups` (each `[Double]` one group's draws, all the same
    /// length N ≥ 1, at least two groups). Non-finite draws rank last. `points` is K (at most N · L).
    public init(groups: [[Double]], points: Int = 40, level: Double = 0.95, simulations: Int = 400, seed: UInt64 = 1) {
        let L = groups.count
        let N = groups.first?.count ?? 0
        precondition(L >= 2 && N >= 1 && groups.allSatisfy { $0.count == N }, "RankECDF: at least two groups of equal, non-zero size")
        let total = L * N
        let K = max(2, min(points, total))
        self.level = level
        self.points = (0...K).map { Double($0) / Double(K) }
        let ks = (1..<K).map { Int((Double($0) / Double(K) * Double(total)).rounded(.down)) }

        // Pooled ranks (1-based, ties averaged).
        var order = [(value: Double, group: Int)]()
        order.reserveCapacity(total)
        for (l, g) in groups.enumerated() { for v in g { order.append((v.isFinite ? v : .infinity, l)) } }
        order.sort { $0.value < $1.value }
        var ranks = [(rank: Double, group: Int)]()
        ranks.reserveCapacity(total)
        var i = 0
        while i < total {
            var j = i
            while j + 1 < total && order[j + 1].value == order[i].value { j += 1 }
            let r = Double(i + j + 2) / 2
            for t in i...j { ranks.append((r, order[t].group)) }
            i = j + 1
        }
        var counts = [[Int]](repeating: [Int](repeating: 0, count: ks.count), count: L)
        for (r, l) in ranks {
            for (p, k) in ks.enumerated() where r <= Double(k) { counts[l][p] += 1 }
        }
        differences = counts.map { c in [0] + c.enumerated().map { Double($0.element) / Double(N) - Double($0.offset + 1) / Double(K) } + [0] }

        // Hypergeometric CDF tables, one per point: population L·N, N "successes", kᵢ drawn.
        let cdfs = ks.map { Self.hypergeometricCDF(population: total, successes: N, drawn: $0) }
        func tail(_ c: Int, _ cdf: [Double]) -> Double {
            let below = c >= 1 ? cdf[min(c - 1, N)] : 0
            return min(cdf[min(c, N)], 1 - below)
        }
        var rng = SplitMix64(seed: seed)
        var deck = Array(0..<total)
        var minima = [Double]()
        minima.reserveCapacity(simulations)
        for _ in 0..<max(simulations, 1) {
            // Fisher–Yates; deck[r] is the group of pooled rank r + 1 (positions r ≡ group by r / N).
            for a in stride(from: total - 1, to: 0, by: -1) {
                let b = Int(rng.next() % UInt64(a + 1))
                deck.swapAt(a, b)
            }
            var lowest = 1.0
            var simCounts = [Int](repeating: 0, count: L)
            var rank = 0
            for (p, k) in ks.enumerated() {
                while rank < k { simCounts[deck[rank] / N] += 1; rank += 1 }
                for l in 0..<L { lowest = min(lowest, 2 * tail(simCounts[l], cdfs[p])) }
            }
            minima.append(lowest)
        }
        minima.sort()
        let gamma = Quantile.linear(sorted: minima, prob: 1 - level)
        self.gamma = gamma
        func quantile(_ p: Double, _ cdf: [Double]) -> Int { cdf.firstIndex { $0 >= p - 1e-12 } ?? N }
        lower = [0] + ks.indices.map { Double(quantile(gamma / 2, cdfs[$0])) / Double(N) - Double($0 + 1) / Double(K) } + [0]
        upper = [0] + ks.indices.map { Double(quantile(1 - gamma / 2, cdfs[$0])) / Double(N) - Double($0 + 1) / Double(K) } + [0]
    }

    /// Whether every group's difference lies inside the band.
    public var isInsideBand: Bool {
        differences.allSatisfy { d in d.indices.allSatisfy { d[$0] >= lower[$0] - 1e-12 && d[$0] <= upper[$0] + 1e-12 } }
    }

    /// P(C ≤ c) for c = 0 … `successes`, C hypergeometric: `drawn` draws without replacement
    /// from `population` items of which `successes` are marked. From log-pmfs via `lgamma`.
    static func hypergeometricCDF(population: Int, successes: Int, drawn: Int) -> [Double] {
        let M = population, n = successes, k = drawn
        func logChoose(_ a: Int, _ b: Int) -> Double {
            lgamma(Double(a + 1)) - lgamma(Double(b + 1)) - lgamma(Double(a - b + 1))
        }
        let denominator = logChoose(M, k)
        var cdf = [Double](repeating: 0, count: n + 1)
        var running = 0.0
        for c in 0...n {
            if c <= k && k - c <= M - n {
                running += exp(logChoose(n, c) + logChoose(M - n, k - c) - denominator)
            }
            cdf[c] = min(running, 1)
        }
        return cdf
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014), a small fixed-seed generator for reproducible simulations.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
