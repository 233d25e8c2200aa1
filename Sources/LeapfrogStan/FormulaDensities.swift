import LeapfrogCore
import LeapfrogModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a density formula computes with: the graph's expressions (lowered into the model, where
/// the CPU reference and the OpenCL kernels differentiate them) and Doubles (generated quantities
/// run on the host), so each formula is written once.
protocol FormulaArithmetic {
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func / (a: Self, b: Self) -> Self
    static func + (a: Self, b: Double) -> Self
    static func - (a: Self, b: Double) -> Self
    static func * (a: Self, b: Double) -> Self
    static func * (a: Double, b: Self) -> Self
    static func / (a: Double, b: Self) -> Self
    static func - (a: Double, b: Self) -> Self
    static prefix func - (x: Self) -> Self
    func log() -> Self
    func exp() -> Self
    func log1p() -> Self
    func log1pExp() -> Self
    func lgamma() -> Self
    func square() -> Self
    func pow(_ exponent: Self) -> Self
    func expm1() -> Self
    func logInvLogit() -> Self
    /// log Φ(x), the standard normal's log distribution function.
    func logPhi() -> Self
    /// max(x, 0), with derivative 0 at 0.
    func relu() -> Self
    /// log P(a, x), or log Q(a, x) (`complement`), of the regularised incomplete gamma function
    /// with a = self (`GammaFunction.logRegularized`; the graph's `log_gamma_p`/`log_gamma_q`).
    func logRegularizedGamma(_ x: Self, complement: Bool) -> Self
    /// log I_x(a, b), or log(1 − I_x(a, b)) (`complement`), of the regularised incomplete beta
    /// function with a = self (`BetaFunction.logRegularized`; the graph's `log_inc_beta`).
    func logIncompleteBeta(_ b: Self, _ x: Self, complement: Bool) -> Self
    /// `a` where self > 0, else `b` (the graph's `select`: the derivative to the branch taken).
    func selecting(_ a: Self, _ b: Self) -> Self
    func atan() -> Self
    func cos() -> Self
    /// log I₀(x), the modified Bessel function of the first kind of order 0 (`BesselFunction`).
    func logBesselI0() -> Self
    /// The constant `value` in the same arithmetic (for an Expr, in its graph).
    func constant(_ value: Double) -> Self
}

extension Expr: FormulaArithmetic {
    func atan() -> Expr { apply(.atan) }
    func logBesselI0() -> Expr { apply(.logBesselI0) }
    func selecting(_ a: Expr, _ b: Expr) -> Expr { choosing(a, b, inclusive: false) }
}

extension Double: FormulaArithmetic {
    func log() -> Double { Libm.log(self) }
    func exp() -> Double { Libm.exp(self) }
    func log1p() -> Double { Libm.log1p(self) }
    /// log(1 + eˣ) without overflow.
    func log1pExp() -> Double { self > 0 ? self + Libm.log1p(Libm.exp(-self)) : Libm.log1p(Libm.exp(self)) }
    func lgamma() -> Double { Libm.lgamma(self) }
    func square() -> Double { self * self }
    func pow(_ exponent: Double) -> Double { Libm.pow(self, exponent) }
    func expm1() -> Double { Libm.expm1(self) }
    func logInvLogit() -> Double { -(-self).log1pExp() }
    func logPhi() -> Double { NormalDistributionFunction.logPhi(self) }
    func relu() -> Double { Swift.max(self, 0) }
    func logRegularizedGamma(_ x: Double, complement: Bool) -> Double { GammaFunction.logRegularized(self, x, complement: complement).value }
    func logIncompleteBeta(_ b: Double, _ x: Double, complement: Bool) -> Double { BetaFunction.logRegularized(self, b, x, complement: complement).value }
    func selecting(_ a: Double, _ b: Double) -> Double { self > 0 ? a : b }
    func atan() -> Double { Libm.atan(self) }
    func cos() -> Double { Libm.cos(self) }
    func logBesselI0() -> Double { BesselFunction.logI0(self) }
    func constant(_ value: Double) -> Double { value }
}

