import LeapfrogCore
import LeapfrogModel

/// ODE solves in the kernel, each lane (chain) with its own steps: the explicit Dormand–Prince
/// 5(4) method with forward sensitivities, and for `ode_bdf` the switching between it and the
/// linearly implicit ROS34PW2, as `AdaptiveODE` and `ReferenceModel.solveODE` compute them on the
/// host — the CPU reference's twin, parity in `StanOpenCLParityTests.odeSolves` and
/// `stiffSolvesSwitchPerLane`.
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
/// first). A stiff step: one LU of the n × n matrix I − hγW per lane (pivots chosen per lane by
/// selects), three evaluations, four solves of 1 + p right-hand sides, and one evaluation with
/// J_y at the accepted point (the next step's W). Each method's block runs only when some lane
/// takes it. Private memory per lane: 10 arrays of n(1 + p) for z, the stages and the stage point
/// (17 more with the stiff method, and 3 of n²), T·n(1 + p) for the outputs and their
/// sensitivities, and the right-hand side's own arrays.
extension Generator {
    /// The system of ODE solve `i` (`ODEInputs`, the analysis the CPU reference shares). The
    /// recorded-values kernel integrates the sensitivities too, though it has no reverse pass: the
    /// error control covers them, so without them the steps, and the solution within the
    /// tolerance, would differ from the one the log density saw.
    func odeInputs(_ i: Int) -> ODEInputs {
        ODEInputs(solve: i, nodes: nodes, loops: loops, active: active, shapes: shapes)
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
        for a in args.dropFirst(2) where active[a] {
            throw unsupported("an ODE solve whose times, tolerances or step limit depend on parameters (\(nodes[i].name ?? "node \(i)"))")
        }
        let system = odeInputs(i)
        // ode_bdf: AdaptiveODE's switching between Dormand–Prince and ROS34PW2.
        let switching = nodes[i].value == 1
        if switching, !active[system.derivative] {
            throw unsupported("ode_bdf on a system that depends on no parameter (\(nodes[i].name ?? "node \(i)"): its Jacobian comes from the reverse passes; solve it in transformed data)")
        }
        let (n, p, times) = (system.stateCount, system.columns, system.times)
        let size = n * (1 + p)
        if p > 0 { declareArrays(["os\(i)"], count: times * n * p, comment: "ODE sensitivities at each output time, for the reverse pass") }
        emit("// ode_solve \(i): Dormand–Prince 5(4)\(switching ? " switching with ROS34PW2" : ""), \(n) states, \(p) sensitivity columns, \(times) output times, per lane")
        try block("") { g in
            for line in Generator.dormandPrinceTables { g.emit(line) }
            g.declareArrays(["oz", "ost", "of1"], count: size)
            g.declareArrays(["ok"], count: 7 * size, comment: "the stages' derivatives, k0…k6")
            if switching {
                for line in Generator.rosenbrockTables { g.emit(line) }
                g.declareArrays(["osix", "osp", "orn", "ocp", "ofs"], count: size)
                g.declareArrays(["ork"], count: 4 * size, comment: "the stiff method's stages")
                g.declareArrays(["ow", "ow1", "olu"], count: n * n, comment: "W = ∂f/∂y at the current and the accepted point, the LU of I − hγW")
                g.declareArrays(["opv"], count: n, comment: "each LU row's original row")
                g.emit("for (int k = 0; k < \(n * n); ++k) ow[k] = SPLAT(0.0);")
                g.emit("maskw ostiff = (maskw)(0);")
                g.emit("realw osr = SPLAT(0.0), ocr = SPLAT(0.0), opat = SPLAT(\(Generator.literal(Double(AdaptiveODE.switchingRun))));")
            }
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
            try g.emitODEStartingStep(system, size: size)
            g.emit("realw ot = ot0, on = SPLAT(0.0);")
            // Post-increments: loops `annotate` leaves rolled (the solver's code stands once).
            try g.block("for (int oi = 0; oi < \(times); oi++)") { h in
                h.emit("const realw otarget = \(h.value(args[3], "oi"));")
                h.emit("maskw oact = ot < otarget && !ofail;")
                try h.block("while (LF_ANY(oact))") { w in try w.emitODEStep(system, size: size, switching: switching) }
                h.emit("for (int k = 0; k < \(n); ++k) v\(i)[oi * \(n) + k] = oz[k];")
                if p > 0 { h.emit("for (int k = 0; k < \(n * p); ++k) os\(i)[oi * \(n * p) + k] = oz[\(n) + k];") }
            }
            g.emit("for (int k = 0; k < \(times * n); ++k) v\(i)[k] = LF_SELECT(v\(i)[k], SPLAT(NAN), ofail);")
            if p > 0 { g.emit("for (int k = 0; k < \(times * n * p); ++k) os\(i)[k] = LF_SELECT(os\(i)[k], SPLAT(NAN), ofail);") }
        }
    }

