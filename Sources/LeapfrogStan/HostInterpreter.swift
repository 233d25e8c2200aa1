import LeapfrogCore
import LeapfrogData
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs transformed data and evaluates data-only expressions (sizes, bounds, constant indices)
/// on the host, over `DataArray` values, when a model meets its data.
///
/// It supports arithmetic with Stan's scalar/container broadcasting, integer division, comparisons
/// and logic, indexing by integers and integer arrays, for and while loops with break and
/// continue, if/else, `reject`, and the
/// functions in `call`. Vectors and row vectors are both rank 1 here. In generated quantities
/// (`random` set) it also draws Stan's `_rng` functions (`HostInterpreter+Random`).
struct HostInterpreter {
    var env: [String: DataArray]
    let diagnostics: Diagnostics
    /// The draw's random stream; nil where random numbers are not allowed (transformed data, sizes).
    let random: HostRandom?
    /// The program's user-defined functions, called by interpreting their bodies
    /// (`HostInterpreter+Functions`).
    let functions: [String: FunctionDefinition]
    private var scopes: [Set<String>] = [[]]
    /// Set by `return` inside a function body: the statements after it are skipped.
    var returned: (value: DataArray?, at: StanSourceLocation)?
    /// Set by `break` or `continue`: the statements after it in the loop's body are skipped, and
    /// the innermost loop stops or goes on with its next iteration.
    private var jumped: LoopJump?

    init(env: [String: DataArray], diagnostics: Diagnostics, random: HostRandom? = nil,
         functions: [String: FunctionDefinition] = [:]) {
        self.env = env
        self.diagnostics = diagnostics
        self.random = random
        self.functions = functions
    }

    static func power(_ x: Double, _ y: Double) -> Double { pow(x, y) }

    func fail(_ m: String, _ l: StanSourceLocation) -> LeapfrogError { diagnostics.error(m, at: l) }

    // MARK: Statements

    mutating func run(_ statements: [Statement]) throws {
        for s in statements { try execute(s) }
    }

    mutating func execute(_ s: Statement) throws {
        if returned != nil || jumped != nil { return }
        switch s {
        case .declaration(let d):
            let shape = try d.sizes.map { try intScalar($0, what: "a size") }
            if let bad = shape.firstIndex(where: { $0 < 0 }) { throw fail("size \(shape[bad]) of '\(d.name)' is negative", d.sizes[bad].location) }
            var value = DataArray(shape: shape, values: Array(repeating: d.isInteger ? 0 : .nan, count: shape.reduce(1, *)), isInteger: d.isInteger)
            if let e = d.initializer {
                value = try convert(try evaluate(e), to: value, name: d.name, at: e.location)
            }
            env[d.name] = value
            scopes[scopes.count - 1].insert(d.name)
        case .assignment(let name, let indices, let op, let rhs, let l):
            if indices.isEmpty {
                guard let declared = env[name] else { throw fail("unknown variable '\(name)'", l) }
                var r = try evaluate(rhs)
                if !op.isEmpty { r = try binary(op, declared, r, l) }
                env[name] = try convert(r, to: declared, name: name, at: rhs.location)
                return
            }
            let (r, positions) = try elementWrite(name, indices, op, rhs, l)
            try store(r, into: name, at: positions, l)
        case .tilde(_, _, _, let l), .targetIncrement(_, let l):
            throw fail("sampling statements and target += are only allowed in the model block", l)
        case .forLoop(let v, let lo, let hi, let body, _):
            let a = try intScalar(lo, what: "a loop bound"), b = try intScalar(hi, what: "a loop bound")
            if a <= b {
                scopes.append([v])
                for k in a...b where returned == nil {
                    env[v] = .integer(k)
                    try execute(body)
                    if endsLoop() { break }
                }
                popScope()
            }
        case .whileLoop(let c, let body, _):
            while returned == nil, try truth(c) {
                try scoped(body)
                if endsLoop() { break }
            }
        case .loopJump(let jump, _):
            jumped = jump
        case .ifElse(let c, let then, let otherwise, _):
            if try truth(c) { try scoped(then) } else if let otherwise { try scoped(otherwise) }
        case .block(let body, _):
            scopes.append([])
            for s in body { try execute(s) }
            popScope()
        case .print:
            break
        case .returnStatement(let e, let l):
            returned = (try e.map { try evaluate($0) }, l)
        case .call(let e, _):
            _ = try evaluate(e)
        case .reject(let args, let l):
            let text = try args.map { e -> String in
                if case .string(let s, _) = e { return s }
                let v = try evaluate(e)
                return v.rank == 0 ? format(v.values[0], v.isInteger) : "[" + v.values.map { format($0, v.isInteger) }.joined(separator: ", ") + "]"
            }.joined()
            throw LeapfrogError(.data, diagnostics.format("reject: \(text)", at: l))
        }
    }

