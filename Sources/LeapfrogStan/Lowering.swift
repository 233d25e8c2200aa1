import LeapfrogCore
import LeapfrogModel

/// Type-checks a parsed program and lowers it to a `ModelGraph` through `ModelBuilder`.
///
/// - Data and transformed data become `data` leaves (transformed data are computed on the host
///   by `HostInterpreter` when the model meets its data).
/// - Parameters keep their declaration order; constant bounds become `Constraint`s, data-dependent
///   ones are recorded in `pendingBounds`.
/// - Transformed parameters and generated quantities are lowered to nodes and recorded as
///   derived quantities (top-level variables only). Generated quantities the graph cannot
///   express (control flow on parameters) are checked here and run on the host per draw instead
///   (`generatedQuantitiesOnHost`, `HostGeneratedQuantities`).
/// - `~` and `target +=` become terms. A `for (n in 1:N)` loop is vectorised: `x[n]` is the
///   whole `x`, `a[g[n]]` is `index(a, g)`, and the loop's terms carry `plate: N`.
///   `PlateCheck` then removes the mark from terms that are not sums of row-wise contributions.
/// - A loop whose steps depend on each other (a range other than 1:N, offsets such as `y[t - 1]`,
///   rows carried from step to step) becomes a recurrence (`Lowering+Recurrences`).
final class Lowering {
    enum Block: String { case transformedData = "transformed data", transformedParameters = "transformed parameters", model, generatedQuantities = "generated quantities" }

    let program: Program
    let diagnostics: Diagnostics
    let builder: ModelBuilder
    var scope = Scope()
    var synthetic: [SyntheticData] = []
    /// Node index → `file:line:column` of the statement that made the node (`StanModel.nodeSources`).
    var nodeSources: [Int: String] = [:]
    var syntheticKeys: [String: String] = [:]
    var pendingBounds: [PendingBound] = []
    var block = Block.model
    /// The extent of the vectorised loop being lowered, if any.
    var plate: Dim?
    /// The extent of a loop nested in the vectorised loop, if any.
    var columnPlate: Dim?
    /// That loop's body.
    var columnBody: Statement?
    /// Inside a loop nested in a vectorised loop, whether the `?:` being lowered reads the inner
    /// index: its condition and branches are then one value per row and inner index (`perCell`).
    var choosingPerCell = false
    /// Whether the vectorised loop's terms are marked as a plate over rows (for streaming rows on
    /// a device). Not for the branches of an `if` on the loop index: their rows are a selection,
    /// and a device kernel streams one plate's rows.
    var streamsRows = true
    /// A 0/1 node multiplying every term: the conjunction of enclosing data-only conditions.
    var indicator: Expr?
    /// The data conditions (synthetic indicator names, and whether each must hold) around the
    /// statement being lowered; `indicator` is their product as a node.
    var conditions: [(name: String, holds: Bool)] = []
    /// Terms under data conditions, resolved when the model meets its data.
    var conditionalTerms: [ConditionalTerm] = []
    /// Values chosen by data conditions, resolved when the model meets its data.
    var conditionalChoices: [ConditionalChoice] = []
    /// Sizes compared when the model meets its data (`assignable`).
    var sizeChecks: [SizeCheck] = []
    /// Lowering the branches of `c ? a : b` on data (`ConditionalChoice`).
    var choosing = 0
    /// Whether what is lowered now is always evaluated: not a branch of an `if` or `?:` on data,
    /// which a bind-time range check must not stop when it is not taken.
    var unconditional: Bool { conditions.isEmpty && choosing == 0 }
    /// Truncated densities of data, whose outcomes are checked against their bounds when the
    /// model meets its data.
    var outcomeChecks: [OutcomeCheck] = []
    /// A branch's row index → the loop index it stands for and the branch's selection
    /// (`rowConditionalIf`), for messages.
    var branchRows: [String: (index: String, selections: [String])] = [:]
    /// Names the lowering makes up → what the program writes in their place, for messages: a
    /// branch's copy of a variable it assigns row by row → the variable (`rowConditionalIf`), a
    /// fill loop's per-execution array → the expression it holds (`fillLoop`).
    var madeNames: [String: String] = [:]
    /// A variable the loop being lowered fills element by element while reading elements of it
    /// that its other steps write (`fillLoop` declined it): named in the refusal's message.
    var elementRecurrence: String?
    /// The variables the fill loop being parsed is assumed to fill on the host (`FillNest`'s
    /// `hostTargets`): their elements are scalars the host computes.
    var fillHostTargets: Set<String> = []
    /// Lowering the arguments of log_mix or log_sum_exp inside a vectorised loop: a normal log
    /// density is then one value per row instead of their sum.
    var perRowDensities = false
    /// The body of the vectorised loop being lowered.
    var plateBody: Statement?
    /// Where a log CDF of constants stands alone in a `target +=` sum (`Lowering.summands`), so that
    /// leaving it out shifts the log density by a constant only.
    var standaloneTerms: Set<String> = []
    /// The calls being inlined, outermost first: the function and where it was called (to refuse
    /// recursion, and for messages).
    var inlineSites: [(function: String, call: StanSourceLocation)] = []
    /// The user functions being inlined, outermost first.
    var inlining: [String] { inlineSites.map(\.function) }
    /// The outermost call being inlined of a function Leapfrog writes in Stan (`StanLibrary`):
    /// what errors and node sources inside it name, the library's own lines being no line of
    /// the program.
    var libraryCall: (function: String, call: StanSourceLocation)? {
        inlineSites.first { program.functions[$0.function]?.library ?? false }
    }
    /// Inlined calls so far (numbers the renamed locals).
    var inlineCount = 0
    /// Loops made for vectorised densities over rows (`rowTermLoop`), for fresh index names.
    var syntheticLoopCount = 0
    /// The nodes of the terms those loops added (`StanModel.rowTermNodes`).
    var rowTermNodes: Set<Int> = []
    /// The loops being lowered as recurrences, outermost first (Lowering+Recurrences).
    var recurrences: [Recurrence] = []
    /// The ODE solver whose right-hand side is being lowered (its region holds no loop nor solve).
    var odeSolverName: String?
    /// Inside a branch of an `if` on parameters: the terms it adds, collected (`addTarget`).
    var capturedTerms: TermCapture?
    /// The family of every `log_density` node, set on the nodes when lowering finishes.
    var densityFamilies: [Int: Distribution] = [:]
    /// Leave generated quantities out of the graph: `HostGeneratedQuantities` runs them per draw.
    /// Set when the graph cannot express them (`StanProgram.compile`).
    var generatedQuantitiesOnHost = false

