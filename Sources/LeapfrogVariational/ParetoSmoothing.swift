#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Pareto-smoothed importance sampling (Vehtari, Simpson, Gelman, Yao & Gabry, "Pareto smoothed
/// importance sampling", JMLR 25, 2024, Algorithm 1): the M = ⌈min(S/5, 3√S)⌉ largest of S log
/// importance ratios are replaced by the expected order statistics of the generalized Pareto
/// distribution fitted to them (`GeneralizedPareto`, the same fit `ParetoKHat` reports the shape
/// of),
///
///     w̃₍S−M+z₎ = u + F⁻¹((z − ½)/M),  z = 1…M,   F⁻¹(p) = σ/k·((1 − p)^(−k) − 1)   (−σ log(1 − p) at k = 0),
///
/// with u the (M+1)-th largest ratio, all on the scale of exp(r − max r); each is capped at the
/// largest raw ratio (the paper's truncation), and the ranks are kept. The smoothed weights cut
/// the variance of importance-sampling estimates where the raw ratios have a heavy right tail;
/// k̂ says how far to trust them (`ParetoKHat.warningThreshold`).
public enum ParetoSmoothing {
    /// The smoothed log weights (unnormalised; −∞ where the ratio was not finite or was −∞) and k̂.
    /// Fewer draws than a tail fit needs leave the ratios as they are, with k̂ NaN.
    public static func smooth(logRatios: [Double]) -> (logWeights: [Double], k: Double) {
        let cleaned = logRatios.map { $0.isNaN ? -Double.infinity : $0 }
        if cleaned.contains(.infinity) {
            return (cleaned.map { $0 == .infinity ? 0 : -.infinity }, .infinity)
        }
        let order = cleaned.indices.filter { cleaned[$0].isFinite }.sorted { cleaned[$0] < cleaned[$1] }
        let s = order.count
        let tail = Int((min(0.2 * Double(s), 3 * Double(s).squareRoot())).rounded(.up))
        guard tail >= ParetoKHat.minimumTail, s > tail else { return (cleaned, .nan) }
        let top = cleaned[order[s - 1]]
        let cutoff = exp(cleaned[order[s - tail - 1]] - top)
        let exceedances = order[(s - tail)...].map { exp(cleaned[$0] - top) - cutoff }
        // Equal tail weights (q is p there): nothing to smooth, k̂ = −∞ (`ParetoKHat.estimate`).
        if exceedances.allSatisfy({ $0 <= ParetoKHat.flatTail }) { return (cleaned, -.infinity) }
        let (k, sigma) = GeneralizedPareto.fit(sortedExceedances: exceedances)
        guard k.isFinite, sigma.isFinite, sigma > 0 else { return (cleaned, k) }
        var out = cleaned
        for z in 1...tail {
            let p = (Double(z) - 0.5) / Double(tail)
            let quantile = abs(k) < 1e-12 ? -sigma * log1p(-p) : sigma / k * (pow(1 - p, -k) - 1)
            // exp(top − top) = 1 is the largest raw weight on this scale: the truncation.
            out[order[s - tail - 1 + z]] = top + log(min(cutoff + quantile, 1))
        }
        return (out, k)
    }
}
