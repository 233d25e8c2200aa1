#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The digamma function and the regularised incomplete gamma functions, on the log scale with
/// their derivatives, in Double: the twins of `Kernels/special.cl`'s `lf_digamma` and
/// `lf_log_gamma_pq` (the CPU reference's `log_gamma_p`/`log_gamma_q` nodes, and the host's
/// `gamma_p`, `gamma_q` and the gamma-family CDFs).
public enum GammaFunction {
    /// ψ(x) = d/dx log Γ(x) for x > 0: the recurrence ψ(x) = ψ(x+1) − 1/x lifts x to ≥ 10, then the
    /// asymptotic series ψ(x) ≈ ln x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ) (Abramowitz & Stegun 6.3.18),
    /// truncated after x⁻¹⁰; the first omitted term, (691/32760)·x⁻¹², is below 3e-14 for x ≥ 10.
    public static func digamma(_ x: Double) -> Double {
        guard x.isFinite else { return x == .infinity ? .infinity : .nan }
        guard x > 0 else { return .nan }
        var x = x
        var acc = 0.0
        while x < 10 { acc -= 1 / x; x += 1 }
        let r = 1 / (x * x)
        let series = r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r * (1.0 / 132)))))
        return acc + log(x) - 0.5 / x - series
    }

    /// A value with its derivatives with respect to the shape a and the argument x.
    public struct Derivatives: Sendable, Equatable {
        public var value: Double
        public var da: Double
        public var dx: Double
    }

    /// log(1 − eᵘ) for u ≤ 0: log(−expm1(u)) near 0, log1p(−eᵘ) below −log 2 (where 1 − eᵘ
    /// rounds away the digits of a tiny eᵘ; Mächler 2012, "Accurately computing log(1 − exp(−|a|))").
    public static func log1mExp(_ u: Double) -> Double { u > -0.693_147_180_559_945_3 ? log(-expm1(u)) : log1p(-exp(u)) }

    /// The most terms of the series or the continued fraction: enough for a up to 10⁷ near the
    /// region boundary x = a + 1, where both need O(√a) terms.
    public static let maximumTerms = 100_000

    /// log P(a, x) (`complement` false) or log Q(a, x) = log(1 − P(a, x)), P(a, x) = γ(a, x)/Γ(a)
    /// the regularised lower incomplete gamma function, for a > 0 and x ≥ 0, with derivatives.
    ///
    /// Below x = a + 1 (Numerical Recipes §6.2's split), the series
    /// P = xᵃ e⁻ˣ / Γ(a + 1) · Σₙ tₙ, tₙ = xⁿ / ((a + 1)…(a + n)), gives log P directly; above it,
    /// the continued fraction Q = xᵃ e⁻ˣ / Γ(a) · 1/(b₁ + a₂/(b₂ + a₃/(b₃ + …))), bₙ = x + 2n − 1 − a,
    /// aₙ = −(n − 1)(n − 1 − a), evaluated by the modified Lentz method, gives log Q directly; the
    /// other is log(1 − e^(that)), well conditioned as each side keeps the other above ~0.3. So
    /// both logs are accurate far into their tails (a censored survival time's log Q at 10⁻³⁰⁰).
    ///
    /// d/da by differentiating the sum or the Lentz recurrence alongside it (forward mode):
    /// d log P/da = log x − ψ(a + 1) + Σ dtₙ/Σ tₙ, dtₙ = tₙ₋₁'s derivative·r − tₙ/(a + n);
    /// d log Q/da = log x − ψ(a) − d log G/da for the fraction's G. d/dx = ±xᵃ⁻¹e⁻ˣ/Γ(a) over P
    /// (or Q). At x = 0: log P = −∞, log Q = 0. NaN for a ≤ 0, x < 0 or NaN.
    public static func logRegularized(_ a: Double, _ x: Double, complement: Bool) -> Derivatives {
        guard a > 0, x >= 0, a.isFinite else { return Derivatives(value: .nan, da: .nan, dx: .nan) }
        if x == 0 {
            return complement ? Derivatives(value: 0, da: 0, dx: a == 1 ? -1 : (a < 1 ? -.infinity : 0))
                : Derivatives(value: -.infinity, da: 0, dx: .infinity)
        }
        if x == .infinity {
            return complement ? Derivatives(value: -.infinity, da: 0, dx: 0) : Derivatives(value: 0, da: 0, dx: 0)
        }
        let logX = log(x)
        var logP: Double, dlogP: Double, logQ: Double, dlogQ: Double
        if x < a + 1 {
            var term = 1.0, dterm = 0.0, sum = 1.0, dsum = 0.0
            var n = 1.0
            while n < Double(maximumTerms) {
                let r = x / (a + n)
                dterm = r * (dterm - term / (a + n))
                term *= r
                sum += term
                dsum += dterm
                // Until the derivative's sum has converged too (it lags the value's).
                if term < sum * Double.ulpOfOne && abs(dterm) <= (abs(dsum) + sum) * Double.ulpOfOne { break }
                n += 1
            }
            logP = a * logX - x - lgamma(a + 1) + log(sum)
            dlogP = logX - digamma(a + 1) + dsum / sum
            logQ = log1mExp(logP)
            dlogQ = -exp(logP - logQ) * dlogP
        } else {
            let tiny = 1e-300
            var b = x + 1 - a
            var f = b, dlogF = -1 / b
            var c = b, dc = -1.0
            var d = 0.0, dd = 0.0
            var n = 2.0
            while n < Double(maximumTerms) {
                let an = -(n - 1) * (n - 1 - a), dan = n - 1
                b += 2
                // D ← 1/(b + aₙ D), C ← b + aₙ/C, with their derivatives (db/da = −1).
                var dRaw = b + an * d
                let dRawDerivative = -1 + dan * d + an * dd
                if abs(dRaw) < tiny { dRaw = tiny }
                d = 1 / dRaw
                dd = -dRawDerivative * d * d
                let cPrevious = c
                c = b + an / cPrevious
                dc = -1 + dan / cPrevious - an * dc / (cPrevious * cPrevious)
                if abs(c) < tiny { c = tiny }
                let delta = c * d
                f *= delta
                let dlogDelta = dc / c + dd / d
                dlogF += dlogDelta
                if abs(delta - 1) < Double.ulpOfOne && abs(dlogDelta) <= max(abs(dlogF), 1) * Double.ulpOfOne { break }
                n += 1
            }
            logQ = a * logX - x - lgamma(a) - log(f)
            dlogQ = logX - digamma(a) - dlogF
            logP = log1mExp(logQ)
            dlogP = -exp(logQ - logP) * dlogQ
        }
        // xᵃ⁻¹ e⁻ˣ / Γ(a), over P or Q.
        let logDensity = (a - 1) * logX - x - lgamma(a)
        return complement ? Derivatives(value: logQ, da: dlogQ, dx: -exp(logDensity - logQ))
            : Derivatives(value: logP, da: dlogP, dx: exp(logDensity - logP))
    }
}
