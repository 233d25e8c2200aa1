#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exact samplers on a `PhiloxStream` (standard forms: location 0, scale or rate 1; callers
/// shift and scale). Each is a well-known method, named with its source; none is approximate
/// beyond the stream's 2⁻³² uniform spacing (so, e.g., an exponential variate is at most
/// 33 ln 2 ≈ 22.9).
extension PhiloxStream {
    /// Rates below this use Poisson inversion (expected cost about λ + 1 steps); larger rates are
    /// first reduced by gamma splitting. Chosen for cost only; both branches are exact.
    public static let poissonInversionLimit = 16.0
    /// Binomials with n·min(p, 1 − p) below this use inversion; larger ones are first reduced
    /// by beta splitting. Chosen for cost only; both branches are exact.
    public static let binomialInversionLimit = 16.0

    /// Exponential(1) by inversion: −ln u.
    public mutating func exponential() -> Double { -log(uniform()) }

    /// Standard Cauchy by inversion: tan(π(u − ½)).
    public mutating func cauchy() -> Double { tan(Double.pi * (uniform() - 0.5)) }

    /// Standard logistic by inversion: ln(u / (1 − u)).
    public mutating func logistic() -> Double {
        let u = uniform()
        return log(u / (1 - u))
    }

    /// Standard Laplace (double exponential) by inversion: with v = u − ½,
    /// −sign(v)·ln(1 − 2|v|).
    public mutating func laplace() -> Double {
        let v = uniform() - 0.5
        return v < 0 ? log1p(2 * v) : -log1p(-2 * v)
    }

    /// Gamma(α, rate 1) by Marsaglia & Tsang, "A simple method for generating gamma variables",
    /// ACM TOMS 26(3), 2000: for α ≥ 1, with d = α − ⅓, c = 1/√(9d), draw x ~ N(0, 1) and
    /// v = (1 + cx)³ (v > 0), accept dv when u < 1 − 0.0331x⁴ (the squeeze) or
    /// ln u < ½x² + d(1 − v + ln v). For α < 1 (their §6): Gamma(α + 1)·u^{1/α}.
    public mutating func gamma(shape alpha: Double) -> Double {
        if alpha < 1 { return exp(logGamma(shape: alpha)) }
        let d = alpha - 1.0 / 3.0, c = 1 / (9 * d).squareRoot()
        while true {
            var x = 0.0, v = 0.0
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = uniform()
            let x2 = x * x
            if u < 1 - 0.0331 * x2 * x2 { return d * v }
            if log(u) < 0.5 * x2 + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// ln of a Gamma(α, 1) variate, without underflow for small α: for α < 1,
    /// ln Gamma(α + 1) + (ln u)/α (Marsaglia & Tsang §6 on the log scale).
    public mutating func logGamma(shape alpha: Double) -> Double {
        if alpha >= 1 { return log(gamma(shape: alpha)) }
        let g = gamma(shape: alpha + 1)
        return log(g) + log(uniform()) / alpha
    }

    /// Beta(a, b) as X/(X + Y) with X ~ Gamma(a), Y ~ Gamma(b) (Devroye, "Non-Uniform Random
    /// Variate Generation", 1986, §IX.4.1), computed from the logs of X and Y so that small
    /// shapes do not give 0/0.
    public mutating func beta(_ a: Double, _ b: Double) -> Double {
        let lx = logGamma(shape: a), ly = logGamma(shape: b)
        let m = max(lx, ly)
        let x = exp(lx - m), y = exp(ly - m)
        return x / (x + y)
    }

    /// Poisson(λ). Rates of at least `poissonInversionLimit` are reduced by Ahrens & Dieter's
    /// gamma splitting (Knuth, TAOCP vol. 2, 3rd ed., §3.4.1 F): with m = ⌊7λ/8⌋ and
    /// X ~ Gamma(m) (the m-th arrival of a unit-rate Poisson process), the count is m + Poisson(λ − X)
    /// if X < λ, else Binomial(m − 1, λ/X). The rest by inversion (sequential search from 0,
    /// Devroye §X.3.3): one uniform, about λ + 1 steps.
    public mutating func poisson(_ lambda: Double) -> Int {
        var mean = lambda, count = 0
        while mean >= Self.poissonInversionLimit {
            let m = Int((7.0 / 8.0 * mean).rounded(.down))
            let x = gamma(shape: Double(m))
            if x >= mean { return count + binomial(m - 1, mean / x) }
            count += m
            mean -= x
        }
        guard mean > 0 else { return count }
        var p = exp(-mean), s = p, k = 0
        let u = uniform()
        while u > s && p > 0 {
            k += 1
            p *= mean / Double(k)
            s += p
        }
        return count + k
    }

    /// Binomial(n, p). By symmetry p ≤ ½ (n − Binomial(n, 1 − p)); when n·p is at least
    /// `binomialInversionLimit`, beta splitting (Knuth, TAOCP vol. 2, §3.4.1 F): with
    /// a = 1 + ⌊n/2⌋, b = n + 1 − a and Y ~ Beta(a, b) (the a-th smallest of n uniforms), the count
    /// is Binomial(a − 1, p/Y) if Y ≥ p, else a + Binomial(b − 1, (p − Y)/(1 − Y)). Small cases by
    /// inversion from 0 with f(k + 1) = f(k)·(p/q)·(n − k)/(k + 1), f(0) = qⁿ.
    public mutating func binomial(_ n: Int, _ p: Double) -> Int {
        if n <= 0 || p <= 0 { return 0 }
        if p >= 1 { return n }
        if p > 0.5 { return n - binomial(n, 1 - p) }
        if Double(n) * p < Self.binomialInversionLimit {
            let q = 1 - p, r = p / q
            var f = pow(q, Double(n)), s = f, k = 0
            let u = uniform()
            while u > s && k < n {
                f *= r * Double(n - k) / Double(k + 1)
                k += 1
                s += f
            }
            return k
        }
        let a = 1 + n / 2, b = n + 1 - a
        let y = beta(Double(a), Double(b))
        if y >= p { return binomial(a - 1, p / y) }
        return a + binomial(b - 1, (p - y) / (1 - y))
    }

    /// A category 1…K with probabilities proportional to `weights` (non-negative, positive sum),
    /// by inversion: the first k with u·Σw < w₁ + … + w_k.
    public mutating func categorical(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        let target = uniform() * total
        var s = 0.0
        for (k, w) in weights.enumerated() {
            s += w
            if target < s { return k + 1 }
        }
        return weights.lastIndex(where: { $0 > 0 }).map { $0 + 1 } ?? weights.count
    }
}
