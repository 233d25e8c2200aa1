import LeapfrogCore
import LeapfrogData
import LeapfrogModel

extension Generator {
    // MARK: Whole trajectories

    /// The model's log density and gradient as a device function,
    /// `realw lf_model_density(const realw* q, realw* grad, __global const real* d_<data>...)`:
    /// the body of the density kernel (`run`) reading the unconstrained point from the private
    /// array `q` and writing the gradient (chain rule through the transforms included) to `grad`;
    /// it returns the log density with the log-Jacobian, as the kernel stores it.
    mutating func runDensityFunction() throws -> String {
        let dimension = model.layout.dimension
        let termNodes = Set(graph.terms.map(\.node))
        for (i, node) in nodes.enumerated() where needed[i] && node.op == .logDensity && !termNodes.contains(i) {
            throw unsupported("a log density used as a value (node \(i))")
        }
        dataArguments = graph.data.map(\.name).filter { name in
            nodes.enumerated().contains { needed[$0.offset] && $0.element.op == .data && $0.element.name == name }
        }
        try emitBody(position: { "q[\($0)]" })
        block("for (int j = 0; j < \(dimension); ++j)") { g in g.emit("grad[j] = gx[j] * dxdu[j] + dlogj[j];") }
        emit("return lp + logj;")
        let parameters = ["const realw* q", "realw* grad"] + dataArguments.map { "__global const real* d_\($0)" }
        return "inline realw lf_model_density(\(parameters.joined(separator: ", "))) {\n"
            + lines.joined(separator: "\n") + "\n}\n"
    }
}

/// The source of the whole-trajectory HMC kernel of one model (`OpenCLCodegen.generateTrajectory`).
///
/// One launch moves every chain one HMC transition — the twin of `HMCKernel.transition` in
/// LeapfrogSampling, for a diagonal inverse metric per chain (unit and shared metrics are
/// special cases of it):
///
/// 1. p ~ N(0, M): normals from the Philox stream (chain c, iteration, purpose `momentum` = 1),
///    element i = word i % 4 of block i / 4, Box–Muller on the word pairs (0, 1) and (2, 3);
///    p_i = z_i / √(M⁻¹)_ii.
/// 2. L_c steps of the palindromic splitting integrator (`Integrator.coefficients`, written out
///    in the kernel): kicks p += a ε g, drifts q += b ε M⁻¹p, each drift followed by the model's
///    density and gradient (`lf_model_density`). A chain stops after L_c steps, or after the step
///    where its log density became non-finite (stored as −∞, the chain then divergent and rejected);
///    the W chains of a work-item step in lockstep, masked, until all have stopped.
/// 3. ΔH = H(end) − H(start) with H = −log π(q) + ½ pᵀM⁻¹p (NaN → +∞); acceptance probability
///    min(1, e^{−ΔH}); accepted when the uniform (chain, iteration, purpose `acceptance` = 5,
///    element 0) is below it; divergent when ΔH > 1000 (`Divergence.threshold`).
/// 4. The state buffers (position, gradient, log density) are overwritten only for accepted chains:
///    they stay on the device from one transition to the next.
///
/// Kernel arguments, in order: `position`, `gradient`, `log_density` (chain-fastest, read and
/// written), `step_size`, `steps` (per chain; L as a real, exact below 2²⁴), `inverse_metric`
/// (diag M⁻¹ per chain, chain-fastest), outputs `accept_prob`, `energy`, `taken` (integrator
/// steps made), `flags` (1 accepted + 2 divergent), `proposal_position`, `proposal_momentum`
/// (the trajectory's end before the Metropolis test, written when `write_proposal` ≠ 0), then
/// `key0`, `key1`, `iteration`, `max_steps`, `write_proposal`, the data arrays, and `stride`.
struct TrajectorySource {
    static let kernelName = "hmc_trajectory"
    /// Philox purposes (`RandomPurpose` raw values in LeapfrogRandom).
    static let momentumPurpose = 1, acceptancePurpose = 5
    /// `Divergence.threshold` in LeapfrogSampling (Stan's `max_deltaH_`).
    static let divergenceThreshold = 1000.0

    let dimension: Int
    let coefficients: [Double]
    let densityFunction: String
    let dataArguments: [String]