    /// `oh`, Hairer, Nørsett & Wanner's starting step (`DormandPrince.startingStep`, the explicit
    /// method's exponent: every solve starts explicit), from the sizes of z and z′ and one Euler
    /// probe.
    mutating func emitODEStartingStep(_ system: ODEInputs, size: Int) throws {
        let count = Generator.literal(Double(size))
        emit("realw od0 = SPLAT(0.0), od1 = SPLAT(0.0);")
        block("for (int k = 0; k < \(size); ++k)") { h in
            h.emit("const realw s = oatol + ortol * fabs(oz[k]);")
            h.emit("od0 += (oz[k] / s) * (oz[k] / s); od1 += (ok[k] / s) * (ok[k] / s);")
        }
        emit("od0 = sqrt(od0 / \(count)); od1 = sqrt(od1 / \(count));")
        emit("const realw oh0 = LF_SELECT(0.01 * od0 / od1, SPLAT(1e-6), od0 < 1e-5 || od1 < 1e-5);")
        emit("for (int k = 0; k < \(size); ++k) ost[k] = oz[k] + oh0 * ok[k];")
        try emitODERightHandSide(system, time: "ot0 + oh0", point: "ost", into: "of1", at: "0")
        emit("realw od2 = SPLAT(0.0);")
        block("for (int k = 0; k < \(size); ++k)") { h in
            h.emit("const realw s = oatol + ortol * fabs(oz[k]);")
            h.emit("od2 += ((of1[k] - ok[k]) / s) * ((of1[k] - ok[k]) / s);")
        }
        emit("od2 = sqrt(od2 / \(count)) / oh0;")
        emit("const realw om = fmax(od1, od2);")
        emit("const realw oh1 = LF_SELECT(lf_pow(0.01 / om, SPLAT(\(Generator.literal(DormandPrince.exponent)))), fmax(SPLAT(1e-6), oh0 * 1e-3), om <= 1e-15 || !isfinite(om));")
        emit("realw oh = fmin(fmin(100.0 * oh0, oh1), fmax(oend - ot0, SPLAT(1e-6)));")
    }

    /// Declares mask `name`: in each lane, whether some element of the `arrays`' first `count`
    /// is not finite.
    mutating func emitNonFinite(_ name: String, _ arrays: [String], _ count: Int) {
        emit("maskw \(name) = (maskw)(0);")
        let tests = arrays.map { "!isfinite(\($0)[k])" }.joined(separator: " || ")
        emit("for (int k = 0; k < \(count); ++k) \(name) = \(name) || \(tests);")
    }

    /// ROS34PW2's tableau as C initialisers (`RosenbrockW`'s coefficients; b − b̂ as the host
    /// computes it).
    static var rosenbrockTables: [String] {
        let square = { (rows: [[Double]]) in (0..<4).flatMap { s in (0..<4).map { j in j < rows[s].count ? rows[s][j] : 0 } } }
        let difference = zip(RosenbrockW.b, RosenbrockW.bEmbedded).map { $0 - $1 }
        return ["const real lf_rw_a[16] = {\(square(RosenbrockW.alpha).map(literal).joined(separator: ", "))};",
                "const real lf_rw_g[16] = {\(square(RosenbrockW.gammas).map(literal).joined(separator: ", "))};",
                "const real lf_rw_c[4] = {\(RosenbrockW.nodes.map(literal).joined(separator: ", "))};",
                "const real lf_rw_b[4] = {\(RosenbrockW.b.map(literal).joined(separator: ", "))};",
                "const real lf_rw_e[4] = {\(difference.map(literal).joined(separator: ", "))};"]
    }

