import LeapfrogCore
import LeapfrogData
import LeapfrogModel

extension Generator {
    /// d(output)/d(input) given the input x and the output y.
    static let unaryDerivative: [Operation: (String, String) -> String] = [
        .negate: { _, _ in "-1.0" }, .exp: { _, y in y }, .log: { x, _ in "1.0 / (\(x))" },
        .log1p: { x, _ in "1.0 / (1.0 + \(x))" }, .expm1: { _, y in "(\(y) + 1.0)" }, .sqrt: { _, y in "0.5 / (\(y))" },
        .square: { x, _ in "2.0 * (\(x))" }, .tanh: { _, y in "lf_tanh_grad(\(y))" },
        .invLogit: { _, y in "(\(y)) * (1.0 - \(y))" }, .logInvLogit: { x, _ in "lf_inv_logit(-(\(x)))" },
        .log1pExp: { x, _ in "lf_inv_logit(\(x))" }, .relu: { x, _ in "lf_relu_grad(\(x))" },
        .lgamma: { x, _ in "lf_digamma(\(x))" }, .phi: { x, _ in "lf_normal_density(\(x))" },
        .logPhi: { x, y in "lf_inverse_mills(\(x), \(y))" }, .invPhi: { _, y in "(1.0 / lf_normal_density(\(y)))" },
        .sin: { x, _ in "cos(\(x))" }, .cos: { x, _ in "-sin(\(x))" }, .atan: { x, _ in "1.0 / (1.0 + (\(x)) * (\(x)))" },
        .logBesselI0: { x, _ in "lf_bessel_i1_over_i0(\(x))" },
    ]

