/// The source of the whole-transition NUTS kernel of one model (`OpenCLCodegen.generateNUTS`).
///
/// One launch runs one NUTS transition of every chain — the twin of `NUTSKernel.transition` in
/// LeapfrogSampling, statement for statement (read that file for the algorithm and its sources:
/// Stan's multinomial NUTS with its extra U-turn checks, built leaf by leaf with numpyro's
/// checkpoints), for a diagonal inverse metric per chain. Each chain builds its own tree: the W
/// chains of a work-item share SIMD lanes, every lane masked by its own state (growing, done),
/// so a lane waits only for the other lanes of its work-item, never for the batch's deepest tree.
///
/// Per lane the kernel keeps the current point z = (q, p, g, lp), the trajectory's two ends, the
/// proposal and the sample, ρ and the subtree's momentum sum, and four checkpoint arrays of
/// `maxDepth` × d (p and the momentum sum at a subtree's start, and at a left half's end).
/// Velocities M⁻¹p are recomputed where the host stores them (the same products, so the same
/// numbers). Checkpoint levels differ between lanes: stores and checks loop over every level,
/// masked to the lanes whose level it is, and skip the levels no lane is at (a store touched
/// every level's 2d values at every even leaf: 28 % of the BNN's 4-chain NUTS run).
///
/// Random numbers as the host's: momentum (purpose 1), direction of doubling j (purpose 3,
/// element j, forward when u > 0.5), the multinomial choice at leaf k of the trajectory
/// (purpose 4, element k), the top-level acceptance of doubling j (purpose 5, element j).
///
/// Kernel arguments: `position`, `gradient`, `log_density` (read; overwritten with the sample),
/// `step_size`, `inverse_metric`, outputs `accept_prob` (Stan's accept_stat), `energy`, `taken`
/// (leapfrog steps), `depth`, `flags` (1 moved + 2 divergent), then `key0`, `key1`,
/// `iteration`, `chain_offset` (as `TrajectorySource`'s), `slot`, the data arrays and `stride`.
/// `step_size` and the five outputs are at row `slot`, as in `TrajectorySource`.
struct NUTSSource {
    static let kernelName = "nuts_transition"
    /// Philox purposes (`RandomPurpose` raw values in LeapfrogRandom).
    static let momentumPurpose = 1, directionPurpose = 3, multinomialPurpose = 4, acceptancePurpose = 5

    let dimension: Int
    let maxDepth: Int
    let coefficients: [Double]
    let densityFunction: String
    let dataArguments: [String]
    var shape: LaunchShape = .chainPerWorkItem

