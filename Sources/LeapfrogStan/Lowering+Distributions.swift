import LeapfrogModel

extension Lowering {
    /// Stan's distribution names and the graph's families, with their argument names.
    static let families: [String: Distribution] = [
        "normal": .normal, "cauchy": .cauchy, "student_t": .studentT, "exponential": .exponential, "gamma": .gamma,
        "inv_gamma": .inverseGamma, "lognormal": .logNormal, "beta": .beta, "uniform": .uniform,
        "bernoulli_logit": .bernoulliLogit, "binomial_logit": .binomialLogit, "poisson_log": .poissonLog,
        "categorical_logit": .categoricalLogit, "multi_normal_cholesky": .multiNormalCholesky,
    ]

    static let supportedNames = (Array(families.keys) + ["std_normal", "multi_normal", "bernoulli", "poisson", "binomial", "dirichlet",
                                                     "normal_id_glm", "bernoulli_logit_glm", "poisson_log_glm", "neg_binomial_2_log_glm",
                                                     "binomial_logit_glm", "categorical_logit_glm", "multi_normal_prec", "dirichlet_multinomial", "lkj_corr_cholesky", "lkj_corr", "categorical", "multinomial", "multinomial_logit",
                                                     "ordered_logistic", "ordered_probit", "wishart", "inv_wishart", "multi_student_t",
                                                     "multi_student_t_cholesky", "gaussian_dlm_obs"]
                                  + Array(formulaFamilies.keys)).sorted()

