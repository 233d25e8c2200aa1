/// The posterior summary of one scalar parameter: the columns of CmdStan's `stansummary` and
/// ArviZ's `az.summary(kind="all")` with 5/50/95% quantiles.
///
/// Definitions and their sources are on the computing types: ``Quantile``, ``RHat``,
/// ``EffectiveSampleSize``, ``MonteCarloStandardError``. Draws containing a NaN or ±Inf give NaN
/// for every statistic (``nonFiniteCount`` > 0; ``DiagnosticWarnings`` names the parameter).
public struct ParameterSummary: Sendable, Hashable {
    public var name: String
    public var mean: Double
    /// Standard deviation over all draws, denominator S − 1.
    public var sd: Double
    public var q5: Double
    public var q50: Double
    public var q95: Double
    public var mcseMean: Double
    public var mcseSd: Double
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
                mcseMean: Double, mcseSd: Double, essBulk: Double, essTail: Double, rhat: Double,
                nestedRHat: Double? = nil, chains: Int, drawsPerChain: Int, nonFiniteCount: Int = 0) {
        self.name = name
        self.mean = mean
        self.sd = sd
        self.q5 = q5
        self.q50 = q50
        self.q95 = q95
        self.mcseMean = mcseMean
        self.mcseSd = mcseSd
        self.essBulk = essBulk
        self.essTail = essTail
        self.rhat = rhat
        self.nestedRHat = nestedRHat
        self.chains = chains
        self.drawsPerChain = drawsPerChain
        self.nonFiniteCount = nonFiniteCount
    }
}

/// Summarises the draws of one parameter, sorting them once.
///
/// - Parameters:
///   - draws: `[chain][draw]`, all chains the same length.
///   - superchains: when given, also the nested R̂ with chains grouped contiguously into that
///     many superchains (``RHat/nested(_:superchains:)``).
public func summarize(name: String, draws: Draws, superchains: Int? = nil) -> ParameterSummary {
    let a = DrawAnalysis(draws)
    return ParameterSummary(
        name: name, mean: a.mean, sd: a.sd,
        q5: a.quantile(0.05), q50: a.quantile(0.5), q95: a.quantile(0.95),
        mcseMean: a.mcseMean, mcseSd: a.mcseSd, essBulk: a.essBulk, essTail: a.essTail,
        rhat: a.rhatRank, nestedRHat: superchains.map { RHat.nested(draws, superchains: $0) },
        chains: a.chains, drawsPerChain: a.drawsPerChain, nonFiniteCount: a.nonFiniteCount)
}

/// ``summarize(name:draws:superchains:)`` on `[chain][draw]` arrays.
public func summarize(name: String, draws: [[Double]], superchains: Int? = nil) -> ParameterSummary {
    summarize(name: name, draws: Draws(draws), superchains: superchains)
}
