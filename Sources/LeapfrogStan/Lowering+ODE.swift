import LeapfrogModel

/// Stan's ODE solvers, lowered to an ODE system and its solve (`Operation.ode`, `odeSolve`).
///
/// `integrate_ode_rk45(f, y0, t0, ts, theta, x_r, x_i[, rtol, atol, max_steps])` (and `_bdf`,
/// `_adams`) and `ode_rk45(f, y0, t0, ts, …)` (and `ode_bdf`, `ode_adams`, `ode_ckrk`, each with a
/// `_tol` form taking `rtol, atol, max_num_steps` after ts): the function f is inlined once, inside
/// the system's region, with its time and state standing for the solver's (its other arguments
/// are substituted as written, as for any call). Every form is solved by the adaptive
/// Dormand–Prince 5(4) method (`DormandPrince`); the BDF forms (`ode_bdf`, `integrate_ode_bdf`:
/// Stan's stiff solver) switch to a linearly implicit Rosenbrock–W method, whose steps are
/// bounded by accuracy rather than stability, while the system is stiff (`AdaptiveODE`,
/// `RosenbrockW`); each at the tolerances the call gives or Stan's defaults for that solver.
extension Lowering {
    /// A solver's interface: the old one (`integrate_ode_*`: theta, x_r, x_i) or the variadic
    /// one, whether tolerances follow ts, and Stan's default tolerances and step limit.
    struct ODESolver: Sendable {
        var legacy: Bool
        var tolerancesGiven: Bool
        var defaults: (rtol: Double, atol: Double, maxSteps: Double)
        /// Switching to the stiff method where the system is stiff (`AdaptiveODE`): Stan's BDF solvers.
        var stiff = false

        /// Where a call's arguments are (after f, y0, t0, ts): those passed on to f, and the
        /// index of rtol (atol and the step limit follow) when the call gives them; nil when a
        /// call of `count` arguments does not fit the interface.
        func layout(_ count: Int) -> (passed: Range<Int>, tolerances: Int?)? {
            if legacy { return count == 7 || count == 10 ? (4..<7, count == 10 ? 7 : nil) : nil }
            let fixed = tolerancesGiven ? 7 : 4
            return count >= fixed ? (fixed..<count, tolerancesGiven ? 4 : nil) : nil
        }

        /// The interface, for messages.
        func signature(_ name: String) -> String {
            legacy ? "\(name) takes (f, y0, t0, ts, theta, x_r, x_i) or (f, y0, t0, ts, theta, x_r, x_i, rtol, atol, max_steps)"
                   : "\(name) takes (f, y0, t0, ts\(tolerancesGiven ? ", rtol, atol, max_num_steps" : ""), …)"
        }
    }

    /// Stan's ODE solvers by name (Stan Functions Reference, "Ordinary differential equation (ODE)
    /// solvers": rk45 and ckrk default to 1e-6, 1e-6, 10⁶ steps; bdf and adams to 1e-10, 1e-10, 10⁸).
    /// `integrate_ode` is the oldest name of `integrate_ode_rk45` (Stan 2.x before 2.10, removed
    /// since; example-models' soil-carbon programs still call it).
    static let odeSolvers: [String: ODESolver] = {
        let explicit = (rtol: 1e-6, atol: 1e-6, maxSteps: 1e6), implicit = (rtol: 1e-10, atol: 1e-10, maxSteps: 1e8)
        var out: [String: ODESolver] = [
            "integrate_ode_rk45": ODESolver(legacy: true, tolerancesGiven: false, defaults: explicit),
            "integrate_ode": ODESolver(legacy: true, tolerancesGiven: false, defaults: explicit),
            "integrate_ode_bdf": ODESolver(legacy: true, tolerancesGiven: false, defaults: implicit, stiff: true),
            "integrate_ode_adams": ODESolver(legacy: true, tolerancesGiven: false, defaults: implicit),
        ]
        for (method, defaults) in [("rk45", explicit), ("ckrk", explicit), ("bdf", implicit), ("adams", implicit)] {
            out["ode_\(method)"] = ODESolver(legacy: false, tolerancesGiven: false, defaults: defaults, stiff: method == "bdf")
            out["ode_\(method)_tol"] = ODESolver(legacy: false, tolerancesGiven: true, defaults: defaults, stiff: method == "bdf")
        }
        return out
    }()

    /// Whether `s` adds to the log density (`~`, `target +=`, `reject`).
    static func addsTerms(_ s: Statement) -> Bool {
        s.contains { x in
            switch x {
            case .tilde, .targetIncrement, .reject: return true
            default: return false
            }
        }
    }