/// The C library's functions by name, where `Double`'s methods above would shadow them.
private enum Libm {
    static func log(_ x: Double) -> Double { logOf(x) }
    static func exp(_ x: Double) -> Double { expOf(x) }
    static func log1p(_ x: Double) -> Double { log1pOf(x) }
    static func lgamma(_ x: Double) -> Double { lgammaOf(x) }
    static func pow(_ x: Double, _ y: Double) -> Double { powOf(x, y) }
    static func expm1(_ x: Double) -> Double { expm1Of(x) }
    static func atan(_ x: Double) -> Double { atanOf(x) }
    static func cos(_ x: Double) -> Double { cosOf(x) }
}

private let logOf: (Double) -> Double = log
private let expOf: (Double) -> Double = exp
private let atanOf: (Double) -> Double = atan
private let cosOf: (Double) -> Double = cos
private let log1pOf: (Double) -> Double = log1p
private let lgammaOf: (Double) -> Double = lgamma
private let powOf: (Double, Double) -> Double = pow
private let expm1Of: (Double) -> Double = expm1

/// The log densities of the Stan families the graph has no node for, element by element, with
/// their normalising constants (the Stan Functions Reference's formulas; SciPy's values in
/// `FormulaDensityTests`), and the graph's own elementwise families one element at a time (a log
/// density stored per row). `Lowering.formulaFamilies` lists the first with their arguments.
enum FormulaDensities {
    /// log 2.
    static let log2 = 0.693_147_180_559_945_309_42