    /// One attempted step in every lane still short of its output time (`oact`), as
    /// `AdaptiveODE.solve` takes it: landing exactly on the target, the six stages, the embedded
    /// error in the maximum norm, acceptance, and the step-size controller. `switching`
    /// (`ode_bdf`): lanes in the stiff state (`ostiff`) take a ROS34PW2 step instead, each block
    /// run only when some lane needs it, and the lanes count their way between the methods as
    /// the host does (DOPRI5's stiffness estimate hλ against 3.25 over runs of 15 and 6 accepted
    /// steps; h‖W‖∞ back; the stiff run that switches doubled each time the stiff method gave way).
    mutating func emitODEStep(_ system: ODEInputs, size: Int, switching: Bool) throws {
        let n = system.stateCount
        let boundary = Generator.literal(AdaptiveODE.stabilityBoundary)
        emit("const realw orem = otarget - ot;")
        emit("const maskw oland = oh >= orem * (1.0 - 1e-12);")
        emit("on = LF_SELECT(on, on + 1.0, oact);")
        emit("ofail = ofail || (oact && on > omax);")
        emit("oact = oact && !ofail;")
        emit("const realw ostep = LF_SELECT(SPLAT(0.0), LF_SELECT(oh, orem, oland), oact);")
        emit("const realw onext = LF_SELECT(ot + ostep, otarget, oland);")
        let explicitStep = switching ? "oste" : "ostep"
        if switching {
            emit("const maskw oexpl = oact && !ostiff, osact = oact && ostiff;")
            emit("const realw oste = LF_SELECT(SPLAT(0.0), ostep, oexpl), osts = LF_SELECT(SPLAT(0.0), ostep, osact);")
        } else {
            emit("const maskw oexpl = oact;")
        }
        emit("realw oerr = SPLAT(0.0), ohl = SPLAT(0.0);")
        try block(switching ? "if (LF_ANY(oexpl))" : "") { g in
            try g.block("for (int ostage = 1; ostage < 7; ostage++)") { h in
                h.block("for (int k = 0; k < \(size); ++k)") { b in
                    b.emit("realw acc = SPLAT(0.0);")
                    b.emit("for (int j = 0; j < ostage; ++j) if (lf_dp_a[ostage * 7 + j] != 0.0) acc += lf_dp_a[ostage * 7 + j] * ok[j * \(size) + k];")
                    b.emit("ost[k] = oz[k] + \(explicitStep) * acc;")
                }
                if switching { h.emit("if (ostage == 5) for (int k = 0; k < \(size); ++k) osix[k] = ost[k];") }
                try h.emitODERightHandSide(system, time: "ot + lf_dp_c[ostage] * \(explicitStep)", point: "ost", into: "ok", at: "ostage * \(size)")
            }
            g.emit("realw onum = SPLAT(0.0), oden = SPLAT(0.0);")
            g.block("for (int k = 0; k < \(size); ++k)") { h in
                h.emit("realw e = SPLAT(0.0);")
                h.emit("for (int j = 0; j < 7; ++j) if (lf_dp_e[j] != 0.0) e += lf_dp_e[j] * ok[j * \(size) + k];")
                h.emit("oerr = fmax(oerr, fabs(\(explicitStep) * e) / (oatol + ortol * fmax(fabs(oz[k]), fabs(ost[k]))));")
                if switching {
                    h.emit("onum += (ok[\(6 * size) + k] - ok[\(5 * size) + k]) * (ok[\(6 * size) + k] - ok[\(5 * size) + k]);")
                    h.emit("oden += (ost[k] - osix[k]) * (ost[k] - osix[k]);")
                }
            }
            if switching { g.emit("ohl = LF_SELECT(SPLAT(0.0), oste * sqrt(onum / oden), oden > 0.0);") }
        }
        emitNonFinite("obad", ["ost", "(ok + \(6 * size))"], size)
        emit("const maskw ookE = oexpl && isfinite(oerr) && oerr <= 1.0 && !obad;")
        guard switching else {
            emitODEUpdate(size: size, accepted: "ookE", error: "oerr", exponent: "SPLAT(\(Generator.literal(DormandPrince.exponent)))")
            emit("for (int k = 0; k < \(size); ++k) ok[k] = LF_SELECT(ok[k], ok[\(6 * size) + k], ookE);")
            emit("oact = ot < otarget && !ofail;")
            return
        }
        // The stiff lanes' ROS34PW2 step (`RosenbrockW.step`).
        emit("realw oerrs = SPLAT(0.0);")
        emit("maskw osing = (maskw)(0);")
        try block("if (LF_ANY(osact))") { g in
            g.emitPivotedLU(n: n, scale: "osts * \(Generator.literal(RosenbrockW.gamma))")
            try g.block("for (int ostage = 0; ostage < 4; ostage++)") { h in
                h.block("for (int k = 0; k < \(size); ++k)") { b in
                    b.emit("realw a = SPLAT(0.0), c = SPLAT(0.0);")
                    b.emit("for (int j = 0; j < ostage; ++j) { a += lf_rw_a[ostage * 4 + j] * ork[j * \(size) + k]; c += lf_rw_g[ostage * 4 + j] * ork[j * \(size) + k]; }")
                    b.emit("osp[k] = oz[k] + a; ocp[k] = c;")
                }
                h.emit("if (ostage == 0) for (int k = 0; k < \(size); ++k) ofs[k] = ok[k];")
                try h.block("else") { b in
                    try b.emitODERightHandSide(system, time: "ot + lf_rw_c[ostage] * osts", point: "osp", into: "ofs", at: "0")
                }
                let p = system.columns
                h.block("for (int r = 0; r < \(n); ++r)") { b in
                    b.emit("realw wy = SPLAT(0.0);")
                    b.emit("for (int j = 0; j < \(n); ++j) wy += ow[r * \(n) + j] * ocp[j];")
                    b.emit("ork[ostage * \(size) + r] = osts * (ofs[r] + wy);")
                    if p > 0 {
                        b.block("for (int q = 0; q < \(p); ++q)") { c in
                            c.emit("realw ws = SPLAT(0.0);")
                            c.emit("for (int j = 0; j < \(n); ++j) ws += ow[r * \(n) + j] * ocp[\(n) + j * \(p) + q];")
                            c.emit("ork[ostage * \(size) + \(n) + r * \(p) + q] = osts * (ofs[\(n) + r * \(p) + q] + ws);")
                        }
                    }
                }
                h.emitLUSolve(n: n, columns: p, array: "ork", at: "ostage * \(size)")
                h.emit("for (int k = 0; k < \(size); ++k) osing = osing || !isfinite(ork[ostage * \(size) + k]);")
            }
            g.block("for (int k = 0; k < \(size); ++k)") { h in
                h.emit("realw e = SPLAT(0.0);")
                h.emit("orn[k] = oz[k];")
                h.emit("for (int j = 0; j < 4; ++j) { orn[k] += lf_rw_b[j] * ork[j * \(size) + k]; e += lf_rw_e[j] * ork[j * \(size) + k]; }")
                h.emit("oerrs = fmax(oerrs, fabs(e) / (oatol + ortol * fmax(fabs(oz[k]), fabs(orn[k]))));")
            }
            g.emit("oerrs = LF_SELECT(oerrs, SPLAT(INFINITY), osing);")
            g.emit("for (int k = 0; k < \(size); ++k) ost[k] = LF_SELECT(ost[k], orn[k], osact);")
        }
        emit("oerr = LF_SELECT(oerr, oerrs, osact);")
        emitNonFinite("obads", ["ost"], size)
        emit("const maskw ookS0 = osact && isfinite(oerr) && oerr <= 1.0 && !obads;")
        // Explicit lanes' runs: a lane whose stiff run reaches its patience switches.
        emit("const maskw ohot = ohl > \(boundary);")
        emit("realw osr1 = LF_SELECT(osr, osr + 1.0, ohot), ocr1 = LF_SELECT(ocr + 1.0, SPLAT(0.0), ohot);")
        emit("const maskw oreset = !ohot && ocr1 == \(Generator.literal(Double(AdaptiveODE.resetRun)));")
        emit("osr1 = LF_SELECT(osr1, SPLAT(0.0), oreset); ocr1 = LF_SELECT(ocr1, SPLAT(0.0), oreset);")
        emit("const maskw oswitch = ookE && osr1 == opat;")
        // f and W at the accepted point: the stiff lanes' next first stage, the switching lanes' start.
        try block("if (LF_ANY(ookS0 || oswitch))") { g in
            try g.emitODERightHandSide(system, time: "onext", point: "ost", into: "of1", at: "0", jacobian: "ow1")
        }
        emitNonFinite("obadf", ["of1"], size)
        emitNonFinite("obadj", ["ow1"], n * n)
        emit("const maskw ookS = ookS0 && !obadf && !obadj;")
        emit("ofail = ofail || (oswitch && (obadf || obadj));")
        emit("const maskw ook = ookE || ookS;")
        emitODEUpdate(size: size, accepted: "ook", error: "oerr",
                      exponent: "LF_SELECT(SPLAT(\(Generator.literal(DormandPrince.exponent))), SPLAT(\(Generator.literal(RosenbrockW.exponent))), ostiff)")
        emit("for (int k = 0; k < \(size); ++k) { ok[k] = LF_SELECT(ok[k], ok[\(6 * size) + k], ookE); ok[k] = LF_SELECT(ok[k], of1[k], ookS || oswitch); }")
        emit("for (int k = 0; k < \(n * n); ++k) ow[k] = LF_SELECT(ow[k], ow1[k], ookS || oswitch);")
        // Stiff lanes: back to the explicit method once it would be stable at this step size.
        emit("realw onorm = SPLAT(0.0);")
        block("for (int r = 0; r < \(n); ++r)") { g in
            g.emit("realw s = SPLAT(0.0);")
            g.emit("for (int j = 0; j < \(n); ++j) s += fabs(ow1[r * \(n) + j]);")
            g.emit("onorm = fmax(onorm, s);")
        }
        emit("const realw ocrs = LF_SELECT(SPLAT(0.0), ocr + 1.0, ostep * onorm <= \(boundary));")
        emit("const maskw ocalm = ookS && ocrs == \(Generator.literal(Double(AdaptiveODE.switchingRun)));")
        emit("osr = LF_SELECT(osr, osr1, ookE); ocr = LF_SELECT(LF_SELECT(ocr, ocr1, ookE), ocrs, ookS);")
        emit("osr = LF_SELECT(osr, SPLAT(0.0), oswitch); ocr = LF_SELECT(ocr, SPLAT(0.0), oswitch || ocalm);")
        emit("opat = LF_SELECT(opat, 2.0 * opat, ocalm);")
        emit("ostiff = (ostiff && !ocalm) || (oswitch && !ofail);")
        emit("oact = ot < otarget && !ofail;")
    }

