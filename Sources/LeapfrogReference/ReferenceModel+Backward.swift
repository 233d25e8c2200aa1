#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore
import LeapfrogModel
import RealModule

extension ReferenceModel {
    /// Reverse sweep: seeds each term with adjoint 1, walks the nodes backwards adding each
    /// node's vector-Jacobian product into its arguments, then maps parameter adjoints to the
    /// unconstrained scale (chain rule through the transform, plus d(log-Jacobian)/du).
    func backward(_ tape: inout Tape, _ u: [Double]) -> [Double] {
        let graph = model.graph
        let v = tape.values
        // Adjoints of the constrained parameter values, mapped to u at the end.
        var grad = [Double](repeating: 0, count: u.count)
        // All adjoints live in one buffer (node i at adjointOffsets[i]): no nested arrays to
        // copy-check in the inner loops, and an argument used twice accumulates in one place.
        var storage = [Double](repeating: 0, count: adjointCount)
        storage.withUnsafeMutableBufferPointer { A in
        var reached = [Bool](repeating: false, count: graph.nodes.count)
        for t in graph.terms {
            A[adjointOffsets[t.node]] += 1
            reached[t.node] = true
        }
        for i in logDensityNodes.reversed() where reached[i] && !graph.nodes[i].op.isLeaf && loops.enclosing[i] == nil && loops.odeSystem[i] == nil {
            for arg in graph.nodes[i].args { reached[arg] = true }
            switch graph.nodes[i].op {
            case .stack, .last, .ode: continue
            case .odeSolve:
                reverseODE(i, A, tape.loops[i]!.ode!, reached: &reached)
            case .loop:
                // Inside a loop nothing is pruned: everything its region reads is reached.
                for k in loops.regions[i]! {
                    for arg in graph.nodes[k].args { reached[arg] = true }
                    if let u = graph.nodes[k].update { reached[u] = true }
                }
                reverseLoop(i, logDensityLevels, v, A, &grad, tape.loops[i]!)
            default:
                propagate(i, v, A, &grad)
            }
        }
        // Leaves last: one inside a loop's region collects the adjoints of every step first.
        for i in logDensityNodes.reversed() where reached[i] && graph.nodes[i].op.isLeaf {
            propagate(i, v, A, &grad)
        }
        }
        return (0..<u.count).map { tape.dLogJ[$0] + grad[$0] * tape.dxdu[$0] }
    }