    var source: String {
        let d = max(1, dimension), levels = max(1, maxDepth)
        let threshold = Generator.literal(TrajectorySource.divergenceThreshold)
        var t = TransitionText(dimension: dimension, dataArguments: dataArguments, shape: shape)
        t.emit("// the launch's slot in streamed ring buffers (0 for a single transition)")
        t.emit("step_size += slot * stride;")
        t.emit("accept_prob += slot * stride; energy += slot * stride; taken += slot * stride; depth += slot * stride; "
               + "flags += slot * stride;")
        t.findChain()
        t.emit("realw q[\(d)], p[\(d)], g[\(d)], minv[\(d)], gn[\(d)];")
        t.emit("realw mq[\(d)], mp[\(d)], mg[\(d)], xq[\(d)], xp[\(d)], xg[\(d)];")
        t.emit("realw prq[\(d)], prg[\(d)], sq[\(d)], sg[\(d)], rho[\(d)], sub[\(d)];")
        t.emit("realw ckP[\(levels * d)], ckS[\(levels * d)], lfP[\(levels * d)], lfS[\(levels * d)];")
        t.loadState()
        t.drawMomentum(purpose: Self.momentumPurpose)
        t.kinetic("k0")
        t.emit("const realw h0 = -lp + k0;")
        t.emit("const realw eps = LOADW(step_size + c);")
        t.emit("realw mlp = lp, xlp = lp, prlp = lp, slp = lp;")
        t.each("{ mq[j] = q[j]; mp[j] = p[j]; mg[j] = g[j]; xq[j] = q[j]; xp[j] = p[j]; xg[j] = g[j]; }")
        t.each("{ prq[j] = q[j]; prg[j] = g[j]; sq[j] = q[j]; sg[j] = g[j]; rho[j] = p[j]; sub[j] = SPLAT(0.0); }")
        t.emit("realw sample_energy = h0, proposal_energy = SPLAT(0.0);")
        t.emit("realw depth_c = SPLAT(0.0), span = SPLAT(1.0), leaf = SPLAT(0.0), leapfrogs = SPLAT(0.0);")
        t.emit("realw lsw = SPLAT(0.0), lsw_sub = SPLAT(-INFINITY), sum_metro = SPLAT(0.0), direction = SPLAT(1.0);")
        t.emit("maskw divergent = !isfinite(h0);")
        t.emit(maxDepth == 0 ? "maskw done = isequal(h0, h0) | divergent;" : "maskw done = divergent;")
        t.emit("maskw moved = isnotequal(h0, h0) & isequal(h0, h0);")
        startDoubling(&t, mask: "!done")

        t.block("for (int step = 0; step < \(1 << levels); ++step)") { t in
            t.emit("const maskw active = !done;")
            t.emit("if (!LF_ANY(active)) break;")
            t.emit("const realw epsd = direction * eps;")
            t.integratorStep(coefficients: coefficients, on: "active", eps: "epsd")
            t.kinetic("kin")
            t.emit("realw h = -lp + kin;")
            t.emit("h = LF_SELECT(h, SPLAT(INFINITY), isnan(h));")
            t.emit("leapfrogs = LF_SELECT(leapfrogs, leapfrogs + 1.0, active);")
            t.emit("divergent = divergent | (active & (isgreater(h - h0, SPLAT(\(threshold))) | !isfinite(h)));")
            t.emit("const realw logw = h0 - h;")
            t.emit("sum_metro = LF_SELECT(sum_metro, sum_metro + LF_SELECT(exp(logw), SPLAT(1.0), isgreater(logw, SPLAT(0.0))), active);")
            t.each("sub[j] = LF_SELECT(sub[j], sub[j] + p[j], active);")
            t.emit("const realw merged = lf_log_add_exp(lsw_sub, logw);")
            t.emit("realw u_leaf;")
            t.uniform("u_leaf", purpose: Self.multinomialPurpose, index: "leapfrogs - 1.0")
            t.emit("const maskw take = active & !divergent & (isequal(leaf, SPLAT(0.0)) | isless(u_leaf, exp(logw - merged)));")
            t.emit("lsw_sub = LF_SELECT(lsw_sub, merged, active);")
            t.each("{ prq[j] = LF_SELECT(prq[j], q[j], take); prg[j] = LF_SELECT(prg[j], g[j], take); }")
            t.emit("prlp = LF_SELECT(prlp, lp, take);")
            t.emit("proposal_energy = LF_SELECT(proposal_energy, h, take);")

            t.emit("// U-turn checks inside the subtree (numpyro's checkpoints, Stan's extra checks)")
            t.emit("maskw valid = active & !divergent;")
            t.emit("const uintw nl = CONVERT_UINTW(leaf);")
            t.emit("const realw idx_max = CONVERT_REALW(popcount(nl >> 1));")
            t.emit("const realw idx_min = idx_max - CONVERT_REALW(popcount((~nl & (nl + 1u)) - 1u)) + 1.0;")
            t.emit("const maskw even = isequal(leaf - 2.0 * floor(0.5 * leaf), SPLAT(0.0));")
            t.emit("const maskw store_start = valid & even;")
            t.block("if (LF_ANY(store_start)) for (int l = 0; l < \(levels); ++l)") { t in
                t.emit("const maskw at = store_start & isequal(idx_max, SPLAT((real)l));")
                t.emit("if (!LF_ANY(at)) continue;")
                t.each("{ ckP[l * \(d) + j] = LF_SELECT(ckP[l * \(d) + j], p[j], at); ckS[l * \(d) + j] = LF_SELECT(ckS[l * \(d) + j], sub[j], at); }")
            }
            t.emit("const maskw odd = valid & !even;")
            t.block("if (LF_ANY(odd)) for (int l = \(levels - 1); l >= 0; --l)") { t in
                t.emit("const int o = l * \(d);")
                t.emit("const maskw at = odd & valid & islessequal(SPLAT((real)l), idx_max) & isgreaterequal(SPLAT((real)l), idx_min);")
                t.emit("if (!LF_ANY(at)) continue;")
                t.emit("// the whole subtree [a, leaf]")
                t.emit("realw x, y;")
                t.sums(["x", "y"], ["(minv[j] * ckP[o + j]) * r", "(minv[j] * p[j]) * r"],
                       setup: "const realw r = sub[j] - ckS[o + j] + ckP[o + j];")
                t.emit("valid = valid & (!at | (isgreater(x, SPLAT(0.0)) & isgreater(y, SPLAT(0.0))));")
                t.block("if (l < \(levels - 1))") { t in
                    t.emit("const int r0 = (l + 1) * \(d);")
                    t.emit("const maskw left = at & valid & isless(SPLAT((real)l), idx_max);")
                    t.emit("// (i) the left half and the first point of the right half")
                    t.sums(["x", "y"], ["(minv[j] * ckP[o + j]) * r", "(minv[j] * ckP[r0 + j]) * r"],
                           setup: "const realw r = ckS[r0 + j] - ckS[o + j] + ckP[o + j];")
                    t.emit("valid = valid & (!left | (isgreater(x, SPLAT(0.0)) & isgreater(y, SPLAT(0.0))));")
                    t.emit("const maskw right = left & valid;")
                    t.emit("// (ii) the last point of the left half and the right half")
                    t.sums(["x", "y"], ["(minv[j] * lfP[o + j]) * r", "(minv[j] * p[j]) * r"],
                           setup: "const realw r = sub[j] - lfS[o + j] + lfP[o + j];")
                    t.emit("valid = valid & (!right | (isgreater(x, SPLAT(0.0)) & isgreater(y, SPLAT(0.0))));")
                }
            }
            t.emit("const maskw store_left = odd & valid;")
            t.block("if (LF_ANY(store_left)) for (int l = 0; l < \(levels); ++l)") { t in
                t.emit("const maskw at = store_left & isequal(idx_min, SPLAT((real)l));")
                t.emit("if (!LF_ANY(at)) continue;")
                t.each("{ lfP[l * \(d) + j] = LF_SELECT(lfP[l * \(d) + j], p[j], at); lfS[l * \(d) + j] = LF_SELECT(lfS[l * \(d) + j], sub[j], at); }")
            }
            t.emit("leaf = LF_SELECT(leaf, leaf + 1.0, active);")
            t.emit("done = done | (active & !valid);")

            t.emit("// a completed doubling: biased progressive sampling and the top-level checks")
            t.emit("const maskw complete = active & valid & isequal(leaf, span);")
            t.block("if (LF_ANY(complete))") { t in
                t.emit("depth_c = LF_SELECT(depth_c, depth_c + 1.0, complete);")
                t.emit("span = LF_SELECT(span, 2.0 * span, complete);")
                t.emit("realw u_top;")
                t.uniform("u_top", purpose: Self.acceptancePurpose, index: "depth_c - 1.0")
                t.emit("const maskw accept = complete & (isgreater(lsw_sub, lsw) | isless(u_top, exp(lsw_sub - lsw)));")
                t.each("{ sq[j] = LF_SELECT(sq[j], prq[j], accept); sg[j] = LF_SELECT(sg[j], prg[j], accept); }")
                t.emit("slp = LF_SELECT(slp, prlp, accept);")
                t.emit("sample_energy = LF_SELECT(sample_energy, proposal_energy, accept);")
                t.emit("moved = moved | accept;")
                t.emit("lsw = LF_SELECT(lsw, lf_log_add_exp(lsw, lsw_sub), complete);")
                t.emit("const maskw fwd = isgreater(direction, SPLAT(0.0));")
                t.emit("realw x, y;")
                t.emit("// ρ_T + p at the new subtree's first leaf, between the far end F and that leaf")
                t.sums(["x", "y"], ["(minv[j] * LF_SELECT(xp[j], mp[j], fwd)) * r", "(minv[j] * ckP[j]) * r"],
                       setup: "const realw r = rho[j] + ckP[j];")
                t.emit("maskw ok = isgreater(x, SPLAT(0.0)) & isgreater(y, SPLAT(0.0));")
                t.emit("// ρ_N + p at the near end E, between E and the new subtree's last leaf")
                t.sums(["x", "y"], ["(minv[j] * pe) * r", "(minv[j] * p[j]) * r"],
                       setup: "const realw pe = LF_SELECT(mp[j], xp[j], fwd); const realw r = sub[j] + pe;")
                t.emit("ok = ok & isgreater(x, SPLAT(0.0)) & isgreater(y, SPLAT(0.0));")
                t.each("rho[j] = LF_SELECT(rho[j], rho[j] + sub[j], complete);")
                t.emit("const maskw to_plus = complete & fwd, to_minus = complete & !fwd;")
                t.each("{ xq[j] = LF_SELECT(xq[j], q[j], to_plus); xp[j] = LF_SELECT(xp[j], p[j], to_plus); xg[j] = LF_SELECT(xg[j], g[j], to_plus); }")
                t.each("{ mq[j] = LF_SELECT(mq[j], q[j], to_minus); mp[j] = LF_SELECT(mp[j], p[j], to_minus); mg[j] = LF_SELECT(mg[j], g[j], to_minus); }")
                t.emit("xlp = LF_SELECT(xlp, lp, to_plus); mlp = LF_SELECT(mlp, lp, to_minus);")
                t.emit("// the whole trajectory")
                t.sums(["x", "y"], ["(minv[j] * mp[j]) * rho[j]", "(minv[j] * xp[j]) * rho[j]"])
                t.emit("ok = ok & isgreater(x, SPLAT(0.0)) & isgreater(y, SPLAT(0.0));")
                t.emit("done = done | (complete & (!ok | isgreaterequal(depth_c, SPLAT(\(Double(maxDepth))))));")
                startDoubling(&t, mask: "complete & !done")
            }
        }
        t.stores { t in
            t.emit("STOREW(LF_SELECT(SPLAT(0.0), sum_metro / leapfrogs, isgreater(leapfrogs, SPLAT(0.0))), accept_prob + c);")
            t.emit("STOREW(sample_energy, energy + c);")
            t.emit("STOREW(leapfrogs, taken + c);")
            t.emit("STOREW(depth_c, depth + c);")
            t.emit("STOREW(LF_SELECT(SPLAT(0.0), SPLAT(1.0), moved) + LF_SELECT(SPLAT(0.0), SPLAT(2.0), divergent), flags + c);")
            t.each("{ STOREW(sq[j], position + j * stride + c); STOREW(sg[j], gradient + j * stride + c); }")
            t.emit("STOREW(slp, log_density + c);")
        }

        let arguments = ["__global real* position", "__global real* gradient", "__global real* log_density",
                         "__global const real* step_size", "__global const real* inverse_metric",
                         "__global real* accept_prob", "__global real* energy", "__global real* taken", "__global real* depth",
                         "__global real* flags", "const uint key0", "const uint key1", "const uint iteration",
                         "const uint chain_offset", "const int slot"]
            + dataArguments.map { "__global const real* d_\($0)" } + ["const int stride"]
        let comment = "// Generated by OpenCLCodegen: whole NUTS transitions, \(dimension) unconstrained parameters, "
            + "max depth \(maxDepth),\n// integrator coefficients \(coefficients.map { Generator.literal($0) }.joined(separator: ", ")).\n"
            + Self.logAddExp
        return t.kernel(name: Self.kernelName, comment: comment, densityFunction: densityFunction, arguments: arguments)
    }