    /// `family`'s log density of `y` given its arguments `p` (Stan's order).
    static func logDensity<T: FormulaArithmetic>(_ family: String, _ y: T, _ p: [T]) -> T {
        switch family {
        case "bernoulli":
            // y ∈ {0, 1}: log θ or log(1 − θ), written log((1 − y) + (2y − 1)θ) so that the datum
            // selects without a 0 · log 0: finite, with derivative (2y − 1)/q, at θ = 1 when y = 1.
            return ((1.0 - y) + (2.0 * y - 1.0) * p[0]).log()
        case "neg_binomial_2_log":
            return negativeBinomial2(y, logMean: p[0], phi: p[1])
        case "neg_binomial_2":
            return negativeBinomial2(y, logMean: p[0].log(), phi: p[1])
        case "neg_binomial":
            // lgamma(y + α) − lgamma(y + 1) − lgamma(α) + α log(β / (1 + β)) − y log(1 + β).
            let (a, b) = (p[0], p[1])
            return (y + a).lgamma() - (y + 1.0).lgamma() - a.lgamma() + a * (b.log() - b.log1p()) - y * b.log1p()
        case "beta_binomial":
            // log C(N, y) + log B(y + α, N − y + β) − log B(α, β).
            let (n, a, b) = (p[0], p[1], p[2])
            return logChoose(n, y) + logBeta(y + a, n - y + b) - logBeta(a, b)
        case "von_mises":
            // κ cos(y − μ) − log 2π − log I₀(κ) (Stan Functions Reference, "Von Mises distribution").
            let (mu, kappa) = (p[0], p[1])
            return kappa * (y - mu).cos() - 1.8378770664093454836 - kappa.logBesselI0()
        case "discrete_range":
            // Uniform over lower…upper (the outcome's support checked when the data are read).
            return -(p[1] - p[0] + 1.0).log() + 0.0 * y
        case "beta_neg_binomial":
            // The negative binomial's failures before the r-th success with p ~ Beta(α, β):
            // lgamma(y + r) − lgamma(y + 1) − lgamma(r) + log B(α + r, β + y) − log B(α, β).
            let (r, a, b) = (p[0], p[1], p[2])
            return (y + r).lgamma() - (y + 1.0).lgamma() - r.lgamma() + logBeta(a + r, b + y) - logBeta(a, b)
        case "logistic":
            // z = (y − μ)/σ: −z − log σ − 2 log(1 + e^(−z)).
            let z = (y - p[0]) / p[1]
            return -z - p[1].log() - 2.0 * (-z).log1pExp()
        case "gumbel":
            // z = (y − μ)/β: −log β − z − e^(−z).
            let z = (y - p[0]) / p[1]
            return -p[1].log() - z - (-z).exp()
        case "weibull":
            // log α − log σ + (α − 1)(log y − log σ) − (y/σ)^α.
            let (a, s) = (p[0], p[1])
            return a.log() - s.log() + (a - 1.0) * (y.log() - s.log()) - (y / s).pow(a)
        case "frechet":
            // log α − log σ − (1 + α)(log y − log σ) − (y/σ)^(−α).
            let (a, s) = (p[0], p[1])
            return a.log() - s.log() - (a + 1.0) * (y.log() - s.log()) - (s / y).pow(a)
        case "rayleigh":
            // log y − 2 log σ − y² / (2σ²).
            return y.log() - 2.0 * p[0].log() - y.square() / (2.0 * p[0].square())
        case "pareto":
            // log α + α log y_min − (α + 1) log y, for y ≥ y_min.
            return p[1].log() + p[1] * p[0].log() - (p[1] + 1.0) * y.log()
        case "double_exponential":
            // The Laplace density: −log 2 − log σ − |y − μ|/σ.
            return -log2 - p[1].log() - absolute(y - p[0]) / p[1]
        case "chi_square":
            // (ν/2 − 1) log y − y/2 − (ν/2) log 2 − lgamma(ν/2).
            let h = p[0] * 0.5
            return (h - 1.0) * y.log() - 0.5 * y - h * log2 - h.lgamma()
        case "inv_chi_square":
            // −(ν/2) log 2 − lgamma(ν/2) − (ν/2 + 1) log y − 1/(2y).
            let h = p[0] * 0.5
            return -(h * log2) - h.lgamma() - (h + 1.0) * y.log() - 0.5 / y
        case "skew_normal":
            // z = (y − ξ)/ω: log 2 − log ω − z²/2 − ½ log 2π + log Φ(αz).
            let z = (y - p[0]) / p[1]
            return log2 - p[1].log() - 0.5 * z.square() - halfLog2Pi + (p[2] * z).logPhi()
        case "exp_mod_normal":
            // A normal(μ, σ) plus an exponential(λ): log λ + λ(μ + λσ²/2 − y) + log Φ((y − μ)/σ − λσ).
            let (mu, sigma, lambda) = (p[0], p[1], p[2])
            return lambda.log() + lambda * (mu + 0.5 * lambda * sigma.square() - y) + ((y - mu) / sigma - lambda * sigma).logPhi()
        case "beta_proportion":
            // beta(μκ, (1 − μ)κ).
            let (a, b) = (p[0] * p[1], (1.0 - p[0]) * p[1])
            return (a - 1.0) * y.log() + (b - 1.0) * (-y).log1p() - logBeta(a, b)
        case "loglogistic":
            // Scale α, shape β: log β − log α + (β − 1)(log y − log α) − 2 log(1 + (y/α)^β).
            let (a, b) = (p[0], p[1])
            let t = y.log() - a.log()
            return b.log() - a.log() + (b - 1.0) * t - 2.0 * (b * t).log1pExp()
        case "skew_double_exponential":
            // log 2 + log τ + log(1 − τ) − log σ − (2/σ)((1 − τ)·relu(μ − y) + τ·relu(y − μ)).
            let (mu, sigma, tau) = (p[0], p[1], p[2])
            let below: T = (1.0 - tau) * (mu - y).relu()
            let spread: T = below + tau * (y - mu).relu()
            let constant: T = tau.log() + (-tau).log1p() - sigma.log()
            return constant + log2 - 2.0 * spread / sigma
        case "scaled_inv_chi_square":
            // (ν/2) log(ν/2) − lgamma(ν/2) + ν log s − (ν/2 + 1) log y − ν s² / (2y).
            let h = p[0] * 0.5
            return h * h.log() - h.lgamma() + p[0] * p[1].log() - (h + 1.0) * y.log() - h * p[1].square() / y
        default:
            preconditionFailure("FormulaDensities: no formula for '\(family)'")
        }
    }

