/// Chain-averaged autocovariances, computed on demand, four lags per sweep.
///
/// For row (chain) m of length n, centred at its own mean, the biased autocovariance at lag t is
/// γ̂ₘ(t) = (1/n) Σ_{i=0}^{n−1−t} yₘ,ᵢ yₘ,ᵢ₊ₜ — what ArviZ's `autocov` gets from an FFT padded
/// past 2n (`np.fft.rfft(..., n=next_fast_len(2n))`, divided by n). ``mean(lag:)`` returns
/// (1/M) Σₘ γ̂ₘ(t), the `np.mean(acov[:, t])` of ArviZ's `_ess`.
///
/// Direct summation costs O(M·n) per lag, and Geyer's truncation asks only for lags up to the
/// first negative pair sum, so the total is O(M·n·(max lag)) with early stopping (at most 3
/// lags past it); for well-mixing chains the max lag is a few tens. Sticky chains would push
/// that towards O(M·n²), so once a lag ≥ ``directLagLimit`` is asked for, all remaining lags
/// come from FFTs instead (``FFT/autocovariances(_:rows:columns:)``), O(M·n log n) — the
/// route ArviZ always takes. The two agree to rounding (~1e-16 of γ̂(0) per lag).
struct Autocovariance {
    let rows: Int
    let columns: Int
    /// The values, a row per chain (shared with the caller's matrix, not copied).
    private let values: [Double]
    /// Each row's mean: the products are of values centred as they are read, which gives the
    /// numbers a centred copy would (the same subtraction), without a copy of every draw per ESS.
    private let rowMeans: [Double]
    private var cache: [Double] = []
    /// Lags below this are summed directly; asking for one at or beyond it switches to FFTs.
    /// 64 direct lags cost about what the FFTs cost for n ≈ 500 (each FFT of m = 1024 points
    /// is ~m·log₂m/2 ≈ 5000 butterflies per chain pair, vs n multiply-adds per lag per chain).
    let directLagLimit: Int
    /// Whether the FFT route has been taken.
    private(set) var usedFFT = false

    init(_ m: ChainMatrix, rowMeans: [Double], directLagLimit: Int = 64) {
        self.directLagLimit = directLagLimit
        rows = m.rows
        columns = m.columns
        values = m.values
        self.rowMeans = rowMeans
    }

    /// The row-centred values (for the FFT route).
    private func centred() -> [Double] {
        var c = values
        let columns = columns
        c.withUnsafeMutableBufferPointer { b in
            let v = b.baseAddress!
            for r in 0..<rows {
                let mu = rowMeans[r]
                var j = r * columns
                let end = j + columns
                while j < end { v[j] -= mu; j += 1 }
            }
        }
        return c
    }

    /// Lags computed per sweep over the data: each draw is loaded once for four products.
    static let lagsPerSweep = 4

    /// (1/M) Σₘ γ̂ₘ(lag).
    mutating func mean(lag: Int) -> Double {
        if lag >= directLagLimit && cache.count <= lag {
            usedFFT = true
            let all = FFT.autocovariances(centred(), rows: rows, columns: columns)
            if cache.count < all.count { cache += all[cache.count...] }
            while cache.count <= lag { cache.append(0) }
        }
        while cache.count <= lag { cache.append(contentsOf: computeBlock(from: cache.count)) }
        return cache[lag]
    }

    /// (1/M) Σₘ γ̂ₘ(t) for t = t0 ..< t0 + 4 (0 for lags ≥ n). Each γ̂ₘ(t) is summed over i in
    /// ascending order, so the result is the same as one lag at a time.
    private func computeBlock(from t0: Int) -> [Double] {
        let n = columns
        var totals = [0.0, 0.0, 0.0, 0.0]
        values.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return }
            let common = max(0, n - (t0 + 3))
            var r = 0
            while r < rows {
                let y = base + r * n
                let yt = y + t0
                let mu = rowMeans[r]
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                var i = 0
                while i < common {
                    let a = y[i] - mu
                    s0 += a * (yt[i] - mu); s1 += a * (yt[i + 1] - mu)
                    s2 += a * (yt[i + 2] - mu); s3 += a * (yt[i + 3] - mu)
                    i += 1
                }
                // The last products of each lag (none for a lag ≥ n).
                var k = common
                while k < n - t0 { s0 += (y[k] - mu) * (y[k + t0] - mu); k += 1 }
                k = common
                while k < n - t0 - 1 { s1 += (y[k] - mu) * (y[k + t0 + 1] - mu); k += 1 }
                k = common
                while k < n - t0 - 2 { s2 += (y[k] - mu) * (y[k + t0 + 2] - mu); k += 1 }
                k = common
                while k < n - t0 - 3 { s3 += (y[k] - mu) * (y[k + t0 + 3] - mu); k += 1 }
                totals[0] += s0 / Double(n); totals[1] += s1 / Double(n)
                totals[2] += s2 / Double(n); totals[3] += s3 / Double(n)
                r += 1
            }
        }
        return totals.map { $0 / Double(rows) }
    }
}
