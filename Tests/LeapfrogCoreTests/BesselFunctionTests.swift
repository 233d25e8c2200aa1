import Foundation
import Testing
@testable import LeapfrogCore

/// `BesselFunction`: log I₀(x) and I₁(x)/I₀(x) against SciPy on both sides of the switch from the
/// power series to Hankel's expansion, the ratio as log I₀'s derivative (finite differences), and
/// the symmetry in x.
@Suite struct BesselFunctionTests {
    /// (x, log I₀(x), I₁(x)/I₀(x)): SciPy 1.17.1, `log(i0e(x)) + x` and `i1e(x) / i0e(x)`.
    static let cases: [(Double, Double, Double)] = [
        (0.0, 0.0, 0.0),
        (0.001, 2.499999844061702e-07, 0.0004999999375000103),
        (0.5, 0.06154971918548119, 0.24249961258080202),
        (2.0, 0.8239935414829562, 0.6977746579640082),
        (7.5, 5.591588708075275, 0.9307247343491267),
        (19.5, 17.102438424565193, 0.9740118676091062),
        (20.0, 17.589610428244274, 0.9746705078898074),
        (35.0, 32.30701147548524, 0.9856091909312682),
        (300.0, 296.22958759300224, 0.9983319397905336),
    ]

    @Test func valuesAreSciPys() {
        for (x, logI0, ratio) in Self.cases {
            #expect(abs(BesselFunction.logI0(x) - logI0) <= 1e-14 * max(1, abs(logI0)), "log I0(\(x)) = \(BesselFunction.logI0(x))")
            #expect(abs(BesselFunction.ratioI1I0(x) - ratio) <= 1e-14, "I1/I0(\(x)) = \(BesselFunction.ratioI1I0(x))")
            #expect(BesselFunction.logI0(-x) == BesselFunction.logI0(x))
            #expect(BesselFunction.ratioI1I0(-x) == -BesselFunction.ratioI1I0(x))
        }
        #expect(BesselFunction.logI0(.nan).isNaN && BesselFunction.ratioI1I0(.nan).isNaN)
    }

    @Test(arguments: [0.3, 4.0, 19.9, 20.1, 60.0])
    func ratioIsTheLogsDerivative(_ x: Double) {
        let h = 1e-5 * max(1, x)
        let fd = (BesselFunction.logI0(x + h) - BesselFunction.logI0(x - h)) / (2 * h)
        #expect(abs(fd - BesselFunction.ratioI1I0(x)) < 1e-8, "at \(x): \(fd) against \(BesselFunction.ratioI1I0(x))")
    }
}
