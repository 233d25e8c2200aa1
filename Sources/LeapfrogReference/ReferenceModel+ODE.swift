import LeapfrogCore
import LeapfrogModel

extension ReferenceModel {
    /// The right-hand side of ODE solve `system` compiled to scalar operations, where it can be
    /// (`ScalarProgram`; nil: evaluated node by node).
    static func odeProgram(_ system: ODEInputs, _ model: ReferenceModel) -> ScalarProgram? {
        ScalarProgram(system.body, inputs: [system.ode, system.state] + system.outside, model: model) { a in
            let node = model.nodes[a]
            return node.op == .data ? model.model.data[node.name!]?.values : nil
        }
    }
}

/// What an ODE solve computed, for the reverse pass: at each output time, the n × columns matrix
/// ∂y/∂p (row-major) over the system's inputs p (`ODEInputs.inputs`).
struct ODESensitivities {
    var at: [[Double]]
}

extension ReferenceModel {
    /// Solves the ODE of `ode_solve` node i by forward sensitivity analysis: the state y and its
    /// sensitivities S = ∂y/∂p are integrated together, y′ = f(t, y, p), S′ = J_y·S + J_p, S(t0) =
    /// ∂y0/∂p (Hindmarsh et al., "SUNDIALS", ACM TOMS 31 (2005), §2.3 — Stan's coupled system), by
    /// `DormandPrince`, or for a stiff solve (the node's `value` 1: `ode_bdf`) by `AdaptiveODE`
    /// switching to `RosenbrockW` with J_y as its Jacobian where the system is stiff, with error
    /// control over both. J_y and J_p are read row by row from n reverse
    /// passes over the system's body. A solve that fails (more steps than allowed, a non-finite
    /// state) gives NaN, so the log density is −∞ there: Stan rejects the proposal too.
    func solveODE(_ i: Int, _ v: inout [[Double]]) -> (values: [Double], sensitivities: ODESensitivities) {
        let system = odeSystems[i]!
        let args = nodes[i].args
        let y0 = v[system.initial]
        let n = y0.count, p = system.columns
        let (t0, times) = (v[args[2]][0], v[args[3]])
        let (rtol, atol, maxSteps) = (v[args[4]][0], v[args[5]][0], Int(v[args[6]][0]))
        var z0 = y0 + [Double](repeating: 0, count: n * p)
        if let first = system.inputs.first, first.node == system.initial {
            for r in 0..<n { z0[n + r * p + r] = 1 }
        }
        // f, J_y (n × n) and J_p (n × p, zero in y0's columns) at (t, y), row-major.
        var f = [Double](repeating: 0, count: n), jy = [Double](repeating: 0, count: n * n), jp = [Double](repeating: 0, count: n * p)
        let jacobian = odePrograms[i].map { programJacobian($0, system, v, n: n, p: p) } ?? nodeJacobian(system, v, n: n, p: p)
        let rhs = { (t: Double, z: [Double], wantsJacobian: Bool) -> (derivative: [Double], jacobian: [Double]?) in
            jacobian(t, z, &f, &jy, &jp, wantsJacobian)
            var dz = f + [Double](repeating: 0, count: n * p)
            guard p > 0 else { return (dz, wantsJacobian ? jy : nil) }
            for r in 0..<n {
                for q in 0..<p {
                    var s = jp[r * p + q]
                    for j in 0..<n { s += jy[r * n + j] * z[n + j * p + q] }
                    dz[n + r * p + q] = s
                }
            }
            return (dz, jy)
        }
        switch AdaptiveODE.solve(rhs, stateCount: n, initial: z0, from: t0, to: times, relativeTolerance: rtol, absoluteTolerance: atol,
                                 maxSteps: maxSteps, method: nodes[i].value == 1 ? .switching : .explicit) {
        case .success(let zs):
            return (zs.flatMap { $0[0..<n] }, ODESensitivities(at: zs.map { Array($0[n...]) }))
        case .failure:
            let nan = [Double](repeating: .nan, count: n * p)
            return ([Double](repeating: .nan, count: times.count * n), ODESensitivities(at: times.map { _ in nan }))
        }
    }

