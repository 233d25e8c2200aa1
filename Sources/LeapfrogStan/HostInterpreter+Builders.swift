import LeapfrogCore
import LeapfrogData

/// Stan's container builders, reshapes and orderings, where the host runs the block (transformed
/// data, generated quantities): `linspaced_*`, `one_hot_*`, `zeros_*`, `ones_*`, `uniform_simplex`,
/// `to_matrix`, `append_array`, `symmetrize_from_lower_tri`, `sort_asc`, `sort_desc`,
/// `sort_indices_asc`, `sort_indices_desc`, `rank` and `reverse`, as the Stan Functions Reference
/// defines them ("Array operations", "Matrix operations", "Mixed operations").
extension HostInterpreter {
    static let builderFunctionNames: Set<String> = [
        "linspaced_array", "linspaced_vector", "linspaced_row_vector",
        "one_hot_array", "one_hot_int_array", "one_hot_vector", "one_hot_row_vector",
        "zeros_array", "zeros_int_array", "zeros_vector", "zeros_row_vector",
        "ones_array", "ones_int_array", "ones_vector", "ones_row_vector", "uniform_simplex",
        "sort_asc", "sort_desc", "sort_indices_asc", "sort_indices_desc", "rank", "reverse",
        "to_matrix", "append_array", "symmetrize_from_lower_tri", "transpose",
    ]

