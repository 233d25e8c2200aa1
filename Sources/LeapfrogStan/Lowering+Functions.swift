import LeapfrogCore
import LeapfrogModel

extension Lowering {
    /// Elementwise functions with a graph operation of their own.
    static let elementwise: [String: Operation] = [
        "exp": .exp, "log": .log, "log1p": .log1p, "expm1": .expm1, "sqrt": .sqrt, "square": .square, "tanh": .tanh, "sin": .sin, "cos": .cos, "atan": .atan,
        "inv_logit": .invLogit, "log_inv_logit": .logInvLogit, "log1p_exp": .log1pExp, "lgamma": .lgamma, "Phi": .phi, "inv_Phi": .invPhi,
    ]

    /// One-argument functions lowered to the graph's operations (`call`).
    static let rewrittenUnary = ["inv", "inv_sqrt", "inv_square", "log1m", "logit", "log1m_exp", "log1m_inv_logit", "inv_cloglog",
                                 "log2", "log10", "exp2", "Phi_approx", "fabs", "abs", "tan", "sinh", "cosh", "asin", "acos", "erf", "erfc",
                                 "step"]
    /// √2.
    static let sqrt2 = 1.414_213_562_373_095_048_80
    /// ln 2 and ln 10.
    static let ln2 = 0.693_147_180_559_945_309_42, ln10 = 2.302_585_092_994_045_684_02

    /// Functions the graph cannot express, with what to use instead.
    static let unsupported: [String: String] = [
        "dims": "only as dims(x)[k] with a constant k; use size, rows and cols",
    ]

    /// The distances ‖x1ᵢ − x2ⱼ‖ [N, M] between points given as `array[] real` (|x1ᵢ − x2ⱼ| through relu,
    /// differentiable away from 0 with derivative 0 there) or `array[] vector` of data (through the
    /// squared norms: √(relu(‖a‖² + ‖b‖² − 2a·b)), whose derivative at 0 is infinite).
    func distances(_ x1: Value, _ x2: Value, _ name: String, at l: StanSourceLocation) throws -> Expr {
        for x in [x1, x2] where !(x.type.arrayRank == 1 && (x.type.rank == 1 || x.type.rank == 2)) {
            throw fail("\(name) needs points as array[] real or array[] vector, got \(x.type)", l)
        }
        guard let n = x1.type.sizes[0], let m = x2.type.sizes[0] else { throw fail("\(name): the number of points is not known", l) }
        let (a, b) = (materialize(x1), materialize(x2))
        if x1.type.rank == 1, x2.type.rank == 1 {
            return FormulaDensities.absolute((fill(1, [m, n]) * a).transposed() - fill(1, [n, m]) * b)
        }
        guard x1.type.rank == 2, x2.type.rank == 2, let k = x1.type.sizes[1], same(k, x2.type.sizes[1]) else {
            throw fail("\(name): the two sets of points have different types: \(x1.type) and \(x2.type)", l)
        }
        guard x1.dataOnly, x2.dataOnly else {
            throw fail("\(name) of array[] vector points that depend on parameters is not supported (the distance's derivative at 0 is infinite); use data points", l)
        }
        let (s1, s2) = (a.square().matmul(fill(1, [k])), b.square().matmul(fill(1, [k])))
        let r2 = (fill(1, [m, n]) * s1).transposed() + fill(1, [n, m]) * s2 - 2.0 * a.matmul(b.transposed())
        return r2.relu().sqrt()
    }

