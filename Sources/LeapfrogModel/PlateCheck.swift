/// Verifies that a plate term really is a sum of row-wise contributions, as `Term` promises a
/// back end that streams over rows: data whose first extent is the plate's symbol may only flow
/// through row-wise operations (elementwise, `rows · shared` products, last-axis maps, gathers
/// *by* row indices) into log densities or sums that are added up to the term.
///
/// The Stan front end marks every term of a vectorised loop; a term that fails this check (say
/// `y[n] ~ normal(x[n] - mean(x), 1)`, whose `mean(x)` reads every row) keeps its value but
/// loses the mark, so it is still evaluated correctly, just not streamed. `EvaluationPlan`
/// refuses a plate term that fails it, so every back end streams by the same rules.
public struct PlateCheck: Sendable {
    public let graph: ModelGraph
    private var ranks: [Int] = []

    public init(graph: ModelGraph) {
        self.graph = graph
        for node in graph.nodes { ranks.append(rank(node)) }
    }

    private func rank(_ node: Node) -> Int {
        let r = node.args.map { ranks[$0] }
        switch node.op {
        case .parameter: return graph.parameter(named: node.name!)?.shape.count ?? 0
        case .data: return graph.dataDeclaration(named: node.name!)?.shape.count ?? 0
        case .constant, .sum, .mean, .logDensity, .logAbsDeterminant, .determinant: return 0
        case .eigenvaluesSym: return 1
        case .eigenvectorsSym: return 2
        case .matmul: return max(0, r[0] + r[1] - 2)
        case .transpose, .column, .cholesky, .addDiagonal, .expQuadCov: return 2
        case .triangularSolve, .solve: return r[1]
        case .logSumExp: return max(0, r[0] - 1)
        case .index: return r[1] + r[0] - 1
        case .at: return max(0, r[0] - 1)
        case .stack: return r.count == 3 ? r[2] : r[1] + 1
        case .carry, .last: return r[1]
        default: return r.max() ?? 0
        }
    }

    /// Whether the term at `root` is row-wise over the plate `plate`.
    public func isRowWise(root: Int, plate: Dim) -> Bool {
        // Nodes whose value is added to the term unchanged (up to shared scalar factors).
        var sumPositions: Set<Int> = []
        var stack = [root]
        while let i = stack.popLast() {
            guard sumPositions.insert(i).inserted else { continue }
            let node = graph.nodes[i]
            switch node.op {
            case .add, .subtract: stack += node.args
            case .multiply:
                for (k, a) in node.args.enumerated() {
                    let other = node.args[1 - k]
                    if ranks[other] == 0 && !isRowDerived(other, plate) { stack.append(a) }
                }
            default: break
            }
        }
        var memo: [Int: Bool] = [:]
        var ok = true
        func row(_ i: Int) -> Bool {
            if let m = memo[i] { return m }
            let node = graph.nodes[i]
            let args = node.args.map(row)
            let anyRow = args.contains(true)
            var result = anyRow
            switch node.op {
            case .data:
                result = graph.dataDeclaration(named: node.name!)?.shape.first == plate
            case .parameter, .constant:
                result = false
            case .matmul:
                if args[1] || (args[0] && ranks[node.args[0]] < 2) { ok = false }
            case .transpose, .cholesky, .triangularSolve, .solve, .logAbsDeterminant, .determinant, .eigenvaluesSym, .eigenvectorsSym,
                 .addDiagonal, .expQuadCov, .mean:
                if anyRow { ok = false }
            case .logSumExp, .softmax, .logSoftmax:
                if anyRow && ranks[node.args[0]] < 2 { ok = false }
            case .index:
                if args[0] { ok = false }
                result = args[1]
            case .sum, .logDensity:
                if anyRow && !sumPositions.contains(i) { ok = false }
                result = false
            default:
                break
            }
            memo[i] = result
            return result
        }
        _ = row(root)
        return ok
    }

    private func isRowDerived(_ i: Int, _ plate: Dim) -> Bool {
        let node = graph.nodes[i]
        if node.op == .data { return graph.dataDeclaration(named: node.name!)?.shape.first == plate }
        return node.args.contains { isRowDerived($0, plate) }
    }
}
