import LeapfrogCore
import LeapfrogModel

/// Stan's families that the graph has no density node for, written as their log density
/// formulas in the graph's elementwise operations (so the CPU reference and the OpenCL kernels,
/// gradients included, need nothing of their own): the count families of overdispersed data
/// (`neg_binomial_2`, `neg_binomial_2_log`, `neg_binomial`, `beta_binomial`, `beta_neg_binomial`) and the continuous
/// families whose density needs only `log`, `exp`, `pow`, `lgamma`, `log1p_exp`, `log Φ` and `relu`. Normalising
/// constants are kept, as for the graph's own families. Formulas: the Stan Functions Reference
/// ("Unbounded discrete distributions", "Bounded discrete distributions", "Positive continuous",
/// "Positive lower-bounded", "Unbounded continuous" distributions).
///
/// The outcome is taken to lie in the support (y ≥ 0 for the counts and the positive families,
/// y ≥ y_min for the Pareto): the data's declared bounds check data, a parameter's constraint
/// keeps it there.
extension Lowering {
    struct FormulaFamily {
        /// The arguments after the outcome, as Stan names them.
        var parameters: [String]
        /// The outcome is an integer data variable (a count).
        var discrete = false
    }

    static let formulaFamilies: [String: FormulaFamily] = [
        "neg_binomial_2_log": FormulaFamily(parameters: ["eta", "phi"], discrete: true),
        "neg_binomial_2": FormulaFamily(parameters: ["mu", "phi"], discrete: true),
        "neg_binomial": FormulaFamily(parameters: ["alpha", "beta"], discrete: true),
        "beta_binomial": FormulaFamily(parameters: ["N", "alpha", "beta"], discrete: true),
        "beta_neg_binomial": FormulaFamily(parameters: ["r", "alpha", "beta"], discrete: true),
        "discrete_range": FormulaFamily(parameters: ["lower", "upper"], discrete: true),
        "von_mises": FormulaFamily(parameters: ["mu", "kappa"]),
        "logistic": FormulaFamily(parameters: ["mu", "sigma"]),
        "gumbel": FormulaFamily(parameters: ["mu", "beta"]),
        "weibull": FormulaFamily(parameters: ["alpha", "sigma"]),
        "frechet": FormulaFamily(parameters: ["alpha", "sigma"]),
        "rayleigh": FormulaFamily(parameters: ["sigma"]),
        "pareto": FormulaFamily(parameters: ["y_min", "alpha"]),
        "double_exponential": FormulaFamily(parameters: ["mu", "sigma"]),
        "chi_square": FormulaFamily(parameters: ["nu"]),
        "inv_chi_square": FormulaFamily(parameters: ["nu"]),
        "scaled_inv_chi_square": FormulaFamily(parameters: ["nu", "s"]),
        "skew_normal": FormulaFamily(parameters: ["xi", "omega", "alpha"]),
        "exp_mod_normal": FormulaFamily(parameters: ["mu", "sigma", "lambda"]),
        "beta_proportion": FormulaFamily(parameters: ["mu", "kappa"]),
        "loglogistic": FormulaFamily(parameters: ["alpha", "beta"]),
        "skew_double_exponential": FormulaFamily(parameters: ["mu", "sigma", "tau"]),
    ]

    /// `name(outcome | args)` of a formula family: the elements' log densities summed (inside a
    /// vectorised loop, over the rows too), or one per row where a value is stored per row
    /// (`perRowDensities`).
    func formulaDensity(_ name: String, _ family: FormulaFamily, outcome rawOutcome: Value, args: [Value],
                        at l: StanSourceLocation, outcomeLocation: StanSourceLocation) throws -> Value {
        guard args.count == family.parameters.count else {
            throw fail("\(name) takes \(family.parameters.count) argument\(family.parameters.count == 1 ? "" : "s") after the outcome "
                       + "(\(family.parameters.joined(separator: ", "))), got \(args.count)", l)
        }
        let outcome = rawOutcome
        if family.discrete {
            guard outcome.dataOnly, outcome.type.isInteger else {
                throw fail("the outcome of \(name) must be integer data (counts)", outcomeLocation)
            }
        }
        return try elementwiseDensity([outcome] + args, name, at: l) { FormulaDensities.logDensity(name, $0[0], Array($0.dropFirst())) }
    }