    /// ½ log 2π and log π.
    static let halfLog2Pi = 0.918_938_533_204_672_741_78, logPi = 1.144_729_885_849_400_174_14

    /// The graph's own elementwise families, one element's log density with its constants (the
    /// formulas of `DistributionMath.elementwise`, which the graph's summing density nodes use);
    /// nil for uniform, whose value depends on the support, and the multivariate families.
    static func elementwise<T: FormulaArithmetic>(_ family: Distribution, _ y: T, _ p: [T]) -> T? {
        switch family {
        case .normal:
            let z = (y - p[0]) / p[1]
            return -0.5 * z.square() - p[1].log() - halfLog2Pi
        case .cauchy:
            let z = (y - p[0]) / p[1]
            return -logPi - p[1].log() - z.square().log1p()
        case .studentT:
            let (nu, z) = (p[0], (y - p[1]) / p[2])
            let constant: T = ((nu + 1.0) * 0.5).lgamma() - (nu * 0.5).lgamma() - 0.5 * nu.log() - 0.5 * logPi
            return constant - p[2].log() - (nu + 1.0) * 0.5 * (z.square() / nu).log1p()
        case .exponential:
            return p[0].log() - p[0] * y
        case .gamma:
            let shape: T = p[0] * p[1].log() - p[0].lgamma()
            return shape + (p[0] - 1.0) * y.log() - p[1] * y
        case .inverseGamma:
            let shape: T = p[0] * p[1].log() - p[0].lgamma()
            return shape - (p[0] + 1.0) * y.log() - p[1] / y
        case .logNormal:
            let ly = y.log()
            let z = (ly - p[0]) / p[1]
            return -0.5 * z.square() - p[1].log() - halfLog2Pi - ly
        case .beta:
            let kernel: T = (p[0] - 1.0) * y.log() + (p[1] - 1.0) * (-y).log1p()
            return kernel - logBeta(p[0], p[1])
        case .bernoulliLogit:
            return y * p[0] - p[0].log1pExp()
        case .binomialLogit:
            let n = p[0]
            return logChoose(n, y) + y * p[1] - n * p[1].log1pExp()
        case .poissonLog:
            return y * p[0] - p[0].exp() - (y + 1.0).lgamma()
        default:
            return nil
        }
    }

    /// The families with a log distribution function here: Stan's name → its arguments after
    /// the outcome (`_lcdf`, `_lccdf`, `_cdf` calls and truncation `T[L, U]`).
    static let cdfFamilies: [String: Int] = [
        "normal": 2, "std_normal": 0, "lognormal": 2, "logistic": 2, "exponential": 1, "gumbel": 2, "weibull": 2,
        "rayleigh": 1, "frechet": 2, "pareto": 2, "double_exponential": 2,
        "gamma": 2, "inv_gamma": 2, "chi_square": 1, "inv_chi_square": 1, "scaled_inv_chi_square": 2,
        "beta": 2, "beta_proportion": 2, "student_t": 3, "cauchy": 2, "loglogistic": 2, "exp_mod_normal": 3,
    ]

    /// The suffixes of Stan's distribution-function calls.
    static let cdfSuffixes = ["_lcdf", "_lccdf", "_cdf"]

    /// `normal_lccdf` → ("normal", "_lccdf"); nil for a name that is no distribution-function call.
    static func cdfCall(_ name: String) -> (family: String, suffix: String)? {
        guard let suffix = cdfSuffixes.first(where: { name.hasSuffix($0) }) else { return nil }
        return (String(name.dropLast(suffix.count)), suffix)
    }

