import LeapfrogModel

/// What a loop computed: the values of its own level's nodes after each step's body ran (in
/// `LoopLevels.level` order; the rows are shared copy-on-write), and the traces of the loops nested
/// in it. The reverse pass restores each step's values instead of recomputing them: memory grows
/// with steps × body nodes, which the reference can afford (it is readable, not lean). An ODE
/// solve's trace holds its sensitivities instead. (Until 2026-12-07 a step kept the whole values
/// array, and copied it again at the next step's first write: a third of a recurrence's time.)
struct LoopTrace {
    var values: [[[Double]]] = []
    var inner: [[Int: LoopTrace]] = []
    var ode: ODESensitivities?
}

/// The nodes of one evaluation (the log density's or the derived quantities'), grouped by loop:
/// the top level, each loop's own level and whole region (non-leaf nodes), and its outputs.
struct LoopLevels: Sendable {
    var top: [Int] = []
    var level: [Int: [Int]] = [:]
    var region: [Int: [Int]] = [:]
    var outputs: [Int: [Int]] = [:]
    /// Each body node's index in its loop's `level` (where a `LoopTrace` step keeps its value).
    var position: [Int]

    init(_ ids: [Int], _ loops: LoopStructure, _ nodes: [Node]) {
        position = [Int](repeating: -1, count: nodes.count)
        for l in loops.loops { level[l] = []; region[l] = []; outputs[l] = [] }
        for i in ids where !nodes[i].op.isLeaf {
            // An ODE system's region is evaluated by its solve (`solveODE`), not at any level.
            if loops.odeSystem[i] != nil || nodes[i].op == .ode { continue }
            if let l = loops.enclosing[i] {
                position[i] = level[l]!.count
                level[l]!.append(i)
            } else {
                top.append(i)
            }
            if [.stack, .last].contains(nodes[i].op) { outputs[nodes[i].args[0]]!.append(i) }
            for l in loops.loops where loops.regions[l]!.contains(i) { region[l]!.append(i) }
        }
    }
}

extension ReferenceModel {
    /// The 1-based row an `at` node reads: offset + Σ coefficient · step of each loop argument.
    func atRow(_ i: Int, _ v: [[Double]]) -> Int {
        let (offset, terms) = atRows[i]!
        var row = offset
        for (l, c) in terms { row += c * Int(v[l][0]) }
        return row
    }

    // MARK: Forward

    /// Evaluates `level` (the needed non-leaf nodes of one loop level, in order), running each
    /// loop it meets over its steps and recording its trace in `traces`.
    func run(_ level: [Int], _ ids: LoopLevels, _ v: inout [[Double]], _ u: [Double], _ traces: inout [Int: LoopTrace]) {
        for i in level {
            switch nodes[i].op {
            case .loop:
                traces[i] = runLoop(i, ids, &v, u)
            case .odeSolve:
                let (values, sensitivities) = solveODE(i, &v)
                v[i] = values
                traces[i] = LoopTrace(ode: sensitivities)
            case .stack:
                let (l, x) = (nodes[i].args[0], nodes[i].args[1])
                let steps = loopSteps[l]!
                let rows = traces[l]!.values.map { $0[ids.position[x]] }
                if nodes[i].args.count == 3 {
                    var out = v[nodes[i].args[2]]
                    let width = nodeShapes[x].reduce(1, *)
                    for (s, row) in rows.enumerated() {
                        let r = steps.from + s - 1
                        out.replaceSubrange((r * width)..<(r * width + width), with: row)
                    }
                    v[i] = out
                } else {
                    v[i] = rows.flatMap { $0 }
                }
            case .last:
                let (l, c) = (nodes[i].args[0], nodes[i].args[1])
                let update = nodes[c].update!
                if let final = traces[l]!.values.last {
                    v[i] = loops.enclosing[update] == l ? final[ids.position[update]] : v[update]
                } else {
                    v[i] = v[nodes[c].args[1]]
                }
            default:
                v[i] = value(of: i, v, u)
            }
        }
    }

