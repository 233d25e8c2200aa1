/// Monte Carlo standard errors, as ArviZ 0.23.4 (`az.mcse`) computes them.
///
/// - ``mean(_:)``: sd / √ESS_mean, sd with denominator S − 1 (`method="mean"`).
/// - ``sd(_:)``: with s = (θ − θ̄)², the variance of mean(s) is (mean(s²) − mean(s)²)/ESS(s),
///   and the delta method for √ gives MCSE(sd) = √(Var/mean(s)/4) (`method="sd"`; ESS(s) is
///   the split-chain ESS of s, ``EffectiveSampleSize/sd(_:)``).
/// - ``quantile(_:prob:)``: Vehtari et al. (2021), §4.4 / eq. 20–21: with E = ESS of
///   I(θ ≤ q_prob), the ±1 sd (Φ(±1) = 0.1586553, 0.8413447) quantiles a₁, a₂ of
///   Beta(E·p + 1, E·(1−p) + 1) pick order statistics θ₍⌊a₁S−1⌋₎, θ₍⌈a₂S−1⌉₎ (0-based, clipped),
///   and the MCSE is half their distance (`method="quantile"`).
///
/// NaN for non-finite draws or fewer than 4 draws per chain. For constant draws ArviZ gives
/// 0 for the mean and quantile MCSEs and NaN (0/0) for the sd MCSE; so does this.
public enum MonteCarloStandardError {
    /// Φ(−1) and Φ(1) to 7 digits, as hard-coded in ArviZ `_mcse_quantile`.
    static let oneSigmaLower = 0.1586553
    static let oneSigmaUpper = 0.8413447

    public static func mean(_ draws: Draws) -> Double { DrawAnalysis(draws).mcseMean }
    public static func sd(_ draws: Draws) -> Double { DrawAnalysis(draws).mcseSD }
    public static func quantile(_ draws: Draws, prob: Double) -> Double {
        DrawAnalysis(draws).mcseQuantile(prob)
    }
}
