import Foundation
import Testing
@testable import LeapfrogDiagnostics

private struct SpecialFixture: Decodable {
    let norm_ppf: [[Double]]
    let beta_ppf: [[Double]]
}

/// The special functions against SciPy 1.17.1 (fixture special_functions.json).
struct SpecialFunctionTests {
    /// AS 241 claims ~1e-16 relative; SciPy's Cephes `ndtri` is itself ~1e-16, so 1e-14 bounds the
    /// two together with room for the last-bit differences of `log` and division.
    @Test func inverseNormalMatchesScipy() throws {
        let f = try JSONDecoder().decode(SpecialFixture.self, from: fixtureData("special_functions"))
        #expect(f.norm_ppf.count > 50)
        for row in f.norm_ppf {
            let (p, z) = (row[0], row[1])
            let ours = InverseNormalCDF.quantile(p)
            #expect(isClose(ours, z, rel: 1e-14, abs: 1e-15), "Φ⁻¹(\(p)): ours \(ours) vs scipy \(z)")
        }
    }

    @Test func inverseNormalEdges() {
        #expect(InverseNormalCDF.quantile(0.5) == 0)
        #expect(InverseNormalCDF.quantile(0) == -.infinity)
        #expect(InverseNormalCDF.quantile(1) == .infinity)
        #expect(InverseNormalCDF.quantile(-0.1).isNaN)
        #expect(InverseNormalCDF.quantile(.nan).isNaN)
        // Odd symmetry (p chosen so that 1 − p is exact).
        for p in [0.0078125, 0.125, 0.25, 0.4375] {
            #expect(InverseNormalCDF.quantile(p) == -InverseNormalCDF.quantile(1 - p) ||
                    isClose(InverseNormalCDF.quantile(p), -InverseNormalCDF.quantile(1 - p), rel: 1e-12))
        }
    }

    /// Inverse regularized incomplete beta against `scipy.stats.beta.ppf`. 1e-7 relative: for
    /// a, b ~ 10⁵–10⁶ the `lgamma` prefactor loses ~9 digits to cancellation (documented on
    /// `IncompleteBeta`); the quantile MCSE only uses ⌊ppf·S⌋ and ⌈ppf·S⌉, so this is ample.
    @Test func inverseBetaMatchesScipy() throws {
        let f = try JSONDecoder().decode(SpecialFixture.self, from: fixtureData("special_functions"))
        for row in f.beta_ppf {
            let (p, a, b, x) = (row[0], row[1], row[2], row[3])
            let ours = IncompleteBeta.inverse(p: p, a: a, b: b)
            #expect(isClose(ours, x, rel: 1e-7), "beta.ppf(\(p), \(a), \(b)): ours \(ours) vs scipy \(x)")
            #expect(isClose(IncompleteBeta.regularized(x: ours, a: a, b: b), p, rel: 1e-7))
        }
    }

    @Test func incompleteBetaClosedForms() {
        // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 − (1−x)^b.
        for x in [0.1, 0.37, 0.9] {
            #expect(isClose(IncompleteBeta.regularized(x: x, a: 1, b: 1), x, rel: 1e-13))
            #expect(isClose(IncompleteBeta.regularized(x: x, a: 3.5, b: 1), pow(x, 3.5), rel: 1e-13))
            #expect(isClose(IncompleteBeta.regularized(x: x, a: 1, b: 2.5), 1 - pow(1 - x, 2.5), rel: 1e-13))
        }
        #expect(IncompleteBeta.inverse(p: 0.3, a: -1, b: 2).isNaN)
    }
}