    /// The log density of `outcome` under `name(args)`: a scalar node summing every element (and,
    /// inside a vectorised loop, every row).
    ///
    /// Some of Stan's families are rewritten to the graph's: `std_normal()` is `normal(0, 1)`,
    /// `multi_normal(mu, Sigma)` is `multi_normal_cholesky(mu, cholesky_decompose(Sigma))`,
    /// `bernoulli(p)` / `binomial(n, p)` use `logit(p)`, `poisson(lambda)` uses `log(lambda)`.
    /// - expressions: the outcome's and arguments' expressions, when the caller has them: a
    ///   discrete outcome or a number of trials computed from data (`k[1]`, a literal `5`) becomes
    ///   an integer data leaf through them (`integerDataLeaf`).
    /// `normalised`: a `_lpdf`/`_lpmf` call, which keeps every normalising constant as Stan's does
    /// (inside `log_mix` or times a parameter, a left-out constant would change the posterior);
    /// `~` and `_lupdf` may leave out those that depend on data only.
    func density(_ name: String, outcome rawOutcome: Value, args rawArgs: [Value], expressions: [Expression] = [],
                 normalised: Bool = false, at l: StanSourceLocation, outcomeLocation: StanSourceLocation) throws -> Value {
        if let support = Lowering.discreteSupport[name], let y = expressions.first {
            recordOutcomeCheck(name, outcome: y, bounds: support(Array(expressions.dropFirst()), l), kind: .support, at: l)
        }
        let alignedValues = try aligned([rawOutcome] + rawArgs, at: l)
        var outcome = alignedValues[0]
        var args = Array(alignedValues.dropFirst())
        if outcome.dataName == nil, outcome.plated, outcome.dataOnly, outcome.type.isIntScalar, let e = expressions.first,
           let v = try perRowData(e) {
            // An integer per row computed from data (`y[n] + 1`, also through a function's
            // argument): data computed when the data are read, as a discrete outcome must be.
            outcome = v
        }

        var familyName = name
        var symmetry: Expr?  // multi_normal where its density is a value: 0 or −∞ (`symmetryTerm`)
        func logit(_ v: Value) -> Value { derived(v, node: materialize(v).log() - (-materialize(v)).log1p(), type: v.type.promotedToReal) }
        switch name {
        case "std_normal":
            guard args.isEmpty else { throw fail("std_normal takes no arguments, got \(args.count)", l) }
            familyName = "normal"
            args = [.constant(0, integer: false), .constant(1, integer: false)]
        case "multi_normal":
            guard args.count == 2 else { throw fail("multi_normal takes 2 arguments (mu, Sigma), got \(args.count)", l) }
            if args[1].plated { throw fail("cannot vectorise the loop: a covariance that depends on the loop index", l) }
            if expressions.count > 2, try checkSymmetric(expressions[2], args[1], at: l) {
                let term = symmetryTerm(materialize(args[1]))
                if block == .model, recurrences.isEmpty {
                    // Its own term (under an if on data, kept or dropped with the branch), so that
                    // the density stays a term the back ends evaluate as one.
                    try addTarget(term, at: l)
                } else {
                    symmetry = term  // a value (generated quantities, a recurrence's sum): in it
                }
            }
            familyName = "multi_normal_cholesky"
            args[1] = derived(args[1], node: materialize(args[1]).cholesky(), type: args[1].type)
        case "bernoulli":
            guard args.count == 1 else { throw fail("bernoulli takes 1 argument (theta), got \(args.count)", l) }
            if !perRowDensities || ([outcome] + args).allSatisfy(\.type.isScalar) {
                // log θ or log(1 − θ) by the datum, as one log: exact at θ = 1 or 0 (posteriordb's
                // dogs: θ = a⁰b⁰ = 1 in every first trial), where logit(θ) = ±∞ made y·α − log(1 + e^α)
                // and its gradient NaN (`FormulaDensities`).
                return try formulaDensity("bernoulli", FormulaFamily(parameters: ["theta"], discrete: true), outcome: outcome,
                                          args: args, at: l, outcomeLocation: outcomeLocation)
            }
            // A row of outcomes inside log_sum_exp (capture–recapture): the logit form's per-row path below.
            familyName = "bernoulli_logit"; args[0] = logit(args[0])
        case "binomial":
            guard args.count == 2 else { throw fail("binomial takes 2 arguments (N, theta), got \(args.count)", l) }
            familyName = "binomial_logit"; args[1] = logit(args[1])
        case "normal_id_glm", "bernoulli_logit_glm", "poisson_log_glm":
            // The GLM forms: mu = alpha + x * beta.
            let n = name == "normal_id_glm" ? 4 : 3
            guard args.count == n else { throw fail("\(name) takes \(n) arguments (x, alpha, beta\(n == 4 ? ", sigma" : "")), got \(args.count)", l) }
            let mu = try linearPredictor(args[0], args[1], args[2], at: l)
            familyName = String(name.dropLast(name == "normal_id_glm" ? 7 : 4))
            args = n == 4 ? [mu, args[3]] : [mu]
        case "neg_binomial_2_log_glm":
            // neg_binomial_2_log(y | alpha + x * beta, phi).
            guard args.count == 4 else { throw fail("neg_binomial_2_log_glm takes 4 arguments (x, alpha, beta, phi), got \(args.count)", l) }
            familyName = "neg_binomial_2_log"
            args = [try linearPredictor(args[0], args[1], args[2], at: l), args[3]]
        case "binomial_logit_glm":
            // binomial_logit(n | N, alpha + x * beta).
            guard args.count == 4 else { throw fail("binomial_logit_glm takes 4 arguments (N, x, alpha, beta), got \(args.count)", l) }
            familyName = "binomial_logit"
            args = [args[0], try linearPredictor(args[1], args[2], args[3], at: l)]
        case "categorical_logit_glm":
            // categorical_logit(y | x * beta + alpha): x [N, K] (a row vector for one outcome),
            // beta [K, C], alpha [C] added to every row of logits.
            guard args.count == 3 else { throw fail("categorical_logit_glm takes 3 arguments (x, alpha, beta), got \(args.count)", l) }
            let (x, alpha, beta) = (args[0], args[1], args[2])
            guard x.type.arrayRank == 0, x.type.base == .matrix || x.type.base == .rowVector, alpha.type.rank == 1, alpha.type.arrayRank == 0,
                  beta.type.base == .matrix, beta.type.arrayRank == 0 else {
                throw fail("categorical_logit_glm needs x a matrix or row vector, alpha a vector and beta a matrix, got \(x.type), \(alpha.type), \(beta.type)", l)
            }
            for a in args where a.plated { throw fail("cannot vectorise the loop: categorical_logit_glm of a value that depends on the loop index", l) }
            let k = x.type.base == .matrix ? x.type.sizes[1] : x.type.sizes[0]
            if differ(k, beta.type.sizes[0]) || differ(alpha.type.sizes[0], beta.type.sizes[1]) {
                throw fail("size mismatch in categorical_logit_glm: x \(x.type), alpha \(alpha.type), beta \(beta.type)", l)
            }
            let logits = materialize(x).matmul(materialize(beta)) + materialize(alpha)
            let rows = x.type.base == .matrix ? [x.type.sizes[0], beta.type.sizes[1]] : [beta.type.sizes[1]]
            familyName = "categorical_logit"
            args = [Value(type: StanType(base: rows.count == 2 ? .matrix : .vector, arrayRank: 0, sizes: rows), node: logits,
                          dataOnly: args.allSatisfy(\.dataOnly))]
        case "multi_normal_prec":
            // multi_normal(mu, inverse(Omega)): multi_normal_cholesky with the Cholesky factor of
            // Σ = W'W, W = L⁻¹ from Omega = LL' (a precision that is not positive definite rejects
            // the point, as Stan's does).
            guard args.count == 2 else { throw fail("multi_normal_prec takes 2 arguments (mu, Omega), got \(args.count)", l) }
            if args[1].plated { throw fail("cannot vectorise the loop: a precision that depends on the loop index", l) }
            guard args[1].type.base == .matrix, args[1].type.arrayRank == 0, !differ(args[1].type.sizes[0], args[1].type.sizes[1]) else {
                throw fail("multi_normal_prec needs a square precision matrix, got \(args[1].type)", l)
            }
            let covariance = try linearAlgebra("inverse_spd", [args[1]], at: l)
            familyName = "multi_normal_cholesky"
            args[1] = derived(args[1], node: materialize(covariance).cholesky(), type: args[1].type)
        case "wishart", "inv_wishart":
            guard args.count == 2 else { throw fail("\(name) takes 2 arguments (nu, Sigma), got \(args.count)", l) }
            return try wishart(name, outcome, args[0], args[1], at: l, outcomeLocation: outcomeLocation)
        case "gaussian_dlm_obs":
            return try gaussianDLM(outcome, args, at: l, outcomeLocation: outcomeLocation)
        case "multi_student_t", "multi_student_t_cholesky":
            guard args.count == 3 else { throw fail("\(name) takes 3 arguments (nu, mu, \(name == "multi_student_t" ? "Sigma" : "L")), got \(args.count)", l) }
            return try multiStudentT(name, outcome, args[0], args[1], args[2], at: l, outcomeLocation: outcomeLocation)
        case "ordered_logistic", "ordered_probit":
            guard args.count == 2 else { throw fail("\(name) takes 2 arguments (eta, c), got \(args.count)", l) }
            return try orderedLogistic(name, outcome, args[0], args[1], at: l, outcomeLocation: outcomeLocation)
        case "lkj_corr_cholesky", "lkj_corr":
            guard args.count == 1 else { throw fail("\(name) takes 1 argument (eta), got \(args.count)", l) }
            return try lkj(name, outcome, args[0], normalised: normalised, at: l, outcomeLocation: outcomeLocation)
        case "dirichlet":
            guard args.count == 1 else { throw fail("dirichlet takes 1 argument (alpha), got \(args.count)", l) }
            return try dirichlet(outcome, args[0], normalised: normalised, at: l, outcomeLocation: outcomeLocation)
        case "categorical":
            guard args.count == 1 else { throw fail("categorical takes 1 argument (theta), got \(args.count)", l) }
            familyName = "categorical_logit"
            args[0] = derived(args[0], node: materialize(args[0]).log(), type: args[0].type.promotedToReal)
        case "multinomial", "multinomial_logit":
            // Σₖ yₖ log θₖ; the multinomial coefficient depends on the data only and is left out.
            guard args.count == 1 else { throw fail("\(name) takes 1 argument (theta), got \(args.count)", l) }
            // The counts may be a data array, a row of one (`C[j]`, per row of a vectorised loop too)
            // or constants (`{2, 3, 5}`): the sum reads their values only.
            guard outcome.dataOnly, outcome.type.isInteger, outcome.type.rank == 1, !outcome.columns else {
                throw fail("the outcome of \(name) must be an array of integer data (counts), got \(outcome.dataOnly ? "" : "parameter-dependent ")\(outcome.type)", outcomeLocation)
            }
            guard args[0].type.base == .vector, args[0].type.arrayRank == 0, !args[0].columns else { throw fail("\(name) needs a vector, got \(args[0].type)", l) }
            if args[0].plated && !outcome.plated { throw fail("cannot vectorise the loop: the outcome must be indexed by the loop index too", outcomeLocation) }
            if perRowDensities && outcome.plated { throw fail("\(name) has no per-row log density inside log_mix or log_sum_exp", l) }
            if differ(outcome.type.sizes[0], args[0].type.sizes[0]) { throw fail("size mismatch in \(name): \(outcome.type) counts and \(args[0].type) probabilities", l) }
            let theta = materialize(args[0])
            let logTheta = name == "multinomial" ? theta.log() : theta.apply(.logSoftmax)
            var v = Value(type: .real, node: (materialize(outcome) * logTheta).sum(), dataOnly: args[0].dataOnly)
            v.summedOverPlate = plate != nil && outcome.plated
            return v
        case "dirichlet_multinomial":
            return try dirichletMultinomial(outcome, args, at: l, outcomeLocation: outcomeLocation)
        case "poisson":
            guard args.count == 1 else { throw fail("poisson takes 1 argument (lambda), got \(args.count)", l) }
            familyName = "poisson_log"; args[0] = derived(args[0], node: materialize(args[0]).log(), type: args[0].type.promotedToReal)
        default: break
        }
        if let formula = Lowering.formulaFamilies[familyName] {
            return try formulaDensity(familyName, formula, outcome: outcome, args: args, at: l, outcomeLocation: outcomeLocation)
        }
        guard let family = Lowering.families[familyName] else {
            throw fail("the distribution '\(name)' is not supported; supported: \(Lowering.supportedNames.joined(separator: ", "))", l)
        }
        let expected = family.parameterNames.count
        guard args.count == expected else {
            throw fail("\(familyName) takes \(expected) argument\(expected == 1 ? "" : "s") after the outcome (\(Lowering.stanParameterNames(family))), got \(args.count)", l)
        }
        for a in [outcome] + args where a.summedOverPlate {
            throw fail("a log density cannot be an argument of a distribution", l)
        }
        if family.isDiscrete, let k = outcome.constant, outcome.type.isInteger, args.allSatisfy(\.type.isScalar) {
            // A constant count (`bernoulli_lpmf(1 | omega)`): a one-element integer data leaf, as
            // the graph's discrete densities read their outcome from data.
            // Beside a per-row argument (`binomial_logit_lpmf(0 | T, eps[i])` in a loop), an integer
            // scalar, so that it broadcasts against the rows.
            if args.contains(where: \.plated) {
                let name = syntheticName("int", key: "cint:\(Int(k))") { .integer(name: $0, .integer(Int(k), outcomeLocation)) }
                outcome = Value(type: .int, node: builder.data(name, [], integer: true), dataName: name, dataOnly: true)
            } else {
                let name = syntheticName("index", key: "cindex:\(Int(k))") { .constantIndex(name: $0, Int(k)) }
                outcome = Value(type: StanType(base: .int, arrayRank: 1, sizes: [.fixed(1)]),
                                node: builder.data(name, [1], integer: true), dataName: name, dataOnly: true)
            }
        }
        if family.isDiscrete {
            if let e = expressions.first { outcome = try integerDataLeaf(outcome, e) }
            if family == .binomialLogit, expressions.count > 1 { args[0] = try integerDataLeaf(args[0], expressions[1]) }
            if outcome.dataName == nil, outcome.dataOnly, outcome.type.isInteger, family.isElementwise,
               family != .binomialLogit || args[0].dataOnly {
                // An integer computed from data that no leaf holds: inside a loop whose steps depend
                // on each other, a count indexed by the step (`poisson_lpmf(D[t] | e)`, Stan's
                // change-point model). The family's formula reads it as a value.
                return try elementwiseDensity([outcome] + args, family.rawValue, at: l) { FormulaDensities.elementwise(family, $0[0], Array($0.dropFirst()))! }
            }
            guard outcome.dataName != nil, outcome.type.isInteger else {
                throw fail("the outcome of \(name) must be an integer data variable\(recurrences.isEmpty ? "" : " (inside a loop whose steps depend on each other, an outcome computed or indexed by the step is not: precompute it in transformed data)")", outcomeLocation)
            }
        }
        if family == .binomialLogit {
            guard args[0].dataName != nil, args[0].type.isInteger else {
                throw fail("the number of trials of \(name) must be integer data (a data variable, a row of one or a constant); compute it in transformed data", l)
            }
        }
        if let wide = ([outcome] + args).first(where: { $0.plated && !$0.columns && $0.type.rank == 1 }),
           family.isElementwise, !family.isDiscrete {
            // A vector (or array) per row beside a real per row (`normal_lpdf(x[n] * kappa | b[g[n]], 2)`,
            // `y[n] ~ normal(mu[n], s)` with y[n] a row of reals): the real repeated along the row.
            outcome = widenedRow(outcome, against: wide, arrays: true) ?? outcome
            args = args.map { widenedRow($0, against: wide, arrays: true) ?? $0 }
        }
        let all = [outcome] + args
        if all.contains(where: \.flattened) {
            guard family.isElementwise, all.allSatisfy({ $0.flattened || ($0.type.isScalar && !$0.plated) }) else {
                throw fail("to_vector of a matrix (a reshape) is only supported as a distribution's outcome with scalar parameters", l)
            }
        }
        switch family {
        case .multiNormalCholesky:
            let (mu, chol) = (args[0], args[1])
            guard chol.type.base == .matrix, chol.type.arrayRank == 0 else { throw fail("the Cholesky factor of multi_normal_cholesky must be a matrix, got \(chol.type)", l) }
            // The mean: one vector for every outcome, or one per outcome (an array of vectors, or
            // per row of a vectorised loop: multivariate regression, `y[n] ~ multi_normal(a + B * x[n], S)`).
            let what = name == "multi_normal_cholesky" ? "multi_normal_cholesky" : "multi_normal"
            if chol.plated { throw fail("cannot vectorise the loop: the \(name == "multi_normal" ? "covariance" : "factor") of \(what) must not depend on the loop index", l) }
            if mu.plated && !outcome.plated { throw fail("cannot vectorise the loop: the outcome must be indexed by the loop index too", outcomeLocation) }
            let ok = outcome.plated ? outcome.type.rank == 1 : (outcome.type.rank == 1 && outcome.type.arrayRank == 0) || (outcome.type.rank == 2 && outcome.type.arrayRank == 1)
            guard ok else { throw fail("the outcome of \(what) must be a vector or an array of vectors, got \(outcome.type)", outcomeLocation) }
            let perOutcome = mu.type.rank == 2 && mu.type.arrayRank == 1 && !outcome.plated
            if perOutcome, outcome.type.arrayRank == 0, let means = mu.type.sizes[0] {
                // One outcome, an array of means: Stan sums the densities, the outcome repeated per mean.
                if differ(mu.type.sizes[1], outcome.type.sizes[0]) {
                    throw fail("size mismatch in \(what): an outcome of \(StanType.text(outcome.type.sizes[0])) but means of \(StanType.text(mu.type.sizes[1]))", l)
                }
                outcome = derived(outcome, node: fill(1, [means, .fixed(1)]) * materialize(outcome),
                                  type: StanType(base: .vector, arrayRank: 1, sizes: [means, outcome.type.sizes[0]]))
            }
            guard mu.type.rank <= 1 || perOutcome else {
                throw fail("the mean of \(what) must be a vector, or an array of vectors with one per outcome, got \(mu.type)", l)
            }
            if perOutcome, differ(mu.type.sizes[0], outcome.type.sizes[0]) || differ(mu.type.sizes[1], outcome.type.sizes[1]) {
                throw fail("size mismatch in \(what): \(StanType.text(outcome.type.sizes[0])) outcomes of \(StanType.text(outcome.type.sizes[1])) but \(StanType.text(mu.type.sizes[0])) means of \(StanType.text(mu.type.sizes[1]))", l)
            }
        case .categoricalLogit where args[0].type.rank == 2 && !args[0].plated && !outcome.plated:
            // A row of logits per outcome (categorical_logit_glm's x * beta + alpha): [n, k] with outcome [n].
            guard outcome.type.rank == 1, !differ(outcome.type.sizes[0], args[0].type.sizes[0]) else {
                throw fail("categorical_logit with a matrix of logits needs an array of outcomes, one per row; got \(outcome.type) and \(args[0].type)", l)
            }
        case .categoricalLogit:
            guard args[0].type.rank == 1 else { throw fail("categorical_logit needs a vector of logits, got \(args[0].type)", l) }
            if args[0].plated && !outcome.plated { throw fail("cannot vectorise the loop: the outcome must be indexed by the loop index too", l) }
            guard outcome.type.rank == 0 || (!outcome.plated && outcome.type.rank == 1 && !args[0].plated) else {
                throw fail("the outcome of categorical_logit must be an integer or an integer array", outcomeLocation)
            }
        default:
            if let v = perRowOfVectors([outcome] + args, { FormulaDensities.elementwise(family, $0[0], Array($0.dropFirst())) }) { return v }
            try checkElementwiseShapes(all, at: l, familyName)
        }
        if wantsPerRow(all), let node = FormulaDensities.elementwise(family, materialize(outcome), args.map { materialize($0) }) {
            // One log density per row (and per inner index): an argument of log_mix, or a value
            // assigned per row.
            return perRow(node, of: all)
        }
        if perRowDensities, plate != nil, family == .bernoulliLogit, outcome.plated || args[0].plated,
           outcome.type.rank <= 1, args[0].type.rank <= 1, !outcome.columns, !args[0].columns {
            // One log density per row (an argument of log_sum_exp): Σ over the row's elements of
            // y·α − log(1 + e^α), the Bernoulli with logit α (a row of T outcomes: a [rows, T]
            // node summed along T by a product with ones).
            let width: Dim? = outcome.plated && outcome.type.rank == 1 ? outcome.type.sizes[0]
                : (args[0].plated && args[0].type.rank == 1 ? args[0].type.sizes[0] : nil)
            let (y, a) = (materialize(outcome), materialize(args[0]))
            var node = y * a - a.log1pExp()
            if let width { node = node.matmul(fill(1, [width])) }
            var v = derived(outcome, args[0], node: node, type: .real)
            v.plated = true
            return v
        }
        let nodes = (family.isElementwise ? rowsLast([outcome] + args) : nil) ?? ([outcome] + args).map { materialize($0) }
        let lp = logDensityNode(family, nodes[0], Array(nodes.dropFirst()))
        return summed(symmetry.map { lp + $0 } ?? lp, of: all)
    }

