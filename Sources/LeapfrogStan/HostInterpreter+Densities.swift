import LeapfrogData
import LeapfrogModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Log densities the host evaluates (generated quantities on the host, `HostGeneratedQuantities`),
/// with every normalising constant, as the graph keeps them. Arguments broadcast as Stan's do (a
/// scalar against a container); the result is the sum over elements.
///
/// - `normal_lpdf(y | μ, σ)  = −½((y − μ)/σ)² − log σ − ½ log 2π`
/// - `lognormal_lpdf(y | μ, σ) = normal_lpdf(log y | μ, σ) − log y`
/// - `cauchy_lpdf(y | μ, σ)  = −log π − log σ − log(1 + ((y − μ)/σ)²)`
/// - `exponential_lpdf(y | λ) = log λ − λy` (y ≥ 0, else −∞)
/// - `poisson_lpmf(n | λ)    = n log λ − λ − log Γ(n + 1)`; `poisson_log_lpmf(n | α)` with λ = e^α
/// - `bernoulli_lpmf(n | θ)  = n log θ + (1 − n) log(1 − θ)`; `bernoulli_logit_lpmf(n | α)` with θ = logit⁻¹(α)
/// - `categorical_lpmf(y | θ) = Σᵢ log θ[yᵢ]`; `categorical_logit_lpmf(y | β)` with θ = softmax(β)
/// - the GLM forms (`glmForms`), e.g. `bernoulli_logit_glm_lpmf(n | x, α, β) = bernoulli_logit_lpmf(n | α + x·β)`,
///   x [N, K] (a vector is one row), α a scalar or [N], β [K]
extension HostInterpreter {
    static let densities: [String: (arity: Int, f: ([Double]) -> Double)] = [
        "normal_lpdf": (3, { a in let z = (a[0] - a[1]) / a[2]; return -0.5 * z * z - log(a[2]) - halfLogTwoPi }),
        "lognormal_lpdf": (3, { a in
            guard a[0] > 0 else { return -.infinity }
            let z = (log(a[0]) - a[1]) / a[2]
            return -0.5 * z * z - log(a[2]) - halfLogTwoPi - log(a[0])
        }),
        "cauchy_lpdf": (3, { a in let z = (a[0] - a[1]) / a[2]; return -log(Double.pi) - log(a[2]) - log1p(z * z) }),
        "exponential_lpdf": (2, { a in a[0] < 0 ? -.infinity : log(a[1]) - a[1] * a[0] }),
        "poisson_lpmf": (2, { a in a[0] * log(a[1]) - a[1] - lgamma(a[0] + 1) }),
        "poisson_log_lpmf": (2, { a in a[0] * a[1] - exp(a[1]) - lgamma(a[0] + 1) }),
        "bernoulli_lpmf": (2, { a in a[0] == 1 ? log(a[1]) : log1p(-a[1]) }),
        "bernoulli_logit_lpmf": (2, { a in a[0] == 1 ? -log1p(exp(-a[1])) : -log1p(exp(a[1])) }),
    ]

    /// The GLM forms: the family each is written as, with the linear predictor α + x·β in place of
    /// its (x, α, β); where x stands among the arguments (the outcome first), and their number.
    static let glmForms: [String: (family: String, x: Int, arity: Int)] = [
        "bernoulli_logit_glm_lpmf": ("bernoulli_logit_lpmf", 1, 4), "poisson_log_glm_lpmf": ("poisson_log_lpmf", 1, 4),
        "neg_binomial_2_log_glm_lpmf": ("neg_binomial_2_log_lpmf", 1, 5), "normal_id_glm_lpdf": ("normal_lpdf", 1, 5),
        "binomial_logit_glm_lpmf": ("binomial_logit_lpmf", 2, 5),
    ]

    /// The graph's elementwise families the host has no closed form of its own for, with the
    /// graph's arguments made from Stan's.
    static let graphFamilies: [String: (Distribution, ([Double]) -> [Double])] = [
        "std_normal": (.normal, { _ in [0, 1] }), "gamma": (.gamma, { $0 }), "inv_gamma": (.inverseGamma, { $0 }),
        "student_t": (.studentT, { $0 }), "beta": (.beta, { $0 }), "binomial_logit": (.binomialLogit, { $0 }),
        "binomial": (.binomialLogit, { [$0[0], log($0[1]) - log1p(-$0[1])] }),
    ]

    /// The `_lpdf`/`_lpmf`, `_lcdf`/`_lccdf`/`_cdf` names `formulaDensity` evaluates.
    static let formulaDensityNames: Set<String> = Set(
        Lowering.formulaFamilies.map { $0.key + ($0.value.discrete ? "_lpmf" : "_lpdf") }
            + graphFamilies.keys.map { $0 + (["binomial", "binomial_logit"].contains($0) ? "_lpmf" : "_lpdf") }
            + (Array(FormulaDensities.cdfFamilies.keys) + FormulaDensities.discreteCDFFamilies.keys).flatMap { f in
                FormulaDensities.cdfSuffixes.map { f + $0 }
            })

