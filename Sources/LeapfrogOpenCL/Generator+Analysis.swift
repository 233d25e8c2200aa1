import LeapfrogCore
import LeapfrogData
import LeapfrogModel

extension Generator {
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
}
