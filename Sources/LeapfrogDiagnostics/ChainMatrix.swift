/// A dense row-major matrix with one row per chain: element `(r, c)` at `values[r * columns + c]`.
///
/// The working layout of every computation in this module; internal. The element loops use
/// raw pointers and `while` loops: these stay fast in debug builds (pointer subscripts and
/// integer arithmetic are inlined even at -Onone, range iterators and buffer subscripts are
/// not), which matters for 16 M draws.
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
        let half = columns / 2, rows = rows, columns = columns
        let out = [Double](unsafeUninitializedCapacity: 2 * rows * half) { dst, initialized in
            values.withUnsafeBufferPointer { srcBuffer in
                guard let src = srcBuffer.baseAddress, let dst = dst.baseAddress else { return }
                var r = 0
                while r < rows {
                    (dst + r * half).update(from: src + r * columns, count: half)
                    (dst + (rows + r) * half).update(from: src + r * columns + columns - half, count: half)
                    r += 1
                }
            }
            initialized = 2 * rows * half
        }
        return ChainMatrix(rows: 2 * rows, columns: half, values: out)
    }

    /// The same shape with `transform` applied to every element.
    func map(_ transform: (Double) -> Double) -> ChainMatrix {
        ChainMatrix(rows: rows, columns: columns, values: mapElements(values, transform))
    }

    /// Per-row means.
    func rowMeans() -> [Double] {
        let columns = columns
        if columns == 0 { return Array(repeating: .nan, count: rows) }
        return values.withUnsafeBufferPointer { b in
            (0..<rows).map { r in sum(b.baseAddress! + r * columns, columns) / Double(columns) }
        }
    }

    /// Per-row sample variances (denominator `columns − 1`, numpy `ddof=1`).
    func rowVariances(means: [Double]) -> [Double] {
        let columns = columns
        if columns == 0 { return Array(repeating: .nan, count: rows) }
        return values.withUnsafeBufferPointer { b in
            (0..<rows).map { r in
                sumOfSquaredDeviations(b.baseAddress! + r * columns, columns, about: means[r])
                    / Double(columns - 1)
            }
        }
    }
}

/// Σ p[0..<n].
func sum(_ p: UnsafePointer<Double>, _ n: Int) -> Double {
    var s = 0.0, i = 0
    while i < n { s += p[i]; i += 1 }
    return s
}

/// Σ (p[i] − m)².
func sumOfSquaredDeviations(_ p: UnsafePointer<Double>, _ n: Int, about m: Double) -> Double {
    var s = 0.0, i = 0
    while i < n { let d = p[i] - m; s += d * d; i += 1 }
    return s
}

/// `x.map(transform)` with a pointer loop.
func mapElements(_ x: [Double], _ transform: (Double) -> Double) -> [Double] {
    let n = x.count
    return [Double](unsafeUninitializedCapacity: n) { out, initialized in
        x.withUnsafeBufferPointer { b in
            if n > 0 {
                let src = b.baseAddress!, dst = out.baseAddress!
                var i = 0
                while i < n { (dst + i).initialize(to: transform(src[i])); i += 1 }
            }
        }
        initialized = n
    }
}

/// Number of NaN or infinite elements.
func nonFiniteCount(_ x: [Double]) -> Int {
    x.withUnsafeBufferPointer { b in
        guard let p = b.baseAddress else { return 0 }
        var c = 0, i = 0
        while i < b.count { if !p[i].isFinite { c += 1 }; i += 1 }
        return c
    }
}

/// Arithmetic mean; NaN for an empty array.
func mean(_ x: [Double]) -> Double {
    x.withUnsafeBufferPointer { b in
        guard let p = b.baseAddress else { return .nan }
        return sum(p, b.count) / Double(b.count)
    }
}

/// Sample variance with denominator `n − ddof` (numpy's `np.var(x, ddof=ddof)`).
func variance(_ x: [Double], ddof: Int = 1) -> Double {
    let m = mean(x)
    return x.withUnsafeBufferPointer { b in
        guard let p = b.baseAddress else { return .nan }
        return sumOfSquaredDeviations(p, b.count, about: m) / Double(b.count - ddof)
    }
}
