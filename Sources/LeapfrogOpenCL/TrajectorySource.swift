/// The source of the whole-trajectory HMC kernel of one model (`OpenCLCodegen.generateTrajectory`).
///
/// One launch moves every chain `count` consecutive HMC transitions (iterations `iteration` …
/// `iteration + count − 1`), each the twin of `HMCKernel.transition` in LeapfrogSampling, for a
/// diagonal inverse metric per chain (unit and shared metrics are special cases of it). Every
/// transition starts from the state the previous one left in the buffers; the W chains of a
/// work-item run each transition together (their step counts differ only through their step
/// sizes), so a launch of `count` makes the draws of `count` launches of one, and a streamed group
/// of sampling transitions is one launch (`OpenCLTrajectories.enqueue`) instead of one per
/// transition plus two copies per kept draw. Each transition:
///
/// 1. p ~ N(0, M): normals from the Philox stream (chain chain_offset + c, iteration, purpose
///    `momentum_purpose`: `momentum` = 1 for transitions, `stepSizeSearch` for the step-size
///    heuristic's trials), element i = word i % 4 of block i / 4, Box–Muller on the word pairs (0, 1) and (2, 3);
///    p_i = z_i / √(M⁻¹)_ii.
/// 2. L_c steps of the palindromic splitting integrator (`Integrator.coefficients`, written out
///    in the kernel): kicks p += a ε g, drifts q += b ε M⁻¹p, each drift followed by the model's
///    density and gradient (`lf_model_density`). A chain stops after L_c steps, or after the step
///    where its log density became non-finite (stored as −∞, the chain then divergent and rejected);
///    the W chains of a work-item step in lockstep, masked, until all have stopped.
/// 3. ΔH = H(end) − H(start) with H = −log π(q) + ½ pᵀM⁻¹p (NaN → +∞); acceptance probability
///    min(1, e^{−ΔH}); accepted when the uniform (chain, iteration, purpose `acceptance` = 5,
///    element 0) is below it; divergent when ΔH > 1000 (`Divergence.threshold`).
/// 4. The state buffers (position, gradient, log density) are overwritten only for accepted chains,
///    and only when `moves` ≠ 0: they stay on the device from one transition to the next. With
///    `moves` = 0 a launch is a probe (one step from the state, its acceptance probability: the
///    step-size heuristic's trial, `StepSizeSearch`) that leaves the state as it was.
/// 5. When `kept_slot[slot + t]` ≥ 0, transition t's sample (its positions, then its log density;
///    (d + 1)·stride values per slot) goes to that slot of `kept`.
///
/// Kernel arguments, in order: `position`, `gradient`, `log_density` (chain-fastest, read and
/// written), `step_size`, `steps` (per chain; L as a real, exact below 2²⁴), `inverse_metric`
/// (diag M⁻¹ per chain, chain-fastest), outputs `accept_prob`, `energy`, `taken` (integrator
/// steps made), `flags` (1 accepted + 2 divergent), `proposal_position`, `proposal_momentum`
/// (the trajectory's end before the Metropolis test, written when `write_proposal` ≠ 0), `kept`,
/// `kept_slot`, then `key0`, `key1`, `iteration`, `chain_offset` (the global index of chain 0 of
/// the launch, added to the Philox chain word), `max_steps` (the most steps of any of the launch's
/// transitions), `write_proposal`, `momentum_purpose`, `moves`, `slot`, `count`, the data arrays,
/// and `stride`. Transition t reads `step_size` and `steps` and writes the four per-chain outputs
/// at row `slot + t` (offset (slot + t) × stride) of streamed ring buffers; a single transition
/// uses slot 0 and count 1.
struct TrajectorySource {
    static let kernelName = "hmc_trajectory"
    /// Philox purposes (`RandomPurpose` raw values in LeapfrogRandom); the momentum's is the
    /// `momentum_purpose` argument (`TrajectoryLaunch.momentumPurpose`).
    static let acceptancePurpose = 5
    /// `Divergence.threshold` in LeapfrogSampling (Stan's `max_deltaH_`).
    static let divergenceThreshold = 1000.0

    let dimension: Int
    let coefficients: [Double]
    let densityFunction: String
    let dataArguments: [String]
    var shape: LaunchShape = .chainPerWorkItem

