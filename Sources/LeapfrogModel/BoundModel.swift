import LeapfrogCore
import LeapfrogData

/// A graph bound to its data: every symbolic extent resolved, every node's concrete shape known,
/// the data checked against the declarations, and the parameter layout fixed. Back ends compile
/// a `BoundModel`.
public struct BoundModel: Sendable {
    public let graph: ModelGraph
    /// The declared data variables that are present, by name.
    public let data: [String: DataArray]
    /// Resolved symbolic extents (`N`, `J`, …).
    public let extents: [String: Int]

    /// The length of a dimension: its fixed size, or the extent the data gave its symbol (nil if
    /// no data variable fixes it).
    public func extent(_ dim: Dim) -> Int? {
        switch dim {
        case .fixed(let n): return n
        case .symbol(let s): return extents[s]
        }
    }
    /// Concrete shape of each node; nil for nodes that read absent optional data.
    public let shapes: [[Int]?]
    public let layout: ParameterLayout
    /// The graph's recurrences, and each loop's steps as the data fix them.
    public let loops: LoopStructure
    public let steps: [Int: LoopStructure.Steps]
    /// Derived quantities whose inputs are all present.
    public let derived: [DerivedQuantity]
    /// Quantities the host computes per draw after the graph's (Stan's generated quantities that
    /// the graph cannot express); recorded after `derived`. Nil for most models.
    public var hostQuantities: (any HostQuantities)?

    /// The variables of a recorded row, in order, with their shapes: the constrained parameters,
    /// then the derived quantities (what `HostQuantities.values` reads).
    public var recordedLayout: [(name: String, shape: [Int])] {
        layout.entries.map { ($0.name, $0.shape) } + derived.map { ($0.name, shapes[$0.node]!) }
    }

    public var dimension: Int { layout.dimension }

    /// Binds `graph` to `dataSet`; every mismatch, and every value outside its declared bounds, is
    /// an error that names the variable and the file.
    public init(graph: ModelGraph, data dataSet: DataSet) throws {
        try graph.validate()
        self.graph = graph
        let source = dataSet.source.isEmpty ? "data" : "data file '\(dataSet.source)'"
        func fail(_ m: String) -> LeapfrogError { LeapfrogError(.data, "model '\(graph.name)', \(source): \(m)") }

        // 1. Symbols fixed by integer scalar data of the same name.
        var extents: [String: Int] = [:]
        var origin: [String: String] = [:]
        for (name, value) in dataSet.variables where value.rank == 0 {
            let x = value.values[0]
            if x == x.rounded(), x >= 0, x < 1e15 { extents[name] = Int(x); origin[name] = "the data variable \(name)" }
        }

        // 2. Declared data: presence, rank, integrality, extents.
        var present: [String: DataArray] = [:]
        for decl in graph.data {
            guard let value = dataSet[decl.name] else {
                if decl.optional { continue }
                let have = dataSet.names.isEmpty ? "no variables" : "only \(dataSet.names.joined(separator: ", "))"
                throw fail("the model needs \(decl.integer ? "integer" : "real") data '\(decl.name)' of shape \(BoundModel.describe(decl.shape)), but the data have \(have)")
            }
            guard value.rank == decl.shape.count else {
                throw fail("'\(decl.name)' has shape \(value.shape) but the model declares \(BoundModel.describe(decl.shape))")
            }
            if let bad = value.values.firstIndex(where: { !$0.isFinite }) {
                throw fail("'\(decl.name)' element \(bad + 1) is not finite (\(value.values[bad]))")
            }
            if decl.integer, let bad = value.values.firstIndex(where: { $0 != $0.rounded() }) {
                throw fail("'\(decl.name)' must hold integers, but element \(bad + 1) is \(value.values[bad])")
            }
            for (axis, dim) in decl.shape.enumerated() {
                let actual = value.shape[axis]
                let what = axis == 0 && decl.shape.count == 2 ? "rows" : (axis == 1 ? "columns" : "elements")
                switch dim {
                case .fixed(let n):
                    guard n == actual else { throw fail("'\(decl.name)' has \(actual) \(what) but the model needs \(n)") }
                case .symbol(let s):
                    if let known = extents[s] {
                        guard known == actual else {
                            throw fail("'\(decl.name)' has \(actual) \(what) but \(s) = \(known) (from \(origin[s]!))")
                        }
                    } else {
                        extents[s] = actual
                        origin[s] = "the \(what) of \(decl.name)"
                    }
                }
            }
            var v = value
            v.isInteger = decl.integer
            present[decl.name] = v
        }
        // 3. Declared bounds (a positive scale, labels in 1…K), once every extent is known.
        for decl in graph.data where !decl.bounds.isNone {
            guard let value = present[decl.name] else { continue }
            let violation = decl.bounds.violation(decl.name, value) { symbol in
                dataSet[symbol].flatMap { $0.rank == 0 ? $0.values[0] : nil } ?? extents[symbol].map(Double.init)
            }
            if let violation { throw fail(violation) }
        }
        self.data = present
        self.extents = extents

        // 4. Parameters.
        func resolve(_ shape: [Dim], what: String) throws -> [Int] {
            try shape.map { d in
                switch d {
                case .fixed(let n):
                    guard n >= 0 else { throw fail("\(what) has a negative extent \(n)") }
                    return n
                case .symbol(let s):
                    guard let n = extents[s] else { throw fail("\(what) has extent \(s), which no data variable fixes") }
                    return n
                }
            }
        }
        var params: [(name: String, shape: [Int], constraint: Constraint)] = []
        for p in graph.parameters {
            params.append((p.name, try resolve(p.shape, what: "parameter '\(p.name)'"), p.constraint))
        }
        self.layout = ParameterLayout(params)

        // 5. Loop ranges, then the shapes of every node.
        let loops = try LoopStructure(graph)
        var steps: [Int: LoopStructure.Steps] = [:]
        for l in loops.loops {
            let r = try resolve(graph.nodes[l].range!, what: "loop node \(l)")
            steps[l] = LoopStructure.Steps(from: r[0], to: r[1])
        }
        self.loops = loops
        self.steps = steps
        var shapes: [[Int]?] = []
        shapes.reserveCapacity(graph.nodes.count)
        // Only what the terms and derived quantities read is shaped (and checked): a branch a data
        // condition did not take (a Stan `if` on data, `c ? a : b`) indexes by data it cannot
        // have, and nothing evaluates it.
        let live = loops.needed(graph.terms.map(\.node) + graph.derived.map(\.node), in: graph)
        for (i, node) in graph.nodes.enumerated() {
            if !live[i] { shapes.append(nil); continue }
            // Absent optional data: this node and everything that reads it has no shape.
            if node.op == .data, present[node.name!] == nil { shapes.append(nil); continue }
            let argShapes = node.args.map { shapes[$0] }
            if argShapes.contains(where: { $0 == nil }) { shapes.append(nil); continue }
            let s = try ShapeRules.shape(of: node, index: i, args: argShapes.map { $0! }, layout: layout, data: present, graph: graph, steps: steps)
            shapes.append(s)
        }
        self.shapes = shapes
        try BoundModel.checkRecurrences(graph, shapes, steps)
        for t in graph.terms {
            guard let s = shapes[t.node] else { throw fail("a log-density term reads optional data that is absent") }
            guard s.isEmpty else { throw LeapfrogError(.model, "model '\(graph.name)': term node \(t.node) has shape \(s); terms must be scalars") }
            if let plate = t.plate, case .symbol(let sym) = plate, extents[sym] == nil {
                throw LeapfrogError(.model, "model '\(graph.name)': plate extent \(sym) is not fixed by any data")
            }
        }
        self.derived = graph.derived.filter { shapes[$0.node] != nil }
    }

