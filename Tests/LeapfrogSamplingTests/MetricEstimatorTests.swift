import LeapfrogCore
import LeapfrogRandom
@testable import LeapfrogSampling
import Testing

/// `MetricEstimator`: the Fisher diagonal √(Var(x)/Var(g)) against its closed form on a Gaussian
/// drawn exactly, its fallback and regularisation, and the configurations it refuses.
struct MetricEstimatorTests {
    /// N(0, Σ) with Σ = [[4, 1.8, 0], [1.8, 1, 0], [0, 0, 0.25]] (correlation 0.9 between the first
    /// two coordinates), 20,000 exact draws split over 4 chains, gradients g = −Σ⁻¹x. Then
    /// Var(gᵢ) = (Σ⁻¹)ᵢᵢ, so the Fisher diagonal is √(Σᵢᵢ / (Σ⁻¹)ᵢᵢ) = Σᵢᵢ √(1 − ρ²) on the
    /// correlated pair (1.744 and 0.436, where the variances are 4 and 1) and Σ₃₃ = 0.25 on the
    /// independent coordinate, where both estimators agree. 5 % is about seven standard errors.
    @Test func theFisherDiagonalOfAGaussianIsItsClosedForm() {
        let sigma: [[Double]] = [[4, 1.8, 0], [1.8, 1, 0], [0, 0, 0.25]]
        let det = 4 * 1 - 1.8 * 1.8
        let precision: [[Double]] = [[1 / det, -1.8 / det, 0], [-1.8 / det, 4 / det, 0], [0, 0, 4]]
        // The Cholesky factor of Σ.
        let l11 = 2.0, l21 = 1.8 / l11, l22 = (1 - l21 * l21).squareRoot(), l33 = 0.5
        let chains = 4, perChain = 5_000, d = 3
        let random = PhiloxRandom(seed: 8)
        var estimates = Array(repeating: WelfordEstimator(dimension: 2 * d, dense: false), count: chains)
        for c in 0..<chains {
            for t in 0..<perChain {
                let z = (0..<d).map { random.normal(chain: c, iteration: t, purpose: .initialisation, index: $0) }
                let x = [l11 * z[0], l21 * z[0] + l22 * z[1], l33 * z[2]]
                let g = (0..<d).map { i in -(0..<d).reduce(0) { $0 + precision[i][$1] * x[$1] } }
                estimates[c].add(x + g)
            }
        }
        let pooled = WelfordEstimator.pooledWithin(estimates)
        let fisher = MetricEstimator.fisher.inverseMetricDiagonal(pooled, dimension: d)
        let variance = MetricEstimator.variance.inverseMetricDiagonal(pooled.coordinates(0..<d), dimension: d)
        for i in 0..<d {
            let expected = (sigma[i][i] / precision[i][i]).squareRoot()
            #expect(abs(fisher[i] / expected - 1) < 0.05, "coordinate \(i): \(fisher[i]) against \(expected)")
            #expect(abs(variance[i] / sigma[i][i] - 1) < 0.05, "coordinate \(i): variance \(variance[i]) against \(sigma[i][i])")
        }
        #expect(fisher[0] < 0.5 * variance[0] && fisher[1] < 0.5 * variance[1], "the correlated pair's local scale is smaller")
    }

    /// A gradient that never varied over the window leaves its coordinate's variance; both are
    /// regularised as Stan regularises the variance, (n/(n+5))·v + 1e-3·5/(n+5).
    @Test func aConstantGradientFallsBackToTheVarianceAndBothAreRegularised() {
        let n = 11.0, shrink = n / (n + 5), add = 1e-3 * 5 / (n + 5)
        let both = WelfordEstimator(count: Int(n), mean: [0, 0, 0, 0], m2: [20, 10, 5, 0])   // variances 2, 1, 0.5, 0
        let fisher = MetricEstimator.fisher.inverseMetricDiagonal(both, dimension: 2)
        #expect(abs(fisher[0] - (shrink * (2.0 / 0.5).squareRoot() + add)) < 1e-15)
        #expect(abs(fisher[1] - (shrink * 1 + add)) < 1e-15)
        let variance = MetricEstimator.variance.inverseMetricDiagonal(both.coordinates(0..<2), dimension: 2)
        #expect(variance == both.coordinates(0..<2).regularised)
        #expect(abs(variance[0] - (shrink * 2 + add)) < 1e-15)
        #expect(MetricEstimator.fisher.momentDimension(7) == 14 && MetricEstimator.variance.momentDimension(7) == 7)
    }

    /// The Fisher estimate is of a diagonal metric: a unit or dense one is refused by name.
    @Test(arguments: [MetricKind.unit, .dense])
    func aFisherEstimateNeedsADiagonalMetric(kind: MetricKind) {
        var config = SamplerConfiguration()
        config.metric = kind
        config.metricEstimator = .fisher
        #expect(throws: LeapfrogError.self) { try config.validate(dimension: 3) }
        do {
            try config.validate(dimension: 3)
        } catch {
            #expect("\(error)".contains("fisher") && "\(error)".contains(kind.rawValue), "\(error)")
        }
        config.metric = .diagonal
        #expect(throws: Never.self) { try config.validate(dimension: 3) }
    }
}
