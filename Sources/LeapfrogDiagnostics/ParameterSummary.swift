import Dispatch
import LeapfrogCore

/// The posterior summary of one scalar parameter: the columns of CmdStan's `stansummary` and
/// ArviZ's `az.summary(kind="all")` with 5/50/95% quantiles.
///
/// Definitions and their sources are on the computing types: ``Quantile``, ``RHat``,
/// ``EffectiveSampleSize``, ``MonteCarloStandardError``. Draws containing a NaN or ±Inf give NaN
/// for every statistic (``nonFiniteCount`` > 0; ``DiagnosticWarnings`` names the parameter).
///
/// It is also a row of `summary.json`'s `parameters`: JSON keys follow ArviZ's `az.summary`
/// columns where they exist (`mean`, `sd`, `mcse_mean`, `mcse_sd`, `ess_bulk`, `ess_tail`,
/// `r_hat`), plus the 5 %, 50 % and 95 % quantiles (`q5`, `q50`, `q95`, as CmdStan's
/// `stansummary`), `nested_r_hat` (present only when computed), `chains`, `draws_per_chain` and
/// `non_finite`. Non-finite numbers are written as `null` and read back as NaN; equality compares
/// the numbers bit for bit, so a summary with NaN equals itself.
public struct ParameterSummary: Sendable, Hashable, Codable {
    public var name: String
    public var mean: Double
    /// Standard deviation over all draws, denominator S − 1.
    public var sd: Double
    public var q5: Double
    public var q50: Double
    public var q95: Double
    public var mcseMean: Double
    public var mcseSD: Double
    public var essBulk: Double
    public var essTail: Double
    /// Rank-normalised split R̂ (``RHat/rankNormalized(_:)``).
    public var rhat: Double
    /// Nested R̂ (``RHat/nested(_:superchains:)``), when superchains were given.
    public var nestedRHat: Double?
    public var chains: Int
    public var drawsPerChain: Int
    /// Number of NaN or infinite draws.
    public var nonFiniteCount: Int

    public init(name: String, mean: Double, sd: Double, q5: Double, q50: Double, q95: Double,
                mcseMean: Double, mcseSD: Double, essBulk: Double, essTail: Double, rhat: Double,
                nestedRHat: Double? = nil, chains: Int, drawsPerChain: Int, nonFiniteCount: Int = 0) {
        self.name = name
        self.mean = mean
        self.sd = sd
        self.q5 = q5
        self.q50 = q50
        self.q95 = q95
        self.mcseMean = mcseMean
        self.mcseSD = mcseSD
        self.essBulk = essBulk
        self.essTail = essTail
        self.rhat = rhat
        self.nestedRHat = nestedRHat
        self.chains = chains
        self.drawsPerChain = drawsPerChain
        self.nonFiniteCount = nonFiniteCount
    }

    enum CodingKeys: String, CodingKey {
        case name, mean, sd, q5, q50, q95
        case mcseMean = "mcse_mean", mcseSD = "mcse_sd", essBulk = "ess_bulk", essTail = "ess_tail"
        case rhat = "r_hat", nestedRHat = "nested_r_hat", chains, drawsPerChain = "draws_per_chain"
        case nonFiniteCount = "non_finite"
    }

    /// Reads a row; `chains`, `draws_per_chain` and `non_finite` are 0 in files written before
    /// they were recorded.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        mean = try c.decodeFiniteOrNaN(forKey: .mean)
        sd = try c.decodeFiniteOrNaN(forKey: .sd)
        q5 = try c.decodeFiniteOrNaN(forKey: .q5)
        q50 = try c.decodeFiniteOrNaN(forKey: .q50)
        q95 = try c.decodeFiniteOrNaN(forKey: .q95)
        mcseMean = try c.decodeFiniteOrNaN(forKey: .mcseMean)
        mcseSD = try c.decodeFiniteOrNaN(forKey: .mcseSD)
        essBulk = try c.decodeFiniteOrNaN(forKey: .essBulk)
        essTail = try c.decodeFiniteOrNaN(forKey: .essTail)
        rhat = try c.decodeFiniteOrNaN(forKey: .rhat)
        nestedRHat = c.contains(.nestedRHat) ? try c.decodeFiniteOrNaN(forKey: .nestedRHat) : nil
        chains = try c.decodeIfPresent(Int.self, forKey: .chains) ?? 0
        drawsPerChain = try c.decodeIfPresent(Int.self, forKey: .drawsPerChain) ?? 0
        nonFiniteCount = try c.decodeIfPresent(Int.self, forKey: .nonFiniteCount) ?? 0
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        for (key, value) in zip(Self.numberKeys, numbers) { try c.encodeFiniteOrNull(value, forKey: key) }
        if let nestedRHat {
            if nestedRHat.isFinite { try c.encode(nestedRHat, forKey: .nestedRHat) } else { try c.encodeNil(forKey: .nestedRHat) }
        }
        try c.encode(chains, forKey: .chains)
        try c.encode(drawsPerChain, forKey: .drawsPerChain)
        try c.encode(nonFiniteCount, forKey: .nonFiniteCount)
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.numbers.map(\.bitPattern) == b.numbers.map(\.bitPattern)
            && a.nestedRHat.map(\.bitPattern) == b.nestedRHat.map(\.bitPattern)
            && a.chains == b.chains && a.drawsPerChain == b.drawsPerChain && a.nonFiniteCount == b.nonFiniteCount
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(numbers.map(\.bitPattern))
    }

    private static let numberKeys: [CodingKeys] = [.mean, .sd, .q5, .q50, .q95, .mcseMean, .mcseSD, .essBulk, .essTail, .rhat]
    private var numbers: [Double] { [mean, sd, q5, q50, q95, mcseMean, mcseSD, essBulk, essTail, rhat] }
}