    func call(_ name: String, _ argExprs: [Expression], conditional: Bool, at l: StanSourceLocation) throws -> Value {
        if name == "reduce_sum" || name == "reduce_sum_static" {
            return try expression(try wholeSum(name, argExprs, at: l))
        }
        if let f = userFunction(name) {
            guard let v = try inlineCall(f, argExprs, at: l) else { throw fail("the void function '\(f.name)' has no value; call it as a statement", l) }
            return v
        }
        for suffix in ["_lpdf", "_lupdf", "_lpmf", "_lupmf"] where name.hasSuffix(suffix) {
            let family = String(name.dropLast(suffix.count))
            guard let first = argExprs.first else { throw fail("\(name) needs an outcome: \(name)(y | …)", l) }
            let args = try argExprs.map { try expression($0) }
            return try density(family, outcome: args[0], args: Array(args.dropFirst()), expressions: argExprs,
                               normalised: suffix == "_lpdf" || suffix == "_lpmf", at: l,
                               outcomeLocation: first.location)
        }
        if name.hasPrefix(Lowering.truncatedPrefix) {
            return try truncated(String(name.dropFirst(Lowering.truncatedPrefix.count)), argExprs, at: l)
        }
        if let (family, suffix) = FormulaDensities.cdfCall(name), FormulaDensities.discreteCDFFamilies[family] != nil {
            return try discreteCumulative(family, suffix, argExprs, at: l)
        }
        if let (family, suffix) = FormulaDensities.cdfCall(name) {
            let constants = argExprs.map { foldConstant($0) }
            if let values = constants as? [Double], FormulaDensities.cdfFamilies[family] == values.count - 1 {
                // Of constants, computed here (inside log_diff_exp, say, a dropped one would be wrong).
                let l = FormulaDensities.logCDF(family, values[0], Array(values.dropFirst()), complement: suffix == "_lccdf")!
                return .constant(suffix == "_cdf" ? l.exp() : l, integer: false)
            }
            // The log CDF of constants of a family without one here (a half-distribution's
            // normaliser, `- student_t_lccdf(0 | 3, 0, 10)`) standing alone in a `target +=` sum
            // shifts the log density by a constant, which sampling ignores: dropped. Anywhere else
            // (inside log_mix, times a parameter) leaving it out would change the posterior.
            let alone = block == .model && standaloneTerms.contains("\(l)")
            if alone, suffix != "_cdf", constants.allSatisfy({ $0 != nil }) { return .constant(0, integer: false) }
            guard FormulaDensities.cdfFamilies[family] != nil else {
                throw fail("the cumulative distribution function \(name) is not supported yet; supported for "
                           + FormulaDensities.cdfFamilies.keys.sorted().joined(separator: ", ")
                           + (suffix == "_cdf" ? ""
                              : constants.allSatisfy({ $0 != nil })
                              ? " (of constants it is left out only where it stands alone in a target += sum, a constant shift; here leaving it out would change the posterior)"
                              : " (and of constants standing alone in a target += sum, where it is left out as a constant)"), l)
            }
            let args = try argExprs.map { try expression($0) }
            return try cumulative(family, suffix, args, at: l)
        }
        if conditional { throw fail("'|' is only used in calls to _lpdf, _lpmf, _lcdf and _lccdf functions", l) }
        if name.hasSuffix("_rng") {
            // In generated quantities the block then runs on the host (`HostGeneratedQuantities`),
            // which draws them; in transformed data the host draws them once per run. Stan allows
            // them nowhere else.
            throw fail("random number generators (\(name)) are only allowed in transformed data and generated quantities", l)
        }
        if let solver = Lowering.odeSolvers[name] { return try odeCall(name, solver, argExprs, at: l) }
        if let why = Lowering.unsupported[name] { throw fail("the function '\(name)' is not supported: \(why)", l) }
        switch name {
        case "segment", "head", "tail":
            // Slices: segment(x, i, n) = x[i:(i + n - 1)], head(x, n) = x[1:n], tail(x, n) = x[(N - n + 1):N].
            let count = name == "segment" ? 3 : 2
            guard argExprs.count == count else { throw fail("\(name) takes \(count) arguments, got \(argExprs.count)", l) }
            let x = argExprs[0]
            let t = try expression(x).type
            guard t.rank == 1 || t.arrayRank >= 1 else { throw fail("\(name) needs a vector, row vector or array, got \(t)", l) }
            let range: IndexArgument
            switch name {
            case "segment":
                let (i, n) = (argExprs[1], argExprs[2])
                range = .range(i, .binary("-", .binary("+", i, n, l), .integer(1, l), l), l)
            case "head":
                range = .range(.integer(1, l), argExprs[1], l)
            default:
                guard let size = t.sizes[0] else { throw fail("tail needs a container of known size, got \(t)", l) }
                let n = dimExpression(size, l)
                range = .range(.binary("+", .binary("-", n, argExprs[1], l), .integer(1, l), l), n, l)
            }
            return try expression(.index(x, [range], l))
        case "col", "row":
            // col(m, j) = m[:, j], row(m, i) = m[i].
            guard argExprs.count == 2 else { throw fail("\(name) takes 2 arguments (a matrix and an index), got \(argExprs.count)", l) }
            let t = try expression(argExprs[0]).type
            guard t.base == .matrix, t.arrayRank == 0 else { throw fail("\(name) needs a matrix, got \(t)", l) }
            let index: [IndexArgument] = name == "col" ? [.all(l), .single(argExprs[1])] : [.single(argExprs[1])]
            return try expression(.index(argExprs[0], index, l))
        case "negative_infinity", "positive_infinity", "not_a_number":
            guard argExprs.isEmpty else { throw fail("\(name) takes no arguments, got \(argExprs.count)", l) }
            return .constant(name == "not_a_number" ? .nan : (name == "negative_infinity" ? -.infinity : .infinity), integer: false)
        default: break
        }
        let savedPerRow = perRowDensities
        perRowDensities = plate != nil && (savedPerRow || name == "log_mix" || name == "log_sum_exp")
        let args = try argExprs.map { try expression($0) }
        perRowDensities = savedPerRow
        if name != "sum" && name != "mean" { try rejectFlattened(args, at: l) }
        for a in args where a.summedOverPlate {
            if name == "log_mix" || name == "log_sum_exp" {
                throw fail("inside a vectorised loop, \(name) takes per-row log densities with scalar arguments from \(Lowering.perRowFamilies)", l)
            }
            throw fail("inside a vectorised loop a log density can only be added to target", l)
        }
        func need(_ n: Int) throws {
            guard args.count == n else { throw fail("\(name) takes \(n) argument\(n == 1 ? "" : "s"), got \(args.count)", l) }
        }
        func real(_ i: Int) -> StanType { args[i].type.promotedToReal }
        func node(_ i: Int) -> Expr { materialize(args[i]) }
        func requireShared(_ i: Int) throws {
            if args[i].plated { throw fail("cannot vectorise the loop: \(name) of a value that depends on the loop index", l) }
        }

        if Lowering.linearAlgebraFunctions.contains(name) { return try linearAlgebra(name, args, at: l) }
        if args.contains(where: \.columns), Lowering.elementwise[name] == nil,
           !(Lowering.rewrittenUnary + ["pow"]).contains(name) {
            throw fail("cannot vectorise the nested loop: \(name) of a value that depends on its index", l)
        }
        // Stan's constants log2(), log10() and sqrt2() (Functions Reference, "Mathematical constants").
        if argExprs.isEmpty, let c = HostInterpreter.constants[name] { return .constant(c, integer: false) }
        if let op = Lowering.elementwise[name] {
            try need(1)
            if let c = args[0].constant, let f = HostInterpreter.unary[name] { return .constant(f(c), integer: false) }
            return derived(args[0], node: node(0).apply(op), type: real(0))
        }
        switch name {
        case _ where Lowering.rewrittenUnary.contains(name):
            try need(1)
            if let c = args[0].constant, let f = HostInterpreter.unary[name] { return .constant(f(c), integer: false) }
            let x = node(0)
            let out: Expr
            switch name {
            case "inv": out = 1.0 / x
            case "inv_sqrt": out = 1.0 / x.sqrt()
            case "inv_square": out = 1.0 / x.square()
            case "log1m": out = (-x).log1p()
            case "log1m_exp": out = FormulaDensities.log1mExp(x)
            case "log1m_inv_logit": out = (-x).logInvLogit()                    // log(1 − logit⁻¹(x))
            case "inv_cloglog": out = 1.0 - (-(x.exp())).exp()                  // 1 − exp(−eˣ)
            case "log2": out = x.log() / Lowering.ln2
            case "log10": out = x.log() / Lowering.ln10
            case "exp2": out = (x * Lowering.ln2).exp()
            case "Phi_approx": out = (0.07056 * x.square() * x + 1.5976 * x).invLogit()   // Stan's definition
            case "fabs", "abs": out = FormulaDensities.absolute(x)
            case "tan": out = x.sin() / x.cos()                                 // the User's Guide's Cauchy by tan(τ)
            case "sinh": out = 0.5 * (x.exp() - (-x).exp())
            case "cosh": out = 0.5 * (x.exp() + (-x).exp())
            case "asin": out = (x / (1.0 - x.square()).sqrt()).atan()          // |x| < 1
            case "acos": out = 0.5 * Double.pi - (x / (1.0 - x.square()).sqrt()).atan()
            case "erf": out = 2.0 * (x * Lowering.sqrt2).phi() - 1.0             // erf(x) = 2Φ(x√2) − 1
            case "erfc": out = 2.0 * (-(x * Lowering.sqrt2)).phi()              // erfc(x) = 2Φ(−x√2)
            case "step": out = builder.select(x, x.constant(1), x.constant(0), inclusive: true)   // 1 for x ≥ 0, derivative 0
            default: out = x.log() - (-x).log1p()                               // logit
            }
            return derived(args[0], node: out, type: real(0))
        case "log_modified_bessel_first_kind", "modified_bessel_first_kind":
            // Order 0 only: log I₀(z) (the graph's log_bessel_i0), or I₀(z) = e^(log I₀(z)).
            try need(2)
            guard args[0].constant == 0 else { throw fail("\(name) is supported for order 0 only (its first argument)", l) }
            let log = name.hasPrefix("log")
            if let c = args[1].constant { return .constant(log ? BesselFunction.logI0(c) : BesselFunction.logI0(c).exp(), integer: false) }
            let v = node(1).apply(.logBesselI0)
            return derived(args[1], node: log ? v : v.exp(), type: real(1))
        case "log_diff_exp", "lbeta", "lchoose", "fma", "hypot", "fmax", "fmin", "fdim", "log_inv_logit_diff", "binary_log_loss",
             "log_falling_factorial", "atan2", "gamma_p", "gamma_q", "inc_beta":
            // Elementwise over scalars or containers of one shape.
            try need(name == "fma" || name == "inc_beta" ? 3 : 2)
            try checkRows(args, at: l, name)
            let shapes = Set(args.filter { !$0.type.isScalar }.map(\.type.sizes.count))
            if shapes.count > 1 { throw fail("the arguments of \(name) must be scalars or containers of one shape", l) }
            let (a, b) = (node(0), node(1))
            let out: Expr
            switch name {
            case "log_diff_exp": out = FormulaDensities.logDiffExp(a, b)
            case "lbeta": out = FormulaDensities.logBeta(a, b)
            case "lchoose": out = FormulaDensities.logChoose(a, b)
            case "hypot": out = (a.square() + b.square()).sqrt()
            case "fmax": out = b + (a - b).relu()                               // the larger, b at a tie
            case "fmin": out = a - (a - b).relu()
            case "fdim": out = (a - b).relu()                                    // max(a − b, 0)
            case "log_inv_logit_diff":
                // log(σ(a) − σ(b)) = log σ(a) − log(1 + eᵇ) + log(1 − e^(b − a)), as ordered_logistic's.
                out = a.logInvLogit() - b.log1pExp() + FormulaDensities.log1mExp(b - a)
            case "binary_log_loss": out = -(a * b.log()) - (1.0 - a) * (-b).log1p()   // a the 0/1 outcome
            case "log_falling_factorial": out = (a + 1.0).lgamma() - (a - b + 1.0).lgamma()
            case "atan2":
                // 2 atan(a / (√(a² + b²) + b)), the angle of (b, a) in (−π, π) (a ≠ 0 or b > 0).
                out = 2.0 * (a / ((a.square() + b.square()).sqrt() + b)).atan()
            case "gamma_p", "gamma_q": out = a.logRegularizedGamma(b, complement: name == "gamma_q").exp()  // P(a, z), Q(a, z)
            case "inc_beta": out = a.logIncompleteBeta(b, node(2), complement: false).exp()                 // I_x(a, b)
            default: out = a * b + node(2)                                       // fma
            }
            let container = args.first { !$0.type.isScalar } ?? args[0]
            var v = Value(type: container.type.promotedToReal, node: out, plated: args.contains(where: \.plated),
                          dataOnly: args.allSatisfy(\.dataOnly))
            v.columns = args.contains(where: \.columns)
            return v
        case "pow":
            try need(2)
            if args[0].type.isScalar && args[1].type.isScalar { return try binary("^", args[0], args[1], at: l) }
            try checkRows(args, at: l, name)
            if !args[0].type.isScalar, !args[1].type.isScalar, args[0].type.base != args[1].type.base {
                throw fail("pow cannot combine \(args[0].type) and \(args[1].type)", l)
            }
            return derived(args[0], args[1], node: node(0).pow(node(1)), type: args[0].type.isScalar ? real(1) : real(0))
        case "sum", "mean":
            try need(1)
            let a = args[0]
            if a.type.isScalar && !a.plated { return a }
            if a.flattened { return derived(a, node: name == "sum" ? node(0).sum() : node(0).mean(), type: .real) }
            if a.plated {
                guard name == "sum", a.type.rank == 1, let k = a.type.sizes[0] else {
                    throw fail("cannot vectorise the loop: \(name) of a value that depends on the loop index", l)
                }
                return derived(a, node: node(0).matmul(fill(1, [k])), type: .real)
            }
            return derived(a, node: name == "sum" ? node(0).sum() : node(0).mean(), type: a.type.isInteger && name == "sum" ? .int : .real)
        case "dot_product":
            try need(2)
            for i in 0..<2 where !(args[i].type.rank == 1 && args[i].type.base != .int) {
                throw fail("dot_product needs two vectors, got \(args[i].type)", l)
            }
            if differ(args[0].type.sizes[0], args[1].type.sizes[0]) { throw fail("size mismatch in dot_product: \(args[0].type) and \(args[1].type)", l) }
            switch (args[0].plated, args[1].plated) {
            case (false, false), (true, false): return derived(args[0], args[1], node: node(0).matmul(node(1)), type: .real)
            case (false, true): return derived(args[0], args[1], node: node(1).matmul(node(0)), type: .real)
            case (true, true):
                guard let k = args[0].type.sizes[0] else { throw fail("dot_product: unknown size", l) }
                return derived(args[0], args[1], node: (node(0) * node(1)).matmul(fill(1, [k])), type: .real)
            }
        case "cumulative_sum":
            // The running sums, a product with the lower triangle of ones: O(n²), as small as the
            // vectors it is written for (trends, ordered increments); a vector per row of a
            // vectorised loop ([N, n]) times its transpose.
            try need(1)
            let t = args[0].type
            guard t.rank == 1, let n = t.sizes[0] else { throw fail("cumulative_sum needs a vector, row vector or one-dimensional array, got \(t)", l) }
            if args[0].plated, args[0].columns || t.arrayRank > 0 { try requireShared(0) }
            let sums = args[0].plated ? node(0).matmul(pattern(.lowerOnes, [n, n]).transposed()) : pattern(.lowerOnes, [n, n]).matmul(node(0))
            return derived(args[0], node: sums, type: t.promotedToReal)
        case "squared_distance", "distance":
            try need(2)
            try requireShared(0); try requireShared(1)
            guard args[0].type.rank == 1, args[1].type.rank == 1, !differ(args[0].type.sizes[0], args[1].type.sizes[0]) else {
                throw fail("\(name) needs two vectors of one size, got \(args[0].type) and \(args[1].type)", l)
            }
            let squared = (node(0) - node(1)).square().sum()
            return derived(args[0], args[1], node: name == "distance" ? squared.sqrt() : squared, type: .real)
        case "norm1", "norm2", "variance", "sd":
            try need(1)
            try requireShared(0)
            guard args[0].type.rank >= 1, args[0].type.base != .int || name.hasPrefix("norm") else { throw fail("\(name) needs a vector, got \(args[0].type)", l) }
            let x = node(0)
            let out: Expr
            switch name {
            case "norm1": out = FormulaDensities.absolute(x).sum()
            case "norm2": out = x.square().sum().sqrt()
            default:
                // Σ(x − x̄)² / (n − 1), the sample variance.
                let count = x.constant(0) * x + 1.0
                let n = count.sum()
                let v = (x - x.mean()).square().sum() / (n - 1.0)
                out = name == "sd" ? v.sqrt() : v
            }
            return derived(args[0], node: out, type: .real)
        case "lmgamma":
            try need(2)
            guard let k = args[0].constant, k == k.rounded(), k >= 1, args[1].type.isScalar else {
                throw fail("lmgamma takes a constant dimension k and a scalar, got \(args[0].type) and \(args[1].type)", l)
            }
            return derived(args[1], node: FormulaDensities.logMultivariateGamma(node(1), dimension: Int(k)), type: .real)
        case "dot_self":
            try need(1)
            guard args[0].type.rank == 1, args[0].type.base != .int else { throw fail("dot_self needs a vector, got \(args[0].type)", l) }
            if args[0].plated {
                guard let k = args[0].type.sizes[0] else { throw fail("dot_self: unknown size", l) }
                return derived(args[0], node: node(0).square().matmul(fill(1, [k])), type: .real)
            }
            return derived(args[0], node: node(0).square().sum(), type: .real)
        case "rows_dot_product", "columns_dot_product":
            try need(2)
            try requireShared(0); try requireShared(1)
            let (ta, tb) = (args[0].type, args[1].type)
            guard ta.arrayRank == 0, tb.arrayRank == 0, ta.base == tb.base, ta.rank >= 1 else { throw fail("\(name) needs two vectors or two matrices of the same type", l) }
            for (x, y) in zip(ta.sizes, tb.sizes) where differ(x, y) { throw fail("size mismatch in \(name): \(ta) and \(tb)", l) }
            let prod = node(0) * node(1)
            if ta.rank == 1 { return derived(args[0], args[1], node: prod, type: ta.promotedToReal) }
            if name == "rows_dot_product" {
                guard let c = ta.sizes[1] else { throw fail("\(name): unknown size", l) }
                return derived(args[0], args[1], node: prod.matmul(fill(1, [c])), type: StanType(base: .vector, arrayRank: 0, sizes: [ta.sizes[0]]))
            }
            guard let r = ta.sizes[0] else { throw fail("\(name): unknown size", l) }
            return derived(args[0], args[1], node: fill(1, [r]).matmul(prod), type: StanType(base: .rowVector, arrayRank: 0, sizes: [ta.sizes[1]]))
        case "to_matrix" where args.count == 1:
            // to_matrix of a matrix, a two-dimensional real array or an array of row vectors: the
            // same elements in the same row-major order.
            let t = args[0].type
            guard t.rank == 2, t.base == .matrix || (t.arrayRank == 2 && !t.isInteger) || (t.arrayRank == 1 && t.base == .rowVector) else {
                throw fail("to_matrix(x) needs a matrix, a two-dimensional real array or an array of row vectors, got \(t)", l)
            }
            return retyped(args[0], StanType(base: .matrix, arrayRank: 0, sizes: t.sizes))
        case "to_matrix":
            // to_matrix(v, m, n), column-major as Stan: M[i, j] = v[i + (j − 1)·m]. With B = ones[m] ⊗ v,
            // A[i, k] = [k mod m = i] and C[k, j] = [k div m = j] (0-based), M = (A ⊙ B)·C.
            guard args.count == 3 else { throw fail("to_matrix is supported as to_matrix(v, m, n) of a vector, row vector or real array, got \(args.count) argument\(args.count == 1 ? "" : "s")", l) }
            let t = args[0].type
            guard t.rank == 1, let k = t.sizes[0] else { throw fail("to_matrix(v, m, n) needs a vector, row vector or real array, got \(t)", l) }
            try requireShared(0)
            let (m, n) = (try dim(argExprs[1]), try dim(argExprs[2]))
            if case .fixed(let a) = m, case .fixed(let b) = n, case .fixed(let c) = k, a * b != c {
                throw fail("to_matrix: \(a) × \(b) is not the \(c) elements of \(t)", l)
            }
            let spread = pattern(.reshapeRows, [m, k]) * (fill(1, [m, k]) * node(0))
            return derived(args[0], node: spread.matmul(pattern(.reshapeColumns, [k, n])), type: StanType(base: .matrix, arrayRank: 0, sizes: [m, n]))
        case "rep_array" where args.count == 3:
            // rep_array(x, m, n): an m × n array of a real scalar.
            guard args[0].type.isScalar, !args[0].type.isInteger else { throw fail("rep_array(x, m, n) needs a real scalar x here (integers only in transformed data)", l) }
            try requireShared(0)
            let (m, n) = (try dim(argExprs[1]), try dim(argExprs[2]))
            return derived(args[0], node: node(0) * fill(1, [m, n]), type: StanType(base: .real, arrayRank: 2, sizes: [m, n]))
        case "rep_vector", "rep_row_vector", "rep_array":
            guard args.count == 2 else { throw fail("\(name) takes 2 arguments here (x, n), got \(args.count)", l) }
            guard args[0].type.isScalar else { throw fail("\(name) of a container is not supported; use a scalar", l) }
            try requireShared(0)
            let n = try dim(argExprs[1])
            let base: BaseType = name == "rep_vector" ? .vector : (name == "rep_row_vector" ? .rowVector : args[0].type.base)
            let t = StanType(base: base, arrayRank: name == "rep_array" ? 1 : 0, sizes: [n])
            if name == "rep_array" && args[0].type.isInteger { throw fail("rep_array of integers is only supported in transformed data", l) }
            return derived(args[0], node: node(0) * fill(1, [n]), type: t)
        case "rep_matrix":
            guard args.count == 2 || args.count == 3 else { throw fail("rep_matrix takes (x, m, n) or (v, n), got \(args.count) arguments", l) }
            try requireShared(0)
            if args.count == 3 {
                guard args[0].type.isScalar else { throw fail("rep_matrix(x, m, n) needs a scalar x", l) }
                let (m, n) = (try dim(argExprs[1]), try dim(argExprs[2]))
                return derived(args[0], node: node(0) * fill(1, [m, n]), type: StanType(base: .matrix, arrayRank: 0, sizes: [m, n]))
            }
            try need(2)
            let k = try dim(argExprs[1])
            let t = args[0].type
            guard t.arrayRank == 0, t.base == .vector || t.base == .rowVector, let len = t.sizes[0] else {
                throw fail("rep_matrix(v, n) needs a vector or row vector v", l)
            }
            if t.base == .vector {  // columns are copies of v
                return derived(args[0], node: (fill(1, [k, len]) * node(0)).transposed(), type: StanType(base: .matrix, arrayRank: 0, sizes: [len, k]))
            }
            return derived(args[0], node: fill(1, [k, len]) * node(0), type: StanType(base: .matrix, arrayRank: 0, sizes: [k, len]))
        case "to_vector", "to_row_vector", "to_array_1d":
            try need(1)
            var t = args[0].type
            if t.rank == 2, t.arrayRank == 0, name == "to_vector" {
                var v = retyped(args[0], StanType(base: .vector, arrayRank: 0, sizes: [nil]))
                v.flattened = true
                v.dataName = nil
                return v
            }
            guard t.rank == 1 else {
                if t.rank == 0 { throw fail("\(name) needs a container, got \(t)", l) }
                throw fail("\(name) of \(t) (a reshape) is not supported yet: the model graph has no reshape operation", l)
            }
            if t.isInteger && name != "to_array_1d" {
                return derived(args[0], node: node(0) * 1.0, type: StanType(base: name == "to_vector" ? .vector : .rowVector, arrayRank: 0, sizes: t.sizes))
            }
            t.base = name == "to_vector" ? .vector : (name == "to_row_vector" ? .rowVector : .real)
            t.arrayRank = name == "to_array_1d" ? 1 : 0
            return retyped(args[0], t)
        case "diag_matrix":
            try need(1)
            try requireShared(0)
            guard args[0].type.rank == 1, args[0].type.arrayRank == 0, let n = args[0].type.sizes[0] else { throw fail("diag_matrix needs a vector", l) }
            return derived(args[0], node: fill(0, [n, n]).addDiagonal(node(0)), type: StanType(base: .matrix, arrayRank: 0, sizes: [n, n]))
        case "add_diag":
            try need(2)
            try requireShared(0); try requireShared(1)
            guard args[0].type.base == .matrix, args[0].type.arrayRank == 0 else { throw fail("add_diag needs a square matrix, got \(args[0].type)", l) }
            guard args[1].type.isScalar || args[1].type.rank == 1 else { throw fail("add_diag needs a scalar or vector diagonal", l) }
            return derived(args[0], args[1], node: node(0).addDiagonal(node(1)), type: args[0].type)
        case "diag_pre_multiply", "diag_post_multiply", "quad_form_diag":
            try need(2)
            try requireShared(0); try requireShared(1)
            let (vi, mi) = name == "diag_pre_multiply" ? (0, 1) : (1, 0)
            let (v, m) = (args[vi].type, args[mi].type)
            guard m.base == .matrix, m.arrayRank == 0, v.rank == 1, v.arrayRank == 0 else {
                throw fail("\(name) needs a matrix and a vector", l)
            }
            let side = name == "diag_pre_multiply" ? m.sizes[0] : m.sizes[1]
            if differ(side, v.sizes[0]) { throw fail("size mismatch in \(name): \(m) and \(v)", l) }
            let (vn, mn) = (node(vi), node(mi))
            let out: Expr
            switch name {
            case "diag_pre_multiply": out = (mn.transposed() * vn).transposed()  // row r scaled by v[r]
            case "diag_post_multiply": out = mn * vn                           // column c scaled by v[c]
            default: out = ((mn * vn).transposed() * vn).transposed()
            }
            return derived(args[0], args[1], node: out, type: StanType(base: .matrix, arrayRank: 0, sizes: m.sizes))
        case "log_mix" where args.count == 2:
            // log_mix(θ, λ) = log Σₖ θₖ exp(λₖ) (Stan Functions Reference, "Composed functions"): λ a
            // vector of log densities (per row of a vectorised loop too), or an array of them, one
            // per observation, whose mixtures are summed.
            let (theta, lp) = (args[0], args[1])
            guard theta.type.rank == 1, !theta.columns, !lp.columns, lp.type.rank == 1 || (lp.type.rank == 2 && lp.type.arrayRank == 1 && !lp.plated) else {
                throw fail("log_mix(theta, lps) needs a vector of weights and a vector of log densities (or an array of them), got \(theta.type) and \(lp.type)", l)
            }
            if differ(theta.type.sizes[0], lp.type.sizes.last ?? nil) { throw fail("size mismatch in log_mix: \(theta.type) weights and \(lp.type) log densities", l) }
            if theta.plated && !lp.plated, lp.type.rank == 2 { throw fail("cannot vectorise the loop: log_mix of weights that depend on the loop index", l) }
            let mixed = (node(0).log() + node(1)).logSumExp()
            return derived(theta, lp, node: lp.type.rank == 2 ? mixed.sum() : mixed, type: .real)
        case "log_mix":
            try need(3)
            guard args.allSatisfy({ $0.type.isScalar }) else { throw fail("log_mix(theta, lp1, lp2) needs scalars", l) }
            try checkRows(args, at: l, name)
            let (theta, a, b) = (node(0), node(1), node(2))
            let x = theta.log() + a, y = (-theta).log1p() + b
            return derived(args[0], args[1], args[2], node: x + (y - x).log1pExp(), type: .real)
        case "cholesky_decompose":
            try need(1)
            try requireShared(0)
            guard args[0].type.base == .matrix, args[0].type.arrayRank == 0 else { throw fail("cholesky_decompose needs a matrix, got \(args[0].type)", l) }
            return derived(args[0], node: node(0).cholesky(), type: args[0].type)
        case "multiply_lower_tri_self_transpose", "tcrossprod", "crossprod":
            try need(1)
            try requireShared(0)
            let t = args[0].type
            guard t.base == .matrix, t.arrayRank == 0 else { throw fail("\(name) needs a matrix, got \(t)", l) }
            let x = node(0)
            if name == "crossprod" { return derived(args[0], node: x.transposed().matmul(x), type: StanType(base: .matrix, arrayRank: 0, sizes: [t.sizes[1], t.sizes[1]])) }
            return derived(args[0], node: x.matmul(x.transposed()), type: StanType(base: .matrix, arrayRank: 0, sizes: [t.sizes[0], t.sizes[0]]))
        case "mdivide_left_tri_low":
            try need(2)
            try requireShared(0); try requireShared(1)
            guard args[0].type.base == .matrix, args[1].type.arrayRank == 0, args[1].type.base == .vector || args[1].type.base == .matrix else {
                throw fail("mdivide_left_tri_low(L, b) needs a matrix L and a vector or matrix b", l)
            }
            return derived(args[0], args[1], node: node(0).solveLower(node(1)), type: args[1].type.promotedToReal)
        case "gp_exp_quad_cov", "cov_exp_quad":
            guard args.count == 3 || args.count == 4 else { throw fail("\(name) takes (x, alpha, rho) or (x1, x2, alpha, rho), got \(args.count) arguments", l) }
            for a in args { if a.plated { throw fail("cannot vectorise the loop: \(name) of a value that depends on the loop index", l) } }
            let (x1, x2) = (args[0], args.count == 4 ? args[1] : args[0])
            let (alpha, rho) = (args[args.count - 2], args[args.count - 1])
            for x in [x1, x2] where !(x.type.arrayRank == 1 && (x.type.rank == 1 || x.type.rank == 2)) {
                throw fail("\(name) needs points as array[] real or array[] vector, got \(x.type)", l)
            }
            guard alpha.type.isScalar, rho.type.isScalar else { throw fail("\(name): the magnitude and length scale must be scalars (one length scale)", l) }
            let k = Expr.expQuadCov(materialize(x1), materialize(x2), amplitude: materialize(alpha), lengthScale: materialize(rho))
            return derived(x1, x2, alpha, rho, node: k, type: StanType(base: .matrix, arrayRank: 0, sizes: [x1.type.sizes[0], x2.type.sizes[0]]))
        case _ where GPKernel(rawValue: name) != nil:
            let kernel = GPKernel(rawValue: name)!
            guard let points = kernel.pointSets(arguments: args.count) else { throw fail(kernel.usage(got: args.count), l) }
            for a in args where a.plated { throw fail("cannot vectorise the loop: \(name) of a value that depends on the loop index", l) }
            let (x1, x2) = (args[0], points == 2 ? args[1] : args[0])
            let rest = Array(args[points...])
            guard rest.allSatisfy(\.type.isScalar) else { throw fail("\(name): \(kernel.parameters.joined(separator: ", ")) must be scalars", l) }
            let r = try distances(x1, x2, name, at: l)
            let k = kernel.covariance(r, rest.map { materialize($0) })
            return Value(type: StanType(base: .matrix, arrayRank: 0, sizes: [x1.type.sizes[0], x2.type.sizes[0]]), node: k,
                         dataOnly: args.allSatisfy(\.dataOnly))
        case "softmax", "log_softmax":
            try need(1)
            guard args[0].type.base == .vector, args[0].type.arrayRank == 0 else { throw fail("\(name) needs a vector, got \(args[0].type)", l) }
            return derived(args[0], node: node(0).apply(name == "softmax" ? .softmax : .logSoftmax), type: args[0].type)
        case "log_sum_exp":
            if args.count == 2 {
                guard args[0].type.isScalar, args[1].type.isScalar else { throw fail("log_sum_exp(a, b) needs scalars", l) }
                try checkRows(args, at: l, name)
                let (a, b) = (node(0), node(1))
                return derived(args[0], args[1], node: a + (b - a).log1pExp(), type: .real)
            }
            try need(1)
            let t = args[0].type
            guard t.rank >= 1, t.rank <= 2 else { throw fail("log_sum_exp needs a container, got \(t)", l) }
            if args[0].plated {
                guard t.rank == 1 else { throw fail("cannot vectorise the loop: log_sum_exp of a matrix that depends on the loop index", l) }
                return derived(args[0], node: node(0).logSumExp(), type: .real)
            }
            let once = node(0).logSumExp()
            return derived(args[0], node: t.rank == 2 ? once.logSumExp() : once, type: .real)
        case "size", "num_elements", "rows", "cols":
            try need(1)
            let t = args[0].type
            let d: Dim?
            switch name {
            case "size", "rows": d = t.sizes.first ?? .fixed(1)
            case "cols": d = t.rank == 2 ? t.sizes[1] : .fixed(1)
            default:
                guard t.rank <= 1 else { throw fail("num_elements of a matrix is not supported here; use rows(x) * cols(x)", l) }
                d = t.sizes.first ?? .fixed(1)
            }
            return try sizeValue(d, at: l)
        case "pi": try need(0); return .constant(Double.pi, integer: false)
        case "e": try need(0); return .constant(2.718281828459045, integer: false)
        case "append_row", "append_col":
            return try concatenation(name, argExprs, at: l)
        case "append_array":
            // Two arrays of one element type, the second's elements after the first's: the graph's
            // `concat` along the first axis (`array[2 * n] real y0 = append_array(q0, p0);`).
            try need(2)
            let (a, b) = (args[0], args[1])
            guard a.type.arrayRank >= 1, a.type.arrayRank == b.type.arrayRank, a.type.base == b.type.base else {
                throw fail("append_array needs two arrays of one element type, got \(a.type) and \(b.type)", l)
            }
            if a.plated || b.plated || a.columns || b.columns { throw fail("append_array of a value that depends on a vectorised loop's index is not supported", l) }
            for (x, y) in zip(a.type.sizes.dropFirst(), b.type.sizes.dropFirst()) where differ(x, y) {
                throw fail("append_array: the elements differ in size: \(a.type) and \(b.type)", l)
            }
            guard let m = a.type.sizes[0], let n = b.type.sizes[0] else { throw fail("append_array: the size of an argument is not known", l) }
            var t = a.type
            t.sizes[0] = try dimSum(m, n, at: l)
            return derived(a, b, node: materialize(a).concatenated(materialize(b)), type: t)
        case "transpose":
            try need(1)
            return try expression(.transpose(argExprs[0], l))
        default:
            throw fail("unknown or unsupported function '\(name)'", l)
        }
    }

    /// An extent as an integer value: a constant, or the integer data scalar that holds it.
    func sizeValue(_ d: Dim?, at l: StanSourceLocation) throws -> Value {
        switch d {
        case .fixed(let n)?: return .constant(Double(n), integer: true)
        case .symbol(let s)?: return Value(type: .int, node: builder.data(s, [], integer: true), dataName: s, dataOnly: true)
        case nil: throw fail("the size of this value is not known", l)
        }
    }
}
