import LeapfrogCore
import LeapfrogData
import LeapfrogModel

/// A fused log-density-and-gradient kernel generated for one bound model.
public struct GeneratedKernel: Sendable, Hashable {
    /// The generated kernel only; build it after the library files in `libraryFiles`
    /// (`KernelLibrary.programSource(libraryFiles, extra: source)`).
    public let source: String
    public let kernelName: String
    public let libraryFiles: [String]
    /// Data variables passed as `__global const real*` arguments, in order, after
    /// (position, gradient, log_density) and before the final `int stride`.
    public let dataArguments: [String]
    /// Length of the unconstrained vector.
    public let dimension: Int
    /// How chains map onto work-items.
    public let shape: LaunchShape
}

/// The two launch shapes of a generated kernel.
///
/// - `chainPerWorkItem`: each work-item evaluates W chains (W = 1 on GPUs, the SIMD width on CPU
///   devices), streaming over the plate rows with the gradient in private memory. Many chains,
///   small data.
/// - `workGroupPerChain`: one work-group of `localSize` work-items per chain (W = 1); work-item
///   `lid` takes rows lid, lid + localSize, ..., accumulates its partial log density and gradient,
///   and the work-group sums them through local memory, `reductionColumns` values per pass
///   (bounded by the device's local memory). Few chains, large data (diamonds' N = 5000, digits).
public enum LaunchShape: Sendable, Hashable, CustomStringConvertible {
    case chainPerWorkItem
    case workGroupPerChain(localSize: Int, reductionColumns: Int)

    public var description: String {
        switch self {
        case .chainPerWorkItem: return "work-item per chain"
        case .workGroupPerChain(let local, _): return "work-group of \(local) per chain"
        }
    }
}

/// Generates one OpenCL kernel that evaluates a model's log density and its gradient for W chains
/// per work-item, with reverse-mode differentiation written out in the kernel.
///
/// Kernel:
/// `NAME(__global const real* position, __global real* gradient, __global real* log_density,
///       __global const real* d_<data>..., const int stride)`;
/// positions and gradients chain-fastest (`position[j * stride + c]`), `log_density[c]`; the log
/// density includes the log-Jacobians of the parameter transforms (as `BatchedLogDensity` says).
///
/// Structure of the generated code:
/// 1. load the unconstrained values, constrain them (`x`), log-Jacobian and its derivative;
/// 2. forward pass over the nodes that do not depend on plate rows (private arrays `vN[]`);
/// 3. the terms: a plain term adds its log density and its partials to the adjoints; a plate term
///    becomes a loop over rows that, per row, runs the row-dependent nodes forward, adds the row's
///    log density, and runs those nodes backward into the shared adjoints (nothing of size N is
///    ever held);
/// 4. backward pass over the shared nodes, then the chain rule through the transforms.
///
/// Every operation and distribution of the model graph is supported, each node held in private
/// arrays (`realw vN[count]`), so memory per work-item grows with the largest shared node (a GP's
/// N×N covariance: fine for tens of points). Not supported, with a `.model` error that says so (the
/// caller can fall back to the CPU reference): terms over two different plates, reductions
/// (sum, mean, transpose, linear algebra, multi_normal_cholesky) of row-dependent values inside a
/// plate, and row-dependent values reaching a non-plate term.
public enum OpenCLCodegen {
    public static func generate(_ model: BoundModel, kernelName: String = "log_density_gradient",
                                shape: LaunchShape = .chainPerWorkItem) throws -> GeneratedKernel {
        if case .workGroupPerChain(let local, let columns) = shape {
            precondition(local >= 1 && columns >= 1, "workGroupPerChain: sizes must be positive")
        }
        var generator = try Generator(model, shape: shape)
        return try generator.run(kernelName: kernelName)
    }

    /// The trip count of a constant loop header (see `Generator.tripCount`).
    static func tripCount(_ header: String) -> Int? { Generator.tripCount(Substring(header)) }

    /// A line with unroll pragmas added (see `Generator.annotate`).
    static func annotate(_ line: String, enclosing: Int) -> (line: String, factor: Int) {
        Generator.annotate(line, enclosing: enclosing)
    }
}

private struct Generator {
    let model: BoundModel
    let graph: ModelGraph
    let nodes: [Node]
    let shapes: [[Int]]
    var needed: [Bool]
    var active: [Bool]
    var rowDependent: [Bool]
    /// The plate's extent symbol and row count, when a plate term exists.
    var plate: (dim: Dim, rows: Int)?
    var rowData: Set<String> = []
    var lines: [String] = []
    var indentation = 1
    /// Product of the trip counts of the unrolled loops around the current line.
    var unrolled = 1
    var dataArguments: [String] = []

    let shape: LaunchShape

    init(_ model: BoundModel, shape: LaunchShape) throws {
        self.model = model
        self.shape = shape
        graph = model.graph
        nodes = graph.nodes
        shapes = model.shapes.map { $0 ?? [] }
        let n = nodes.count
        needed = [Bool](repeating: false, count: n)
        for t in graph.terms { needed[t.node] = true }
        for i in stride(from: n - 1, through: 0, by: -1) where needed[i] {
            for a in nodes[i].args { needed[a] = true }
        }
        active = [Bool](repeating: false, count: n)
        rowDependent = [Bool](repeating: false, count: n)
        for (i, node) in nodes.enumerated() {
            active[i] = node.op == .parameter || node.args.contains { active[$0] }
        }
    }

    func unsupported(_ what: String) -> LeapfrogError {
        LeapfrogError(.model, "model '\(graph.name)': the OpenCL code generator does not support \(what) yet; use --backend cpu")
    }

    // MARK: Emission helpers

    mutating func emit(_ line: String) {
        lines.append(String(repeating: "    ", count: indentation) + Generator.annotate(line, enclosing: unrolled).line)
    }

    mutating func block(_ header: String, _ body: (inout Generator) throws -> Void) rethrows {
        let (annotated, factor) = Generator.annotate(header, enclosing: unrolled)
        lines.append(String(repeating: "    ", count: indentation) + annotated + " {")
        indentation += 1
        unrolled *= factor
        try body(&self)
        unrolled /= factor
        indentation -= 1
        emit("}")
    }