    /// An elementwise log density of `all` (the outcome, then the arguments; `name`'s, for
    /// messages) given the elements' `formula`: summed over the elements (inside a vectorised loop,
    /// over the rows too), or one per row where a value is stored per row (`perRowDensities`).
    func elementwiseDensity(_ all: [Value], _ name: String, at l: StanSourceLocation, _ formula: ([Expr]) -> Expr) throws -> Value {
        for a in all where a.summedOverPlate { throw fail("a log density cannot be an argument of a distribution", l) }
        try rejectFlattened(all, at: l)
        if let v = perRowOfVectors(all, formula) { return v }
        try checkElementwiseShapes(all, at: l, name)
        let node = formula(all.map { materialize($0) })
        return wantsPerRow(all) ? perRow(node, of: all) : summed(node.sum(), of: all)
    }

    /// Whether an elementwise density of `all` is wanted one per row (and per inner index): a value
    /// stored per row (`perRowDensities`), of scalar arguments some of which depend on the rows or
    /// on the inner index.
    func wantsPerRow(_ all: [Value]) -> Bool {
        perRowDensities && plate != nil && all.contains { $0.plated || $0.columns } && all.allSatisfy(\.type.isScalar)
    }

    /// `node`, elementwise over `all`, as one value per row (and per inner index).
    func perRow(_ node: Expr, of all: [Value]) -> Value {
        var v = Value(type: .real, node: node, plated: all.contains(where: \.plated), dataOnly: all.allSatisfy(\.dataOnly))
        v.columns = all.contains { $0.columns }
        return v
    }

    /// `total`, the sum over the elements of `all`: inside a vectorised loop, over its rows too.
    func summed(_ total: Expr, of all: [Value]) -> Value {
        var v = Value(type: .real, node: total, dataOnly: all.allSatisfy(\.dataOnly))
        v.summedOverPlate = plate != nil && all.contains { $0.plated }
        return v
    }

    /// `family_lcdf(y | args)`, `_lccdf` or `_cdf` (`suffix`): the elements' log (complementary)
    /// CDFs summed (`FormulaDensities.logCDF`), for `_cdf` the exponential of that sum (Stan's
    /// vectorised CDF is the product); inside a vectorised loop summed over the rows too, or one
    /// per row where a value is stored per row.
    func cumulative(_ family: String, _ suffix: String, _ args: [Value], at l: StanSourceLocation) throws -> Value {
        let expected = (FormulaDensities.cdfFamilies[family] ?? 0) + 1
        guard args.count == expected else {
            throw fail("\(family)\(suffix) takes an outcome and \(expected - 1) argument\(expected == 2 ? "" : "s"), got \(args.count - 1)", l)
        }
        for a in args where a.summedOverPlate { throw fail("a log density cannot be an argument of a distribution function", l) }
        let args = try aligned(args, at: l)
        try rejectFlattened(args, at: l)
        try checkElementwiseShapes(args, at: l, family + suffix)
        let nodes = args.map { materialize($0) }
        let logCDF = FormulaDensities.logCDF(family, nodes[0], Array(nodes.dropFirst()), complement: suffix == "_lccdf")!
        if wantsPerRow(args) { return perRow(suffix == "_cdf" ? logCDF.exp() : logCDF, of: args) }
        // A CDF (not its log) of many rows is a product; summed over a plate it would be wrong.
        if suffix == "_cdf" && plate != nil && args.contains(where: \.plated) {
            throw fail("\(family)_cdf inside a vectorised loop is not supported; use \(family)_lcdf, its logarithm", l)
        }
        let total = logCDF.sum()
        return summed(suffix == "_cdf" ? total.exp() : total, of: args)
    }

