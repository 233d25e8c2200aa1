import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import RealModule

/// C's pow (Glibc's or Darwin's), not RealModule's `Double.pow`, which is exp(q log p): a negative
/// base with an integer exponent is defined (`x^2` at x = −1.5 is 2.25, not NaN), and so is its
/// derivative in the base.
let cPow: (Double, Double) -> Double = pow

/// The CPU reference back end: interprets a bound graph in Double with plain reverse-mode AD.
///
/// Readable over clever: each chain is evaluated on its own (chains run in parallel across
/// cores), every node's value is a row-major `[Double]`, and the backward pass walks the nodes
/// in reverse, adding each node's vector-Jacobian product into its arguments' adjoints. This is
/// the ground truth every other back end is tested against.
public struct ReferenceModel: BatchedLogDensity {
    public let model: BoundModel
    /// Nodes on which the log density depends, in order.
    let logDensityNodes: [Int]
    /// Nodes on which the derived quantities depend, in order.
    let derivedNodes: [Int]
    /// The layout entry of each parameter node, by node index (per-node tables are arrays: a
    /// dictionary's hashing cost 10 % of a recurrence's evaluation, looked up per node and step).
    let parameterEntries: [ParameterLayout.Entry?]
    let nodeShapes: [[Int]]
    /// Flat index maps from a broadcast output to each argument, for elementwise nodes.
    let broadcastMaps: [[[Int]]?]
    /// Element count of each elementwise node's broadcast result.
    let broadcastCounts: [Int?]
    /// Where each node's adjoint starts in the backward pass's single buffer, and its length.
    let adjointOffsets: [Int]
    let adjointCount: Int
    /// The graph's nodes, its recurrences and their steps, held here so the per-step loops do not
    /// reach through `model` (a large value) for every node.
    let nodes: [Node]
    let loops: LoopStructure
    let loopSteps: [Int: LoopStructure.Steps]
    /// Each loop's nodes among the log density's and the derived quantities' (see `LoopLevels`).
    let logDensityLevels: LoopLevels
    let derivedLevels: LoopLevels
    /// Each `at` node's row as offset + Σ coefficient · step.
    let atRows: [(offset: Int, terms: [(loop: Int, coefficient: Int)])?]
    /// Cholesky factors only multivariate normal terms read (`BoundModel.covarianceOnlyCholeskyFactors`):
    /// those terms' adjoint goes straight to the covariance.
    let covarianceFactors: Set<Int>
    /// Each `eigenvalues_sym` node's `eigenvectors_sym` partner on the same argument in the same
    /// loop region, and the reverse: the partner's value saves a decomposition (the values from the
    /// vectors as Rayleigh quotients; each one's adjoint from the other's value).
    let eigenPartners: [Int: Int]
    /// Each `ode_solve` node's system (`ReferenceModel+ODE`), set once the rest is.
    private(set) var odeSystems: [Int: ODEInputs] = [:]
    /// Each solve's right-hand side compiled to scalars, where it can be (`odeProgram`).
    private(set) var odePrograms: [Int: ScalarProgram] = [:]

    public var dimension: Int { model.dimension }

