import LeapfrogCore
import LeapfrogData
import LeapfrogRandom
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stan's `_rng` functions in generated quantities on the host, drawn from the draw's Philox
/// stream (`HostRandom`, `PhiloxStream+Variates` for the samplers and their sources).
///
/// Univariate ones take scalars or, as Stan's vectorised forms, vectors and arrays (every
/// container the same size, scalars broadcast) and then return an array of that size. Arguments
/// are checked as Stan checks them (`normal_rng`'s scale positive and finite, a probability in
/// [0, 1], …): a bad one stops the run with the call's `file:line:column` and the argument, where
/// Stan's sampler would stop with an exception.
///
/// - normal(μ, σ) = μ + σz; lognormal = exp(normal); cauchy(μ, σ) = μ + σ·tan(π(u − ½));
///   student_t(ν, μ, σ) = μ + σz/√(χ²_ν/ν) with χ²_ν = 2·Gamma(ν/2); double_exponential, logistic
///   by inversion; exponential(β) = Exp(1)/β; gamma(α, β) = Gamma(α)/β (β a rate);
///   inv_gamma(α, β) = β/Gamma(α); chi_square(ν) = 2·Gamma(ν/2); inv_chi_square(ν) = 1/χ²_ν;
///   weibull(α, σ) = σ·Exp(1)^{1/α}; beta(a, b); uniform(a, b) = a + (b − a)u
/// - bernoulli(θ) = [u < θ]; bernoulli_logit(α) with θ = logit⁻¹(α); binomial(N, θ),
///   binomial_logit(N, α); poisson(λ), poisson_log(α) with λ = e^α (λ < 2³⁰, Stan's limit);
///   neg_binomial_2(μ, φ) = Poisson(Gamma(φ)·μ/φ); neg_binomial_2_log(η, φ) with μ = e^η;
///   neg_binomial(α, β) = Poisson(Gamma(α)/β)
/// - categorical(θ), categorical_logit(β) (θ = softmax β); multinomial(θ, N),
///   multinomial_logit(γ, N) as successive binomials; dirichlet(α) = normalised Gamma(αₖ);
///   multi_normal(μ, Σ) = μ + Lz with Σ = LLᵀ (Cholesky), multi_normal_cholesky(μ, L) = μ + Lz
extension HostInterpreter {
    /// What an argument of an `_rng` function must be (Stan's checks).
    enum ArgumentCheck {
        case finite, positiveFinite, nonNegative, probability, openUnit, count, anyValue

        func violated(by x: Double, integer: Bool) -> String? {
            switch self {
            case .finite: return x.isFinite ? nil : "finite"
            case .positiveFinite: return x.isFinite && x > 0 ? nil : "positive and finite"
            case .nonNegative: return x >= 0 && !x.isNaN ? nil : "non-negative"
            case .probability: return x >= 0 && x <= 1 ? nil : "in [0, 1]"
            case .openUnit: return x > 0 && x < 1 ? nil : "in (0, 1)"
            case .count: return integer && x >= 0 ? nil : "a non-negative integer"
            case .anyValue: return x.isNaN ? "a number (not NaN)" : nil
            }
        }
    }

    /// A univariate `_rng` function: its parameters (name and check), whether it draws integers,
    /// and the draw from one set of scalar arguments (nil message) or why the arguments are bad.
    struct RandomFunction {
        let parameters: [(name: String, check: ArgumentCheck)]
        let integer: Bool
        let draw: (inout PhiloxStream, [Double]) -> Result<Double, RandomArgumentError>
    }

    struct RandomArgumentError: Error { let message: String }

    /// Stan's largest Poisson rate for poisson_rng (`POISSON_MAX_RATE` = 2³⁰ in Stan Math).
    static let poissonMaxRate = 1_073_741_824.0