    /// The value `name[indices] op= rhs` writes, and where.
    private func elementWrite(_ name: String, _ indices: [IndexArgument], _ op: String, _ rhs: Expression,
                              _ l: StanSourceLocation) throws -> (DataArray, (offsets: [Int], shape: [Int])) {
        guard let declared = env[name] else { throw fail("unknown variable '\(name)'", l) }
        var r = try evaluate(rhs)
        let positions = try elementPositions(declared.shape, indices, at: l)
        if !op.isEmpty {
            let old = DataArray(shape: positions.shape, values: positions.offsets.map { declared.values[$0] }, isInteger: declared.isInteger)
            r = try binary(op, old, r, l)
        }
        return (r, positions)
    }

    /// Writes `r` (a scalar, or one value per position) into `name` at `positions`, in place:
    /// the variable leaves `env` while it is written, so a loop of element writes does not copy it.
    private mutating func store(_ r: DataArray, into name: String, at positions: (offsets: [Int], shape: [Int]), _ l: StanSourceLocation) throws {
        guard var target = env.removeValue(forKey: name) else { throw fail("unknown variable '\(name)'", l) }
        defer { env[name] = target }
        if target.isInteger, !r.isInteger { throw fail("cannot assign a real value to the integer variable '\(name)'", l) }
        if r.rank == 0 {
            for o in positions.offsets { target.values[o] = r.values[0] }
        } else {
            guard r.shape == positions.shape else { throw fail("cannot assign shape \(r.shape) to \(name)[…] of shape \(positions.shape)", l) }
            for (k, o) in positions.offsets.enumerated() { target.values[o] = r.values[k] }
        }
    }

    /// After a loop's body: whether `break` ends the loop; clears the jump either way.
    private mutating func endsLoop() -> Bool {
        defer { jumped = nil }
        return jumped == .breakLoop
    }

    private mutating func scoped(_ s: Statement) throws {
        scopes.append([])
        try execute(s)
        popScope()
    }

    private mutating func popScope() {
        for n in scopes.removeLast() { env[n] = nil }
    }

    private func format(_ x: Double, _ integer: Bool) -> String { integer ? String(Int(x)) : String(x) }

    private func convert(_ v: DataArray, to declared: DataArray, name: String, at l: StanSourceLocation) throws -> DataArray {
        if declared.isInteger && !v.isInteger { throw fail("cannot assign a real value to the integer variable '\(name)'", l) }
        if v.rank == 0 && declared.rank > 0 {
            return DataArray(shape: declared.shape, values: Array(repeating: v.values[0], count: declared.count), isInteger: declared.isInteger)
        }
        guard v.shape == declared.shape else { throw fail("'\(name)' is declared with shape \(declared.shape) but the value has shape \(v.shape)", l) }
        return DataArray(shape: v.shape, values: v.values, isInteger: declared.isInteger)
    }

