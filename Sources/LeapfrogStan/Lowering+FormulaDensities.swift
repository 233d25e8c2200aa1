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
        /// The log density of y given the arguments, element by element.
        var logDensity: (_ y: Expr, _ p: [Expr]) -> Expr
    }

    static let formulaFamilies: [String: FormulaFamily] = [
        // lgamma(y + φ) − lgamma(y + 1) − lgamma(φ) + y (η − L) + φ (log φ − L), L = log(e^η + φ).
        "neg_binomial_2_log": FormulaFamily(parameters: ["eta", "phi"], discrete: true) { y, p in
            negativeBinomial2(y, logMean: p[0], phi: p[1])
        },
        "neg_binomial_2": FormulaFamily(parameters: ["mu", "phi"], discrete: true) { y, p in
            negativeBinomial2(y, logMean: p[0].log(), phi: p[1])
        },
        // lgamma(y + α) − lgamma(y + 1) − lgamma(α) + α log(β / (1 + β)) − y log(1 + β).
        "neg_binomial": FormulaFamily(parameters: ["alpha", "beta"], discrete: true) { y, p in
            let (a, b) = (p[0], p[1])
            return (y + a).lgamma() - (y + 1.0).lgamma() - a.lgamma() + a * (b.log() - b.log1p()) - y * b.log1p()
        },
        // log C(N, y) + log B(y + α, N − y + β) − log B(α, β).
        "beta_binomial": FormulaFamily(parameters: ["N", "alpha", "beta"], discrete: true) { y, p in
            let (n, a, b) = (p[0], p[1], p[2])
            return (n + 1.0).lgamma() - (y + 1.0).lgamma() - (n - y + 1.0).lgamma()
                + logBeta(y + a, n - y + b) - logBeta(a, b)
        },
        // z = (y − μ)/σ: −z − log σ − 2 log(1 + e^(−z)).
        "logistic": FormulaFamily(parameters: ["mu", "sigma"]) { y, p in
            let z = (y - p[0]) / p[1]
            return -z - p[1].log() - 2.0 * (-z).log1pExp()
        },
        // z = (y − μ)/β: −log β − z − e^(−z).
        "gumbel": FormulaFamily(parameters: ["mu", "beta"]) { y, p in
            let z = (y - p[0]) / p[1]
            return -p[1].log() - z - (-z).exp()
        },
        // log α − log σ + (α − 1)(log y − log σ) − (y/σ)^α.
        "weibull": FormulaFamily(parameters: ["alpha", "sigma"]) { y, p in
            let (a, s) = (p[0], p[1])
            return a.log() - s.log() + (a - 1.0) * (y.log() - s.log()) - (y / s).pow(a)
        },
        // log α − log σ − (1 + α)(log y − log σ) − (y/σ)^(−α).
        "frechet": FormulaFamily(parameters: ["alpha", "sigma"]) { y, p in
            let (a, s) = (p[0], p[1])
            return a.log() - s.log() - (a + 1.0) * (y.log() - s.log()) - (s / y).pow(a)
        },
        // log y − 2 log σ − y² / (2σ²).
        "rayleigh": FormulaFamily(parameters: ["sigma"]) { y, p in
            y.log() - 2.0 * p[0].log() - y.square() / (2.0 * p[0].square())
        },
        // log α + α log y_min − (α + 1) log y, for y ≥ y_min.
        "pareto": FormulaFamily(parameters: ["y_min", "alpha"]) { y, p in
            p[1].log() + p[1] * p[0].log() - (p[1] + 1.0) * y.log()
        },
        // (ν/2 − 1) log y − y/2 − (ν/2) log 2 − lgamma(ν/2).
        "chi_square": FormulaFamily(parameters: ["nu"]) { y, p in
            let h = p[0] * 0.5
            return (h - 1.0) * y.log() - 0.5 * y - h * log2 - h.lgamma()
        },
        // −(ν/2) log 2 − lgamma(ν/2) − (ν/2 + 1) log y − 1/(2y).
        "inv_chi_square": FormulaFamily(parameters: ["nu"]) { y, p in
            let h = p[0] * 0.5
            return -h * log2 - h.lgamma() - (h + 1.0) * y.log() - 0.5 / y
        },
        // (ν/2) log(ν/2) − lgamma(ν/2) + ν log s − (ν/2 + 1) log y − ν s² / (2y).
        "scaled_inv_chi_square": FormulaFamily(parameters: ["nu", "s"]) { y, p in
            let h = p[0] * 0.5
            return h * h.log() - h.lgamma() + p[0] * p[1].log() - (h + 1.0) * y.log() - h * p[1].square() / y
        },
    ]

    /// log 2.
    static let log2 = 0.693_147_180_559_945_309_42

    /// The negative binomial of mean e^η and precision φ: L = log(e^η + φ) = log φ + log(1 + e^(η − log φ)).
    static func negativeBinomial2(_ y: Expr, logMean eta: Expr, phi: Expr) -> Expr {
        let logPhi = phi.log()
        let l = logPhi + (eta - logPhi).log1pExp()
        return (y + phi).lgamma() - (y + 1.0).lgamma() - phi.lgamma() + y * (eta - l) + phi * (logPhi - l)
    }

    /// log B(a, b) = lgamma(a) + lgamma(b) − lgamma(a + b).
    static func logBeta(_ a: Expr, _ b: Expr) -> Expr { a.lgamma() + b.lgamma() - (a + b).lgamma() }

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
        let node = family.logDensity(materialize(outcome), args.map { materialize($0) })
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
