import Foundation
import Testing
@testable import LeapfrogCore

/// The cyclic Jacobi eigendecomposition: the second-difference matrix's eigenvalues are known in
/// closed form (2 − 2cos(kπ/(n + 1))), Q is orthonormal and QΛQᵀ gives the matrix back, the values
/// come ascending and each vector's largest element positive, and asymmetric or non-finite input
/// is recognised.
@Suite struct SymmetricEigenTests {
    /// tridiag(−1, 2, −1), n × n.
    static func secondDifference(_ n: Int) -> [Double] {
        var a = [Double](repeating: 0, count: n * n)
        for k in 0..<n {
            a[k * n + k] = 2
            if k + 1 < n { a[k * n + k + 1] = -1; a[(k + 1) * n + k] = -1 }
        }
        return a
    }

    @Test(arguments: [1, 2, 7, 30])
    func secondDifferenceEigenvaluesAreTheClosedForm(_ n: Int) {
        let e = SymmetricEigen(Self.secondDifference(n), n)
        for k in 1...n {
            let exact = 2 - 2 * cos(Double(k) * Double.pi / Double(n + 1))
            #expect(abs(e.values[k - 1] - exact) < 1e-13, "n \(n), k \(k): \(e.values[k - 1]) against \(exact)")
        }
    }

    @Test func vectorsAreOrthonormalAndReconstructTheMatrix() {
        let n = 12
        var a = [Double](repeating: 0, count: n * n)   // a symmetric matrix of scattered entries in [−1, 1]
        for r in 0..<n { for c in 0...r { let x = sin(Double(r * 31 + c * 17) * 0.37); a[r * n + c] = x; a[c * n + r] = x } }
        let e = SymmetricEigen(a, n)
        let q = e.vectors
        for i in 0..<n {
            for j in 0..<n {
                var qtq = 0.0, back = 0.0
                for k in 0..<n { qtq += q[k * n + i] * q[k * n + j]; back += q[i * n + k] * e.values[k] * q[j * n + k] }
                #expect(abs(qtq - (i == j ? 1 : 0)) < 1e-13)
                #expect(abs(back - a[i * n + j]) < 1e-13)
            }
        }
        for k in 1..<n { #expect(e.values[k - 1] <= e.values[k]) }
        for k in 0..<n {
            let column = (0..<n).map { q[$0 * n + k] }
            let largest = column.max { abs($0) < abs($1) }!
            #expect(largest > 0)
        }
    }

    @Test func aDiagonalMatrixIsSortedAndSymmetryIsChecked() {
        let e = SymmetricEigen([3, 0, 0, 0, -1, 0, 0, 0, 2], 3)
        #expect(e.values == [-1, 2, 3])
        #expect(e.vectors == [0, 0, 1, 1, 0, 0, 0, 1, 0])
        #expect(SymmetricEigen.isSymmetric([1, 2, 2 + 1e-9, 1], 2))
        #expect(!SymmetricEigen.isSymmetric([1, 2, 2.001, 1], 2))
        #expect(!SymmetricEigen.isSymmetric([1, .nan, .nan, 1], 2))
        #expect(SymmetricEigen([1, .infinity, .infinity, 1], 2).values.allSatisfy { $0.isNaN })
    }
}