    /// Loops with a constant trip count are fully unrolled (`_Pragma("unroll")`) while the
    /// product of the unrolled trip counts around them stays within this limit. Unrolled, the
    /// small per-node arrays have constant indices and become registers instead of stack memory
    /// (1.6× on the BNN under PoCL). The loop over plate rows is never unrolled; larger nests
    /// (a GP's n × n covariance) stay loops, so the code stays small.
    static let unrollLimit = 64

    /// `line` with an unroll pragma before each of its `for` headers that may be unrolled, and the
    /// product of their trip counts.
    static func annotate(_ line: String, enclosing: Int) -> (line: String, factor: Int) {
        guard line.contains("for (") else { return (line, 1) }
        var factor = 1
        var out = ""
        var rest = Substring(line)
        while let range = rest.firstRange(of: "for (") {
            out += rest[..<range.lowerBound]
            rest = rest[range.lowerBound...]
            if let trips = tripCount(rest), enclosing * factor * trips <= unrollLimit {
                out += "_Pragma(\"unroll\") "
                factor *= trips
            }
            out += "for ("
            rest = rest.dropFirst(5)
        }
        return (out + rest, factor)
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
    func rawData(_ i: Int, _ index: String) -> String {
        let name = nodes[i].name!
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
                return "SPLAT(d_\(name)[row * \(slice) + \(index)])"
            }
            return "SPLAT(d_\(name)[\(index)])"
        case .parameter:
            let offset = model.layout.entry(named: node.name!)!.offset
            return "x[\(offset == 0 ? index : "\(offset) + \(index)")]"
        default: return "v\(i)[\(index)]"
        }
    }

    /// The adjoint of element `index`, or nil when the node does not depend on parameters.
    func adjoint(_ i: Int, _ index: String) -> String? {
        guard active[i] else { return nil }
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
            let slice = Generator.count(argSlice)
            return inner == "0" ? "row * \(slice)" : "row * \(slice) + \(inner)"
        }
        return inner
    }

    // MARK: Analysis

    mutating func analysePlates() throws {
        let plated = graph.terms.compactMap(\.plate)
        guard let first = plated.first else { return }
        guard plated.allSatisfy({ $0 == first }) else { throw unsupported("terms over two different plates") }
        guard let rows = model.extent(first) else { throw unsupported("plate extent \(first) without data") }
        plate = (first, rows)
        rowData = Set(graph.data.filter { $0.shape.first == first }.map(\.name))
        let plateTerms = Set(graph.terms.filter { $0.plate != nil }.map(\.node))
        for (i, node) in nodes.enumerated() where needed[i] {
            if node.op == .data {
                rowDependent[i] = rowData.contains(node.name!)
            } else if !plateTerms.contains(i) {
                rowDependent[i] = node.args.contains { rowDependent[$0] }
            }
            if rowDependent[i], shapes[i].first != rows {
                throw unsupported("node \(i) (\(node.op.rawValue)) of shape \(shapes[i]) inside a plate of \(rows) rows")
            }
        }
        // Row-dependent values may only flow into plate terms.
        for (i, node) in nodes.enumerated() where needed[i] && !rowDependent[i] && !plateTerms.contains(i) {
            if node.args.contains(where: { rowDependent[$0] }) {
                throw unsupported("node \(i) (\(node.op.rawValue)) reducing over plate rows outside a plate term")
            }
        }
    }

    // MARK: Generation

    mutating func run(kernelName: String) throws -> GeneratedKernel {
        try analysePlates()
        let dimension = model.layout.dimension
        let termNodes = Set(graph.terms.map(\.node))
        for (i, node) in nodes.enumerated() where needed[i] && node.op == .logDensity && !termNodes.contains(i) {
            throw unsupported("a log density used as a value (node \(i))")
        }
        dataArguments = graph.data.map(\.name).filter { name in
            nodes.enumerated().contains { needed[$0.offset] && $0.element.op == .data && $0.element.name == name }
        }

        switch shape {
        case .chainPerWorkItem:
            emit("const int c = lf_first_chain(stride);")
            emit("if (c < 0) return;")
        case .workGroupPerChain(let local, let columns):
            emit("// one work-group per chain: no early return, every work-item reaches the barriers")
            emit("const int c = (int)get_group_id(0);")
            emit("const int lid = (int)get_local_id(0);")
            emit("__local real lf_scratch[\(local * columns)];")
        }
        let storage = max(1, dimension)
        emit("realw x[\(storage)], gx[\(storage)], dxdu[\(storage)], dlogj[\(storage)];")
        emit("realw logj = SPLAT(0.0), lp = SPLAT(0.0);")
        try emitTransforms()

        emit("// forward pass: nodes shared by all rows")
        for i in nodes.indices where needed[i] && !rowDependent[i] && !termNodes.contains(i) {
            try emitForward(i)
        }
        emit("// adjoints of the shared nodes")
        for i in nodes.indices where needed[i] && !rowDependent[i] && active[i] && !termNodes.contains(i) {
            if [.parameter, .data, .constant].contains(nodes[i].op) { continue }
            emit("realw g\(i)[\(max(1, storageCount(i)))];")
            emit("for (int k = 0; k < \(max(1, storageCount(i))); ++k) g\(i)[k] = SPLAT(0.0);")
        }

        for term in graph.terms {
            let rowNodes = term.plate == nil ? [] : rowAncestors(of: term.node)
            if term.plate != nil, !rowNodes.isEmpty || nodes[term.node].args.contains(where: { rowDependent[$0] }) {
                try block(rowLoopHeader) { g in
                    for i in rowNodes { try g.emitForward(i) }
                    for i in rowNodes where g.active[i] {
                        g.emit("realw g\(i)[\(max(1, g.storageCount(i)))];")
                        g.emit("for (int k = 0; k < \(max(1, g.storageCount(i))); ++k) g\(i)[k] = SPLAT(0.0);")
                    }
                    try g.emitTerm(term.node, rowContext: true)
                    for i in rowNodes.reversed() where g.active[i] { try g.emitBackward(i) }
                }
            } else if case .workGroupPerChain = shape {
                try block("if (lid == 0)") { g in try g.emitTerm(term.node, rowContext: false) }
            } else {
                try emitTerm(term.node, rowContext: false)
            }
        }

        emit("// backward pass: shared nodes")
        for i in nodes.indices.reversed() where needed[i] && !rowDependent[i] && active[i] && !termNodes.contains(i) {
            try emitBackward(i)
        }
        emit("// chain rule through the transforms; the log density includes the log-Jacobian")
        switch shape {
        case .chainPerWorkItem:
            block("for (int j = 0; j < \(dimension); ++j)") { g in
                g.emit("STOREW(gx[j] * dxdu[j] + dlogj[j], gradient + j * stride + c);")
            }
            emit("STOREW(lp + logj, log_density + c);")
        case .workGroupPerChain(let local, let columns):
            emitWorkGroupReduction(local: local, columns: columns)
        }

        let arguments = ["__global const real* position", "__global real* gradient", "__global real* log_density"]
            + dataArguments.map { "__global const real* d_\($0)" } + ["const int stride"]
        var source = "// Generated by OpenCLCodegen for model '\(graph.name)': log density and gradient,\n"
        source += "// \(dimension) unconstrained parameters, W chains per work-item, chain-fastest buffers.\n"
        source += "__kernel void \(kernelName)(\(arguments.joined(separator: ", "))) {\n"
        source += lines.joined(separator: "\n") + "\n}\n"
        return GeneratedKernel(source: source, kernelName: kernelName, libraryFiles: ["activations", "distributions"],
                               dataArguments: dataArguments, dimension: dimension, shape: shape)
    }

    /// The loop over plate rows: all rows, or this work-item's share of them.
    var rowLoopHeader: String {
        switch shape {
        case .chainPerWorkItem: return "for (int row = 0; row < \(plate!.rows); ++row)"
        case .workGroupPerChain(let local, _): return "for (int row = lid; row < \(plate!.rows); row += \(local))"
        }
    }

    /// Sums the work-items' partial gradients (after the chain rule; the log-Jacobian and its
    /// derivative counted once, by work-item 0) and partial log densities through local memory,
    /// `columns` values per pass: each work-item writes its entries, then work-item t sums columns
    /// t, t + local, ... over the work-group in a fixed order, so the result does not depend on
    /// scheduling.
    mutating func emitWorkGroupReduction(local: Int, columns: Int) {
        let dimension = model.layout.dimension
        block("for (int j0 = 0; j0 <= \(dimension); j0 += \(columns))") { g in
            g.block("for (int j = 0; j < \(columns); ++j)") { h in
                h.emit("const int jj = j0 + j;")
                h.emit("real v = 0.0;")
                if dimension > 0 {
                    h.emit("if (jj < \(dimension)) v = gx[jj] * dxdu[jj] + (lid == 0 ? dlogj[jj] : 0.0);")
                    h.emit("else if (jj == \(dimension)) v = lp + (lid == 0 ? logj : 0.0);")
                } else {
                    h.emit("if (jj == 0) v = lp + (lid == 0 ? logj : 0.0);")
                }
                h.emit("lf_scratch[j * \(local) + lid] = v;")
            }
            g.emit("barrier(CLK_LOCAL_MEM_FENCE);")
            g.block("for (int j = lid; j < \(columns) && j0 + j <= \(dimension); j += \(local))") { h in
                h.emit("real s = 0.0;")
                h.emit("for (int t = 0; t < \(local); ++t) s += lf_scratch[j * \(local) + t];")
                h.emit("if (j0 + j < \(dimension)) gradient[(j0 + j) * stride + c] = s; else log_density[c] = s;")
            }
            g.emit("barrier(CLK_LOCAL_MEM_FENCE);")
        }
    }

    /// Row-dependent, non-leaf ancestors of a plate term, in graph order.
    func rowAncestors(of term: Int) -> [Int] {
        var wanted = Set<Int>()
        var stack = nodes[term].args
        while let i = stack.popLast() {
            guard rowDependent[i], wanted.insert(i).inserted else { continue }
            stack += nodes[i].args
        }
        return wanted.sorted().filter { nodes[$0].op != .data }
    }

    mutating func emitTransforms() throws {
        for entry in model.layout.entries where entry.count > 0 {
            block("for (int j = \(entry.offset); j < \(entry.offset + entry.count); ++j)") { g in
                g.emit("const realw u = LOADW(position + j * stride + c);")
                switch entry.constraint {
                case .none:
                    g.emit("x[j] = u; dxdu[j] = SPLAT(1.0); dlogj[j] = SPLAT(0.0);")
                case .lower(let a):
                    g.emit("const realw e = exp(u);")
                    g.emit("x[j] = \(Generator.literal(a)) + e; dxdu[j] = e; dlogj[j] = SPLAT(1.0); logj += u;")
                case .upper(let b):
                    g.emit("const realw e = exp(u);")
                    g.emit("x[j] = \(Generator.literal(b)) - e; dxdu[j] = -e; dlogj[j] = SPLAT(1.0); logj += u;")
                case .bounded(let a, let b):
                    let width = Generator.literal(b - a)
                    g.emit("const realw s = lf_inv_logit(u);")
                    g.emit("x[j] = \(Generator.literal(a)) + \(width) * s; dxdu[j] = \(width) * s * (1.0 - s); dlogj[j] = 1.0 - 2.0 * s;")
                    g.emit("logj += log(\(width)) + lf_log_inv_logit(u) + lf_log1m_inv_logit(u);")
                }
                g.emit("gx[j] = SPLAT(0.0);")
            }
        }
    }

    static let unaryForward: [Operation: (String) -> String] = [
        .negate: { "-(\($0))" }, .exp: { "exp(\($0))" }, .log: { "log(\($0))" }, .log1p: { "log1p(\($0))" },
        .expm1: { "expm1(\($0))" }, .sqrt: { "sqrt(\($0))" }, .square: { "(\($0)) * (\($0))" },
        .tanh: { "lf_tanh(\($0))" }, .invLogit: { "lf_inv_logit(\($0))" }, .logInvLogit: { "lf_log_inv_logit(\($0))" },
        .log1pExp: { "lf_log1p_exp(\($0))" }, .relu: { "lf_relu(\($0))" },
    ]

    /// d(output)/d(input) given the input x and the output y.
    static let unaryDerivative: [Operation: (String, String) -> String] = [
        .negate: { _, _ in "-1.0" }, .exp: { _, y in y }, .log: { x, _ in "1.0 / (\(x))" },
        .log1p: { x, _ in "1.0 / (1.0 + \(x))" }, .expm1: { _, y in "(\(y) + 1.0)" }, .sqrt: { _, y in "0.5 / (\(y))" },
        .square: { x, _ in "2.0 * (\(x))" }, .tanh: { _, y in "lf_tanh_grad(\(y))" },
        .invLogit: { _, y in "(\(y)) * (1.0 - \(y))" }, .logInvLogit: { x, _ in "lf_inv_logit(-(\(x)))" },
        .log1pExp: { x, _ in "lf_inv_logit(\(x))" }, .relu: { x, _ in "lf_relu_grad(\(x))" },
    ]

    mutating func emitForward(_ i: Int) throws {
        let node = nodes[i]
        switch node.op {
        case .parameter, .data, .constant: return
        default: break
        }
        let n = max(1, storageCount(i))
        emit("realw v\(i)[\(n)];  // \(node.op.rawValue) \(shapes[i])")
        if let f = Generator.unaryForward[node.op] {
            let a = node.args[0]
            try block("for (int k = 0; k < \(n); ++k)") { g in
                let q = try g.argIndex(node: i, arg: a, outShape: g.shapes[i], "k")
                g.emit("v\(i)[k] = \(f(g.value(a, q)));")
            }
            return
        }
        switch node.op {
        case .add, .subtract, .multiply, .divide, .pow:
            let (a, b) = (node.args[0], node.args[1])
            try block("for (int k = 0; k < \(n); ++k)") { g in
                let qa = try g.argIndex(node: i, arg: a, outShape: g.shapes[i], "k")
                let qb = try g.argIndex(node: i, arg: b, outShape: g.shapes[i], "k")
                let x = g.value(a, qa)
                let y = g.value(b, qb)
                let expression: String
                switch node.op {
                case .add: expression = "\(x) + \(y)"
                case .subtract: expression = "\(x) - \(y)"
                case .multiply: expression = "\(x) * \(y)"
                case .divide: expression = "\(x) / \(y)"
                default: expression = "pow(\(x), \(y))"
                }
                g.emit("v\(i)[k] = \(expression);")
            }
        case .matmul:
            let m = try matmulShape(i)
            block("for (int i = 0; i < \(m.rows); ++i) for (int j = 0; j < \(m.cols); ++j)") { g in
                g.emit("realw acc = SPLAT(0.0);")
                g.emit("for (int l = 0; l < \(m.inner); ++l) acc += \(g.value(m.a, m.aIndex)) * \(g.value(m.b, m.bIndex));")
                g.emit("v\(i)[i * \(m.cols) + j] = acc;")
            }
        case .index:
            let (x, idx) = (node.args[0], node.args[1])
            if rowDependent[x] { throw unsupported("indexing a row-dependent value (node \(i))") }
            let inner = Generator.count(Array(shapes[x].dropFirst()))
            let outer = rowDependent[i] ? 1 : shapes[idx].first ?? 1
            block("for (int j = 0; j < \(outer); ++j)") { g in
                g.emit("const int r = (int)\(g.rawData(idx, "j")) - 1;")
                g.emit("for (int k = 0; k < \(inner); ++k) v\(i)[j * \(inner) + k] = \(g.value(x, "r * \(inner) + k"));")
            }
        case .transpose:
            let x = node.args[0]
            if rowDependent[i] { throw unsupported("transpose inside a plate") }
            let (rows, cols) = (shapes[x][0], shapes[x][1])
            emit("for (int i = 0; i < \(cols); ++i) for (int j = 0; j < \(rows); ++j) v\(i)[i * \(rows) + j] = \(value(x, "j * \(cols) + i"));")
        case .expQuadCov, .addDiagonal, .cholesky, .triangularSolve:
            if rowDependent[i] { throw unsupported("\(node.op.rawValue) inside a plate") }
            try emitLinearAlgebraForward(i)
        case .logSumExp, .softmax, .logSoftmax:
            let x = node.args[0]
            let (groups, width) = try lastAxis(i)
            block("for (int r = 0; r < \(groups); ++r)") { g in
                g.emit("realw m = \(g.value(x, "r * \(width)"));")
                g.emit("for (int k = 1; k < \(width); ++k) m = fmax(m, \(g.value(x, "r * \(width) + k")));")
                g.emit("realw s = SPLAT(0.0);")
                g.emit("for (int k = 0; k < \(width); ++k) s += exp(\(g.value(x, "r * \(width) + k")) - m);")
                g.emit("const realw lse = m + log(s);")
                switch node.op {
                case .logSumExp: g.emit("v\(i)[r] = lse;")
                case .softmax: g.emit("for (int k = 0; k < \(width); ++k) v\(i)[r * \(width) + k] = exp(\(g.value(x, "r * \(width) + k")) - lse);")
                default: g.emit("for (int k = 0; k < \(width); ++k) v\(i)[r * \(width) + k] = \(g.value(x, "r * \(width) + k")) - lse;")
                }
            }
        case .sum, .mean:
            guard !rowDependent[i] else { throw unsupported("\(node.op.rawValue) inside a plate") }
            let a = node.args[0]
            let count = max(1, storageCount(a))
            emit("v\(i)[0] = SPLAT(0.0);")
            emit("for (int k = 0; k < \(count); ++k) v\(i)[0] += \(value(a, "k"));")
            if node.op == .mean { emit("v\(i)[0] /= \(Generator.literal(Double(Generator.count(shapes[a]))));") }
        default:
            throw unsupported("operation '\(node.op.rawValue)'")
        }
    }

    struct Matmul { let a: Int, b: Int, rows: Int, cols: Int, inner: Int, aIndex: String, bIndex: String }

    /// The matmul of node `i` on storage shapes (inside a plate the left factor is one row).
    func matmulShape(_ i: Int) throws -> Matmul {
        let (a, b) = (nodes[i].args[0], nodes[i].args[1])
        if rowDependent[b] { throw unsupported("a matmul whose right factor depends on plate rows (node \(i))") }
        var sa = shapes[a]
        if rowDependent[a] { sa = Array(sa.dropFirst()) }      // [N, K] → one row [K]
        let sb = shapes[b]
        let inner = sa.last ?? 1
        let rows = sa.count == 2 ? sa[0] : 1
        let cols = sb.count == 2 ? sb[1] : 1
        let aIndex = sa.count == 2 ? "i * \(inner) + l" : "l"
        let bIndex = sb.count == 2 ? "l * \(cols) + j" : "l"
        return Matmul(a: a, b: b, rows: rows, cols: cols, inner: inner, aIndex: aIndex, bIndex: bIndex)
    }

    mutating func emitBackward(_ i: Int) throws {
        let node = nodes[i]
        guard let _ = adjoint(i, "0") else { return }
        switch node.op {
        case .parameter, .data, .constant, .logDensity: return
        default: break
        }
        let n = max(1, storageCount(i))
        if let derivative = Generator.unaryDerivative[node.op] {
            let a = node.args[0]
            guard let ga = adjoint(a, "q") else { return }
            try block("for (int k = 0; k < \(n); ++k)") { g in
                let q = try g.argIndex(node: i, arg: a, outShape: g.shapes[i], "k")
                g.emit("const int q = \(q);")
                g.emit("\(ga) += g\(i)[k] * \(derivative(g.value(a, "q"), "v\(i)[k]"));")
            }
            return
        }
        switch node.op {
        case .add, .subtract, .multiply, .divide, .pow:
            let (a, b) = (node.args[0], node.args[1])
            try block("for (int k = 0; k < \(n); ++k)") { g in
                let qa = try g.argIndex(node: i, arg: a, outShape: g.shapes[i], "k")
                let qb = try g.argIndex(node: i, arg: b, outShape: g.shapes[i], "k")
                g.emit("const int qa = \(qa);")
                g.emit("const int qb = \(qb);")
                let (x, y, out, seed) = (g.value(a, "qa"), g.value(b, "qb"), "v\(i)[k]", "g\(i)[k]")
                let (da, db): (String, String)
                switch node.op {
                case .add: (da, db) = (seed, seed)
                case .subtract: (da, db) = (seed, "-\(seed)")
                case .multiply: (da, db) = ("\(seed) * \(y)", "\(seed) * \(x)")
                case .divide: (da, db) = ("\(seed) / \(y)", "-\(seed) * \(out) / \(y)")
                default: (da, db) = ("\(seed) * \(y) * pow(\(x), \(y) - 1.0)", "\(seed) * \(out) * log(\(x))")
                }
                if let ga = g.adjoint(a, "qa") { g.emit("\(ga) += \(da);") }
                if let gb = g.adjoint(b, "qb") { g.emit("\(gb) += \(db);") }
            }
        case .matmul:
            let m = try matmulShape(i)
            let ga = adjoint(m.a, m.aIndex), gb = adjoint(m.b, m.bIndex)
            block("for (int i = 0; i < \(m.rows); ++i) for (int j = 0; j < \(m.cols); ++j)") { g in
                g.emit("const realw seed = g\(i)[i * \(m.cols) + j];")
                g.block("for (int l = 0; l < \(m.inner); ++l)") { h in
                    if let ga { h.emit("\(ga) += seed * \(h.value(m.b, m.bIndex));") }
                    if let gb { h.emit("\(gb) += seed * \(h.value(m.a, m.aIndex));") }
                }
            }
        case .index:
            let (x, idx) = (node.args[0], node.args[1])
            let inner = Generator.count(Array(shapes[x].dropFirst()))
            let outer = rowDependent[i] ? 1 : shapes[idx].first ?? 1
            guard let gx = adjoint(x, "r * \(inner) + k") else { return }
            block("for (int j = 0; j < \(outer); ++j)") { g in
                g.emit("const int r = (int)\(g.rawData(idx, "j")) - 1;")
                g.emit("for (int k = 0; k < \(inner); ++k) \(gx) += g\(i)[j * \(inner) + k];")
            }
        case .transpose:
            let x = node.args[0]
            let (rows, cols) = (shapes[x][0], shapes[x][1])
            guard let gx = adjoint(x, "j * \(cols) + i") else { return }
            emit("for (int i = 0; i < \(cols); ++i) for (int j = 0; j < \(rows); ++j) \(gx) += g\(i)[i * \(rows) + j];")
        case .expQuadCov, .addDiagonal, .cholesky, .triangularSolve:
            try emitLinearAlgebraBackward(i)
        case .logSumExp, .softmax, .logSoftmax:
            let x = node.args[0]
            let (groups, width) = try lastAxis(i)
            guard let gx = adjoint(x, "r * \(width) + k") else { return }
            block("for (int r = 0; r < \(groups); ++r)") { g in
                switch node.op {
                case .logSumExp:
                    g.emit("for (int k = 0; k < \(width); ++k) \(gx) += g\(i)[r] * exp(\(g.value(x, "r * \(width) + k")) - v\(i)[r]);")
                case .softmax:
                    g.emit("realw dot = SPLAT(0.0);")
                    g.emit("for (int k = 0; k < \(width); ++k) dot += g\(i)[r * \(width) + k] * v\(i)[r * \(width) + k];")
                    g.emit("for (int k = 0; k < \(width); ++k) \(gx) += v\(i)[r * \(width) + k] * (g\(i)[r * \(width) + k] - dot);")
                default:
                    g.emit("realw total = SPLAT(0.0);")
                    g.emit("for (int k = 0; k < \(width); ++k) total += g\(i)[r * \(width) + k];")
                    g.emit("for (int k = 0; k < \(width); ++k) \(gx) += g\(i)[r * \(width) + k] - exp(v\(i)[r * \(width) + k]) * total;")
                }
            }
        case .sum, .mean:
            let a = node.args[0]
            guard let ga = adjoint(a, "k") else { return }
            let scale = node.op == .mean ? " / \(Generator.literal(Double(Generator.count(shapes[a]))))" : ""
            emit("for (int k = 0; k < \(max(1, storageCount(a))); ++k) \(ga) += g\(i)[0]\(scale);")
        default:
            throw unsupported("operation '\(node.op.rawValue)'")
        }
    }

    /// The kernel function of each elementwise family, and which arguments have partials.
    static func family(_ d: Distribution) -> (function: String, partials: [Int])? {
        switch d {
        case .normal: return ("lf_normal_lpdf", [0, 1, 2])
        case .halfNormal: return ("lf_half_normal_lpdf", [0, 1])
        case .studentT: return ("lf_student_t_lpdf", [0, 1, 2, 3])
        case .cauchy: return ("lf_cauchy_lpdf", [0, 1, 2])
        case .halfCauchy: return ("lf_half_cauchy_lpdf", [0, 1])
        case .exponential: return ("lf_exponential_lpdf", [0, 1])
        case .gamma: return ("lf_gamma_lpdf", [0, 1, 2])
        case .inverseGamma: return ("lf_inv_gamma_lpdf", [0, 1, 2])
        case .logNormal: return ("lf_lognormal_lpdf", [0, 1, 2])
        case .beta: return ("lf_beta_lpdf", [0, 1, 2])
        case .uniform: return ("lf_uniform_lpdf", [0, 1, 2])
        case .bernoulliLogit: return ("lf_bernoulli_logit_lpmf", [1])
        case .binomialLogit: return ("lf_binomial_logit_lpmf", [2])
        case .poissonLog: return ("lf_poisson_log_lpmf", [1])
        case .flat, .categoricalLogit, .multiNormalCholesky: return nil
        }
    }

    /// A term: a log density (summed over its broadcast elements, partials into the adjoints) or
    /// any scalar node (added to the log density, seeding its adjoint with 1).
    mutating func emitTerm(_ t: Int, rowContext: Bool) throws {
        let node = nodes[t]
        guard node.op == .logDensity else {
            try emitForward(t)
            emit("lp += v\(t)[0];")
            if active[t] {
                emit("realw g\(t)[1] = { SPLAT(1.0) };")
                try emitBackward(t)
            }
            return
        }
        let distribution = node.distribution!
        if distribution == .flat { return }
        if distribution == .categoricalLogit { return try emitCategorical(t, rowContext: rowContext) }
        if distribution == .multiNormalCholesky {
            if rowContext { throw unsupported("multi_normal_cholesky in a plate") }
            return emitMultiNormalCholesky(t)
        }
        guard let (function, partials) = Generator.family(distribution) else {
            throw unsupported("the \(distribution.rawValue) distribution")
        }
        // Broadcast shape of all arguments; inside a plate, one row of it.
        var out: [Int] = []
        for a in node.args { out = ShapeRules.broadcast(out, shapes[a])! }
        let saved = rowDependent[t]
        rowDependent[t] = rowContext
        defer { rowDependent[t] = saved }
        if rowContext, out.first != plate!.rows { throw unsupported("a plate term whose shape \(out) does not lead with the plate's rows") }
        let count = max(1, rowContext ? Generator.count(Array(out.dropFirst())) : Generator.count(out))
        emit("// \(distribution.rawValue) log density, \(count) element(s)\(rowContext ? " per row" : "")")
        try block("for (int k = 0; k < \(count); ++k)") { g in
            var arguments: [String] = []
            for (position, a) in node.args.enumerated() {
                let q = try g.argIndex(node: t, arg: a, outShape: out, "k")
                g.emit("const int q\(position) = \(q);")
                arguments.append(g.value(a, "q\(position)"))
            }
            g.emit("realw \(partials.map { "d\($0)" }.joined(separator: ", "));")
            let call = "\(function)(\((arguments + partials.map { "&d\($0)" }).joined(separator: ", ")))"
            g.emit("lp += \(call);")
            for p in partials {
                if let ga = g.adjoint(node.args[p], "q\(p)") { g.emit("\(ga) += d\(p);") }
            }
        }
    }

    /// Categorical-logit: for each outcome y (1-based), log softmax(logits)[y]; the partials of
    /// the logits are 1{k = y} − softmax_k. Logits [k] are shared by every outcome; [n, k] give one
    /// row per outcome (inside a plate: the current row).
    mutating func emitCategorical(_ t: Int, rowContext: Bool) throws {
        let (y, logits) = (nodes[t].args[0], nodes[t].args[1])
        let saved = rowDependent[t]
        rowDependent[t] = rowContext
        defer { rowDependent[t] = saved }
        let logitShape = rowDependent[logits] ? Array(shapes[logits].dropFirst()) : shapes[logits]
        let width = logitShape.last!
        let outcomes = rowContext ? 1 : max(1, Generator.count(shapes[y]))
        let perOutcome = logitShape.count == 2 && !rowContext
        if rowContext, !rowDependent[logits], shapes[logits].count == 2 {
            throw unsupported("shared [n, k] logits in a categorical plate term")
        }
        let gl = adjoint(logits, "base + k")
        emit("// categorical_logit log density, \(outcomes) outcome(s)\(rowContext ? " per row" : "")")
        block("for (int j = 0; j < \(outcomes); ++j)") { g in
            g.emit("const int base = \(perOutcome ? "j * \(width)" : "0");")
            g.emit("const int yk = (int)\(g.rawData(y, rowContext ? "0" : "j")) - 1;")
            g.emit("realw m = \(g.value(logits, "base"));")
            g.emit("for (int k = 1; k < \(width); ++k) m = fmax(m, \(g.value(logits, "base + k")));")
            g.emit("realw s = SPLAT(0.0);")
            g.emit("for (int k = 0; k < \(width); ++k) s += exp(\(g.value(logits, "base + k")) - m);")
            g.emit("const realw lse = m + log(s);")
            g.emit("lp += \(g.value(logits, "base + yk")) - lse;")
            if let gl {
                g.emit("for (int k = 0; k < \(width); ++k) \(gl) += (k == yk ? 1.0 : 0.0) - exp(\(g.value(logits, "base + k")) - lse);")
            }
        }
    }

    /// Multivariate normal through the lower Cholesky factor L of the covariance, per outcome row:
    /// z = L⁻¹(y − μ), w = L⁻ᵀz; log density −½zᵀz − Σ log Lᵢᵢ − (n/2) log 2π; partials
    /// ȳ = −w, μ̄ = w, L̄ = tril(w·zᵀ) − diag(1/Lᵢᵢ) (as the CPU reference).
    mutating func emitMultiNormalCholesky(_ t: Int) {
        let (y, mu, l) = (nodes[t].args[0], nodes[t].args[1], nodes[t].args[2])
        let n = shapes[l][0]
        let rows = max(1, Generator.count(shapes[y]) / max(n, 1))
        let muIndex = Generator.count(shapes[mu]) == 1 ? "0" : "i"
        emit("// multi_normal_cholesky log density, \(rows) row(s) of \(n)")
        block("for (int r = 0; r < \(rows); ++r)") { g in
            g.emit("realw z[\(n)], w[\(n)];")
            g.block("for (int i = 0; i < \(n); ++i)") { h in
                h.emit("realw s = \(h.value(y, "r * \(n) + i")) - \(h.value(mu, muIndex));")
                h.emit("for (int j = 0; j < i; ++j) s -= \(h.value(l, "i * \(n) + j")) * z[j];")
                h.emit("z[i] = s / \(h.value(l, "i * \(n) + i"));")
            }
            g.block("for (int i = \(n - 1); i >= 0; --i)") { h in
                h.emit("realw s = z[i];")
                h.emit("for (int j = i + 1; j < \(n); ++j) s -= \(h.value(l, "j * \(n) + i")) * w[j];")
                h.emit("w[i] = s / \(h.value(l, "i * \(n) + i"));")
            }
            g.block("for (int i = 0; i < \(n); ++i)") { h in
                h.emit("lp += -0.5 * z[i] * z[i] - log(\(h.value(l, "i * \(n) + i"))) - LF_LOG_SQRT_TWO_PI;")
                if let gy = h.adjoint(y, "r * \(n) + i") { h.emit("\(gy) -= w[i];") }
                if let gm = h.adjoint(mu, muIndex) { h.emit("\(gm) += w[i];") }
                if let gl = h.adjoint(l, "i * \(n) + j") {
                    h.emit("for (int j = 0; j <= i; ++j) \(gl) += w[i] * z[j];")
                    h.emit("\(h.adjoint(l, "i * \(n) + i")!) -= 1.0 / \(h.value(l, "i * \(n) + i"));")
                }
            }
        }
    }

    /// (n1, n2, dim) of an exp_quad_cov node.
    func expQuadExtents(_ i: Int) -> (Int, Int, Int) {
        let (s1, s2) = (shapes[nodes[i].args[0]], shapes[nodes[i].args[1]])
        return (s1[0], s2[0], s1.count == 2 ? s1[1] : 1)
    }

    /// Emits X = L⁻ᵀ·B for n×m B (array names), by back substitution.
    mutating func emitSolveLowerTransposed(l: Int, n: Int, m: Int, b: String, x: String) {
        block("for (int i = \(n - 1); i >= 0; --i) for (int q = 0; q < \(m); ++q)") { g in
            g.emit("realw s = \(b)[i * \(m) + q];")
            g.emit("for (int k = i + 1; k < \(n); ++k) s -= \(g.value(l, "k * \(n) + i")) * \(x)[k * \(m) + q];")
            g.emit("\(x)[i * \(m) + q] = s / \(g.value(l, "i * \(n) + i"));")
        }
    }

    mutating func emitLinearAlgebraForward(_ i: Int) throws {
        let a = nodes[i].args
        switch nodes[i].op {
        case .expQuadCov:
            let (n1, n2, dim) = expQuadExtents(i)
            emit("const realw alpha\(i) = \(value(a[2], "0")), rho\(i) = \(value(a[3], "0"));")
            block("for (int r = 0; r < \(n1); ++r) for (int q = 0; q < \(n2); ++q)") { g in
                g.emit("realw d2 = SPLAT(0.0);")
                g.emit("for (int k = 0; k < \(dim); ++k) { const realw t = \(g.value(a[0], "r * \(dim) + k")) - \(g.value(a[1], "q * \(dim) + k")); d2 += t * t; }")
                g.emit("v\(i)[r * \(n2) + q] = alpha\(i) * alpha\(i) * exp(-d2 / (2.0 * rho\(i) * rho\(i)));")
            }
        case .addDiagonal:
            let n = shapes[i][0]
            let d = Generator.count(shapes[a[1]]) == 1 ? "0" : "j"
            emit("for (int k = 0; k < \(n * n); ++k) v\(i)[k] = \(value(a[0], "k"));")
            emit("for (int j = 0; j < \(n); ++j) v\(i)[j * \(n) + j] += \(value(a[1], d));")
        case .cholesky:
            let n = shapes[i][0]
            emit("for (int k = 0; k < \(n * n); ++k) v\(i)[k] = SPLAT(0.0);")
            block("for (int j = 0; j < \(n); ++j)") { g in
                g.emit("realw d = \(g.value(a[0], "j * \(n) + j"));")
                g.emit("for (int k = 0; k < j; ++k) d -= v\(i)[j * \(n) + k] * v\(i)[j * \(n) + k];")
                g.emit("const realw ljj = sqrt(d);   // NaN when not positive definite")
                g.emit("v\(i)[j * \(n) + j] = ljj;")
                g.block("for (int r = j + 1; r < \(n); ++r)") { h in
                    h.emit("realw s = \(h.value(a[0], "r * \(n) + j"));")
                    h.emit("for (int k = 0; k < j; ++k) s -= v\(i)[r * \(n) + k] * v\(i)[j * \(n) + k];")
                    h.emit("v\(i)[r * \(n) + j] = s / ljj;")
                }
            }
        case .triangularSolve:
            let sb = shapes[a[1]]
            let (n, m) = (sb[0], sb.count == 2 ? sb[1] : 1)
            block("for (int r = 0; r < \(n); ++r) for (int q = 0; q < \(m); ++q)") { g in
                g.emit("realw s = \(g.value(a[1], "r * \(m) + q"));")
                g.emit("for (int k = 0; k < r; ++k) s -= \(g.value(a[0], "r * \(n) + k")) * v\(i)[k * \(m) + q];")
                g.emit("v\(i)[r * \(m) + q] = s / \(g.value(a[0], "r * \(n) + r"));")
            }
        default: break
        }
    }

    /// Backward passes, as the CPU reference (ReferenceModel+Backward) computes them.
    mutating func emitLinearAlgebraBackward(_ i: Int) throws {
        let a = nodes[i].args
        switch nodes[i].op {
        case .expQuadCov:
            let (n1, n2, dim) = expQuadExtents(i)
            let g1 = adjoint(a[0], "r * \(dim) + k"), g2 = adjoint(a[1], "q * \(dim) + k")
            let ga = adjoint(a[2], "0"), gr = adjoint(a[3], "0")
            emit("realw dalpha\(i) = SPLAT(0.0), drho\(i) = SPLAT(0.0);")
            block("for (int r = 0; r < \(n1); ++r) for (int q = 0; q < \(n2); ++q)") { g in
                g.emit("const realw gk = g\(i)[r * \(n2) + q] * v\(i)[r * \(n2) + q];")
                g.emit("realw d2 = SPLAT(0.0);")
                g.block("for (int k = 0; k < \(dim); ++k)") { h in
                    h.emit("const realw t = \(h.value(a[0], "r * \(dim) + k")) - \(h.value(a[1], "q * \(dim) + k"));")
                    h.emit("d2 += t * t;")
                    if let g1 { h.emit("\(g1) -= gk * t / (rho\(i) * rho\(i));") }
                    if let g2 { h.emit("\(g2) += gk * t / (rho\(i) * rho\(i));") }
                }
                g.emit("dalpha\(i) += 2.0 * gk / alpha\(i);")
                g.emit("drho\(i) += gk * d2 / (rho\(i) * rho\(i) * rho\(i));")
            }
            if let ga { emit("\(ga) += dalpha\(i);") }
            if let gr { emit("\(gr) += drho\(i);") }
        case .addDiagonal:
            let n = shapes[i][0]
            if let g0 = adjoint(a[0], "k") { emit("for (int k = 0; k < \(n * n); ++k) \(g0) += g\(i)[k];") }
            if let g1 = adjoint(a[1], Generator.count(shapes[a[1]]) == 1 ? "0" : "j") {
                emit("for (int j = 0; j < \(n); ++j) \(g1) += g\(i)[j * \(n) + j];")
            }
        case .cholesky:
            // Murray (2016): P = Φ(Lᵀ·L̄) (lower, diagonal halved), S = L⁻ᵀ·P·L⁻¹, Ā += (S + Sᵀ)/2.
            guard let ga = adjoint(a[0], "r * \(shapes[i][0]) + q") else { return }
            let n = shapes[i][0]
            block("") { g in
                g.emit("realw p[\(n * n)], t[\(n * n)], st[\(n * n)];")
                g.block("for (int r = 0; r < \(n); ++r) for (int q = 0; q < \(n); ++q)") { h in
                    h.emit("realw s = SPLAT(0.0);")
                    h.emit("if (q <= r) for (int k = r; k < \(n); ++k) s += v\(i)[k * \(n) + r] * g\(i)[k * \(n) + q];")
                    h.emit("p[r * \(n) + q] = (r == q) ? 0.5 * s : s;")
                }
                g.emitSolveLowerTransposed(l: i, n: n, m: n, b: "p", x: "t")
                g.emit("for (int r = 0; r < \(n); ++r) for (int q = 0; q < \(n); ++q) p[r * \(n) + q] = t[q * \(n) + r];")
                g.emitSolveLowerTransposed(l: i, n: n, m: n, b: "p", x: "st")
                g.emit("for (int r = 0; r < \(n); ++r) for (int q = 0; q < \(n); ++q) \(ga) += 0.5 * (st[r * \(n) + q] + st[q * \(n) + r]);")
            }
        case .triangularSolve:
            // X = L⁻¹B: B̄ = L⁻ᵀX̄, L̄ = −tril(B̄·Xᵀ).
            let sb = shapes[a[1]]
            let (n, m) = (sb[0], sb.count == 2 ? sb[1] : 1)
            let gl = adjoint(a[0], "r * \(n) + q"), gb = adjoint(a[1], "k")
            if gl == nil && gb == nil { return }
            block("") { g in
                g.emit("realw bbar[\(n * m)];")
                g.emitSolveLowerTransposed(l: a[0], n: n, m: m, b: "g\(i)", x: "bbar")
                if let gb { g.emit("for (int k = 0; k < \(n * m); ++k) \(gb) += bbar[k];") }
                if let gl {
                    g.block("for (int r = 0; r < \(n); ++r) for (int q = 0; q <= r; ++q)") { h in
                        h.emit("realw s = SPLAT(0.0);")
                        h.emit("for (int k = 0; k < \(m); ++k) s += bbar[r * \(m) + k] * v\(i)[q * \(m) + k];")
                        h.emit("\(gl) -= s;")
                    }
                }
            }
        default: break
        }
    }
}
