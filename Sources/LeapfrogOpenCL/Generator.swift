import LeapfrogCore
import LeapfrogData
import LeapfrogModel

/// One kernel generation: the model's nodes, its `EvaluationPlan` (needed and active nodes, the
/// plate and its row-dependent nodes: the model layer's analysis, shared by every back end), and
/// the OpenCL lines emitted so far. The passes live in extensions: `Generator+Kernel` (the
/// kernel's outline), `Generator+Forward`, `Generator+Backward`,
/// `Generator+Distributions` (the terms) and `Generator+LinearAlgebra` (matmul, Cholesky, exp-quad).
struct Generator {
    let model: BoundModel
    let graph: ModelGraph
    let nodes: [Node]
    let shapes: [[Int]]
    let plan: EvaluationPlan
    /// The nodes this kernel computes: the terms' ancestors (the recorded-values kernel: the derived quantities').
    var needed: [Bool]
    let active: [Bool]
    /// The plan's row-dependent nodes; a term's own entry is set while its row is emitted.
    var rowDependent: [Bool]
    /// Cholesky factors only multivariate normal terms read (`BoundModel.covarianceOnlyCholeskyFactors`):
    /// those terms' adjoint goes straight to the covariance, and the factor has none.
    let covarianceFactors: Set<Int>
    /// Shared nodes whose adjoint is another's storage (`aliasedAdjoints`): node → the node whose
    /// adjoint array it uses.
    let adjointAliases: [Int: Int]
    /// Nodes a select's branch reads: their backward pass skips elements with no adjoint (`guarded`).
    let underSelect: [Bool]
    /// The plate's extent symbol and row count, when a plate term exists.
    var plate: (dim: Dim, rows: Int)? { plan.plate }
    var lines: [String] = []
    var indentation = 1
    /// Product of the trip counts of the unrolled loops around the current line.
    var unrolled = 1
    var dataArguments: [String] = []
    /// Elements (`realw`) per work-item of the arrays placed in the device heap so far
    /// (`declareArrays`), and their names.
    var heapElements = 0
    /// Each symmetric matrix decomposed outside any loop region → the eigen node whose `el`/`eq`
    /// arrays hold its decomposition, so that its values and vectors nodes share one
    /// (`Generator+Factorizations`).
    var decompositions: [Int: Int] = [:]
    var heapArrays: Set<String> = []
    /// Nodes whose adjoint goes to another array while a region is emitted: an ODE system's
    /// inputs, whose adjoints in its right-hand side's reverse passes are columns of J_p
    /// (`Generator+ODE`).
    var adjointOverrides: [Int: String] = [:]
    /// The arrays (by declaration order) that go to the heap (`OpenCLCodegen.generating` chooses
    /// them when the private arrays would not fit), and every array's size so far.
    var heapDeclarations: Set<Int> = []
    var arraySizes: [Int] = []

    let shape: LaunchShape

    init(_ model: BoundModel, shape: LaunchShape) throws {
        self.model = model
        self.shape = shape
        graph = model.graph
        nodes = graph.nodes
        shapes = model.shapes.map { $0 ?? [] }
        // A plate that cannot stream (a recurrence over its rows, posteriordb's dogs) is
        // evaluated whole, as the terms outside plates are.
        plan = try (try? EvaluationPlan(model)) ?? EvaluationPlan(model, streaming: false)
        needed = plan.needed
        active = plan.active
        rowDependent = plan.rowDependent
        covarianceFactors = model.covarianceOnlyCholeskyFactors
        adjointAliases = Generator.aliasedAdjoints(nodes, needed: plan.needed, active: plan.active,
                                                   rowDependent: plan.rowDependent, loops: model.loops)
        // The nodes a select's branches depend on: where a branch is not taken they are computed
        // all the same, at values the model may not define.
        underSelect = model.loops.needed(nodes.filter { $0.op == .select }.flatMap { $0.args.dropFirst() }, in: graph)
    }

    /// The inputs A of `add_diagonal` nodes B (B = A + diag(d)) that nothing else the terms need
    /// reads, shared (not row-dependent, outside recurrences) and carrying an adjoint: Ā = B̄
    /// exactly, so A's adjoint is B's array instead of a copy of it (a GP's 25 × 25 kernel matrix:
    /// one n×n array per lane and a pass over it fewer; 1.1× the gp-regression gradients/s at 4
    /// and 1,024 chains, docs/benchmarks.md).
    static func aliasedAdjoints(_ nodes: [Node], needed: [Bool], active: [Bool], rowDependent: [Bool],
                                loops: LoopStructure) -> [Int: Int] {
        var readers = [Int: [Int]]()
        for (k, node) in nodes.enumerated() where needed[k] {
            for a in node.args { readers[a, default: []].append(k) }
        }
        let shared = { (i: Int) in needed[i] && active[i] && !rowDependent[i] && !loops.inRegion(i) }
        var aliases = [Int: Int]()
        for (b, node) in nodes.enumerated() where node.op == .addDiagonal && shared(b) {
            let a = node.args[0]
            guard shared(a), ![.parameter, .data, .constant, .loop].contains(nodes[a].op), readers[a] == [b] else { continue }
            aliases[a] = b
        }
        return aliases
    }

