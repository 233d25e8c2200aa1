import Foundation
import Testing
@testable import LeapfrogCore

/// `AdaptiveODE` switching between the explicit and the stiff method (Stan's `ode_bdf` here): a
/// problem that is never stiff stays explicit, step for step the explicit solve; a stiff one
/// switches and finishes where the explicit method runs out of steps; a system stiff only for a
/// while switches back when it ends.
@Suite struct AdaptiveODETests {
    /// The times at which the solver asked for a Jacobian (its stiff steps).
    final class Requests { var times: [Double] = [] }

    /// y′ = −λ(t)(y − cos t) − sin t, y(0) = 2: y = cos t + a decaying transient whatever λ.
    static func relax(_ lambda: @escaping (Double) -> Double, jacobianTimes: Requests) -> AdaptiveODE.System {
        { t, y, jacobian in
            if jacobian { jacobianTimes.times.append(t) }
            return ([-lambda(t) * (y[0] - cos(t)) - sin(t)], [-lambda(t)])
        }
    }

    @Test func aProblemThatIsNotStiffStaysExplicit() throws {
        let asked = Requests()
        let times = [1.0, 4, 10]
        let switching = try AdaptiveODE.solve(Self.relax({ _ in 0.5 }, jacobianTimes: asked), stateCount: 1, initial: [2], from: 0,
                                              to: times, relativeTolerance: 1e-8, absoluteTolerance: 1e-8, maxSteps: 10_000, method: .switching).get()
        let explicit = try DormandPrince.solve({ t, y in [-0.5 * (y[0] - cos(t)) - sin(t)] }, initial: [2], from: 0, to: times,
                                               relativeTolerance: 1e-8, absoluteTolerance: 1e-8, maxSteps: 10_000).get()
        #expect(switching == explicit)
        #expect(asked.times.isEmpty)
    }

    @Test func aStiffProblemSwitchesAndFinishes() throws {
        let asked = Requests()
        let ys = try AdaptiveODE.solve(Self.relax({ _ in 1e6 }, jacobianTimes: asked), stateCount: 1, initial: [2], from: 0,
                                       to: [0.5, 10], relativeTolerance: 1e-8, absoluteTolerance: 1e-8, maxSteps: 5_000, method: .switching).get()
        #expect(abs(ys[0][0] - cos(0.5)) < 1e-7 && abs(ys[1][0] - cos(10)) < 1e-7, "\(ys)")
        #expect(!asked.times.isEmpty)
        let explicit = DormandPrince.solve({ t, y in [-1e6 * (y[0] - cos(t)) - sin(t)] }, initial: [2], from: 0, to: [0.5, 10],
                                           relativeTolerance: 1e-8, absoluteTolerance: 1e-8, maxSteps: 5_000)
        #expect(explicit == .failure(.tooManySteps))
    }

    /// λ = 10⁵ until t = 1, then 0.5: stiff steps before, explicit ones again well after.
    @Test func stiffnessThatEndsSwitchesBack() throws {
        let asked = Requests()
        let ys = try AdaptiveODE.solve(Self.relax({ $0 < 1 ? 1e5 : 0.5 }, jacobianTimes: asked), stateCount: 1, initial: [2], from: 0,
                                       to: [0.5, 1, 20], relativeTolerance: 1e-7, absoluteTolerance: 1e-7, maxSteps: 20_000,
                                       method: .switching).get()
        for (t, y) in zip([0.5, 1, 20], ys) { #expect(abs(y[0] - cos(t)) < 1e-5, "y(\(t)) = \(y[0])") }
        let times = asked.times
        #expect(times.contains { $0 < 1 }, "stiff steps before t = 1")
        #expect(!times.contains { $0 > 5 }, "stiff steps after the stiffness ended: \(times.filter { $0 > 5 }.prefix(5))")
    }
}
