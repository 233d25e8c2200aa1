import Foundation
import Testing
@testable import LeapfrogCore

/// The adaptive Dormand–Prince 5(4) solver (`DormandPrince`) on problems with closed-form
/// solutions: the error follows the tolerance, output times are hit exactly, and a solve that
/// cannot finish says why instead of returning a wrong answer.
@Suite struct DormandPrinceTests {
    static func solve(_ f: @escaping (Double, [Double]) -> [Double], _ y0: [Double], _ times: [Double], tol: Double,
                      maxSteps: Int = 100_000) -> Result<[[Double]], AdaptiveODE.Failure> {
        DormandPrince.solve(f, initial: y0, from: 0, to: times, relativeTolerance: tol, absoluteTolerance: tol, maxSteps: maxSteps)
    }

    /// y′ = −ky: y = e^(−kt), within a few tolerances at every output time (over long and short
    /// intervals alike).
    @Test(arguments: [1e-4, 1e-7, 1e-10])
    func exponentialDecayFollowsTheTolerance(tol: Double) throws {
        let times = [0.01, 0.5, 1, 1.001, 3, 10]
        let ys = try Self.solve({ _, y in [-0.7 * y[0]] }, [1], times, tol: tol).get()
        for (t, y) in zip(times, ys) {
            #expect(abs(y[0] - exp(-0.7 * t)) < 20 * tol, "t = \(t): \(y[0]) vs \(exp(-0.7 * t))")
        }
    }

    /// The harmonic oscillator y″ = −y over several periods: (cos t, −sin t); a tighter
    /// tolerance gives a smaller error, by about as much as it asks (global error ∝ tol).
    @Test func oscillatorErrorShrinksWithTheTolerance() throws {
        let times = (1...10).map { Double($0) * 2 }
        func worst(_ tol: Double) throws -> Double {
            let ys = try Self.solve({ _, y in [y[1], -y[0]] }, [1, 0], times, tol: tol).get()
            return zip(times, ys).map { max(abs($1[0] - cos($0)), abs($1[1] + sin($0))) }.max()!
        }
        let (loose, tight) = (try worst(1e-5), try worst(1e-9))
        #expect(loose < 1e-3 && tight < 1e-7, "errors \(loose), \(tight)")
        #expect(tight < loose / 100, "errors \(loose), \(tight)")
    }

    /// A time-dependent right-hand side, y′ = cos t: y = sin t.
    @Test func timeDependentRightHandSide() throws {
        let times = [0.3, 1.7, 4.2]
        let ys = try Self.solve({ t, _ in [cos(t)] }, [0], times, tol: 1e-9).get()
        for (t, y) in zip(times, ys) { #expect(abs(y[0] - sin(t)) < 1e-7) }
    }

    /// Too few steps allowed: a failure, not a partial answer; y′ = y² blows up at t = 1, so a
    /// solve to t = 2 cannot finish either.
    @Test func unfinishedSolvesFail() {
        let tooFew = Self.solve({ _, y in [y[1], -y[0]] }, [1, 0], [100], tol: 1e-8, maxSteps: 10)
        #expect(tooFew == .failure(.tooManySteps))
        let blowUp = Self.solve({ _, y in [y[0] * y[0]] }, [1], [2], tol: 1e-8)
        #expect((try? blowUp.get()) == nil)
        let nan = Self.solve({ _, _ in [.nan] }, [1], [1], tol: 1e-8)
        #expect(nan == .failure(.notFinite))
    }
}
