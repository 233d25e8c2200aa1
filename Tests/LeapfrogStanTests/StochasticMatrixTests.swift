import LeapfrogData
import Testing
@testable import LeapfrogStan

/// `row_stochastic_matrix` and `column_stochastic_matrix` (Stan 2.36): rows (columns) that are
/// simplexes, with the simplex's transform per row (column).
@Suite struct StochasticMatrixTests {
    /// A row-stochastic matrix is `array[N] simplex[M]` coordinate for coordinate (an HMM's
    /// transition matrix with Dirichlet rows), and a column-stochastic one is its transpose.
    @Test func rowsAndColumnsAreSimplexes() throws {
        let data = DataSet(["alpha": .vector([1.5, 2, 3])], source: "test")
        let rows = try stanReference("data { vector[3] alpha; } parameters { row_stochastic_matrix[2, 3] P; } "
                                     + "model { for (i in 1:2) P[i] ~ dirichlet(alpha); target += 2 * log(P[1, 2]); }", data)
        let simplexes = try stanReference("data { vector[3] alpha; } parameters { array[2] simplex[3] p; } "
                                          + "model { for (i in 1:2) p[i] ~ dirichlet(alpha); target += 2 * log(p[1, 2]); }", data)
        expectEquivalent(rows, simplexes)
        let columns = try stanReference("data { vector[3] alpha; } parameters { column_stochastic_matrix[3, 2] Q; } "
                                        + "model { col(Q, 1) ~ dirichlet(alpha); col(Q, 2) ~ dirichlet(alpha); target += 2 * log(Q[2, 1]); }", data)
        expectEquivalent(columns, simplexes)
        let u = [0.3, -0.8, 1.2, 0.1]
        let p = rows.derivedValues(u), q = columns.derivedValues(u)
        for i in 0..<2 { #expect(abs(p[(3 * i)..<(3 * i + 3)].reduce(0, +) - 1) < 1e-14) }
        for i in 0..<3 { for j in 0..<2 { #expect(abs(q[i * 2 + j] - p[j * 3 + i]) < 1e-15) } }
    }

    /// Given values round-trip; a row that is not a simplex is named.
    @Test func givenValuesRoundTrip() throws {
        let source = "parameters { column_stochastic_matrix[3, 2] Q; } model { }"
        let model = try StanProgram.compile(source: source, path: "q.stan")
        let q: [[Double]] = [[0.2, 0.5], [0.3, 0.25], [0.5, 0.25]]
        let free = try #require(try model.parameterValues(DataSet(["Q": .matrix(rows: q)]), data: DataSet())["Q__free"])
        let back = try stanReference(source, DataSet()).derivedValues(free.values)
        #expect(zip(back, q.flatMap { $0 }).allSatisfy { abs($0 - $1) < 1e-12 }, "\(back)")
        let bad = DataSet(["Q": .matrix(rows: [[0.2, 0.5], [0.3, 0.25], [0.6, 0.25]])])
        #expect(errorMessage { _ = try model.parameterValues(bad, data: DataSet()) }.contains("'Q' is not a simplex (column 1)"))
    }
}