    init(program: Program, diagnostics: Diagnostics, name: String) {
        self.program = program
        self.diagnostics = diagnostics
        self.builder = ModelBuilder(name)
    }

    /// An error at `l`, with the names a branch of an `if` on the loop index made up for its rows
    /// (`rowConditionalIf`: `mu__rows4`, `n__rows4`) put back as the program writes them.
    /// The suffix inlining gives a function's locals (`acc__inline3`).
    nonisolated(unsafe) static let inlinedSuffix = try! Regex("__inline[0-9]+")

    func fail(_ message: String, _ l: StanSourceLocation) -> LeapfrogError {
        var text = message
        // Longest first, so that `n__rows12` is not read as `n__rows1` followed by 2.
        let names = madeNames.map { ($0.key, $0.value) } + branchRows.map { ($0.key, $0.value.index) }
        for (made, original) in names.sorted(by: { $0.0.count > $1.0.count }) { text = text.replacing(made, with: original) }
        // Inside an inlined function: its locals by their own names, and where it was called.
        text = text.replacing(Lowering.inlinedSuffix, with: "")
        // Inside a function of Stan's that Leapfrog writes in Stan (`StanLibrary`): at its call.
        if let (f, site) = libraryCall {
            return diagnostics.error(text + " (inside \(f), which Leapfrog defines in Stan: \(StanLibrary.path))", at: site)
        }
        if let (f, site) = inlineSites.last { text += " (in the function '\(f)' called at line \(site.line), column \(site.column))" }
        return diagnostics.error(text, at: l)
    }

