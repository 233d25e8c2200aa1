import LeapfrogData
import Testing
@testable import LeapfrogStan

/// `sum_to_zero_vector` (Stan 2.36): x = V u, V Helmert's orthonormal basis of the vectors whose
/// elements sum to 0.
@Suite struct SumToZeroTests {
    /// The basis's columns are orthonormal and each sums to 0, for several sizes.
    @Test func theBasisIsOrthonormalAndSumsToZero() {
        for k in [2, 3, 7] {
            let v = ConstraintPattern.sumToZeroBasis.values([k, k - 1])
            for a in 0..<(k - 1) {
                #expect(abs((0..<k).reduce(0) { $0 + v[$1 * (k - 1) + a] }) < 1e-14)
                for b in 0..<(k - 1) {
                    let dot = (0..<k).reduce(0) { $0 + v[$1 * (k - 1) + a] * v[$1 * (k - 1) + b] }
                    #expect(abs(dot - (a == b ? 1 : 0)) < 1e-14, "K = \(k), columns \(a), \(b)")
                }
            }
        }
    }

    /// A standard normal on a sum-to-zero vector is a standard normal on its K − 1 free
    /// coordinates (the map is an isometry), and every recorded value sums to 0, also in arrays.
    @Test func aStandardNormalOnTheSubspaceIsOneOnTheFreeCoordinates() throws {
        let data = DataSet(["K": .integer(5)], source: "test")
        let stan = try stanReference("data { int K; } parameters { sum_to_zero_vector[K] z; real b; } "
                                     + "model { z ~ normal(0, 1); b ~ normal(z[2], 1); }", data)
        let free = try stanReference("data { int K; } "
                                     + "transformed data { matrix[K, K - 1] V; for (i in 1:K) for (j in 1:(K - 1)) "
                                     + "V[i, j] = i <= j ? 1 / sqrt(j * (j + 1.0)) : (i == j + 1 ? -j / sqrt(j * (j + 1.0)) : 0); } "
                                     + "parameters { vector[K - 1] u; real b; } model { u ~ normal(0, 1); b ~ normal((V * u)[2], 1); }", data)
        expectEquivalent(stan, free)
        let z = stan.derivedValues([0.3, -1.2, 0.8, 2.0, 0.1])
        #expect(z.count == 5 && abs(z.reduce(0, +)) < 1e-14 && z.contains { abs($0) > 0.1 })
        let rows = try stanReference("parameters { array[2] sum_to_zero_vector[3] z; } model { to_vector(z[1]) ~ normal(0, 1); "
                                     + "to_vector(z[2]) ~ normal(0, 2); }", DataSet())
        let x = rows.derivedValues([0.5, -0.4, 1.1, 0.9])
        #expect(x.count == 6 && abs(x[0..<3].reduce(0, +)) < 1e-14 && abs(x[3..<6].reduce(0, +)) < 1e-14)
    }

    /// A sum-to-zero matrix: every row and column sums to 0, and a standard normal on it is a
    /// standard normal on its (N − 1)(M − 1) free coordinates; given values round-trip.
    @Test func aSumToZeroMatrixSumsToZeroBothWays() throws {
        let source = "parameters { sum_to_zero_matrix[3, 4] z; } model { to_vector(z) ~ normal(0, 1); }"
        let stan = try stanReference(source, DataSet())
        #expect(stan.dimension == 6)
        expectEquivalent(stan, try stanReference("parameters { vector[6] u; } model { u ~ normal(0, 1); }", DataSet()))
        let u = [0.4, -1.1, 0.7, 2.2, -0.3, 0.9]
        let z = stan.derivedValues(u)
        for i in 0..<3 { #expect(abs((0..<4).reduce(0) { $0 + z[i * 4 + $1] }) < 1e-13) }
        for j in 0..<4 { #expect(abs((0..<3).reduce(0) { $0 + z[$1 * 4 + j] }) < 1e-13) }
        let model = try StanProgram.compile(source: source, path: "z.stan")
        let free = try #require(try model.parameterValues(DataSet(["z": .matrix(rows: [[z[0], z[1], z[2], z[3]], [z[4], z[5], z[6], z[7]],
                                                                                        [z[8], z[9], z[10], z[11]]])]), data: DataSet())["z__free"])
        #expect(zip(free.values, u).allSatisfy { abs($0 - $1) < 1e-12 }, "\(free.values)")
    }

    /// Initial values given as the vector map to the free coordinates that give it back; a
    /// vector that does not sum to 0 is refused by name.
    @Test func givenValuesRoundTrip() throws {
        let source = "parameters { sum_to_zero_vector[4] z; } model { z ~ normal(0, 1); }"
        let model = try StanProgram.compile(source: source, path: "z.stan")
        let given = DataSet(["z": .vector([1.5, -0.5, -2, 1])], source: "inits")
        let free = try #require(try model.parameterValues(given, data: DataSet())["z__free"])
        #expect(free.values.count == 3)
        let back = try stanReference(source, DataSet()).derivedValues(free.values)
        #expect(zip(back, [1.5, -0.5, -2, 1]).allSatisfy { abs($0 - $1) < 1e-12 })
        let bad = DataSet(["z": .vector([1, 1, 1, 1])], source: "inits")
        #expect(errorMessage { _ = try model.parameterValues(bad, data: DataSet()) }.contains("'z' does not sum to zero"))
    }
}
