import LeapfrogCore

/// How a bound model is evaluated, decided once for every back end: which nodes the terms need,
/// which depend on parameters (and so carry adjoints), and the plate a back end streams over
/// rows, with the nodes that vary by row.
///
/// One plate is streamed: of the terms' plates, the one with the most rows (the first written
/// among equals, `streamedPlate`); the terms of any other plate are evaluated whole, as sums
/// over arrays, like terms outside a plate. A node is
/// row-dependent when it is data whose first extent is the plate's symbol that a plate term reads, or when it is not a
/// plate term and one of its arguments is row-dependent. A plate term must be a sum of row-wise
/// contributions (`PlateCheck`); a row-dependent node must lead with the plate's rows; and a
/// row-dependent value may only flow into plate terms (nothing else reduces over rows). A model
/// outside these rules is refused with what broke them, and a back end can fall back to a plan that
/// does not stream (`streaming: false`: every term whole, as the CPU reference evaluates them). Needed and active nodes follow
/// `LoopStructure` through recurrences (a loop's output needs its whole region; a carry is active
/// when its update is); a recurrence or an ODE system may not read the plate's rows (an ODE solve
/// reads its output times whole).
public struct EvaluationPlan: Sendable {
    /// Nodes some term's value depends on.
    public let needed: [Bool]
    /// Nodes that depend on a parameter.
    public let active: [Bool]
    /// The streamed plate's extent symbol and row count, when a plate term exists.
    public let plate: (dim: Dim, rows: Int)?
    /// The nodes of the terms streamed over the plate's rows.
    public let plateTerms: Set<Int>
    /// Data variables whose first extent is the plate's symbol.
    public let rowData: Set<String>
    /// Nodes whose value differs from row to row of the plate.
    public let rowDependent: [Bool]
    private let nodes: [Node]

    /// What a model outside the plan's rules does, for the refusal's message.
    public struct Unsupported: Error, Sendable {
        public var what: String
    }

    /// The plan for `model`, streaming its plate when `streaming` (and refusing, with what broke
    /// the rules, a plate that cannot stream), or evaluating every term whole, as the CPU reference
    /// does, when not (that never refuses).
    public init(_ model: BoundModel, streaming: Bool = true) throws {
        let graph = model.graph
        let nodes = graph.nodes
        self.nodes = nodes
        let n = nodes.count
        let needed = model.loops.needed(graph.terms.map(\.node), in: graph)
        let active = model.loops.active(in: graph)
        self.needed = needed
        self.active = active
        var rowDependent = [Bool](repeating: false, count: n)
        guard streaming, let first = try EvaluationPlan.streamedPlate(model), let rows = model.extent(first), rows > 0 else {
            // No plate, or no rows (N = 0): the terms are sums over nothing, evaluated whole.
            plate = nil
            plateTerms = []
            rowData = []
            self.rowDependent = rowDependent
            return
        }
        let plated = graph.terms.filter { $0.plate == first }
        let check = PlateCheck(graph: graph)
        for t in plated where !check.isRowWise(root: t.node, plate: first) {
            throw Unsupported(what: "a plate term (node \(t.node)) that is not a sum of row-wise contributions")
        }
        let plateTerms = Set(plated.map(\.node))
        // Rows are what the plate's terms read: data of the plate's extent that only other terms
        // read (a pattern [N, N] behind `cumulative_sum`, a GP's N × N covariance) are whole
        // arrays. Data read by both are rows, and their whole use is refused below.
        // An ODE solve reads its times and its system whole.
        var readByPlate = Set<Int>(), stack = Array(plateTerms)
        while let i = stack.popLast() {
            if readByPlate.insert(i).inserted, nodes[i].op != .odeSolve { stack += nodes[i].args }
        }
        let rowData = Set(readByPlate.compactMap { i -> String? in
            guard nodes[i].op == .data, let name = nodes[i].name, graph.dataDeclaration(named: name)?.shape.first == first else { return nil }
            return name
        })
        let shapes = model.shapes.map { $0 ?? [] }
        for (i, node) in nodes.enumerated() where needed[i] {
            if node.op == .data {
                rowDependent[i] = rowData.contains(node.name!)
            } else if !plateTerms.contains(i) {
                rowDependent[i] = node.args.contains { rowDependent[$0] }
            }
            if rowDependent[i], model.loops.inBody(i) || [.loop, .stack, .last].contains(node.op) {
                throw Unsupported(what: "a recurrence (node \(i), \(node.op.rawValue)) that reads the plate's rows")
            }
            if rowDependent[i], model.loops.inRegion(i) || node.op == .odeSolve {
                throw Unsupported(what: "an ODE system (node \(i), \(node.op.rawValue)) that reads the plate's rows")
            }
            if rowDependent[i], shapes[i].first != rows {
                throw Unsupported(what: "node \(i) (\(node.op.rawValue)) of shape \(shapes[i]) inside a plate of \(rows) rows")
            }
        }
        for (i, node) in nodes.enumerated() where needed[i] && !rowDependent[i] && !plateTerms.contains(i) {
            if node.args.contains(where: { rowDependent[$0] }) {
                throw Unsupported(what: "node \(i) (\(node.op.rawValue)) reducing over plate rows outside a plate term")
            }
        }
        plate = (first, rows)
        self.plateTerms = plateTerms
        self.rowData = rowData
        self.rowDependent = rowDependent
    }