/// Summarises the draws of one parameter, sorting them once.
///
/// - Parameters:
///   - draws: `[chain][draw]`, all chains the same length.
///   - superchains: when given, also the nested R̂ with chains grouped contiguously into that
///     many superchains (``RHat/nested(_:superchains:)``).
public func summarize(name: String, draws: Draws, superchains: Int? = nil) -> ParameterSummary {
    summarize(name: name, draws: draws, superchains: superchains, scores: nil)
}

/// The summary with a score table for the split draws' count made by the caller (nil: made here).
func summarize(name: String, draws: Draws, superchains: Int?, scores: [Double]?) -> ParameterSummary {
    let a = DrawAnalysis(draws, scores: scores)
    return ParameterSummary(
        name: name, mean: a.mean, sd: a.sd,
        q5: a.quantile(0.05), q50: a.quantile(0.5), q95: a.quantile(0.95),
        mcseMean: a.mcseMean, mcseSD: a.mcseSD, essBulk: a.essBulk, essTail: a.essTail,
        rhat: a.rhatRank, nestedRHat: superchains.map { RHat.nested(draws, superchains: $0) },
        chains: a.chains, drawsPerChain: a.drawsPerChain, nonFiniteCount: a.nonFiniteCount)
}

/// ``summarize(name:draws:superchains:)`` on `[chain][draw]` arrays.
public func summarize(name: String, draws: [[Double]], superchains: Int? = nil) -> ParameterSummary {
    summarize(name: name, draws: Draws(draws), superchains: superchains)
}

/// ``summarize(name:draws:superchains:)`` of every item, in order: the items shared out over the
/// cores once they hold 2¹⁶ draws or more, each core taking the next item when it finishes one
/// (contiguous ranges, one per core, left a core idle for a third of a 65,536-chain summary when
/// its share ran slower). Each summary reads
/// only its own draws and a score table that depends only on their count, so the numbers are
/// those of one call per item, whatever the cores. (A
/// run's summary computed one quantity at a time took about 3 s of one core after a BNN ChEES run of
/// 4,096 chains × 100 draws, 72 quantities: longer than its sampling.)
public func summarize(_ items: [(name: String, draws: Draws)], superchains: Int? = nil) -> [ParameterSummary] {
    let total = items.reduce(0) { $0 + $1.draws.count }
    // The rank normalisation's score table depends only on the split draws' count, which a run's
    // quantities share: made once per count (it was 6 % of a run's summary, once per quantity).
    var tables: [Int: [Double]] = [:]
    for item in items {
        let size = DrawAnalysis.splitCount(item.draws)
        if size > 0, tables[size] == nil { tables[size] = RankNormalization.scoreTable(size: size) }
    }
    var out = [ParameterSummary?](repeating: nil, count: items.count)
    out.withUnsafeMutableBufferPointer { buffer in
        let out = buffer
        let one = { (k: Int) in
            out[k] = summarize(name: items[k].name, draws: items[k].draws, superchains: superchains,
                               scores: tables[DrawAnalysis.splitCount(items[k].draws)])
        }
        if items.count > 1 && total >= 1 << 16 && ChainRanges.cores > 1 {
            // One item per iteration: each core takes the next item when it is free. The worker
            // threads' heaps, kept for the next item (`HeapPolicy`), are released at the end.
            DispatchQueue.concurrentPerform(iterations: items.count, execute: one)
            HeapPolicy.releaseFreeMemory()
        } else {
            for k in items.indices { one(k) }
        }
    }
    return out.map { $0! }
}