    /// The step-size controller after an attempt (`AdaptiveODE.solve`): accepted lanes move to
    /// (`onext`, `ost`) with h × min(5, max(0.2, 0.9 err^−exponent)); rejected ones shrink h,
    /// by at most 0.2 (every way when the error is not finite), and fail when h underflows.
    mutating func emitODEUpdate(size: Int, accepted: String, error: String, exponent: String) {
        let (safety, smallest, largest) = (Generator.literal(AdaptiveODE.safety), Generator.literal(AdaptiveODE.smallestFactor),
                                           Generator.literal(AdaptiveODE.largestFactor))
        emit("const realw ofactor = LF_SELECT(\(safety) * lf_pow(\(error), -(\(exponent))), SPLAT(\(largest)), \(error) == 0.0);")
        emit("const maskw orej = oact && !\(accepted);")
        emit("const realw ohrej = ostep * LF_SELECT(SPLAT(\(smallest)), fmin(SPLAT(1.0), fmax(SPLAT(\(smallest)), ofactor)), isfinite(\(error)) && \(error) > 1.0);")
        emit("oh = LF_SELECT(LF_SELECT(oh, ohrej, orej), ostep * fmin(SPLAT(\(largest)), fmax(SPLAT(\(smallest)), ofactor)), \(accepted));")
        emit("ofail = ofail || (orej && oh <= 1e-14 * fmax(SPLAT(1.0), fabs(ot)));")
        emit("ot = LF_SELECT(ot, onext, \(accepted));")
        emit("for (int k = 0; k < \(size); ++k) oz[k] = LF_SELECT(oz[k], ost[k], \(accepted));")
    }