    private static func real(_ f: @escaping (inout PhiloxStream, [Double]) -> Double) -> (inout PhiloxStream, [Double]) -> Result<Double, RandomArgumentError> {
        { s, a in .success(f(&s, a)) }
    }

    private static func poissonCount(_ s: inout PhiloxStream, _ rate: Double, _ what: String) -> Result<Double, RandomArgumentError> {
        guard rate < poissonMaxRate else { return .failure(RandomArgumentError(message: "\(what) is \(HostInterpreter.format(rate)), but must be below 2^30 (Stan's limit)")) }
        return .success(Double(s.poisson(rate)))
    }

    static let randomFunctions: [String: RandomFunction] = {
        let location = ("location", ArgumentCheck.finite), scale = ("scale", ArgumentCheck.positiveFinite)
        let shape = ("shape", ArgumentCheck.positiveFinite)
        func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        return [
            "normal_rng": RandomFunction(parameters: [location, scale], integer: false, draw: real { s, a in a[0] + a[1] * s.normal() }),
            "std_normal_rng": RandomFunction(parameters: [], integer: false, draw: real { s, _ in s.normal() }),
            "lognormal_rng": RandomFunction(parameters: [location, scale], integer: false, draw: real { s, a in exp(a[0] + a[1] * s.normal()) }),
            "cauchy_rng": RandomFunction(parameters: [location, scale], integer: false, draw: real { s, a in a[0] + a[1] * s.cauchy() }),
            "student_t_rng": RandomFunction(parameters: [("degrees of freedom", .positiveFinite), location, scale], integer: false, draw: real { s, a in
                let z = s.normal()
                let chi2 = 2 * s.gamma(shape: a[0] / 2)
                return a[1] + a[2] * z / (chi2 / a[0]).squareRoot()
            }),
            "double_exponential_rng": RandomFunction(parameters: [location, scale], integer: false, draw: real { s, a in a[0] + a[1] * s.laplace() }),
            "logistic_rng": RandomFunction(parameters: [location, scale], integer: false, draw: real { s, a in a[0] + a[1] * s.logistic() }),
            "exponential_rng": RandomFunction(parameters: [("rate", .positiveFinite)], integer: false, draw: real { s, a in s.exponential() / a[0] }),
            "gamma_rng": RandomFunction(parameters: [shape, ("rate", .positiveFinite)], integer: false, draw: real { s, a in s.gamma(shape: a[0]) / a[1] }),
            "inv_gamma_rng": RandomFunction(parameters: [shape, scale], integer: false, draw: real { s, a in a[1] / s.gamma(shape: a[0]) }),
            "chi_square_rng": RandomFunction(parameters: [("degrees of freedom", .positiveFinite)], integer: false, draw: real { s, a in 2 * s.gamma(shape: a[0] / 2) }),
            "inv_chi_square_rng": RandomFunction(parameters: [("degrees of freedom", .positiveFinite)], integer: false, draw: real { s, a in 1 / (2 * s.gamma(shape: a[0] / 2)) }),
            "weibull_rng": RandomFunction(parameters: [shape, scale], integer: false, draw: real { s, a in a[1] * pow(s.exponential(), 1 / a[0]) }),
            "beta_rng": RandomFunction(parameters: [("first shape", .positiveFinite), ("second shape", .positiveFinite)], integer: false, draw: real { s, a in s.beta(a[0], a[1]) }),
            "uniform_rng": RandomFunction(parameters: [("lower bound", .finite), ("upper bound", .finite)], integer: false, draw: { s, a in
                guard a[1] > a[0] else { return .failure(RandomArgumentError(message: "the upper bound \(HostInterpreter.format(a[1])) is not above the lower bound \(HostInterpreter.format(a[0]))")) }
                return .success(a[0] + (a[1] - a[0]) * s.uniform())
            }),
            "bernoulli_rng": RandomFunction(parameters: [("probability", .probability)], integer: true, draw: real { s, a in s.uniform() < a[0] ? 1 : 0 }),
            "bernoulli_logit_rng": RandomFunction(parameters: [("logit probability", .finite)], integer: true, draw: real { s, a in s.uniform() < logistic(a[0]) ? 1 : 0 }),
            "binomial_rng": RandomFunction(parameters: [("number of trials", .count), ("probability", .probability)], integer: true, draw: real { s, a in Double(s.binomial(Int(a[0]), a[1])) }),
            "binomial_logit_rng": RandomFunction(parameters: [("number of trials", .count), ("logit probability", .finite)], integer: true, draw: real { s, a in Double(s.binomial(Int(a[0]), logistic(a[1]))) }),
            "poisson_rng": RandomFunction(parameters: [("rate", .nonNegative)], integer: true, draw: { s, a in poissonCount(&s, a[0], "the rate") }),
            "poisson_log_rng": RandomFunction(parameters: [("log rate", .anyValue)], integer: true, draw: { s, a in poissonCount(&s, exp(a[0]), "the rate exp(log rate)") }),
            "neg_binomial_2_rng": RandomFunction(parameters: [("location", .positiveFinite), ("precision", .positiveFinite)], integer: true, draw: { s, a in
                poissonCount(&s, s.gamma(shape: a[1]) * a[0] / a[1], "the gamma-Poisson mixture's rate")
            }),
            "neg_binomial_2_log_rng": RandomFunction(parameters: [("log location", .finite), ("precision", .positiveFinite)], integer: true, draw: { s, a in
                poissonCount(&s, s.gamma(shape: a[1]) * exp(a[0]) / a[1], "the gamma-Poisson mixture's rate")
            }),
            "neg_binomial_rng": RandomFunction(parameters: [shape, ("inverse scale", .positiveFinite)], integer: true, draw: { s, a in
                poissonCount(&s, s.gamma(shape: a[0]) / a[1], "the gamma-Poisson mixture's rate")
            }),
            "skew_normal_rng": RandomFunction(parameters: [location, scale, ("shape", .finite)], integer: false, draw: real { s, a in
                // Azzalini's construction: δ = α/√(1 + α²), the sign of u₀ flips δu₀ + √(1 − δ²)v.
                let delta = a[2] / (1 + a[2] * a[2]).squareRoot()
                let (u, v) = (s.normal(), s.normal())
                let z = delta * u + (1 - delta * delta).squareRoot() * v
                return a[0] + a[1] * (u >= 0 ? z : -z)
            }),
            "exp_mod_normal_rng": RandomFunction(parameters: [location, scale, ("rate", .positiveFinite)], integer: false, draw: real { s, a in
                a[0] + a[1] * s.normal() + s.exponential() / a[2]
            }),
            "beta_proportion_rng": RandomFunction(parameters: [("mean", .openUnit), ("precision", .positiveFinite)], integer: false, draw: real { s, a in
                s.beta(a[0] * a[1], (1 - a[0]) * a[1])
            }),
            "loglogistic_rng": RandomFunction(parameters: [scale, shape], integer: false, draw: real { s, a in
                let u = s.uniform()
                return a[0] * pow(u / (1 - u), 1 / a[1])
            }),
            "skew_double_exponential_rng": RandomFunction(parameters: [location, scale, ("skewness", .openUnit)], integer: false, draw: real { s, a in
                // Its inverse CDF: P(Y < μ) = τ, each side exponential (rates 2(1 − τ)/σ below, 2τ/σ above).
                let (mu, sigma, tau, u) = (a[0], a[1], a[2], s.uniform())
                return u < tau ? mu + sigma / (2 * (1 - tau)) * log(u / tau) : mu - sigma / (2 * tau) * log((1 - u) / (1 - tau))
            }),
        ]
    }()

