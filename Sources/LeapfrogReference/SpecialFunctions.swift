import RealModule

/// Special functions in Double: the Swift twins of `Kernels/special.cl`.
public enum SpecialFunctions {
    /// log Γ(x) for x > 0 (swift-numerics' implementation of the C library's lgamma).
    @inlinable public static func logGamma(_ x: Double) -> Double { Double.logGamma(x) }

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
        return acc + Double.log(x) - 0.5 / x - series
    }

    /// log(1 + eˣ) without overflow (softplus).
    @inlinable public static func log1pExp(_ x: Double) -> Double {
        x > 0 ? x + Double.log(onePlus: Double.exp(-x)) : Double.log(onePlus: Double.exp(x))
    }

    /// The logistic function 1 / (1 + e⁻ˣ), stable on both tails.
    @inlinable public static func invLogit(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + Double.exp(-x)) }
        let e = Double.exp(x)
        return e / (1 + e)
    }

    /// log σ(x) = −log1p_exp(−x).
    @inlinable public static func logInvLogit(_ x: Double) -> Double { -log1pExp(-x) }

    /// log Σ exp(xᵢ), shifted by the maximum; −∞ for an empty or all −∞ input.
    public static func logSumExp(_ xs: ArraySlice<Double>) -> Double {
        guard let m = xs.max(), m.isFinite else { return xs.max() ?? -.infinity }
        var s = 0.0
        for x in xs { s += Double.exp(x - m) }
        return m + Double.log(s)
    }

    /// log C(n, k) = log Γ(n+1) − log Γ(k+1) − log Γ(n−k+1).
    @inlinable public static func logChoose(_ n: Double, _ k: Double) -> Double {
        logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1)
    }
}
