/// Rank normalization and folding (Vehtari, Gelman, Simpson, Carpenter & Bürkner 2021,
/// "Rank-normalization, folding, and localization: an improved R-hat", §4.1 and eq. 14).
///
/// z⁽ⁿᵐ⁾ = Φ⁻¹((r⁽ⁿᵐ⁾ − 3/8) / (S − 2·3/8 + 1)), with r the average rank of a draw among all
/// S draws (ties get the mean of their ranks) and the offset 3/8 of Blom (1958), exactly as
/// ArviZ's `_z_scale` / `_backtransform_ranks` (`scipy.stats.rankdata(method="average")`).
/// Folding replaces a draw θ by |θ − median(θ)| before ranking (eq. 15), for the tail R-hat.
///
/// Sorting is an LSD radix argsort on order-preserving 64-bit keys, so that ranking the 16 M
/// draws of 16384 chains × 1000 draws stays fast even in a debug build; one sort serves the
/// bulk ranks, the median, and (by merging outward from the median) the folded ranks.
struct RankNormalization {
    /// Blom's (1958) fractional offset c = 3/8 (ArviZ `_backtransform_ranks`).
    static let blomOffset = 3.0 / 8.0

    /// The values being ranked (row-major over the split chains).
    let values: [Double]
    /// `order[i]` is the index in `values` of the i-th smallest value.
    let order: [UInt32]

    init(_ values: [Double]) {
        self.values = values
        self.order = RankNormalization.argsort(values)
    }

    /// `np.median`: the middle value, or the mean of the two middle values.
    var median: Double {
        let n = values.count
        guard n > 0 else { return .nan }
        if n % 2 == 1 { return values[Int(order[n / 2])] }
        return (values[Int(order[n / 2 - 1])] + values[Int(order[n / 2])]) / 2
    }

    /// Normal scores of the average ranks of `values`.
    func zScores() -> [Double] {
        RankNormalization.zScores(sortedKeys: order.map { values[Int($0)] }, order: order)
    }

    /// Normal scores of the average ranks of the folded values |θ − median|.
    ///
    /// The folded values are monotone on either side of the median in sorted order, so their
    /// sorted order is a merge of the two sides walked outward from the median: O(S).
    func foldedZScores() -> [Double] {
        let n = values.count
        let med = median
        var sortedFolded = [Double](repeating: 0, count: n)
        var foldedOrder = [UInt32](repeating: 0, count: n)
        values.withUnsafeBufferPointer { v in
            order.withUnsafeBufferPointer { o in
                sortedFolded.withUnsafeMutableBufferPointer { sf in
                    foldedOrder.withUnsafeMutableBufferPointer { fo in
                        // First sorted position whose value is ≥ the median.
                        var lo = 0, hi = n
                        while lo < hi {
                            let mid = (lo + hi) / 2
                            if v[Int(o[mid])] < med { lo = mid + 1 } else { hi = mid }
                        }
                        var right = lo, left = lo - 1
                        for k in 0..<n {
                            let takeRight: Bool
                            if left < 0 { takeRight = true }
                            else if right >= n { takeRight = false }
                            else { takeRight = abs(v[Int(o[right])] - med) <= abs(v[Int(o[left])] - med) }
                            let idx = takeRight ? o[right] : o[left]
                            if takeRight { right += 1 } else { left -= 1 }
                            fo[k] = idx
                            sf[k] = abs(v[Int(idx)] - med)
                        }
                    }
                }
            }
        }
        return RankNormalization.zScores(sortedKeys: sortedFolded, order: foldedOrder)
    }

    /// Given the keys in ascending order and where each came from, the normal score of each
    /// element's average rank, placed back at its original index.
    static func zScores(sortedKeys: [Double], order: [UInt32]) -> [Double] {
        let n = sortedKeys.count
        var z = [Double](repeating: 0, count: n)
        // ArviZ: (rank − c) / (size − 2c + 1).
        let denominator = Double(n) - 2 * blomOffset + 1
        sortedKeys.withUnsafeBufferPointer { s in
            order.withUnsafeBufferPointer { o in
                z.withUnsafeMutableBufferPointer { out in
                    var start = 0
                    while start < n {
                        var end = start
                        while end + 1 < n && s[end + 1] == s[start] { end += 1 }
                        // Ranks start+1 … end+1 (1-based); their average.
                        let rank = Double(start + end) / 2 + 1
                        let score = InverseNormalCDF.quantile((rank - blomOffset) / denominator)
                        for k in start...end { out[Int(o[k])] = score }
                        start = end + 1
                    }
                }
            }
        }
        return z
    }

    /// Order-preserving map of a finite or infinite Double to UInt64 (IEEE 754 bit trick:
    /// flip all bits of negatives, set the sign bit of non-negatives). −0 sorts just before +0;
    /// they still rank as ties because ties are found by `==` on the values.
    @inline(__always)
    static func sortKey(_ x: Double) -> UInt64 {
        let bits = x.bitPattern
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }

    /// Stable LSD radix argsort with 16-bit digits (4 passes; a pass whose digit is the same
    /// for every key is skipped). Values must not be NaN.
    static func argsort(_ values: [Double]) -> [UInt32] {
        let n = values.count
        precondition(n < Int(UInt32.max), "RankNormalization: too many draws")
        var keys = values.map(sortKey)
        var keysB = [UInt64](repeating: 0, count: n)
        var idx = (0..<n).map { UInt32($0) }
        var idxB = [UInt32](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 1 << 16)
        for pass in 0..<4 {
            let shift = UInt64(16 * pass)
            var skip = false
            keys.withUnsafeBufferPointer { k in
                counts.withUnsafeMutableBufferPointer { c in
                    for i in 0..<c.count { c[i] = 0 }
                    for i in 0..<n { c[Int((k[i] >> shift) & 0xFFFF)] += 1 }
                    if n == 0 || c[Int((k[0] >> shift) & 0xFFFF)] == n { skip = true; return }
                    var total = 0
                    for i in 0..<c.count { let t = c[i]; c[i] = total; total += t }
                }
            }
            if skip { continue }
            keys.withUnsafeBufferPointer { k in
                idx.withUnsafeBufferPointer { ix in
                    keysB.withUnsafeMutableBufferPointer { kb in
                        idxB.withUnsafeMutableBufferPointer { ib in
                            counts.withUnsafeMutableBufferPointer { c in
                                for i in 0..<n {
                                    let digit = Int((k[i] >> shift) & 0xFFFF)
                                    let dst = c[digit]
                                    c[digit] = dst + 1
                                    kb[dst] = k[i]
                                    ib[dst] = ix[i]
                                }
                            }
                        }
                    }
                }
            }
            swap(&keys, &keysB)
            swap(&idx, &idxB)
        }
        return idx
    }
}
