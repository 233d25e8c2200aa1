/// Builds a `ModelGraph` from Swift expressions.
///
/// ```swift
/// let graph = ModelBuilder.build("bnn") { m in
///     let X = m.data("X", ["N", "D"]), y = m.data("y", ["N"])
///     let W1 = m.parameter("W1", ["D", 5]), W2 = m.parameter("W2", [5, 5]), W3 = m.parameter("W3", [5])
///     for W in [W1, W2, W3] { m.sample(W, .normal(0, 1)) }
///     let prec = m.parameter("prec", constraint: .positive)
///     m.sample(prec, .gamma(3, 1))
///     let f = X.matmul(W1).tanh().matmul(W2).tanh().matmul(W3)
///     m.sample(y, .normal(f, 1 / prec.sqrt()), plate: "N")
/// }
/// ```
public final class ModelBuilder {
    public private(set) var graph: ModelGraph
    private var constants: [Double: Int] = [:]
    private var leaves: [String: Int] = [:]

    public init(_ name: String) { graph = ModelGraph(name: name) }

    /// Runs `body` on a fresh builder and returns the validated graph.
    public static func build(_ name: String, _ body: (ModelBuilder) throws -> Void) throws -> ModelGraph {
        let b = ModelBuilder(name)
        try body(b)
        try b.graph.validate()
        return b.graph
    }

    /// Declares a data variable and returns it as an expression; `bounds` are the values the
    /// model accepts (a positive scale, labels 0…1), checked when the graph is bound.
    public func data(_ name: String, _ shape: [Dim] = [], integer: Bool = false, optional: Bool = false,
                     bounds: DataBounds = .none) -> Expr {
        if graph.dataDeclaration(named: name) == nil {
            graph.data.append(DataDeclaration(name: name, shape: shape, integer: integer, optional: optional, bounds: bounds))
        }
        return leaf(.data, name)
    }

    /// Declares a data variable that no node reads (a size whose range the model checks, such
    /// as a classifier's `K`).
    public func declareData(_ name: String, _ shape: [Dim] = [], integer: Bool = false, bounds: DataBounds = .none) {
        if graph.dataDeclaration(named: name) == nil {
            graph.data.append(DataDeclaration(name: name, shape: shape, integer: integer, bounds: bounds))
        }
    }

    /// Declares which quantities are identifiable (see `ModelGraph.identifiable`).
    public func identifiable(_ names: [String]) {
        graph.identifiable = names
    }

    /// Declares a parameter and returns its constrained value as an expression.
    public func parameter(_ name: String, _ shape: [Dim] = [], constraint: Constraint = .none) -> Expr {
        if graph.parameter(named: name) == nil {
            graph.parameters.append(ParameterDeclaration(name: name, shape: shape, constraint: constraint))
        }
        return leaf(.parameter, name)
    }

    public func constant(_ value: Double) -> Expr {
        if let id = constants[value] { return Expr(id: id, builder: self) }
        let e = append(Node(op: .constant, value: value))
        constants[value] = e.id
        return e
    }

    /// `x ~ distribution`: adds the log density of `x` to the target. With `plate`, the term is a
    /// sum over that many independent rows (see `Term`).
    public func sample(_ x: Expr, _ distribution: DistributionCall, plate: Dim? = nil) {
        let args = [x.id] + distribution.arguments.map { $0.expr(in: self).id }
        let node = append(Node(op: .logDensity, args: args, distribution: distribution.family))
        graph.terms.append(Term(node: node.id, plate: plate))
    }

    /// The summed log density of `x` under `distribution`, as a value (not yet a term).
    public func logDensity(_ x: Expr, _ distribution: DistributionCall) -> Expr {
        let args = [x.id] + distribution.arguments.map { $0.expr(in: self).id }
        return append(Node(op: .logDensity, args: args, distribution: distribution.family))
    }

    /// `target += e` for a scalar expression.
    public func target(_ e: Expr, plate: Dim? = nil) {
        graph.terms.append(Term(node: e.id, plate: plate))
    }

    /// Records `e` with the draws under `name`.
    public func derive(_ name: String, _ e: Expr) {
        graph.derived.append(DerivedQuantity(name: name, node: e.id))
    }

    // MARK: Recurrences (see `LoopStructure`)

