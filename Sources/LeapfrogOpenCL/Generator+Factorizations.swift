import LeapfrogCore
import LeapfrogModel

/// The dense factorisations in the kernel, each lane (chain) on its own: `solve`,
/// `log_abs_determinant` and `determinant` through PA = LU with partial pivoting, and
/// `eigenvalues_sym`/`eigenvectors_sym` through cyclic Jacobi, as `LUDecomposition` and
/// `SymmetricEigen` compute them on the host (the CPU reference's twins; parity in
/// `StanOpenCLParityTests.denseLinearAlgebra`).
///
/// The lanes of a work-item pick their own pivots and rotations: a pivot row is a lane value
/// (`pv`: each position's original row, as a real), row exchanges are selects over the candidate
/// rows (O(n) per element, O(n³) in all, as the elimination), the Jacobi sweeps run until no lane
/// has off-diagonal mass left, a rotation a lane does not need being the identity (c = 1, s = 0)
/// there, and the sort of the eigenvalues is a bubble sort of compare-and-selects (stable, as the
/// host's sort by value then position). The forward pass keeps the factors (`lu`, `pv`; `el`,
/// `eq`) for the backward pass.
extension Generator {
    mutating func emitFactorizationForward(_ i: Int) throws {
        let a = nodes[i].args
        let n = shapes[a[0]][0]
        switch nodes[i].op {
        case .solve:
            let sb = shapes[a[1]]
            let m = sb.count == 2 ? sb[1] : 1
            emit("for (int k = 0; k < \(n * m); ++k) v\(i)[k] = \(value(a[1], "k"));")
            emitLU(i, a[0], n, rightHandSide: ("v\(i)", m))
            // U X = L⁻¹PB, by back substitution.
            block("for (int r = \(n - 1); r >= 0; --r) for (int j = 0; j < \(m); ++j)") { g in
                g.emit("realw s = v\(i)[r * \(m) + j];")
                g.emit("for (int k = r + 1; k < \(n); ++k) s -= lu\(i)[r * \(n) + k] * v\(i)[k * \(m) + j];")
                g.emit("v\(i)[r * \(m) + j] = s / lu\(i)[r * \(n) + r];")
            }
        case .logAbsDeterminant:
            emitLU(i, a[0], n, rightHandSide: nil)
            emit("v\(i)[0] = SPLAT(0.0);")
            emit("for (int k = 0; k < \(n); ++k) v\(i)[0] += log(fabs(lu\(i)[k * \(n) + k]));")
        case .determinant:
            emitLU(i, a[0], n, rightHandSide: nil)
            emit("v\(i)[0] = sg\(i);")
            emit("for (int k = 0; k < \(n); ++k) v\(i)[0] *= lu\(i)[k * \(n) + k];")
        case .eigenvaluesSym, .eigenvectorsSym:
            let owner = decomposition(i)
            if owner == i {
                emitJacobi(i, a[0], n)
                if !loops.inRegion(i) { decompositions[a[0]] = i }
            }
            if nodes[i].op == .eigenvaluesSym {
                emit("for (int k = 0; k < \(n); ++k) v\(i)[k] = el\(owner)[k];")
            } else {
                emit("for (int k = 0; k < \(n * n); ++k) v\(i)[k] = eq\(owner)[k];")
            }
        default: break
        }
    }

    /// The eigen node whose `el`/`eq` arrays hold node i's decomposition: an earlier one on the same
    /// matrix outside any loop region (`decompositions`), else i itself.
    func decomposition(_ i: Int) -> Int {
        loops.inRegion(i) ? i : decompositions[nodes[i].args[0]] ?? i
    }