    /// Runs loop `l` over its steps: each step sets the step value and the carries, then
    /// evaluates the body's own level (nested loops recursively).
    func runLoop(_ l: Int, _ ids: LoopLevels, _ v: inout [[Double]], _ u: [Double]) -> LoopTrace {
        let steps = loopSteps[l]!
        let level = ids.level[l]!
        var trace = LoopTrace()
        guard steps.count > 0 else { return trace }
        var state: [Int: [Double]] = [:]
        for t in steps.from...steps.to {
            v[l] = [Double(t)]
            var inner: [Int: LoopTrace] = [:]
            var rest: [Int] = []
            for i in level {
                if nodes[i].op == .carry {
                    // A carry's init may be an earlier body node: evaluate up to it first.
                    run(rest, ids, &v, u, &inner)
                    rest = []
                    v[i] = t == steps.from ? v[nodes[i].args[1]] : state[i]!
                } else {
                    rest.append(i)
                }
            }
            run(rest, ids, &v, u, &inner)
            for c in loops.carries[l]! { state[c] = v[nodes[c].update!] }
            trace.values.append(level.map { v[$0] })
            trace.inner.append(inner)
        }
        return trace
    }

    // MARK: Reverse

    /// The reverse pass over one level (`level` in graph order): loops run their steps backwards,
    /// a loop's outputs are consumed by it, and a carry hands its adjoint to the previous step
    /// (`carried`) or, at the first step, to its init.
    func reverse(_ level: [Int], _ ids: LoopLevels, _ v: [[Double]], _ A: UnsafeMutableBufferPointer<Double>,
                 _ grad: inout [Double], _ traces: [Int: LoopTrace], step: (first: Bool, carried: UnsafeMutablePointer<[Int: [Double]]>)?) {
        for i in level.reversed() {
            switch nodes[i].op {
            case .stack, .last:
                continue
            case .loop:
                reverseLoop(i, ids, v, A, &grad, traces[i]!)
            case .carry:
                let n = nodeShapes[i].reduce(1, *)
                let g = Array(A[adjointOffsets[i]..<(adjointOffsets[i] + n)])
                if step!.first {
                    let o = adjointOffsets[nodes[i].args[1]]
                    for k in 0..<n { A[o + k] += g[k] }
                } else {
                    step!.carried.pointee[i] = g
                }
            default:
                propagate(i, v, A, &grad)
            }
        }
    }

    /// The reverse pass over loop `l`'s steps, last first, each at the values its step had: `v`
    /// (the values outside the loop's own level) with the step's own level restored from `trace`.
    func reverseLoop(_ l: Int, _ ids: LoopLevels, _ v: [[Double]], _ A: UnsafeMutableBufferPointer<Double>,
                     _ grad: inout [Double], _ trace: LoopTrace) {
        let steps = loopSteps[l]!
        let level = ids.level[l]!, region = ids.region[l]!, outputs = ids.outputs[l]!
        func size(_ i: Int) -> Int { nodeShapes[i].reduce(1, *) }
        func add(_ from: Int, _ fromOffset: Int, to: Int, _ n: Int) {
            let (o, p) = (adjointOffsets[from] + fromOffset, adjointOffsets[to])
            for k in 0..<n { A[p + k] += A[o + k] }
        }
        // The rows of a prior that the steps do not overwrite keep their adjoint.
        for s in outputs where nodes[s].op == .stack && nodes[s].args.count == 3 {
            let (x, prior) = (nodes[s].args[1], nodes[s].args[2])
            let width = size(x)
            let (o, p) = (adjointOffsets[s], adjointOffsets[prior])
            for k in 0..<size(prior) {
                let row = k / max(width, 1) + 1
                if steps.count == 0 || row < steps.from || row > steps.to { A[p + k] += A[o + k] }
            }
        }
        guard steps.count > 0 else {
            for s in outputs where nodes[s].op == .last { add(s, 0, to: nodes[nodes[s].args[1]].args[1], size(s)) }
            return
        }
        var carried: [Int: [Double]] = [:]
        var w = v
        for t in stride(from: steps.to, through: steps.from, by: -1) {
            let k = t - steps.from
            for i in region { for q in 0..<size(i) { A[adjointOffsets[i] + q] = 0 } }
            for c in loops.carries[l]! {
                let o = adjointOffsets[nodes[c].update!]
                if t == steps.to {
                    for s in outputs where nodes[s].op == .last && nodes[s].args[1] == c { add(s, 0, to: nodes[c].update!, size(c)) }
                } else if let g = carried[c] {
                    for q in 0..<g.count { A[o + q] += g[q] }
                }
            }
            for s in outputs where nodes[s].op == .stack {
                let x = nodes[s].args[1]
                let row = nodes[s].args.count == 3 ? t - 1 : k
                add(s, row * size(x), to: x, size(x))
            }
            w[l] = [Double(t)]
            for (j, i) in level.enumerated() { w[i] = trace.values[k][j] }
            withUnsafeMutablePointer(to: &carried) { p in
                reverse(level, ids, w, A, &grad, trace.inner[k], step: (t == steps.from, p))
            }
        }
    }
}
