import LeapfrogCore
import LeapfrogModel

/// ODE solves in the kernel, each lane (chain) with its own steps: the explicit Dormand–Prince
/// 5(4) method with forward sensitivities, as `AdaptiveODE` (explicit) and
/// `ReferenceModel.solveODE` compute them on the host — the CPU reference's twin, parity in
/// `StanOpenCLParityTests.odeSolves`.
///
/// The coupled state z = (y, S) holds y and its sensitivities S = ∂y/∂p to the system's inputs
/// p (y0 when it depends on parameters, then every node outside the region that the right-hand
/// side reads and that depends on parameters: `ODEInputs`); z′ = (f, J_y·S + J_p). One
/// evaluation of z′ runs the right-hand side's nodes forward once and backwards n times (row r
/// of J_y and J_p is the adjoint of state and inputs for a seed on dy_r/dt), with the inputs'
/// adjoints redirected to local arrays (`adjointOverrides`). The right-hand side's code stands
/// three times: at t0, in the starting step's Euler probe, and once in the loop over the six
/// stages of a step.
///
/// Lanes step on their own: each has its t, step size h, step count and failure flag; the
/// stages run for every lane (a lane with nothing left to do takes a step of size 0) and a
/// lane's step is accepted or rejected by selects. The output times are taken in turn: lanes
/// that have reached one wait (their h kept, as the host keeps it) until every lane has, so that
/// each lane's steps are the host's. Per output time the kernel keeps S for the reverse pass,
/// Ȳ·S into each input's adjoint (`emitODESolveBackward`). A failed solve (more steps than
/// allowed, a step size that underflowed, a state that is not finite) gives NaN, so the point is
/// rejected, as on the host.
///
/// Cost per evaluation of z′: the right-hand side's forward pass, n reverse passes, and
/// n²·p multiply-adds for J_y·S; six evaluations per step (the last stage is the next step's
/// first). Private memory per lane: 9 arrays of n(1 + p) for z, the stages and the stage point,
/// T·n(1 + p) for the outputs and their sensitivities, and the right-hand side's own arrays.
///
/// `ode_bdf`'s stiff switching (`RosenbrockW`) is not in the kernel: such a model is refused
/// (`--backend auto` takes the CPU reference).
extension Generator {
    /// What an ODE solve's system reads and where its sensitivities go (the host's `ODESystem`).
    /// The recorded-values kernel integrates the sensitivities too, though it has no reverse pass:
    /// the error control covers them, so without them the steps, and the solution within the
    /// tolerance, would differ from the one the log density saw.
    struct ODEInputs {
        let ode: Int
        let state: Int
        let initial: Int
        let derivative: Int
        /// The region's non-leaf nodes after the state, in order.
        let body: [Int]
        /// Inputs that depend on parameters, each with its first column among the sensitivities.
        let inputs: [(node: Int, count: Int, column: Int)]
        let columns: Int
        let stateCount: Int
        let times: Int
    }

    func odeInputs(_ i: Int) -> ODEInputs {
        let (ode, state) = (nodes[i].args[0], nodes[i].args[1])
        let initial = nodes[state].args[1]
        let body = loops.odeRegions[ode]!.filter { !nodes[$0].op.isLeaf && $0 != state }
        var outside: [Int] = []
        for k in body {
            for a in nodes[k].args where loops.odeSystem[a] == nil && a != ode && !outside.contains(a) { outside.append(a) }
        }
        var inputs: [(node: Int, count: Int, column: Int)] = []
        var columns = 0
        for a in [initial] + outside where active[a] && !inputs.contains(where: { $0.node == a }) {
            let count = Generator.count(shapes[a])
            inputs.append((a, count, columns))
            columns += count
        }
        return ODEInputs(ode: ode, state: state, initial: initial, derivative: nodes[state].update!, body: body, inputs: inputs,
                         columns: columns, stateCount: Generator.count(shapes[state]), times: Generator.count(shapes[nodes[i].args[3]]))
    }

    /// The Dormand–Prince tableau as C initialisers (`DormandPrince`'s coefficients).
    static var dormandPrinceTables: [String] {
        let a = (0..<7).flatMap { s in (0..<7).map { j in j < DormandPrince.a[s].count ? DormandPrince.a[s][j] : 0 } }
        return ["const real lf_dp_a[49] = {\(a.map(literal).joined(separator: ", "))};",
                "const real lf_dp_c[7] = {\(DormandPrince.c.map(literal).joined(separator: ", "))};",
                "const real lf_dp_e[7] = {\(DormandPrince.errorWeights.map(literal).joined(separator: ", "))};"]
    }