    /// Backward passes, as the CPU reference (ReferenceModel+Backward) computes them.
    mutating func emitFactorizationBackward(_ i: Int) throws {
        let a = nodes[i].args
        let n = shapes[a[0]][0]
        let ga = adjoint(a[0], "r * \(n) + c")
        let e = decomposition(i)
        switch nodes[i].op {
        case .solve:
            // X = A⁻¹B: B̄ = A⁻ᵀX̄, Ā = −B̄·Xᵀ.
            let sb = shapes[a[1]]
            let m = sb.count == 2 ? sb[1] : 1
            let gb = adjoint(a[1], "k")
            if ga == nil && gb == nil { return }
            block("") { g in
                g.declareArrays(["bbar"], count: n * m)
                g.emitSolveTransposed(i, n, m, b: "g\(i)", x: "bbar")
                if let gb { g.emit("for (int k = 0; k < \(n * m); ++k) \(gb) += bbar[k];") }
                if let ga {
                    g.block("for (int r = 0; r < \(n); ++r) for (int c = 0; c < \(n); ++c)") { h in
                        h.emit("realw s = SPLAT(0.0);")
                        h.emit("for (int j = 0; j < \(m); ++j) s += bbar[r * \(m) + j] * v\(i)[c * \(m) + j];")
                        h.emit("\(ga) -= s;")
                    }
                }
            }
        case .logAbsDeterminant, .determinant:
            // Ā = ḡ·A⁻ᵀ, times det A for the determinant.
            guard let ga else { return }
            let times = nodes[i].op == .determinant ? " * v\(i)[0]" : ""
            block("") { g in
                g.declareArrays(["e", "ainv"], count: n * n)
                g.emit("for (int r = 0; r < \(n); ++r) for (int c = 0; c < \(n); ++c) e[r * \(n) + c] = SPLAT(r == c ? 1.0 : 0.0);")
                g.emitSolveTransposed(i, n, n, b: "e", x: "ainv")
                g.emit("const realw scale = g\(i)[0]\(times);")
                g.emit("for (int r = 0; r < \(n); ++r) for (int c = 0; c < \(n); ++c) \(ga) += scale * ainv[r * \(n) + c];")
            }
        case .eigenvaluesSym:
            // Ā = Q·diag(λ̄)·Qᵀ.
            guard let ga else { return }
            block("for (int r = 0; r < \(n); ++r) for (int c = 0; c < \(n); ++c)") { g in
                g.emit("realw s = SPLAT(0.0);")
                g.emit("for (int k = 0; k < \(n); ++k) s += eq\(e)[r * \(n) + k] * g\(i)[k] * eq\(e)[c * \(n) + k];")
                g.emit("\(ga) += s;")
            }
        case .eigenvectorsSym:
            // Ā = sym(Q·(F ∘ QᵀQ̄)·Qᵀ), Fᵢⱼ = 1/(λⱼ − λᵢ), Fᵢᵢ = 0.
            guard let ga else { return }
            block("") { g in
                g.declareArrays(["inner", "left"], count: n * n)
                g.block("for (int r = 0; r < \(n); ++r) for (int c = 0; c < \(n); ++c)") { h in
                    h.emit("realw s = SPLAT(0.0);")
                    h.emit("for (int k = 0; k < \(n); ++k) s += eq\(e)[k * \(n) + r] * g\(i)[k * \(n) + c];")
                    h.emit("inner[r * \(n) + c] = (r == c) ? SPLAT(0.0) : s / (el\(e)[c] - el\(e)[r]);")
                }
                g.block("for (int r = 0; r < \(n); ++r) for (int c = 0; c < \(n); ++c)") { h in
                    h.emit("realw s = SPLAT(0.0);")
                    h.emit("for (int k = 0; k < \(n); ++k) s += eq\(e)[r * \(n) + k] * inner[k * \(n) + c];")
                    h.emit("left[r * \(n) + c] = s;")
                }
                g.block("for (int r = 0; r < \(n); ++r) for (int c = 0; c < \(n); ++c)") { h in
                    h.emit("realw s = SPLAT(0.0), t = SPLAT(0.0);")
                    h.emit("for (int k = 0; k < \(n); ++k) { s += left[r * \(n) + k] * eq\(e)[c * \(n) + k]; t += left[c * \(n) + k] * eq\(e)[r * \(n) + k]; }")
                    h.emit("\(ga) += 0.5 * (s + t);")
                }
            }
        default: break
        }
    }