    var source: String {
        let d = max(1, dimension)
        var t = TransitionText(dimension: dimension, dataArguments: dataArguments, shape: shape)
        t.iterationWord = "((uintt)(iteration + (uint)tr))"
        t.emit("// the launch's first slot in streamed ring buffers (0 for a single transition)")
        t.emit("step_size += slot * stride; steps += slot * stride; kept_slot += slot;")
        t.emit("accept_prob += slot * stride; energy += slot * stride; taken += slot * stride; flags += slot * stride;")
        t.findChain()
        t.emit("realt q[\(d)], p[\(d)], g[\(d)], minv[\(d)], gn[\(d)];")
        t.block("for (int tr = 0; tr < count; ++tr)") { t in
            t.emit("// transition tr (iteration + tr) from the state the last one left in the buffers; its rows at tr")
            t.emit("const int row = tr * stride;")
            t.loadState()
            t.emit("// 1. momentum p ~ N(0, M)")
            t.drawMomentum(purpose: "momentum_purpose")
            t.kinetic("k0")
            t.emit("realt h0 = -lp + k0;")
            t.emit("h0 = LF_SELECTT(h0, SPLATT(INFINITY), isnan(h0));")
            t.emit("// 2. the integrator, every lane until its own L (or a non-finite density)")
            t.emit("const realt eps = LOADT(step_size + row + c);")
            t.emit("const realt steps_c = LOADT(steps + row + c);")
            t.emit("maskt alive = isequal(eps, eps);")
            t.emit("realt taken_c = SPLATT(0.0);")
            t.block("for (int s = 0; s < max_steps; ++s)") { t in
                t.emit("const maskt on = alive & isgreater(steps_c, SPLATT((real)s));")
                t.emit("if (!LF_ANYT(on)) break;")
                t.integratorStep(coefficients: coefficients, on: "on", eps: "eps")
                t.emit("taken_c = LF_SELECTT(taken_c, taken_c + 1.0, on);")
                t.emit("alive = alive & isfinite(lp);")
            }
            t.emit("// 3. Metropolis test")
            t.kinetic("k1")
            t.emit("realt h1 = -lp + k1;")
            t.emit("h1 = LF_SELECTT(h1, SPLATT(INFINITY), isnan(h1));")
            t.emit("realt dh = h1 - h0;")
            t.emit("dh = LF_SELECTT(SPLATT(INFINITY), dh, alive & isequal(dh, dh));")
            t.emit("const realt prob = LF_SELECTT(exp(-dh), SPLATT(1.0), islessequal(dh, SPLATT(0.0)));")
            t.emit("realt u_accept;")
            t.uniform("u_accept", purpose: Self.acceptancePurpose, index: "SPLATT(0.0)")
            t.emit("const maskt accepted = isless(u_accept, prob);")
            t.emit("const maskt divergent = isgreater(dh, SPLATT(\(Generator.literal(Self.divergenceThreshold))));")
            t.stores { t in
                t.emit("STORET(prob, accept_prob + row + c);")
                t.emit("STORET(LF_SELECTT(h0, h1, accepted), energy + row + c);")
                t.emit("STORET(taken_c, taken + row + c);")
                t.emit("STORET(LF_SELECTT(SPLATT(0.0), SPLATT(1.0), accepted) + LF_SELECTT(SPLATT(0.0), SPLATT(2.0), divergent), flags + row + c);")
                t.block("if (write_proposal)") { t in
                    t.each("{ STORET(q[j], proposal_position + j * stride + c); STORET(p[j], proposal_momentum + j * stride + c); }")
                }
                t.emit("// 4. accepted chains move (unless the launch is a probe); the state stays on the device")
                t.block("if (moves && LF_ANYT(accepted))") { t in
                    t.block("for (int j = 0; j < \(dimension); ++j)") { t in
                        t.emit("STORET(LF_SELECTT(LOADT(position + j * stride + c), q[j], accepted), position + j * stride + c);")
                        t.emit("STORET(LF_SELECTT(LOADT(gradient + j * stride + c), g[j], accepted), gradient + j * stride + c);")
                    }
                    t.emit("STORET(LF_SELECTT(LOADT(log_density + c), lp, accepted), log_density + c);")
                }
                t.emit("// 5. a kept transition's sample (positions, then log density) to its slot of `kept`")
                t.emit("const int ks = kept_slot[tr];")
                t.block("if (ks >= 0)") { t in
                    t.emit("__global real* to = kept + ks * \(dimension + 1) * stride + c;")
                    t.each("STORET(LOADT(position + j * stride + c), to + j * stride);")
                    t.emit("STORET(LOADT(log_density + c), to + \(dimension) * stride);")
                }
            }
            if case .workGroupPerChain = shape {
                t.emit("// the next transition loads what work-item 0 stored")
                t.emit("barrier(CLK_GLOBAL_MEM_FENCE);")
            }
        }
        let arguments = ["__global real* position", "__global real* gradient", "__global real* log_density",
                         "__global const real* step_size", "__global const real* steps", "__global const real* inverse_metric",
                         "__global real* accept_prob", "__global real* energy", "__global real* taken", "__global real* flags",
                         "__global real* proposal_position", "__global real* proposal_momentum", "__global real* kept",
                         "__global const int* kept_slot",
                         "const uint key0", "const uint key1", "const uint iteration", "const uint chain_offset",
                         "const int max_steps",
                         "const int write_proposal", "const uint momentum_purpose", "const int moves", "const int slot",
                         "const int count"]
            + dataArguments.map(Generator.dataParameter) + ["const int stride"]
        let comment = "// Generated by OpenCLCodegen: whole HMC trajectories, \(dimension) unconstrained parameters,\n"
            + "// integrator coefficients \(coefficients.map { Generator.literal($0) }.joined(separator: ", "))."
        return t.kernel(name: Self.kernelName, comment: comment, densityFunction: densityFunction, arguments: arguments)
    }
}
