import LeapfrogModel

/// Regression, hierarchical and Gaussian-process models.
public enum ClassicModels {
    /// y ~ Normal(α + X·β, σ); α, β ~ Normal(0, s); σ ~ HalfNormal(s). Data: `X` [N, D], `y` [N].
    public static func linearRegression(priorScale s: Double = 10) throws -> ModelGraph {
        try ModelBuilder.build("linear-regression") { m in
            let x = m.data("X", ["N", "D"]), y = m.data("y", ["N"])
            let alpha = m.parameter("alpha"), beta = m.parameter("beta", ["D"])
            let sigma = m.parameter("sigma", constraint: .positive)
            m.sample(alpha, .normal(0, s))
            m.sample(beta, .normal(0, s))
            m.sample(sigma, .halfNormal(s))
            m.sample(y, .normal(x.matmul(beta) + alpha, sigma), plate: "N")
        }
    }

    /// y ~ Bernoulli-logit(α + X·β); α, β ~ Normal(0, s). Data: `X` [N, D], `y` [N] integer 0/1
    /// (declared so: another label is refused at binding).
    public static func logisticRegression(priorScale s: Double = 2.5) throws -> ModelGraph {
        try ModelBuilder.build("logistic-regression") { m in
            let x = m.data("X", ["N", "D"]), y = m.data("y", ["N"], integer: true, bounds: .range(0, 1))
            let alpha = m.parameter("alpha"), beta = m.parameter("beta", ["D"])
            m.sample(alpha, .normal(0, s))
            m.sample(beta, .normal(0, s))
            m.sample(y, .bernoulliLogit(x.matmul(beta) + alpha), plate: "N")
        }
    }

    /// Eight schools (Rubin 1981; posteriordb `eight_schools_noncentered` / `_centered`):
    /// μ ~ Normal(0, 5), τ ~ HalfCauchy(5), y ~ Normal(θ, σ). Non-centred: θ̃ ~ Normal(0, 1),
    /// θ = μ + τ·θ̃ recorded as a derived quantity; centred: θ ~ Normal(μ, τ).
    /// Data: `J`, `y` [J], `sigma` [J] > 0 (posteriordb declares `real<lower=0> sigma[J]`; a
    /// standard error of 0 makes the normal density degenerate, so it is refused too).
    public static func eightSchools(centered: Bool = false) throws -> ModelGraph {
        try ModelBuilder.build(centered ? "eight-schools-centered" : "eight-schools") { m in
            let y = m.data("y", ["J"]), sigma = m.data("sigma", ["J"], bounds: .positive)
            let mu = m.parameter("mu")
            let tau = m.parameter("tau", constraint: .positive)
            m.sample(mu, .normal(0, 5))
            m.sample(tau, .halfCauchy(5))
            if centered {
                let theta = m.parameter("theta", ["J"])
                m.sample(theta, .normal(mu, tau))
                m.sample(y, .normal(theta, sigma), plate: "J")
            } else {
                let thetaTilde = m.parameter("theta_tilde", ["J"])
                m.sample(thetaTilde, .normal(0, 1))
                let theta = mu + tau * thetaTilde
                m.derive("theta", theta)
                m.sample(y, .normal(theta, sigma), plate: "J")
            }
        }
    }

    /// GP regression with an exponentiated-quadratic kernel (numpyro's `gp` example):
    /// K = var·exp(−(xᵢ − xⱼ)²/(2·length²)) + (noise + 1e-6)·I, y ~ MultiNormal(0, K) through
    /// its Cholesky factor; var, length, noise ~ LogNormal(0, `priorScale`) (10 in that example).
    /// Data: `x` [N], `y` [N]; optional `x_grid` [G] records the predictive mean `f_grid`
    /// = K*ᵀK⁻¹y.
    public static func gpRegression(priorScale s: Double = 10) throws -> ModelGraph {
        try ModelBuilder.build("gp-regression") { m in
            let x = m.data("x", ["N"]), y = m.data("y", ["N"])
            let variance = m.parameter("var", constraint: .positive)
            let length = m.parameter("length", constraint: .positive)
            let noise = m.parameter("noise", constraint: .positive)
            for p in [variance, length, noise] { m.sample(p, .logNormal(0, s)) }
            let amplitude = variance.sqrt()
            let k = Expr.expQuadCov(x, x, amplitude: amplitude, lengthScale: length).addDiagonal(noise + 1e-6)
            let l = k.cholesky()
            m.sample(y, .multiNormalCholesky(0, l))

            let grid = m.data("x_grid", ["G"], optional: true)
            let kStar = Expr.expQuadCov(x, grid, amplitude: amplitude, lengthScale: length)
            m.derive("f_grid", l.solveLower(kStar).transposed().matmul(l.solveLower(y)))
        }
    }

    /// A d-dimensional Gaussian with known moments, for testing samplers. `x` ~ Normal(`mu`, `sd`)
    /// elementwise (iid and ill-conditioned kinds; `sd` > 0) or MultiNormal(`mu`, `L`·`L`ᵀ) (correlated).
    public static func gaussian(correlated: Bool) throws -> ModelGraph {
        try ModelBuilder.build("gaussian") { m in
            let mu = m.data("mu", ["d"])
            let x = m.parameter("x", ["d"])
            if correlated {
                m.sample(x, .multiNormalCholesky(mu, m.data("L", ["d", "d"])))
            } else {
                m.sample(x, .normal(mu, m.data("sd", ["d"], bounds: .positive)))
            }
        }
    }
}