    public init(_ model: BoundModel) {
        self.model = model
        let nodes = model.graph.nodes
        self.nodes = nodes
        loops = model.loops
        loopSteps = model.steps
        var rows = [(offset: Int, terms: [(loop: Int, coefficient: Int)])?](repeating: nil, count: nodes.count)
        for (i, node) in nodes.enumerated() where node.op == .at {
            rows[i] = (Int(node.value ?? 0), zip(node.args.dropFirst(), node.coefficients ?? []).map { ($0, $1) })
        }
        atRows = rows
        covarianceFactors = model.covarianceOnlyCholeskyFactors
        var vectorsNodes: [[Int?]: Int] = [:]   // (argument, loop region) → its eigenvectors_sym node
        for (j, x) in nodes.enumerated() where x.op == .eigenvectorsSym && vectorsNodes[[x.args[0], model.loops.enclosing[j]]] == nil {
            vectorsNodes[[x.args[0], model.loops.enclosing[j]]] = j
        }
        var partners: [Int: Int] = [:]
        for (i, x) in nodes.enumerated() where x.op == .eigenvaluesSym {
            if let j = vectorsNodes[[x.args[0], model.loops.enclosing[i]]] { (partners[i], partners[j]) = (j, i) }
        }
        eigenPartners = partners
        nodeShapes = model.shapes.map { $0 ?? [] }
        logDensityNodes = ReferenceModel.ancestors(of: model.graph.terms.map(\.node), in: model)
        derivedNodes = ReferenceModel.ancestors(of: model.derived.map(\.node), in: model)
        logDensityLevels = LoopLevels(logDensityNodes, model.loops, nodes)
        derivedLevels = LoopLevels(derivedNodes, model.loops, nodes)
        var entries = [ParameterLayout.Entry?](repeating: nil, count: nodes.count)
        for (i, node) in nodes.enumerated() where node.op == .parameter {
            entries[i] = model.layout.entry(named: node.name!)!
        }
        parameterEntries = entries
        var maps = [[[Int]]?](repeating: nil, count: nodes.count)
        var counts = [Int?](repeating: nil, count: nodes.count)
        for (i, node) in nodes.enumerated() where model.shapes[i] != nil {
            let elementwise = node.op.isElementwiseBinary || node.op == .select || node.op.isIncompleteBeta || (node.op == .logDensity && node.distribution!.isElementwise)
            guard elementwise else { continue }
            let argShapes = node.args.map { model.shapes[$0]! }
            let out = argShapes.reduce([Int]()) { ShapeRules.broadcast($0, $1)! }
            maps[i] = argShapes.map { ReferenceModel.broadcastMap(from: $0, to: out) }
            counts[i] = out.reduce(1, *)
        }
        broadcastMaps = maps
        broadcastCounts = counts
        var offsets: [Int] = []
        var total = 0
        for s in nodeShapes {
            offsets.append(total)
            total += s.reduce(1, *)
        }
        adjointOffsets = offsets
        adjointCount = total
        let active = model.loops.active(in: model.graph)
        for (i, node) in nodes.enumerated() where node.op == .odeSolve && model.shapes[i] != nil {
            let system = ODEInputs(solve: i, nodes: nodes, loops: model.loops, active: active, shapes: nodeShapes)
            odeSystems[i] = system
            odePrograms[i] = Self.odeProgram(system, self)
        }
    }

    /// Binds `graph` to `data` and builds its reference model.
    public init(graph: ModelGraph, data: DataSet) throws {
        self.init(try BoundModel(graph: graph, data: data))
    }

    // MARK: Batched interface

