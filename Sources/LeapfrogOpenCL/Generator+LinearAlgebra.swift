import LeapfrogCore
import LeapfrogData
import LeapfrogModel

extension Generator {
    struct Matmul { let a: Int, b: Int, rows: Int, cols: Int, inner: Int, aIndex: String, bIndex: String }

    /// The matmul of node `i` on storage shapes (inside a plate the left factor is one row).
    func matmulShape(_ i: Int) throws -> Matmul {
        let (a, b) = (nodes[i].args[0], nodes[i].args[1])
        if rowDependent[b] { throw unsupported("a matmul whose right factor depends on plate rows (node \(i))") }
        var sa = shapes[a]
        if rowDependent[a] { sa = Array(sa.dropFirst()) }      // [N, K] → one row [K]
        let sb = shapes[b]
        let inner = sa.last ?? 1
        let rows = sa.count == 2 ? sa[0] : 1
        let cols = sb.count == 2 ? sb[1] : 1
        let aIndex = sa.count == 2 ? "i * \(inner) + l" : "l"
        let bIndex = sb.count == 2 ? "l * \(cols) + j" : "l"
        return Matmul(a: a, b: b, rows: rows, cols: cols, inner: inner, aIndex: aIndex, bIndex: bIndex)
    }

    /// (n1, n2, dim) of an exp_quad_cov node.
    func expQuadExtents(_ i: Int) -> (Int, Int, Int) {
        let (s1, s2) = (shapes[nodes[i].args[0]], shapes[nodes[i].args[1]])
        return (s1[0], s2[0], s1.count == 2 ? s1[1] : 1)
    }

    /// Emits X = L⁻ᵀ·B for n×m B (array names), by back substitution.
    mutating func emitSolveLowerTransposed(l: Int, n: Int, m: Int, b: String, x: String) {
        block("for (int i = \(n - 1); i >= 0; --i) for (int q = 0; q < \(m); ++q)") { g in
            g.emit("realw s = \(b)[i * \(m) + q];")
            g.emit("for (int k = i + 1; k < \(n); ++k) s -= \(g.value(l, "k * \(n) + i")) * \(x)[k * \(m) + q];")
            g.emit("\(x)[i * \(m) + q] = s / \(g.value(l, "i * \(n) + i"));")
        }
    }

    mutating func emitLinearAlgebraForward(_ i: Int) throws {
        let a = nodes[i].args
        switch nodes[i].op {
        case .expQuadCov:
            let (n1, n2, dim) = expQuadExtents(i)
            emit("const realw alpha\(i) = \(value(a[2], "0")), rho\(i) = \(value(a[3], "0"));")
            block("for (int r = 0; r < \(n1); ++r) for (int q = 0; q < \(n2); ++q)") { g in
                g.emit("realw d2 = SPLAT(0.0);")
                g.emit("for (int k = 0; k < \(dim); ++k) { const realw t = \(g.value(a[0], "r * \(dim) + k")) - \(g.value(a[1], "q * \(dim) + k")); d2 += t * t; }")
                g.emit("v\(i)[r * \(n2) + q] = alpha\(i) * alpha\(i) * exp(-d2 / (2.0 * rho\(i) * rho\(i)));")
            }
        case .addDiagonal:
            let n = shapes[i][0]
            let d = Generator.count(shapes[a[1]]) == 1 ? "0" : "j"
            emit("for (int k = 0; k < \(n * n); ++k) v\(i)[k] = \(value(a[0], "k"));")
            emit("for (int j = 0; j < \(n); ++j) v\(i)[j * \(n) + j] += \(value(a[1], d));")
        case .cholesky:
            let n = shapes[i][0]
            emit("for (int k = 0; k < \(n * n); ++k) v\(i)[k] = SPLAT(0.0);")
            block("for (int j = 0; j < \(n); ++j)") { g in
                g.emit("realw d = \(g.value(a[0], "j * \(n) + j"));")
                g.emit("for (int k = 0; k < j; ++k) d -= v\(i)[j * \(n) + k] * v\(i)[j * \(n) + k];")
                g.emit("const realw ljj = sqrt(d);   // NaN when not positive definite")
                g.emit("v\(i)[j * \(n) + j] = ljj;")
                g.block("for (int r = j + 1; r < \(n); ++r)") { h in
                    h.emit("realw s = \(h.value(a[0], "r * \(n) + j"));")
                    h.emit("for (int k = 0; k < j; ++k) s -= v\(i)[r * \(n) + k] * v\(i)[j * \(n) + k];")
                    h.emit("v\(i)[r * \(n) + j] = s / ljj;")
                }
            }
        case .triangularSolve:
            let sb = shapes[a[1]]
            let (n, m) = (sb[0], sb.count == 2 ? sb[1] : 1)
            block("for (int r = 0; r < \(n); ++r) for (int q = 0; q < \(m); ++q)") { g in
                g.emit("realw s = \(g.value(a[1], "r * \(m) + q"));")
                g.emit("for (int k = 0; k < r; ++k) s -= \(g.value(a[0], "r * \(n) + k")) * v\(i)[k * \(m) + q];")
                g.emit("v\(i)[r * \(m) + q] = s / \(g.value(a[0], "r * \(n) + r"));")
            }
        default: break
        }
    }