    /// `family_lcdf(k | args)`, `_lccdf` or `_cdf` of a count family at a constant count k
    /// (`FormulaDensities.discreteLogCDF`), element by element over the arguments as `cumulative`.
    func discreteCumulative(_ family: String, _ suffix: String, _ argExprs: [Expression], at l: StanSourceLocation) throws -> Value {
        let expected = FormulaDensities.discreteCDFFamilies[family]! + 1
        guard argExprs.count == expected else {
            throw fail("\(family)\(suffix) takes an outcome and \(expected - 1) argument\(expected == 2 ? "" : "s"), got \(argExprs.count - 1)", l)
        }
        // A count from data or parameters (censored counts): a value.
        let countFromData = foldConstant(argExprs[0]) == nil
        let k = countFromData ? 0 : try constantCount(argExprs[0], "\(family)\(suffix)")
        let args = try (countFromData ? argExprs : Array(argExprs.dropFirst())).map { try expression($0) }
        for a in args where a.summedOverPlate { throw fail("a log density cannot be an argument of a distribution function", l) }
        let aligned = try aligned(args, at: l)
        try rejectFlattened(aligned, at: l)
        try checkElementwiseShapes(aligned, at: l, family + suffix)
        let nodes = aligned.map { materialize($0) }
        let logCDF = countFromData
            ? FormulaDensities.countLogCDF(family, nodes[0], Array(nodes.dropFirst()), complement: suffix == "_lccdf")!
            : FormulaDensities.discreteLogCDF(family, upTo: k, nodes, complement: suffix == "_lccdf")
        if wantsPerRow(aligned) { return perRow(suffix == "_cdf" ? logCDF.exp() : logCDF, of: aligned) }
        if suffix == "_cdf" && plate != nil && aligned.contains(where: \.plated) {
            throw fail("\(family)_cdf inside a vectorised loop is not supported; use \(family)_lcdf, its logarithm", l)
        }
        let total = logCDF.sum()
        return summed(suffix == "_cdf" ? total.exp() : total, of: aligned)
    }

    /// `y ~ family(args) T[L, U]` for a count family with constant bounds (a zero-truncated
    /// Poisson, `T[1, ]`): the log probability minus, per element of y, log P(L ≤ Y ≤ U): log P(Y >
    /// L − 1) with only L, log P(Y ≤ U) with only U, log(P(Y ≤ U) − P(Y ≤ L − 1)) with both (Stan's
    /// truncation of a discrete family); a lower bound at or below 0 truncates nothing. Counts
    /// outside [L, U] stop when the data are read (`OutcomeCheck`).
    func discreteTruncated(_ family: String, _ argExprs: [Expression], at l: StanSourceLocation) throws -> Value {
        let outcomeExpression = argExprs[0], rest = Array(argExprs.dropFirst(3))
        func bound(_ e: Expression) throws -> Int? {
            if case .string = e { return nil }
            return try constantCount(e, "T[…] of \(family)")
        }
        if case .string = argExprs[1], case .string = argExprs[2] { throw fail("T[ , ] needs a lower or an upper bound", l) }
        let (lower, upper) = (try bound(argExprs[1]).flatMap { $0 > 0 ? $0 : nil }, try bound(argExprs[2]))
        let outcome = try expression(outcomeExpression)
        let args = try rest.map { try expression($0) }
        let lp = try density(family, outcome: outcome, args: args, expressions: [outcomeExpression] + rest, at: l,
                             outcomeLocation: outcomeExpression.location)
        recordOutcomeCheck(family, outcome: outcomeExpression, bounds: [argExprs[1], argExprs[2]], kind: .truncation, at: l)
        if lower == nil && upper == nil { return lp }
        // The arguments broadcast to the outcome's elements: one normaliser per count.
        let zero = derived(outcome, node: materialize(outcome) * 0.0, type: outcome.type.promotedToReal)
        let all = try aligned([zero] + args, at: l)
        try checkElementwiseShapes(all, at: l, "T[…] of \(family)")
        let p = all.dropFirst().map { materialize($0) + materialize(all[0]) }
        func logF(_ k: Int, complement: Bool) -> Expr { FormulaDensities.discreteLogCDF(family, upTo: k, p, complement: complement) }
        let logMass: Expr
        switch (lower, upper) {
        case (let a?, nil): logMass = logF(a - 1, complement: true)
        case (nil, let b?): logMass = logF(b, complement: false)
        case (let a?, let b?): logMass = FormulaDensities.logDiffExp(logF(b, complement: false), logF(a - 1, complement: false))
        default: preconditionFailure()
        }
        let normaliser = summed(logMass.sum(), of: all)
        if normaliser.summedOverPlate != lp.summedOverPlate {
            throw fail("T[…] here mixes values that depend on the loop's rows with ones that do not; write the bounds per row", l)
        }
        return try binary("-", lp, normaliser, at: l)
    }

