import Foundation
import Testing
@testable import LeapfrogCore

/// PA = LU with partial pivoting: solves and transposed solves leave residuals at rounding, the
/// determinant is the cofactor expansion's, a zero leading element is pivoted past, and a singular
/// matrix gives NaN solves, a zero determinant and −∞ for its logarithm.
@Suite struct LUDecompositionTests {
    /// Needs a row exchange at the first column (a₀₀ = 0) and has det = 69 (cofactors below).
    static let a: [Double] = [0, 2, 1,
                              3, -1, 4,
                              5, 2, -3]

    static func times(_ m: [Double], _ x: [Double], _ n: Int, _ k: Int, transposed: Bool = false) -> [Double] {
        var out = [Double](repeating: 0, count: n * k)
        for r in 0..<n { for j in 0..<k { for c in 0..<n { out[r * k + j] += (transposed ? m[c * n + r] : m[r * n + c]) * x[c * k + j] } } }
        return out
    }

    @Test func solvesAndTransposedSolvesLeaveRoundingResiduals() {
        let lu = LUDecomposition(Self.a, 3)
        #expect(!lu.isSingular)
        let b: [Double] = [1, -2, 0.5, 3, 4, -1]   // two right-hand sides, row-major 3 × 2
        for transposed in [false, true] {
            let x = transposed ? lu.solveTransposed(b, columns: 2) : lu.solve(b, columns: 2)
            let back = Self.times(Self.a, x, 3, 2, transposed: transposed)
            for k in 0..<6 { #expect(abs(back[k] - b[k]) < 1e-13, "transposed \(transposed), element \(k)") }
        }
        let inverse = lu.inverse
        let identity = Self.times(Self.a, inverse, 3, 3)
        for r in 0..<3 { for c in 0..<3 { #expect(abs(identity[r * 3 + c] - (r == c ? 1 : 0)) < 1e-14) } }
        let inverseT = lu.inverseTransposed
        for r in 0..<3 { for c in 0..<3 { #expect(inverseT[r * 3 + c] == inverse[c * 3 + r] || abs(inverseT[r * 3 + c] - inverse[c * 3 + r]) < 1e-15) } }
    }

    @Test func determinantIsTheCofactorExpansion() {
        let a = Self.a
        let cofactors = a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6])
        let lu = LUDecomposition(a, 3)
        #expect(cofactors == 69)
        #expect(abs(lu.determinant - cofactors) < 1e-12)
        #expect(abs(lu.logAbsDeterminant - log(69.0)) < 1e-14)
        #expect(LUDecomposition([-2], 1).determinant == -2)
        #expect(LUDecomposition([], 0).determinant == 1)
    }

    @Test func singularMatricesGiveNaNSolvesAndAZeroDeterminant() {
        let singular: [Double] = [1, 2, 3,
                                  2, 4, 6,
                                  1, 0, 1]
        let lu = LUDecomposition(singular, 3)
        #expect(lu.isSingular)
        #expect(lu.determinant == 0)
        #expect(lu.logAbsDeterminant == -.infinity)
        #expect(lu.solve([1, 2, 3], columns: 1).allSatisfy { $0.isNaN })
        #expect(lu.inverseTransposed.allSatisfy { $0.isNaN })
        #expect(LUDecomposition([1, .nan, 0, 1], 2).solve([1, 1], columns: 1).contains { $0.isNaN })
    }
}