    /// Row-dependent, non-leaf ancestors of a plate term (`EvaluationPlan.rowAncestors`).
    func rowAncestors(of term: Int) -> [Int] { plan.rowAncestors(of: term) }

    /// Whether the plate's rows run in SIMD lanes (`LaunchShape.rowsInLanes`).
    var rowLanes: Bool { shape == .rowsInLanes }

    /// Thrown when the rows-in-lanes shape meets a row loop it cannot vectorise over rows.
    func notInLanes(_ what: String) -> RowLanesUnsupported {
        RowLanesUnsupported(model: graph.name, reason: what)
    }

    func unsupported(_ what: String) -> LeapfrogError {
        LeapfrogError(.model, Generator.unsupportedMessage(graph.name, what))
    }

    static func unsupportedMessage(_ model: String, _ what: String) -> String {
        "model '\(model)': the OpenCL code generator does not support \(what) yet; use --backend cpu"
    }

    // MARK: Arrays: private or in the device heap

    /// Private bytes a CPU work-group may declare: PoCL runs a work-group's work-items on one
    /// thread's stack (`OpenCLLogDensity.cpuPrivateBudget`).
    static let cpuPrivateBudget = 2 << 20

    /// Bytes an element of a density array takes on the widest CPU vector, 16 f32 or 8 f64 lanes
    /// (AVX-512): what a generated kernel's private memory is counted at, on any device, to
    /// choose the arrays that go to the heap.
    static let widestElementBytes = 64

    /// Which of arrays of `sizes` elements go to the heap so that `excess` elements leave private
    /// memory: none when `excess` ≤ 0, else the largest, as few as do it (the first declared
    /// first among equals). Only where the arrays would not fit: a heap slice per work-item is
    /// cache-cold where a work-group's stack is reused by its work-items in turn (a 120-point GP's
    /// five 120 × 120 arrays at 256 chains: 30.6 k gradients/s with three in the heap, 27.3 k with
    /// all five, 31.9 k with all five private at 4.4 MiB, over the budget). A 400-point GP's 49 MiB
    /// per work-item were refused before (docs/benchmarks.md, "Large intermediate values in a
    /// device heap").
    static func heapDeclarations(sizes: [Int], excess: Int) -> Set<Int> {
        var moved: Set<Int> = [], left = excess
        for k in sizes.indices.sorted(by: { sizes[$0] > sizes[$1] || sizes[$0] == sizes[$1] && $0 < $1 }) where left > 0 {
            left -= sizes[k]
            moved.insert(k)
        }
        return moved
    }

    /// The kernel argument that holds the heap.
    static let heapArgument = "__heap"

    /// The parameter declaring data argument `name` (the heap is written; the data are not).
    static func dataParameter(_ name: String) -> String {
        name == heapArgument ? "__global real* d_\(name)" : "__global const real* d_\(name)"
    }

    /// Declares arrays `names` of `count` elements each (one at least: C has no empty arrays),
    /// private, or on slices of the heap where `heapDeclarations` says.
    mutating func declareArrays(_ names: [String], count: Int, comment: String = "") {
        let n = max(1, count)
        let note = comment.isEmpty ? "" : "  // " + comment
        for name in names {
            if heapDeclarations.contains(arraySizes.count) {
                emit("__global realw* \(name) = lf_heap + \(heapElements);  // \(comment.isEmpty ? "" : comment + ", ")in the heap")
                heapElements += n
                heapArrays.insert(name)
            } else {
                emit("realw \(name)[\(n)];" + note)
            }
            arraySizes.append(n)
        }
    }

    /// Where the code emitted from line `start` on placed arrays in the heap: defines `lf_heap`,
    /// this work-item's slice, at `start`, and adds the heap to the data arguments.
    mutating func placeHeap(at start: Int) {
        guard heapElements > 0 else { return }
        let indent = String(repeating: "    ", count: indentation)
        lines.insert(indent + "__global realw* lf_heap = (__global realw*)d_\(Generator.heapArgument) "
                     + "+ (size_t)get_global_id(0) * \(heapElements);", at: start)
        if !dataArguments.contains(Generator.heapArgument) { dataArguments.append(Generator.heapArgument) }
    }

    // MARK: Emission helpers

