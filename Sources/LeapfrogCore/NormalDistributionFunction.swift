#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The standard normal distribution function Φ, its logarithm and density, in Double: the twins
/// of `Kernels/special.cl`'s `lf_phi`, `lf_log_phi`, `lf_normal_density` (the CPU reference's
/// `Phi`/`log_Phi` nodes, and the host's `Phi` and normal CDFs).
public enum NormalDistributionFunction {
    /// ½ log 2π.
    public static let halfLogTwoPi = 0.918_938_533_204_672_741_78

    /// Below this x, log Φ(x) is its asymptotic series: ½ erfc(−x/√2) underflows in f32 near −13
    /// and loses digits long before it does in f64; the series' first omitted term, 945/x¹⁰, is
    /// below 1e−10 from −20 on. `Kernels/special.cl`'s `LF_LOG_PHI_TAIL`.
    public static let logPhiTail = -20.0

    /// Φ(x) = ½ erfc(−x/√2).
    public static func phi(_ x: Double) -> Double { 0.5 * erfc(-x * 0.5.squareRoot()) }

    /// φ(x) = e^(−x²/2)/√(2π).
    public static func density(_ x: Double) -> Double { exp(-0.5 * x * x - halfLogTwoPi) }

    /// log Φ(x): log(½ erfc(−x/√2)) above `logPhiTail`; below it the asymptotic expansion
    /// log Φ(x) = −x²/2 − log(−x) − ½ log 2π + log(1 − 1/x² + 3/x⁴ − 15/x⁶ + 105/x⁸ − …)
    /// (Abramowitz & Stegun 26.2.12).
    public static func logPhi(_ x: Double) -> Double {
        guard x < logPhiTail else { return log(phi(x)) }
        let r = 1 / (x * x)
        return -0.5 * x * x - log(-x) - halfLogTwoPi + log1p(r * (-1 + r * (3 + r * (-15 + r * 105))))
    }

    /// Φ⁻¹(p), p in [0, 1]: Abramowitz & Stegun 26.2.23's rational approximation on the lower half
    /// (|ε| < 4.5e−4), q = min(p, 1 − p), t = √(−2 log q), then three Halley steps on Φ(x) − q,
    /// x ← x − u/(1 + xu/2) with u = (Φ(x) − q)/φ(x) (cubic convergence: past f64's rounding after
    /// two), and the sign of p − ½. ∓∞ at p = 0 and 1, NaN outside [0, 1]. `Kernels/special.cl`'s
    /// `lf_inv_phi` is its twin.
    public static func inversePhi(_ p: Double) -> Double {
        guard p >= 0, p <= 1 else { return .nan }
        let q = min(p, 1 - p)
        guard q > 0 else { return p < 0.5 ? -.infinity : .infinity }
        let t = (-2 * log(q)).squareRoot()
        var x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))))
        for _ in 0..<3 {
            let u = (phi(x) - q) * exp(0.5 * x * x + halfLogTwoPi)
            x -= u / (1 + 0.5 * x * u)
        }
        return p > 0.5 ? -x : x
    }

    /// d log Φ(x)/dx = φ(x)/Φ(x) = exp(log φ(x) − log Φ(x)), given log Φ(x).
    public static func inverseMillsRatio(_ x: Double, logPhi: Double) -> Double { exp(-0.5 * x * x - halfLogTwoPi - logPhi) }
}