    /// PA = LU of node `a` (n × n) into `lu<i>` (L's multipliers below the diagonal, U on and
    /// above), `pv<i>` (each position's original row) and `sg<i>` (det P), each lane pivoting on
    /// its own; the rows of `rightHandSide` (n × m, already B) are exchanged and eliminated alongside,
    /// leaving L⁻¹PB.
    mutating func emitLU(_ i: Int, _ a: Int, _ n: Int, rightHandSide: (name: String, columns: Int)?) {
        declareArrays(["lu\(i)"], count: n * n, comment: "LU factors of node \(a)")
        declareArrays(["pv\(i)"], count: n, comment: "pivot rows")
        emit("realw sg\(i) = SPLAT(1.0);")
        emit("for (int k = 0; k < \(n * n); ++k) lu\(i)[k] = \(value(a, "k"));")
        emit("for (int k = 0; k < \(n); ++k) pv\(i)[k] = SPLAT((real)k);")
        block("for (int c = 0; c < \(n); ++c)") { g in
            g.emit("realw best = fabs(lu\(i)[c * \(n) + c]), p = SPLAT((real)c);")
            g.block("for (int r = c + 1; r < \(n); ++r)") { h in
                h.emit("const realw t = fabs(lu\(i)[r * \(n) + c]);")
                h.emit("const maskw larger = t > best;")
                h.emit("best = LF_SELECT(best, t, larger);")
                h.emit("p = LF_SELECT(p, SPLAT((real)r), larger);")
            }
            g.block("for (int r = c + 1; r < \(n); ++r)") { h in
                h.emit("const maskw swap = p == SPLAT((real)r);")
                h.emit("if (!LF_ANY(swap)) continue;")
                h.emit("for (int k = 0; k < \(n); ++k) { const realw x = lu\(i)[c * \(n) + k], y = lu\(i)[r * \(n) + k]; lu\(i)[c * \(n) + k] = LF_SELECT(x, y, swap); lu\(i)[r * \(n) + k] = LF_SELECT(y, x, swap); }")
                h.emit("{ const realw x = pv\(i)[c], y = pv\(i)[r]; pv\(i)[c] = LF_SELECT(x, y, swap); pv\(i)[r] = LF_SELECT(y, x, swap); }")
                if let (b, m) = rightHandSide {
                    h.emit("for (int j = 0; j < \(m); ++j) { const realw x = \(b)[c * \(m) + j], y = \(b)[r * \(m) + j]; \(b)[c * \(m) + j] = LF_SELECT(x, y, swap); \(b)[r * \(m) + j] = LF_SELECT(y, x, swap); }")
                }
                h.emit("sg\(i) = LF_SELECT(sg\(i), -sg\(i), swap);")
            }
            g.block("for (int r = c + 1; r < \(n); ++r)") { h in
                h.emit("const realw f = lu\(i)[r * \(n) + c] / lu\(i)[c * \(n) + c];")
                h.emit("lu\(i)[r * \(n) + c] = f;")
                h.emit("for (int k = c + 1; k < \(n); ++k) lu\(i)[r * \(n) + k] -= f * lu\(i)[c * \(n) + k];")
                if let (b, m) = rightHandSide { h.emit("for (int j = 0; j < \(m); ++j) \(b)[r * \(m) + j] -= f * \(b)[c * \(m) + j];") }
            }
        }
    }