    /// The graph's other elementwise families and the formula families (`FormulaDensities`, the
    /// formulas the graph uses) by their `_lpdf`/`_lpmf` names: arity and log density.
    static func formulaDensity(_ name: String) -> (arity: Int, f: ([Double]) -> Double)? {
        if let (family, suffix) = FormulaDensities.cdfCall(name), let count = FormulaDensities.discreteCDFFamilies[family] {
            // A count's, summed up to it (any count from data here).
            return (count + 1, { a in
                FormulaDensities.discreteLogCDF(family, upTo: Int(max(a[0].rounded(.down), -1)), Array(a.dropFirst()), complement: suffix == "_lccdf")
            })
        }
        if let (family, suffix) = FormulaDensities.cdfCall(name) {
            guard let count = FormulaDensities.cdfFamilies[family] else { return nil }
            // `_cdf` sums the logs too; `logDensity` takes the exponential (a product of CDFs).
            return (count + 1, { a in FormulaDensities.logCDF(family, a[0], Array(a.dropFirst()), complement: suffix == "_lccdf")! })
        }
        guard let suffix = ["_lpdf", "_lpmf"].first(where: { name.hasSuffix($0) }) else { return nil }
        let family = String(name.dropLast(suffix.count))
        if let formula = Lowering.formulaFamilies[family] {
            return (formula.parameters.count + 1, { a in FormulaDensities.logDensity(family, a[0], Array(a.dropFirst())) })
        }
        guard let (d, arguments) = graphFamilies[family] else { return nil }
        let arity = family == "std_normal" ? 1 : d.parameterNames.count + 1
        return (arity, { a in FormulaDensities.elementwise(d, a[0], arguments(Array(a.dropFirst())))! })
    }

    /// ½ log 2π, the normal density's constant.
    static let halfLogTwoPi = 0.5 * log(2 * Double.pi)

    /// The categorical families, an outcome (or array of them) against one vector.
    static let categoricalNames: Set<String> = ["categorical_lpmf", "categorical_logit_lpmf"]

    /// `name`'s log density summed over its broadcast arguments, or nil if `name` is not one of
    /// `densities`.
    func logDensity(_ name: String, _ a: [DataArray], at l: StanSourceLocation) throws -> DataArray? {
        if HostInterpreter.categoricalNames.contains(name) {
            guard a.count == 2, a[1].rank == 1 else { throw fail("\(name) takes an outcome and a vector", l) }
            let k = a[1].count
            let logTheta: [Double]
            if name == "categorical_logit_lpmf" {
                let top = a[1].values.max() ?? 0
                let lse = top + log(a[1].values.reduce(0) { $0 + exp($1 - top) })
                logTheta = a[1].values.map { $0 - lse }
            } else {
                logTheta = a[1].values.map { log($0) }
            }
            var total = 0.0
            for y in a[0].values {
                guard y == y.rounded(), y >= 1, Int(y) <= k else { throw fail("\(name): outcome \(y) is outside 1…\(k)", l) }
                total += logTheta[Int(y) - 1]
            }
            return .scalar(total)
        }
        if let (family, xi, arity) = HostInterpreter.glmForms[name] {
            guard a.count == arity else { throw fail("\(name) takes \(arity) arguments, got \(a.count)", l) }
            let (x, beta) = (a[xi], a[xi + 2])
            let k = beta.count
            let rows = x.rank == 2 ? x.shape[0] : 1
            guard (x.rank == 2 ? x.shape[1] : x.count) == k else {
                throw fail("\(name): x has \(x.rank == 2 ? x.shape[1] : x.count) columns but beta has \(k) elements", l)
            }
            let eta = (0..<rows).map { i in (0..<k).reduce(0.0) { $0 + x.values[i * k + $1] * beta.values[$1] } }
            let linear = DataArray(shape: [rows], values: eta)
            let predictor = try binary("+", linear, a[xi + 1], l)
            return try logDensity(family, Array(a[..<xi]) + [predictor] + Array(a[(xi + 3)...]), at: l)
        }
        guard let (arity, f) = HostInterpreter.densities[name] ?? HostInterpreter.formulaDensity(name) else { return nil }
        guard a.count == arity else { throw fail("\(name) takes \(arity) arguments, got \(a.count)", l) }
        let n = a.first(where: { $0.rank > 0 })?.count ?? 1
        for (k, x) in a.enumerated() where x.rank > 0 && x.count != n {
            throw fail("\(name): argument \(k + 1) has \(x.count) elements, but another has \(n)", l)
        }
        var total = 0.0
        for i in 0..<n { total += f(a.map { $0.rank == 0 ? $0.values[0] : $0.values[i] }) }
        return .scalar(name.hasSuffix("_cdf") ? exp(total) : total)
    }
}
