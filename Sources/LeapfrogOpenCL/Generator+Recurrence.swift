import LeapfrogCore
import LeapfrogData
import LeapfrogModel

/// Recurrences (`LoopStructure`) as loops inside the kernel, forward and reverse.
///
/// Forward, a loop over t = from…to runs its body once per step (`for (int tL = from; tL <= to;
/// ++tL)`, L the loop node), keeps each carry's next state in `s<c>` and records the carry's value
/// at every step in a history `h<c>[steps × size]`; `stack` outputs are written row by row and
/// `last` outputs at the last step.
///
/// Reverse, the loop runs t = to…from: it restores each carry from its history, **recomputes**
/// the step's body (nested loops re-run forward, filling their own histories), seeds the
/// adjoints of the carries' updates (from the next step, or from `last` outputs at the last step)
/// and of stacked values, and walks the body backwards; a carry's adjoint goes to the previous
/// step (`gs<c>`) or, at the first step, to its init.
///
/// Memory per chain (private memory, W chains per work-item): for each loop, steps × carry size
/// for the histories plus steps × row size for each `stack`; a nested loop's histories are per
/// step of its parent and reused, so they add inner steps × carry size, not a product. The
/// body's temporaries exist for one step at a time. Recomputing the body costs one extra
/// forward evaluation of it per step in the reverse pass, instead of storing every body node
/// per step (steps × body size).
extension Generator {
    var loops: LoopStructure { model.loops }

    /// The C variable holding loop `l`'s step.
    static func stepVariable(_ l: Int) -> String { "t\(l)" }

    /// The needed outputs (`stack`, `last`) of loop `l`.
    func outputs(of l: Int) -> [Int] {
        nodes.indices.filter { needed[$0] && [.stack, .last].contains(nodes[$0].op) && nodes[$0].args[0] == l }
    }

    /// Whether the reverse pass must run through loop `l`: one of its outputs carries an adjoint.
    func loopIsActive(_ l: Int) -> Bool { outputs(of: l).contains { active[$0] } }

    /// `at`'s row (0-based) as an integer C expression.
    func atRow(_ i: Int) -> String {
        let node = nodes[i]
        var text = "\(Int(node.value ?? 0) - 1)"
        for (l, c) in zip(node.args.dropFirst(), node.coefficients ?? []) {
            text += c == 1 ? " + \(Generator.stepVariable(l))" : c == -1 ? " - \(Generator.stepVariable(l))" : " + \(c) * \(Generator.stepVariable(l))"
        }
        return "(\(text))"
    }

    // MARK: Forward

    mutating func emitLoopForward(_ l: Int) throws {
        let steps = model.steps[l]!
        let t = Generator.stepVariable(l)
        emit("// loop \(l)\(nodes[l].name.map { " over \($0)" } ?? ""): steps \(steps.from)…\(steps.to)")
        for s in outputs(of: l) {
            if nodes[s].op == .stack, nodes[s].args.count == 3 {
                // Rows only: the prior may be computed after the loop; the stack composes them.
                declareArrays(["r\(s)"], count: steps.count * storageCount(nodes[s].args[1]), comment: "rows of stack \(s)")
                continue
            }
            let n = max(1, storageCount(s))
            declareArrays(["v\(s)"], count: n, comment: "\(nodes[s].op.rawValue) \(shapes[s])")
            if nodes[s].op == .last, steps.count == 0 {
                let initial = nodes[nodes[s].args[1]].args[1]
                emit("for (int k = 0; k < \(n); ++k) v\(s)[k] = \(loops.enclosing[initial] == l ? "SPLAT(0.0)" : value(initial, "k"));")
            }
        }
        guard steps.count > 0 else { return }
        let carries = loops.carries[l]!.filter { needed[$0] }
        for c in carries {
            let n = max(1, storageCount(c))
            declareArrays(["s\(c)"], count: n)
            declareArrays(["h\(c)"], count: steps.count * n, comment: "carry \(c) at every step, for the reverse pass")
        }
        try block("for (int \(t) = \(steps.from); \(t) <= \(steps.to); ++\(t))") { g in
            try g.emitLoopBody(l, recompute: false)
            for c in carries {
                let n = max(1, g.storageCount(c))
                g.emit("for (int k = 0; k < \(n); ++k) s\(c)[k] = \(g.value(g.nodes[c].update!, "k"));")
            }
            for s in g.outputs(of: l) {
                let x = g.nodes[s].args[1]
                let n = max(1, g.storageCount(x))
                if g.nodes[s].op == .stack {
                    let target = g.nodes[s].args.count == 3 ? "r" : "v"
                    g.emit("for (int k = 0; k < \(n); ++k) \(target)\(s)[(\(t) - \(steps.from)) * \(n) + k] = \(g.value(x, "k"));")
                } else {
                    g.emit("if (\(t) == \(steps.to)) for (int k = 0; k < \(n); ++k) v\(s)[k] = \(g.value(g.nodes[x].update!, "k"));")
                }
            }
        }
    }