    /// The nodes of an elementwise family's outcome and arguments inside a vectorised loop where
    /// some are a vector per row ([N, K]) and some a scalar per row ([N]): Stan pairs each row's
    /// scalar with every element of its vectors (BUGS' seeds cloned for data cloning, `n[i] ~
    /// binomial_logit(N[i], eta[i] + b[i])` with b[i] a vector of K clones), which broadcasting
    /// reads with the rows last: the vectors per row transposed [K, N], whole vectors as columns
    /// [K, 1], the scalars per row [N] as they are (data stay data leaves, as a discrete outcome
    /// must). The density is their sum, so the layout does not change it. nil otherwise.
    func rowsLast(_ all: [Value]) -> [Expr]? {
        guard plate != nil, all.allSatisfy({ !$0.columns && $0.type.rank <= 1 }),
              all.contains(where: { $0.plated && $0.type.rank == 1 }), all.contains(where: { $0.plated && $0.type.isScalar }) else { return nil }
        return all.map { v in
            let x = materialize(v)
            guard v.type.rank == 1 else { return x }
            return v.plated ? x.transposed() : x.column()
        }
    }

    /// A GLM form's linear predictor α + x·β.
    func linearPredictor(_ x: Value, _ alpha: Value, _ beta: Value, at l: StanSourceLocation) throws -> Value {
        try binary("+", alpha, try binary("*", x, beta, at: l), at: l)
    }

