/// Sample quantiles of all draws (chains pooled).
///
/// ``of(_:prob:)`` is numpy's default `np.quantile(x, q)` (`method="linear"`, Hyndman & Fan
/// 1996 type 7): h = (S−1)·q, result = x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎), evaluated with
/// numpy's two-sided `_lerp` (from the upper point when the fraction is ≥ ½), so results
/// match numpy to the last bit or nearly so. ArviZ's `az.summary` quantiles and Stan's
/// 5%/50%/95% columns use the same type 7 definition.
public enum Quantile {
    /// The `prob` quantile of all draws; NaN if any draw is non-finite or `prob ∉ [0, 1]`.
    public static func of(_ draws: Draws, prob: Double) -> Double {
        DrawAnalysis(draws).quantile(prob)
    }

    /// numpy `method="linear"` on an ascending array.
    static func linear(sorted x: [Double], prob: Double) -> Double {
        let n = x.count
        guard n > 0, prob >= 0, prob <= 1 else { return .nan }
        let h = Double(n - 1) * prob
        let lo = min(max(Int(h.rounded(.down)), 0), n - 1)
        let hi = min(lo + 1, n - 1)
        let t = h - Double(lo)
        let a = x[lo], b = x[hi]
        let diff = b - a
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t
    }

    /// `scipy.stats.mstats.mquantiles(x, prob, alphap=1, betap=1)` on an ascending array —
    /// also type 7, but ArviZ's own quantile for the tail-ESS and quantile-MCSE indicators,
    /// so the indicator thresholds are computed the same way:
    /// aleph = S·p + (1 − p), k = ⌊clip(aleph, 1, S−1)⌋, γ = clip(aleph − k, 0, 1),
    /// q = (1−γ)·x₍ₖ₋₁₎ + γ·x₍ₖ₎ (1-based k).
    static func mquantiles(sorted x: [Double], prob: Double) -> Double {
        let n = x.count
        guard n > 0 else { return .nan }
        if n == 1 { return x[0] }
        let aleph = Double(n) * prob + (1 - prob)
        let k = Int(min(max(aleph, 1), Double(n - 1)).rounded(.down))
        let gamma = min(max(aleph - Double(k), 0), 1)
        return (1 - gamma) * x[k - 1] + gamma * x[k]
    }
}
