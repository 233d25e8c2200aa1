/// A dense row-major matrix with one row per chain: element `(r, c)` at `values[r * columns + c]`.
///
/// The working layout of every computation in this module; internal.
struct ChainMatrix: Sendable {
    let rows: Int
    let columns: Int
    var values: [Double]

    init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "ChainMatrix: \(values.count) ≠ \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    var count: Int { values.count }

    /// Split chains, as ArviZ's `_split_chains`: each chain of `n` draws gives its first
    /// `⌊n/2⌋` draws and its last `⌊n/2⌋` draws (for odd `n` the middle draw is dropped).
    /// The first halves of all chains come first, then the second halves (`np.vstack`).
    /// Vehtari et al. (2021), §4.1: splitting makes R-hat sensitive to non-stationarity.
    func splitHalves() -> ChainMatrix {
        let half = columns / 2
        var out = [Double](repeating: 0, count: 2 * rows * half)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for r in 0..<rows {
                    let s = r * columns
                    for j in 0..<half {
                        dst[r * half + j] = src[s + j]
                        dst[(rows + r) * half + j] = src[s + columns - half + j]
                    }
                }
            }
        }
        return ChainMatrix(rows: 2 * rows, columns: half, values: out)
    }

    /// The same shape with `transform` applied to every element.
    func map(_ transform: (Double) -> Double) -> ChainMatrix {
        ChainMatrix(rows: rows, columns: columns, values: values.map(transform))
    }

    /// Per-row means.
    func rowMeans() -> [Double] {
        values.withUnsafeBufferPointer { v in
            (0..<rows).map { r in
                var s = 0.0
                for j in 0..<columns { s += v[r * columns + j] }
                return s / Double(columns)
            }
        }
    }

    /// Per-row sample variances (denominator `columns − 1`, numpy `ddof=1`).
    func rowVariances(means: [Double]) -> [Double] {
        values.withUnsafeBufferPointer { v in
            (0..<rows).map { r in
                var s = 0.0
                let m = means[r]
                for j in 0..<columns { let d = v[r * columns + j] - m; s += d * d }
                return s / Double(columns - 1)
            }
        }
    }
}

/// Arithmetic mean; NaN for an empty array.
func mean(_ x: [Double]) -> Double {
    var s = 0.0
    for v in x { s += v }
    return s / Double(x.count)
}

/// Sample variance with denominator `n − ddof` (numpy's `np.var(x, ddof=ddof)`).
func variance(_ x: [Double], ddof: Int = 1) -> Double {
    let m = mean(x)
    var s = 0.0
    for v in x { let d = v - m; s += d * d }
    return s / Double(x.count - ddof)
}