    /// f, J_y and J_p at (t, z); the Jacobians only with sensitivities or when asked (`always`: a
    /// stiff step's J_y).
    typealias ODEJacobian = (_ t: Double, _ z: [Double], _ f: inout [Double], _ jy: inout [Double], _ jp: inout [Double], _ always: Bool) -> Void

    /// f and its Jacobians from the body compiled to scalars: one forward pass, n reverse passes.
    func programJacobian(_ program: ScalarProgram, _ system: ODEInputs, _ v: [[Double]], n: Int, p: Int) -> ODEJacobian {
        var s = [Double](repeating: 0, count: program.slotCount)
        for (node, slot) in program.slots where node != system.ode && node != system.state && !v[node].isEmpty {
            for (e, x) in v[node].enumerated() { s[slot + e] = x }
        }
        var adjoint = [Double](repeating: 0, count: program.slotCount)
        let (ts, ys, fs) = (program.slots[system.ode]!, program.slots[system.state]!, program.slots[system.derivative]!)
        let inputs = system.inputs.filter { $0.node != system.initial }.map { (slot: program.slots[$0.node]!, count: $0.count, column: $0.column) }
        return { t, z, f, jy, jp, always in
            s.withUnsafeMutableBufferPointer { s in
                adjoint.withUnsafeMutableBufferPointer { adjoint in
                    s[ts] = t
                    for j in 0..<n { s[ys + j] = z[j] }
                    program.forward(s)
                    for r in 0..<n { f[r] = s[fs + r] }
                    guard p > 0 || always else { return }
                    for r in 0..<n {
                        for k in 0..<adjoint.count { adjoint[k] = 0 }
                        adjoint[fs + r] = 1
                        program.reverse(s, adjoint)
                        for j in 0..<n { jy[r * n + j] = adjoint[ys + j] }
                        for input in inputs {
                            for q in 0..<input.count { jp[r * p + input.column + q] = adjoint[input.slot + q] }
                        }
                    }
                }
            }
        }
    }

    /// f and its Jacobians node by node (`value(of:)`, `propagate`): for bodies the scalar form
    /// does not cover.
    func nodeJacobian(_ system: ODEInputs, _ v: [[Double]], n: Int, p: Int) -> ODEJacobian {
        var w = v
        var storage = [Double](repeating: 0, count: adjointCount)
        var unused = [Double](repeating: 0, count: model.dimension)
        let cleared = ([system.state] + system.body + system.inputs.map(\.node)).map { (adjointOffsets[$0], nodeShapes[$0].reduce(1, *)) }
        let (so, fo) = (adjointOffsets[system.state], adjointOffsets[system.derivative])
        let inputs = system.inputs.filter { $0.node != system.initial }
        return { t, z, f, jy, jp, always in
            w[system.ode] = [t]
            w[system.state] = Array(z[0..<n])
            for k in system.body { w[k] = self.value(of: k, w, []) }
            f = w[system.derivative]
            guard p > 0 || always else { return }
            storage.withUnsafeMutableBufferPointer { A in
                for r in 0..<n {
                    for (o, c) in cleared { for q in 0..<c { A[o + q] = 0 } }
                    A[fo + r] = 1
                    for k in system.body.reversed() { self.propagate(k, w, A, &unused) }
                    for j in 0..<n { jy[r * n + j] = A[so + j] }
                    for input in inputs {
                        let o = adjointOffsets[input.node]
                        for q in 0..<input.count { jp[r * p + input.column + q] = A[o + q] }
                    }
                }
            }
        }
    }

    /// The reverse pass of `ode_solve` node i: its adjoint Ȳ (one row per output time) times the
    /// sensitivities, Σₖ Ȳₖᵀ Sₖ, into each input's adjoint.
    func reverseODE(_ i: Int, _ A: UnsafeMutableBufferPointer<Double>, _ s: ODESensitivities, reached: inout [Bool]) {
        let system = odeSystems[i]!
        let n = nodeShapes[system.state].reduce(1, *), p = system.columns
        let o = adjointOffsets[i]
        for input in system.inputs {
            reached[input.node] = true
            let io = adjointOffsets[input.node]
            for (k, sk) in s.at.enumerated() {
                for r in 0..<n {
                    let g = A[o + k * n + r]
                    guard g != 0 else { continue }
                    for q in 0..<input.count { A[io + q] += g * sk[r * p + input.column + q] }
                }
            }
        }
    }
}