    /// The integer constant `e`, a count for a discrete distribution function or a truncation
    /// bound (`what`).
    func constantCount(_ e: Expression, _ what: String) throws -> Int {
        guard let k = foldConstant(e) else {
            throw fail("\(what) needs constant bounds (T[1, ], T[0, 10]); bounds from data or parameters are not supported yet", e.location)
        }
        guard k == k.rounded(), abs(k) < 1e15 else { throw fail("\(what) needs an integer count, got \(NumberFormat.significant(k, digits: 6))", e.location) }
        return Int(k)
    }

    /// The name the parser gives `y ~ D(…) T[L, U]`: `truncated__D(y, L, U, …)`.
    static let truncatedPrefix = "truncated__"

    /// Records a check of a density's outcome against [L, U] (a truncation's, or the family's
    /// support) for when the data are read (`OutcomeCheck`), when the outcome and bounds read
    /// only data, constants and the vectorised loop's index; a parameter outcome's support is its
    /// declaration's business. A missing bound is nil or an empty string (`T[L, ]`). Returns
    /// whether it recorded the check (not for what the host cannot evaluate: a local's value).
    @discardableResult
    func recordOutcomeCheck(_ family: String, outcome: Expression, bounds: [Expression?], kind: OutcomeCheck.Kind, at l: StanSourceLocation) -> Bool {
        let bounds = bounds.map { e -> Expression? in if case .string? = e { return nil } else { return e } }
        var index: (name: String, extent: Dim)?
        for e in [outcome] + bounds.compactMap({ $0 }) {
            for n in e.variables where !n.hasPrefix("__") {
                switch scope.lookup(n)?.kind {
                case .data?, .transformedData?, .loopConstant?: continue
                case .plateIndex(let extent)?: index = (n, extent)
                default: if hostAlias(n, l) == nil { return false }
                }
            }
        }
        outcomeChecks.append(OutcomeCheck(
            family: family, kind: kind, outcome: bindingLoopConstants(outcome), lower: bounds[0].map(bindingLoopConstants),
            upper: bounds[1].map(bindingLoopConstants), index: index?.name, extent: index?.extent,
            loopIndex: index.flatMap { branchRows[$0.name] }.map { ($0.index, $0.selections) }, conditions: conditions,
            location: l))
        return true
    }