    mutating func emit(_ line: String) {
        lines.append(String(repeating: "    ", count: indentation) + Generator.annotate(line, enclosing: unrolled).line)
    }

    mutating func block(_ header: String, _ body: (inout Generator) throws -> Void) rethrows {
        let (annotated, factor) = Generator.annotate(header, enclosing: unrolled)
        let headerLine = lines.count
        lines.append(String(repeating: "    ", count: indentation) + annotated + " {")
        indentation += 1
        unrolled *= factor
        try body(&self)
        unrolled /= factor
        indentation -= 1
        // A loop around a loop that stays a loop stays a loop too (see `unrollLimit`).
        if factor > 1, lines[(headerLine + 1)...].contains(where: Generator.hasRolledLoop) {
            lines[headerLine] = lines[headerLine].replacing(Generator.pragma, with: "")
        }
        emit("}")
    }

    /// Loops with a constant trip count are fully unrolled (`_Pragma("unroll")`) while the
    /// product of the unrolled trip counts around them stays within this limit. Unrolled, the
    /// small per-node arrays have constant indices and become registers instead of stack memory
    /// (1.6× on the BNN under PoCL). The loop over plate rows is never unrolled, and neither is a
    /// loop with a loop inside that stays one (a GP's 25-row Cholesky around its inner products,
    /// a 25 × 25 nest on one line): unrolled, its inner loops got constant bounds and LLVM unrolled
    /// them too, so the GP's density took 5–6× as long to compile for no speed (docs/benchmarks.md,
    /// "First runs").
    static let unrollLimit = 64

    static let pragma = "_Pragma(\"unroll\") "

    /// Whether `line` has a `for` header without an unroll pragma.
    static func hasRolledLoop(_ line: String) -> Bool {
        line.ranges(of: "for (").count > line.ranges(of: pragma + "for (").count
    }

    /// `line` with an unroll pragma before each of its `for` headers that may be unrolled, and the
    /// product of their trip counts.
    static func annotate(_ line: String, enclosing: Int) -> (line: String, factor: Int) {
        guard line.contains("for (") else { return (line, 1) }
        // Each header's trip count if it may be unrolled, in nesting order (outermost first).
        var trips: [Int?] = []
        var factor = 1
        var rest = Substring(line)
        while let range = rest.firstRange(of: "for (") {
            rest = rest[range.lowerBound...]
            if let t = tripCount(rest), enclosing * factor * t <= unrollLimit {
                trips.append(t)
                factor *= Swift.max(t, 1)  // a loop that runs no times (over an empty array) counts as one
            } else {
                trips.append(nil)
            }
            rest = rest.dropFirst(5)
        }
        // The loops around the innermost one that stays a loop stay loops too.
        if let last = trips.lastIndex(where: { $0 == nil }) {
            for k in 0..<last { trips[k] = nil }
        }
        var out = ""
        var k = 0
        rest = Substring(line)
        while let range = rest.firstRange(of: "for (") {
            out += rest[..<range.lowerBound]
            if trips[k] != nil { out += pragma }
            out += "for ("
            rest = rest[range.upperBound...]
            k += 1
        }
        return (out + rest, trips.reduce(1) { $0 * Swift.max($1 ?? 1, 1) })
    }

