/// Potential scale reduction factors (R-hat).
///
/// - ``split(_:)``: split-R̂ (Gelman et al., *BDA3* §11.4; Vehtari et al. 2021, eqs. 1–4) on
///   the split chains, `az.rhat(method="split")`.
/// - ``rankNormalized(_:)``: Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021), §4.2:
///   max(bulk R̂, tail R̂), bulk = split-R̂ of the rank-normalised split draws, tail = split-R̂
///   of the rank-normalised folded split draws |θ − median|; `az.rhat(method="rank")`, the
///   R-hat of Stan and ArviZ summaries.
/// - ``nested(_:superchains:)``: see `RHat+Nested.swift`.
///
/// All give NaN for draws with a NaN or ±Inf, for fewer than 2 chains or 4 draws per chain
/// (ArviZ's `_not_valid`), and for constant draws (0/0, as ArviZ).
public enum RHat {
    public static func split(_ draws: Draws) -> Double { DrawAnalysis(draws).rhatSplit }

    public static func rankNormalized(_ draws: Draws) -> Double { DrawAnalysis(draws).rhatRank }

    /// ArviZ `_rhat` on chains `m` (rows) of n draws: B = n·Var(chain means), W = mean of the
    /// chain variances (ddof 1), R̂ = √((B/W + n − 1)/n) = √(var̂⁺/W) (Vehtari et al. 2021, eq. 4).
    /// `m` must be free of NaN (callers check draws for non-finite values first).
    static func classic(_ m: ChainMatrix) -> Double {
        let n = Double(m.columns)
        let means = m.rowMeans()
        let within = LeapfrogDiagnostics.mean(m.rowVariances(means: means))
        let between = n * variance(means, ddof: 1)
        return ((between / within + n - 1) / n).squareRoot()
    }
}