    func lower() throws -> ModelGraph {
        for d in program.data {
            try declareGlobal(d, kind: .data)
        }
        try checkTransformedData(program.transformedData)
        for d in program.parameters {
            try declareParameter(d)
        }
        block = .transformedParameters
        try lowerTopLevel(program.transformedParameters, kind: .transformedParameter)
        block = .model
        scope.push()
        for s in Lowering.privatized(countedLoops(program.model)) { try statement(s) }
        scope.pop()
        block = .generatedQuantities
        if generatedQuantitiesOnHost {
            try checkHostBlock(program.generatedQuantities, .generatedQuantities)
        } else {
            try lowerTopLevel(program.generatedQuantities, kind: .generated)
        }
        var graph = builder.graph
        for (i, d) in densityFamilies { graph.nodes[i].distribution = d }
        let check = PlateCheck(graph: graph)
        for k in graph.terms.indices {
            if let plate = graph.terms[k].plate, !check.isRowWise(root: graph.terms[k].node, plate: plate) {
                graph.terms[k].plate = nil
            }
        }
        do { try graph.validate() } catch let e as LeapfrogError {
            throw LeapfrogError(.model, "\(diagnostics.path): internal error lowering the program: \(e.message)")
        }
        return graph
    }

    // MARK: Declarations

    func checkFresh(_ name: String, _ l: StanSourceLocation) throws {
        if let s = scope.lookup(name) {
            throw fail("'\(name)' is already declared (at line \(s.location.line))", l)
        }
        if Lowering.reserved.contains(name) { throw fail("'\(name)' is a reserved word", l) }
    }

    static let reserved: Set<String> = ["for", "in", "while", "if", "else", "target", "return", "lower", "upper", "int", "real",
                                        "vector", "row_vector", "matrix", "array", "data", "model", "parameters"]

    /// The static type of a declaration, with its sizes lowered to extents.
    func declaredType(_ d: Declaration) throws -> StanType {
        let sizes = try d.sizes.map { try dim($0) }
        return StanType(base: d.base, arrayRank: d.arraySizes.count, sizes: sizes)
    }

    func declareGlobal(_ d: Declaration, kind: Symbol.Kind) throws {
        try checkFresh(d.name, d.location)
        let t = try declaredType(d)
        scope.declare(Symbol(name: d.name, type: t, kind: kind, value: nil, location: d.location, declaration: d))
    }

    func declareParameter(_ d: Declaration) throws {
        try checkFresh(d.name, d.location)
        if d.base == .int { throw fail("parameters must be real; integer parameters are not possible in HMC", d.typeLocation) }
        if d.initializer != nil { throw fail("parameters cannot be assigned", d.location) }
        let t = try declaredType(d)
        guard t.rank <= 2 else { throw fail("parameter '\(d.name)' has \(t.rank) dimensions; the model graph supports at most 2", d.typeLocation) }
        if let c = d.constrained {
            try declareConstrainedType(d, t, c)
            return
        }
        if d.bounds.isAffine {
            try declareAffine(d, t)
            return
        }
        if try boundsNeedTheGraph(d) {
            try declareGraphBounded(d, t)
            return
        }
        var constraint = Constraint.none
        var pending = PendingBound(parameter: d.name)
        var lower: Double?, upper: Double?
        if let e = d.bounds.lower {
            if let c = foldConstant(e) { lower = c } else if try isDataOnly(e) { pending.lower = bindingLoopConstants(e) } else {
                throw fail("the lower bound of '\(d.name)' must be a constant or depend on data only", e.location)
            }
        }
        if let e = d.bounds.upper {
            if let c = foldConstant(e) { upper = c } else if try isDataOnly(e) { pending.upper = bindingLoopConstants(e) } else {
                throw fail("the upper bound of '\(d.name)' must be a constant or depend on data only", e.location)
            }
        }
        if pending.lower != nil || pending.upper != nil {
            // Constant halves travel as constant expressions.
            if pending.lower == nil, let a = lower { pending.lower = .real(a, d.location) }
            if pending.upper == nil, let b = upper { pending.upper = .real(b, d.location) }
            pendingBounds.append(pending)
        } else {
            switch (lower, upper) {
            case (nil, nil): constraint = .none
            case (let a?, nil): constraint = .lower(a)
            case (nil, let b?): constraint = .upper(b)
            case (let a?, let b?):
                guard a < b else { throw fail("the lower bound \(a) of '\(d.name)' is not below its upper bound \(b)", d.typeLocation) }
                constraint = .bounded(a, b)
            }
        }
        _ = builder.parameter(d.name, t.sizes.map { $0! }, constraint: constraint)
        scope.declare(Symbol(name: d.name, type: t, kind: .parameter, value: nil, location: d.location, declaration: d))
    }