    /// Trip count of a loop header `for (int v = A; v < B; ++v)` (or `<=`, or `v >= B; --v`) with
    /// integer literal bounds, at the start of `text`; nil for other loops and the row loop.
    static func tripCount(_ text: Substring) -> Int? {
        guard let match = text.prefixMatch(of: #/for \(int (\w+) = (-?\d+); \w+ (<|<=|>=) (-?\d+); (\+\+|--)\w+\)/#),
              match.1 != "row", let a = Int(String(match.2)), let b = Int(String(match.4)) else { return nil }
        let trips: Int
        switch match.3 {
        case "<": trips = b - a
        case "<=": trips = b - a + 1
        default: trips = a - b + 1
        }
        return Swift.max(0, trips)
    }

    static func literal(_ value: Double) -> String {
        var text = "\(value)"
        if !text.contains(".") && !text.contains("e") && !text.contains("n") && !text.contains("i") { text += ".0" }
        return text
    }

    static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Elements this node stores: its row slice inside a plate, else all of it.
    func storageCount(_ i: Int) -> Int {
        rowDependent[i] ? Generator.count(Array(shapes[i].dropFirst())) : Generator.count(shapes[i])
    }

    /// A data element as a scalar `real` (for indices and outcomes), at storage index `index`.
    /// Row data read this way differ between lanes, so the rows-in-lanes shape refuses them.
    func rawData(_ i: Int, _ index: String) throws -> String {
        let name = nodes[i].name!
        if rowLanes && rowDependent[i] { throw notInLanes("row data '\(name)' used as an index or outcome") }
        return rowDependent[i] ? "d_\(name)[row * \(storageCount(i)) + \(index)]" : "d_\(name)[\(index)]"
    }

    /// (groups, width) of a last-axis operation on the storage of its argument.
    func lastAxis(_ i: Int) throws -> (Int, Int) {
        let x = nodes[i].args[0]
        let shape = rowDependent[x] ? Array(shapes[x].dropFirst()) : shapes[x]
        guard let width = shape.last else { throw unsupported("\(nodes[i].op.rawValue) of a scalar") }
        return (Generator.count(Array(shape.dropLast())), width)
    }

    /// The value of element `index` (an index into the node's storage; for row data the slice).
    func value(_ i: Int, _ index: String) -> String {
        let node = nodes[i]
        switch node.op {
        case .constant: return "SPLAT(\(Generator.literal(node.value!)))"
        case .data:
            let name = node.name!
            if rowDependent[i] {
                let slice = storageCount(i)
                if rowLanes { return "LOADR(d_\(name) + (row * \(slice) + \(index)) * W)" }
                return "SPLAT(d_\(name)[row * \(slice) + \(index)])"
            }
            return "SPLAT(d_\(name)[\(index)])"
        case .parameter:
            let offset = model.layout.entry(named: node.name!)!.offset
            return "x[\(offset == 0 ? index : "\(offset) + \(index)")]"
        case .loop:
            // Read inside its region, a loop is its step (`t * 0.1` in the body).
            return "SPLAT((real)\(Generator.stepVariable(i)))"
        default: return "v\(i)[\(index)]"
        }
    }

    /// The adjoint of element `index`, or nil when the node does not depend on parameters.
    func adjoint(_ i: Int, _ index: String) -> String? {
        guard active[i] else { return nil }
        if let array = adjointOverrides[i] { return "\(array)[\(index)]" }
        if nodes[i].op == .parameter {
            let offset = model.layout.entry(named: nodes[i].name!)!.offset
            return "gx[\(offset == 0 ? index : "\(offset) + \(index)")]"
        }
        return "g\(i)[\(index)]"
    }

    /// Broadcast index into an argument of shape `arg` (padded to the rank of `out`) for element `k` of `out`.
    static func broadcastIndex(out: [Int], arg: [Int], _ k: String) -> String {
        if out == arg { return k }
        switch out.count {
        case 0: return "0"
        case 1: return arg[0] == 1 ? "0" : k
        default:
            var terms: [String] = []
            if arg[0] != 1 { terms.append("(\(k)) / \(out[1]) * \(arg[1])") }
            if arg[1] != 1 { terms.append("(\(k)) % \(out[1])") }
            return terms.isEmpty ? "0" : terms.joined(separator: " + ")
        }
    }

    /// Index into argument `a`'s storage for element `k` of node `i`'s storage, with broadcasting;
    /// inside a plate, shared arguments that carry the row axis are read at the current row.
    func argIndex(node i: Int, arg a: Int, outShape: [Int], _ k: String) throws -> String {
        let argShape = shapes[a]
        guard argShape.count <= outShape.count else { throw unsupported("an argument of higher rank than its result (node \(i))") }
        let padded = Array(repeating: 1, count: outShape.count - argShape.count) + argShape
        guard rowDependent[i] else { return Generator.broadcastIndex(out: outShape, arg: padded, k) }
        let rows = plate!.rows
        let outSlice = Array(outShape.dropFirst())
        let argSlice = Array(padded.dropFirst())
        let inner = Generator.broadcastIndex(out: outSlice, arg: argSlice, k)
        if rowDependent[a] {
            guard padded.count == argShape.count, argShape.first == rows else {
                throw unsupported("a row-dependent argument that does not lead with the plate's rows (node \(i))")
            }
            return inner
        }
        if padded[0] == rows && rows != 1 {
            if rowLanes { throw notInLanes("a shared value read at the current row (node \(i))") }
            let slice = Generator.count(argSlice)
            return inner == "0" ? "row * \(slice)" : "row * \(slice) + \(inner)"
        }
        return inner
    }
}

/// Why a model's row loop cannot run with its rows in SIMD lanes (`LaunchShape.rowsInLanes`): a
/// row reads something other than its own data directly (an index into a parameter, a per-row
/// parameter, a categorical outcome), or the model has a recurrence. `auto` then keeps the chain
/// shape; a forced `--launch rows` reports it.
public struct RowLanesUnsupported: Error, CustomStringConvertible, Sendable {
    public let model: String
    public let reason: String
    public var description: String {
        "model '\(model)' cannot run its plate's rows in SIMD lanes (\(reason)); use --launch chain or auto"
    }
}