    /// `name` applied to `a`, or nil when `name` is not one of `builderFunctionNames`.
    func builder(_ name: String, _ a: [DataArray], at l: StanSourceLocation) throws -> DataArray? {
        guard Self.builderFunctionNames.contains(name) else { return nil }
        func need(_ n: Int) throws {
            guard a.count == n else { throw fail("\(name) takes \(n) argument\(n == 1 ? "" : "s"), got \(a.count)", l) }
        }
        /// Argument `i` as a size or position: an integer scalar, at least `minimum`.
        func count(_ i: Int, minimum: Int = 0) throws -> Int {
            guard a[i].rank == 0, a[i].isInteger, let n = a[i].values.first, n >= Double(minimum) else {
                throw fail("\(name): argument \(i + 1) must be an integer of at least \(minimum), got \(a[i].values.first.map { "\($0)" } ?? "none")", l)
            }
            return Int(n)
        }
        /// A one-dimensional container's elements (a vector, row vector or array).
        func elements(_ i: Int) throws -> [Double] {
            guard a[i].rank == 1 else { throw fail("\(name): argument \(i + 1) must be a vector or a one-dimensional array, got shape \(a[i].shape)", l) }
            return a[i].values
        }
        let integerResult = name.hasSuffix("_int_array")
        switch name {
        case "linspaced_array", "linspaced_vector", "linspaced_row_vector":
            // K equally spaced values from low to high, high alone when K = 1 (Eigen's LinSpaced, as Stan).
            try need(3)
            let k = try count(0)
            let (low, high) = (a[1].values[0], a[2].values[0])
            guard high >= low else { throw fail("\(name): high (\(high)) must not be below low (\(low))", l) }
            let step = k > 1 ? (high - low) / Double(k - 1) : 0
            return .vector((0..<k).map { k == 1 ? high : ($0 == k - 1 ? high : low + Double($0) * step) })
        case "one_hot_array", "one_hot_int_array", "one_hot_vector", "one_hot_row_vector":
            try need(2)
            let (n, k) = (try count(0, minimum: 1), try count(1, minimum: 1))
            guard k <= n else { throw fail("\(name): the position \(k) is past the size \(n)", l) }
            return DataArray(shape: [n], values: (1...n).map { $0 == k ? 1 : 0 }, isInteger: integerResult)
        case "zeros_array", "zeros_int_array", "zeros_vector", "zeros_row_vector",
             "ones_array", "ones_int_array", "ones_vector", "ones_row_vector":
            try need(1)
            let n = try count(0)
            return DataArray(shape: [n], values: Array(repeating: name.hasPrefix("ones") ? 1 : 0, count: n), isInteger: integerResult)
        case "uniform_simplex":
            try need(1)
            let n = try count(0, minimum: 1)
            return .vector(Array(repeating: 1 / Double(n), count: n))
        case "sort_asc", "sort_desc":
            try need(1)
            let x = try elements(0)
            guard !x.contains(where: \.isNaN) else { throw fail("\(name): the argument holds NaN", l) }
            return DataArray(shape: [x.count], values: name == "sort_asc" ? x.sorted() : x.sorted(by: >), isInteger: a[0].isInteger)
        case "sort_indices_asc", "sort_indices_desc":
            try need(1)
            let x = try elements(0)
            guard !x.contains(where: \.isNaN) else { throw fail("\(name): the argument holds NaN", l) }
            // Stable: equal elements keep their order.
            let order = x.indices.sorted { i, j in
                x[i] == x[j] ? i < j : (name == "sort_indices_asc" ? x[i] < x[j] : x[i] > x[j])
            }
            return .integers(order.map { $0 + 1 })
        case "rank":
            // The number of elements less than x[s].
            try need(2)
            let x = try elements(0), s = try count(1, minimum: 1)
            guard s <= x.count else { throw fail("rank: the position \(s) is past the size \(x.count)", l) }
            return .integer(x.filter { $0 < x[s - 1] }.count)
        case "to_matrix":
            // A matrix or two-dimensional array as it is; to_matrix(x, m, n) fills m × n column by
            // column from x's elements in column-major order (a matrix's too), or row by row when a
            // fourth argument is 0. (A vector alone is refused: the host does not know whether it
            // is a row vector, whose matrix is 1 × n.)
            if a.count == 1 {
                guard a[0].rank == 2 else {
                    throw fail("to_matrix(x) of a vector or one-dimensional array is supported as to_matrix(x, m, n) here", l)
                }
                return DataArray(shape: a[0].shape, values: a[0].values)
            }
            guard a.count == 3 || a.count == 4 else { throw fail("to_matrix takes 1, 3 or 4 arguments, got \(a.count)", l) }
            let (m, n) = (try count(1), try count(2))
            let columnMajor = a.count == 3 || a[3].values.first != 0
            guard a.count == 3 || a[0].rank == 1 else { throw fail("to_matrix(x, m, n, col_major) needs a one-dimensional array", l) }
            guard a[0].rank <= 2, a[0].count == m * n else {
                throw fail("to_matrix: \(a[0].count) elements cannot fill \(m) × \(n)", l)
            }
            // The source's elements in column-major order (a matrix's columns one after the other).
            let source = HostInterpreter.transposed(a[0]).values
            let values = (0..<(m * n)).map { k in
                let (i, j) = (k / n, k % n)
                return columnMajor ? source[i + j * m] : source[i * n + j]
            }
            return DataArray(shape: [m, n], values: values)
        case "append_array":
            try need(2)
            guard a[0].rank >= 1, a[0].shape.dropFirst() == a[1].shape.dropFirst(), a[0].rank == a[1].rank else {
                throw fail("append_array needs two arrays of the same element shape, got \(a[0].shape) and \(a[1].shape)", l)
            }
            return DataArray(shape: [a[0].shape[0] + a[1].shape[0]] + a[0].shape.dropFirst(), values: a[0].values + a[1].values,
                             isInteger: a[0].isInteger && a[1].isInteger)
        case "symmetrize_from_lower_tri":
            try need(1)
            guard a[0].rank == 2, a[0].shape[0] == a[0].shape[1] else {
                throw fail("symmetrize_from_lower_tri needs a square matrix, got shape \(a[0].shape)", l)
            }
            let k = a[0].shape[0]
            return DataArray(shape: [k, k], values: (0..<(k * k)).map { e in
                let (i, j) = (e / k, e % k)
                return a[0].values[max(i, j) * k + min(i, j)]
            })
        case "transpose":
            // As the postfix '.
            try need(1)
            return HostInterpreter.transposed(a[0])
        case "reverse":
            try need(1)
            let x = try elements(0)
            return DataArray(shape: [x.count], values: x.reversed(), isInteger: a[0].isInteger)
        default:
            return nil
        }
    }
}