    /// Lowers a transformed parameters or generated quantities block; its top-level variables
    /// become derived quantities.
    func lowerTopLevel(_ statements: [Statement], kind: Symbol.Kind) throws {
        var names: [(String, StanSourceLocation)] = []
        for s in countedLoops(statements) {
            if case .declaration(let d) = s {
                try sourced(d.location) { try localDeclaration(d, kind: kind) }
                names.append((d.name, d.location))
            } else {
                try statement(s)
            }
        }
        for (name, l) in names {
            guard let v = scope.lookup(name)?.value else { throw fail("'\(name)' is declared but never assigned", l) }
            builder.derive(name, materialize(v))
        }
    }

    /// Whether any of `statements` assigns to `name` (after its declaration).
    static func assigns(_ name: String, in statements: [Statement]) -> Bool {
        statements.contains { s in
            switch s {
            case .assignment(let target, _, _, _, _): return target == name
            case .forLoop(_, _, _, let body, _), .whileLoop(_, let body, _): return assigns(name, in: [body])
            case .ifElse(_, let a, let b, _): return assigns(name, in: [a] + (b.map { [$0] } ?? []))
            case .block(let body, _): return assigns(name, in: body)
            default: return false
            }
        }
    }

    /// The extent that a size expression stands for: a literal, an integer data variable's name,
    /// or a synthetic size computed from the data.
    func dim(_ e: Expression) throws -> Dim {
        if let c = foldConstant(e) {
            guard c == c.rounded(), c >= 0 else { throw fail("a size must be a non-negative integer", e.location) }
            return .fixed(Int(c))
        }
        if case .variable(let n, let l) = e {
            guard let s = scope.lookup(n) else { throw fail("unknown identifier '\(n)'", l) }
            switch s.kind {
            case .data, .transformedData:
                guard s.type.isIntScalar else { throw fail("a size must be an integer, but '\(n)' is \(s.type)", l) }
                // `int J = n_dogs;` in transformed data, never reassigned: n_dogs's extent, so
                // that a loop over 1:J and data of n_dogs rows are known to agree.
                if case .transformedData = s.kind, case .variable(let source, let sl)? = s.declaration?.initializer,
                   !Lowering.assigns(n, in: program.transformedData) {
                    return try dim(.variable(source, sl))
                }
                return .symbol(n)
            default:
                switch hostAlias(n, l) {
                case .integer(let k, _)?: return .fixed(k)
                case .variable(let d, _)?: return .symbol(d)
                default: break
                }
            }
        }
        // rows(x), cols(x), size(x) of a parameter or an inlined function's argument: x's extent.
        let e = try resolvingSizes(e)
        if let c = foldConstant(e) { return .fixed(Int(c)) }
        guard try isDataOnly(e) else { throw fail("a size must depend on data only", e.location) }
        let bound = bindingLoopConstants(e)
        let name = syntheticName("size", key: "size:\(bound.canonical)") { .size(name: $0, bound) }
        return .symbol(name)
    }

    /// A unique synthetic data name for `key`, registering it with `make` the first time.
    func syntheticName(_ prefix: String, key: String, _ make: (String) -> SyntheticData) -> String {
        if let n = syntheticKeys[key] { return n }
        let n = "__\(prefix)\(synthetic.count + 1)"
        syntheticKeys[key] = n
        synthetic.append(make(n))
        return n
    }

    /// A data leaf of `shape` filled with `value`.
    func fill(_ value: Double, _ shape: [Dim]) -> Expr {
        let key = "fill:\(value):\(shape)"
        let name = syntheticName("fill", key: key) { .fill(name: $0, value: value, shape: shape) }
        return builder.data(name, shape)
    }

