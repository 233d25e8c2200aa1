#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The regularised incomplete beta function on the log scale with its derivatives, in Double:
/// the twin of `Kernels/special.cl`'s `lf_log_inc_beta` (the CPU reference's `log_inc_beta`/
/// `log_inc_beta_c` nodes, and the host's beta, Student t, binomial and negative binomial
/// distribution functions).
public enum BetaFunction {
    /// A value with its derivatives with respect to a, b and x.
    public struct Derivatives: Sendable, Equatable {
        public var value: Double
        public var da: Double
        public var db: Double
        public var dx: Double
    }

    /// log I_x(a, b) (`complement` false) or log(1 − I_x(a, b)), I_x(a, b) = B(x; a, b)/B(a, b)
    /// the regularised incomplete beta function, for a, b > 0 and 0 ≤ x ≤ 1, with derivatives.
    ///
    /// Below x = (a + 1)/(a + b + 2) the continued fraction (Numerical Recipes §6.4)
    /// I_x(a, b) = xᵃ(1 − x)ᵇ / (a B(a, b)) · 1/(1 + d₁/(1 + d₂/(1 + …))), with
    /// d₂ₘ₊₁ = −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1)) and d₂ₘ = m(b − m)x / ((a + 2m − 1)(a + 2m)),
    /// evaluated by the modified Lentz method, gives log I directly; above it, the symmetry
    /// I_x(a, b) = 1 − I₁₋ₓ(b, a) gives log(1 − I) directly, and the other is log(1 − e^(that))
    /// (`GammaFunction.log1mExp`). d/da and d/db by differentiating the Lentz recurrence
    /// alongside (forward mode, two streams), with ∂ log B(a, b)/∂a = ψ(a) − ψ(a + b); d/dx =
    /// ±x^(a−1)(1 − x)^(b−1)/B(a, b) over I (or 1 − I). At x = 0 and 1 the limits; NaN outside
    /// the domain.
    public static func logRegularized(_ a: Double, _ b: Double, _ x: Double, complement: Bool) -> Derivatives {
        guard a > 0, b > 0, a.isFinite, b.isFinite, x >= 0, x <= 1 else { return Derivatives(value: .nan, da: .nan, db: .nan, dx: .nan) }
        if x == 0 || x == 1 {
            let zero = (x == 0) != complement  // I = 0 at x = 0, 1 − I = 0 at x = 1
            return Derivatives(value: zero ? -.infinity : 0, da: 0, db: 0, dx: zero ? .infinity * (complement ? -1 : 1) : 0)
        }
        let logB = lgamma(a) + lgamma(b) - lgamma(a + b)
        let logDensity = (a - 1) * log(x) + (b - 1) * log1p(-x) - logB
        var out: Derivatives
        if x < (a + 1) / (a + b + 2) {
            let (logI, dA, dB) = fraction(a, b, x, logB: logB)
            let log1mI = GammaFunction.log1mExp(logI)
            let ratio = -exp(logI - log1mI)  // d log(1 − I) = −I/(1 − I) d log I
            out = complement ? Derivatives(value: log1mI, da: ratio * dA, db: ratio * dB, dx: -exp(logDensity - log1mI))
                : Derivatives(value: logI, da: dA, db: dB, dx: exp(logDensity - logI))
        } else {
            // log(1 − I_x(a, b)) = log I₁₋ₓ(b, a): its derivatives in (b, a) swapped.
            let (logJ, dJb, dJa) = fraction(b, a, 1 - x, logB: logB)
            let logI = GammaFunction.log1mExp(logJ)
            let ratio = -exp(logJ - logI)
            out = complement ? Derivatives(value: logJ, da: dJa, db: dJb, dx: -exp(logDensity - logJ))
                : Derivatives(value: logI, da: ratio * dJa, db: ratio * dJb, dx: exp(logDensity - logI))
        }
        return out
    }

    /// log I_x(a, b) by the continued fraction, with its derivatives in a and b; `logB` is
    /// log B(a, b) (symmetric, so the caller's for either order).
    static func fraction(_ a: Double, _ b: Double, _ x: Double, logB: Double) -> (value: Double, da: Double, db: Double) {
        let tiny = 1e-300, eps = Double.ulpOfOne
        // D₀ = 1/(1 − (a + b)x/(a + 1)), C₀ = 1, h = D₀.
        var dRaw = 1 - (a + b) * x / (a + 1)
        var dRawA = -x * (1 - b) / ((a + 1) * (a + 1)), dRawB = -x / (a + 1)
        if abs(dRaw) < tiny { dRaw = tiny }
        var d = 1 / dRaw
        var dA = -dRawA * d * d, dB = -dRawB * d * d
        var c = 1.0, cA = 0.0, cB = 0.0
        var logH = log(d), logHA = dA / d, logHB = dB / d
        var m = 1.0
        while m < Double(GammaFunction.maximumTerms) {
            for odd in [false, true] {
                // The coefficient and its derivatives.
                let coefficient: Double, coefficientA: Double, coefficientB: Double
                if odd {
                    coefficient = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
                    coefficientA = coefficient * (1 / (a + m) + 1 / (a + b + m) - 1 / (a + 2 * m) - 1 / (a + 2 * m + 1))
                    coefficientB = coefficient / (a + b + m)
                } else {
                    coefficient = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
                    coefficientA = -coefficient * (1 / (a + 2 * m - 1) + 1 / (a + 2 * m))
                    coefficientB = m * x / ((a + 2 * m - 1) * (a + 2 * m))
                }
                dRaw = 1 + coefficient * d
                dRawA = coefficientA * d + coefficient * dA
                dRawB = coefficientB * d + coefficient * dB
                if abs(dRaw) < tiny { dRaw = tiny }
                d = 1 / dRaw
                dA = -dRawA * d * d
                dB = -dRawB * d * d
                let cPrevious = c
                c = 1 + coefficient / cPrevious
                cA = coefficientA / cPrevious - coefficient * cA / (cPrevious * cPrevious)
                cB = coefficientB / cPrevious - coefficient * cB / (cPrevious * cPrevious)
                if abs(c) < tiny { c = tiny }
                let delta = c * d
                logH += log(delta)
                let (stepA, stepB) = (dA / d + cA / c, dB / d + cB / c)
                logHA += stepA
                logHB += stepB
                if odd, abs(delta - 1) < eps, abs(stepA) <= max(abs(logHA), 1) * eps, abs(stepB) <= max(abs(logHB), 1) * eps {
                    m = .infinity
                    break
                }
            }
            m += 1
        }
        let psiAB = GammaFunction.digamma(a + b)
        let value = a * log(x) + b * log1p(-x) - logB - log(a) + logH
        return (value, log(x) - (GammaFunction.digamma(a) - psiAB) - 1 / a + logHA, log1p(-x) - (GammaFunction.digamma(b) - psiAB) + logHB)
    }
}
