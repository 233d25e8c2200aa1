import LeapfrogModel
import RealModule

extension ReferenceModel {
    /// Reverse sweep: seeds each term with adjoint 1, walks the nodes backwards adding each
    /// node's vector-Jacobian product into its arguments, then maps parameter adjoints to the
    /// unconstrained scale (chain rule through the transform, plus d(log-Jacobian)/du).
    func backward(_ tape: inout Tape, _ u: [Double]) -> [Double] {
        let graph = model.graph
        let v = tape.values
        var adj = [[Double]](repeating: [], count: graph.nodes.count)
        func seed(_ i: Int) -> [Double] { [Double](repeating: 0, count: v[i].count) }
        for t in graph.terms {
            if adj[t.node].isEmpty { adj[t.node] = seed(t.node) }
            adj[t.node][0] += 1
        }
        var grad = tape.dLogJ
        for i in logDensityNodes.reversed() {
            guard !adj[i].isEmpty else { continue }
            let node = graph.nodes[i]
            let a = node.args
            for arg in a where adj[arg].isEmpty { adj[arg] = seed(arg) }
            let g = adj[i]
            switch node.op {
            case .parameter:
                let e = model.layout.entry(named: node.name!)!
                for k in 0..<e.count { grad[e.offset + k] += g[k] * tape.dxdu[e.offset + k] }
            case .data, .constant:
                break
            case .negate, .exp, .log, .log1p, .expm1, .sqrt, .square, .tanh, .invLogit, .logInvLogit, .log1pExp, .relu:
                let (x, y) = (v[a[0]], v[i])
                for k in 0..<x.count {
                    let d: Double
                    switch node.op {
                    case .negate: d = -1
                    case .exp: d = y[k]
                    case .log: d = 1 / x[k]
                    case .log1p: d = 1 / (1 + x[k])
                    case .expm1: d = y[k] + 1
                    case .sqrt: d = 0.5 / y[k]
                    case .square: d = 2 * x[k]
                    case .tanh: d = 1 - y[k] * y[k]
                    case .invLogit: d = y[k] * (1 - y[k])
                    case .logInvLogit: d = SpecialFunctions.invLogit(-x[k])
                    case .log1pExp: d = SpecialFunctions.invLogit(x[k])
                    default: d = x[k] > 0 ? 1 : 0
                    }
                    adj[a[0]][k] += g[k] * d
                }
            case .add, .subtract, .multiply, .divide, .pow:
                let (ma, mb) = (broadcastMaps[i]![0], broadcastMaps[i]![1])
                let (x, y, out) = (v[a[0]], v[a[1]], v[i])
                for k in 0..<g.count {
                    let (p, q) = (x[ma[k]], y[mb[k]])
                    let (dp, dq): (Double, Double)
                    switch node.op {
                    case .add: (dp, dq) = (1, 1)
                    case .subtract: (dp, dq) = (1, -1)
                    case .multiply: (dp, dq) = (q, p)
                    case .divide: (dp, dq) = (1 / q, -p / (q * q))
                    default: (dp, dq) = (q * Double.pow(p, q - 1), out[k] == 0 ? 0 : out[k] * Double.log(p))
                    }
                    adj[a[0]][ma[k]] += g[k] * dp
                    adj[a[1]][mb[k]] += g[k] * dq
                }
            case .matmul:
                let (m, kk, n) = matmulExtents(i)
                let (x, y) = (v[a[0]], v[a[1]])
                for r in 0..<m {
                    for p in 0..<kk {
                        var sx = 0.0
                        let xrp = x[r * kk + p]
                        for c in 0..<n {
                            sx += g[r * n + c] * y[p * n + c]
                            adj[a[1]][p * n + c] += xrp * g[r * n + c]
                        }
                        adj[a[0]][r * kk + p] += sx
                    }
                }
            case .transpose:
                let s = nodeShapes[a[0]]
                let gt = LinearAlgebra.transpose(g, s[1], s[0])
                for k in 0..<gt.count { adj[a[0]][k] += gt[k] }
            case .cholesky:
                // Murray (2016), "Differentiation of the Cholesky decomposition": with
                // P = Φ(Lᵀ·L̄) (lower triangle, diagonal halved) and S = L⁻ᵀ·P·L⁻¹, the adjoint of
                // the symmetric input is (S + Sᵀ)/2.
                let n = nodeShapes[i][0]
                let l = v[i]
                var p = [Double](repeating: 0, count: n * n)
                for r in 0..<n {
                    for c in 0...r {
                        var s = 0.0
                        for k in r..<n { s += l[k * n + r] * g[k * n + c] }   // (Lᵀ L̄)[r,c], L̄ lower
                        p[r * n + c] = r == c ? s / 2 : s
                    }
                }
                let t = LinearAlgebra.solveLowerTransposed(l, p, n, n)                       // L⁻ᵀ P
                let st = LinearAlgebra.solveLowerTransposed(l, LinearAlgebra.transpose(t, n, n), n, n) // Sᵀ = L⁻ᵀ (L⁻ᵀ P)ᵀ
                for r in 0..<n { for c in 0..<n { adj[a[0]][r * n + c] += 0.5 * (st[r * n + c] + st[c * n + r]) } }
            case .triangularSolve:
                // X = L⁻¹B: B̄ = L⁻ᵀX̄, L̄ = −tril(B̄·Xᵀ).
                let s = nodeShapes[a[1]]
                let (n, m) = (s[0], s.count == 2 ? s[1] : 1)
                let bBar = LinearAlgebra.solveLowerTransposed(v[a[0]], g, n, m)
                let x = v[i]
                for k in 0..<bBar.count { adj[a[1]][k] += bBar[k] }
                for r in 0..<n {
                    for c in 0...r {
                        var s = 0.0
                        for j in 0..<m { s += bBar[r * m + j] * x[c * m + j] }
                        adj[a[0]][r * n + c] -= s
                    }
                }
            case .addDiagonal:
                let n = nodeShapes[i][0]
                for k in 0..<g.count { adj[a[0]][k] += g[k] }
                for j in 0..<n { adj[a[1]][v[a[1]].count == 1 ? 0 : j] += g[j * n + j] }
            case .expQuadCov:
                let (n1, n2, dim) = expQuadExtents(i)
                let (x1, x2, kmat) = (v[a[0]], v[a[1]], v[i])
                let (alpha, rho) = (v[a[2]][0], v[a[3]][0])
                var dAlpha = 0.0, dRho = 0.0
                for r in 0..<n1 {
                    for c in 0..<n2 {
                        let gk = g[r * n2 + c] * kmat[r * n2 + c]
                        guard gk != 0 else { continue }
                        var d2 = 0.0
                        for k in 0..<dim {
                            let t = x1[r * dim + k] - x2[c * dim + k]
                            d2 += t * t
                            adj[a[0]][r * dim + k] -= gk * t / (rho * rho)
                            adj[a[1]][c * dim + k] += gk * t / (rho * rho)
                        }
                        dAlpha += 2 * gk / alpha
                        dRho += gk * d2 / (rho * rho * rho)
                    }
                }
                adj[a[2]][0] += dAlpha
                adj[a[3]][0] += dRho
            case .sum:
                for k in 0..<adj[a[0]].count { adj[a[0]][k] += g[0] }
            case .mean:
                let n = Double(max(adj[a[0]].count, 1))
                for k in 0..<adj[a[0]].count { adj[a[0]][k] += g[0] / n }
            case .logSumExp, .softmax, .logSoftmax:
                let k = nodeShapes[a[0]].last!
                let (x, y) = (v[a[0]], v[i])
                let rows = k == 0 ? 0 : x.count / k
                for r in 0..<rows {
                    let base = r * k
                    switch node.op {
                    case .logSumExp:
                        for j in 0..<k { adj[a[0]][base + j] += g[r] * Double.exp(x[base + j] - y[r]) }
                    case .softmax:
                        var dot = 0.0
                        for j in 0..<k { dot += g[base + j] * y[base + j] }
                        for j in 0..<k { adj[a[0]][base + j] += y[base + j] * (g[base + j] - dot) }
                    default:
                        var total = 0.0
                        for j in 0..<k { total += g[base + j] }
                        for j in 0..<k { adj[a[0]][base + j] += g[base + j] - Double.exp(y[base + j]) * total }
                    }
                }
            case .index:
                let width = nodeShapes[a[0]].dropFirst().reduce(1, *)
                for (n, j) in v[a[1]].enumerated() {
                    let r = Int(j) - 1
                    for w in 0..<width { adj[a[0]][r * width + w] += g[n * width + w] }
                }
            case .logDensity:
                logDensityBackward(i, g[0], v, &adj)
            }
        }
        return grad
    }