    /// `y ~ family(args) T[L, U]`: the log density minus, element by element, the log of the
    /// probability of (L, U): log(1 − F(L)) with only L, log F(U) with only U,
    /// log(F(U) − F(L)) = log F(U) + log(1 − e^(log F(L) − log F(U))) with both (Stan's
    /// truncation). The bounds are broadcast to the outcome's elements (`L + 0 * y`), so a
    /// vector outcome with scalar arguments subtracts one normaliser per element. Data outside
    /// [L, U] are refused when the data are read (`recordOutcomeCheck`); where the outcome or
    /// a bound depends on parameters the density is −∞ outside (below).
    func truncated(_ family: String, _ argExprs: [Expression], at l: StanSourceLocation) throws -> Value {
        guard block == .model else { throw fail("truncation T[…] is only allowed on ~ in the model block", l) }
        if FormulaDensities.discreteCDFFamilies[family] != nil, userFunction(family, tilde: true) == nil {
            return try discreteTruncated(family, argExprs, at: l)
        }
        guard FormulaDensities.cdfFamilies[family] != nil, userFunction(family, tilde: true) == nil else {
            throw fail("truncation T[…] of '\(family)' is not supported (it needs the family's CDF); supported: "
                       + (Array(FormulaDensities.cdfFamilies.keys) + FormulaDensities.discreteCDFFamilies.keys.map { "\($0) (constant bounds)" })
                           .sorted().joined(separator: ", "), l)
        }
        let outcomeExpression = argExprs[0], rest = Array(argExprs.dropFirst(3))
        let outcome = try expression(outcomeExpression)
        let args = try rest.map { try expression($0) }
        let lp = try density(family, outcome: outcome, args: args, expressions: [outcomeExpression] + rest, at: l,
                             outcomeLocation: outcomeExpression.location)
        // Each bound as one value per element of the outcome (an array of reals too, which Stan's
        // arithmetic operators refuse: the nodes are added directly).
        let zero = derived(outcome, node: materialize(outcome) * 0.0, type: outcome.type.promotedToReal)
        func bound(_ e: Expression) throws -> Value? {
            if case .string = e { return nil }
            let b = try expression(e)
            if outcome.type.arrayRank > 0 {
                guard b.type.isScalar || (b.type.arrayRank == outcome.type.arrayRank && b.type.rank == outcome.type.rank) else {
                    throw fail("a bound of T[…] on an array must be a scalar or an array of the outcome's shape", e.location)
                }
                return derived(b, zero, node: materialize(b) + materialize(zero), type: zero.type)
            }
            return try binary("+", b, zero, at: e.location)
        }
        if case .string = argExprs[1], case .string = argExprs[2] { throw fail("T[ , ] needs a lower or an upper bound", l) }
        // A lower bound at or below 0 leaves a positive family whole (its complementary CDF is 1
        // there, and at 0 its log's gradient would be 0 · ∞): `y ~ lognormal(mu, sigma) T[0, ]`.
        let positive: Set<String> = ["lognormal", "exponential", "weibull", "frechet", "rayleigh"]
        let lowerExpression = positive.contains(family) && (foldConstant(argExprs[1]).map { $0 <= 0 } ?? false)
            ? Expression.string("", l) : argExprs[1]
        let (rawLower, rawUpper) = (try bound(lowerExpression), try bound(argExprs[2]))
        recordOutcomeCheck(family, outcome: outcomeExpression, bounds: [argExprs[1], argExprs[2]], kind: .truncation, at: l)
        if rawLower == nil && rawUpper == nil { return lp }
        let all = try aligned([rawLower, rawUpper].compactMap { $0 } + args, at: l)
        let lower = rawLower == nil ? nil : all[0]
        let upper = rawUpper == nil ? nil : all[rawLower == nil ? 0 : 1]
        try checkElementwiseShapes(all, at: l, "T[…] of \(family)")
        let p = all.suffix(args.count).map { materialize($0) }
        func logF(_ b: Value, complement: Bool) -> Expr { FormulaDensities.logCDF(family, materialize(b), p, complement: complement)! }
        let logMass: Expr
        switch (lower, upper) {
        case (let a?, nil): logMass = logF(a, complement: true)
        case (nil, let b?): logMass = logF(b, complement: false)
        case (let a?, let b?):
            // F(U) − F(L) = F(U)·S(L) − F(L)·S(U) (S = 1 − F): with both bounds far in the upper
            // tail the products are ≈ S(L) and S(U), in the lower tail ≈ F(U) and F(L), so their
            // log difference stays accurate on both sides (log F(U) − log F(L) → 0 − 0 gave +∞).
            let (fa, fb) = (logF(a, complement: false), logF(b, complement: false))
            let (sa, sb) = (logF(a, complement: true), logF(b, complement: true))
            logMass = FormulaDensities.logDiffExp(fb + sa, fa + sb)
        default: preconditionFailure()
        }
        let normaliser = summed(logMass.sum(), of: all)
        if normaliser.summedOverPlate != lp.summedOverPlate {
            throw fail("T[…] here mixes values that depend on the loop's rows with ones that do not; write the bounds per row", l)
        }
        var total = try binary("-", lp, normaliser, at: l)
        // Where the outcome or a bound depends on parameters, the density is −∞ outside [L, U]
        // (as Stan's): log relu(d) − log d is 0 for d > 0 and not finite below, d = y − L or
        // U − y, the bound already one per element of y. (Data against data are checked when the
        // data are read: `OutcomeCheck`.)
        for (bound, isLower) in [(lower, true), (upper, false)] {
            guard let bound, !(outcome.dataOnly && bound.dataOnly) else { continue }
            let d = isLower ? materialize(outcome) - materialize(bound) : materialize(bound) - materialize(outcome)
            let inside = summed((d.apply(.relu).log() - d.log()).sum(), of: [outcome, bound])
            if inside.summedOverPlate != total.summedOverPlate {
                throw fail("T[…] here mixes values that depend on the loop's rows with ones that do not; write the bounds per row", l)
            }
            total = try binary("+", total, inside, at: l)
        }
        return total
    }
}
