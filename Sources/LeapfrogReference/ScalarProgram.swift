import LeapfrogModel

/// A small region of the graph compiled to operations on scalars: one slot per element of every
/// node the region reads or computes, so evaluating it allocates nothing. An ODE system's
/// right-hand side runs thousands of times per log density (`solveODE`), where the reference's
/// one-array-per-node evaluation spent most of its time allocating.
///
/// The forward pass runs `instructions` in order, each writing its own slot once; the reverse
/// pass runs them backwards, adding each one's partial derivatives into its inputs' adjoints. The
/// arithmetic is the reference's own (`ReferenceModel.unary`, `binary` and their derivatives), so
/// the values equal the node-by-node evaluation's bit for bit (`ScalarProgramTests`).
struct ScalarProgram: Sendable {
    enum Instruction: Sendable {
        case unary(Operation, out: Int, x: Int)
        case binary(Operation, out: Int, x: Int, y: Int)
        case copy(out: Int, x: Int)
        case sum(out: Int, xs: [Int])
        /// Σᵢ xᵢ·yᵢ (a matrix product's element).
        case dot(out: Int, xs: [Int], ys: [Int])
        /// x where c > 0 (c ≥ 0 when inclusive), else y.
        case select(out: Int, c: Int, x: Int, y: Int, inclusive: Bool)
    }

    let instructions: [Instruction]
    /// The first slot of each node the region reads or computes.
    let slots: [Int: Int]
    let slotCount: Int

    /// Compiles `nodes` (a region's non-leaf nodes, in order) reading the values of `inputs`
    /// (nodes set before each run: leaves, outer nodes, the region's own inputs); nil when the
    /// region uses an operation this form does not have (the caller evaluates node by node).
    init?(_ nodes: [Int], inputs: [Int], model: ReferenceModel, indices: (Int) -> [Double]?) {
        var slots: [Int: Int] = [:]
        var count = 0
        func place(_ i: Int) {
            guard slots[i] == nil else { return }
            slots[i] = count
            count += model.nodeShapes[i].reduce(1, *)
        }
        for i in inputs { place(i) }
        var code: [Instruction] = []
        for k in nodes {
            let node = model.nodes[k]
            let a = node.args
            guard a.allSatisfy({ slots[$0] != nil }) else { return nil }
            place(k)
            let out = slots[k]!
            let size = model.nodeShapes[k].reduce(1, *)
            switch node.op {
            case _ where node.op.isElementwiseUnary:
                for e in 0..<size { code.append(.unary(node.op, out: out + e, x: slots[a[0]]! + e)) }
            case .add, .subtract, .multiply, .divide, .pow, .logGammaP, .logGammaQ:
                let (ma, mb) = (model.broadcastMaps[k]![0], model.broadcastMaps[k]![1])
                for e in 0..<size { code.append(.binary(node.op, out: out + e, x: slots[a[0]]! + ma[e], y: slots[a[1]]! + mb[e])) }
            case .select:
                let m = model.broadcastMaps[k]!
                for e in 0..<size {
                    code.append(.select(out: out + e, c: slots[a[0]]! + m[0][e], x: slots[a[1]]! + m[1][e],
                                        y: slots[a[2]]! + m[2][e], inclusive: node.value == 1))
                }
            case .sum:
                let n = model.nodeShapes[a[0]].reduce(1, *)
                code.append(.sum(out: out, xs: (0..<n).map { slots[a[0]]! + $0 }))
            case .index:
                guard let idx = indices(a[1]) else { return nil }
                let width = model.nodeShapes[a[0]].dropFirst().reduce(1, *)
                for (r, j) in idx.enumerated() {
                    for e in 0..<width { code.append(.copy(out: out + r * width + e, x: slots[a[0]]! + (Int(j) - 1) * width + e)) }
                }
            case .concat:
                let first = model.nodeShapes[a[0]].reduce(1, *)
                for e in 0..<first { code.append(.copy(out: out + e, x: slots[a[0]]! + e)) }
                for e in 0..<(size - first) { code.append(.copy(out: out + first + e, x: slots[a[1]]! + e)) }
            case .column:
                for e in 0..<size { code.append(.copy(out: out + e, x: slots[a[0]]! + e)) }
            case .transpose:
                let s = model.nodeShapes[a[0]]
                for r in 0..<s[0] { for c in 0..<s[1] { code.append(.copy(out: out + c * s[0] + r, x: slots[a[0]]! + r * s[1] + c)) } }
            case .matmul:
                let (m, kk, n) = model.matmulExtents(k)
                for r in 0..<m {
                    for c in 0..<n {
                        code.append(.dot(out: out + r * n + c, xs: (0..<kk).map { slots[a[0]]! + r * kk + $0 },
                                         ys: (0..<kk).map { slots[a[1]]! + $0 * n + c }))
                    }
                }
            default:
                return nil
            }
        }
        instructions = code
        self.slots = slots
        slotCount = count
    }

    /// Runs the instructions on `s` (the inputs' slots already set).
    func forward(_ s: UnsafeMutableBufferPointer<Double>) {
        for instruction in instructions {
            switch instruction {
            case .unary(let op, let out, let x): s[out] = ReferenceModel.unary(op, s[x])
            case .binary(let op, let out, let x, let y): s[out] = ReferenceModel.binary(op, s[x], s[y])
            case .copy(let out, let x): s[out] = s[x]
            case .select(let out, let c, let x, let y, let inclusive): s[out] = ReferenceModel.holds(s[c], inclusive: inclusive) ? s[x] : s[y]
            case .sum(let out, let xs):
                var total = 0.0
                for x in xs { total += s[x] }
                s[out] = total
            case .dot(let out, let xs, let ys):
                var total = 0.0
                for (x, y) in zip(xs, ys) { total += s[x] * s[y] }
                s[out] = total
            }
        }
    }

    /// Adds the vector-Jacobian product of the instructions into `adjoint` (seeded by the caller
    /// at the outputs, zero elsewhere) at the values `s` of a forward pass.
    func reverse(_ s: UnsafeMutableBufferPointer<Double>, _ adjoint: UnsafeMutableBufferPointer<Double>) {
        for instruction in instructions.reversed() {
            switch instruction {
            // No adjoint, nothing passed on (`ReferenceModel.propagate`: a branch not taken).
            case .unary(let op, let out, let x):
                guard adjoint[out] != 0 else { continue }
                adjoint[x] += adjoint[out] * ReferenceModel.unaryDerivative(op, s[x], s[out])
            case .binary(let op, let out, let x, let y):
                guard adjoint[out] != 0 else { continue }
                let (dp, dq) = ReferenceModel.binaryPartials(op, s[x], s[y], s[out])
                adjoint[x] += adjoint[out] * dp
                adjoint[y] += adjoint[out] * dq
            case .copy(let out, let x): adjoint[x] += adjoint[out]
            case .select(let out, let c, let x, let y, let inclusive):
                adjoint[ReferenceModel.holds(s[c], inclusive: inclusive) ? x : y] += adjoint[out]
            case .sum(let out, let xs): for x in xs { adjoint[x] += adjoint[out] }
            case .dot(let out, let xs, let ys):
                for (x, y) in zip(xs, ys) {
                    adjoint[x] += adjoint[out] * s[y]
                    adjoint[y] += adjoint[out] * s[x]
                }
            }
        }
    }
}
