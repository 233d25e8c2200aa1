import RealModule
import LeapfrogCore

/// Special functions in Double: the Swift twins of `Kernels/special.cl`.
public enum SpecialFunctions {
    /// log Γ(x) for x > 0 (swift-numerics' implementation of the C library's lgamma).
    @inlinable public static func logGamma(_ x: Double) -> Double { Double.logGamma(x) }

    /// ψ(x) = d/dx log Γ(x) for x > 0 (`GammaFunction.digamma`).
    @inlinable public static func digamma(_ x: Double) -> Double { GammaFunction.digamma(x) }

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