    /// The rows a back end that streams where it can (OpenCL) streams: the plate's, or 0 where
    /// there is no plate or it cannot stream (every term is then evaluated whole).
    public static func streamedRows(_ model: BoundModel) -> Int {
        ((try? EvaluationPlan(model))?.plate?.rows) ?? 0
    }

    /// The work of one evaluation of the needed nodes, in element operations, split between what
    /// varies by row of the streamed plate and what is evaluated once per chain: what decides
    /// whether a CPU device spreads a few chains' rows or their chains over its SIMD lanes
    /// (`OpenCLLogDensity.autoShapeIsRows`). An estimate of the forward pass (the reverse one
    /// costs about as much again, in the same proportion): an element per output element of an
    /// elementwise node, m·k·n per matrix product, n³/3 per Cholesky factor, n²·k per triangular
    /// solve, n³ per factorisation, n·m·d per kernel matrix, 4 per log density's element; a
    /// recurrence's body once per step.
    public func work(_ model: BoundModel) -> (rows: Double, whole: Double) {
        var (rows, whole) = (0.0, 0.0)
        func count(_ s: [Int]?) -> Double { Double((s ?? []).reduce(1, *)) }
        for (i, node) in nodes.enumerated() where needed[i] {
            let shape = model.shapes[i] ?? []
            let a = node.args.map { model.shapes[$0] ?? [] }
            var cost: Double
            switch node.op {
            case .parameter, .data, .constant, .loop, .ode: cost = 0
            case .matmul:
                let m = a[0].count == 2 ? a[0][0] : 1, n = a[1].count == 2 ? a[1][1] : 1
                cost = Double(m * (a[0].last ?? 1) * n)
            case .cholesky: let n = Double(shape.first ?? 1); cost = n * n * n / 3
            case .triangularSolve, .solve: let n = Double(a[0].first ?? 1); cost = n * count(a[1])
            case .logAbsDeterminant, .determinant, .eigenvaluesSym, .eigenvectorsSym: let n = Double(a[0].first ?? 1); cost = n * n * n
            case .expQuadCov: cost = count(shape) * Double(a[0].count == 2 ? a[0][1] : 1)
            case .logDensity: cost = 4 * count(a.first)
            default: cost = count(shape)
            }
            // A recurrence's body runs once per step of each loop around it.
            var loop = model.loops.enclosing[i]
            while let l = loop {
                cost *= Double(model.steps[l]?.count ?? 1)
                loop = model.loops.enclosing[l]
            }
            if rowDependent[i] || plateTerms.contains(i) { rows += cost } else { whole += cost }
        }
        return (rows, whole)
    }

    /// `work` of the plan a back end that streams where it can uses (every term whole where the
    /// plate cannot stream).
    public static func streamedWork(_ model: BoundModel) -> (rows: Double, whole: Double) {
        let plan = (try? EvaluationPlan(model)) ?? (try? EvaluationPlan(model, streaming: false))
        return plan?.work(model) ?? (0, 0)
    }

    /// The plate a back end streams: of the terms' plates, the one with the most rows (the
    /// first written among equals); nil without plate terms.
    public static func streamedPlate(_ model: BoundModel) throws -> Dim? {
        var best: (dim: Dim, rows: Int)?
        for case let dim? in model.graph.terms.map(\.plate) where best?.dim != dim {
            guard let rows = model.extent(dim) else { throw Unsupported(what: "plate extent \(dim) without data") }
            if rows > best?.rows ?? -1 { best = (dim, rows) }
        }
        return best?.dim
    }

    /// Row-dependent, non-leaf ancestors of a plate term, in graph order: what a back end
    /// recomputes for every row.
    public func rowAncestors(of term: Int) -> [Int] {
        var wanted = Set<Int>()
        var stack = nodes[term].args
        while let i = stack.popLast() {
            guard rowDependent[i], wanted.insert(i).inserted else { continue }
            stack += nodes[i].args
        }
        return wanted.sorted().filter { nodes[$0].op != .data }
    }
}
