import LeapfrogCore

/// What a diagonal metric is estimated from at a warmup window's end.
///
/// - `variance`: the window's draws only, M⁻¹ᵢᵢ = Var(xᵢ) (Stan's `diag_e` adaptation).
/// - `fisher`: the draws and the gradients of the log density at them,
///   M⁻¹ᵢᵢ = √(Var(xᵢ) / Var(∂ᵢ log p(x))), nutpie's default (nuts-rs `use_grad_based_estimate`;
///   Seyboldt, Carlson & Carpenter, "Preconditioning Hamiltonian Monte Carlo by minimizing Fisher
///   divergence"). Write the metric as the map x = μ + σ ⊙ z, M⁻¹ = diag(σ²). The sample Fisher
///   divergence between the target seen in z and a standard normal is, per coordinate,
///   F(σ, μ) = mean over draws of (σ gᵢ + (xᵢ − μᵢ)/σᵢ)², g = ∇ log p(x). Its minimum over μ is
///   σ² Var(gᵢ) + 2 Cov(gᵢ, xᵢ) + Var(xᵢ)/σ², and over σ it is at σᵢ⁴ = Var(xᵢ)/Var(gᵢ). For a
///   Gaussian, Var(gᵢ) = 1/sᵢ² when the coordinates are independent, and both estimators give sᵢ².
///   They part where the marginal scale and the local one differ: on a curved or multimodal
///   posterior (a neural network's) Var(x) measures the marginal spread, while the gradients see
///   the curvature a leapfrog step has to resolve. Measured (docs/benchmarks.md, "The Fisher
///   metric estimate"): on the BNN with ChEES over 1,024 chains it mixed the noise precision 2.5×
///   better (more on every seed of eight) for about the same lp ESS, and on posteriordb's blr it
///   made 2–4× the ESS per gradient; on eight schools (a funnel) and kilpisjarvi (a long ridge) it
///   mixed worse, so `variance` stays the default.
///
/// With `fisher` the window's estimators hold 2d coordinates per chain, the positions then the
/// gradients (`momentDimension`), so every path that combines window moments (chains pooled,
/// shards joined, the device's accumulations) carries both without knowing which is which.
/// Both are regularised as Stan regularises the variance: (n/(n+5))·v + 1e-3·5/(n+5).
public enum MetricEstimator: String, Sendable, Hashable, CaseIterable {
    case variance, fisher

    /// The window moments keep the gradients too.
    public var keepsGradients: Bool { self == .fisher }

    /// Coordinates of a window estimate for `d` parameters: d, or 2d (positions, then gradients).
    public func momentDimension(_ d: Int) -> Int { keepsGradients ? 2 * d : d }

    /// The regularised diagonal of M⁻¹ from one window estimate of `momentDimension(d)`
    /// coordinates. A coordinate whose gradient did not vary over the window (a ratio that is
    /// not finite and positive) falls back to its variance.
    public func inverseMetricDiagonal(_ e: WelfordEstimator, dimension d: Int) -> [Double] {
        precondition(!e.dense && e.dimension == momentDimension(d),
                     "MetricEstimator.inverseMetricDiagonal: an estimate of \(e.dimension) coordinates for d = \(d)")
        let variance = e.sampleVariance
        let raw: [Double]
        switch self {
        case .variance: raw = variance
        case .fisher:
            raw = (0..<d).map { i in
                let ratio = (variance[i] / variance[d + i]).squareRoot()
                return ratio.isFinite && ratio > 0 ? ratio : variance[i]
            }
        }
        return WelfordEstimator.regularise(raw, count: e.count)
    }
}
