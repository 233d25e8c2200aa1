#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The modified Bessel function of the first kind of order 0 on the log scale, log I₀(x), and
/// its derivative I₁(x)/I₀(x), in Double: the twin of `Kernels/special.cl`'s `lf_log_bessel_i0`
/// and `lf_bessel_i1_over_i0` (the graph's `log_bessel_i0` node: Stan's
/// `log_modified_bessel_first_kind(0, x)` and the von Mises density's normaliser).
///
/// Below `switchPoint` the power series (Abramowitz & Stegun 9.6.10)
/// I₀(x) = Σₖ (x²/4)ᵏ/(k!)², I₁(x) = (x/2) Σₖ (x²/4)ᵏ/(k!(k+1)!), `seriesTerms` terms (the
/// 60th is below 10⁻⁵⁰ of the sum at x = 20); from it on, Hankel's asymptotic expansion (A&S
/// 9.7.1) Iᵥ(x) ≈ eˣ/√(2πx) Σₖ (−1)ᵏ aₖ(ν)/xᵏ, aₖ(ν) = Πⱼ₌₁..ₖ (4ν² − (2j − 1)²)/(k! 8ᵏ),
/// `asymptoticTerms` terms (the 20th below 10⁻²⁰ at x = 20, far before the series diverges near
/// k = 8x). I₀ is even and I₁ odd: log I₀(x) = log I₀(|x|), the ratio takes x's sign.
public enum BesselFunction {
    public static let switchPoint = 20.0
    public static let seriesTerms = 60
    public static let asymptoticTerms = 20

    /// log I₀(x).
    public static func logI0(_ x: Double) -> Double {
        let ax = abs(x)
        if ax.isNaN { return .nan }
        if ax < switchPoint {
            let q = 0.25 * ax * ax
            var term = 1.0, sum = 1.0
            for k in 1...seriesTerms {
                term *= q / Double(k * k)
                sum += term
            }
            return log(sum)
        }
        var a = 1.0, sum = 1.0
        for k in 1...asymptoticTerms {
            a *= Double((2 * k - 1) * (2 * k - 1)) / (8 * Double(k) * ax)
            sum += a
        }
        return ax - 0.5 * log(2 * Double.pi * ax) + log(sum)
    }

    /// I₁(x)/I₀(x) = d/dx log I₀(x).
    public static func ratioI1I0(_ x: Double) -> Double {
        let ax = abs(x)
        if ax.isNaN { return .nan }
        let ratio: Double
        if ax < switchPoint {
            let q = 0.25 * ax * ax
            var t0 = 1.0, s0 = 1.0, t1 = 1.0, s1 = 1.0
            for k in 1...seriesTerms {
                t0 *= q / Double(k * k)
                t1 *= q / Double(k * (k + 1))
                s0 += t0
                s1 += t1
            }
            ratio = 0.5 * ax * s1 / s0
        } else {
            var a = 1.0, s0 = 1.0, b = 1.0, s1 = 1.0
            for k in 1...asymptoticTerms {
                let odd = Double((2 * k - 1) * (2 * k - 1))
                a *= odd / (8 * Double(k) * ax)
                b *= (odd - 4) / (8 * Double(k) * ax)
                s0 += a
                s1 += b
            }
            ratio = s1 / s0
        }
        return x < 0 ? -ratio : ratio
    }
}
