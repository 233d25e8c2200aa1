#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The regularized incomplete beta function I_x(a, b) and its inverse in x.
///
/// Needed for the MCSE of a quantile, which ArviZ takes from `scipy.stats.beta.ppf`.
///
/// I_x(a, b) = x^a (1−x)^b / (a B(a, b)) · CF, with the continued fraction CF evaluated by the
/// modified Lentz method, using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) when
/// x > (a+1)/(a+b+2) so that it converges in O(√max(a, b)) terms (Press, Teukolsky, Vetterling
/// & Flannery, *Numerical Recipes*, 3rd ed., §6.4, eqs. 6.4.5–6.4.6; Lentz 1976).
/// The prefactor uses `lgamma`, whose cancellation for large a, b (≈10⁶) limits the relative
/// accuracy to about 1e-9 there; near machine precision for moderate a, b.
///
/// The inverse is Newton's method on I_x(a, b) − p, safeguarded by bisection on a bracket.
/// The MCSE only uses it through ⌊·⌋/⌈·⌉ of `ppf × size`, so this accuracy is ample.
enum IncompleteBeta {
    /// Lentz's tiny number, to avoid division by zero in the continued fraction.
    static let tiny = 1e-300
    /// Relative convergence tolerance of the continued fraction.
    static let epsilon = 1e-16
    static let maxTerms = 1_000_000

    /// log B(a, b) = lgamma(a) + lgamma(b) − lgamma(a + b).
    static func logBeta(_ a: Double, _ b: Double) -> Double { lgamma(a) + lgamma(b) - lgamma(a + b) }

    /// I_x(a, b) for a, b > 0.
    static func regularized(x: Double, a: Double, b: Double) -> Double {
        guard a > 0, b > 0, !x.isNaN else { return .nan }
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = a * log(x) + b * log1p(-x) - logBeta(a, b)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(x: x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * continuedFraction(x: 1 - x, a: b, b: a) / b
    }

    /// Numerical Recipes eq. 6.4.5 continued fraction, modified Lentz evaluation.
    static func continuedFraction(x: Double, a: Double, b: Double) -> Double {
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...maxTerms {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return h
    }

    /// The x with I_x(a, b) = p (`scipy.stats.beta.ppf(p, a, b)`); NaN for invalid arguments.
    static func inverse(p: Double, a: Double, b: Double) -> Double {
        guard a > 0, b > 0, p >= 0, p <= 1, a.isFinite, b.isFinite else { return .nan }
        if p == 0 { return 0 }
        if p == 1 { return 1 }
        let logB = logBeta(a, b)
        // Start at the mean, clamped into the open interval.
        var x = min(max(a / (a + b), 1e-300), 1 - 1e-16)
        var lo = 0.0, hi = 1.0
        for _ in 0..<200 {
            let fx = regularized(x: x, a: a, b: b) - p
            if fx == 0 { return x }
            if fx < 0 { lo = x } else { hi = x }
            let logPdf = (a - 1) * log(x) + (b - 1) * log1p(-x) - logB
            var next = x - fx / exp(logPdf)
            if !(next > lo && next < hi) { next = 0.5 * (lo + hi) }
            if abs(next - x) <= 1e-15 * x || hi - lo <= 1e-15 * hi { return next }
            x = next
        }
        return x
    }
}