    var source: String {
        let d = max(1, dimension)
        let data = dataArguments.map { "d_\($0)" }.joined(separator: ", ")
        let dataCall = data.isEmpty ? "" : ", " + data
        var lines: [String] = []
        func emit(_ line: String) { lines.append("    " + line) }
        emit("const int c = lf_first_chain(stride);")
        emit("if (c < 0) return;")
        emit("realw q[\(d)], p[\(d)], g[\(d)], minv[\(d)], gn[\(d)];")
        emit("for (int j = 0; j < \(dimension); ++j) {")
        emit("    q[j] = LOADW(position + j * stride + c); g[j] = LOADW(gradient + j * stride + c);")
        emit("    minv[j] = LOADW(inverse_metric + j * stride + c);")
        emit("}")
        emit("realw lp = LOADW(log_density + c);")
        emit("// 1. momentum p ~ N(0, M)")
        emit("for (int b = 0; b < \((dimension + 3) / 4); ++b) {")
        emit("    uintw w0 = (uint)c + LF_LANES, w1 = (uintw)iteration, w2 = (uintw)\(Self.momentumPurpose)u, w3 = (uintw)(uint)b;")
        emit("    lf_philox4x32_10(&w0, &w1, &w2, &w3, key0, key1);")
        emit("    realw z[4];")
        emit("    lf_box_muller(w0, w1, &z[0], &z[1]);")
        emit("    lf_box_muller(w2, w3, &z[2], &z[3]);")
        emit("    for (int k = 0; k < 4; ++k) if (4 * b + k < \(dimension)) p[4 * b + k] = z[k] / sqrt(minv[4 * b + k]);")
        emit("}")
        emit("realw k0 = SPLAT(0.0);")
        emit("for (int j = 0; j < \(dimension); ++j) k0 += p[j] * (minv[j] * p[j]);")
        emit("realw h0 = -lp + 0.5 * k0;")
        emit("h0 = LF_SELECT(h0, SPLAT(INFINITY), isnan(h0));")
        emit("// 2. the integrator, every lane until its own L (or a non-finite density)")
        emit("const realw eps = LOADW(step_size + c);")
        emit("const realw steps_c = LOADW(steps + c);")
        emit("maskw alive = isequal(eps, eps);")
        emit("realw taken_c = SPLAT(0.0);")
        emit("for (int s = 0; s < max_steps; ++s) {")
        emit("    const maskw on = alive & isgreater(steps_c, SPLAT((real)s));")
        emit("    if (!LF_ANY(on)) break;")
        for (k, a) in coefficients.enumerated() {
            let factor = Generator.literal(a)
            if k % 2 == 0 {
                emit("    for (int j = 0; j < \(dimension); ++j) p[j] = LF_SELECT(p[j], p[j] + (\(factor) * eps) * g[j], on);")
            } else {
                emit("    for (int j = 0; j < \(dimension); ++j) q[j] = LF_SELECT(q[j], q[j] + (\(factor) * eps) * (minv[j] * p[j]), on);")
                emit("    {")
                emit("        realw lpn = lf_model_density(q, gn\(dataCall));")
                emit("        lpn = LF_SELECT(SPLAT(-INFINITY), lpn, isfinite(lpn));")
                emit("        lp = LF_SELECT(lp, lpn, on);")
                emit("        for (int j = 0; j < \(dimension); ++j) g[j] = LF_SELECT(g[j], gn[j], on);")
                emit("    }")
            }
        }
        emit("    taken_c = LF_SELECT(taken_c, taken_c + 1.0, on);")
        emit("    alive = alive & isfinite(lp);")
        emit("}")
        emit("// 3. Metropolis test")
        emit("realw k1 = SPLAT(0.0);")
        emit("for (int j = 0; j < \(dimension); ++j) k1 += p[j] * (minv[j] * p[j]);")
        emit("realw h1 = -lp + 0.5 * k1;")
        emit("h1 = LF_SELECT(h1, SPLAT(INFINITY), isnan(h1));")
        emit("realw dh = h1 - h0;")
        emit("dh = LF_SELECT(SPLAT(INFINITY), dh, alive & isequal(dh, dh));")
        emit("const realw prob = LF_SELECT(exp(-dh), SPLAT(1.0), islessequal(dh, SPLAT(0.0)));")
        emit("uintw a0 = (uint)c + LF_LANES, a1 = (uintw)iteration, a2 = (uintw)\(Self.acceptancePurpose)u, a3 = (uintw)0u;")
        emit("lf_philox4x32_10(&a0, &a1, &a2, &a3, key0, key1);")
        emit("const maskw accepted = isless(lf_uniform(a0), prob);")
        emit("const maskw divergent = isgreater(dh, SPLAT(\(Generator.literal(Self.divergenceThreshold))));")
        emit("STOREW(prob, accept_prob + c);")
        emit("STOREW(LF_SELECT(h0, h1, accepted), energy + c);")
        emit("STOREW(taken_c, taken + c);")
        emit("STOREW(LF_SELECT(SPLAT(0.0), SPLAT(1.0), accepted) + LF_SELECT(SPLAT(0.0), SPLAT(2.0), divergent), flags + c);")
        emit("if (write_proposal) {")
        emit("    for (int j = 0; j < \(dimension); ++j) {")
        emit("        STOREW(q[j], proposal_position + j * stride + c); STOREW(p[j], proposal_momentum + j * stride + c);")
        emit("    }")
        emit("}")
        emit("// 4. accepted chains move; the state stays on the device")
        emit("if (LF_ANY(accepted)) {")
        emit("    for (int j = 0; j < \(dimension); ++j) {")
        emit("        STOREW(LF_SELECT(LOADW(position + j * stride + c), q[j], accepted), position + j * stride + c);")
        emit("        STOREW(LF_SELECT(LOADW(gradient + j * stride + c), g[j], accepted), gradient + j * stride + c);")
        emit("    }")
        emit("    STOREW(LF_SELECT(LOADW(log_density + c), lp, accepted), log_density + c);")
        emit("}")
        let arguments = ["__global real* position", "__global real* gradient", "__global real* log_density",
                         "__global const real* step_size", "__global const real* steps", "__global const real* inverse_metric",
                         "__global real* accept_prob", "__global real* energy", "__global real* taken", "__global real* flags",
                         "__global real* proposal_position", "__global real* proposal_momentum",
                         "const uint key0", "const uint key1", "const uint iteration", "const int max_steps",
                         "const int write_proposal"]
            + dataArguments.map { "__global const real* d_\($0)" } + ["const int stride"]
        var text = "// Generated by OpenCLCodegen: whole HMC trajectories, \(dimension) unconstrained parameters,\n"
        text += "// integrator coefficients \(coefficients.map { Generator.literal($0) }.joined(separator: ", ")).\n"
        text += densityFunction + "\n"
        text += "__kernel void \(Self.kernelName)(\(arguments.joined(separator: ", "))) {\n"
        text += lines.joined(separator: "\n") + "\n}\n"
        return text
    }
}
