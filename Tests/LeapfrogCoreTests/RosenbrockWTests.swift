import Foundation
import Testing
@testable import LeapfrogCore

/// The Rosenbrock–W solver for stiff systems (`RosenbrockW`, ROS34PW2) on problems with
/// closed-form solutions: accuracy follows the tolerance, a stiff problem takes steps sized by
/// accuracy (where `DormandPrince` runs out of steps), sensitivities carried in the state are
/// right, any Jacobian approximation gives the same answer, and failures are failures.
@Suite struct RosenbrockWTests {
    typealias System = (_ t: Double, _ z: [Double]) -> (derivative: [Double], jacobian: [Double])

    static func solve(_ system: @escaping System, n: Int, _ z0: [Double], _ times: [Double], tol: Double,
                      maxSteps: Int = 100_000) -> Result<[[Double]], AdaptiveODE.Failure> {
        RosenbrockW.solve(system, stateCount: n, initial: z0, from: 0, to: times, relativeTolerance: tol,
                          absoluteTolerance: tol, maxSteps: maxSteps)
    }

    /// y′ = −λ(y − cos t) − sin t, y(0) = 2: y = cos t + e^(−λt), a transient of time scale 1/λ
    /// and then a slow solution. With λ = 10⁴, an explicit method's step is bounded by stability
    /// (|hλ| ≲ 3.3: some 30,000 steps to t = 10); this one's by accuracy.
    @Test func aStiffProblemTakesFewSteps() throws {
        let lambda = 1e4
        var evaluations = 0
        let system: System = { t, y in
            evaluations += 1
            return ([-lambda * (y[0] - cos(t)) - sin(t)], [-lambda])
        }
        let times = [0.001, 1, 5, 10]
        let ys = try Self.solve(system, n: 1, [2], times, tol: 1e-7).get()
        for (t, y) in zip(times, ys) {
            let exact = cos(t) + exp(-lambda * t)
            #expect(abs(y[0] - exact) < 1e-5, "t = \(t): \(y[0]) vs \(exact)")
        }
        #expect(evaluations < 2_000, "\(evaluations) evaluations")
        let explicit = DormandPrince.solve({ t, y in [-lambda * (y[0] - cos(t)) - sin(t)] }, initial: [2], from: 0, to: times,
                                           relativeTolerance: 1e-7, absoluteTolerance: 1e-7, maxSteps: 5_000)
        #expect(explicit == .failure(.tooManySteps))
    }

    /// The harmonic oscillator over several periods (not stiff): the error follows the tolerance,
    /// a tighter one giving a smaller error by about as much.
    @Test func errorShrinksWithTheTolerance() throws {
        let times = (1...10).map { Double($0) * 2 }
        func worst(_ tol: Double) throws -> Double {
            let ys = try Self.solve({ _, y in ([y[1], -y[0]], [0, 1, -1, 0]) }, n: 2, [1, 0], times, tol: tol).get()
            return zip(times, ys).map { max(abs($1[0] - cos($0)), abs($1[1] + sin($0))) }.max()!
        }
        let (loose, tight) = (try worst(1e-5), try worst(1e-9))
        #expect(loose < 1e-3 && tight < 1e-7, "errors \(loose), \(tight)")
        #expect(tight < loose / 100, "errors \(loose), \(tight)")
    }

    /// y′ = −k·y + a with its sensitivities to (k, a) as two columns after y: S′ = −k·S + (−y, 1),
    /// S(0) = 0. y = a/k + (1 − a/k)e^(−kt); ∂y/∂k and ∂y/∂a in closed form.
    @Test func sensitivitiesFollowTheState() throws {
        let (k, a) = (3.0, 0.5)
        let system: System = { _, z in
            let y = z[0]
            return ([-k * y + a, -k * z[1] - y, -k * z[2] + 1], [-k])
        }
        let times = [0.2, 1, 4]
        let zs = try Self.solve(system, n: 1, [1, 0, 0], times, tol: 1e-10).get()
        for (t, z) in zip(times, zs) {
            let e = exp(-k * t)
            let y = a / k + (1 - a / k) * e
            let dk = -a / (k * k) + a / (k * k) * e - (1 - a / k) * t * e
            let da = (1 - e) / k
            #expect(abs(z[0] - y) < 1e-8 && abs(z[1] - dk) < 1e-8 && abs(z[2] - da) < 1e-8, "t = \(t): \(z) vs \([y, dk, da])")
        }
    }

    /// A W-method's order holds for any Jacobian approximation: with W = 0 (an explicit method),
    /// the exact Jacobian, or a wrong one, a nonlinear time-dependent system reaches the same
    /// values within the tolerance.
    @Test func anyJacobianApproximationGivesTheSameAnswer() throws {
        func system(_ wrong: Double?) -> System {
            { t, y in
                let f = [-2 * y[0] + sin(t) * y[1] * y[1], y[0] - 0.5 * y[1] * cos(3 * t)]
                let exact = [-2, 2 * sin(t) * y[1], 1, -0.5 * cos(3 * t)]
                return (f, wrong.map { w in exact.map { $0 + w } } ?? exact)
            }
        }
        let reference = try Self.solve(system(nil), n: 2, [1, 0.5], [3], tol: 1e-12).get()[0]
        for wrong in [0.7, -1.5] {
            let y = try Self.solve(system(wrong), n: 2, [1, 0.5], [3], tol: 1e-8).get()[0]
            #expect(abs(y[0] - reference[0]) < 1e-6 && abs(y[1] - reference[1]) < 1e-6, "\(y) vs \(reference)")
        }
        let explicit = try Self.solve({ t, y in (system(nil)(t, y).derivative, [0, 0, 0, 0]) }, n: 2, [1, 0.5], [3], tol: 1e-8).get()[0]
        #expect(abs(explicit[0] - reference[0]) < 1e-6 && abs(explicit[1] - reference[1]) < 1e-6)
    }

    @Test func unfinishedSolvesFail() {
        let tooFew = Self.solve({ _, y in ([y[1], -y[0]], [0, 1, -1, 0]) }, n: 2, [1, 0], [100], tol: 1e-8, maxSteps: 10)
        #expect(tooFew == .failure(.tooManySteps))
        let blowUp = Self.solve({ _, y in ([y[0] * y[0]], [2 * y[0]]) }, n: 1, [1], [2], tol: 1e-8)
        #expect((try? blowUp.get()) == nil)
        let nan = Self.solve({ _, _ in ([.nan], [0]) }, n: 1, [1], [1], tol: 1e-8)
        #expect(nan == .failure(.notFinite))
    }
}