    mutating func emitODESolveForward(_ i: Int) throws {
        let args = nodes[i].args
        if nodes[i].value == 1 {
            throw unsupported("the stiff solver of ode_bdf (\(nodes[i].name ?? "node \(i)"); the CPU reference switches to a Rosenbrock method where the system is stiff)")
        }
        for a in args.dropFirst(2) where active[a] {
            throw unsupported("an ODE solve whose times, tolerances or step limit depend on parameters (\(nodes[i].name ?? "node \(i)"))")
        }
        let system = odeInputs(i)
        let (n, p, times) = (system.stateCount, system.columns, system.times)
        let size = n * (1 + p)
        if p > 0 { declareArrays(["os\(i)"], count: times * n * p, comment: "ODE sensitivities at each output time, for the reverse pass") }
        emit("// ode_solve \(i): Dormand–Prince 5(4), \(n) states, \(p) sensitivity columns, \(times) output times, per lane")
        try block("") { g in
            for line in Generator.dormandPrinceTables { g.emit(line) }
            g.declareArrays(["oz", "ost", "of1"], count: size)
            g.declareArrays(["ok"], count: 7 * size, comment: "the stages' derivatives, k0…k6")
            g.emit("const realw ortol = \(g.value(args[4], "0")), oatol = \(g.value(args[5], "0"));")
            g.emit("const realw omax = fmin(\(g.value(args[6], "0")), SPLAT(LF_EXACT_COUNT));")
            g.emit("const realw ot0 = \(g.value(args[2], "0")), oend = \(times > 0 ? g.value(args[3], "\(times - 1)") : "ot0");")
            g.emit("for (int k = 0; k < \(size); ++k) oz[k] = SPLAT(0.0);")
            g.emit("for (int k = 0; k < \(n); ++k) oz[k] = \(g.value(system.initial, "k"));")
            if system.inputs.first?.node == system.initial {
                g.emit("for (int r = 0; r < \(n); ++r) oz[\(n) + r * \(p) + r] = SPLAT(1.0);")
            }
            try g.emitODERightHandSide(system, time: "ot0", point: "oz", into: "ok", at: "0")
            g.emitNonFinite("ofail", ["oz", "ok"], size)
            // Hairer, Nørsett & Wanner's starting step (`DormandPrince.startingStep`).
            g.emit("realw od0 = SPLAT(0.0), od1 = SPLAT(0.0);")
            g.block("for (int k = 0; k < \(size); ++k)") { h in
                h.emit("const realw s = oatol + ortol * fabs(oz[k]);")
                h.emit("od0 += (oz[k] / s) * (oz[k] / s); od1 += (ok[k] / s) * (ok[k] / s);")
            }
            g.emit("od0 = sqrt(od0 / \(Generator.literal(Double(size)))); od1 = sqrt(od1 / \(Generator.literal(Double(size))));")
            g.emit("const realw oh0 = LF_SELECT(0.01 * od0 / od1, SPLAT(1e-6), od0 < 1e-5 || od1 < 1e-5);")
            g.emit("for (int k = 0; k < \(size); ++k) ost[k] = oz[k] + oh0 * ok[k];")
            try g.emitODERightHandSide(system, time: "ot0 + oh0", point: "ost", into: "of1", at: "0")
            g.emit("realw od2 = SPLAT(0.0);")
            g.block("for (int k = 0; k < \(size); ++k)") { h in
                h.emit("const realw s = oatol + ortol * fabs(oz[k]);")
                h.emit("od2 += ((of1[k] - ok[k]) / s) * ((of1[k] - ok[k]) / s);")
            }
            g.emit("od2 = sqrt(od2 / \(Generator.literal(Double(size)))) / oh0;")
            g.emit("const realw om = fmax(od1, od2);")
            g.emit("const realw oh1 = LF_SELECT(lf_pow(0.01 / om, SPLAT(0.2)), fmax(SPLAT(1e-6), oh0 * 1e-3), om <= 1e-15 || !isfinite(om));")
            g.emit("realw oh = fmin(fmin(100.0 * oh0, oh1), fmax(oend - ot0, SPLAT(1e-6)));")
            g.emit("realw ot = ot0, on = SPLAT(0.0);")
            // Post-increments: loops `annotate` leaves rolled (the solver's code stands once).
            try g.block("for (int oi = 0; oi < \(times); oi++)") { h in
                h.emit("const realw otarget = \(h.value(args[3], "oi"));")
                h.emit("maskw oact = ot < otarget && !ofail;")
                try h.block("while (LF_ANY(oact))") { w in try w.emitODEStep(system, size: size) }
                h.emit("for (int k = 0; k < \(n); ++k) v\(i)[oi * \(n) + k] = oz[k];")
                if p > 0 { h.emit("for (int k = 0; k < \(n * p); ++k) os\(i)[oi * \(n * p) + k] = oz[\(n) + k];") }
            }
            g.emit("for (int k = 0; k < \(times * n); ++k) v\(i)[k] = LF_SELECT(v\(i)[k], SPLAT(NAN), ofail);")
            if p > 0 { g.emit("for (int k = 0; k < \(times * n * p); ++k) os\(i)[k] = LF_SELECT(os\(i)[k], SPLAT(NAN), ofail);") }
        }
    }

