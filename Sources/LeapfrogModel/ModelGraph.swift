import LeapfrogCore

/// The model graph: the contract between every front end (Swift builder, built-in models, JSON,
/// Stan text) and every back end (CPU reference, OpenCL).
///
/// Nodes are in SSA order: a node's arguments are earlier nodes. The log density is the sum of
/// the `terms` (scalar nodes) plus the log-Jacobians of the parameters' transforms. Its JSON
/// form is documented in `docs/model-format.md` and round-trips exactly.
public struct ModelGraph: Hashable, Sendable, Codable {
    /// The JSON form's version tag, written as `"format"`.
    public static let format = "leapfrog-model/1"

    public var name: String
    public var data: [DataDeclaration]
    public var parameters: [ParameterDeclaration]
    public var nodes: [Node]
    public var terms: [Term]
    public var derived: [DerivedQuantity]
    /// The quantities whose convergence diagnostics mean something, by name: parameters, derived
    /// quantities and `lp__`; nil means all of them. A network's weights are not identifiable (its
    /// posterior is symmetric under sign flips and permuted hidden units), so chains that settle
    /// in different modes give high R-hat on them while its predictions and `lp__` agree.
    public var identifiable: [String]?

    /// The name that stands for the log density in `identifiable` (Stan's `lp__` column).
    public static let logDensityName = "lp__"

    public init(name: String, data: [DataDeclaration] = [], parameters: [ParameterDeclaration] = [],
                nodes: [Node] = [], terms: [Term] = [], derived: [DerivedQuantity] = [],
                identifiable: [String]? = nil) {
        self.name = name
        self.data = data
        self.parameters = parameters
        self.nodes = nodes
        self.terms = terms
        self.derived = derived
        self.identifiable = identifiable
    }

    public func parameter(named name: String) -> ParameterDeclaration? { parameters.first { $0.name == name } }
    public func dataDeclaration(named name: String) -> DataDeclaration? { data.first { $0.name == name } }

    /// Checks the graph's structure (not its shapes, which need data): unique names, arguments
    /// that point to earlier nodes, arities, leaves that name declared variables.
    public func validate() throws {
        func fail(_ message: String) -> LeapfrogError { LeapfrogError(.model, "model '\(name)': \(message)") }
        var seen = Set<String>()
        for p in parameters {
            guard seen.insert(p.name).inserted else { throw fail("the name '\(p.name)' is declared twice") }
            guard p.shape.count <= 2 else { throw fail("parameter '\(p.name)' has rank \(p.shape.count); ranks 0–2 are supported") }
            if case .bounded(let a, let b) = p.constraint, !(a < b) {
                throw fail("parameter '\(p.name)' has lower bound \(a) not below upper bound \(b)")
            }
        }
        for d in data {
            guard seen.insert(d.name).inserted else { throw fail("the name '\(d.name)' is declared twice") }
            guard d.shape.count <= 2 else { throw fail("data '\(d.name)' has rank \(d.shape.count); ranks 0–2 are supported") }
            if case .value(let a)? = d.bounds.lower, case .value(let b)? = d.bounds.upper, !(a < b) {
                throw fail("data '\(d.name)' has lower bound \(a) not below upper bound \(b)")
            }
            for case .value(let x)? in [d.bounds.lower, d.bounds.upper] where !x.isFinite {
                throw fail("data '\(d.name)' has a bound \(x); bounds must be finite")
            }
        }
        for (i, node) in nodes.enumerated() {
            let here = "node \(i) (\(node.op.rawValue))"
            for a in node.args where a < 0 || a >= i {
                throw fail("\(here) refers to node \(a), which is not an earlier node")
            }
            if let arity = node.op.arity, node.args.count != arity {
                throw fail("\(here) takes \(arity) argument(s), got \(node.args.count)")
            }
            switch node.op {
            case .parameter:
                guard let n = node.name, parameter(named: n) != nil else { throw fail("\(here) names unknown parameter '\(node.name ?? "")'") }
            case .data:
                guard let n = node.name, dataDeclaration(named: n) != nil else { throw fail("\(here) names unknown data '\(node.name ?? "")'") }
            case .constant:
                guard let v = node.value, v.isFinite else { throw fail("\(here) needs a finite 'value'") }
            case .logDensity:
                guard let d = node.distribution else { throw fail("\(here) needs a 'distribution'") }
                let expected = 1 + d.parameterNames.count
                guard node.args.count == expected else {
                    throw fail("\(here): \(d.rawValue) takes an outcome and \(d.parameterNames.joined(separator: ", ")) (\(expected) arguments), got \(node.args.count)")
                }
            default: break
            }
        }
        let structure = try LoopStructure(self)
        /// Only an `ode_solve` reads an ODE system: a term or a derived quantity inside one has no value.
        func outsideSystems(_ node: Int, _ what: String) throws {
            if let o = nodes[node].op == .ode ? node : structure.odeSystem[node] {
                throw fail("\(what) is node \(node), inside the region of ODE system \(o); only its ode_solve reads a system")
            }
        }
        for t in terms {
            guard t.node >= 0 && t.node < nodes.count else { throw fail("a term refers to node \(t.node), which does not exist") }
            try outsideSystems(t.node, "a term")
        }
        var derivedNames = Set<String>()
        for q in derived {
            guard q.node >= 0 && q.node < nodes.count else { throw fail("derived '\(q.name)' refers to node \(q.node), which does not exist") }
            guard !seen.contains(q.name), derivedNames.insert(q.name).inserted else { throw fail("derived '\(q.name)' clashes with another name") }
            try outsideSystems(q.node, "derived '\(q.name)'")
        }
        let quantities = Set(parameters.map(\.name)).union(derivedNames).union([ModelGraph.logDensityName])
        for name in identifiable ?? [] where !quantities.contains(name) {
            throw fail("'identifiable' names '\(name)', which is not a parameter, a derived quantity or \(ModelGraph.logDensityName)")
        }
    }
}