    /// log F(y) (`complement`: log(1 − F(y))) of `family` given its arguments `p` (Stan's order),
    /// element by element: through log Φ for the normal families, the log inverse logit for the
    /// logistic and the log-logistic (of β log(y/α)), and −t with log(1 − e^(−t)) = log(−expm1(−t)) for the families whose
    /// complementary CDF is e^(−t) (exponential, Gumbel's CDF, Weibull, Rayleigh, Fréchet's CDF,
    /// Pareto); the gamma family's through the regularised incomplete gamma function P(a, x) and
    /// its complement Q, each on the log scale: gamma(α, β) F = P(α, βy); inverse gamma
    /// F = Q(α, β/y); chi-square P(ν/2, y/2); inverse chi-square Q(ν/2, 1/(2y)); scaled inverse
    /// chi-square Q(ν/2, νs²/(2y)); the beta's through the regularised incomplete beta function,
    /// F = I_y(α, β) (beta_proportion: α = μκ, β = (1 − μ)κ), and the Student t's, with
    /// t = (y − μ)/σ and x = ν/(ν + t²), F = ½ I_x(ν/2, ½) below μ and 1 − ½ I_x(ν/2, ½) above (each
    /// side's log directly; `select` between them). Cauchy: F = atan(−1/z)/π below μ (no
    /// cancellation in the far tail) and ½ + atan(z)/π above. Exponentially modified normal
    /// (Stan's `exp_mod_normal_lcdf`): F = Φ(z) − e^v with z = (y − μ)/σ and
    /// v = λ(λσ²/2 − (y − μ)) + log Φ(z − λσ), so log F = log Φ(z) + log(1 − e^(v − log Φ(z))) and
    /// log F̄ = log(Φ(−z) + e^v), each term on the log scale.
    static func logCDF<T: FormulaArithmetic>(_ family: String, _ y: T, _ p: [T], complement: Bool) -> T? {
        switch family {
        case "beta", "beta_proportion":
            let (a, b) = family == "beta" ? (p[0], p[1]) : (p[0] * p[1], (1.0 - p[0]) * p[1])
            return a.logIncompleteBeta(b, y, complement: complement)
        case "student_t":
            let t: T = complement ? (p[1] - y) / p[2] : (y - p[1]) / p[2]
            let x: T = p[0] / (p[0] + t.square())
            let halfI: T = (0.5 * p[0]).logIncompleteBeta(y.constant(0.5), x, complement: false) - log2
            return t.selecting(log1mExp(halfI), halfI)
        case "cauchy":
            let z: T = complement ? (p[0] - y) / p[1] : (y - p[0]) / p[1]
            let below: T = ((-1.0 / z).atan() * (1 / Double.pi)).log()
            let above: T = (z.atan() * (1 / Double.pi) + 0.5).log()
            return (-z).selecting(below, above)
        case "exp_mod_normal":
            let (mu, sigma, lambda) = (p[0], p[1], p[2])
            let z: T = (y - mu) / sigma
            let v: T = lambda * (0.5 * lambda * sigma.square() - (y - mu)) + (z - lambda * sigma).logPhi()
            if complement {
                let a: T = (-z).logPhi()
                return a + (v - a).log1pExp()
            }
            let logPhiZ: T = z.logPhi()
            return logPhiZ + log1mExp(v - logPhiZ)
        case "gamma", "chi_square":
            let (a, x) = family == "gamma" ? (p[0], p[1] * y) : (0.5 * p[0], 0.5 * y)
            return a.logRegularizedGamma(x, complement: complement)
        case "inv_gamma", "inv_chi_square", "scaled_inv_chi_square":
            let x: T
            switch family {
            case "inv_gamma": x = p[1] / y
            case "inv_chi_square": x = 0.5 / y
            default: x = 0.5 * p[0] * p[1].square() / y
            }
            return (family == "inv_gamma" ? p[0] : 0.5 * p[0]).logRegularizedGamma(x, complement: !complement)
        case "normal", "std_normal", "lognormal":
            var z = family == "lognormal" ? y.log() : y
            if family != "std_normal" { z = (z - p[0]) / p[1] }
            return (complement ? -z : z).logPhi()
        case "logistic":
            let z = (y - p[0]) / p[1]
            return (complement ? -z : z).logInvLogit()
        case "loglogistic":
            // F = 1/(1 + (y/α)^(−β)): the logistic of β(log y − log α).
            let z: T = p[1] * (y.log() - p[0].log())
            return (complement ? -z : z).logInvLogit()
        case "exponential", "weibull", "rayleigh", "pareto":
            // F̄(y) = e^(−t).
            let t: T
            switch family {
            case "exponential": t = p[0] * y
            case "weibull": t = (y / p[1]).pow(p[0])
            case "rayleigh": t = y.square() / (2.0 * p[0].square())
            default: t = p[1] * (y.log() - p[0].log())
            }
            return complement ? -t : log1mExp(-t)
        case "double_exponential":
            // F = ½eᶻ below μ and 1 − ½e^(−z) above, z = (y − μ)/σ: with u = relu(z),
            // log F = −log 2 + z − u + log(2 − e^(−u)) (u = 0 below μ; z − u = 0 above). The
            // derivative is 1 − u′·(1 − e^(−u)/(2 − e^(−u))), whose second factor is 0 at u = 0,
            // so it is 1 at z = 0 whatever relu′(0) is. F̄(z) = F(−z).
            let difference: T = complement ? p[0] - y : y - p[0]
            let z: T = difference / p[1]
            let u: T = z.relu()
            let tail: T = (2.0 - (-u).exp()).log()
            return z - u + tail - log2
        case "gumbel", "frechet":
            // F(y) = e^(−t).
            let t = family == "gumbel" ? (-((y - p[0]) / p[1])).exp() : (p[1] / y).pow(p[0])
            return complement ? log1mExp(-t) : -t
        default:
            return nil
        }
    }

