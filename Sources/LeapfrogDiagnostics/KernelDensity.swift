#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Gaussian kernel density estimate on an evenly spaced grid:
/// f̂(x) = 1/(n h) Σᵢ φ((x − xᵢ)/h), φ the standard normal density.
///
/// Bandwidths (σ̂ the sample standard deviation with n − 1, IQR the interquartile range):
/// - ``Bandwidth/silverman``: h = 0.9 · min(σ̂, IQR/1.34) · n^(−1/5), Silverman's rule of thumb
///   (Silverman 1986, *Density Estimation for Statistics and Data Analysis*, eq. 3.31), robust
///   to heavy tails and a good default for unimodal densities;
/// - ``Bandwidth/scott``: h = σ̂ · n^(−1/5), Scott's rule as `scipy.stats.gaussian_kde` uses it
///   in one dimension (Scott 1992, *Multivariate Density Estimation*, §6.2.3);
/// - ``Bandwidth/fixed(_:)``.
///
/// The grid runs from min − `cut`·h to max + `cut`·h. With n · points ≤ 4·10⁶ every kernel is
/// summed exactly; above that the draws are first linearly binned onto the grid (each draw's
/// weight split between its two neighbouring grid points) and the bin weights convolved with the
/// kernel truncated at 5h (Wand & Jones 1995, *Kernel Smoothing*, App. D; error O(δ²) in the
/// grid spacing δ), so a million draws cost O(n + points · 5h/δ).
public struct KernelDensity: Sendable, Hashable {
    public enum Bandwidth: Sendable, Hashable {
        case silverman, scott
        case fixed(Double)
    }

    /// Evaluation points, ascending and evenly spaced.
    public var grid: [Double]
    /// f̂ at each grid point.
    public var density: [Double]
    /// The bandwidth h used.
    public var bandwidth: Double

    /// The estimate for `draws` (non-finite ones dropped). Fewer than one finite draw gives
    /// an empty grid; draws that are all equal (σ̂ = 0) use h = 10⁻³ · max(1, |x|), a spike.
    public init(_ draws: [Double], bandwidth: Bandwidth = .silverman, points: Int = 200, cut: Double = 3) {
        let x = draws.filter(\.isFinite).sorted()
        let n = x.count
        guard n > 0, points >= 2 else {
            self.grid = []
            self.density = []
            self.bandwidth = .nan
            return
        }
        var h: Double
        switch bandwidth {
        case .fixed(let value): h = value
        case .scott: h = Self.scott(sorted: x)
        case .silverman: h = Self.silverman(sorted: x)
        }
        if !(h > 0) || !h.isFinite { h = 1e-3 * max(1, abs(x[n / 2])) }
        self.bandwidth = h
        let lo = x[0] - cut * h, hi = x[n - 1] + cut * h
        let delta = (hi - lo) / Double(points - 1)
        grid = (0..<points).map { lo + Double($0) * delta }
        let norm = 1 / (Double(n) * h * (2 * Double.pi).squareRoot())
        if n * points <= 4_000_000 {
            density = grid.map { g in
                var s = 0.0
                for xi in x {
                    let u = (g - xi) / h
                    s += exp(-0.5 * u * u)
                }
                return s * norm
            }
        } else {
            var weights = [Double](repeating: 0, count: points)
            for xi in x {
                let t = (xi - lo) / delta
                let j = min(max(Int(t.rounded(.down)), 0), points - 2)
                let f = t - Double(j)
                weights[j] += 1 - f
                weights[j + 1] += f
            }
            let reach = min(Int((5 * h / delta).rounded(.up)), points - 1)
            let kernel = (0...reach).map { k -> Double in
                let u = Double(k) * delta / h
                return exp(-0.5 * u * u)
            }
            density = (0..<points).map { i in
                var s = 0.0
                for j in max(0, i - reach)...min(points - 1, i + reach) where weights[j] != 0 {
                    s += weights[j] * kernel[abs(i - j)]
                }
                return s * norm
            }
        }
    }

    /// Silverman's h for ascending finite `x`: 0.9 · min(σ̂, IQR/1.34) · n^(−1/5) (σ̂ alone if the IQR is 0).
    public static func silverman(sorted x: [Double]) -> Double {
        let n = x.count
        guard n >= 2 else { return .nan }
        let sd = variance(x, ddof: 1).squareRoot()
        let iqr = Quantile.linear(sorted: x, prob: 0.75) - Quantile.linear(sorted: x, prob: 0.25)
        let spread = iqr > 0 ? min(sd, iqr / 1.34) : sd
        return 0.9 * spread * pow(Double(n), -0.2)
    }

    /// Scott's h for finite `x` (any order): σ̂ · n^(−1/5).
    public static func scott(sorted x: [Double]) -> Double {
        guard x.count >= 2 else { return .nan }
        return variance(x, ddof: 1).squareRoot() * pow(Double(x.count), -0.2)
    }
}
