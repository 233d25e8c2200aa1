import LeapfrogCore
import LeapfrogData

/// The shape rule of every operation (see `Operation`), with errors that name the node.
public enum ShapeRules {
    /// NumPy broadcasting for ranks 0–2: trailing extents aligned; 1 or a missing extent stretches.
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let r = max(a.count, b.count)
        let pa = Array(repeating: 1, count: r - a.count) + a
        let pb = Array(repeating: 1, count: r - b.count) + b
        var out: [Int] = []
        for (x, y) in zip(pa, pb) {
            if x == y || y == 1 { out.append(x) } else if x == 1 { out.append(y) } else { return nil }
        }
        return out
    }

    static func shape(of node: Node, index i: Int, args s: [[Int]], layout: ParameterLayout,
                      data: [String: DataArray], graph: ModelGraph, steps: [Int: LoopStructure.Steps] = [:]) throws -> [Int] {
        let here = "node \(i) (\(node.op == .logDensity ? node.distribution!.rawValue : node.op.rawValue))"
        func fail(_ m: String) -> LeapfrogError { LeapfrogError(.model, "model '\(graph.name)': \(here): \(m)", node: i) }
        func integerData(_ argIndex: Int, role: String) throws {
            let a = graph.nodes[node.args[argIndex]]
            guard a.op == .data, let n = a.name, data[n]?.isInteger == true else {
                throw fail("its \(role) must be integer data")
            }
        }
        switch node.op {
        case .parameter: return layout.entry(named: node.name!)!.shape
        case .data: return data[node.name!]!.shape
        case .constant: return []
        case .negate, .exp, .log, .log1p, .expm1, .sqrt, .square, .tanh, .invLogit, .logInvLogit, .log1pExp, .relu, .lgamma, .phi, .logPhi, .invPhi, .sin, .cos, .atan, .logBesselI0:
            return s[0]
        case .add, .subtract, .multiply, .divide, .pow, .logGammaP, .logGammaQ:
            guard let b = broadcast(s[0], s[1]) else { throw fail("shapes \(s[0]) and \(s[1]) do not broadcast") }
            return b
        case .matmul:
            let (a, b) = (s[0], s[1])
            guard !a.isEmpty, !b.isEmpty else { throw fail("matmul needs vectors or matrices, got \(a) and \(b); use multiply for scalars") }
            guard a.last! == b.first! else { throw fail("inner extents differ: \(a) · \(b)") }
            return Array(a.dropLast()) + Array(b.dropFirst())
        case .column:
            guard s[0].count == 1 else { throw fail("column needs a vector, got shape \(s[0])") }
            return [s[0][0], 1]
        case .transpose:
            guard s[0].count == 2 else { throw fail("transpose needs a matrix, got shape \(s[0])") }
            return [s[0][1], s[0][0]]
        case .cholesky:
            guard s[0].count == 2, s[0][0] == s[0][1] else { throw fail("cholesky needs a square matrix, got \(s[0])") }
            return s[0]
        case .triangularSolve:
            guard s[0].count == 2, s[0][0] == s[0][1] else { throw fail("the triangular factor must be square, got \(s[0])") }
            guard (1...2).contains(s[1].count), s[1][0] == s[0][0] else { throw fail("right-hand side \(s[1]) does not fit \(s[0])") }
            return s[1]
        case .solve:
            guard s[0].count == 2, s[0][0] == s[0][1] else { throw fail("solve needs a square matrix, got \(s[0])") }
            guard (1...2).contains(s[1].count), s[1][0] == s[0][0] else { throw fail("right-hand side \(s[1]) does not fit \(s[0])") }
            return s[1]
        case .logAbsDeterminant, .determinant, .eigenvaluesSym, .eigenvectorsSym:
            guard s[0].count == 2, s[0][0] == s[0][1] else { throw fail("\(node.op.rawValue) needs a square matrix, got \(s[0])") }
            switch node.op {
            case .eigenvaluesSym: return [s[0][0]]
            case .eigenvectorsSym: return s[0]
            default: return []
            }
        case .addDiagonal:
            guard s[0].count == 2, s[0][0] == s[0][1] else { throw fail("add_diagonal needs a square matrix, got \(s[0])") }
            guard s[1].isEmpty || s[1] == [s[0][0]] else { throw fail("the diagonal \(s[1]) does not fit \(s[0])") }
            return s[0]
        case .expQuadCov:
            let (x1, x2) = (s[0], s[1])
            guard (1...2).contains(x1.count), (1...2).contains(x2.count), x1.count == x2.count,
                  x1.count == 1 || x1[1] == x2[1] else { throw fail("points \(x1) and \(x2) do not match") }
            guard s[2].isEmpty, s[3].isEmpty else { throw fail("amplitude and length scale must be scalars") }
            return [x1[0], x2[0]]
        case .sum, .mean: return []
        case .logSumExp:
            guard !s[0].isEmpty else { throw fail("needs a vector or matrix") }
            return Array(s[0].dropLast())
        case .softmax, .logSoftmax:
            guard !s[0].isEmpty else { throw fail("needs a vector or matrix") }
            return s[0]
        case .index:
            guard !s[0].isEmpty else { throw fail("cannot index a scalar") }
            try integerData(1, role: "index")
            guard !s[1].isEmpty else { throw fail("the index must be an integer array, got a scalar") }
            let idx = data[graph.nodes[node.args[1]].name!]!
            if let bad = idx.values.firstIndex(where: { $0 < 1 || $0 > Double(s[0][0]) }) {
                throw LeapfrogError(.data, "model '\(graph.name)': index data '\(graph.nodes[node.args[1]].name!)' element \(bad + 1) is \(Int(idx.values[bad])), outside 1…\(s[0][0])")
            }
            return s[1] + Array(s[0].dropFirst())
        case .concat:
            guard !s[0].isEmpty, !s[1].isEmpty, s[0].dropFirst() == s[1].dropFirst() else {
                throw fail("shapes \(s[0]) and \(s[1]) cannot be joined along their first axis")
            }
            return [s[0][0] + s[1][0]] + Array(s[0].dropFirst())
        case .select, .logIncBeta, .log1mIncBeta:
            // Elementwise over three arguments (`select` as NumPy's `where`): all three broadcast.
            guard let b = broadcast(s[0], s[1]).flatMap({ broadcast($0, s[2]) }) else {
                let what = node.op == .select ? "its condition and branches" : "its arguments"
                throw fail("\(what) have shapes \(s[0]), \(s[1]) and \(s[2]), which do not broadcast")
            }
            return b
        case .loop, .ode: return []
        case .carry, .last: return s[1]
        case .odeState:
            guard s[1].count == 1 else { throw fail("the initial state must be a vector, got shape \(s[1])") }
            return s[1]
        case .odeSolve:
            guard s[2].isEmpty, s[3].count == 1, s[4...].allSatisfy(\.isEmpty) else {
                throw fail("takes (ode, state, t0, ts, rtol, atol, max_steps): scalars and a vector of times, got shapes \(s)")
            }
            try checkODEArguments(node, graph: graph, data: data, fail: fail)
            return [s[3][0], s[1][0]]
        case .at:
            guard !s[0].isEmpty else { throw fail("cannot read a row of a scalar") }
            return Array(s[0].dropFirst())
        case .stack:
            let range = steps[node.args[0]]!
            guard s.count == 3 else { return [range.count] + s[1] }
            guard !s[2].isEmpty, Array(s[2].dropFirst()) == s[1] else { throw fail("rows of shape \(s[1]) do not fit into \(s[2])") }
            if range.count > 0, range.from < 1 || range.to > s[2][0] {
                throw fail("steps \(range.from)…\(range.to) write rows outside 1…\(s[2][0])")
            }
            return s[2]
        case .logDensity:
            let d = node.distribution!
            if d.isDiscrete { try integerData(0, role: "outcome") }
            if d == .binomialLogit { try integerData(1, role: "number of trials") }
            switch d {
            case .categoricalLogit:
                let (y, logits) = (s[0], s[1])
                guard y.count <= 1, (1...2).contains(logits.count) else { throw fail("outcome \(y) and logits \(logits) do not fit") }
                if logits.count == 2, y != [logits[0]] { throw fail("\(logits[0]) rows of logits need \(logits[0]) outcomes, got shape \(y)") }
                let k = logits.last!
                let ys = data[graph.nodes[node.args[0]].name!]!.values
                if let bad = ys.firstIndex(where: { $0 < 1 || $0 > Double(k) }) {
                    throw LeapfrogError(.data, "model '\(graph.name)': outcome '\(graph.nodes[node.args[0]].name!)' element \(bad + 1) is \(Int(ys[bad])), outside the categories 1…\(k)")
                }
            case .multiNormalCholesky:
                let (y, mu, l) = (s[0], s[1], s[2])
                guard l.count == 2, l[0] == l[1] else { throw fail("the Cholesky factor must be square, got \(l)") }
                guard (1...2).contains(y.count), y.last! == l[0] else { throw fail("outcome \(y) does not fit the factor \(l)") }
                guard mu.isEmpty || mu == [l[0]] || (y.count == 2 && mu == y) else { throw fail("mean \(mu) does not fit the factor \(l) and outcome \(y)") }
            default:
                var b: [Int] = []
                for a in s {
                    guard let nb = broadcast(b, a) else { throw fail("arguments of shapes \(s) do not broadcast") }
                    b = nb
                }
            }
            return []
        }
    }

    /// An ODE solve's times and tolerances are data or constants, checked when the data are read
    /// (Stan checks them at every solve): ts strictly increasing after t0, all finite; the
    /// tolerances positive; the step limit a positive integer.
    static func checkODEArguments(_ node: Node, graph: ModelGraph, data: [String: DataArray],
                                  fail: (String) -> LeapfrogError) throws {
        func values(_ k: Int) throws -> (name: String, values: [Double]) {
            let a = graph.nodes[node.args[k]]
            switch a.op {
            case .constant: return ("\(a.value!)", [a.value!])
            case .data: return ("'\(a.name!)'", data[a.name!]!.values)
            default:
                let role = ["the initial time", "the output times", "the relative tolerance", "the absolute tolerance", "the maximum number of steps"][k - 2]
                throw fail("\(role) must be data or a constant")
            }
        }
        let (t0, ts) = (try values(2), try values(3))
        guard t0.values[0].isFinite else { throw fail("the initial time \(t0.name) is \(t0.values[0]), not finite") }
        if let k = DormandPrince.firstUnorderedTime(after: t0.values[0], ts.values) {
            let t = ts.values[k]
            guard t.isFinite else { throw fail("the output times \(ts.name): element \(k + 1) is \(t), not finite") }
            throw fail("the output times \(ts.name) must increase strictly after the initial time \(t0.values[0]) (as Stan's), but element \(k + 1) is \(t)"
                       + (k == 0 ? "" : ", after \(ts.values[k - 1])"))
        }
        for (k, role) in [(4, "relative tolerance"), (5, "absolute tolerance")] {
            let x = try values(k)
            guard x.values[0] > 0, x.values[0].isFinite else { throw fail("the \(role) \(x.name) must be positive and finite") }
        }
        let steps = try values(6)
        guard steps.values[0] >= 1, steps.values[0] == steps.values[0].rounded(), steps.values[0] < 1e15 else {
            throw fail("the maximum number of steps \(steps.name) must be a positive integer")
        }
    }
}
