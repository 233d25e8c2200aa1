/// A sample's mean and variance against a distribution's, within Monte-Carlo error: the mean
/// within `k` standard errors √(σ²/n), the sample variance s² within `k` standard errors of
/// Var(s²) = (μ₄ − σ⁴(n − 3)/(n − 1))/n, estimated from the sample's fourth central moment and
/// never below its normal-theory small-sample part 2σ⁴/(n(n − 1)) (a fair coin's m₄ equals σ⁴).
public struct SampleMoments: Sendable {
    public let count: Int
    public let mean: Double
    public let variance: Double
    public let allFinite: Bool
    /// Central fourth moment m₄ of the sample.
    let fourth: Double

    public init(_ xs: [Double]) {
        let n = Double(xs.count)
        count = xs.count
        allFinite = xs.allSatisfy { $0.isFinite }
        mean = xs.reduce(0, +) / n
        let m = mean
        let d2 = xs.map { ($0 - m) * ($0 - m) }
        variance = d2.reduce(0, +) / (n - 1)
        fourth = d2.map { $0 * $0 }.reduce(0, +) / n
    }

    public func meanStandardError(variance v: Double) -> Double { (v / Double(count)).squareRoot() }

    public func varianceStandardError(variance v: Double) -> Double {
        let n = Double(count)
        return max((fourth - variance * variance * (n - 3) / (n - 1)) / n, 2 * v * v / (n * (n - 1))).squareRoot()
    }

    /// Nil when the sample agrees with mean `mu` and variance `v` within `k` standard errors;
    /// otherwise what disagrees.
    public func disagreement(mean mu: Double, variance v: Double, k: Double = 5) -> String? {
        guard allFinite else { return "a draw is not finite" }
        let seMean = meanStandardError(variance: v), seVar = varianceStandardError(variance: v)
        var problems: [String] = []
        if !(abs(mean - mu) < k * seMean) { problems.append("mean \(mean), expected \(mu) ± \(seMean)") }
        if !(abs(variance - v) < k * seVar) { problems.append("variance \(variance), expected \(v) ± \(seVar)") }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }
}
