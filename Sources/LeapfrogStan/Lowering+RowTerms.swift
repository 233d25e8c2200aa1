import LeapfrogModel

/// A vectorised density over rows — `y ~ normal(a + b * x, sigma);`, `target +=
/// bernoulli_logit_lpmf(y | alpha[g] + X * beta);` with y, x, g of N rows and X an N-row matrix —
/// equals the loop over its rows, `for (n in 1:N) y[n] ~ normal(a + b * x[n], sigma);` (Stan's
/// vectorised densities and log distribution functions, `_lcdf` and `_lccdf`, are sums over their
/// elements), and is lowered as that loop: its term is
/// then a plate that a device kernel streams row by row, where the whole statement's [N]
/// intermediate values would sit in each work-item's private memory (a regression on 20,000 rows
/// was refused by OpenCL, its loop form ran at 500,000 gradients/s).
///
/// Only what is elementwise by construction is rewritten: a family whose density is a sum over
/// elements (`rowFamilies`), an outcome and arguments built from variables (a variable with N rows
/// is read at row n, a matrix's row is multiplied by a vector without rows, a multi-index of N
/// rows indexes per row), numbers, `+ - * / .* ./ ^`, unary minus and the elementwise functions;
/// anything else keeps the statement whole, as before. Where the loop form cannot be lowered the
/// statement is lowered whole.
extension Lowering {
    /// Stan's families whose vectorised density is the sum of their elements' (with `~`, which
    /// leaves out data-only constants, or as `_lpdf`/`_lpmf`).
    static let rowFamilies: Set<String> = [
        "normal", "student_t", "cauchy", "double_exponential", "logistic", "gumbel", "lognormal", "chi_square", "inv_chi_square",
        "scaled_inv_chi_square", "exponential", "gamma", "inv_gamma", "weibull", "frechet", "rayleigh", "pareto", "beta",
        "beta_proportion", "skew_normal", "bernoulli", "bernoulli_logit", "binomial", "binomial_logit", "poisson", "poisson_log",
        "neg_binomial", "neg_binomial_2", "neg_binomial_2_log", "beta_binomial", "beta_neg_binomial", "discrete_range", "loglogistic", "exp_mod_normal", "von_mises",
        "skew_double_exponential",
    ]

    /// `s`, a vectorised density over the rows of a data extent, as a loop over them; nil for any
    /// other statement, or where the model is not at its top level.
    func rowTermLoop(_ s: Statement) -> Statement? {
        guard block == .model, plate == nil, columnPlate == nil, recurrences.isEmpty, indicator == nil, capturedTerms == nil,
              inlineSites.isEmpty else { return nil }
        let l = s.location
        // The family, the outcome and arguments, and the statement again from their rows' values.
        let family: String, outcome: Expression, args: [Expression], statement: (Expression, [Expression]) -> Statement
        switch s {
        case .tilde(let y, let d, let a, _):
            guard userFunction(d, tilde: true) == nil else { return nil }
            (family, outcome, args) = (d, y, a)
            statement = { .tilde(outcome: $0, distribution: d, args: $1, l) }
        case .targetIncrement(.call(let name, let a, true, let cl), _):
            guard userFunction(name) == nil,
                  let suffix = ["_lpdf", "_lpmf", "_lupdf", "_lupmf", "_lcdf", "_lccdf"].first(where: { name.hasSuffix($0) }),
                  let y = a.first else { return nil }
            (family, outcome, args) = (String(name.dropLast(suffix.count)), y, Array(a.dropFirst()))
            statement = { .targetIncrement(.call(name, [$0] + $1, conditional: true, cl), l) }
        default:
            return nil
        }
        guard Lowering.rowFamilies.contains(family), let rows = rowExtent(outcome) else { return nil }
        let n = "row\(syntheticLoopCount)__"  // Stan reserves names ending in __; not "__…", which names synthetic data
        var reader = RowReader(lowering: self, rows: rows, index: n)
        guard let y = reader.rewrite(outcome), y.rank == 0, reader.readsRows else { return nil }
        var perRow: [Expression] = []
        for a in args {
            guard let r = reader.rewrite(a), r.rank == 0 else { return nil }
            perRow.append(r.expression)
        }
        syntheticLoopCount += 1
        return .forLoop(variable: n, lower: .integer(1, l), upper: .variable(rows, l), body: statement(y.expression, perRow), l)
    }

