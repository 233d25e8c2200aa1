import Foundation
import Testing
@testable import LeapfrogModel

/// Stan's transforms: round trips and log-Jacobians against numerical derivatives.
struct ConstraintTests {
    static let constraints: [Constraint] = [.none, .lower(0), .lower(-3.5), .upper(2), .bounded(-1, 4), .bounded(0, 1)]

    @Test(arguments: constraints)
    func roundTripAndLogJacobian(_ c: Constraint) {
        for u in stride(from: -4.0, through: 4.0, by: 0.37) {
            let t = c.constrain(u)
            let back = c.unconstrain(t.x)
            #expect(back != nil && abs(back! - u) < 1e-9 * max(1, abs(u)), "\(c) at \(u)")
            // log|dx/du| by central differences, and d(logJ)/du likewise.
            let h = 1e-6
            let dx = (c.constrain(u + h).x - c.constrain(u - h).x) / (2 * h)
            #expect(abs(t.dxdu - dx) < 1e-6 * max(1, abs(dx)))
            #expect(abs(t.logJacobian - log(abs(dx))) < 1e-6, "\(c) logJ at \(u)")
            let dlj = (c.constrain(u + h).logJacobian - c.constrain(u - h).logJacobian) / (2 * h)
            #expect(abs(t.dLogJacobian - dlj) < 1e-6)
        }
    }

    @Test func valuesOutsideTheSupportHaveNoUnconstrainedValue() {
        #expect(Constraint.lower(0).unconstrain(0) == nil)
        #expect(Constraint.lower(0).unconstrain(-1) == nil)
        #expect(Constraint.upper(2).unconstrain(2.5) == nil)
        #expect(Constraint.bounded(0, 1).unconstrain(1) == nil)
        #expect(Constraint.none.unconstrain(.nan) == nil)
    }

    @Test func boundedTransformIsStableFarOut() {
        let t = Constraint.bounded(0, 1).constrain(800)
        #expect(t.x == 1 && t.logJacobian.isFinite == false || t.logJacobian < -700)
        #expect(!Constraint.bounded(0, 1).constrain(-800).logJacobian.isNaN)
    }
}