    /// Declares mask `name`: in each lane, whether some element of the `arrays`' first `count`
    /// is not finite.
    mutating func emitNonFinite(_ name: String, _ arrays: [String], _ count: Int) {
        emit("maskw \(name) = (maskw)(0);")
        let tests = arrays.map { "!isfinite(\($0)[k])" }.joined(separator: " || ")
        emit("for (int k = 0; k < \(count); ++k) \(name) = \(name) || \(tests);")
    }

    /// One attempted step in every lane still short of its output time (`oact`), as
    /// `AdaptiveODE.solve` takes it: landing exactly on the target, the six stages, the embedded
    /// error in the maximum norm, acceptance, and the step-size controller.
    mutating func emitODEStep(_ system: ODEInputs, size: Int) throws {
        emit("const realw orem = otarget - ot;")
        emit("const maskw oland = oh >= orem * (1.0 - 1e-12);")
        emit("on = LF_SELECT(on, on + 1.0, oact);")
        emit("ofail = ofail || (oact && on > omax);")
        emit("oact = oact && !ofail;")
        emit("const realw ostep = LF_SELECT(SPLAT(0.0), LF_SELECT(oh, orem, oland), oact);")
        emit("const realw onext = LF_SELECT(ot + ostep, otarget, oland);")
        try block("for (int ostage = 1; ostage < 7; ostage++)") { g in
            g.block("for (int k = 0; k < \(size); ++k)") { h in
                h.emit("realw acc = SPLAT(0.0);")
                h.emit("for (int j = 0; j < ostage; ++j) if (lf_dp_a[ostage * 7 + j] != 0.0) acc += lf_dp_a[ostage * 7 + j] * ok[j * \(size) + k];")
                h.emit("ost[k] = oz[k] + ostep * acc;")
            }
            try g.emitODERightHandSide(system, time: "ot + lf_dp_c[ostage] * ostep", point: "ost", into: "ok", at: "ostage * \(size)")
        }
        emit("realw oerr = SPLAT(0.0);")
        block("for (int k = 0; k < \(size); ++k)") { g in
            g.emit("realw e = SPLAT(0.0);")
            g.emit("for (int j = 0; j < 7; ++j) if (lf_dp_e[j] != 0.0) e += lf_dp_e[j] * ok[j * \(size) + k];")
            g.emit("oerr = fmax(oerr, fabs(ostep * e) / (oatol + ortol * fmax(fabs(oz[k]), fabs(ost[k]))));")
        }
        emitNonFinite("obad", ["ost", "(ok + \(6 * size))"], size)
        emit("const maskw ook = oact && isfinite(oerr) && oerr <= 1.0 && !obad;")
        emit("const realw ofactor = LF_SELECT(0.9 * lf_pow(oerr, SPLAT(-0.2)), SPLAT(5.0), oerr == 0.0);")
        emit("const maskw orej = oact && !ook;")
        emit("const realw ohrej = ostep * LF_SELECT(SPLAT(0.2), fmin(SPLAT(1.0), fmax(SPLAT(0.2), ofactor)), isfinite(oerr) && oerr > 1.0);")
        emit("oh = LF_SELECT(LF_SELECT(oh, ohrej, orej), ostep * fmin(SPLAT(5.0), fmax(SPLAT(0.2), ofactor)), ook);")
        emit("ofail = ofail || (orej && oh <= 1e-14 * fmax(SPLAT(1.0), fabs(ot)));")
        emit("ot = LF_SELECT(ot, onext, ook);")
        emit("for (int k = 0; k < \(size); ++k) { oz[k] = LF_SELECT(oz[k], ost[k], ook); ok[k] = LF_SELECT(ok[k], ok[\(6 * size) + k], ook); }")
        emit("oact = ot < otarget && !ofail;")
    }