    /// Backward passes, as the CPU reference (ReferenceModel+Backward) computes them.
    mutating func emitLinearAlgebraBackward(_ i: Int) throws {
        let a = nodes[i].args
        switch nodes[i].op {
        case .expQuadCov:
            let (n1, n2, dim) = expQuadExtents(i)
            let g1 = adjoint(a[0], "r * \(dim) + k"), g2 = adjoint(a[1], "q * \(dim) + k")
            let ga = adjoint(a[2], "0"), gr = adjoint(a[3], "0")
            emit("realw dalpha\(i) = SPLAT(0.0), drho\(i) = SPLAT(0.0);")
            block("for (int r = 0; r < \(n1); ++r) for (int q = 0; q < \(n2); ++q)") { g in
                g.emit("const realw gk = g\(i)[r * \(n2) + q] * v\(i)[r * \(n2) + q];")
                g.emit("realw d2 = SPLAT(0.0);")
                g.block("for (int k = 0; k < \(dim); ++k)") { h in
                    h.emit("const realw t = \(h.value(a[0], "r * \(dim) + k")) - \(h.value(a[1], "q * \(dim) + k"));")
                    h.emit("d2 += t * t;")
                    if let g1 { h.emit("\(g1) -= gk * t / (rho\(i) * rho\(i));") }
                    if let g2 { h.emit("\(g2) += gk * t / (rho\(i) * rho\(i));") }
                }
                g.emit("dalpha\(i) += 2.0 * gk / alpha\(i);")
                g.emit("drho\(i) += gk * d2 / (rho\(i) * rho\(i) * rho\(i));")
            }
            if let ga { emit("\(ga) += dalpha\(i);") }
            if let gr { emit("\(gr) += drho\(i);") }
        case .addDiagonal:
            let n = shapes[i][0]
            // An input whose adjoint is this node's array (`adjointAliases`) has it already.
            if adjointAliases[a[0]] != i, let g0 = adjoint(a[0], "k") { emit("for (int k = 0; k < \(n * n); ++k) \(g0) += g\(i)[k];") }
            if let g1 = adjoint(a[1], Generator.count(shapes[a[1]]) == 1 ? "0" : "j") {
                emit("for (int j = 0; j < \(n); ++j) \(g1) += g\(i)[j * \(n) + j];")
            }
        case .cholesky where covarianceFactors.contains(i):
            return   // the multivariate normal terms reading L took their adjoint to its input
        case .cholesky:
            // Murray (2016): P = Φ(Lᵀ·L̄) (lower, diagonal halved), S = L⁻ᵀ·P·L⁻¹, Ā += (S + Sᵀ)/2.
            guard let ga = adjoint(a[0], "r * \(shapes[i][0]) + q") else { return }
            let n = shapes[i][0]
            block("") { g in
                g.declareArrays(["p", "t", "st"], count: n * n)
                g.block("for (int r = 0; r < \(n); ++r) for (int q = 0; q < \(n); ++q)") { h in
                    h.emit("realw s = SPLAT(0.0);")
                    h.emit("if (q <= r) for (int k = r; k < \(n); ++k) s += v\(i)[k * \(n) + r] * g\(i)[k * \(n) + q];")
                    h.emit("p[r * \(n) + q] = (r == q) ? 0.5 * s : s;")
                }
                g.emitSolveLowerTransposed(l: i, n: n, m: n, b: "p", x: "t")
                g.emit("for (int r = 0; r < \(n); ++r) for (int q = 0; q < \(n); ++q) p[r * \(n) + q] = t[q * \(n) + r];")
                g.emitSolveLowerTransposed(l: i, n: n, m: n, b: "p", x: "st")
                g.emit("for (int r = 0; r < \(n); ++r) for (int q = 0; q < \(n); ++q) \(ga) += 0.5 * (st[r * \(n) + q] + st[q * \(n) + r]);")
            }
        case .triangularSolve:
            // X = L⁻¹B: B̄ = L⁻ᵀX̄, L̄ = −tril(B̄·Xᵀ).
            let sb = shapes[a[1]]
            let (n, m) = (sb[0], sb.count == 2 ? sb[1] : 1)
            let gl = adjoint(a[0], "r * \(n) + q"), gb = adjoint(a[1], "k")
            if gl == nil && gb == nil { return }
            block("") { g in
                g.declareArrays(["bbar"], count: n * m)
                g.emitSolveLowerTransposed(l: a[0], n: n, m: m, b: "g\(i)", x: "bbar")
                if let gb { g.emit("for (int k = 0; k < \(n * m); ++k) \(gb) += bbar[k];") }
                if let gl {
                    g.block("for (int r = 0; r < \(n); ++r) for (int q = 0; q <= r; ++q)") { h in
                        h.emit("realw s = SPLAT(0.0);")
                        h.emit("for (int k = 0; k < \(m); ++k) s += bbar[r * \(m) + k] * v\(i)[q * \(m) + k];")
                        h.emit("\(gl) -= s;")
                    }
                }
            }
        default: break
        }
    }
}