    /// The Dirichlet-multinomial log probability of counts y (an array of integer data, per row
    /// of a vectorised loop too) given α (Stan Functions Reference, "Dirichlet-multinomial
    /// distribution"): with n = Σₖ yₖ and α₀ = Σₖ αₖ,
    /// lgamma(n + 1) − Σₖ lgamma(yₖ + 1) + lgamma(α₀) − lgamma(n + α₀) + Σₖ [lgamma(yₖ + αₖ) − lgamma(αₖ)],
    /// each row's sums along its counts (a product with ones), the α-only terms once per row.
    func dirichletMultinomial(_ outcome: Value, _ args: [Value], at l: StanSourceLocation, outcomeLocation: StanSourceLocation) throws -> Value {
        guard args.count == 1 else { throw fail("dirichlet_multinomial takes 1 argument (alpha), got \(args.count)", l) }
        guard outcome.dataOnly, outcome.type.isInteger, outcome.type.rank == 1, !outcome.columns else {
            throw fail("the outcome of dirichlet_multinomial must be an array of integer data (counts), got \(outcome.dataOnly ? "" : "parameter-dependent ")\(outcome.type)", outcomeLocation)
        }
        let alpha = args[0]
        guard alpha.type.base == .vector, alpha.type.arrayRank == 0, !alpha.columns, let k = alpha.type.sizes[0] ?? outcome.type.sizes[0] else {
            throw fail("dirichlet_multinomial needs a vector alpha, got \(alpha.type)", l)
        }
        if alpha.plated && !outcome.plated { throw fail("cannot vectorise the loop: the outcome must be indexed by the loop index too", outcomeLocation) }
        if perRowDensities && outcome.plated { throw fail("dirichlet_multinomial has no per-row log density inside log_mix or log_sum_exp", l) }
        if differ(outcome.type.sizes[0], alpha.type.sizes[0]) { throw fail("size mismatch in dirichlet_multinomial: \(outcome.type) counts and \(alpha.type) alpha", l) }
        let (y, a, ones) = (materialize(outcome), materialize(alpha), fill(1, [k]))
        let node: Expr
        if outcome.plated {
            // One sum over the rows of each row's terms (the form a kernel streaming the rows sums).
            let n = y.matmul(ones)
            let a0 = alpha.plated ? a.matmul(ones) : a.sum()
            let row = (n + 1.0).lgamma() - (y + 1.0).lgamma().matmul(ones) - (n + a0).lgamma() + (y + a).lgamma().matmul(ones)
                + a0.lgamma() - (alpha.plated ? a.lgamma().matmul(ones) : a.lgamma().sum())
            node = row.sum()
        } else {
            let (n, a0) = (y.sum(), a.sum())
            node = (n + 1.0).lgamma() - (y + 1.0).lgamma().sum() - (n + a0).lgamma() + (y + a).lgamma().sum() + a0.lgamma() - a.lgamma().sum()
        }
        var v = Value(type: .real, node: node, dataOnly: alpha.dataOnly)
        v.summedOverPlate = plate != nil && outcome.plated
        return v
    }