    func logDensityBackward(_ i: Int, _ g: Double, _ v: [[Double]], _ adj: inout [[Double]]) {
        let node = model.graph.nodes[i]
        let d = node.distribution!
        let a = node.args
        switch d {
        case .categoricalLogit:
            let (y, logits) = (v[a[0]], v[a[1]])
            let k = nodeShapes[a[1]].last!
            let perRow = nodeShapes[a[1]].count == 2
            for (n, yn) in y.enumerated() {
                let base = perRow ? n * k : 0
                let lse = SpecialFunctions.logSumExp(logits[base..<(base + k)])
                for j in 0..<k { adj[a[1]][base + j] -= g * Double.exp(logits[base + j] - lse) }
                adj[a[1]][base + Int(yn) - 1] += g
            }
        case .multiNormalCholesky:
            // z = L⁻¹(y − μ), w = L⁻ᵀz: ȳ = −w, μ̄ = w, L̄ = tril(w·zᵀ) − diag(1/Lᵢᵢ), per row.
            let n = nodeShapes[a[2]][0]
            let (y, mu, l) = (v[a[0]], v[a[1]], v[a[2]])
            let rows = y.count / max(n, 1)
            for r in 0..<rows {
                let diff = (0..<n).map { y[r * n + $0] - (mu.count == 1 ? mu[0] : mu[$0]) }
                let z = LinearAlgebra.solveLower(l, diff, n, 1)
                let w = LinearAlgebra.solveLowerTransposed(l, z, n, 1)
                for j in 0..<n {
                    adj[a[0]][r * n + j] -= g * w[j]
                    adj[a[1]][mu.count == 1 ? 0 : j] += g * w[j]
                    for c in 0...j { adj[a[2]][j * n + c] += g * w[j] * z[c] }
                    adj[a[2]][j * n + j] -= g / l[j * n + j]
                }
            }
        default:
            let maps = broadcastMaps[i]!
            for k in 0..<broadcastCounts[i]! {
                let p = elementArguments(maps, a, v, k)
                let r = DistributionMath.elementwise(d, p.0, p.1, p.2, p.3)
                guard r.lp.isFinite else { continue }
                adj[a[0]][maps[0][k]] += g * r.dy
                if a.count > 1 { adj[a[1]][maps[1][k]] += g * r.d0 }
                if a.count > 2 { adj[a[2]][maps[2][k]] += g * r.d1 }
                if a.count > 3 { adj[a[3]][maps[3][k]] += g * r.d2 }
            }
        }
    }
}
