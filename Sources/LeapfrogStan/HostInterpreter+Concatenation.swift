import LeapfrogData

/// `append_row` and `append_col` on the host (transformed data, generated quantities run per
/// draw). The host's values carry no vector/row-vector distinction, so two rank-1 arguments (or a
/// scalar and one) are concatenated, as `append_row` of vectors and `append_col` of row vectors
/// are; with a matrix, a rank-1 argument is a row for `append_row` and a column for `append_col`.
extension HostInterpreter {
    func appended(_ a: DataArray, _ b: DataArray, columns: Bool, at l: StanSourceLocation) throws -> DataArray {
        let name = columns ? "append_col" : "append_row"
        if a.rank <= 1 && b.rank <= 1 {
            return DataArray(shape: [a.values.count + b.values.count], values: a.values + b.values, isInteger: a.isInteger && b.isInteger)
        }
        guard a.rank <= 2, b.rank <= 2 else { throw fail("\(name) takes vectors and matrices", l) }
        // As rows to stack: a matrix's rows (or, for append_col, its columns), a rank-1 value as one.
        func rows(_ x: DataArray) -> [[Double]] {
            if x.rank < 2 { return [x.values] }
            let (r, c) = (x.shape[0], x.shape[1])
            if columns { return (0..<c).map { j in (0..<r).map { x.values[$0 * c + j] } } }
            return (0..<r).map { Array(x.values[($0 * c)..<(($0 + 1) * c)]) }
        }
        let stacked = rows(a) + rows(b)
        let width = stacked[0].count
        guard stacked.allSatisfy({ $0.count == width }) else {
            throw fail("\(name): the arguments have \(columns ? "different numbers of rows" : "different numbers of columns")", l)
        }
        let n = stacked.count
        if !columns { return DataArray(shape: [n, width], values: stacked.flatMap { $0 }, isInteger: false) }
        var out = [Double](repeating: 0, count: n * width)
        for (j, column) in stacked.enumerated() { for (i, x) in column.enumerated() { out[i * n + j] = x } }
        return DataArray(shape: [width, n], values: out, isInteger: false)
    }
}