    /// A log density per row of a vectorised loop whose outcome or arguments are vectors of one
    /// width m: each a whole vector, the same in every row (a data vector's density given each
    /// row's parameters, a discrete parameter summed out over its values — posteriordb's Survey,
    /// `lp[n] = … + binomial_lpmf(k | n, theta)`), or a vector per row (a row of a matrix, `y[n]`,
    /// or a vector filled per row by an inner loop: BUGS' stagnant, `log_probs[k] = log(theta[k]) +
    /// normal_lpdf(Y | mu, sigma)` with `mu[n]` filled for each k). Scalars per row are columns
    /// [N, 1]: `formula` of the elements is [N, m], summed along m, Σⱼ log p(yⱼ | θₙⱼ) for each row
    /// n. nil when the density is not of that form.
    func perRowOfVectors(_ all: [Value], _ formula: ([Expr]) -> Expr?) -> Value? {
        guard perRowDensities, let plate, all.contains(where: \.plated), all.allSatisfy({ !$0.columns && $0.type.rank <= 1 }) else { return nil }
        let widths = all.filter { $0.type.rank == 1 }.map { $0.type.sizes[0] }
        guard let first = widths.first, let m = first, widths.allSatisfy({ $0 != nil && !differ($0, m) }) else { return nil }
        let nodes = all.map { $0.plated && $0.type.isScalar ? perRowVector($0, rows: plate, columns: .fixed(1)) : materialize($0) }
        guard let node = formula(nodes) else { return nil }
        return Value(type: .real, node: node.matmul(fill(1, [m])), plated: true, dataOnly: all.allSatisfy(\.dataOnly))
    }