    /// `olu` = LU of I − `scale`·W (`ow`) with partial pivoting, each lane its own pivots (the
    /// first largest, as `RosenbrockW.LU`): `opv` holds each row's original row; `osing` marks
    /// the lanes whose matrix is singular or not finite.
    mutating func emitPivotedLU(n: Int, scale: String) {
        emit("for (int k = 0; k < \(n * n); ++k) olu[k] = -(\(scale)) * ow[k];")
        emit("for (int r = 0; r < \(n); ++r) { olu[r * \(n) + r] += 1.0; opv[r] = SPLAT((real)r); }")
        block("for (int col = 0; col < \(n); ++col)") { g in
            g.emit("realw obv = fabs(olu[col * \(n) + col]), obi = SPLAT((real)col);")
            g.block("for (int r = col + 1; r < \(n); ++r)") { h in
                h.emit("const maskw better = fabs(olu[r * \(n) + col]) > obv;")
                h.emit("obv = LF_SELECT(obv, fabs(olu[r * \(n) + col]), better); obi = LF_SELECT(obi, SPLAT((real)r), better);")
            }
            g.block("for (int r = col + 1; r < \(n); ++r)") { h in
                h.emit("const maskw swap = obi == (real)r;")
                h.block("for (int j = 0; j < \(n); ++j)") { b in
                    b.emit("const realw top = olu[col * \(n) + j];")
                    b.emit("olu[col * \(n) + j] = LF_SELECT(top, olu[r * \(n) + j], swap); olu[r * \(n) + j] = LF_SELECT(olu[r * \(n) + j], top, swap);")
                }
                h.emit("const realw row = opv[col];")
                h.emit("opv[col] = LF_SELECT(row, opv[r], swap); opv[r] = LF_SELECT(opv[r], row, swap);")
            }
            g.emit("const realw opiv = olu[col * \(n) + col];")
            g.emit("osing = osing || opiv == 0.0 || !isfinite(opiv);")
            g.block("for (int r = col + 1; r < \(n); ++r)") { h in
                h.emit("const realw l = olu[r * \(n) + col] / opiv;")
                h.emit("olu[r * \(n) + col] = l;")
                h.emit("for (int j = col + 1; j < \(n); ++j) olu[r * \(n) + j] -= l * olu[col * \(n) + j];")
            }
        }
    }

