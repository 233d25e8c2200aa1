/// Lines of a generated transition kernel (`TrajectorySource`, `NUTSSource`) and the pieces both
/// write: finding the chain, loading the state, drawing the momentum, one masked integrator step,
/// storing the results.
///
/// The lines are written in the transition types of Kernels/common.cl (`realt`, `maskt`,
/// `uintt`, `LOADT`, `LF_SELECTT`, ...). Three launch shapes (`LaunchShape`): W chains per
/// work-item (the transition types are W-wide); one chain per work-item with the plate's rows in
/// the density's lanes (`rowsInLanes`: the transition types are one chain's scalars, and only
/// `lf_model_density` runs W rows at once); or one work-group of L work-items per chain (W = 1).
/// In the last every work-item of the group runs the chain's whole transition — the same
/// numbers, the same random streams, the same branches — except the density, whose plate rows it
/// shares out (`Generator.runDensityFunction`): the group's sums reach every work-item alike, so
/// the branches stay uniform and the barriers inside the density are reached by all. Work-item 0
/// alone stores.
struct TransitionText {
    let dimension: Int
    let shape: LaunchShape
    /// The density function's data arguments, as the call passes them (`, d_x, d_y`), and the
    /// group's local memory in the work-group shape.
    let dataCall: String
    /// The Philox iteration word of the lanes' streams: the launch's `iteration`, or with chained
    /// transitions (`NUTSSource`) each lane's own, `iteration` + its transitions so far.
    var iterationWord = "(uintt)iteration"
    private(set) var lines: [String] = []
    private var depth = 1

    init(dimension: Int, dataArguments: [String], shape: LaunchShape = .chainPerWorkItem) {
        self.dimension = dimension
        self.shape = shape
        var call = dataArguments.map { ", d_\($0)" }.joined()
        if case .workGroupPerChain = shape { call += ", lf_scratch, lf_sums, lid" }
        dataCall = call
    }

    /// `c`, this work-item's first chain; chain-per-work-item items past the padded chains
    /// return. A work-group per chain: `c` is the group, `lid` the work-item in it, and the
    /// group's local memory for the density's sums (the launch has exactly one group per chain,
    /// so none returns).
    mutating func findChain() {
        switch shape {
        case .chainPerWorkItem, .rowsInLanes:
            emit("const int c = lf_first_chain(stride);")
            emit("if (c < 0) return;")
        case .workGroupPerChain(let local, let columns):
            emit("const int c = (int)get_group_id(0);")
            emit("const int lid = (int)get_local_id(0);")
            emit("__local real lf_scratch[\(local * columns)];")
            emit("__local real lf_sums[\(dimension + 1)];")
        }
    }

    /// The kernel's stores: inline with a work-item per chain; in a work-group per chain by
    /// work-item 0 only, after a barrier (so that no work-item still reads the state it replaces,
    /// even in a transition that evaluated the density nowhere).
    mutating func stores(_ body: (inout TransitionText) -> Void) {
        switch shape {
        case .chainPerWorkItem, .rowsInLanes:
            body(&self)
        case .workGroupPerChain:
            emit("barrier(CLK_GLOBAL_MEM_FENCE | CLK_LOCAL_MEM_FENCE);")
            block("if (lid == 0)", body)
        }
    }

    /// Stores made inside the transition (no other work-item reads what they write): inline with
    /// a work-item per chain, by work-item 0 alone in a work-group per chain.
    mutating func storesInside(_ body: (inout TransitionText) -> Void) {
        switch shape {
        case .chainPerWorkItem, .rowsInLanes: body(&self)
        case .workGroupPerChain: block("if (lid == 0)", body)
        }
    }

    mutating func emit(_ line: String) { lines.append(String(repeating: "    ", count: depth) + line) }

    mutating func block(_ header: String, _ body: (inout TransitionText) -> Void) {
        emit(header + " {")
        depth += 1
        body(&self)
        depth -= 1
        emit("}")
    }

    /// `statement` for every coordinate j.
    mutating func each(_ statement: String) { emit("for (int j = 0; j < \(dimension); ++j) \(statement)") }

    /// Loads q, g, lp and diag M⁻¹ of this work-item's chains.
    mutating func loadState() {
        let header = "for (int j = 0; j < \(dimension); ++j)"
        block(header) { t in
            t.emit("q[j] = LOADT(position + j * stride + c); g[j] = LOADT(gradient + j * stride + c);")
            t.emit("minv[j] = LOADT(inverse_metric + j * stride + c);")
        }
        emit("realt lp = LOADT(log_density + c);")
    }

    /// p ~ N(0, M) into `p`: normal element i of the stream (chain, iteration, purpose) is word
    /// i % 4 of block i / 4 through Box–Muller (`PhiloxRandom.normals`); p_i = z_i / √(M⁻¹)_ii.
    /// The stream's chain word is the global chain, chain_offset + c (`PhiloxRandom.firstChain`):
    /// a shard of chains [a, b) launched with chain_offset = a draws what chains a..<b draw in
    /// one launch of every chain. With `mask`, only the lanes it holds draw (the others keep `p`).
    mutating func drawMomentum(purpose: String, mask: String? = nil) {
        let header = "for (int b = 0; b < \((dimension + 3) / 4); ++b)"
        block(header) { t in
            t.emit("uintt w0 = (uint)c + chain_offset + LF_LANEST, w1 = \(t.iterationWord), w2 = (uintt)(uint)(\(purpose)), w3 = (uintt)(uint)b;")
            t.emit("lf_philox4x32_10(&w0, &w1, &w2, &w3, key0, key1);")
            t.emit("realt z[4];")
            t.emit("lf_box_muller(w0, w1, &z[0], &z[1]);")
            t.emit("lf_box_muller(w2, w3, &z[2], &z[3]);")
            let value = "z[k] / sqrt(minv[4 * b + k])"
            t.emit("for (int k = 0; k < 4; ++k) if (4 * b + k < \(t.dimension)) p[4 * b + k] = "
                   + (mask.map { "LF_SELECTT(p[4 * b + k], \(value), \($0))" } ?? value) + ";")
        }
    }