    /// The arguments of an elementwise density (`familyName`'s) are scalars or containers of one
    /// shape, with the rows of a vectorised loop.
    func checkElementwiseShapes(_ all: [Value], at l: StanSourceLocation, _ familyName: String) throws {
        try checkRows(all, at: l, familyName)
        let ranks = Set(all.filter { !$0.plated && !$0.type.isScalar }.map(\.type.rank))
        if ranks.count > 1 { throw fail("the arguments of \(familyName) must be scalars or containers of one shape", l) }
        let nonScalar = all.filter { !$0.plated && !$0.type.isScalar }
        for a in nonScalar { for b in nonScalar { for (x, y) in zip(a.type.sizes, b.type.sizes) where differ(x, y) {
            throw fail("size mismatch among the arguments of \(familyName): \(a.type) and \(b.type)", l)
        } } }
    }

    /// `v`, the value of `e`, as an integer data leaf when it is an integer scalar computed from
    /// data but no data variable (`k[1]`, `N - n_obs`, a literal `5`): the graph's discrete
    /// densities read their outcome and number of trials from integer data, so the host
    /// computes it when the data are bound (`SyntheticData.integer`). Anything else is `v`.
    func integerDataLeaf(_ v: Value, _ e: Expression) throws -> Value {
        guard v.dataName == nil, v.type.isIntScalar, !v.plated, v.dataOnly, try isDataOnly(e) else { return v }
        let bound = bindingLoopConstants(e)
        let name = syntheticName("integer", key: "integer:\(bound.canonical)") { .integer(name: $0, bound) }
        return Value(type: .int, node: builder.data(name, [], integer: true), dataName: name, dataOnly: true)
    }

