import LeapfrogModel

/// Stan's families that the graph has no density node for, written as their log density
/// formulas in the graph's elementwise operations (so the CPU reference and the OpenCL kernels,
/// gradients included, need nothing of their own): the count families of overdispersed data
/// (`neg_binomial_2`, `neg_binomial_2_log`, `neg_binomial`, `beta_binomial`) and the continuous
/// families whose density needs only `log`, `exp`, `pow`, `lgamma` and `log1p_exp`. Normalising
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
        "logistic": FormulaFamily(parameters: ["mu", "sigma"]),
        "gumbel": FormulaFamily(parameters: ["mu", "beta"]),
        "weibull": FormulaFamily(parameters: ["alpha", "sigma"]),
        "frechet": FormulaFamily(parameters: ["alpha", "sigma"]),
        "rayleigh": FormulaFamily(parameters: ["sigma"]),
        "pareto": FormulaFamily(parameters: ["y_min", "alpha"]),
        "chi_square": FormulaFamily(parameters: ["nu"]),
        "inv_chi_square": FormulaFamily(parameters: ["nu"]),
        "scaled_inv_chi_square": FormulaFamily(parameters: ["nu", "s"]),
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
        let all = [outcome] + args
        for a in all where a.summedOverPlate { throw fail("a log density cannot be an argument of a distribution", l) }
        try rejectFlattened(all, at: l)
        try checkElementwiseShapes(all, at: l, name)
        let node = FormulaDensities.logDensity(name, materialize(outcome), args.map { materialize($0) })
        let dataOnly = all.allSatisfy(\.dataOnly)
        if perRowDensities, plate != nil, all.contains(where: \.plated), all.allSatisfy({ $0.type.isScalar }) {
            var v = Value(type: .real, node: node, plated: true, dataOnly: dataOnly)
            v.columns = all.contains { $0.columns }
            return v
        }
        var v = Value(type: .real, node: node.sum(), dataOnly: dataOnly)
        v.summedOverPlate = plate != nil && all.contains { $0.plated }
        return v
    }
}