    /// A loop over steps t = from…to: `body` builds the step's nodes from t (the returned loop
    /// node's value); the region is whatever it appends. Add outputs (`stack`, `last`) after it.
    @discardableResult
    public func loop(from: Dim, to: Dim, name: String? = nil, _ body: (Expr) throws -> Void) rethrows -> Expr {
        let l = append(Node(op: .loop, name: name, range: [from, to], body: 0))
        try body(l)
        graph.nodes[l.id].body = graph.nodes.count - l.id - 1
        return l
    }

    /// A carried state of `loop`, starting at `initial`; set its update with `update(_:to:)`.
    public func carry(_ loop: Expr, initial: Expr) -> Expr {
        append(Node(op: .carry, args: [loop.id, initial.id], update: initial.id))
    }

    /// The value `carry` takes at the next step.
    public func update(_ carry: Expr, to next: Expr) {
        graph.nodes[carry.id].update = next.id
    }

    /// Row `offset + Σ coefficient·t` of `x` (1-based) for the steps t of `loops`.
    public func at(_ x: Expr, _ loops: [(loop: Expr, coefficient: Int)], offset: Int = 0, name: String? = nil) -> Expr {
        append(Node(op: .at, args: [x.id] + loops.map(\.loop.id), name: name, value: Double(offset),
                    coefficients: loops.map(\.coefficient)))
    }

    /// `x` at every step of `loop`, stacked along a new first axis, or written into its rows
    /// from…to of `prior`.
    public func stack(_ loop: Expr, _ x: Expr, into prior: Expr? = nil) -> Expr {
        append(Node(op: .stack, args: [loop.id, x.id] + (prior.map { [$0.id] } ?? [])))
    }

    /// The state of `carry` after the last step of `loop`.
    public func last(_ loop: Expr, _ carry: Expr) -> Expr {
        append(Node(op: .last, args: [loop.id, carry.id]))
    }

    // MARK: ODE systems (see `LoopStructure`, `Operation.ode`)

    /// An ODE system's region: `rhs` gets the time t and the state y (y0's shape) and returns
    /// dy/dt; then `odeSolve` gives y at each output time.
    public func odeSystem(initial y0: Expr, name: String? = nil,
                          _ rhs: (_ t: Expr, _ y: Expr) throws -> Expr) rethrows -> (system: Expr, state: Expr) {
        let o = append(Node(op: .ode, name: name, body: 0))
        let y = append(Node(op: .odeState, args: [o.id, y0.id], update: y0.id))
        var dydt = try rhs(o, y)
        // dy/dt must be a node of the region: a constant or an outside value is copied in.
        if dydt.id <= y.id { dydt = dydt * 1.0 }
        graph.nodes[y.id].update = dydt.id
        graph.nodes[o.id].body = graph.nodes.count - o.id - 1
        return (o, y)
    }

    /// a where c > 0 (c ≥ 0 when `inclusive`), else b (`Operation.select`).
    public func select(_ c: Expr, _ a: Expr, _ b: Expr, inclusive: Bool) -> Expr {
        append(Node(op: .select, args: [c.id, a.id, b.id], value: inclusive ? 1 : 0))
    }

    /// y at each of `times` ([count, n]) for the system `odeSystem` built, from y(t0) = y0.
    public func odeSolve(_ system: (system: Expr, state: Expr), t0: Expr, times: Expr, relativeTolerance: Expr,
                         absoluteTolerance: Expr, maxSteps: Expr, stiff: Bool = false, name: String? = nil) -> Expr {
        append(Node(op: .odeSolve, args: [system.system.id, system.state.id, t0.id, times.id, relativeTolerance.id,
                                          absoluteTolerance.id, maxSteps.id], name: name, value: stiff ? 1 : nil))
    }

    func append(_ node: Node) -> Expr {
        graph.nodes.append(node)
        return Expr(id: graph.nodes.count - 1, builder: self)
    }

    private func leaf(_ op: Operation, _ name: String) -> Expr {
        let key = "\(op.rawValue):\(name)"
        if let id = leaves[key] { return Expr(id: id, builder: self) }
        let e = append(Node(op: op, name: name))
        leaves[key] = e.id
        return e
    }
}

/// A node under construction. Arithmetic operators broadcast; methods apply functions.
public struct Expr {
    public let id: Int
    unowned let builder: ModelBuilder