    mutating func emitBackward(_ i: Int) throws {
        let node = nodes[i]
        if node.op == .loop {
            if loopIsActive(i) { try emitLoopBackward(i) }
            return
        }
        guard let _ = adjoint(i, "0") else { return }
        switch node.op {
        case .parameter, .data, .constant, .carry, .stack, .last, .ode, .odeState: return
        case .logDensity: return try emitLogDensityValue(i, backward: true)
        case .at: return emitAtBackward(i)
        case .odeSolve: return emitODESolveBackward(i)
        default: break
        }
        let n = storageCount(i)
        if let derivative = Generator.unaryDerivative[node.op] {
            let a = node.args[0]
            guard let ga = adjoint(a, "q") else { return }
            try block("for (int k = 0; k < \(n); ++k)") { g in
                let q = try g.argIndex(node: i, arg: a, outShape: g.shapes[i], "k")
                g.emit("const int q = \(q);")
                g.emit("\(ga) += \(g.guarded(i, "g\(i)[k] * \(derivative(g.value(a, "q"), "v\(i)[k]"))"));")
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
                default: (da, db) = ("\(seed) * \(y) * lf_pow(\(x), \(y) - 1.0)", "\(seed) * \(out) * log(\(x))")
                }
                if let ga = g.adjoint(a, "qa") { g.emit("\(ga) += \(g.guarded(i, da));") }
                if let gb = g.adjoint(b, "qb") { g.emit("\(gb) += \(g.guarded(i, db));") }
            }
        case .logGammaP, .logGammaQ, .logIncBeta, .log1mIncBeta:
            // The partials the forward pass kept, or (inside a recurrence) the function again.
            let m = node.args.count
            try block("for (int k = 0; k < \(n); ++k)") { g in
                let q = try node.args.map { try g.argIndex(node: i, arg: $0, outShape: g.shapes[i], "k") }
                for (j, index) in q.enumerated() { g.emit("const int q\(j) = \(index);") }
                g.emit("realw lf_d[\(m)];")
                if g.keepsPartials(i) {
                    g.emit("for (int j = 0; j < \(m); ++j) lf_d[j] = d\(i)[\(m) * k + j];")
                } else {
                    g.emit("\(g.partialsCall(i, node.args.enumerated().map { g.value($0.element, "q\($0.offset)") }));")
                }
                for (j, arg) in node.args.enumerated() {
                    if let ga = g.adjoint(arg, "q\(j)") { g.emit("\(ga) += \(g.guarded(i, "g\(i)[k] * lf_d[\(j)]"));") }
                }
            }
        case .select:
            let (c, a, b) = (node.args[0], node.args[1], node.args[2])
            try block("for (int k = 0; k < \(n); ++k)") { g in
                let q = try [c, a, b].map { try g.argIndex(node: i, arg: $0, outShape: g.shapes[i], "k") }
                g.emit("const int qa = \(q[1]);")
                g.emit("const int qb = \(q[2]);")
                let holds = g.selectCondition(i, q[0])
                if let ga = g.adjoint(a, "qa") { g.emit("\(ga) += \(holds) ? g\(i)[k] : SPLAT(0.0);") }
                if let gb = g.adjoint(b, "qb") { g.emit("\(gb) += \(holds) ? SPLAT(0.0) : g\(i)[k];") }
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
        case .concat:
            let (a, b) = (node.args[0], node.args[1])
            let first = storageCount(a)
            if let ga = adjoint(a, "k") { emit("for (int k = 0; k < \(first); ++k) \(ga) += g\(i)[k];") }
            if let gb = adjoint(b, "k") { emit("for (int k = 0; k < \(storageCount(b)); ++k) \(gb) += g\(i)[\(first) + k];") }
        case .index:
            let (x, idx) = (node.args[0], node.args[1])
            let inner = Generator.count(Array(shapes[x].dropFirst()))
            let outer = storageCount(idx)
            guard let gx = adjoint(x, "r * \(inner) + k") else { return }
            try block("for (int j = 0; j < \(outer); ++j)") { g in
                g.emit("const int r = (int)\(try g.rawData(idx, "j")) - 1;")
                g.emit("for (int k = 0; k < \(inner); ++k) \(gx) += g\(i)[j * \(inner) + k];")
            }
        case .column:
            if let gx = adjoint(node.args[0], "k") { emit("for (int k = 0; k < \(storageCount(i)); ++k) \(gx) += g\(i)[k];") }
        case .transpose:
            let x = node.args[0]
            let (rows, cols) = (shapes[x][0], shapes[x][1])
            guard let gx = adjoint(x, "j * \(cols) + i") else { return }
            emit("for (int i = 0; i < \(cols); ++i) for (int j = 0; j < \(rows); ++j) \(gx) += g\(i)[i * \(rows) + j];")
        case .expQuadCov, .addDiagonal, .cholesky, .triangularSolve:
            try emitLinearAlgebraBackward(i)
        case .solve, .logAbsDeterminant, .determinant, .eigenvaluesSym, .eigenvectorsSym:
            try emitFactorizationBackward(i)
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
            emit("for (int k = 0; k < \(storageCount(a)); ++k) \(ga) += g\(i)[0]\(scale);")
        default:
            throw unsupported("operation '\(node.op.rawValue)'")
        }
    }

    /// Whether select node i takes its first branch at element `q` of its condition: c > 0, or
    /// c ≥ 0 when the node says so (`Operation.select`), lane by lane.
    func selectCondition(_ i: Int, _ q: String) -> String {
        "(\(value(nodes[i].args[0], q)) \(nodes[i].value == 1 ? ">=" : ">") 0.0)"
    }

    /// `product` (an adjoint times a partial of node i), or 0 where node i's adjoint is 0, for a
    /// node under a select's branch: not taken, its partials may be NaN (√ of a negative) and
    /// 0 · NaN would poison the gradient (the CPU reference's `propagate` skips such elements).
    func guarded(_ i: Int, _ product: String) -> String {
        underSelect[i] ? "((g\(i)[k] != 0.0) ? \(product) : SPLAT(0.0))" : product
    }
}