    public func evaluate(_ positions: ChainBatch, active: [Bool]?) -> DensityBatch {
        precondition(positions.dimension == dimension, "ReferenceModel: positions have dimension \(positions.dimension), model \(dimension)")
        let c = positions.chains
        var lp = [Double](repeating: .nan, count: c)
        var grad = ChainBatch(chains: c, dimension: dimension, repeating: .nan)
        let results = UnsafeMutableBufferPointer<(Double, [Double])?>.allocate(capacity: c)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()   // releases the stored gradient arrays
            results.deallocate()
        }
        // Only the active chains are split between the cores (in a NUTS batch's last steps the
        // chains still building their trees would otherwise share a core while another idles).
        let chains = active.map { a in (0..<c).filter { a[$0] } } ?? Array(0..<c)
        let one = { (j: Int) in results[chains[j]] = self.logDensityAndGradient(positions.vector(chain: chains[j])) }
        if !odeSystems.isEmpty && chains.count > 1 {
            // An ODE solve costs thousands of node evaluations, a different number per chain:
            // each chain is a task of its own, taken by whichever core is free.
            DispatchQueue.concurrentPerform(iterations: chains.count, execute: one)
        } else {
            Self.forEachChain(chains.count, parallel: dimension * chains.count >= 256, one)
        }
        for k in 0..<c {
            guard let (v, g) = results[k] else { continue }
            lp[k] = v
            grad.setVector(g, chain: k)
        }
        return DensityBatch(logDensity: lp, gradient: grad)
    }

    /// What a draw records for every chain: the constrained parameters, then the derived
    /// quantities (row c of the result is chain c's `constrained(u) + derivedValues(u)`).
    public func recordedValues(_ positions: ChainBatch) -> ChainBatch {
        let c = positions.chains
        let rows = UnsafeMutableBufferPointer<[Double]>.allocate(capacity: c)
        rows.initialize(repeating: [])
        defer {
            rows.deinitialize()
            rows.deallocate()
        }
        Self.forEachChain(c, parallel: true) { k in
            let u = positions.vector(chain: k)
            rows[k] = self.constrained(u) + self.derivedValues(u)
        }
        var out = ChainBatch(chains: c, dimension: rows.first?.count ?? 0)
        for k in 0..<c { out.setVector(rows[k], chain: k) }
        return out
    }

    /// Runs `body` for chains 0..<c: one contiguous range of chains per core when `parallel`
    /// (`ChainRanges`), else in order on this thread.
    package static func forEachChain(_ c: Int, parallel: Bool, _ body: @escaping (Int) -> Void) {
        ChainRanges.forEach(c, parallel: parallel) { range in for k in range { body(k) } }
    }

    // MARK: One point

    /// The log density (with log-Jacobian) at unconstrained `u`.
    public func logDensity(_ u: [Double]) -> Double {
        var tape = forward(u, nodes: logDensityNodes, logDensityLevels)
        return tape.total()
    }

    /// The log density at `u` and its gradient with respect to `u`.
    public func logDensityAndGradient(_ u: [Double]) -> (Double, [Double]) {
        var tape = forward(u, nodes: logDensityNodes, logDensityLevels)
        let lp = tape.total()
        return (lp, backward(&tape, u))
    }

    /// Values of the derived quantities at `u`, flattened in `BoundModel.derivedElementNames` order.
    public func derivedValues(_ u: [Double]) -> [Double] {
        let tape = forward(u, nodes: derivedNodes, derivedLevels)
        return model.derived.flatMap { tape.values[$0.node] }
    }

    /// `roots` and every node they depend on (through recurrences too), in graph (SSA) order.
    static func ancestors(of roots: [Int], in model: BoundModel) -> [Int] {
        let needed = model.loops.needed(roots, in: model.graph)
        return (0..<needed.count).filter { needed[$0] }
    }

    /// Constrained parameter values at `u`, in layout order.
    public func constrained(_ u: [Double]) -> [Double] { model.layout.constrain(u) }

    // MARK: Forward

    struct Tape {
        var values: [[Double]]
        var logJacobian: Double
        /// dx/du and d(logJ)/du for every unconstrained element.
        var dxdu: [Double]
        var dLogJ: [Double]
        var terms: [Int]
        /// What each top-level loop computed at every step (for the reverse pass).
        var loops: [Int: LoopTrace] = [:]

        mutating func total() -> Double {
            var s = logJacobian
            for t in terms { s += values[t][0] }
            return s.isNaN ? -.infinity : s
        }
    }

    func forward(_ u: [Double], nodes ids: [Int], _ levels: LoopLevels) -> Tape {
        let graph = model.graph
        var tape = Tape(values: Array(repeating: [], count: graph.nodes.count), logJacobian: 0,
                        dxdu: Array(repeating: 0, count: u.count), dLogJ: Array(repeating: 0, count: u.count),
                        terms: graph.terms.map(\.node))
        for e in model.layout.entries {
            for k in e.offset..<(e.offset + e.count) {
                let t = e.constraint.constrain(u[k])
                tape.logJacobian += t.logJacobian
                tape.dxdu[k] = t.dxdu
                tape.dLogJ[k] = t.dLogJacobian
            }
        }
        // Leaves first: one standing inside a loop's region is evaluated once, before the loop.
        for i in ids where graph.nodes[i].op.isLeaf {
            tape.values[i] = value(of: i, tape.values, u)
        }
        run(levels.top, levels, &tape.values, u, &tape.loops)
        return tape
    }

    func value(of i: Int, _ v: [[Double]], _ u: [Double]) -> [Double] {
        let node = nodes[i]
        let a = node.args
        switch node.op {
        case .parameter:
            let e = parameterEntries[i]!
            return (e.offset..<(e.offset + e.count)).map { e.constraint.constrain(u[$0]).x }
        case .data: return model.data[node.name!]!.values
        case .constant: return [node.value!]
        case .negate, .exp, .log, .log1p, .expm1, .sqrt, .square, .tanh, .invLogit, .logInvLogit, .log1pExp, .relu, .lgamma,
             .phi, .logPhi, .invPhi, .sin, .cos, .atan, .logBesselI0:
            let op = node.op
            return v[a[0]].map { Self.unary(op, $0) }
        case .add, .subtract, .multiply, .divide, .pow, .logGammaP, .logGammaQ:
            let (ma, mb) = (broadcastMaps[i]![0], broadcastMaps[i]![1])
            let (x, y) = (v[a[0]], v[a[1]])
            let n = broadcastCounts[i]!
            var out = [Double](repeating: 0, count: n)
            for k in 0..<n { out[k] = Self.binary(node.op, x[ma[k]], y[mb[k]]) }
            return out
        case .matmul:
            let (m, kk, n) = matmulExtents(i)
            let (x, y) = (v[a[0]], v[a[1]])
            var out = [Double](repeating: 0, count: m * n)
            for r in 0..<m {
                for p in 0..<kk {
                    let xrp = x[r * kk + p]
                    for c in 0..<n { out[r * n + c] += xrp * y[p * n + c] }
                }
            }
            return out
        case .transpose:
            let s = nodeShapes[a[0]]
            return LinearAlgebra.transpose(v[a[0]], s[0], s[1])
        case .column:
            return v[a[0]]
        case .cholesky:
            return LinearAlgebra.cholesky(v[a[0]], nodeShapes[i][0])
        case .triangularSolve:
            let s = nodeShapes[a[1]]
            return LinearAlgebra.solveLower(v[a[0]], v[a[1]], s[0], s.count == 2 ? s[1] : 1)
        case .solve:
            let s = nodeShapes[a[1]]
            return LUDecomposition(v[a[0]], s[0]).solve(v[a[1]], columns: s.count == 2 ? s[1] : 1)
        case .logAbsDeterminant:
            return [LUDecomposition(v[a[0]], nodeShapes[a[0]][0]).logAbsDeterminant]
        case .determinant:
            return [LUDecomposition(v[a[0]], nodeShapes[a[0]][0]).determinant]
        case .eigenvaluesSym, .eigenvectorsSym:
            let n = nodeShapes[a[0]][0]
            guard SymmetricEigen.isSymmetric(v[a[0]], n) else { return [Double](repeating: .nan, count: nodeShapes[i].reduce(1, *)) }
            if node.op == .eigenvaluesSym, let j = eigenPartners[i], j < i, v[j].count == n * n {
                return SymmetricEigen.rayleighQuotients(v[a[0]], v[j], n)
            }
            let e = SymmetricEigen(v[a[0]], n)
            return node.op == .eigenvaluesSym ? e.values : e.vectors
        case .addDiagonal:
            let n = nodeShapes[i][0]
            var out = v[a[0]]
            let d = v[a[1]]
            for j in 0..<n { out[j * n + j] += d.count == 1 ? d[0] : d[j] }
            return out
        case .expQuadCov:
            let (n1, n2, dim) = expQuadExtents(i)
            let (x1, x2) = (v[a[0]], v[a[1]])
            let (alpha, rho) = (v[a[2]][0], v[a[3]][0])
            var out = [Double](repeating: 0, count: n1 * n2)
            for r in 0..<n1 {
                for c in 0..<n2 {
                    var d2 = 0.0
                    for k in 0..<dim { let t = x1[r * dim + k] - x2[c * dim + k]; d2 += t * t }
                    out[r * n2 + c] = alpha * alpha * Double.exp(-d2 / (2 * rho * rho))
                }
            }
            return out
        case .sum: return [v[a[0]].reduce(0, +)]
        case .mean: return [v[a[0]].reduce(0, +) / Double(max(v[a[0]].count, 1))]
        case .logSumExp, .softmax, .logSoftmax:
            let k = nodeShapes[a[0]].last!
            let x = v[a[0]]
            let rows = k == 0 ? 0 : x.count / k
            var out: [Double] = []
            out.reserveCapacity(node.op == .logSumExp ? rows : x.count)
            for r in 0..<rows {
                let row = x[(r * k)..<(r * k + k)]
                let lse = SpecialFunctions.logSumExp(row)
                switch node.op {
                case .logSumExp: out.append(lse)
                case .softmax: out.append(contentsOf: row.map { Double.exp($0 - lse) })
                default: out.append(contentsOf: row.map { $0 - lse })
                }
            }
            return out
        case .index:
            let idx = v[a[1]]
            let width = nodeShapes[a[0]].dropFirst().reduce(1, *)
            let x = v[a[0]]
            var out: [Double] = []
            out.reserveCapacity(idx.count * width)
            for j in idx { let r = Int(j) - 1; out.append(contentsOf: x[(r * width)..<(r * width + width)]) }
            return out
        case .concat:
            return v[a[0]] + v[a[1]]
        case .logIncBeta, .log1mIncBeta:
            let maps = broadcastMaps[i]!
            return (0..<broadcastCounts[i]!).map { k in
                BetaFunction.logRegularized(v[a[0]][maps[0][k]], v[a[1]][maps[1][k]], v[a[2]][maps[2][k]], complement: node.op == .log1mIncBeta).value
            }
        case .select:
            let maps = broadcastMaps[i]!
            let (c, x, y) = (v[a[0]], v[a[1]], v[a[2]])
            return (0..<broadcastCounts[i]!).map { k in Self.holds(c[maps[0][k]], inclusive: node.value == 1) ? x[maps[1][k]] : y[maps[2][k]] }
        case .logDensity:
            return [logDensityValue(i, v)]
        case .at:
            let width = nodeShapes[i].reduce(1, *)
            let r = atRow(i, v) - 1
            return Array(v[a[0]][(r * width)..<(r * width + width)])
        case .loop, .carry, .stack, .last, .ode, .odeState, .odeSolve:
            return v[i]  // set by `run` (ReferenceModel+Recurrence) and `solveODE`
        }
    }

    /// Whether a `select` takes its first branch: c > 0, or c ≥ 0 when inclusive (NaN: neither).
    @inline(__always)
    static func holds(_ c: Double, inclusive: Bool) -> Bool { inclusive ? c >= 0 : c > 0 }

    /// An elementwise unary operation of one element.
    @inline(__always)
    static func unary(_ op: Operation, _ x: Double) -> Double {
        switch op {
        case .negate: return -x
        case .exp: return Double.exp(x)
        case .log: return x < 0 ? .nan : Double.log(x)
        case .log1p: return x < -1 ? .nan : Double.log(onePlus: x)
        case .expm1: return Double.expMinusOne(x)
        case .sqrt: return x.squareRoot()
        case .square: return x * x
        case .tanh: return Double.tanh(x)
        case .invLogit: return SpecialFunctions.invLogit(x)
        case .logInvLogit: return SpecialFunctions.logInvLogit(x)
        case .log1pExp: return SpecialFunctions.log1pExp(x)
        case .relu: return max(x, 0)
        case .lgamma: return SpecialFunctions.logGamma(x)
        case .phi: return NormalDistributionFunction.phi(x)
        case .logPhi: return NormalDistributionFunction.logPhi(x)
        case .invPhi: return NormalDistributionFunction.inversePhi(x)
        case .sin: return Double.sin(x)
        case .cos: return Double.cos(x)
        case .atan: return Double.atan(x)
        case .logBesselI0: return BesselFunction.logI0(x)
        default: preconditionFailure("\(op) is not an elementwise unary operation")
        }
    }

    /// Its derivative at x, where its value is y.
    @inline(__always)
    static func unaryDerivative(_ op: Operation, _ x: Double, _ y: Double) -> Double {
        switch op {
        case .negate: return -1
        case .exp: return y
        case .log: return 1 / x
        case .log1p: return 1 / (1 + x)
        case .expm1: return y + 1
        case .sqrt: return 0.5 / y
        case .square: return 2 * x
        case .tanh: return 1 - y * y
        case .invLogit: return y * (1 - y)
        case .logInvLogit: return SpecialFunctions.invLogit(-x)
        case .log1pExp: return SpecialFunctions.invLogit(x)
        case .lgamma: return SpecialFunctions.digamma(x)
        case .phi: return NormalDistributionFunction.density(x)
        case .logPhi: return NormalDistributionFunction.inverseMillsRatio(x, logPhi: y)
        case .invPhi: return 1 / NormalDistributionFunction.density(y)
        case .sin: return Double.cos(x)
        case .cos: return -Double.sin(x)
        case .atan: return 1 / (1 + x * x)
        case .logBesselI0: return BesselFunction.ratioI1I0(x)
        default: return x > 0 ? 1 : 0   // relu
        }
    }

    /// An elementwise binary operation of one pair of elements.
    @inline(__always)
    static func binary(_ op: Operation, _ p: Double, _ q: Double) -> Double {
        switch op {
        case .add: return p + q
        case .subtract: return p - q
        case .multiply: return p * q
        case .divide: return p / q
        case .logGammaP, .logGammaQ: return GammaFunction.logRegularized(p, q, complement: op == .logGammaQ).value
        default: return cPow(p, q)
        }
    }

    /// Its partial derivatives at (p, q), where its value is `out`. C's pow, not RealModule's
    /// exp(q log p): a negative base with an integer exponent (`x^2` at x < 0) is defined, and
    /// so is its derivative in the base.
    @inline(__always)
    static func binaryPartials(_ op: Operation, _ p: Double, _ q: Double, _ out: Double) -> (Double, Double) {
        switch op {
        case .add: return (1, 1)
        case .subtract: return (1, -1)
        case .multiply: return (q, p)
        case .divide: return (1 / q, -p / (q * q))
        case .logGammaP, .logGammaQ:
            let d = GammaFunction.logRegularized(p, q, complement: op == .logGammaQ)
            return (d.da, d.dx)
        default: return (q * cPow(p, q - 1), out == 0 ? 0 : out * Double.log(p))
        }
    }

    func logDensityValue(_ i: Int, _ v: [[Double]]) -> Double {
        let node = nodes[i]
        let d = node.distribution!
        let a = node.args
        switch d {
        case .categoricalLogit:
            let (y, logits) = (v[a[0]], v[a[1]])
            let k = nodeShapes[a[1]].last!
            let perRow = nodeShapes[a[1]].count == 2
            var lp = 0.0
            for (n, yn) in y.enumerated() {
                let base = perRow ? n * k : 0
                let row = logits[base..<(base + k)]
                lp += logits[base + Int(yn) - 1] - SpecialFunctions.logSumExp(row)
            }
            return lp
        case .multiNormalCholesky:
            let n = nodeShapes[a[2]][0]
            let (y, mu, l) = (v[a[0]], v[a[1]], v[a[2]])
            let rows = y.count / max(n, 1)
            var lp = 0.0
            var logDet = 0.0
            for j in 0..<n { logDet += Double.log(l[j * n + j]) }
            for r in 0..<rows {
                let diff = (0..<n).map { y[r * n + $0] - mu[ReferenceModel.meanIndex(mu.count, n, r, $0)] }
                let z = LinearAlgebra.solveLower(l, diff, n, 1)
                lp += -0.5 * z.reduce(0) { $0 + $1 * $1 } - logDet - Double(n) * DistributionMath.halfLog2Pi
            }
            return lp
        default:
            let maps = broadcastMaps[i]!
            var lp = 0.0
            for k in 0..<broadcastCounts[i]! {
                let p = elementArguments(maps, a, v, k)
                lp += DistributionMath.elementwise(d, p.0, p.1, p.2, p.3).lp
            }
            return lp
        }
    }

    /// Where element j of row r's mean is in a multivariate normal's mean of `count` values: one
    /// scalar, one vector of n for every row, or one vector per row.
    @inline(__always)
    static func meanIndex(_ count: Int, _ n: Int, _ r: Int, _ j: Int) -> Int {
        count == 1 ? 0 : (count == n ? j : r * n + j)
    }

    @inline(__always)
    func elementArguments(_ maps: [[Int]], _ a: [Int], _ v: [[Double]], _ k: Int) -> (Double, Double, Double, Double) {
        let y = v[a[0]][maps[0][k]]
        let p0 = a.count > 1 ? v[a[1]][maps[1][k]] : 0
        let p1 = a.count > 2 ? v[a[2]][maps[2][k]] : 0
        let p2 = a.count > 3 ? v[a[3]][maps[3][k]] : 0
        return (y, p0, p1, p2)
    }

    func matmulExtents(_ i: Int) -> (Int, Int, Int) {
        let node = nodes[i]
        let (sa, sb) = (nodeShapes[node.args[0]], nodeShapes[node.args[1]])
        let m = sa.count == 2 ? sa[0] : 1
        let n = sb.count == 2 ? sb[1] : 1
        return (m, sa.last!, n)
    }

    func expQuadExtents(_ i: Int) -> (Int, Int, Int) {
        let node = nodes[i]
        let (s1, s2) = (nodeShapes[node.args[0]], nodeShapes[node.args[1]])
        return (s1[0], s2[0], s1.count == 2 ? s1[1] : 1)
    }

    static func broadcastMap(from s: [Int], to o: [Int]) -> [Int] {
        let r = o.count
        let ps = Array(repeating: 1, count: r - s.count) + s
        var strides = [Int](repeating: 0, count: r)
        var acc = 1
        for k in stride(from: r - 1, through: 0, by: -1) {
            strides[k] = ps[k] == 1 ? 0 : acc
            acc *= ps[k]
        }
        let total = o.reduce(1, *)
        var out = [Int](repeating: 0, count: total)
        for flat in 0..<total {
            var rem = flat, idx = 0
            for k in stride(from: r - 1, through: 0, by: -1) {
                idx += (rem % o[k]) * strides[k]
                rem /= o[k]
            }
            out[flat] = idx
        }
        return out
    }
}
