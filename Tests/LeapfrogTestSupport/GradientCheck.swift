import LeapfrogData
import LeapfrogModel
import LeapfrogReference

/// Central finite differences of the reference log density, for checking analytic gradients.
public enum GradientCheck {
    /// Step 1e-5·max(1, |uᵢ|): the truncation error O(h²) and the rounding error O(ε/h) are both
    /// near 1e-10 relative for smooth densities of moderate curvature.
    public static func finiteDifference(_ model: ReferenceModel, at u: [Double]) -> [Double] {
        (0..<u.count).map { k in
            let h = 1e-5 * max(1, abs(u[k]))
            var up = u, down = u
            up[k] += h
            down[k] -= h
            return (model.logDensity(up) - model.logDensity(down)) / (2 * h)
        }
    }

    /// The largest |AD − FD| / max(1, |FD|) over all components.
    public static func worstRelativeError(_ model: ReferenceModel, at u: [Double]) -> Double {
        let (_, ad) = model.logDensityAndGradient(u)
        let fd = finiteDifference(model, at: u)
        return zip(ad, fd).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    }

    /// Tolerance for `worstRelativeError` used throughout the tests (see `finiteDifference`).
    public static let tolerance = 1e-6
}

/// A small deterministic generator for test points (SplitMix64; not the sampler's RNG).
public struct TestRandom {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    public mutating func uniform(_ lo: Double = -1, _ hi: Double = 1) -> Double {
        lo + (hi - lo) * Double(next() >> 11) * 0x1p-53
    }
    public mutating func vector(_ n: Int, _ lo: Double = -1, _ hi: Double = 1) -> [Double] {
        (0..<n).map { _ in uniform(lo, hi) }
    }
}