    /// Row-major offsets selected by `indices` in an array of `shape`, and the selection's shape.
    private func elementPositions(_ shape: [Int], _ indices: [IndexArgument], at l: StanSourceLocation) throws -> (offsets: [Int], shape: [Int]) {
        guard indices.count <= shape.count else { throw fail("too many indices (\(indices.count)) for a value of rank \(shape.count)", l) }
        if indices.count == shape.count, let offset = try elementOffset(shape, indices) { return ([offset], []) }
        var perAxis: [[Int]] = []
        var outShape: [Int] = []
        for (axis, idx) in indices.enumerated() {
            switch idx {
            case .single(let e):
                let v = try evaluate(e)
                guard v.isInteger else { throw fail("indices must be integers", e.location) }
                let ks = v.values.map { Int($0) }
                for k in ks where k < 1 || k > shape[axis] {
                    throw fail("index \(k) is out of range 1…\(shape[axis])", e.location)
                }
                perAxis.append(ks.map { $0 - 1 })
                if v.rank > 0 { outShape.append(ks.count) }
            case .all:
                perAxis.append(Array(0..<shape[axis])); outShape.append(shape[axis])
            case .range(let a, let b, let rl):
                let lo = try a.map { try intScalar($0, what: "a range bound") } ?? 1
                let hi = try b.map { try intScalar($0, what: "a range bound") } ?? shape[axis]
                guard lo >= 1, hi <= shape[axis] else { throw fail("range \(lo):\(hi) is out of range 1…\(shape[axis])", rl) }
                let ks = lo <= hi ? Array((lo - 1)...(hi - 1)) : []
                perAxis.append(ks); outShape.append(ks.count)
            }
        }
        for axis in indices.count..<shape.count { perAxis.append(Array(0..<shape[axis])); outShape.append(shape[axis]) }
        var strides = Array(repeating: 1, count: shape.count)
        for a in stride(from: shape.count - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * shape[a + 1] }
        var offsets = [0]
        for (axis, ks) in perAxis.enumerated() {
            offsets = offsets.flatMap { o in ks.map { o + $0 * strides[axis] } }
        }
        return (offsets, outShape)
    }

    /// The offset of one element, `x[i, j]` with integer scalars (the hot path of loops such as
    /// Viterbi's), or nil when an index is not one (the general path then says why).
    private func elementOffset(_ shape: [Int], _ indices: [IndexArgument]) throws -> Int? {
        var offset = 0
        for (axis, idx) in indices.enumerated() {
            guard case .single(let e) = idx else { return nil }
            let v = try evaluate(e)
            guard v.rank == 0, v.isInteger else { return nil }
            let k = Int(v.values[0])
            guard k >= 1, k <= shape[axis] else { return nil }
            offset = offset * shape[axis] + k - 1
        }
        return offset
    }

    // MARK: Expressions

    func intScalar(_ e: Expression, what: String) throws -> Int {
        let v = try evaluate(e)
        guard v.rank == 0, v.isInteger else { throw fail("\(what) must be an integer", e.location) }
        return Int(v.values[0])
    }

    func truth(_ e: Expression) throws -> Bool {
        let v = try evaluate(e)
        guard v.rank == 0 else { throw fail("a condition must be a scalar", e.location) }
        return v.values[0] != 0
    }

    func evaluate(_ e: Expression) throws -> DataArray {
        switch e {
        case .integer(let n, _): return .integer(n)
        case .real(let x, _): return .scalar(x)
        case .string(_, let l): throw fail("a string is only allowed in print and reject", l)
        case .variable(let n, let l):
            guard let v = env[n] else { throw fail("'\(n)' cannot be evaluated here: only data, transformed data and their functions can", l) }
            return v
        case .binary(let op, let a, let b, let l):
            if op == "&&" { return .integer(try truth(a) && truth(b) ? 1 : 0) }
            if op == "||" { return .integer(try truth(a) || truth(b) ? 1 : 0) }
            return try binary(op, try evaluate(a), try evaluate(b), l)
        case .unary(let op, let a, let l):
            let v = try evaluate(a)
            switch op {
            case "-": return map(v) { -$0 }
            case "+": return v
            default:
                guard v.rank == 0 else { throw fail("'!' needs a scalar", l) }
                return .integer(v.values[0] == 0 ? 1 : 0)
            }
        case .transpose(let a, _):
            return HostInterpreter.transposed(try evaluate(a))
        case .index(let a, let indices, let l):
            let v = try evaluate(a)
            let (offsets, shape) = try elementPositions(v.shape, indices, at: l)
            return DataArray(shape: shape, values: offsets.map { v.values[$0] }, isInteger: v.isInteger)
        case .conditional(let c, let a, let b, _):
            return try truth(c) ? evaluate(a) : evaluate(b)
        case .array(let xs, let l), .rowVector(let xs, let l):
            return try stacked(try xs.map { try evaluate($0) }, at: l)
        case .call(let name, let args, _, let l):
            if Self.odeSolverNames.contains(name) { return try solveODE(name, args, at: l) }
            if let f = functions[name] { return try callUserFunction(f, try args.map { try evaluate($0) }, at: l) }
            return try call(name, try args.map { try evaluate($0) }, at: l)
        }
    }