    /// How a multivariate normal's scale is given: a covariance matrix or its Cholesky factor.
    enum CovarianceArgument { case covariance, factor }

    /// The multivariate `_rng` functions (`multivariateVariate`).
    static let multivariateRandomNames: Set<String> = [
        "categorical_rng", "categorical_logit_rng", "multinomial_rng", "multinomial_logit_rng", "dirichlet_rng",
        "multi_normal_rng", "multi_normal_cholesky_rng", "multi_student_t_rng", "multi_student_t_cholesky_rng", "wishart_rng", "inv_wishart_rng",
    ]

    /// Every `_rng` function the host draws from.
    static let randomNames: Set<String> = Set(randomFunctions.keys).union(multivariateRandomNames)

    /// `name(a…)` drawn from the draw's stream.
    func randomVariate(_ name: String, _ a: [DataArray], at l: StanSourceLocation) throws -> DataArray {
        guard let random else { throw fail("random number generators (\(name)) are only available in generated quantities", l) }
        if let f = HostInterpreter.randomFunctions[name] { return try univariate(name, f, a, random, at: l) }
        return try multivariateVariate(name, a, random, at: l)
    }

    private func univariate(_ name: String, _ f: RandomFunction, _ a: [DataArray], _ random: HostRandom, at l: StanSourceLocation) throws -> DataArray {
        let arity = f.parameters.count
        guard a.count == arity else { throw fail("\(name) takes \(arity) argument\(arity == 1 ? "" : "s"), got \(a.count)", l) }
        for (k, x) in a.enumerated() where x.rank > 1 {
            throw fail("\(name): argument \(k + 1) (\(f.parameters[k].name)) has shape \(x.shape); a vectorised random number generator takes scalars, vectors and 1-dimensional arrays", l)
        }
        let containers = a.filter { $0.rank == 1 }
        let n = containers.first?.count ?? 1
        for (k, x) in a.enumerated() where x.rank == 1 && x.count != n {
            throw fail("\(name): argument \(k + 1) (\(f.parameters[k].name)) has \(x.count) elements, but another has \(n)", l)
        }
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let args = a.map { $0.rank == 0 ? $0.values[0] : $0.values[i] }
            let at = containers.isEmpty ? "" : " (element \(i + 1))"
            for (k, p) in f.parameters.enumerated() {
                if let must = p.check.violated(by: args[k], integer: a[k].isInteger) {
                    throw fail("\(name): the \(p.name) (argument \(k + 1)) is \(format(args[k]))\(at), but must be \(must)", l)
                }
            }
            switch f.draw(&random.stream, args) {
            case .success(let x): out[i] = x
            case .failure(let e): throw fail("\(name): \(e.message)\(at)", l)
            }
        }
        if containers.isEmpty { return DataArray(shape: [], values: out, isInteger: f.integer) }
        return DataArray(shape: [n], values: out, isInteger: f.integer)
    }

    private static func format(_ x: Double) -> String {
        x.isFinite && x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }

    private func format(_ x: Double) -> String { Self.format(x) }

    /// Stan's simplex tolerance (`CONSTRAINT_TOLERANCE` = 1e-8 in Stan Math): |Σθ − 1| ≤ 1e-8.
    static let simplexTolerance = 1e-8

    private func multivariateVariate(_ name: String, _ a: [DataArray], _ random: HostRandom, at l: StanSourceLocation) throws -> DataArray {
        func need(_ n: Int) throws { guard a.count == n else { throw fail("\(name) takes \(n) argument\(n == 1 ? "" : "s"), got \(a.count)", l) } }
        func vector(_ k: Int, _ what: String) throws -> [Double] {
            guard a[k].rank == 1 else { throw fail("\(name): the \(what) (argument \(k + 1)) must be a vector, got shape \(a[k].shape)", l) }
            guard a[k].count > 0 else { throw fail("\(name): the \(what) (argument \(k + 1)) is empty", l) }
            return a[k].values
        }
        func simplex(_ k: Int) throws -> [Double] {
            let theta = try vector(k, "probabilities")
            if let i = theta.firstIndex(where: { !($0 >= 0) }) {
                throw fail("\(name): the probabilities (argument \(k + 1)) are not a simplex: element \(i + 1) is \(format(theta[i]))", l)
            }
            let sum = theta.reduce(0, +)
            guard abs(sum - 1) <= HostInterpreter.simplexTolerance else {
                throw fail("\(name): the probabilities (argument \(k + 1)) are not a simplex: they sum to \(sum)", l)
            }
            return theta
        }
        func softmax(_ k: Int) throws -> [Double] {
            let beta = try vector(k, "log odds")
            if let i = beta.firstIndex(where: { !$0.isFinite }) {
                throw fail("\(name): the log odds (argument \(k + 1)) must be finite: element \(i + 1) is \(format(beta[i]))", l)
            }
            let m = beta.max()!
            let w = beta.map { exp($0 - m) }
            let s = w.reduce(0, +)
            return w.map { $0 / s }
        }
        func count(_ k: Int) throws -> Int {
            guard a[k].rank == 0, a[k].isInteger, a[k].values[0] >= 0 else {
                throw fail("\(name): the number of trials (argument \(k + 1)) must be a non-negative integer", l)
            }
            return Int(a[k].values[0])
        }
        /// μ and a draw μ + L z (the whole L, as Stan), μ argument `location` and Σ (or L) argument `k`.
        func correlatedNormal(location: Int, _ kind: CovarianceArgument, _ k: Int) throws -> (mu: [Double], draw: [Double]) {
            let mu = try vector(location, "location")
            let n = mu.count
            if let i = mu.firstIndex(where: { !$0.isFinite }) {
                throw fail("\(name): the location (argument \(location + 1)) must be finite: element \(i + 1) is \(format(mu[i]))", l)
            }
            let what = kind == .covariance ? "covariance" : "Cholesky factor"
            guard a[k].shape == [n, n] else { throw fail("\(name): the \(what) (argument \(k + 1)) must be \(n)×\(n), got shape \(a[k].shape)", l) }
            let factor = kind == .covariance ? try cholesky(a[k].values, n, name, at: l) : a[k].values
            let z = (0..<n).map { _ in random.stream.normal() }
            var out = mu
            for i in 0..<n { for j in 0..<n { out[i] += factor[i * n + j] * z[j] } }
            return (mu, out)
        }
        switch name {
        case "categorical_rng", "categorical_logit_rng":
            try need(1)
            let theta = name == "categorical_rng" ? try simplex(0) : try softmax(0)
            return .integer(random.stream.categorical(theta))
        case "multinomial_rng", "multinomial_logit_rng":
            try need(2)
            let theta = name == "multinomial_rng" ? try simplex(0) : try softmax(0)
            // Successive binomials: n_k ~ Binomial(N − n₁ − … − n_{k−1}, θ_k / (θ_k + … + θ_K)).
            var left = try count(1), mass = 1.0
            var out = [Double](repeating: 0, count: theta.count)
            for k in theta.indices where left > 0 {
                let n = k == theta.count - 1 ? left : random.stream.binomial(left, mass > 0 ? min(1, theta[k] / mass) : 0)
                out[k] = Double(n)
                left -= n
                mass -= theta[k]
            }
            return DataArray(shape: [theta.count], values: out, isInteger: true)
        case "dirichlet_rng":
            try need(1)
            let alpha = try vector(0, "concentration")
            if let i = alpha.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
                throw fail("\(name): the concentration (argument 1) must be positive and finite: element \(i + 1) is \(format(alpha[i]))", l)
            }
            // Normalised gammas, from their logs (small concentrations would underflow).
            let logs = alpha.map { random.stream.logGamma(shape: $0) }
            let m = logs.max()!
            let w = logs.map { exp($0 - m) }
            let s = w.reduce(0, +)
            return .vector(w.map { $0 / s })
        case "multi_normal_rng", "multi_normal_cholesky_rng":
            try need(2)
            return .vector(try correlatedNormal(location: 0, name == "multi_normal_rng" ? .covariance : .factor, 1).draw)
        case "multi_student_t_rng", "multi_student_t_cholesky_rng":
            // μ + L z / √(χ²_ν / ν).
            try need(3)
            guard a[0].rank == 0, a[0].values[0] > 0, a[0].values[0].isFinite else {
                throw fail("\(name): the degrees of freedom (argument 1) must be positive and finite", l)
            }
            let nu = a[0].values[0]
            let (mu, y) = try correlatedNormal(location: 1, name == "multi_student_t_rng" ? .covariance : .factor, 2)
            let w = (2 * random.stream.gamma(shape: nu / 2) / nu).squareRoot()
            return .vector(zip(y, mu).map { $1 + ($0 - $1) / w })
        case "wishart_rng", "inv_wishart_rng":
            // Bartlett's decomposition: W = L A Aᵀ Lᵀ, S = L Lᵀ, A lower triangular with
            // A_ii = √χ²(ν − i + 1) and standard normals below; the inverse Wishart is the
            // inverse of a Wishart draw with scale S⁻¹.
            try need(2)
            guard a[1].rank == 2, a[1].shape[0] == a[1].shape[1] else { throw fail("\(name): the scale (argument 2) must be a square matrix, got shape \(a[1].shape)", l) }
            let n = a[1].shape[0]
            guard a[0].rank == 0, a[0].values[0] > Double(n - 1), a[0].values[0].isFinite else {
                throw fail("\(name): the degrees of freedom (argument 1) must be finite and above \(n - 1) (the dimension minus 1)", l)
            }
            let nu = a[0].values[0]
            let scale = name == "wishart_rng" ? a[1] : try matrixFunction("inverse", [a[1]], at: l)!
            let factor = Matrix(rows: n, columns: n, values: try cholesky(scale.values, n, name, at: l))
            var bartlett = Matrix(rows: n, columns: n, values: Array(repeating: 0, count: n * n))
            for i in 0..<n {
                bartlett[i, i] = (2 * random.stream.gamma(shape: (nu - Double(i)) / 2)).squareRoot()
                for j in 0..<i { bartlett[i, j] = random.stream.normal() }
            }
            let la = factor.times(bartlett)
            let draw = la.times(la.transposed).array
            return name == "wishart_rng" ? draw : try matrixFunction("inverse", [draw], at: l)!
        default:
            throw fail("the random number generator '\(name)' is not supported; supported: \(HostInterpreter.randomNames.sorted().joined(separator: ", "))", l)
        }
    }

    /// The lower Cholesky factor L of a symmetric positive-definite Σ = LLᵀ (row-major, n×n), by
    /// the Cholesky–Banachiewicz recurrence; Stan's checks: symmetric, positive definite.
    private func cholesky(_ s: [Double], _ n: Int, _ name: String, at l: StanSourceLocation) throws -> [Double] {
        for i in 0..<n { for j in 0..<i where abs(s[i * n + j] - s[j * n + i]) > 1e-8 * max(1, abs(s[i * n + j])) {
            throw fail("\(name): the covariance (argument 2) is not symmetric: element [\(i + 1), \(j + 1)] is \(s[i * n + j]), element [\(j + 1), \(i + 1)] is \(s[j * n + i])", l)
        } }
        var factor = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = s[i * n + j]
                for k in 0..<j { sum -= factor[i * n + k] * factor[j * n + k] }
                if i == j {
                    guard sum > 0 else { throw fail("\(name): the covariance (argument 2) is not positive definite", l) }
                    factor[i * n + i] = sum.squareRoot()
                } else {
                    factor[i * n + j] = sum / factor[j * n + j]
                }
            }
        }
        return factor
    }
}