    /// Whether `e` reads only data and transformed data (so the host can evaluate it).
    func isDataOnly(_ e: Expression) throws -> Bool {
        for n in e.variables {
            if n.hasPrefix("__") { continue }  // synthetic data (a size), computed on the host
            guard let s = scope.lookup(n) else { throw fail("unknown identifier '\(n)'", e.location) }
            switch s.kind {
            case .data, .transformedData, .loopConstant: continue
            default:
                if hostAlias(n, e.location) != nil { continue }
                return false
            }
        }
        return true
    }

    /// Whether `e` reads only data once the loop indices `indices` are known (their values
    /// computed when the data are read: a nested loop's bound, a condition on the row).
    func isDataOnly(_ e: Expression, given indices: Set<String>) throws -> Bool {
        try isDataOnly(Lowering.withIndices(e, indices, at: e.location))
    }

    /// `e` with each of `indices` read as the constant 1, for questions about the rest of it.
    static func withIndices(_ e: Expression, _ indices: Set<String>, at l: StanSourceLocation) -> Expression {
        FunctionBody.substitute(e, Dictionary(uniqueKeysWithValues: indices.map { ($0, Expression.integer(1, l)) }))
    }

    /// What the host can evaluate for a local integer scalar that holds a constant or an integer
    /// data scalar (`int n = rows(y);` in a function body): the constant or the data's name.
    func hostAlias(_ name: String, _ l: StanSourceLocation) -> Expression? {
        guard let s = scope.lookup(name), let v = s.value, v.type.isIntScalar, !v.plated else { return nil }
        switch s.kind {
        case .local, .transformedParameter, .generated:
            if let c = v.constant { return .integer(Int(c), l) }
            if let d = v.dataName { return .variable(d, l) }
            return nil
        default: return nil
        }
    }

    /// `e` with the indices of unrolled loops replaced by their values, for the host to evaluate.
    func bindingLoopConstants(_ e: Expression) -> Expression {
        func bind(_ e: Expression) -> Expression {
            switch e {
            case .integer, .real, .string: return e
            case .variable(let n, let l):
                if case .loopConstant(let k)? = scope.lookup(n)?.kind { return .integer(k, l) }
                return hostAlias(n, l) ?? e
            case .binary(let op, let a, let b, let l): return .binary(op, bind(a), bind(b), l)
            case .unary(let op, let a, let l): return .unary(op, bind(a), l)
            case .transpose(let a, let l): return .transpose(bind(a), l)
            case .index(let a, let idx, let l):
                return .index(bind(a), idx.map { i in
                    switch i {
                    case .single(let x): return .single(bind(x))
                    case .all: return i
                    case .range(let x, let y, let rl): return .range(x.map(bind), y.map(bind), rl)
                    }
                }, l)
            case .call(let f, let args, let c, let l): return .call(f, args.map(bind), conditional: c, l)
            case .conditional(let c, let a, let b, let l): return .conditional(bind(c), bind(a), bind(b), l)
            case .array(let xs, let l): return .array(xs.map(bind), l)
            case .rowVector(let xs, let l): return .rowVector(xs.map(bind), l)
            }
        }
        return bind(e)
    }

    /// The value of `e` when it is a compile-time constant (literals, unrolled loop indices).
    func foldConstant(_ e: Expression) -> Double? {
        var env: [String: DataArray] = [:]
        for n in e.variables {
            if case .integer(let k, _)? = hostAlias(n, e.location) { env[n] = .integer(k); continue }
            guard let s = scope.lookup(n), case .loopConstant(let k) = s.kind else { return nil }
            env[n] = .integer(k)
        }
        guard let v = try? HostInterpreter(env: env, diagnostics: diagnostics).evaluate(e), v.rank == 0 else { return nil }
        return v.values[0]
    }

    /// The value's node; a constant becomes a `constant` node. The graph's constants are finite,
    /// so −∞ is `log(0)`, +∞ is `−log(0)` and NaN is `log(0) · 0`.
    func materialize(_ v: Value) -> Expr {
        if let n = v.node { return n }
        let c = v.constant!
        if c.isFinite { return builder.constant(c) }
        let minusInfinity = builder.constant(0).log()
        if c.isNaN { return minusInfinity * 0.0 }
        return c > 0 ? -minusInfinity : minusInfinity
    }
}

import LeapfrogData