    /// The data variable that sizes the first extent of the outcome's first variable with rows.
    private func rowExtent(_ outcome: Expression) -> String? {
        for v in outcome.variables.sorted() {
            guard let sym = scope.lookup(v), sym.type.rank >= 1, case .symbol(let s)?? = sym.type.sizes.first else { continue }
            if case .data? = scope.lookup(s)?.kind, scope.lookup(s)!.type.isIntScalar { return s }
        }
        return nil
    }
}

/// Rewrites an expression over whole vectors into its value at row `index` of the extent `rows`
/// (`RowTerms`), with the rank of that value; nil for what it does not know to be elementwise.
private struct RowReader {
    let lowering: Lowering
    let rows: String
    let index: String
    /// Whether some variable was read at the row.
    var readsRows = false

    /// Whether `t` has the rows as its first extent.
    func hasRows(_ t: StanType) -> Bool {
        guard t.rank >= 1, case .symbol(let s)?? = t.sizes.first else { return false }
        return s == rows
    }

    mutating func rewrite(_ e: Expression) -> (expression: Expression, rank: Int)? {
        switch e {
        case .integer, .real:
            return (e, 0)
        case .variable(let name, let l):
            guard let sym = lowering.scope.lookup(name) else { return nil }
            if case .plateIndex = sym.kind { return nil }
            guard hasRows(sym.type) else { return (e, sym.type.rank) }
            readsRows = true
            return (.index(e, [.single(.variable(index, l))], l), sym.type.rank - 1)
        case .index(.variable(let name, let vl), let idx, let l):
            // An element (`mu[1]`) or a gather by a multi-index of N rows (`alpha[g]` → `alpha[g[n]]`).
            guard let sym = lowering.scope.lookup(name), idx.count <= sym.type.rank else { return nil }
            var singles: [IndexArgument] = []
            for i in idx {
                guard case .single(let x) = i, let r = rewrite(x), r.rank == 0 else { return nil }
                singles.append(.single(r.expression))
            }
            return (.index(.variable(name, vl), singles, l), sym.type.rank - idx.count)
        case .binary(let op, let a, let b, let l):
            guard ["+", "-", "*", "/", ".*", "./", "^", ".^"].contains(op) else { return nil }
            if op == "*", case .variable(let name, _) = a, let sym = lowering.scope.lookup(name), sym.type.base == .matrix,
               sym.type.arrayRank == 0, hasRows(sym.type) {
                // A matrix's row times a vector without rows (`X * beta` → `X[n] * beta`).
                let before = readsRows
                guard let rb = rewrite(b), rb.rank == 1, readsRows == before else { return nil }
                readsRows = true
                return (.binary("*", .index(a, [.single(.variable(index, l))], l), rb.expression, l), 0)
            }
            guard let ra = rewrite(a), let rb = rewrite(b), ra.rank == 0, rb.rank == 0 else { return nil }
            return (.binary(op, ra.expression, rb.expression, l), 0)
        case .unary(let op, let a, let l):
            guard op == "-" || op == "+", let r = rewrite(a), r.rank == 0 else { return nil }
            return (.unary(op, r.expression, l), 0)
        case .call(let f, let args, false, let l):
            guard Lowering.elementwise[f] != nil || Lowering.rewrittenUnary.contains(f), args.count == 1,
                  let r = rewrite(args[0]), r.rank == 0 else { return nil }
            return (.call(f, [r.expression], conditional: false, l), 0)
        default:
            return nil
        }
    }
}