    /// The count families with a log distribution function here, by Stan's name → their
    /// arguments after the outcome (`poisson_lccdf(0 | lambda)`, a hurdle model's normaliser;
    /// censored counts `poisson_lcdf(y[n] | lambda)`; `y ~ poisson(lambda) T[1, ]`).
    static let discreteCDFFamilies: [String: Int] = [
        "poisson": 1, "poisson_log": 1, "neg_binomial": 2, "neg_binomial_2": 2, "neg_binomial_2_log": 2,
        "binomial": 2, "binomial_logit": 2,
    ]

    /// log P(Y ≤ k) (`complement`: log P(Y > k)) of the count family `family` at a constant
    /// count k (`countLogCDF`); below 0 the probability is 0: −∞, the complement 0.
    static func discreteLogCDF<T: FormulaArithmetic>(_ family: String, upTo k: Int, _ p: [T], complement: Bool) -> T {
        guard k >= 0 else { return p[0].constant(complement ? 0 : -.infinity) }
        return countLogCDF(family, p[0].constant(Double(k)), p, complement: complement)!
    }

    /// log P(Y ≤ k) (`complement`: log P(Y > k)) of a count family at a count k ≥ 0 (a constant
    /// or a value: censored counts), through the incomplete gamma and beta functions, each side's
    /// log directly: Poisson P(Y ≤ k) = Q(k + 1, λ) (λ = e^η for `poisson_log`); negative
    /// binomial I_p(φ, k + 1) with p = φ/(μ + φ) (`neg_binomial_2`, μ = e^η for `_log`) or
    /// β/(1 + β) with φ = α (`neg_binomial`); binomial I_{1−θ}(N − k, k + 1), 1 at k ≥ N (θ =
    /// logit⁻¹(α) for `binomial_logit`). nil for another family.
    static func countLogCDF<T: FormulaArithmetic>(_ family: String, _ k: T, _ p: [T], complement: Bool) -> T? {
        switch family {
        case "poisson": return (k + 1.0).logRegularizedGamma(p[0], complement: !complement)
        case "poisson_log": return (k + 1.0).logRegularizedGamma(p[0].exp(), complement: !complement)
        case "neg_binomial", "neg_binomial_2", "neg_binomial_2_log":
            let (phi, x): (T, T)
            switch family {
            case "neg_binomial": (phi, x) = (p[0], p[1] / (p[1] + 1.0))
            case "neg_binomial_2": (phi, x) = (p[1], p[1] / (p[0] + p[1]))
            default: (phi, x) = (p[1], (p[1].log() - p[0]).logInvLogit().exp())
            }
            return phi.logIncompleteBeta(k + 1.0, x, complement: complement)
        case "binomial", "binomial_logit":
            let x: T = family == "binomial" ? 1.0 - p[1] : (-p[1]).logInvLogit().exp()
            let a: T = p[0] - k
            // At k ≥ N the probability is 1 (its complement's log −∞, as log 0: the graph's
            // constants are finite); the other branch on a = 1 there, never NaN.
            let inside = a.selecting(a, a.constant(1)).logIncompleteBeta(k + 1.0, x, complement: complement)
            return a.selecting(inside, complement ? a.constant(0).log() : a.constant(0))
        default: return nil
        }
    }

