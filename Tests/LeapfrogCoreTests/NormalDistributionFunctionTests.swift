import Foundation
import LeapfrogCore
import Testing

/// `NormalDistributionFunction.inversePhi` (Φ⁻¹, Stan's `inv_Phi`) against SciPy 1.17.1's
/// `scipy.special.ndtri`, from 10⁻³⁰⁰ to 1 − 10⁻⁷, and its edges.
struct NormalDistributionFunctionTests {
    static let ndtri: [(Double, Double)] = [
        (1e-300, -37.0470962993612), (1e-30, -11.464024688443613), (1e-10, -6.361340902404056), (0.02, -2.053748910631823),
        (0.3, -0.5244005127080409), (0.5, 0), (0.7, 0.5244005127080407), (0.97, 1.8807936081512509), (0.9999999, 5.199337582290661),
    ]

    @Test func inversePhiIsSciPys() {
        for (p, x) in Self.ndtri {
            let got = NormalDistributionFunction.inversePhi(p)
            // Near 1 the input itself carries 1 − p to ~1e−16 absolute: the quantile's condition there.
            let tolerance = p > 0.99 ? 1e-9 : 1e-14
            #expect(abs(got - x) <= tolerance * max(1, abs(x)), "Φ⁻¹(\(p)) = \(got), SciPy \(x)")
            // Φ's condition number at x is |x|·φ(x)/Φ(x) ≈ x²: 1.4e3 at 10⁻³⁰⁰.
            if p > 0, p < 1 { #expect(abs(NormalDistributionFunction.phi(got) - p) <= 1e-12 * p, "Φ(Φ⁻¹(\(p)))") }
        }
        #expect(NormalDistributionFunction.inversePhi(0) == -.infinity)
        #expect(NormalDistributionFunction.inversePhi(1) == .infinity)
        #expect(NormalDistributionFunction.inversePhi(-0.1).isNaN && NormalDistributionFunction.inversePhi(1.5).isNaN)
    }
}