    /// log(eᵃ + eᵇ), with −∞ handled as `NUTSKernel.logAddExp`.
    static let logAddExp = """
        inline realw lf_log_add_exp(const realw a, const realw b) {
            const realw m = fmax(a, b);
            realw r = m + log(exp(a - m) + exp(b - m));
            r = LF_SELECT(r, b, isequal(a, SPLAT(-INFINITY)));
            return LF_SELECT(r, a, isequal(b, SPLAT(-INFINITY)) & !isequal(a, SPLAT(-INFINITY)));
        }
        """

    /// Starts a doubling in the lanes of `mask`: its direction from the stream, the current point
    /// from that end, the subtree's leaf count, weight and momentum sum reset.
    private func startDoubling(_ t: inout TransitionText, mask: String) {
        t.block("") { t in
            t.emit("const maskw start = \(mask);")
            t.emit("realw u_dir;")
            t.uniform("u_dir", purpose: Self.directionPurpose, index: "depth_c")
            t.emit("const maskw fwd = isgreater(u_dir, SPLAT(0.5));")
            t.emit("direction = LF_SELECT(direction, LF_SELECT(SPLAT(-1.0), SPLAT(1.0), fwd), start);")
            t.each("{ q[j] = LF_SELECT(q[j], LF_SELECT(mq[j], xq[j], fwd), start); p[j] = LF_SELECT(p[j], LF_SELECT(mp[j], xp[j], fwd), start); g[j] = LF_SELECT(g[j], LF_SELECT(mg[j], xg[j], fwd), start); sub[j] = LF_SELECT(sub[j], SPLAT(0.0), start); }")
            t.emit("lp = LF_SELECT(lp, LF_SELECT(mlp, xlp, fwd), start);")
            t.emit("leaf = LF_SELECT(leaf, SPLAT(0.0), start);")
            t.emit("lsw_sub = LF_SELECT(lsw_sub, SPLAT(-INFINITY), start);")
        }
    }
}