    /// X = A⁻ᵀB = Pᵀ L⁻ᵀ U⁻ᵀ B from node i's factors, for n × m arrays `b` and `x`: Uᵀz = B
    /// (forward), Lᵀw = z (back, in place), then x[pv[r]] = w[r] gathered lane by lane.
    mutating func emitSolveTransposed(_ i: Int, _ n: Int, _ m: Int, b: String, x: String) {
        block("") { g in
            g.declareArrays(["z"], count: n * m)
            g.block("for (int r = 0; r < \(n); ++r) for (int j = 0; j < \(m); ++j)") { h in
                h.emit("realw s = \(b)[r * \(m) + j];")
                h.emit("for (int k = 0; k < r; ++k) s -= lu\(i)[k * \(n) + r] * z[k * \(m) + j];")
                h.emit("z[r * \(m) + j] = s / lu\(i)[r * \(n) + r];")
            }
            g.block("for (int r = \(n - 1); r >= 0; --r) for (int j = 0; j < \(m); ++j)") { h in
                h.emit("realw s = z[r * \(m) + j];")
                h.emit("for (int k = r + 1; k < \(n); ++k) s -= lu\(i)[k * \(n) + r] * z[k * \(m) + j];")
                h.emit("z[r * \(m) + j] = s;")
            }
            g.block("for (int s = 0; s < \(n); ++s) for (int j = 0; j < \(m); ++j)") { h in
                h.emit("realw t = SPLAT(0.0);")
                h.emit("for (int r = 0; r < \(n); ++r) t = LF_SELECT(t, z[r * \(m) + j], pv\(i)[r] == SPLAT((real)s));")
                h.emit("\(x)[s * \(m) + j] = t;")
            }
        }
    }

    /// `eps`, the machine epsilon of the program's precision.
    mutating func emitEpsilon() {
        emit("#if REAL_DOUBLE")
        emit("const real eps = DBL_EPSILON;")
        emit("#else")
        emit("const real eps = FLT_EPSILON;")
        emit("#endif")
    }

