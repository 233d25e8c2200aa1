/// The highest-density interval of draws: the shortest interval that holds a given share of
/// them (Chen & Shao 1999, "Monte Carlo estimation of Bayesian credible and HPD intervals",
/// *J. Comput. Graph. Stat.* 8(1); as ArviZ's `az.hdi` for unimodal draws).
///
/// With the n finite draws sorted, m = ⌊prob · n⌋, the candidates are [x₍ᵢ₎, x₍ᵢ₊ₘ₎] for
/// i = 0 … n − m − 1 (0-based); the shortest wins, the first on ties. For a unimodal density it
/// estimates the interval where the density is above a level; for a multimodal one it is still
/// the shortest single interval, not the union of intervals a highest-density region can be.
public struct HighestDensityInterval: Sendable, Hashable {
    public var lower: Double
    public var upper: Double

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    /// The `prob` HDI of `draws` (non-finite draws dropped); NaN bounds when fewer than two
    /// finite draws remain or `prob ∉ (0, 1)`.
    public init(_ draws: [Double], prob: Double = 0.9) {
        self.init(sorted: draws.filter(\.isFinite).sorted(), prob: prob)
    }

    /// As ``init(_:prob:)`` for draws already sorted ascending and finite.
    public init(sorted x: [Double], prob: Double) {
        let n = x.count
        let m = Int((prob * Double(n)).rounded(.down))
        guard n >= 2, prob > 0, prob < 1, m >= 1, m < n else {
            self.init(lower: .nan, upper: .nan)
            return
        }
        var best = 0
        var width = Double.infinity
        for i in 0..<(n - m) where x[i + m] - x[i] < width {
            width = x[i + m] - x[i]
            best = i
        }
        self.init(lower: x[best], upper: x[best + m])
    }

    public var width: Double { upper - lower }
}