    /// `dirichlet(theta | alpha)`: Σ (αₖ − 1) log θₖ + log Γ(Σα) − Σ log Γ(αₖ) (Stan Functions
    /// Reference, "Dirichlet distribution"). With a data-only concentration under `~` the
    /// normalising constant log Γ(Σα) − Σ log Γ(αₖ) depends on data only and is left out, as
    /// Stan's `~` does. `dirichlet_lpdf` (`normalised`) and a concentration that depends on
    /// parameters keep it (the graph's `lgamma`, whose derivative is the digamma ψ): once per
    /// simplex, so an array of K simplexes, or one per row of a vectorised loop, adds it K times.
    func dirichlet(_ theta: Value, _ alpha: Value, normalised: Bool, at l: StanSourceLocation, outcomeLocation: StanSourceLocation) throws -> Value {
        // A row vector is a simplex too (a row of a row-stochastic matrix: `P[i] ~ dirichlet(alpha)`).
        guard theta.type.base == .vector && theta.type.arrayRank <= 1 || theta.type.base == .rowVector && theta.type.arrayRank == 0 else {
            throw fail("the outcome of dirichlet must be a simplex (a vector or row vector) or an array of them, got \(theta.type)", outcomeLocation)
        }
        // A row vector concentration too (`rho ~ dirichlet([10, 1, 1])`: Stan's "vectors").
        guard alpha.type.base == .vector || alpha.type.base == .rowVector, alpha.type.arrayRank == 0 else {
            throw fail("the concentration of dirichlet must be a vector or row vector, got \(alpha.type)", l)
        }
        if differ(theta.type.sizes.last!, alpha.type.sizes.last!) { throw fail("size mismatch in dirichlet: \(theta.type) and \(alpha.type)", l) }
        if alpha.plated && !theta.plated { throw fail("cannot vectorise the loop: the outcome must be indexed by the loop index too", l) }
        if !alpha.dataOnly && (alpha.plated || theta.plated) {
            throw fail("dirichlet with a concentration that depends on parameters is not supported inside a vectorised loop; write it outside the loop", l)
        }
        let a = materialize(alpha)
        var node = ((a - 1.0) * materialize(theta).log()).sum()
        if theta.plated, normalised || !alpha.dataOnly, let k = theta.type.sizes.last ?? nil {
            // One simplex per row of a loop: each row's kernel plus its constant, then one sum over
            // the rows (a term a device kernel streams by rows).
            let perRow = ((a - 1.0) * materialize(theta).log()).matmul(fill(1, [k]))
            let constant = alpha.plated ? a.matmul(fill(1, [k])).lgamma() - a.lgamma().matmul(fill(1, [k])) : a.sum().lgamma() - a.lgamma().sum()
            node = (perRow + constant).sum()
        } else if !alpha.dataOnly || normalised {
            // One normalising constant per simplex: an array of K of them has K (alpha is shared:
            // a per-row alpha comes with a per-row theta, above).
            let constant = a.sum().lgamma() - a.lgamma().sum()
            let simplexes: Dim? = theta.type.arrayRank == 1 ? theta.type.sizes.first ?? nil : nil
            node = node + (simplexes.map { fill(1, [$0]).sum() * constant } ?? constant)
        }
        var v = Value(type: .real, node: node, dataOnly: theta.dataOnly && alpha.dataOnly)
        v.summedOverPlate = plate != nil && theta.plated
        return v
    }

    /// `lkj_corr_cholesky(L | eta)`: Σₖ (K − k + 2η − 2) log Lₖₖ; `lkj_corr(Omega | eta)`:
    /// (η − 1) log det Ω = 2(η − 1) Σₖ log Lₖₖ with L = cholesky(Ω) (Stan Functions Reference).
    /// Their normalising constant (Lewandowski, Kurowicka & Joe 2009, theorem 5; Stan's
    /// `do_lkj_constant`) is
    ///
    ///     log c_K(η) = Σ_{k=1}^{K−1} [lgamma(η + (K − 1)/2) − lgamma(η + (K − 1 − k)/2) − (k/2) log π].
    ///
    /// With a data-only η under `~` it is a constant and left out (as Stan's `~` does). With an η
    /// that depends on parameters its η terms are kept, through the graph's `lgamma` (derivative:
    /// the digamma), as Σ over K rows of lgamma(η + Aₖ) − lgamma(η + Bₖ) with the patterns
    /// `lkjHalfDimension` and `lkjOffsets` (row K cancels); the −K(K − 1)/4 log π does not
    /// depend on η and is left out under `~`. `lkj_corr_cholesky_lpdf` and `lkj_corr_lpdf`
    /// (`normalised`) keep the whole constant, as Stan's do.
    func lkj(_ name: String, _ outcome: Value, _ eta: Value, normalised: Bool, at l: StanSourceLocation,
             outcomeLocation: StanSourceLocation) throws -> Value {
        guard eta.type.isScalar, !eta.plated, !eta.columns else {
            throw fail("the shape eta of \(name) must be a scalar, got \(eta.type)\(eta.plated ? " per row of a vectorised loop" : "")", l)
        }
        guard outcome.type.base == .matrix, outcome.type.arrayRank == 0, !outcome.plated, let k = outcome.type.sizes[0] else {
            throw fail("the outcome of \(name) must be a square matrix, got \(outcome.type)", outcomeLocation)
        }
        let factor = name == "lkj_corr" ? materialize(outcome).cholesky() : materialize(outcome)
        let logDiagonal = (factor * pattern(.identity, [k, k])).matmul(fill(1, [k])).log()
        let e = materialize(eta)
        var node: Expr
        if name == "lkj_corr" {
            node = 2.0 * (e - 1.0) * logDiagonal.sum()
        } else {
            node = ((pattern(.lkjWeights, [k]) + 2.0 * e) * logDiagonal).sum()
        }
        if !eta.dataOnly || normalised {
            node = node + ((e + pattern(.lkjHalfDimension, [k])).lgamma() - (e + pattern(.lkjOffsets, [k])).lgamma()).sum()
        }
        if normalised {
            // Σ_{k=1}^{K−1} (k/2) log π = K(K − 1)/4 · log π.
            let dimension: Expr = fill(1, [k]).sum()
            let pairs: Expr = dimension * (dimension - 1.0)
            node = node - pairs * Lowering.quarterLogPi
        }
        return Value(type: .real, node: node, dataOnly: outcome.dataOnly && eta.dataOnly)
    }

