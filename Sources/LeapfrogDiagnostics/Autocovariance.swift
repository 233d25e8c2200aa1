/// Chain-averaged autocovariances, computed lag by lag on demand.
///
/// For row (chain) m of length n, centred at its own mean, the biased autocovariance at lag t is
/// γ̂ₘ(t) = (1/n) Σ_{i=0}^{n−1−t} yₘ,ᵢ yₘ,ᵢ₊ₜ — what ArviZ's `autocov` gets from an FFT padded
/// past 2n (`np.fft.rfft(..., n=next_fast_len(2n))`, divided by n). ``mean(lag:)`` returns
/// (1/M) Σₘ γ̂ₘ(t), the `np.mean(acov[:, t])` of ArviZ's `_ess`.
///
/// Direct summation costs O(M·n) per lag, and Geyer's truncation asks only for lags up to the
/// first negative pair sum, so the total is O(M·n·(max lag)) with early stopping; for
/// well-mixing chains the max lag is a few tens. Agreement with the FFT route is to rounding
/// (~1e-16 of γ̂(0) per lag).
struct Autocovariance {
    let rows: Int
    let columns: Int
    /// Row-centred values.
    private let centred: [Double]
    private var cache: [Double] = []

    init(_ m: ChainMatrix, rowMeans: [Double]) {
        rows = m.rows
        columns = m.columns
        var c = m.values
        c.withUnsafeMutableBufferPointer { v in
            for r in 0..<m.rows {
                let mu = rowMeans[r]
                for j in 0..<m.columns { v[r * m.columns + j] -= mu }
            }
        }
        centred = c
    }

    /// (1/M) Σₘ γ̂ₘ(lag).
    mutating func mean(lag: Int) -> Double {
        while cache.count <= lag { cache.append(compute(lag: cache.count)) }
        return cache[lag]
    }

    private func compute(lag t: Int) -> Double {
        let n = columns
        guard t < n else { return 0 }
        var total = 0.0
        centred.withUnsafeBufferPointer { y in
            for r in 0..<rows {
                let base = r * n
                var s = 0.0
                for i in 0..<(n - t) { s += y[base + i] * y[base + i + t] }
                total += s / Double(n)
            }
        }
        return total / Double(rows)
    }
}