    /// The constant `value` in this expression's graph.
    public func constant(_ value: Double) -> Expr { builder.constant(value) }

    /// Applies `op` to `self` and `others` (for operations without a named method).
    public func apply(_ op: Operation, _ others: Expr...) -> Expr {
        builder.append(Node(op: op, args: [id] + others.map(\.id)))
    }

    /// −self for a `sum` node, as the sum of its argument negated (−Σx = Σ(−x)), so that a
    /// plate term stays a sum of rows; nil for any other node.
    public func negatedSum() -> Expr? {
        let node = builder.graph.nodes[id]
        guard node.op == .sum else { return nil }
        return (-Expr(id: node.args[0], builder: builder)).sum()
    }

    public func exp() -> Expr { apply(.exp) }
    public func log() -> Expr { apply(.log) }
    public func log1p() -> Expr { apply(.log1p) }
    public func expm1() -> Expr { apply(.expm1) }
    public func sqrt() -> Expr { apply(.sqrt) }
    public func square() -> Expr { apply(.square) }
    public func tanh() -> Expr { apply(.tanh) }
    public func invLogit() -> Expr { apply(.invLogit) }
    public func logInvLogit() -> Expr { apply(.logInvLogit) }
    public func log1pExp() -> Expr { apply(.log1pExp) }
    public func relu() -> Expr { apply(.relu) }
    /// log Γ(x), elementwise.
    public func lgamma() -> Expr { apply(.lgamma) }
    public func phi() -> Expr { apply(.phi) }
    public func inversePhi() -> Expr { apply(.invPhi) }
    public func logPhi() -> Expr { apply(.logPhi) }
    public func sin() -> Expr { apply(.sin) }
    public func cos() -> Expr { apply(.cos) }
    public func atan() -> Expr { apply(.atan) }
    public func sum() -> Expr { apply(.sum) }
    public func mean() -> Expr { apply(.mean) }
    public func logSumExp() -> Expr { apply(.logSumExp) }
    public func softmax() -> Expr { apply(.softmax) }
    public func logSoftmax() -> Expr { apply(.logSoftmax) }
    public func transposed() -> Expr { apply(.transpose) }
    /// log P(a, x) (`complement`: log Q(a, x)) of the regularised incomplete gamma function,
    /// elementwise with broadcasting; `self` is a (`Operation.logGammaP`).
    public func logRegularizedGamma(_ x: Expr, complement: Bool) -> Expr { apply(complement ? .logGammaQ : .logGammaP, x) }
    /// log I_x(a, b) (`complement`: log(1 − I_x(a, b))) of the regularised incomplete beta
    /// function, elementwise with broadcasting; `self` is a (`Operation.logIncBeta`).
    public func logIncompleteBeta(_ b: Expr, _ x: Expr, complement: Bool) -> Expr { apply(complement ? .log1mIncBeta : .logIncBeta, b, x) }
    /// `a` where self > 0 (≥ 0 when `inclusive`), else `b` (`Operation.select`).
    public func choosing(_ a: Expr, _ b: Expr, inclusive: Bool) -> Expr { builder.select(self, a, b, inclusive: inclusive) }
    /// [n] → [n, 1] (`Operation.column`).
    public func column() -> Expr { apply(.column) }
    public func cholesky() -> Expr { apply(.cholesky) }
    public func matmul(_ other: Expr) -> Expr { apply(.matmul, other) }
    /// self's rows followed by other's (`Operation.concat`).
    public func concatenated(_ other: Expr) -> Expr { apply(.concat, other) }
    public func pow(_ exponent: some ExprConvertible) -> Expr { apply(.pow, exponent.expr(in: builder)) }
    public func addDiagonal(_ d: some ExprConvertible) -> Expr { apply(.addDiagonal, d.expr(in: builder)) }
    /// `self` is a lower-triangular L: returns L⁻¹·b.
    public func solveLower(_ b: Expr) -> Expr { apply(.triangularSolve, b) }
    /// self⁻¹·b for a square matrix (`solve`).
    public func solve(_ b: Expr) -> Expr { apply(.solve, b) }
    /// Rows of `self` picked by 1-based integer data: `alpha[group]`.
    public subscript(index: Expr) -> Expr { apply(.index, index) }

