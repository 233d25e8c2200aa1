import LeapfrogCore
import LeapfrogData

/// Stan's ODE solvers on the host (transformed data, generated quantities run per draw): the same
/// methods as the graph's (`RosenbrockW` for the BDF forms, with a finite-difference Jacobian;
/// `DormandPrince` for the others), values only, with the user function interpreted as the
/// right-hand side. Arguments as `Lowering.odeCall` takes them.
extension HostInterpreter {
    static let odeSolverNames = Set(Lowering.odeSolvers.keys)

    func solveODE(_ name: String, _ args: [Expression], at l: StanSourceLocation) throws -> DataArray {
        let solver = Lowering.odeSolvers[name]!
        guard case .variable(let fname, _)? = args.first, let f = functions[fname] else {
            throw fail("the first argument of \(name) must be the name of a function, the system's right-hand side dy/dt = f(t, y, …)", l)
        }
        guard let layout = solver.layout(args.count) else { throw fail("\(solver.signature(name)), got \(args.count) arguments", l) }
        // values[k] is args[k]'s (f, the first, is passed by name, not evaluated).
        let values = try args.enumerated().map { $0.offset == 0 ? DataArray.scalar(.nan) : try evaluate($0.element) }
        let (y0, t0, ts) = (values[1], values[2].values[0], values[3])
        let passed = Array(values[layout.passed])
        let (rtol, atol, maxSteps) = layout.tolerances.map { (values[$0].values[0], values[$0 + 1].values[0], values[$0 + 2].values[0]) }
            ?? (solver.defaults.rtol, solver.defaults.atol, solver.defaults.maxSteps)
        guard y0.rank == 1 else { throw fail("the initial state of \(name) must be a vector or an array of reals, got shape \(y0.shape)", l) }
        if let k = DormandPrince.firstUnorderedTime(after: t0, ts.values) {
            throw fail("\(name): the output times must be finite and increase strictly after the initial time \(t0), but element \(k + 1) is \(ts.values[k])", l)
        }
        guard rtol > 0, atol > 0, maxSteps >= 1 else { throw fail("\(name): the tolerances must be positive and the maximum number of steps at least 1", l) }
        let n = y0.count
        var failure: Error?
        let rhs = { (t: Double, y: [Double]) -> [Double] in
            guard failure == nil else { return [Double](repeating: .nan, count: n) }
            do {
                let dydt = try self.callUserFunction(f, [.scalar(t), DataArray(shape: [n], values: y)] + passed, at: l)
                guard dydt.count == n else {
                    throw self.fail("the function '\(fname)' returns \(dydt.count) values, but the state of \(name) has \(n): dy/dt must have y's size", l)
                }
                return dydt.values
            } catch {
                failure = error
                return [Double](repeating: .nan, count: n)
            }
        }
        let system = { (t: Double, y: [Double], wantsJacobian: Bool) -> (derivative: [Double], jacobian: [Double]?) in
            let dydt = rhs(t, y)
            return (dydt, wantsJacobian ? RosenbrockW.differenceJacobian(rhs, t: t, y: y, derivative: dydt) : nil)
        }
        let result = AdaptiveODE.solve(system, stateCount: n, initial: y0.values, from: t0, to: ts.values, relativeTolerance: rtol,
                                       absoluteTolerance: atol, maxSteps: Int(maxSteps), method: solver.stiff ? .switching : .explicit)
        if let failure { throw failure }
        switch result {
        case .success(let ys): return DataArray(shape: [ts.count, n], values: ys.flatMap { $0 })
        case .failure(.tooManySteps): throw fail("\(name): the solve needs more than max_num_steps = \(Int(maxSteps)) steps (Stan stops here too)", l)
        case .failure(.notFinite): throw fail("\(name): the state or its derivative is not finite (Stan stops here too)", l)
        }
    }
}