    /// log Γ_D(a) = D(D − 1)/4 · log π + Σⱼ₌₁ᴰ log Γ(a + (1 − j)/2), the multivariate gamma
    /// function's log, for D ≥ 1 (`lmgamma`; `Lowering.logMultivariateGamma` for a dimension the
    /// data set).
    static func logMultivariateGamma<T: FormulaArithmetic>(_ a: T, dimension d: Int) -> T {
        var sum = a.lgamma()   // j = 1
        for j in stride(from: 2, through: d, by: 1) { sum = sum + (a + 0.5 * Double(1 - j)).lgamma() }
        return sum + Double(d * (d - 1)) * 0.25 * logPi
    }


    /// The negative binomial of mean e^η and precision φ: with L = log(e^η + φ) = log φ +
    /// log(1 + e^(η − log φ)), lgamma(y + φ) − lgamma(y + 1) − lgamma(φ) + y (η − L) + φ (log φ − L).
    static func negativeBinomial2<T: FormulaArithmetic>(_ y: T, logMean eta: T, phi: T) -> T {
        let logPhi = phi.log()
        let l = logPhi + (eta - logPhi).log1pExp()
        return (y + phi).lgamma() - (y + 1.0).lgamma() - phi.lgamma() + y * (eta - l) + phi * (logPhi - l)
    }

    /// log B(a, b) = lgamma(a) + lgamma(b) − lgamma(a + b).
    static func logBeta<T: FormulaArithmetic>(_ a: T, _ b: T) -> T { a.lgamma() + b.lgamma() - (a + b).lgamma() }

    /// log C(n, k) = lgamma(n + 1) − lgamma(k + 1) − lgamma(n − k + 1).
    static func logChoose<T: FormulaArithmetic>(_ n: T, _ k: T) -> T { (n + 1.0).lgamma() - (k + 1.0).lgamma() - (n - k + 1.0).lgamma() }

    /// |x| = relu(x) + relu(−x): derivative ±1, and 0 at 0 as Stan's `fabs`.
    static func absolute<T: FormulaArithmetic>(_ x: T) -> T { x.relu() + (-x).relu() }

    /// log(1 − eˣ) = log(−expm1(x)), for x < 0.
    static func log1mExp<T: FormulaArithmetic>(_ x: T) -> T { (-(x.expm1())).log() }

    /// log(eᵃ − eᵇ) = a + log(1 − e^(b − a)), for a > b.
    static func logDiffExp<T: FormulaArithmetic>(_ a: T, _ b: T) -> T { a + log1mExp(b - a) }
}
