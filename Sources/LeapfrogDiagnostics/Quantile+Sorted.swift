extension Quantile {
    /// The `prob` quantile of `x`, which must be sorted ascending: numpy's default
    /// (`method="linear"`, Hyndman & Fan type 7), as ``of(_:prob:)``. NaN for an empty `x` or
    /// `prob ∉ [0, 1]`.
    public static func of(sorted x: [Double], prob: Double) -> Double {
        linear(sorted: x, prob: prob)
    }

    /// Several quantiles of unsorted `x` (non-finite values dropped), sorting once.
    public static func of(_ x: [Double], probs: [Double]) -> [Double] {
        let sorted = x.filter(\.isFinite).sorted()
        return probs.map { linear(sorted: sorted, prob: $0) }
    }

    /// The median of the finite values of `x` (type 7: the midpoint of the middle two for an even
    /// count); NaN when none is finite.
    public static func median(_ x: [Double]) -> Double {
        of(x, probs: [0.5])[0]
    }
}