    /// A multivariate normal's covariance must be symmetric: the graph factors its lower triangle
    /// only, so an asymmetric one would be read as another, symmetric matrix (Stan refuses it).
    /// Data are checked when they are read (`OutcomeCheck`); a covariance built from parameters
    /// as `diag_pre_multiply`/`diag_post_multiply` (the scales on one side only: asymmetric unless
    /// they are all equal, a slip for `quad_form_diag`) is refused here.
    /// Returns whether the graph must check it (`symmetryTerm`).
    func checkSymmetric(_ e: Expression, _ sigma: Value, at l: StanSourceLocation) throws -> Bool {
        // Data the host can evaluate are checked when they are read; what it cannot (a local
        // computed from data) gets the symmetry term, as a covariance from parameters does.
        if sigma.dataOnly, recordOutcomeCheck("multi_normal", outcome: e, bounds: [nil, nil], kind: .symmetric, at: l) { return false }
        if case .call(let f, let args, _, let cl) = e, f == "diag_pre_multiply" || f == "diag_post_multiply", args.count == 2 {
            let (v, m) = f == "diag_pre_multiply" ? (args[0], args[1]) : (args[1], args[0])
            throw fail("the covariance of multi_normal, \(f)(…), scales one side only and is not symmetric (Stan rejects it); "
                       + "for scales \(v.canonical) around a correlation matrix \(m.canonical) write quad_form_diag(\(m.canonical), \(v.canonical)), "
                       + "or with the correlation's Cholesky factor L, multi_normal_cholesky(mu, diag_pre_multiply(\(v.canonical), L))", cl)
        }
        return true
    }

    /// 0 where the covariance S is symmetric and −∞ where it is not (Stan's `check_symmetric`
    /// rejects the point), with a zero gradient: a term of the model block's log density for a
    /// covariance that depends on parameters or on a local the host does not evaluate (the graph
    /// factors its lower triangle only, so an asymmetric one would be read as another matrix),
    /// and part of the density's value where that is a value (generated quantities, a recurrence). With a = Σ (S − Sᵀ)² and
    /// u = τ (Σ S² + 1) − a, the term is log relu(u) − log(relu(u) + relu(−u)): log u − log u = 0
    /// (its two adjoints cancel exactly) for u > 0, log 0 = −∞ for u < 0. τ = 10⁻¹⁰ lets rounding
    /// through (S's two triangles computed in different orders differ by ~10⁻⁷ relative in f32)
    /// and stops scales on one side only (`diag_pre_multiply(tau, Omega)`, asymmetric by O(1)).
    func symmetryTerm(_ s: Expr) -> Expr {
        let asymmetry = (s - s.transposed()).square().sum()
        let u = Lowering.asymmetryAllowed * (s.square().sum() + 1.0) - asymmetry
        let inside = u.relu()
        return inside.log() - (inside + (-u).relu()).log()
    }

    /// τ in `symmetryTerm`, relative on sums of squares: a covariance whose triangles differ by more
    /// than about 10⁻⁵ relative is refused.
    static let asymmetryAllowed = 1e-10

    /// The discrete families' supports [L, U] (U nil: unbounded) from their arguments' expressions,
    /// checked against data outcomes when the data are read (`recordOutcomeCheck`).
    static let discreteSupport: [String: ([Expression], StanSourceLocation) -> [Expression?]] = {
        let binary: ([Expression], StanSourceLocation) -> [Expression?] = { _, l in [.integer(0, l), .integer(1, l)] }
        let counts: ([Expression], StanSourceLocation) -> [Expression?] = { _, l in [.integer(0, l), nil] }
        let trials: ([Expression], StanSourceLocation) -> [Expression?] = { a, l in [.integer(0, l), a.first] }
        return ["bernoulli": binary, "bernoulli_logit": binary, "binomial": trials, "binomial_logit": trials, "beta_binomial": trials,
                "poisson": counts, "poisson_log": counts, "neg_binomial": counts, "neg_binomial_2": counts, "neg_binomial_2_log": counts,
                "multinomial": counts, "multinomial_logit": counts, "poisson_log_glm": counts, "bernoulli_logit_glm": binary,
                "beta_neg_binomial": counts, "neg_binomial_2_log_glm": counts, "dirichlet_multinomial": counts, "binomial_logit_glm": trials,
                "discrete_range": { a, _ in [a.first, a.count > 1 ? a[1] : nil] }]
    }()

    /// log(π)/4, the LKJ constant's factor.
    static let quarterLogPi = 0.25 * 1.1447298858494002

    /// Stan's names of the families with a per-row log density (`FormulaDensities.elementwise`
    /// and the formula families), for messages.
    static let perRowFamilies = "normal, std_normal, cauchy, student_t, exponential, gamma, inv_gamma, lognormal, beta, "
        + "bernoulli(_logit), binomial(_logit), poisson(_log), " + formulaFamilies.keys.sorted().joined(separator: ", ")

    static func stanParameterNames(_ d: Distribution) -> String {
        switch d {
        case .studentT: return "nu, mu, sigma"
        case .exponential: return "beta"
        case .gamma, .inverseGamma, .beta: return "alpha, beta"
        case .uniform: return "alpha, beta"
        case .bernoulliLogit, .poissonLog: return "alpha"
        case .binomialLogit: return "N, alpha"
        case .categoricalLogit: return "beta"
        case .multiNormalCholesky: return "mu, L"
        default: return d.parameterNames.joined(separator: ", ")
        }
    }
}

extension Lowering {
    /// A `log_density` node without a term (`~` and `target +=` add their own). `Expr.apply`
    /// cannot attach the family, so it is recorded and set on the node when lowering finishes.
    func logDensityNode(_ family: Distribution, _ y: Expr, _ args: [Expr]) -> Expr {
        let node: Expr
        switch args.count {
        case 0: node = y.apply(.logDensity)
        case 1: node = y.apply(.logDensity, args[0])
        case 2: node = y.apply(.logDensity, args[0], args[1])
        default: node = y.apply(.logDensity, args[0], args[1], args[2])
        }
        densityFamilies[node.id] = family
        return node
    }
}
