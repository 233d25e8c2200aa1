import LeapfrogCore
import LeapfrogData

/// Stan's container builders and orderings, where the host runs the block (transformed data,
/// generated quantities): `linspaced_*`, `one_hot_*`, `zeros_*`, `ones_*`, `uniform_simplex`,
/// `sort_asc`, `sort_desc`, `sort_indices_asc`, `sort_indices_desc`, `rank` and `reverse`, as the
/// Stan Functions Reference defines them ("Array operations", "Matrix operations").
extension HostInterpreter {
    static let builderFunctionNames: Set<String> = [
        "linspaced_array", "linspaced_vector", "linspaced_row_vector",
        "one_hot_array", "one_hot_int_array", "one_hot_vector", "one_hot_row_vector",
        "zeros_array", "zeros_int_array", "zeros_vector", "zeros_row_vector",
        "ones_array", "ones_int_array", "ones_vector", "ones_row_vector", "uniform_simplex",
        "sort_asc", "sort_desc", "sort_indices_asc", "sort_indices_desc", "rank", "reverse",
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
        case "reverse":
            try need(1)
            let x = try elements(0)
            return DataArray(shape: [x.count], values: x.reversed(), isInteger: a[0].isInteger)
        default:
            return nil
        }
    }
}