    /// z′ at (`time`, `point`) into `into[at + k]`: the right-hand side forward, then (with
    /// sensitivities) one reverse pass per state for J_y and J_p, and J_y·S + J_p (the host's
    /// `programJacobian`).
    mutating func emitODERightHandSide(_ system: ODEInputs, time: String, point: String, into: String, at: String) throws {
        let (n, p) = (system.stateCount, system.columns)
        let out = { (k: String) in "\(into)[\(at) + \(k)]" }
        try block("") { g in
            g.declareArrays(["v\(system.ode)"], count: 1, comment: "the time")
            g.emit("v\(system.ode)[0] = \(time);")
            g.declareArrays(["v\(system.state)"], count: n, comment: "the state")
            g.emit("for (int k = 0; k < \(n); ++k) v\(system.state)[k] = \(point)[k];")
            for k in system.body where g.needed[k] { try g.emitForward(k) }
            g.emit("for (int k = 0; k < \(n); ++k) \(out("k")) = \(g.value(system.derivative, "k"));")
            guard p > 0 else { return }
            g.declareArrays(["ojy"], count: n * n)
            g.declareArrays(["ojp"], count: n * p)
            g.emit("for (int k = 0; k < \(n * n); ++k) ojy[k] = SPLAT(0.0);")
            g.emit("for (int k = 0; k < \(n * p); ++k) ojp[k] = SPLAT(0.0);")
            let inputs = system.inputs.filter { $0.node != system.initial || system.body.contains { g.nodes[$0].args.contains(system.initial) } }
            let adjoints = ([system.state] + system.body).filter { g.needed[$0] && g.active[$0] }
            if g.active[system.derivative], !adjoints.isEmpty {
                for k in adjoints { g.declareArrays(["g\(k)"], count: g.storageCount(k)) }
                for input in inputs {
                    g.declareArrays(["oga\(input.node)"], count: input.count, comment: "adjoint of input \(input.node) in this pass")
                    g.adjointOverrides[input.node] = "oga\(input.node)"
                }
                defer { for input in inputs { g.adjointOverrides[input.node] = nil } }
                try g.block("for (int orow = 0; orow < \(n); orow++)") { h in
                    for k in adjoints { h.emit("for (int k = 0; k < \(max(1, h.storageCount(k))); ++k) g\(k)[k] = SPLAT(0.0);") }
                    for input in inputs { h.emit("for (int k = 0; k < \(input.count); ++k) oga\(input.node)[k] = SPLAT(0.0);") }
                    h.emit("g\(system.derivative)[orow] = SPLAT(1.0);")
                    for k in system.body.reversed() where h.needed[k] && h.active[k] { try h.emitBackward(k) }
                    h.emit("for (int j = 0; j < \(n); ++j) ojy[orow * \(n) + j] = g\(system.state)[j];")
                    for input in inputs {
                        h.emit("for (int q = 0; q < \(input.count); ++q) ojp[orow * \(p) + \(input.column) + q] = oga\(input.node)[q];")
                    }
                }
            }
            g.block("for (int r = 0; r < \(n); ++r) for (int q = 0; q < \(p); ++q)") { h in
                h.emit("realw s = ojp[r * \(p) + q];")
                h.emit("for (int j = 0; j < \(n); ++j) s += ojy[r * \(n) + j] * \(point)[\(n) + j * \(p) + q];")
                h.emit("\(out("\(n) + r * \(p) + q")) = s;")
            }
        }
    }

    /// The reverse pass of ODE solve `i`: Σₖ Ȳₖᵀ Sₖ into each input's adjoint (the host's
    /// `reverseODE`, which skips zero adjoints: a NaN sensitivity times a zero stays out).
    mutating func emitODESolveBackward(_ i: Int) {
        let system = odeInputs(i)
        let (n, p, times) = (system.stateCount, system.columns, system.times)
        for input in system.inputs {
            guard let target = adjoint(input.node, "q") else { continue }
            block("for (int k = 0; k < \(times); ++k) for (int r = 0; r < \(n); ++r)") { g in
                g.emit("const realw y = g\(i)[k * \(n) + r];")
                g.emit("for (int q = 0; q < \(input.count); ++q) \(target) += LF_SELECT(SPLAT(0.0), y * os\(i)[k * \(n * p) + r * \(p) + \(input.column) + q], y != 0.0);")
            }
        }
    }
}
