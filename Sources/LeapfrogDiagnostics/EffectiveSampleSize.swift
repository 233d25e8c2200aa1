#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Effective sample sizes (Vehtari, Gelman, Simpson, Carpenter & Bürkner 2021, §3.2 and §4.3),
/// computed exactly as ArviZ 0.23.4 (`arviz.stats.diagnostics._ess` and friends).
///
/// All variants run the same estimator on split chains (``ChainMatrix/splitHalves()``):
///
/// - ``bulk(_:)``: on the rank-normalised split draws (`az.ess(method="bulk")`).
/// - ``tail(_:)``: the minimum of the ESS of the indicators I(θ ≤ q₀.₀₅) and I(θ ≤ q₀.₉₅),
///   quantiles by `scipy.stats.mstats.mquantiles(alphap=1, betap=1)` (`method="tail"`).
/// - ``mean(_:)``: on the split draws themselves (`method="mean"`).
/// - ``sd(_:)``: on (θ − θ̄)² (`method="sd"`).
/// - ``quantile(_:prob:)``: on I(θ ≤ q_prob) (`method="quantile"`).
///
/// Draws containing NaN or ±Inf, or fewer than 4 draws per chain, give NaN. Constant draws
/// give the number of split draws, as ArviZ does (its `_ess` returns `ary.size` when
/// max − min < `np.finfo(float).resolution`); so do constant indicators.
public enum EffectiveSampleSize {
    /// `np.finfo(float).resolution`: ArviZ treats a range below it as constant.
    static let constantRange = 1e-15
    /// ArviZ's minimum draws per chain for ESS, R-hat and MCSE (`_not_valid(min_draws=4)`).
    static let minimumDraws = 4

    public static func bulk(_ draws: Draws) -> Double { DrawAnalysis(draws).essBulk }
    public static func tail(_ draws: Draws) -> Double { DrawAnalysis(draws).essTail }
    public static func mean(_ draws: Draws) -> Double { DrawAnalysis(draws).essMean }
    public static func sd(_ draws: Draws) -> Double { DrawAnalysis(draws).essSd }
    public static func quantile(_ draws: Draws, prob: Double) -> Double {
        DrawAnalysis(draws).essQuantile(prob)
    }

    /// The ESS of the chains in `m` (rows = chains), by Geyer's (1992) initial monotone
    /// sequence estimator on the multi-chain autocorrelation of Vehtari et al. (2021), eq. 10:
    ///
    /// ρ̂ₜ = 1 − (W − (1/M) Σₘ γ̂ₘ(t)) / var̂⁺, W = mean within-chain variance,
    /// var̂⁺ = (n−1)/n · W + B/n (eq. 3), then τ̂ = −1 + 2 Σ_{t=0}^{K} ρ̂ₜ + ρ̂_{K+1} and
    /// S_eff = M·n / max(τ̂, 1/log₁₀(M·n)).
    ///
    /// A line-by-line port of ArviZ's `_ess`, including its details:
    /// - the pair sums P̂ = ρ̂₂ₖ + ρ̂₂ₖ₊₁ are accumulated while positive (initial positive
    ///   sequence), and a trailing positive even term ρ̂_{K+1} is kept ("improve estimation");
    ///   this keeps antithetic chains' ESS, which can exceed M·n, consistent;
    /// - pairs are then made monotone (initial monotone sequence);
    /// - τ̂ is floored at 1/log₁₀(M·n), i.e. ESS ≤ M·n·log₁₀(M·n) (Vehtari et al. 2021, §3.2).
    static func geyer(_ m: ChainMatrix) -> Double { geyerDetail(m).ess }

    /// ``geyer(_:)``, with the autocovariance route exposed for tests: `directLagLimit` as in
    /// ``Autocovariance``, and whether the FFT route was taken.
    static func geyerDetail(_ m: ChainMatrix, directLagLimit: Int = 64) -> (ess: Double, usedFFT: Bool) {
        let chains = m.rows, n = m.columns
        guard chains > 0, n > 0 else { return (.nan, false) }
        var lo = Double.infinity, hi = -Double.infinity, sawNaN = false
        m.values.withUnsafeBufferPointer { b in
            let p = b.baseAddress!
            var i = 0
            while i < b.count {
                let v = p[i]
                if v.isNaN { sawNaN = true }
                if v < lo { lo = v }
                if v > hi { hi = v }
                i += 1
            }
        }
        if sawNaN { return (.nan, false) }
        if hi - lo < constantRange { return (Double(m.count), false) }
        guard n > 1 else { return (.nan, false) }

        let chainMeans = m.rowMeans()
        var acov = Autocovariance(m, rowMeans: chainMeans, directLagLimit: directLagLimit)
        let nd = Double(n)
        let meanVar = acov.mean(lag: 0) * nd / (nd - 1)
        var varPlus = meanVar * (nd - 1) / nd
        if chains > 1 { varPlus += variance(chainMeans, ddof: 1) }

        var rho = [Double](repeating: 0, count: n)
        var rhoEven = 1.0
        rho[0] = rhoEven
        var rhoOdd = 1 - (meanVar - acov.mean(lag: 1)) / varPlus
        rho[1] = rhoOdd

        // Geyer's initial positive sequence.
        var t = 1
        while t < n - 3 && rhoEven + rhoOdd > 0 {
            rhoEven = 1 - (meanVar - acov.mean(lag: t + 1)) / varPlus
            rhoOdd = 1 - (meanVar - acov.mean(lag: t + 2)) / varPlus
            if rhoEven + rhoOdd >= 0 {
                rho[t + 1] = rhoEven
                rho[t + 2] = rhoOdd
            }
            t += 2
        }
        let maxT = t - 2
        // Improve estimation: keep a positive trailing even autocorrelation.
        if rhoEven > 0 { rho[maxT + 1] = rhoEven }

        // Geyer's initial monotone sequence.
        t = 1
        while t <= maxT - 2 {
            if rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t] {
                rho[t + 1] = (rho[t - 1] + rho[t]) / 2
                rho[t + 2] = rho[t + 1]
            }
            t += 2
        }

        let size = Double(chains * n)
        var tau = -1.0
        var sum = 0.0
        if maxT >= 0 { for k in 0...maxT { sum += rho[k] } }
        tau += 2 * sum
        if maxT + 1 < n { tau += rho[maxT + 1] }
        tau = max(tau, 1 / log10(size))
        if rho.contains(where: \.isNaN) { return (.nan, acov.usedFFT) }
        return (size / tau, acov.usedFFT)
    }
}