    /// The body of loop `l` at one step: carries from the state (or the history, when
    /// recomputing in the reverse pass), then the other nodes of its level in order.
    mutating func emitLoopBody(_ l: Int, recompute: Bool) throws {
        let steps = model.steps[l]!
        let t = Generator.stepVariable(l)
        for i in loops.directBody(l) where needed[i] {
            switch nodes[i].op {
            case .carry:
                let n = max(1, storageCount(i))
                declareArrays(["v\(i)"], count: n, comment: "carry")
                if recompute {
                    emit("for (int k = 0; k < \(n); ++k) v\(i)[k] = h\(i)[(\(t) - \(steps.from)) * \(n) + k];")
                } else {
                    let initial = value(nodes[i].args[1], "k")
                    emit("for (int k = 0; k < \(n); ++k) v\(i)[k] = \(t) == \(steps.from) ? \(initial) : s\(i)[k];")
                    emit("for (int k = 0; k < \(n); ++k) h\(i)[(\(t) - \(steps.from)) * \(n) + k] = v\(i)[k];")
                }
            case .loop:
                try emitLoopForward(i)
            case .stack:
                if nodes[i].args.count == 3 { emitStackForward(i) }
            case .last:
                continue  // written by its loop
            default:
                try emitForward(i)
            }
        }
    }

    /// `stack` into a prior: the prior, with rows from…to replaced by the rows its loop wrote.
    mutating func emitStackForward(_ i: Int) {
        let (l, x, prior) = (nodes[i].args[0], nodes[i].args[1], nodes[i].args[2])
        let steps = model.steps[l]!
        let n = max(1, storageCount(i)), width = max(1, storageCount(x))
        declareArrays(["v\(i)"], count: n, comment: "stack \(shapes[i])")
        emit("for (int k = 0; k < \(n); ++k) v\(i)[k] = \(value(prior, "k"));")
        if steps.count > 0 {
            emit("for (int k = 0; k < \(steps.count * width); ++k) v\(i)[\((steps.from - 1) * width) + k] = r\(i)[k];")
        }
    }

    /// `at`: a copy of row `atRow` of its argument.
    mutating func emitAtForward(_ i: Int) {
        let x = nodes[i].args[0]
        let n = max(1, storageCount(i))
        emit("for (int k = 0; k < \(n); ++k) v\(i)[k] = \(value(x, "\(atRow(i)) * \(n) + k"));")
    }

    // MARK: Reverse