    /// The eigendecomposition of node `a` (n × n, its symmetric part) into `el<i>` (values,
    /// ascending) and `eq<i>` (unit vectors as columns, each's largest element positive), NaN in
    /// the lanes where `a` is asymmetric beyond Stan's 1e-8 or not finite.
    mutating func emitJacobi(_ i: Int, _ a: Int, _ n: Int) {
        declareArrays(["eq\(i)"], count: n * n, comment: "eigenvectors of node \(a)")
        declareArrays(["el\(i)"], count: n, comment: "eigenvalues")
        block("") { g in
            g.declareArrays(["em"], count: n * n)
            g.emit("maskw bad = (maskw)(0);")
            g.block("for (int r = 0; r < \(n); ++r) for (int c = 0; c < \(n); ++c)") { h in
                h.emit("const realw x = \(h.value(a, "r * \(n) + c")), y = \(h.value(a, "c * \(n) + r"));")
                h.emit("em[r * \(n) + c] = 0.5 * (x + y);")
                h.emit("eq\(i)[r * \(n) + c] = SPLAT(r == c ? 1.0 : 0.0);")
                h.emit("bad |= !(fabs(x - y) <= SPLAT(\(Generator.literal(SymmetricEigen.symmetryTolerance)))) | !isfinite(x);")
            }
            g.emitEpsilon()
            g.emit("const real eps2 = eps * eps;")
            g.block("for (int sweep = 0; sweep < 60; ++sweep)") { h in
                h.emit("realw off = SPLAT(0.0), diagonal = SPLAT(0.0);")
                h.emit("for (int r = 0; r < \(n); ++r) { diagonal += em[r * \(n) + r] * em[r * \(n) + r]; for (int c = 0; c < r; ++c) off += em[r * \(n) + c] * em[r * \(n) + c]; }")
                h.emit("if (!LF_ANY(off > eps2 * diagonal)) break;")
                h.block("for (int p = 0; p < \(n); ++p) for (int r = p + 1; r < \(n); ++r)") { k in
                    k.emit("const realw apr = em[p * \(n) + r], app = em[p * \(n) + p], arr = em[r * \(n) + r];")
                    k.emit("const maskw negligible = (maskw)(sweep > 3 ? -1 : 0) & (fabs(app) + 100.0 * fabs(apr) == fabs(app)) & (fabs(arr) + 100.0 * fabs(apr) == fabs(arr));")
                    k.emit("const maskw keep = (apr == SPLAT(0.0)) | negligible;")
                    k.emit("if (!LF_ANY(LF_SELECT((maskw)(-1), (maskw)(0), keep))) { em[p * \(n) + r] = SPLAT(0.0); em[r * \(n) + p] = SPLAT(0.0); continue; }")
                    k.emit("const realw theta = (arr - app) / (2.0 * apr);")
                    k.emit("const realw t = LF_SELECT(SPLAT(-1.0), SPLAT(1.0), theta >= SPLAT(0.0)) / (fabs(theta) + sqrt(theta * theta + 1.0));")
                    k.emit("const realw cs = LF_SELECT(1.0 / sqrt(t * t + 1.0), SPLAT(1.0), keep);")
                    k.emit("const realw sn = LF_SELECT(t * cs, SPLAT(0.0), keep);")
                    k.emit("for (int q = 0; q < \(n); ++q) { const realw x = em[q * \(n) + p], y = em[q * \(n) + r]; em[q * \(n) + p] = cs * x - sn * y; em[q * \(n) + r] = sn * x + cs * y; }")
                    k.emit("for (int q = 0; q < \(n); ++q) { const realw x = em[p * \(n) + q], y = em[r * \(n) + q]; em[p * \(n) + q] = cs * x - sn * y; em[r * \(n) + q] = sn * x + cs * y; }")
                    k.emit("em[p * \(n) + r] = SPLAT(0.0); em[r * \(n) + p] = SPLAT(0.0);")
                    k.emit("for (int q = 0; q < \(n); ++q) { const realw x = eq\(i)[q * \(n) + p], y = eq\(i)[q * \(n) + r]; eq\(i)[q * \(n) + p] = cs * x - sn * y; eq\(i)[q * \(n) + r] = sn * x + cs * y; }")
                }
            }
            g.emit("for (int k = 0; k < \(n); ++k) el\(i)[k] = em[k * \(n) + k];")
            // Ascending, stable: a bubble sort of compare-and-selects, columns of Q alongside.
            g.block("for (int pass = 0; pass < \(n - 1); ++pass) for (int k = 0; k < \(n - 1) - pass; ++k)") { h in
                h.emit("const maskw swap = el\(i)[k] > el\(i)[k + 1];")
                h.emit("if (!LF_ANY(swap)) continue;")
                h.emit("{ const realw x = el\(i)[k], y = el\(i)[k + 1]; el\(i)[k] = LF_SELECT(x, y, swap); el\(i)[k + 1] = LF_SELECT(y, x, swap); }")
                h.emit("for (int q = 0; q < \(n); ++q) { const realw x = eq\(i)[q * \(n) + k], y = eq\(i)[q * \(n) + k + 1]; eq\(i)[q * \(n) + k] = LF_SELECT(x, y, swap); eq\(i)[q * \(n) + k + 1] = LF_SELECT(y, x, swap); }")
            }
            // Each column's largest-magnitude element (the first of equals) made positive.
            g.block("for (int k = 0; k < \(n); ++k)") { h in
                h.emit("realw best = fabs(eq\(i)[k]), lead = eq\(i)[k];")
                h.emit("for (int q = 1; q < \(n); ++q) { const maskw larger = fabs(eq\(i)[q * \(n) + k]) > best; best = LF_SELECT(best, fabs(eq\(i)[q * \(n) + k]), larger); lead = LF_SELECT(lead, eq\(i)[q * \(n) + k], larger); }")
                h.emit("const realw sign = LF_SELECT(SPLAT(1.0), SPLAT(-1.0), lead < SPLAT(0.0));")
                h.emit("for (int q = 0; q < \(n); ++q) eq\(i)[q * \(n) + k] = LF_SELECT(sign * eq\(i)[q * \(n) + k], SPLAT(NAN), bad);")
                h.emit("el\(i)[k] = LF_SELECT(el\(i)[k], SPLAT(NAN), bad);")
            }
        }
    }
}