    /// Adds node i's vector-Jacobian product (its adjoint in A times its partials at the values
    /// v) into its arguments' adjoints; a parameter's goes to `grad` (the constrained values').
    func propagate(_ i: Int, _ v: [[Double]], _ A: UnsafeMutableBufferPointer<Double>, _ grad: inout [Double]) {
        let node = nodes[i]
        let a = node.args
        let g = UnsafeBufferPointer(rebasing: A[adjointOffsets[i]..<(adjointOffsets[i] + v[i].count)])
        let o0 = a.count > 0 ? adjointOffsets[a[0]] : 0
        let o1 = a.count > 1 ? adjointOffsets[a[1]] : 0
        let o2 = a.count > 2 ? adjointOffsets[a[2]] : 0
        let o3 = a.count > 3 ? adjointOffsets[a[3]] : 0
        switch node.op {
        case .parameter:
            let e = parameterEntries[i]!
            for k in 0..<e.count { grad[e.offset + k] += g[k] }
        case .data, .constant, .ode, .odeState, .odeSolve:
            break  // an ODE system's adjoints are its solve's (`reverseODE`)
        case .negate, .exp, .log, .log1p, .expm1, .sqrt, .square, .tanh, .invLogit, .logInvLogit, .log1pExp, .relu, .lgamma, .phi, .logPhi, .invPhi, .sin, .cos, .atan, .logBesselI0:
            let (x, y) = (v[a[0]], v[i])
            // An element with no adjoint passes none on: under a select's branch not taken, its
            // partials may be NaN (√ of a negative), and 0 · NaN would poison the gradient.
            for k in 0..<x.count where g[k] != 0 { A[o0 + k] += g[k] * Self.unaryDerivative(node.op, x[k], y[k]) }
        case .add, .subtract, .multiply, .divide, .pow, .logGammaP, .logGammaQ:
            let (ma, mb) = (broadcastMaps[i]![0], broadcastMaps[i]![1])
            let (x, y, out) = (v[a[0]], v[a[1]], v[i])
            for k in 0..<g.count where g[k] != 0 {
                let (dp, dq) = Self.binaryPartials(node.op, x[ma[k]], y[mb[k]], out[k])
                A[o0 + ma[k]] += g[k] * dp
                A[o1 + mb[k]] += g[k] * dq
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
                        A[o1 + p * n + c] += xrp * g[r * n + c]
                    }
                    A[o0 + r * kk + p] += sx
                }
            }
        case .column:
            for k in 0..<g.count { A[o0 + k] += g[k] }
        case .transpose:
            let s = nodeShapes[a[0]]
            let gt = LinearAlgebra.transpose(Array(g), s[1], s[0])
            for k in 0..<gt.count { A[o0 + k] += gt[k] }
        case .cholesky where covarianceFactors.contains(i):
            break   // the multivariate normal terms reading L took their adjoint to its input
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
            for r in 0..<n { for c in 0..<n { A[o0 + r * n + c] += 0.5 * (st[r * n + c] + st[c * n + r]) } }
        case .triangularSolve:
            // X = L⁻¹B: B̄ = L⁻ᵀX̄, L̄ = −tril(B̄·Xᵀ).
            let s = nodeShapes[a[1]]
            let (n, m) = (s[0], s.count == 2 ? s[1] : 1)
            let bBar = LinearAlgebra.solveLowerTransposed(v[a[0]], Array(g), n, m)
            let x = v[i]
            for k in 0..<bBar.count { A[o1 + k] += bBar[k] }
            for r in 0..<n {
                for c in 0...r {
                    var s = 0.0
                    for j in 0..<m { s += bBar[r * m + j] * x[c * m + j] }
                    A[o0 + r * n + c] -= s
                }
            }
        case .solve:
            // X = A⁻¹B: B̄ = A⁻ᵀX̄, Ā = −B̄·Xᵀ (Giles 2008, "An extended collection of matrix
            // derivative results for forward and reverse mode AD", §3.2).
            let s = nodeShapes[a[1]]
            let (n, m) = (s[0], s.count == 2 ? s[1] : 1)
            let bBar = LUDecomposition(v[a[0]], n).solveTransposed(Array(g), columns: m)
            let x = v[i]
            for k in 0..<bBar.count { A[o1 + k] += bBar[k] }
            for r in 0..<n {
                for c in 0..<n {
                    var s = 0.0
                    for j in 0..<m { s += bBar[r * m + j] * x[c * m + j] }
                    A[o0 + r * n + c] -= s
                }
            }
        case .logAbsDeterminant, .determinant:
            // d log|det A| = tr(A⁻¹dA): Ā = ḡ·A⁻ᵀ; d det A = det A · tr(A⁻¹dA): Ā = ḡ·det A·A⁻ᵀ.
            let n = nodeShapes[a[0]][0]
            let scale = g[0] * (node.op == .determinant ? v[i][0] : 1)
            let inverseT = LUDecomposition(v[a[0]], n).inverseTransposed
            for k in 0..<n * n { A[o0 + k] += scale * inverseT[k] }
        case .eigenvaluesSym:
            // dλₖ = qₖᵀ dA qₖ: Ā = Q·diag(λ̄)·Qᵀ.
            let n = nodeShapes[a[0]][0]
            let q = eigenPartners[i].flatMap { v[$0].count == n * n ? v[$0] : nil } ?? SymmetricEigen(v[a[0]], n).vectors
            for r in 0..<n {
                for c in 0..<n {
                    var s = 0.0
                    for k in 0..<n { s += q[r * n + k] * g[k] * q[c * n + k] }
                    A[o0 + r * n + c] += s
                }
            }
        case .eigenvectorsSym:
            // dqⱼ = Σ_{i≠j} qᵢ (qᵢᵀ dA qⱼ)/(λⱼ − λᵢ): Ā = Q·(F ∘ QᵀQ̄)·Qᵀ with Fᵢⱼ = 1/(λⱼ − λᵢ), Fᵢᵢ = 0
            // (Giles 2008, §3.1), symmetrised: the node decomposes (A + Aᵀ)/2.
            let n = nodeShapes[a[0]][0]
            let q = v[i]
            let lambda = eigenPartners[i].flatMap { v[$0].count == n ? v[$0] : nil } ?? SymmetricEigen.rayleighQuotients(v[a[0]], q, n)
            var inner = [Double](repeating: 0, count: n * n)   // F ∘ QᵀQ̄
            for r in 0..<n {
                for c in 0..<n where c != r {
                    var s = 0.0
                    for k in 0..<n { s += q[k * n + r] * g[k * n + c] }
                    inner[r * n + c] = s / (lambda[c] - lambda[r])
                }
            }
            var left = [Double](repeating: 0, count: n * n)    // Q·inner
            for r in 0..<n { for k in 0..<n where q[r * n + k] != 0 { for c in 0..<n { left[r * n + c] += q[r * n + k] * inner[k * n + c] } } }
            for r in 0..<n {
                for c in 0...r {
                    var s = 0.0, t = 0.0
                    for k in 0..<n { s += left[r * n + k] * q[c * n + k]; t += left[c * n + k] * q[r * n + k] }
                    let sym = 0.5 * (s + t)
                    A[o0 + r * n + c] += sym
                    if c != r { A[o0 + c * n + r] += sym }
                }
            }
        case .addDiagonal:
            let n = nodeShapes[i][0]
            for k in 0..<g.count { A[o0 + k] += g[k] }
            for j in 0..<n { A[o1 + (v[a[1]].count == 1 ? 0 : j)] += g[j * n + j] }
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
                        A[o0 + r * dim + k] -= gk * t / (rho * rho)
                        A[o1 + c * dim + k] += gk * t / (rho * rho)
                    }
                    dAlpha += 2 * gk / alpha
                    dRho += gk * d2 / (rho * rho * rho)
                }
            }
            A[o2 + 0] += dAlpha
            A[o3 + 0] += dRho
        case .logIncBeta, .log1mIncBeta:
            let maps = broadcastMaps[i]!
            for k in 0..<g.count where g[k] != 0 {
                let d = BetaFunction.logRegularized(v[a[0]][maps[0][k]], v[a[1]][maps[1][k]], v[a[2]][maps[2][k]], complement: node.op == .log1mIncBeta)
                A[o0 + maps[0][k]] += g[k] * d.da
                A[o1 + maps[1][k]] += g[k] * d.db
                A[o2 + maps[2][k]] += g[k] * d.dx
            }
        case .select:
            let maps = broadcastMaps[i]!
            for k in 0..<g.count {
                if Self.holds(v[a[0]][maps[0][k]], inclusive: node.value == 1) { A[o1 + maps[1][k]] += g[k] } else { A[o2 + maps[2][k]] += g[k] }
            }
        case .sum:
            for k in 0..<v[a[0]].count { A[o0 + k] += g[0] }
        case .mean:
            let n = Double(max(v[a[0]].count, 1))
            for k in 0..<v[a[0]].count { A[o0 + k] += g[0] / n }
        case .logSumExp, .softmax, .logSoftmax:
            let k = nodeShapes[a[0]].last!
            let (x, y) = (v[a[0]], v[i])
            let rows = k == 0 ? 0 : x.count / k
            for r in 0..<rows {
                let base = r * k
                switch node.op {
                case .logSumExp:
                    for j in 0..<k { A[o0 + base + j] += g[r] * Double.exp(x[base + j] - y[r]) }
                case .softmax:
                    var dot = 0.0
                    for j in 0..<k { dot += g[base + j] * y[base + j] }
                    for j in 0..<k { A[o0 + base + j] += y[base + j] * (g[base + j] - dot) }
                default:
                    var total = 0.0
                    for j in 0..<k { total += g[base + j] }
                    for j in 0..<k { A[o0 + base + j] += g[base + j] - Double.exp(y[base + j]) * total }
                }
            }
        case .index:
            let width = nodeShapes[a[0]].dropFirst().reduce(1, *)
            for (n, j) in v[a[1]].enumerated() {
                let r = Int(j) - 1
                for w in 0..<width { A[o0 + r * width + w] += g[n * width + w] }
            }
        case .concat:
            let first = v[a[0]].count
            for k in 0..<first { A[o0 + k] += g[k] }
            for k in first..<g.count { A[o1 + k - first] += g[k] }
        case .logDensity:
            logDensityBackward(i, g[0], v, A)
        case .at:
            let width = g.count
            let r = atRow(i, v) - 1
            for k in 0..<width { A[o0 + r * width + k] += g[k] }
        case .loop, .carry, .stack, .last:
            break  // ReferenceModel+Recurrence
        }
    }

    func logDensityBackward(_ i: Int, _ g: Double, _ v: [[Double]], _ A: UnsafeMutableBufferPointer<Double>) {
        let a = nodes[i].args
        let o0 = adjointOffsets[a[0]]
        let o1 = a.count > 1 ? adjointOffsets[a[1]] : 0
        let o2 = a.count > 2 ? adjointOffsets[a[2]] : 0
        let o3 = a.count > 3 ? adjointOffsets[a[3]] : 0
        let d = nodes[i].distribution!
        switch d {
        case .categoricalLogit:
            let (y, logits) = (v[a[0]], v[a[1]])
            let k = nodeShapes[a[1]].last!
            let perRow = nodeShapes[a[1]].count == 2
            for (n, yn) in y.enumerated() {
                let base = perRow ? n * k : 0
                let lse = SpecialFunctions.logSumExp(logits[base..<(base + k)])
                for j in 0..<k { A[o1 + base + j] -= g * Double.exp(logits[base + j] - lse) }
                A[o1 + base + Int(yn) - 1] += g
            }
        case .multiNormalCholesky:
            // z = L⁻¹(y − μ), w = L⁻ᵀz: ȳ = −w, μ̄ = w, L̄ = tril(w·zᵀ) − diag(1/Lᵢᵢ), per row.
            let n = nodeShapes[a[2]][0]
            let (y, mu, l) = (v[a[0]], v[a[1]], v[a[2]])
            let rows = y.count / max(n, 1)
            // L = cholesky(K) read by nothing else: the adjoint goes to K, ½ Σ_r w wᵀ − (R/2) K⁻¹
            // (`BoundModel.covarianceOnlyCholeskyFactors`).
            let oK = covarianceFactors.contains(a[2]) ? adjointOffsets[nodes[a[2]].args[0]] : nil
            for r in 0..<rows {
                let diff = (0..<n).map { y[r * n + $0] - mu[ReferenceModel.meanIndex(mu.count, n, r, $0)] }
                let z = LinearAlgebra.solveLower(l, diff, n, 1)
                let w = LinearAlgebra.solveLowerTransposed(l, z, n, 1)
                for j in 0..<n {
                    A[o0 + r * n + j] -= g * w[j]
                    A[o1 + ReferenceModel.meanIndex(mu.count, n, r, j)] += g * w[j]
                    if let oK {
                        for c in 0..<n { A[oK + j * n + c] += 0.5 * g * w[j] * w[c] }
                    } else {
                        for c in 0...j { A[o2 + j * n + c] += g * w[j] * z[c] }
                        A[o2 + j * n + j] -= g / l[j * n + j]
                    }
                }
            }
            if let oK {
                let kInverse = LinearAlgebra.inverseFromCholesky(l, n)
                for k in 0..<(n * n) { A[oK + k] -= 0.5 * g * Double(rows) * kInverse[k] }
            }
        default:
            let maps = broadcastMaps[i]!
            for k in 0..<broadcastCounts[i]! {
                let p = elementArguments(maps, a, v, k)
                let r = DistributionMath.elementwise(d, p.0, p.1, p.2, p.3)
                guard r.lp.isFinite else { continue }
                A[o0 + maps[0][k]] += g * r.dy
                if a.count > 1 { A[o1 + maps[1][k]] += g * r.d0 }
                if a.count > 2 { A[o2 + maps[2][k]] += g * r.d1 }
                if a.count > 3 { A[o3 + maps[3][k]] += g * r.d2 }
            }
        }
    }
}