    func odeCall(_ name: String, _ solver: ODESolver, _ args: [Expression], at l: StanSourceLocation) throws -> Value {
        guard case .variable(let fname, _)? = args.first, let f = program.functions[fname] else {
            throw fail("the first argument of \(name) must be the name of a function, the system's right-hand side dy/dt = f(t, y, …)", l)
        }
        guard let layout = solver.layout(args.count) else { throw fail("\(solver.signature(name)), got \(args.count) arguments", l) }
        let passed = Array(args[layout.passed])
        guard f.parameters.count == 2 + passed.count else {
            throw fail("the function '\(fname)' takes \(f.parameters.count) arguments, but \(name) calls it with \(2 + passed.count) (t, y\(solver.legacy ? ", theta, x_r, x_i" : " and the arguments after \(solver.tolerancesGiven ? "max_num_steps" : "ts")"))", l)
        }
        if let outer = odeSolverName { throw fail("\(name) inside the right-hand side of \(outer) is not supported", l) }
        guard plate == nil, columnPlate == nil, recurrences.isEmpty else {
            throw fail("\(name) inside a loop is not supported; solve once, outside the loop, at every time the loop needs (ts holds them all)", l)
        }
        let y0 = try expression(args[1])
        let stateType = solver.legacy ? StanType(base: .real, arrayRank: 1, sizes: y0.type.sizes)
                                      : StanType(base: .vector, arrayRank: 0, sizes: y0.type.sizes)
        guard y0.type.rank == 1, y0.type.base == (solver.legacy ? .real : .vector) || (solver.legacy && y0.type.base == .int) else {
            throw fail("the initial state of \(name) must be \(solver.legacy ? "an array of reals" : "a vector"), got \(y0.type)", args[1].location)
        }
        /// A time or tolerance: data or a constant (its values are checked when the data are read).
        func dataLeaf(_ e: Expression, _ role: String, scalar: Bool) throws -> (Expr, Value) {
            let v = try expression(e)
            guard v.dataOnly, v.type.rank == (scalar ? 0 : 1) else {
                throw fail("\(role) of \(name) must be \(scalar ? "a real" : "an array of reals") on data (here they cannot depend on parameters)", e.location)
            }
            let node = materialize(v)
            guard [.data, .constant].contains(builder.graph.nodes[node.id].op) else {
                throw fail("\(role) of \(name) must be a data variable or a constant; compute it in transformed data", e.location)
            }
            return (node, v)
        }
        let (t0, _) = try dataLeaf(args[2], "the initial time t0", scalar: true)
        let (ts, tsValue) = try dataLeaf(args[3], "the output times ts", scalar: false)
        let tolerance = { (k: Int, role: String, fallback: Double) throws -> Expr in
            guard let given = layout.tolerances else { return self.builder.constant(fallback) }
            return try dataLeaf(args[given + k], role, scalar: true).0
        }
        let rtol = try tolerance(0, "the relative tolerance", solver.defaults.rtol)
        let atol = try tolerance(1, "the absolute tolerance", solver.defaults.atol)
        let maxSteps = try tolerance(2, "the maximum number of steps", solver.defaults.maxSteps)
        for s in f.body where Lowering.addsTerms(s) {
            throw fail("the function '\(fname)' is the right-hand side of \(name): it cannot add to the log density nor reject", s.location)
        }
        inlineCount += 1
        let (tName, yName) = ("\(fname)__t\(inlineCount)", "\(fname)__y\(inlineCount)")
        let system = try builder.odeSystem(initial: materialize(y0), name: "\(name) (line \(l.line))") { t, y in
            scope.push()
            odeSolverName = name
            defer { scope.pop(); odeSolverName = nil }
            scope.declare(Symbol(name: tName, type: .real, kind: .local, value: Value(type: .real, node: t, dataOnly: false), location: l))
            scope.declare(Symbol(name: yName, type: stateType, kind: .local, value: Value(type: stateType, node: y, dataOnly: false), location: l))
            guard let dydt = try inlineCall(f, [.variable(tName, l), .variable(yName, l)] + passed, at: l) else {
                throw fail("the function '\(fname)' returns nothing; as the right-hand side of \(name) it must return dy/dt", l)
            }
            guard dydt.type.rank == 1, !differ(dydt.type.sizes[0], y0.type.sizes[0]) else {
                throw fail("the function '\(fname)' returns \(dydt.type), but the state of \(name) is \(stateType): dy/dt must have y's size", l)
            }
            return materialize(dydt)
        }
        let solve = builder.odeSolve(system, t0: t0, times: ts, relativeTolerance: rtol, absoluteTolerance: atol,
                                     maxSteps: maxSteps, stiff: solver.stiff, name: "\(name) (line \(l.line))")
        let times = tsValue.type.sizes[0]
        let type = solver.legacy ? StanType(base: .real, arrayRank: 2, sizes: [times, y0.type.sizes[0]])
                                 : StanType(base: .vector, arrayRank: 1, sizes: [times, y0.type.sizes[0]])
        return Value(type: type, node: solve, dataOnly: false)
    }
}