    /// `{a, b, …}` and `[a, b, …]`: the elements, all of one shape, stacked along a new first
    /// axis (scalars give a vector, vectors or row vectors the rows of a matrix). Integer only
    /// when every element is.
    private func stacked(_ xs: [DataArray], at l: StanSourceLocation) throws -> DataArray {
        let shape = xs[0].shape
        for x in xs where x.shape != shape {
            throw fail("the elements of an array or vector expression must have one shape, got \(shape) and \(x.shape)", l)
        }
        return DataArray(shape: [xs.count] + shape, values: xs.flatMap(\.values), isInteger: xs.allSatisfy(\.isInteger))
    }

    private func map(_ v: DataArray, integer: Bool? = nil, _ f: (Double) -> Double) -> DataArray {
        DataArray(shape: v.shape, values: v.values.map(f), isInteger: integer ?? v.isInteger)
    }

    func binary(_ op: String, _ a: DataArray, _ b: DataArray, _ l: StanSourceLocation) throws -> DataArray {
        let ints = a.isInteger && b.isInteger
        if op == "*" && a.rank > 0 && b.rank > 0 { return try matmul(a, b, l) }
        if op == "\\" { return try matrixFunction("mdivide_left", [a, b], at: l)! }
        if op == "/" && a.rank > 0 && b.rank == 2 { return try matrixFunction("mdivide_right", [a, b], at: l)! }
        if ints && (op == "/" || op == "%/%" || op == "%") && b.values.contains(0) {
            throw fail("integer division by zero", l)     // Stan's error too
        }
        let f: (Double, Double) -> Double
        var integer = ints
        switch op {
        case "+": f = (+)
        case "-": f = (-)
        case "*", ".*": f = (*)
        case "/", "./":
            if ints && op == "/" {
                f = { y, z in z == 0 ? .nan : (y / z).rounded(.towardZero) }
            } else { f = (/); integer = false }
        case "%/%": f = { y, z in z == 0 ? .nan : (y / z).rounded(.towardZero) }
        case "%": f = { y, z in z == 0 ? .nan : y.truncatingRemainder(dividingBy: z) }
        case "^", ".^": f = { pow($0, $1) }; integer = false
        case "<": f = { $0 < $1 ? 1 : 0 }; integer = true
        case "<=": f = { $0 <= $1 ? 1 : 0 }; integer = true
        case ">": f = { $0 > $1 ? 1 : 0 }; integer = true
        case ">=": f = { $0 >= $1 ? 1 : 0 }; integer = true
        case "==": f = { $0 == $1 ? 1 : 0 }; integer = true
        case "!=": f = { $0 != $1 ? 1 : 0 }; integer = true
        default: throw fail("operator '\(op)' is not supported here", l)
        }
        if a.rank == 0 { return map(b, integer: integer) { f(a.values[0], $0) } }
        if b.rank == 0 { return map(a, integer: integer) { f($0, b.values[0]) } }
        guard a.shape == b.shape else { throw fail("shapes \(a.shape) and \(b.shape) do not match for '\(op)'", l) }
        return DataArray(shape: a.shape, values: zip(a.values, b.values).map(f), isInteger: integer)
    }

