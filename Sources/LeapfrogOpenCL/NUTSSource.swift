/// The source of the whole-transition NUTS kernel of one model (`OpenCLCodegen.generateNUTS`).
///
/// One launch runs `count` consecutive NUTS transitions of every chain — each the twin of
/// `NUTSKernel.transition` in LeapfrogSampling, statement for statement (read that file for the
/// algorithm and its sources: Stan's multinomial NUTS with its extra U-turn checks, built leaf by
/// leaf with numpyro's checkpoints), for a diagonal inverse metric per chain. Each chain builds its
/// own tree: the W chains of a work-item share SIMD lanes, every lane masked by its own state
/// (growing, done), so a lane waits only for the other lanes of its work-item, never for the
/// batch's deepest tree (with the rows in lanes a work-item holds one chain, and waits for none).
///
/// Chained transitions: a lane whose tree has ended stores that transition's outputs, takes its
/// sample as the next start and begins its next transition at the next leaf, while the other
/// lanes go on with their trees (program-counter batching in its simplest form: every lane runs
/// the same loop body, one leaf per iteration). The lanes of a work-item then wait for each other
/// once per launch, at the longest sum of `count` trees, instead of once per transition at the
/// longest tree. A lane whose tree ended waits, though, until `quorum` lanes of its work-item
/// wait (or every lane with transitions left), and they start together: lanes started one by
/// one sit at different leaves of different trees, and the kernel's own code — the momentum draw
/// and resets whenever any lane starts, the checkpoint stores and U-turn checks at every lane's
/// level — then runs far more often than the lanes' waiting costs (`OpenCLTrajectories.startQuorum`;
/// the host counts the waiting with the same rule, `DeviceTransitionExecutor.chainedIterations`).
/// The loop's bound allows each transition its tree and as long a wait. Sampling's streamed
/// groups run as one launch (`OpenCLTrajectories.enqueue`), and
/// so do warmup's groups when each chain adapts its own step size (below); a shared step size
/// adapts on the host between transitions, one per launch (count 1). Lane l's
/// transition t is the launch's iteration + t, with the step sizes of row slot + t and its outputs
/// written at that row; when `kept_slot[slot + t]` ≥ 0 its sample (positions, then log density)
/// goes to that slot of `kept`, ((d + 1)·stride values per slot). What a lane computes does not
/// depend on its neighbours, so a chained launch makes the draws of `count` single ones.
///
/// Per lane the kernel keeps the current point z = (q, p, g, lp), the trajectory's two ends, the
/// proposal and the sample, ρ and the subtree's momentum sum, and four checkpoint arrays of
/// `maxDepth` × d (p and the momentum sum at a subtree's start, and at a left half's end).
/// Velocities M⁻¹p are recomputed where the host stores them (the same products, so the same
/// numbers). Checkpoint levels differ between lanes: stores and checks loop over every level,
/// masked to the lanes whose level it is, and skip the levels no lane is at (a store touched
/// every level's 2d values at every even leaf: 28 % of the BNN's 4-chain NUTS run).
///
/// Warmup groups (`adapt` ≠ 0) chain too: each lane adapts its own step size by dual averaging
/// after every transition (`StepSizeAveraging`, the twin of `DualAveraging.update`), from the
/// state in `averaging` (rows t, s̄, μ and the next step size ε of `stride`, then δ, γ, t₀), and
/// stores t, s̄ and ε back at the end, so the next group continues where this one stopped: the
/// step sizes a chain uses then do not depend on where groups end (which is timed), and a run is
/// reproducible in f32 too. The host replays the group's acceptance statistics through its own
/// dual averaging (in f64), which sampling's step size comes from. Each
/// transition's sample goes to the kept slot of its row, where the warmup's reductions read it
/// (`WarmupReducer.enqueueKept`).
///
/// Random numbers as the host's: momentum (purpose 1), direction of doubling j (purpose 3,
/// element j, forward when u > 0.5), the multinomial choice at leaf k of the trajectory
/// (purpose 4, element k), the top-level acceptance of doubling j (purpose 5, element j).
///
/// Kernel arguments: `position`, `gradient`, `log_density` (read; overwritten with the last
/// sample), `step_size`, `inverse_metric`, outputs `accept_prob` (Stan's accept_stat), `energy`,
/// `taken` (leapfrog steps), `depth`, `flags` (1 moved + 2 divergent), `kept`, `kept_slot`,
/// `averaging`, then `key0`, `key1`, `iteration`, `chain_offset` (as `TrajectorySource`'s), `slot`,
/// `count`, `adapt`, `quorum`, `chains` (the launch's chains: the lanes past them, which pad the last
/// work-item, start finished, so they neither hold it nor count towards its quorum), the data
/// arrays and `stride`. `step_size` and the five outputs of transition t are at row slot + t.
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
        t.iterationWord = "((uintt)iteration + CONVERT_UINTT(tl))"
        t.emit("// the launch's first slot in streamed ring buffers (0 for a single transition)")
        t.emit("step_size += slot * stride;")
        t.emit("accept_prob += slot * stride; energy += slot * stride; taken += slot * stride; depth += slot * stride; "
               + "flags += slot * stride; kept_slot += slot;")
        t.findChain()
        t.emit("realt q[\(d)], p[\(d)], g[\(d)], minv[\(d)], gn[\(d)];")
        t.emit("realt mq[\(d)], mp[\(d)], mg[\(d)], xq[\(d)], xp[\(d)], xg[\(d)];")
        t.emit("realt prq[\(d)], prg[\(d)], sq[\(d)], sg[\(d)], rho[\(d)], sub[\(d)];")
        t.emit("realt ckP[\(levels * d)], ckS[\(levels * d)], lfP[\(levels * d)], lfS[\(levels * d)];")
        t.loadState()
        t.emit("// warmup groups (`adapt`): each lane's dual averaging (`StepSizeAveraging`: t, s-bar, mu, then the next step size)")
        t.emit("realt da_t = SPLATT(0.0), da_s = da_t, da_mu = da_t, da_eps = da_t;")
        t.emit("real da_target = 0.0, da_gamma = 1.0, da_t0 = 0.0;")
        t.block("if (adapt)") { t in
            t.emit("da_t = LOADT(averaging + c); da_s = LOADT(averaging + stride + c); da_mu = LOADT(averaging + 2 * stride + c);")
            t.emit("da_eps = LOADT(averaging + 3 * stride + c);")
            t.emit("da_target = averaging[4 * stride]; da_gamma = averaging[4 * stride + 1]; da_t0 = averaging[4 * stride + 2];")
        }
        t.emit("// tl: the transitions this lane has ended; fresh: the lanes that start one; finished: the lanes that ran `count`")
        t.emit("realt tl = SPLATT(0.0);")
        t.emit("// the padding lanes of the last work-item (c + lane ≥ chains) are finished from the start")
        t.emit("maskt finished = isgreaterequal(CONVERT_REALT((uintt)(uint)c + LF_LANEST), SPLATT((real)chains)), fresh = !finished;")
        t.emit("// the tree's state, zero until the fresh block below starts each lane's transition")
        t.emit("realt h0 = SPLATT(0.0), eps = h0, mlp = h0, xlp = h0, prlp = h0, slp = h0, sample_energy = h0, proposal_energy = h0;")
        t.emit("realt depth_c = h0, span = h0, leaf = h0, leapfrogs = h0, lsw = h0, lsw_sub = h0, sum_metro = h0, direction = h0;")
        t.emit("maskt divergent = finished & !finished, done = finished, moved = divergent, waiting = divergent;")
        t.each("p[j] = mq[j] = mp[j] = mg[j] = xq[j] = xp[j] = xg[j] = prq[j] = prg[j] = sq[j] = sg[j] = rho[j] = sub[j] = SPLATT(0.0);")

        t.block("for (int lf_iter = 0; lf_iter < (count << \(levels + 1)); ++lf_iter)") { t in
            t.block("if (LF_ANYT(fresh))") { t in
                t.emit("// the fresh lanes start transition tl: momentum, step size (row tl), the tree at the current point")
                t.drawMomentum(purpose: "\(Self.momentumPurpose)u", mask: "fresh")
                t.kinetic("k0")
                t.emit("h0 = LF_SELECTT(h0, -lp + k0, fresh);")
                t.block("") { t in
                    t.emit("realt e[2] = { da_eps, tl };")
                    t.emit("if (!adapt) for (int l = 0; l < LF_TLANES; ++l) LF_TLANE(e[0], l) = step_size[(int)LF_TLANE(e[1], l) * stride + c + l];")
                    t.emit("eps = LF_SELECTT(eps, e[0], fresh);")
                }
                t.emit("mlp = LF_SELECTT(mlp, lp, fresh); xlp = LF_SELECTT(xlp, lp, fresh); "
                       + "prlp = LF_SELECTT(prlp, lp, fresh); slp = LF_SELECTT(slp, lp, fresh);")
                t.each("{ mq[j] = LF_SELECTT(mq[j], q[j], fresh); mp[j] = LF_SELECTT(mp[j], p[j], fresh); mg[j] = LF_SELECTT(mg[j], g[j], fresh); }")
                t.each("{ xq[j] = LF_SELECTT(xq[j], q[j], fresh); xp[j] = LF_SELECTT(xp[j], p[j], fresh); xg[j] = LF_SELECTT(xg[j], g[j], fresh); }")
                t.each("{ prq[j] = LF_SELECTT(prq[j], q[j], fresh); prg[j] = LF_SELECTT(prg[j], g[j], fresh); "
                       + "sq[j] = LF_SELECTT(sq[j], q[j], fresh); sg[j] = LF_SELECTT(sg[j], g[j], fresh); }")
                t.each("{ rho[j] = LF_SELECTT(rho[j], p[j], fresh); sub[j] = LF_SELECTT(sub[j], SPLATT(0.0), fresh); }")
                t.emit("sample_energy = LF_SELECTT(sample_energy, h0, fresh); proposal_energy = LF_SELECTT(proposal_energy, SPLATT(0.0), fresh);")
                for name in ["depth_c", "leaf", "leapfrogs", "lsw", "sum_metro"] {
                    t.emit("\(name) = LF_SELECTT(\(name), SPLATT(0.0), fresh);")
                }
                t.emit("span = LF_SELECTT(span, SPLATT(1.0), fresh); direction = LF_SELECTT(direction, SPLATT(1.0), fresh);")
                t.emit("lsw_sub = LF_SELECTT(lsw_sub, SPLATT(-INFINITY), fresh);")
                t.emit("divergent = (divergent & !fresh) | (fresh & !isfinite(h0));")
                t.emit(maxDepth == 0 ? "done = done | fresh;" : "done = (done & !fresh) | (fresh & divergent);")
                t.emit("moved = moved & !fresh;")
                startDoubling(&t, mask: "fresh & !done")
                t.emit("fresh = finished & !finished;")
            }
            t.emit("const maskt active = !done;")
            t.block("if (LF_ANYT(active))") { t in
                t.emit("const realt epsd = direction * eps;")
                t.integratorStep(coefficients: coefficients, on: "active", eps: "epsd")
                t.kinetic("kin")
                t.emit("realt h = -lp + kin;")
                t.emit("h = LF_SELECTT(h, SPLATT(INFINITY), isnan(h));")
                t.emit("leapfrogs = LF_SELECTT(leapfrogs, leapfrogs + 1.0, active);")
                t.emit("divergent = divergent | (active & (isgreater(h - h0, SPLATT(\(threshold))) | !isfinite(h)));")
                t.emit("const realt logw = h0 - h;")
                t.emit("sum_metro = LF_SELECTT(sum_metro, sum_metro + LF_SELECTT(exp(logw), SPLATT(1.0), isgreater(logw, SPLATT(0.0))), active);")
                t.each("sub[j] = LF_SELECTT(sub[j], sub[j] + p[j], active);")
                t.emit("const realt merged = lf_log_add_exp(lsw_sub, logw);")
                t.emit("realt u_leaf;")
                t.uniform("u_leaf", purpose: Self.multinomialPurpose, index: "leapfrogs - 1.0")
                t.emit("const maskt take = active & !divergent & (isequal(leaf, SPLATT(0.0)) | isless(u_leaf, exp(logw - merged)));")
                t.emit("lsw_sub = LF_SELECTT(lsw_sub, merged, active);")
                t.each("{ prq[j] = LF_SELECTT(prq[j], q[j], take); prg[j] = LF_SELECTT(prg[j], g[j], take); }")
                t.emit("prlp = LF_SELECTT(prlp, lp, take);")
                t.emit("proposal_energy = LF_SELECTT(proposal_energy, h, take);")

                t.emit("// U-turn checks inside the subtree (numpyro's checkpoints, Stan's extra checks)")
                t.emit("maskt valid = active & !divergent;")
                t.emit("const uintt nl = CONVERT_UINTT(leaf);")
                t.emit("const realt idx_max = CONVERT_REALT(popcount(nl >> 1));")
                t.emit("const realt idx_min = idx_max - CONVERT_REALT(popcount((~nl & (nl + 1u)) - 1u)) + 1.0;")
                t.emit("const maskt even = isequal(leaf - 2.0 * floor(0.5 * leaf), SPLATT(0.0));")
                t.emit("const maskt store_start = valid & even;")
                t.block("if (LF_ANYT(store_start)) for (int l = 0; l < \(levels); ++l)") { t in
                    t.emit("const maskt at = store_start & isequal(idx_max, SPLATT((real)l));")
                    t.emit("if (!LF_ANYT(at)) continue;")
                    t.each("{ ckP[l * \(d) + j] = LF_SELECTT(ckP[l * \(d) + j], p[j], at); ckS[l * \(d) + j] = LF_SELECTT(ckS[l * \(d) + j], sub[j], at); }")
                }
                t.emit("const maskt odd = valid & !even;")
                t.block("if (LF_ANYT(odd)) for (int l = \(levels - 1); l >= 0; --l)") { t in
                    t.emit("const int o = l * \(d);")
                    t.emit("const maskt at = odd & valid & islessequal(SPLATT((real)l), idx_max) & isgreaterequal(SPLATT((real)l), idx_min);")
                    t.emit("if (!LF_ANYT(at)) continue;")
                    t.emit("// the whole subtree [a, leaf]")
                    t.emit("realt x, y;")
                    t.sums(["x", "y"], ["(minv[j] * ckP[o + j]) * r", "(minv[j] * p[j]) * r"],
                           setup: "const realt r = sub[j] - ckS[o + j] + ckP[o + j];")
                    t.emit("valid = valid & (!at | (isgreater(x, SPLATT(0.0)) & isgreater(y, SPLATT(0.0))));")
                    t.block("if (l < \(levels - 1))") { t in
                        t.emit("const int r0 = (l + 1) * \(d);")
                        t.emit("const maskt left = at & valid & isless(SPLATT((real)l), idx_max);")
                        t.emit("if (!LF_ANYT(left)) continue;   // every lane here is at its range's top: no halves to check")
                        t.emit("// (i) the left half and the first point of the right half")
                        t.sums(["x", "y"], ["(minv[j] * ckP[o + j]) * r", "(minv[j] * ckP[r0 + j]) * r"],
                               setup: "const realt r = ckS[r0 + j] - ckS[o + j] + ckP[o + j];")
                        t.emit("valid = valid & (!left | (isgreater(x, SPLATT(0.0)) & isgreater(y, SPLATT(0.0))));")
                        t.emit("const maskt right = left & valid;")
                        t.emit("if (!LF_ANYT(right)) continue;")
                        t.emit("// (ii) the last point of the left half and the right half")
                        t.sums(["x", "y"], ["(minv[j] * lfP[o + j]) * r", "(minv[j] * p[j]) * r"],
                               setup: "const realt r = sub[j] - lfS[o + j] + lfP[o + j];")
                        t.emit("valid = valid & (!right | (isgreater(x, SPLATT(0.0)) & isgreater(y, SPLATT(0.0))));")
                    }
                }
                t.emit("const maskt store_left = odd & valid;")
                t.block("if (LF_ANYT(store_left)) for (int l = 0; l < \(levels); ++l)") { t in
                    t.emit("const maskt at = store_left & isequal(idx_min, SPLATT((real)l));")
                    t.emit("if (!LF_ANYT(at)) continue;")
                    t.each("{ lfP[l * \(d) + j] = LF_SELECTT(lfP[l * \(d) + j], p[j], at); lfS[l * \(d) + j] = LF_SELECTT(lfS[l * \(d) + j], sub[j], at); }")
                }
                t.emit("leaf = LF_SELECTT(leaf, leaf + 1.0, active);")
                t.emit("done = done | (active & !valid);")

                t.emit("// a completed doubling: biased progressive sampling and the top-level checks")
                t.emit("const maskt complete = active & valid & isequal(leaf, span);")
                t.block("if (LF_ANYT(complete))") { t in
                    t.emit("depth_c = LF_SELECTT(depth_c, depth_c + 1.0, complete);")
                    t.emit("span = LF_SELECTT(span, 2.0 * span, complete);")
                    t.emit("realt u_top;")
                    t.uniform("u_top", purpose: Self.acceptancePurpose, index: "depth_c - 1.0")
                    t.emit("const maskt accept = complete & (isgreater(lsw_sub, lsw) | isless(u_top, exp(lsw_sub - lsw)));")
                    t.each("{ sq[j] = LF_SELECTT(sq[j], prq[j], accept); sg[j] = LF_SELECTT(sg[j], prg[j], accept); }")
                    t.emit("slp = LF_SELECTT(slp, prlp, accept);")
                    t.emit("sample_energy = LF_SELECTT(sample_energy, proposal_energy, accept);")
                    t.emit("moved = moved | accept;")
                    t.emit("lsw = LF_SELECTT(lsw, lf_log_add_exp(lsw, lsw_sub), complete);")
                    t.emit("const maskt fwd = isgreater(direction, SPLATT(0.0));")
                    t.emit("realt x, y;")
                    t.emit("// ρ_T + p at the new subtree's first leaf, between the far end F and that leaf")
                    t.sums(["x", "y"], ["(minv[j] * LF_SELECTT(xp[j], mp[j], fwd)) * r", "(minv[j] * ckP[j]) * r"],
                           setup: "const realt r = rho[j] + ckP[j];")
                    t.emit("maskt ok = isgreater(x, SPLATT(0.0)) & isgreater(y, SPLATT(0.0));")
                    t.emit("// ρ_N + p at the near end E, between E and the new subtree's last leaf")
                    t.sums(["x", "y"], ["(minv[j] * pe) * r", "(minv[j] * p[j]) * r"],
                           setup: "const realt pe = LF_SELECTT(mp[j], xp[j], fwd); const realt r = sub[j] + pe;")
                    t.emit("ok = ok & isgreater(x, SPLATT(0.0)) & isgreater(y, SPLATT(0.0));")
                    t.each("rho[j] = LF_SELECTT(rho[j], rho[j] + sub[j], complete);")
                    t.emit("const maskt to_plus = complete & fwd, to_minus = complete & !fwd;")
                    t.each("{ xq[j] = LF_SELECTT(xq[j], q[j], to_plus); xp[j] = LF_SELECTT(xp[j], p[j], to_plus); xg[j] = LF_SELECTT(xg[j], g[j], to_plus); }")
                    t.each("{ mq[j] = LF_SELECTT(mq[j], q[j], to_minus); mp[j] = LF_SELECTT(mp[j], p[j], to_minus); mg[j] = LF_SELECTT(mg[j], g[j], to_minus); }")
                    t.emit("xlp = LF_SELECTT(xlp, lp, to_plus); mlp = LF_SELECTT(mlp, lp, to_minus);")
                    t.emit("// the whole trajectory")
                    t.sums(["x", "y"], ["(minv[j] * mp[j]) * rho[j]", "(minv[j] * xp[j]) * rho[j]"])
                    t.emit("ok = ok & isgreater(x, SPLATT(0.0)) & isgreater(y, SPLATT(0.0));")
                    t.emit("done = done | (complete & (!ok | isgreaterequal(depth_c, SPLATT(\(Double(maxDepth))))));")
                    startDoubling(&t, mask: "complete & !done")
                }
            }
            t.emit("// the lanes whose tree ended: their outputs at row tl, the sample kept when row tl keeps it, the next start")
            t.emit("const maskt ended = done & !finished & !waiting;")
            t.block("if (LF_ANYT(ended))") { t in
                t.emit("// per lane: accept_stat, energy, leapfrogs, depth, flags; whether it ended, its row, its sample's lp")
                t.emit("realt out[8];")
                t.emit("out[0] = LF_SELECTT(SPLATT(0.0), sum_metro / leapfrogs, isgreater(leapfrogs, SPLATT(0.0)));")
                t.emit("out[1] = sample_energy; out[2] = leapfrogs; out[3] = depth_c;")
                t.emit("out[4] = LF_SELECTT(SPLATT(0.0), SPLATT(1.0), moved) + LF_SELECTT(SPLATT(0.0), SPLATT(2.0), divergent);")
                t.emit("out[5] = LF_SELECTT(SPLATT(0.0), SPLATT(1.0), ended); out[6] = tl; out[7] = slp;")
                t.storesInside { t in
                    t.block("for (int l = 0; l < LF_TLANES; ++l)") { t in
                        t.emit("if (LF_TLANE(out[5], l) == 0.0) continue;")
                        t.emit("const int row = (int)LF_TLANE(out[6], l), o = row * stride + c + l;")
                        t.emit("accept_prob[o] = LF_TLANE(out[0], l); energy[o] = LF_TLANE(out[1], l); taken[o] = LF_TLANE(out[2], l);")
                        t.emit("depth[o] = LF_TLANE(out[3], l); flags[o] = LF_TLANE(out[4], l);")
                        t.emit("const int ks = kept_slot[row];")
                        t.emit("if (ks < 0) continue;")
                        t.emit("for (int j = 0; j < \(dimension); ++j) kept[(ks * \(dimension + 1) + j) * stride + c + l] = LF_TLANE(sq[j], l);")
                        t.emit("kept[(ks * \(dimension + 1) + \(dimension)) * stride + c + l] = LF_TLANE(out[7], l);")
                    }
                }
                t.block("if (adapt)") { t in
                    t.emit("// dual averaging on the transition's acceptance statistic (NaN: 0), the next step size")
                    t.emit("const realt a = LF_SELECTT(fmin(out[0], SPLATT(1.0)), SPLATT(0.0), isnan(out[0]));")
                    t.emit("const realt n1 = da_t + 1.0, eta = 1.0 / (n1 + da_t0);")
                    t.emit("const realt s1 = (1.0 - eta) * da_s + eta * (da_target - a);")
                    t.emit("da_t = LF_SELECTT(da_t, n1, ended); da_s = LF_SELECTT(da_s, s1, ended);")
                    t.emit("da_eps = LF_SELECTT(da_eps, exp(da_mu - s1 * sqrt(n1) / da_gamma), ended);")
                }
                t.each("{ q[j] = LF_SELECTT(q[j], sq[j], ended); g[j] = LF_SELECTT(g[j], sg[j], ended); }")
                t.emit("lp = LF_SELECTT(lp, slp, ended);")
                t.emit("tl = LF_SELECTT(tl, tl + 1.0, ended);")
                t.emit("finished = finished | (ended & isgreaterequal(tl, SPLATT((real)count)));")
                t.emit("waiting = waiting | (ended & !finished);")
            }
            t.emit("// the waiting lanes start together once `quorum` of them, or every lane not finished, wait")
            t.block("if (LF_ANYT(waiting))") { t in
                t.emit("realt on[2] = { LF_SELECTT(SPLATT(0.0), SPLATT(1.0), waiting), LF_SELECTT(SPLATT(0.0), SPLATT(1.0), !finished) };")
                t.emit("real nw = 0.0, nu = 0.0;")
                t.emit("for (int l = 0; l < LF_TLANES; ++l) { nw += LF_TLANE(on[0], l); nu += LF_TLANE(on[1], l); }")
                t.emit("if (nw >= fmin((real)quorum, nu)) { fresh = waiting; waiting = finished & !finished; }")
            }
            t.emit("if (!LF_ANYT(!finished)) break;")
        }
        t.emit("// the state: every lane's last sample")
        t.stores { t in
            t.each("{ STORET(q[j], position + j * stride + c); STORET(g[j], gradient + j * stride + c); }")
            t.emit("STORET(lp, log_density + c);")
            t.emit("if (adapt) { STORET(da_t, averaging + c); STORET(da_s, averaging + stride + c); STORET(da_eps, averaging + 3 * stride + c); }")
        }

        let arguments = ["__global real* position", "__global real* gradient", "__global real* log_density",
                         "__global const real* step_size", "__global const real* inverse_metric",
                         "__global real* accept_prob", "__global real* energy", "__global real* taken", "__global real* depth",
                         "__global real* flags", "__global real* kept", "__global const int* kept_slot",
                         "__global real* averaging", "const uint key0", "const uint key1", "const uint iteration",
                         "const uint chain_offset", "const int slot", "const int count", "const int adapt", "const int quorum", "const int chains"]
            + dataArguments.map(Generator.dataParameter) + ["const int stride"]
        let comment = "// Generated by OpenCLCodegen: whole NUTS transitions, \(dimension) unconstrained parameters, "
            + "max depth \(maxDepth),\n// integrator coefficients \(coefficients.map { Generator.literal($0) }.joined(separator: ", ")).\n"
            + Self.logAddExp
        return t.kernel(name: Self.kernelName, comment: comment, densityFunction: densityFunction, arguments: arguments)
    }

    /// log(eᵃ + eᵇ), with −∞ handled as `NUTSKernel.logAddExp`.
    static let logAddExp = """
        inline realt lf_log_add_exp(const realt a, const realt b) {
            const realt m = fmax(a, b);
            realt r = m + log(exp(a - m) + exp(b - m));
            r = LF_SELECTT(r, b, isequal(a, SPLATT(-INFINITY)));
            return LF_SELECTT(r, a, isequal(b, SPLATT(-INFINITY)) & !isequal(a, SPLATT(-INFINITY)));
        }
        """

    /// Starts a doubling in the lanes of `mask`: its direction from the stream, the current point
    /// from that end, the subtree's leaf count, weight and momentum sum reset.
    private func startDoubling(_ t: inout TransitionText, mask: String) {
        t.block("") { t in
            t.emit("const maskt start = \(mask);")
            t.emit("realt u_dir;")
            t.uniform("u_dir", purpose: Self.directionPurpose, index: "depth_c")
            t.emit("const maskt fwd = isgreater(u_dir, SPLATT(0.5));")
            t.emit("direction = LF_SELECTT(direction, LF_SELECTT(SPLATT(-1.0), SPLATT(1.0), fwd), start);")
            t.each("{ q[j] = LF_SELECTT(q[j], LF_SELECTT(mq[j], xq[j], fwd), start); p[j] = LF_SELECTT(p[j], LF_SELECTT(mp[j], xp[j], fwd), start); g[j] = LF_SELECTT(g[j], LF_SELECTT(mg[j], xg[j], fwd), start); sub[j] = LF_SELECTT(sub[j], SPLATT(0.0), start); }")
            t.emit("lp = LF_SELECTT(lp, LF_SELECTT(mlp, xlp, fwd), start);")
            t.emit("leaf = LF_SELECTT(leaf, SPLATT(0.0), start);")
            t.emit("lsw_sub = LF_SELECTT(lsw_sub, SPLATT(-INFINITY), start);")
        }
    }
}
