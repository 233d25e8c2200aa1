/// Distribution families. Every log density keeps its normalising constants (as `target +=` in
/// Stan, and as SciPy's `logpdf`), so values can be checked against closed forms.
///
/// Elementwise families broadcast their outcome and parameters and sum the log densities.
/// Outcomes outside the support give −∞, never a trap.
public enum Distribution: String, Hashable, Sendable, Codable, CaseIterable {
    /// Normal(μ, σ).
    case normal
    /// Half-normal(σ) on y ≥ 0: 2·Normal(y | 0, σ).
    case halfNormal = "half_normal"
    /// Student-t(ν, μ, σ).
    case studentT = "student_t"
    /// Cauchy(μ, σ).
    case cauchy
    /// Half-Cauchy(σ) on y ≥ 0: 2·Cauchy(y | 0, σ).
    case halfCauchy = "half_cauchy"
    /// Exponential(λ), rate λ.
    case exponential
    /// Gamma(α, β), shape α and rate β.
    case gamma
    /// Inverse-gamma(α, β), shape α and scale β.
    case inverseGamma = "inverse_gamma"
    /// Log-normal(μ, σ).
    case logNormal = "lognormal"
    /// Beta(a, b).
    case beta
    /// Uniform(lower, upper).
    case uniform
    /// The improper flat density: log density 0 everywhere.
    case flat
    /// Bernoulli with logit-scale probability α; outcome integer 0/1.
    case bernoulliLogit = "bernoulli_logit"
    /// Binomial(n, logistic(α)); outcome integer, args (n, α) with n integer.
    case binomialLogit = "binomial_logit"
    /// Poisson with log rate α; outcome integer ≥ 0.
    case poissonLog = "poisson_log"
    /// Categorical over softmax(logits); outcome 1-based integer(s); logits [k] (one outcome or a
    /// vector sharing them) or [n,k] (one row per outcome).
    case categoricalLogit = "categorical_logit"
    /// Multivariate normal with mean μ ([n] or scalar) and lower Cholesky factor L [n,n] of the
    /// covariance; outcome [n] or [m,n] (m independent rows).
    case multiNormalCholesky = "multi_normal_cholesky"

    /// The parameters after the outcome, by name.
    public var parameterNames: [String] {
        switch self {
        case .normal, .cauchy, .logNormal: return ["mu", "sigma"]
        case .halfNormal, .halfCauchy: return ["sigma"]
        case .studentT: return ["nu", "mu", "sigma"]
        case .exponential: return ["rate"]
        case .gamma: return ["shape", "rate"]
        case .inverseGamma: return ["shape", "scale"]
        case .beta: return ["a", "b"]
        case .uniform: return ["lower", "upper"]
        case .flat: return []
        case .bernoulliLogit, .poissonLog: return ["alpha"]
        case .binomialLogit: return ["trials", "alpha"]
        case .categoricalLogit: return ["logits"]
        case .multiNormalCholesky: return ["mu", "L"]
        }
    }

    /// Families whose outcome is integer data.
    public var isDiscrete: Bool {
        switch self {
        case .bernoulliLogit, .binomialLogit, .poissonLog, .categoricalLogit: return true
        default: return false
        }
    }

    /// Families evaluated element by element with broadcasting.
    public var isElementwise: Bool {
        self != .categoricalLogit && self != .multiNormalCholesky
    }
}