    /// `name` = ½ pᵀM⁻¹p (`Metric.kineticEnergy`, which sums in coordinate order; here in
    /// `sums`' four partial sums, so the two differ by rounding).
    mutating func kinetic(_ name: String, momentum p: String = "p") {
        emit("realt \(name);")
        sums([name], ["\(p)[j] * (minv[j] * \(p)[j])"])
        emit("\(name) = 0.5 * \(name);")
    }

    /// `names[k]` = Σ_j `terms[k]` over the coordinates (after `setup`, statements for
    /// coordinate j), each in four partial sums over j mod 4 added pairwise at the end: four
    /// independent chains of additions instead of one. A d-term sum in one accumulator is a chain
    /// of d dependent multiply-adds (46 × 4 cycles on the BNN), and NUTS sums two at every U-turn
    /// check and one kinetic energy per leapfrog step, which made those checks the hottest loops of
    /// the 4-chain BNN job once the density ran its rows in lanes. The order differs from the
    /// host's coordinate order by rounding only.
    mutating func sums(_ names: [String], _ terms: [String], setup: String = "") {
        let d = dimension, whole = dimension / 4 * 4
        block("") { t in
            t.emit("realt " + names.indices.map { "lf_s\($0)[4] = { SPLATT(0.0), SPLATT(0.0), SPLATT(0.0), SPLATT(0.0) }" }
                .joined(separator: ", ") + ";")
            let body = setup + (setup.isEmpty ? "" : " ")
                + terms.enumerated().map { "lf_s\($0.offset)[u] += \($0.element);" }.joined(separator: " ")
            if whole > 0 {
                t.emit("for (int j0 = 0; j0 < \(whole); j0 += 4) _Pragma(\"unroll\") for (int u = 0; u < 4; ++u) "
                       + "{ const int j = j0 + u; \(body) }")
            }
            if d > whole {
                t.emit("_Pragma(\"unroll\") for (int u = 0; u < \(d - whole); ++u) { const int j = \(whole) + u; \(body) }")
            }
            for (k, name) in names.enumerated() {
                t.emit("\(name) = (lf_s\(k)[0] + lf_s\(k)[1]) + (lf_s\(k)[2] + lf_s\(k)[3]);")
            }
        }
    }

    /// Uniform element `index` (a realw of whole numbers, per lane) of the stream (chain,
    /// iteration, purpose) into `name`: word index % 4 of block index / 4.
    mutating func uniform(_ name: String, purpose: Int, index: String) {
        block("") { t in
            t.emit("const uintt k = CONVERT_UINTT(\(index));")
            t.emit("uintt w0 = (uint)c + chain_offset + LF_LANEST, w1 = \(t.iterationWord), w2 = (uintt)(uint)(\(purpose)), w3 = k >> 2;")
            t.emit("lf_philox4x32_10(&w0, &w1, &w2, &w3, key0, key1);")
            t.emit("const uintt word = LF_SELECTT(LF_SELECTT(w0, w1, (k & 3u) == 1u), LF_SELECTT(w2, w3, (k & 3u) == 3u), (k & 3u) >= 2u);")
            t.emit("\(name) = lf_uniform(word);")
        }
    }

    /// One step of the splitting integrator with `coefficients` for the lanes in mask `on`, with
    /// signed step size `eps`: kicks p += a ε g, drifts q += b ε M⁻¹p, each drift followed by the
    /// density (`lf_model_density`; a non-finite value stored as −∞), as `Integrator.step`.
    mutating func integratorStep(coefficients: [Double], on: String, eps: String) {
        for (k, a) in coefficients.enumerated() {
            let factor = Generator.literal(a)
            if k % 2 == 0 {
                each("p[j] = LF_SELECTT(p[j], p[j] + (\(factor) * \(eps)) * g[j], \(on));")
            } else {
                each("q[j] = LF_SELECTT(q[j], q[j] + (\(factor) * \(eps)) * (minv[j] * p[j]), \(on));")
                block("") { t in
                    t.emit("realt lpn = lf_model_density(q, gn\(t.dataCall));")
                    t.emit("lpn = LF_SELECTT(SPLATT(-INFINITY), lpn, isfinite(lpn));")
                    t.emit("lp = LF_SELECTT(lp, lpn, \(on));")
                    t.each("g[j] = LF_SELECTT(g[j], gn[j], \(on));")
                }
            }
        }
    }

    /// The kernel: a comment, the density function, the signature and the lines.
    func kernel(name: String, comment: String, densityFunction: String, arguments: [String]) -> String {
        var text = comment + "\n" + densityFunction + "\n"
        text += "__kernel void \(name)(\(arguments.joined(separator: ", "))) {\n"
        return text + lines.joined(separator: "\n") + "\n}\n"
    }
}