    /// α²·exp(−‖x₁ᵢ − x₂ⱼ‖² / (2ρ²)).
    public static func expQuadCov(_ x1: Expr, _ x2: Expr, amplitude: some ExprConvertible, lengthScale: some ExprConvertible) -> Expr {
        x1.apply(.expQuadCov, x2, amplitude.expr(in: x1.builder), lengthScale.expr(in: x1.builder))
    }

    public static prefix func - (x: Expr) -> Expr { x.apply(.negate) }
    public static func + (a: Expr, b: some ExprConvertible) -> Expr { a.apply(.add, b.expr(in: a.builder)) }
    public static func - (a: Expr, b: some ExprConvertible) -> Expr { a.apply(.subtract, b.expr(in: a.builder)) }
    public static func * (a: Expr, b: some ExprConvertible) -> Expr { a.apply(.multiply, b.expr(in: a.builder)) }
    public static func / (a: Expr, b: some ExprConvertible) -> Expr { a.apply(.divide, b.expr(in: a.builder)) }
    public static func + (a: Double, b: Expr) -> Expr { b.builder.constant(a).apply(.add, b) }
    public static func - (a: Double, b: Expr) -> Expr { b.builder.constant(a).apply(.subtract, b) }
    public static func * (a: Double, b: Expr) -> Expr { b.builder.constant(a).apply(.multiply, b) }
    public static func / (a: Double, b: Expr) -> Expr { b.builder.constant(a).apply(.divide, b) }
}

/// Anything usable where the builder needs a node: an `Expr`, or a number (a constant).
public protocol ExprConvertible {
    func expr(in builder: ModelBuilder) -> Expr
}

extension Expr: ExprConvertible {
    public func expr(in builder: ModelBuilder) -> Expr { self }
}

extension Double: ExprConvertible {
    public func expr(in builder: ModelBuilder) -> Expr { builder.constant(self) }
}

extension Int: ExprConvertible {
    public func expr(in builder: ModelBuilder) -> Expr { builder.constant(Double(self)) }
}

/// A distribution with its parameters, for `ModelBuilder.sample`.
public struct DistributionCall {
    public let family: Distribution
    public let arguments: [any ExprConvertible]

    public init(_ family: Distribution, _ arguments: [any ExprConvertible]) {
        precondition(arguments.count == family.parameterNames.count)
        self.family = family
        self.arguments = arguments
    }

    public typealias E = ExprConvertible
    public static func normal(_ mu: some E, _ sigma: some E) -> Self { .init(.normal, [mu, sigma]) }
    public static func halfNormal(_ sigma: some E) -> Self { .init(.halfNormal, [sigma]) }
    public static func studentT(_ nu: some E, _ mu: some E, _ sigma: some E) -> Self { .init(.studentT, [nu, mu, sigma]) }
    public static func cauchy(_ mu: some E, _ sigma: some E) -> Self { .init(.cauchy, [mu, sigma]) }
    public static func halfCauchy(_ sigma: some E) -> Self { .init(.halfCauchy, [sigma]) }
    public static func exponential(_ rate: some E) -> Self { .init(.exponential, [rate]) }
    public static func gamma(_ shape: some E, _ rate: some E) -> Self { .init(.gamma, [shape, rate]) }
    public static func inverseGamma(_ shape: some E, _ scale: some E) -> Self { .init(.inverseGamma, [shape, scale]) }
    public static func logNormal(_ mu: some E, _ sigma: some E) -> Self { .init(.logNormal, [mu, sigma]) }
    public static func beta(_ a: some E, _ b: some E) -> Self { .init(.beta, [a, b]) }
    public static func uniform(_ lower: some E, _ upper: some E) -> Self { .init(.uniform, [lower, upper]) }
    public static var flat: Self { .init(.flat, []) }
    public static func bernoulliLogit(_ alpha: some E) -> Self { .init(.bernoulliLogit, [alpha]) }
    public static func binomialLogit(trials: Expr, _ alpha: some E) -> Self { .init(.binomialLogit, [trials, alpha]) }
    public static func poissonLog(_ alpha: some E) -> Self { .init(.poissonLog, [alpha]) }
    public static func categoricalLogit(_ logits: Expr) -> Self { .init(.categoricalLogit, [logits]) }
    public static func multiNormalCholesky(_ mu: some E, _ L: Expr) -> Self { .init(.multiNormalCholesky, [mu, L]) }
}
