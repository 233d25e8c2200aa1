#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Pareto k̂ diagnostic of importance ratios: does the fitted q cover p? (Yao, Vehtari,
/// Simpson & Gelman, "Yes, but did it work?: evaluating variational inference", ICML 2018.)
///
/// Given log ratios rₛ = log p(θₛ) − log q(θₛ) for S draws θₛ ~ q, PSIS (Vehtari, Simpson,
/// Gelman, Yao & Gabry, "Pareto smoothed importance sampling", JMLR 25, 2024) fits a generalized
/// Pareto distribution to the largest M = ⌈min(S/5, 3√S)⌉ ratios, as exceedances over the
/// (M+1)-th largest; its shape k̂ says how heavy the ratios' right tail is. k̂ < 0.5: fine;
/// k̂ < 0.7: usable; above 0.7 (`warningThreshold`) the importance ratios have too heavy a tail
/// and q is not to be trusted as an approximation of p.
public enum ParetoKHat {
    /// Yao et al. 2018, §3; Vehtari et al. 2024, §3.2.4 (the threshold for S large).
    public static let warningThreshold = 0.7
    /// Fewer tail draws than this give no fit (k̂ is NaN).
    public static let minimumTail = 5

    /// Tail weights that differ from the cutoff's by at most this, relative to the largest weight,
    /// are equal: log p − log q where q is p differs between draws by rounding only (about 1e−15
    /// for log densities of order 1), here with a margin of 10⁵ for larger ones.
    public static let flatTail = 1e-10

    /// The warning for a fit whose k̂ is NaN: too few finite draws to fit the tail.
    public static let notEstimated = "Pareto k̂ could not be estimated (fewer than \(minimumTail) of the finite importance "
        + "ratios in the tail): whether the approximation covers the posterior is unknown; use more --draws"

    /// k̂ of the log ratios (non-finite ratios are −∞ weight and dropped; +∞ makes k̂ = +∞).
    /// Ratios equal over the whole tail (q is p up to a constant there: a Gaussian posterior
    /// fitted exactly; the tail's weights within `flatTail` of each other, relative to the
    /// largest) have no tail to fit: k̂ = −∞, the limit of ever lighter tails. A tail that fewer
    /// than `minimumTail` draws dominate (the others' weights 10⁻¹⁰ of the largest or less, as
    /// when q lies far from p) is +∞. Too few draws to fit give NaN.
    public static func estimate(logRatios: [Double]) -> Double {
        if logRatios.contains(where: { $0 == .infinity || $0.isNaN }) { return .infinity }
        let r = logRatios.filter(\.isFinite).sorted()
        let s = r.count
        let tail = Int((min(0.2 * Double(s), 3 * Double(s).squareRoot())).rounded(.up))
        guard tail >= minimumTail, s > tail else { return .nan }
        let top = r[s - 1]
        let cutoff = exp(r[s - tail - 1] - top)
        let exceedances = r[(s - tail)...].map { exp($0 - top) - cutoff }
        if exceedances.allSatisfy({ $0 <= flatTail }) { return -.infinity }
        // A tail where fewer than `minimumTail` draws carry weight above the cutoff's (the rest
        // are 10⁻¹⁰ of the largest or less) is dominated by a handful of draws: importance
        // sampling has an effective sample size of a few, the heaviest tail there is.
        if exceedances.filter({ $0 > flatTail }).count < minimumTail { return .infinity }
        return GeneralizedPareto.fit(sortedExceedances: exceedances).shape
    }
}

/// The generalized Pareto distribution's fit of Zhang & Stephens ("A new and efficient estimation
/// method for the generalized Pareto distribution", Technometrics 51, 2009), with the weakly
/// informative prior on the shape that PSIS adds (Vehtari et al. 2024, Appendix C).
///
/// For exceedances x₁ ≤ … ≤ xₙ of the distribution F(x) = 1 − (1 + kx/σ)^(−1/k), write b = −k/σ.
/// On a grid of m = 30 + ⌊√n⌋ values
///
///     bⱼ = 1/xₙ + (1 − √(m / (j − ½))) / (3·x_q),  j = 1…m,   x_q the first-quartile order statistic x_⌊n/4+½⌋,
///
/// the profile log-likelihood is ℓ(bⱼ) = n·(log(−bⱼ/kⱼ) − kⱼ − 1) with kⱼ = mean log(1 − bⱼxᵢ).
/// The posterior mean of b under those weights, b̂ = Σⱼ bⱼ wⱼ with wⱼ = 1 / Σₗ exp(ℓ(bₗ) − ℓ(bⱼ)),
/// gives k̂ = mean log(1 − b̂xᵢ), σ̂ = −k̂/b̂. The shape is then pulled towards ½ as if by 10 prior
/// observations: k̂ ← (n·k̂ + 10·½)/(n + 10).
public enum GeneralizedPareto {
    /// The prior's scale on the grid (Zhang & Stephens 2009, §4: 3).
    public static let gridPriorScale = 3.0
    /// Pseudo-observations of the shape prior, and its centre (Vehtari et al. 2024, App. C).
    public static let shapePriorWeight = 10.0
    public static let shapePriorCentre = 0.5

    /// (shape k, scale σ) for exceedances sorted ascending, all ≥ 0.
    public static func fit(sortedExceedances x: [Double]) -> (shape: Double, scale: Double) {
        let n = x.count
        guard n > 0, let largest = x.last, largest > 0 else { return (.nan, .nan) }
        let m = 30 + Int(Double(n).squareRoot())
        let quartile = x[max(0, Int(Double(n) / 4 + 0.5) - 1)]
        guard quartile > 0 else { return (.nan, .nan) }
        var b = [Double](repeating: 0, count: m)
        var profile = [Double](repeating: 0, count: m)
        for j in 0..<m {
            let bj = 1 / largest + (1 - (Double(m) / (Double(j + 1) - 0.5)).squareRoot()) / (gridPriorScale * quartile)
            var kj = 0.0
            for xi in x { kj += log1p(-bj * xi) }
            kj /= Double(n)
            b[j] = bj
            profile[j] = Double(n) * (log(-bj / kj) - kj - 1)
        }
        var bHat = 0.0
        for j in 0..<m {
            var denominator = 0.0
            for l in 0..<m { denominator += exp(profile[l] - profile[j]) }
            let w = 1 / denominator
            if w.isFinite { bHat += b[j] * w }
        }
        var k = 0.0
        for xi in x { k += log1p(-bHat * xi) }
        k /= Double(n)
        let sigma = -k / bHat
        let shrunk = (Double(n) * k + shapePriorWeight * shapePriorCentre) / (Double(n) + shapePriorWeight)
        return (shrunk, sigma)
    }
}