    /// A carry's update must keep its shape, and every row an `at` node can read must exist:
    /// `y[t - 1]` in a loop from t = 1 is refused here, naming the access (the node's `name`, which
    /// the Stan front end sets to the source text and line) and the step that reads outside.
    static func checkRecurrences(_ graph: ModelGraph, _ shapes: [[Int]?], _ steps: [Int: LoopStructure.Steps]) throws {
        for (i, node) in graph.nodes.enumerated() {
            guard let shape = shapes[i] else { continue }
            if node.op == .carry || node.op == .odeState, let u = node.update, let us = shapes[u], us != shape {
                let what = node.op == .carry ? "its update" : "its derivative dy/dt"
                throw LeapfrogError(.model, "model '\(graph.name)': node \(i) (\(node.op.rawValue)) has shape \(shape) but \(what), node \(u), has shape \(us)")
            }
            guard node.op == .at, let rows = shapes[node.args[0]]?.first else { continue }
            let loops = Array(node.args.dropFirst())
            let ranges = loops.map { steps[$0]! }
            if ranges.contains(where: { $0.count == 0 }) { continue }
            let c = node.coefficients ?? []
            let offset = Int(node.value ?? 0)
            let low = zip(c, ranges).map { $0 > 0 ? $1.from : $1.to }
            let high = zip(c, ranges).map { $0 > 0 ? $1.to : $1.from }
            for (t, row) in [(low, offset + zip(c, low).map(*).reduce(0, +)), (high, offset + zip(c, high).map(*).reduce(0, +))]
            where row < 1 || row > rows {
                let x = graph.nodes[node.args[0]]
                let what = x.op == .data || x.op == .parameter ? "'\(x.name!)'" : "node \(node.args[0])"
                let access = node.name ?? "node \(i) (at)"
                let when = zip(loops, t).map { "\(graph.nodes[$0].name ?? "step of loop \($0)") = \($1)" }.joined(separator: ", ")
                throw LeapfrogError(.data, "model '\(graph.name)': \(access) reads row \(row) of \(what), which has rows 1…\(rows) (when \(when))")
            }
        }
    }

    static func describe(_ shape: [Dim]) -> String {
        shape.isEmpty ? "scalar" : "[" + shape.map(\.description).joined(separator: ", ") + "]"
    }

    /// Stan-style names of every derived element, in order.
    public var derivedElementNames: [String] {
        derived.flatMap { ParameterLayout.elementNames($0.name, shape: shapes[$0.node]!) }
    }
}