    mutating func emitLoopBackward(_ l: Int) throws {
        let steps = model.steps[l]!
        let t = Generator.stepVariable(l)
        let outs = outputs(of: l).filter { active[$0] }
        emit("// reverse of loop \(l): steps \(steps.to)…\(steps.from), recomputing each step's body")
        // Rows of a prior that the steps leave alone keep their adjoint.
        for s in outs where nodes[s].op == .stack && nodes[s].args.count == 3 {
            let (x, prior) = (nodes[s].args[1], nodes[s].args[2])
            let width = max(1, storageCount(x))
            guard let gp = adjoint(prior, "k") else { continue }
            let kept = steps.count == 0 ? "1" : "k / \(width) + 1 < \(steps.from) || k / \(width) + 1 > \(steps.to)"
            emit("for (int k = 0; k < \(max(1, storageCount(s))); ++k) if (\(kept)) \(gp) += g\(s)[k];")
        }
        guard steps.count > 0 else {
            for s in outs where nodes[s].op == .last {
                if let gi = adjoint(nodes[nodes[s].args[1]].args[1], "k") {
                    emit("for (int k = 0; k < \(max(1, storageCount(s))); ++k) \(gi) += g\(s)[k];")
                }
            }
            return
        }
        let carries = loops.carries[l]!.filter { needed[$0] && active[$0] }
        for c in carries {
            let n = max(1, storageCount(c))
            declareArrays(["gs\(c)"], count: n, comment: "adjoint of carry \(c)'s value at the next step")
            emit("for (int k = 0; k < \(n); ++k) gs\(c)[k] = SPLAT(0.0);")
        }
        try block("for (int \(t) = \(steps.to); \(t) >= \(steps.from); --\(t))") { g in
            try g.emitLoopBody(l, recompute: true)
            for i in g.loops.directBody(l) where g.needed[i] && g.active[i] && g.nodes[i].op != .loop {
                let n = max(1, g.storageCount(i))
                g.declareArrays(["g\(i)"], count: n)
                g.emit("for (int k = 0; k < \(n); ++k) g\(i)[k] = SPLAT(0.0);")
            }
            for c in carries {
                let n = max(1, g.storageCount(c))
                guard let gu = g.adjoint(g.nodes[c].update!, "k") else { continue }
                let finals = outs.filter { g.nodes[$0].op == .last && g.nodes[$0].args[1] == c }
                let atEnd = finals.isEmpty ? "SPLAT(0.0)" : finals.map { "g\($0)[k]" }.joined(separator: " + ")
                g.emit("for (int k = 0; k < \(n); ++k) \(gu) += \(t) == \(steps.to) ? \(atEnd) : gs\(c)[k];")
            }
            for s in outs where g.nodes[s].op == .stack {
                let x = g.nodes[s].args[1]
                let n = max(1, g.storageCount(x))
                let row = g.nodes[s].args.count == 3 ? "\(t) - 1" : "\(t) - \(steps.from)"
                if let gx = g.adjoint(x, "k") { g.emit("for (int k = 0; k < \(n); ++k) \(gx) += g\(s)[(\(row)) * \(n) + k];") }
            }
            for i in g.loops.directBody(l).reversed() where g.needed[i] {
                switch g.nodes[i].op {
                case .carry:
                    guard g.active[i] else { continue }
                    let n = max(1, g.storageCount(i))
                    let gi = g.adjoint(g.nodes[i].args[1], "k")
                    g.emit("if (\(t) == \(steps.from)) { \(gi.map { "for (int k = 0; k < \(n); ++k) \($0) += g\(i)[k];" } ?? "") }")
                    g.emit("else { for (int k = 0; k < \(n); ++k) gs\(i)[k] = g\(i)[k]; }")
                case .loop:
                    if g.loopIsActive(i) { try g.emitLoopBackward(i) }
                case .stack, .last:
                    continue
                default:
                    if g.active[i] { try g.emitBackward(i) }
                }
            }
        }
    }

    mutating func emitAtBackward(_ i: Int) {
        let x = nodes[i].args[0]
        let n = max(1, storageCount(i))
        guard let gx = adjoint(x, "\(atRow(i)) * \(n) + k") else { return }
        emit("for (int k = 0; k < \(n); ++k) \(gx) += g\(i)[k];")
    }

    // MARK: Log densities as values (inside a step: a per-step likelihood)

    mutating func emitLogDensityValue(_ i: Int, backward: Bool) throws {
        let node = nodes[i]
        guard let (function, partials) = Generator.family(node.distribution!) else {
            throw unsupported("the \(node.distribution!.rawValue) distribution as a value (node \(i))")
        }
        var out: [Int] = []
        for a in node.args { out = ShapeRules.broadcast(out, shapes[a])! }
        let count = Generator.count(out)
        if !backward { emit("v\(i)[0] = SPLAT(0.0);") }
        try block("for (int k = 0; k < \(count); ++k)") { g in
            var arguments: [String] = []
            for (position, a) in node.args.enumerated() {
                let q = try g.argIndex(node: i, arg: a, outShape: out, "k")
                g.emit("const int q\(position) = \(q);")
                arguments.append(g.value(a, "q\(position)"))
            }
            g.emit("realw \(partials.map { "d\($0)" }.joined(separator: ", "));")
            let call = "\(function)(\((arguments + partials.map { "&d\($0)" }).joined(separator: ", ")))"
            if backward {
                g.emit("(void)\(call);")
                for p in partials {
                    if let ga = g.adjoint(node.args[p], "q\(p)") { g.emit("\(ga) += g\(i)[0] * d\(p);") }
                }
            } else {
                g.emit("v\(i)[0] += \(call);")
            }
        }
    }
}