    /// Solves (I − hγW) x = v in place for `array`'s n values at `at` and each of the n × `columns`
    /// block after them (`RosenbrockW.LU.solve`): rows gathered through `opv` by selects, then
    /// forward and back substitution.
    mutating func emitLUSolve(n: Int, columns: Int, array: String, at: String) {
        block("for (int q = -1; q < \(columns); ++q)") { g in
            let index = { (r: String) in "\(at) + (q < 0 ? \(r) : \(n) + (\(r)) * \(max(1, columns)) + q)" }
            g.declareArrays(["ox"], count: n)
            g.block("for (int r = 0; r < \(n); ++r)") { h in
                h.emit("ox[r] = SPLAT(0.0);")
                h.emit("for (int j = 0; j < \(n); ++j) ox[r] = LF_SELECT(ox[r], \(array)[\(index("j"))], opv[r] == (real)j);")
            }
            g.emit("for (int r = 0; r < \(n); ++r) for (int j = 0; j < r; ++j) ox[r] -= olu[r * \(n) + j] * ox[j];")
            g.block("for (int r = \(n - 1); r >= 0; --r)") { h in
                h.emit("for (int j = r + 1; j < \(n); ++j) ox[r] -= olu[r * \(n) + j] * ox[j];")
                h.emit("ox[r] /= olu[r * \(n) + r];")
            }
            g.emit("for (int r = 0; r < \(n); ++r) \(array)[\(index("r"))] = ox[r];")
        }
    }

    /// z′ at (`time`, `point`) into `into[at + k]`: the right-hand side forward, then (with
    /// sensitivities, or when `jacobian` names an array for J_y) one reverse pass per state for
    /// J_y and J_p, and J_y·S + J_p (the host's `programJacobian`).
    mutating func emitODERightHandSide(_ system: ODEInputs, time: String, point: String, into: String, at: String,
                                       jacobian: String? = nil) throws {
        let (n, p) = (system.stateCount, system.columns)
        let out = { (k: String) in "\(into)[\(at) + \(k)]" }
        try block("") { g in
            g.declareArrays(["v\(system.ode)"], count: 1, comment: "the time")
            g.emit("v\(system.ode)[0] = \(time);")
            g.declareArrays(["v\(system.state)"], count: n, comment: "the state")
            g.emit("for (int k = 0; k < \(n); ++k) v\(system.state)[k] = \(point)[k];")
            for k in system.body where g.needed[k] { try g.emitForward(k) }
            g.emit("for (int k = 0; k < \(n); ++k) \(out("k")) = \(g.value(system.derivative, "k"));")
            guard p > 0 || jacobian != nil else { return }
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
            if let jacobian { g.emit("for (int k = 0; k < \(n * n); ++k) \(jacobian)[k] = ojy[k];") }
            guard p > 0 else { return }
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