    /// f applied elementwise to two arguments, a scalar broadcast against a container.
    private func binaryFunction(_ a: DataArray, _ b: DataArray, _ l: StanSourceLocation, _ f: (Double, Double) -> Double) throws -> DataArray {
        if a.rank == 0 { return map(b, integer: false) { f(a.values[0], $0) } }
        if b.rank == 0 { return map(a, integer: false) { f($0, b.values[0]) } }
        guard a.shape == b.shape else { throw fail("shapes \(a.shape) and \(b.shape) do not match", l) }
        return DataArray(shape: a.shape, values: zip(a.values, b.values).map(f))
    }

    private func matmul(_ a: DataArray, _ b: DataArray, _ l: StanSourceLocation) throws -> DataArray {
        let (m, k) = a.rank == 2 ? (a.shape[0], a.shape[1]) : (1, a.shape[0])
        let (k2, n) = b.rank == 2 ? (b.shape[0], b.shape[1]) : (b.shape[0], 1)
        guard k == k2 else { throw fail("matrix product of shapes \(a.shape) and \(b.shape): inner extents differ", l) }
        var out = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for t in 0..<k { out[i * n + j] += a.values[i * k + t] * b.values[t * n + j] } } }
        var shape: [Int] = []
        if a.rank == 2 { shape.append(m) }
        if b.rank == 2 { shape.append(n) }
        return DataArray(shape: shape, values: out, isInteger: a.isInteger && b.isInteger)
    }

    static let unary: [String: (Double) -> Double] = [
        "exp": exp, "log": log, "log1p": log1p, "expm1": expm1, "sqrt": { $0.squareRoot() }, "square": { $0 * $0 },
        "tanh": tanh, "inv_logit": { 1 / (1 + exp(-$0)) }, "log_inv_logit": { -log1p(exp(-$0)) }, "log1p_exp": { log1p(exp($0)) },
        "logit": { log($0 / (1 - $0)) }, "inv": { 1 / $0 }, "inv_sqrt": { 1 / $0.squareRoot() }, "inv_square": { 1 / ($0 * $0) },
        "log1m": { log1p(-$0) }, "fabs": { abs($0) }, "abs": { abs($0) }, "sin": sin, "cos": cos, "tan": tan, "atan": atan, "log2": log2,
        "log10": log10, "exp2": exp2, "cbrt": cbrt, "floor": { $0.rounded(.down) }, "ceil": { $0.rounded(.up) },
        "round": { $0.rounded() }, "trunc": { $0.rounded(.towardZero) }, "erf": erf, "erfc": erfc, "lgamma": lgamma, "tgamma": tgamma,
        "log1m_exp": FormulaDensities.log1mExp, "log1m_inv_logit": { (-$0).logInvLogit() }, "inv_cloglog": { 1 - exp(-exp($0)) },
        "Phi_approx": { 1 / (1 + exp(-(0.07056 * $0 * $0 * $0 + 1.5976 * $0))) }, "Phi": NormalDistributionFunction.phi,
        "inv_Phi": NormalDistributionFunction.inversePhi,
        "sinh": sinh, "cosh": cosh, "asin": asin, "acos": acos, "step": { $0 < 0 ? 0 : 1 },
    ]

    /// A matrix's transpose (its elements in column-major order, read row by row); a container of
    /// another rank as it is (a vector's transpose is its elements).
    static func transposed(_ v: DataArray) -> DataArray {
        guard v.rank == 2 else { return v }
        let (r, c) = (v.shape[0], v.shape[1])
        return DataArray(shape: [c, r], values: (0..<(r * c)).map { k in v.values[(k % r) * c + k / r] }, isInteger: v.isInteger)
    }

    /// Stan's constants written as calls with no argument, beside the functions of one: log2(),
    /// log10(), sqrt2() (pi() and e() have no one-argument namesake).
    static let constants: [String: Double] = ["log2": M_LN2, "log10": M_LN10, "sqrt2": 2.0.squareRoot()]

    /// Every function `call` knows.
    static let functionNames: Set<String> = Set(unary.keys).union(densities.keys).union(categoricalNames).union(formulaDensityNames).union(matrixFunctionNames).union(odeSolverNames).union(glmForms.keys).union(builderFunctionNames).union(constants.keys).union([
        "pow", "sum", "prod", "mean", "sd", "variance", "max", "min", "size", "num_elements", "rows", "cols", "rep_vector",
        "rep_row_vector", "rep_array", "rep_matrix", "to_vector", "to_row_vector", "to_array_1d", "dot_product",
        "log_sum_exp", "log_mix", "softmax", "log_softmax", "fmax", "fmin", "cumulative_sum", "int_step", "is_inf", "is_nan", "to_int", "pi", "e", "not_a_number", "positive_infinity", "negative_infinity",
        "append_row", "append_col", "log_diff_exp", "lbeta", "lchoose", "hypot", "fma",
        "fdim", "log_inv_logit_diff", "binary_log_loss", "log_falling_factorial", "atan2", "gamma_p", "gamma_q", "inc_beta", "squared_distance", "distance", "norm1", "norm2",
        "lmgamma", "log_modified_bessel_first_kind", "modified_bessel_first_kind",
    ])

    /// log Σ exp(xᵢ), from the largest term (−∞ for none, or when the largest is not finite).
    static func logSumExp(_ xs: [Double]) -> Double {
        let m = xs.max() ?? -.infinity
        return m.isFinite ? m + log(xs.map { exp($0 - m) }.reduce(0, +)) : m
    }

    private func call(_ name: String, _ a: [DataArray], at l: StanSourceLocation) throws -> DataArray {
        func need(_ n: Int) throws { guard a.count == n else { throw fail("\(name) takes \(n) argument\(n == 1 ? "" : "s"), got \(a.count)", l) } }
        if a.isEmpty, let c = HostInterpreter.constants[name] { return .scalar(c) }
        if let f = HostInterpreter.unary[name] {
            try need(1)
            let keepsInt = ["abs", "square"].contains(name) && a[0].isInteger
            return map(a[0], integer: keepsInt, f)
        }
        if let density = try logDensity(name, a, at: l) { return density }
        if name.hasSuffix("_rng") { return try randomVariate(name, a, at: l) }
        if let m = try matrixFunction(name, a, at: l) { return m }
        if let b = try builder(name, a, at: l) { return b }
        switch name {
        case "pow": try need(2); return try binary("^", a[0], a[1], l)
        case "log_diff_exp": try need(2); return try binaryFunction(a[0], a[1], l, FormulaDensities.logDiffExp)
        case "lbeta": try need(2); return try binaryFunction(a[0], a[1], l, FormulaDensities.logBeta)
        case "log_modified_bessel_first_kind", "modified_bessel_first_kind":
            try need(2)
            guard a[0].rank == 0, a[0].values[0] == 0 else { throw fail("\(name) is supported for order 0 only (its first argument), got \(a[0].values.first ?? .nan)", l) }
            let log = name.hasPrefix("log")
            return map(a[1], integer: false) { log ? BesselFunction.logI0($0) : exp(BesselFunction.logI0($0)) }
        case "lchoose": try need(2); return try binaryFunction(a[0], a[1], l, FormulaDensities.logChoose)
        case "hypot": try need(2); return try binaryFunction(a[0], a[1], l) { x, y in (x * x + y * y).squareRoot() }
        case "fma": try need(3); return try binary("+", try binary(".*", a[0], a[1], l), a[2], l)
        case "fdim": try need(2); return try binaryFunction(a[0], a[1], l) { x, y in max(x - y, 0) }
        case "log_inv_logit_diff":
            try need(2)
            return try binaryFunction(a[0], a[1], l) { x, y in x.logInvLogit() - y.log1pExp() + FormulaDensities.log1mExp(y - x) }
        case "binary_log_loss": try need(2); return try binaryFunction(a[0], a[1], l) { y, p in -(y * log(p)) - (1 - y) * log1p(-p) }
        case "log_falling_factorial": try need(2); return try binaryFunction(a[0], a[1], l) { x, n in lgamma(x + 1) - lgamma(x - n + 1) }
        case "atan2": try need(2); return try binaryFunction(a[0], a[1], l, atan2)
        case "inc_beta":
            try need(3)
            let shape = [a[0], a[1], a[2]].first { $0.rank > 0 }?.shape ?? []
            guard [a[0], a[1], a[2]].allSatisfy({ $0.rank == 0 || $0.shape == shape }) else {
                throw fail("inc_beta's arguments must be scalars or containers of one shape", l)
            }
            let n = shape.reduce(1, *)
            func at(_ x: DataArray, _ k: Int) -> Double { x.rank == 0 ? x.values[0] : x.values[k] }
            return DataArray(shape: shape, values: (0..<n).map { k in
                exp(BetaFunction.logRegularized(at(a[0], k), at(a[1], k), at(a[2], k), complement: false).value)
            })
        case "gamma_p", "gamma_q":
            try need(2)
            return try binaryFunction(a[0], a[1], l) { s, z in exp(GammaFunction.logRegularized(s, z, complement: name == "gamma_q").value) }
        case "squared_distance", "distance":
            try need(2)
            guard a[0].count == a[1].count else { throw fail("\(name) needs two vectors of one size, got \(a[0].count) and \(a[1].count) elements", l) }
            let squared = zip(a[0].values, a[1].values).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            return .scalar(name == "distance" ? squared.squareRoot() : squared)
        case "norm1": try need(1); return .scalar(a[0].values.reduce(0) { $0 + abs($1) })
        case "norm2": try need(1); return .scalar(a[0].values.reduce(0) { $0 + $1 * $1 }.squareRoot())
        case "lmgamma":
            try need(2)
            return .scalar(FormulaDensities.logMultivariateGamma(a[1].values[0], dimension: Int(a[0].values[0])))
        case "sum": try need(1); return DataArray(shape: [], values: [a[0].values.reduce(0, +)], isInteger: a[0].isInteger)
        case "prod": try need(1); return DataArray(shape: [], values: [a[0].values.reduce(1, *)], isInteger: a[0].isInteger)
        case "mean": try need(1); return .scalar(a[0].values.reduce(0, +) / Double(a[0].count))
        case "sd", "variance":
            try need(1)
            let m = a[0].values.reduce(0, +) / Double(a[0].count)
            let v = a[0].values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(a[0].count - 1)
            return .scalar(name == "sd" ? v.squareRoot() : v)
        case "max", "min":
            let values = a.count == 1 ? a[0].values : try { try need(2); return a.map { $0.values[0] } }()
            let r = name == "max" ? values.max() : values.min()
            return DataArray(shape: [], values: [r ?? (name == "max" ? -.infinity : .infinity)], isInteger: a.allSatisfy(\.isInteger))
        case "size", "num_elements":
            try need(1); return .integer(name == "size" ? (a[0].shape.first ?? 1) : a[0].count)
        case "rows": try need(1); return .integer(a[0].shape.first ?? 1)
        case "cols": try need(1); return .integer(a[0].rank == 2 ? a[0].shape[1] : (a[0].rank == 1 ? 1 : 1))
        case "append_row", "append_col":
            try need(2)
            return try appended(a[0], a[1], columns: name == "append_col", at: l)
        case "rep_vector", "rep_row_vector", "rep_array":
            guard a.count >= 2, a[0].rank == 0, a.dropFirst().allSatisfy({ $0.rank == 0 && $0.isInteger }) else { throw fail("\(name)(x, n…) needs a scalar and integer sizes", l) }
            let shape = a.dropFirst().map { Int($0.values[0]) }
            return DataArray(shape: shape, values: Array(repeating: a[0].values[0], count: shape.reduce(1, *)), isInteger: name == "rep_array" && a[0].isInteger)
        case "rep_matrix":
            try need(3); let shape = [Int(a[1].values[0]), Int(a[2].values[0])]
            return DataArray(shape: shape, values: Array(repeating: a[0].values[0], count: shape[0] * shape[1]))
        case "to_vector", "to_row_vector", "to_array_1d":
            try need(1)
            var v = a[0]
            if v.rank == 2 && name != "to_array_1d" {  // column-major, as Stan: the transpose's rows
                v = HostInterpreter.transposed(v)
            }
            return DataArray(shape: [v.count], values: v.values, isInteger: name == "to_array_1d" && v.isInteger)
        case "dot_product": try need(2); return .scalar(zip(a[0].values, a[1].values).map(*).reduce(0, +))
        case "log_sum_exp":
            return .scalar(HostInterpreter.logSumExp(a.count == 1 ? a[0].values : a.map { $0.values[0] }))
        case "log_mix":
            // log_mix(θ, λ₁, λ₂) = log(θ e^λ₁ + (1 − θ) e^λ₂); log_mix(θ, λ) = log Σₖ θₖ e^λₖ, an
            // array of λ vectors summing one mixture each (Stan Functions Reference).
            func mixture(_ weights: [Double], _ lps: [Double]) -> Double {
                HostInterpreter.logSumExp(zip(weights, lps).map { log($0) + $1 })
            }
            if a.count == 3, a.allSatisfy({ $0.rank == 0 }) {
                return .scalar(mixture([a[0].values[0], 1 - a[0].values[0]], [a[1].values[0], a[2].values[0]]))
            }
            try need(2)
            let k = a[0].count
            guard a[0].rank == 1, k > 0, a[1].rank >= 1, a[1].shape.last == k else {
                throw fail("log_mix(theta, lps) needs a vector of weights and a vector of log densities (or an array of them) of its size", l)
            }
            return .scalar(stride(from: 0, to: a[1].count, by: k).map { mixture(a[0].values, Array(a[1].values[$0..<($0 + k)])) }.reduce(0, +))
        case "softmax", "log_softmax":
            // softmax(x)ₖ = exp(xₖ − m)/Σⱼ exp(xⱼ − m), m = max x; log_softmax(x) = x − log_sum_exp(x).
            try need(1)
            guard a[0].rank == 1, a[0].count > 0 else { throw fail("\(name) needs a non-empty vector", l) }
            let m = a[0].values.max()!
            let lse = m + log(a[0].values.map { exp($0 - m) }.reduce(0, +))
            return .vector(a[0].values.map { name == "softmax" ? exp($0 - lse) : $0 - lse })
        case "fmax", "fmin":
            try need(2)
            return try binaryFunction(a[0], a[1], l) { x, y in
                // As C's fmax/fmin: a NaN argument gives the other.
                if x.isNaN { return y }
                if y.isNaN { return x }
                return name == "fmax" ? Swift.max(x, y) : Swift.min(x, y)
            }
        case "cumulative_sum":
            try need(1)
            var total = 0.0
            return DataArray(shape: a[0].shape, values: a[0].values.map { total += $0; return total }, isInteger: a[0].isInteger)
        case "int_step": try need(1); return .integer(a[0].values[0] > 0 ? 1 : 0)
        case "is_inf": try need(1); return .integer(a[0].values[0].isInfinite ? 1 : 0)
        case "is_nan": try need(1); return .integer(a[0].values[0].isNaN ? 1 : 0)
        case "to_int": try need(1); return map(a[0], integer: true) { $0.rounded(.towardZero) }
        case "pi": try need(0); return .scalar(Double.pi)
        case "e": try need(0); return .scalar(M_E)
        case "not_a_number": try need(0); return .scalar(.nan)
        case "positive_infinity": try need(0); return .scalar(.infinity)
        case "negative_infinity": try need(0); return .scalar(-.infinity)
        default:
            throw fail("the function '\(name)' is not supported in transformed data yet", l)
        }
    }
}
