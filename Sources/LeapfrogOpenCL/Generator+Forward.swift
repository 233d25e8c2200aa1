import LeapfrogCore
import LeapfrogData
import LeapfrogModel

extension Generator {
    static let unaryForward: [Operation: (String) -> String] = [
        .negate: { "-(\($0))" }, .exp: { "exp(\($0))" }, .log: { "log(\($0))" }, .log1p: { "log1p(\($0))" },
        .expm1: { "expm1(\($0))" }, .sqrt: { "sqrt(\($0))" }, .square: { "(\($0)) * (\($0))" },
        .tanh: { "lf_tanh(\($0))" }, .invLogit: { "lf_inv_logit(\($0))" }, .logInvLogit: { "lf_log_inv_logit(\($0))" },
        .log1pExp: { "lf_log1p_exp(\($0))" }, .relu: { "lf_relu(\($0))" }, .lgamma: { "lf_lgamma(\($0))" },
        .phi: { "lf_phi(\($0))" }, .logPhi: { "lf_log_phi(\($0))" }, .invPhi: { "lf_inv_phi(\($0))" }, .logBesselI0: { "lf_log_bessel_i0(\($0))" },
        .sin: { "sin(\($0))" }, .cos: { "cos(\($0))" }, .atan: { "atan(\($0))" },
    ]


    /// The call of node `i`'s special function (`log_gamma_p`/`_q`, `log_inc_beta`, `log1m_inc_beta`)
    /// on its arguments' `values`, writing its partials into `lf_d[0…]`.
    func partialsCall(_ i: Int, _ values: [String]) -> String {
        let op = nodes[i].op
        let (function, complement) = op.isIncompleteBeta ? ("lf_log_inc_beta", op == .log1mIncBeta) : ("lf_log_gamma_pq", op == .logGammaQ)
        let partials = values.indices.map { "&lf_d[\($0)]" }
        return "\(function)(\((values + [complement ? "1" : "0"] + partials).joined(separator: ", ")))"
    }

    /// Whether node `i`'s forward pass keeps its partial derivatives (`d{i}`) for the backward
    /// pass: an active node outside a recurrence, whose backward pass runs in the scope of its
    /// forward one (the shared nodes' function body, a row's loop iteration).
    func keepsPartials(_ i: Int) -> Bool { active[i] && !loops.inBody(i) }

    mutating func emitForward(_ i: Int) throws {
        let node = nodes[i]
        switch node.op {
        case .parameter, .data, .constant: return
        case .loop: return try emitLoopForward(i)
        case .stack where node.args.count == 3: return emitStackForward(i)
        case .carry, .stack, .last: return  // written by their loop (Generator+Recurrence)
        case .ode, .odeState: return  // written by the solve (Generator+ODE)
        default: break
        }
        // Loops run over the elements there are (none for an empty array: a branch no row takes,
        // N = 0); the declaration keeps one element, C having no empty arrays.
        let n = storageCount(i)
        declareArrays(["v\(i)"], count: n, comment: "\(node.op.rawValue) \(shapes[i])")
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
                default: expression = "lf_pow(\(x), \(y))"
                }
                g.emit("v\(i)[k] = \(expression);")
            }
        case .logGammaP, .logGammaQ, .logIncBeta, .log1mIncBeta:
            // The partials come with the value (a series or a fraction, the costly part): kept
            // for the backward pass where it is emitted in this scope (`keepsPartials`).
            let m = node.args.count
            if keepsPartials(i) { declareArrays(["d\(i)"], count: m * max(1, n)) }
            try block("for (int k = 0; k < \(n); ++k)") { g in
                let values = try node.args.map { g.value($0, try g.argIndex(node: i, arg: $0, outShape: g.shapes[i], "k")) }
                g.emit("realw lf_d[\(m)];")
                g.emit("v\(i)[k] = \(g.partialsCall(i, values));")
                if g.keepsPartials(i) { g.emit("for (int j = 0; j < \(m); ++j) d\(i)[\(m) * k + j] = lf_d[j];") }
            }
        case .select:
            let (c, a, b) = (node.args[0], node.args[1], node.args[2])
            try block("for (int k = 0; k < \(n); ++k)") { g in
                let q = try [c, a, b].map { try g.argIndex(node: i, arg: $0, outShape: g.shapes[i], "k") }
                g.emit("v\(i)[k] = \(g.selectCondition(i, q[0])) ? \(g.value(a, q[1])) : \(g.value(b, q[2]));")
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
            let outer = storageCount(idx)
            try block("for (int j = 0; j < \(outer); ++j)") { g in
                g.emit("const int r = (int)\(try g.rawData(idx, "j")) - 1;")
                g.emit("for (int k = 0; k < \(inner); ++k) v\(i)[j * \(inner) + k] = \(g.value(x, "r * \(inner) + k"));")
            }
        case .concat:
            let (a, b) = (node.args[0], node.args[1])
            if rowDependent[i] { throw unsupported("joining row-dependent values (node \(i))") }
            let first = storageCount(a)
            emit("for (int k = 0; k < \(first); ++k) v\(i)[k] = \(value(a, "k"));")
            emit("for (int k = 0; k < \(storageCount(b)); ++k) v\(i)[\(first) + k] = \(value(b, "k"));")
        case .column:
            // The same elements: per row of a plate, the row's one value.
            let x = node.args[0]
            emit("for (int k = 0; k < \(n); ++k) v\(i)[k] = \(value(x, "k"));")
        case .transpose:
            let x = node.args[0]
            if rowDependent[i] { throw unsupported("transpose inside a plate") }
            let (rows, cols) = (shapes[x][0], shapes[x][1])
            emit("for (int i = 0; i < \(cols); ++i) for (int j = 0; j < \(rows); ++j) v\(i)[i * \(rows) + j] = \(value(x, "j * \(cols) + i"));")
        case .expQuadCov, .addDiagonal, .cholesky, .triangularSolve:
            if rowDependent[i] { throw unsupported("\(node.op.rawValue) inside a plate") }
            try emitLinearAlgebraForward(i)
        case .solve, .logAbsDeterminant, .determinant, .eigenvaluesSym, .eigenvectorsSym:
            if rowDependent[i] { throw unsupported("\(node.op.rawValue) inside a plate") }
            try emitFactorizationForward(i)
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
            let count = storageCount(a)
            emit("v\(i)[0] = SPLAT(0.0);")
            emit("for (int k = 0; k < \(count); ++k) v\(i)[0] += \(value(a, "k"));")
            if node.op == .mean { emit("v\(i)[0] /= \(Generator.literal(Double(Generator.count(shapes[a]))));") }
        case .at:
            emitAtForward(i)
        case .odeSolve:
            try emitODESolveForward(i)
        case .logDensity:
            try emitLogDensityValue(i, backward: false)
        default:
            throw unsupported("operation '\(node.op.rawValue)'")
        }
    }
}
