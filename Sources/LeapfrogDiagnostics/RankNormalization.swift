/// Rank normalization and folding (Vehtari, Gelman, Simpson, Carpenter & Bürkner 2021,
/// "Rank-normalization, folding, and localization: an improved R-hat", §4.1 and eq. 14).
///
/// z⁽ⁿᵐ⁾ = Φ⁻¹((r⁽ⁿᵐ⁾ − 3/8) / (S − 2·3/8 + 1)), with r the average rank of a draw among all
/// S draws (ties get the mean of their ranks) and the offset 3/8 of Blom (1958), exactly as
/// ArviZ's `_z_scale` / `_backtransform_ranks` (`scipy.stats.rankdata(method="average")`).
/// Folding replaces a draw θ by |θ − median(θ)| before ranking (eq. 15), for the tail R-hat.
///
/// Sorting is an LSD radix sort on order-preserving 64-bit keys, so that ranking the 16 M
/// draws of 16384 chains × 1000 draws stays fast even in a debug build; one sort serves the
/// bulk ranks, the median, and (by merging outward from the median) the folded ranks.
struct RankNormalization {

    /// Blom's (1958) fractional offset c = 3/8 (ArviZ `_backtransform_ranks`).
    static let blomOffset = 3.0 / 8.0

    /// The values being ranked (row-major over the split chains).
    let values: [Double]
    /// `order[i]` is the index in `values` of the i-th smallest value.
    let order: [Int]
    /// The values in ascending order.
    let sorted: [Double]

    init(_ values: [Double]) {
        self.values = values
        (order, sorted) = RankNormalization.sort(values)
    }

    /// `np.median`: the middle value, or the mean of the two middle values.
    var median: Double {
        let n = sorted.count
        guard n > 0 else { return .nan }
        if n % 2 == 1 { return sorted[n / 2] }
        return (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    /// ``scoreTable(size:)`` for these values: pass it to ``zScores(table:)`` and
    /// ``foldedZScores(table:)`` to compute it once for both.
    var scoreTable: [Double] { RankNormalization.scoreTable(size: values.count) }

    /// Normal scores of the average ranks of `values`.
    func zScores(table: [Double]? = nil) -> [Double] {
        RankNormalization.zScores(sortedKeys: sorted, order: order, table: table ?? scoreTable)
    }

    /// Normal scores of the average ranks of the folded values |θ − median|.
    ///
    /// The folded values are monotone on either side of the median in sorted order, so their
    /// sorted order is a merge of the two sides walked outward from the median: O(S), reading the
    /// sorted values and the order in sequence. Each run of equal folded values gets its score as
    /// the merge reaches its end (``zScores(sortedKeys:order:table:)``'s rule, without the folded
    /// values and their order stored first).
    func foldedZScores(table: [Double]? = nil) -> [Double] {
        let n = values.count
        guard n > 0 else { return [] }
        let table = table ?? scoreTable
        precondition(table.count == n, "RankNormalization: score table for another size")
        let med = median
        let denominator = Self.denominator(size: n)
        // `order` is a permutation: every element is written below.
        var z = [Double](unsafeUninitializedCapacity: n) { _, count in count = n }
        // The indices of the current run of equal folded values beyond its first.
        var tied: [Int] = []
        sorted.withUnsafeBufferPointer { sb in
            order.withUnsafeBufferPointer { ob in
                table.withUnsafeBufferPointer { tb in
                    z.withUnsafeMutableBufferPointer { zb in
                        let s = sb.baseAddress!, o = ob.baseAddress!, t = tb.baseAddress!, out = zb.baseAddress!
                        // First sorted position whose value is ≥ the median.
                        var lo = 0, hi = n
                        while lo < hi {
                            let mid = (lo + hi) / 2
                            if s[mid] < med { lo = mid + 1 } else { hi = mid }
                        }
                        // The current run of equal folded values: ranks runStart ..< k, its first index.
                        var runStart = 0, runFirst = 0, runValue = 0.0
                        var right = lo, left = lo - 1, k = 0
                        while k < n {
                            let fr = right < n ? (s[right] - med).magnitude : Double.infinity
                            let fl = left >= 0 ? (s[left] - med).magnitude : Double.infinity
                            let index: Int, folded: Double
                            if right < n && (left < 0 || fr <= fl) {
                                index = o[right]; folded = fr; right += 1
                            } else {
                                index = o[left]; folded = fl; left -= 1
                            }
                            if k > 0 && folded == runValue {
                                tied.append(index)
                            } else {
                                if k > 0 {
                                    Self.scoreRun(ranks: runStart..<k, first: runFirst, tied: &tied, table: t,
                                                  denominator: denominator, into: out)
                                }
                                runStart = k; runFirst = index; runValue = folded
                            }
                            k += 1
                        }
                        Self.scoreRun(ranks: runStart..<n, first: runFirst, tied: &tied, table: t,
                                      denominator: denominator, into: out)
                    }
                }
            }
        }
        return z
    }

    /// Scores a run of tied values at `ranks` (0-based positions in sorted order): `first`, the
    /// index of its first value, and `tied`, the others' (emptied); an untied value's score is the
    /// table's, tied values share the score of their average rank.
    @inline(__always)
    private static func scoreRun(ranks: Range<Int>, first: Int, tied: inout [Int], table: UnsafePointer<Double>,
                                 denominator: Double, into out: UnsafeMutablePointer<Double>) {
        // An untied value (almost every one) touches no tie buffer.
        guard ranks.count > 1 else {
            out[first] = table[ranks.lowerBound]
            return
        }
        let value = score(ranks: ranks, table: table, denominator: denominator)
        out[first] = value
        for i in tied { out[i] = value }
        tied.removeAll(keepingCapacity: true)
    }

    /// ArviZ's (rank − c) / (S − 2c + 1): the denominator for S values.
    static func denominator(size n: Int) -> Double { Double(n) - 2 * blomOffset + 1 }

    /// The score of the values at `ranks` (0-based positions in sorted order, all tied): the table's
    /// for one value, else Φ⁻¹ of their average 1-based rank.
    @inline(__always)
    private static func score(ranks: Range<Int>, table: UnsafePointer<Double>, denominator: Double) -> Double {
        if ranks.count == 1 { return table[ranks.lowerBound] }
        let rank = Double(ranks.lowerBound + ranks.upperBound - 1) / 2 + 1
        return InverseNormalCDF.quantile((rank - blomOffset) / denominator)
    }

    /// Given the keys in ascending order and where each came from, the normal score of each
    /// element's average rank, placed back at its original index.
    ///
    /// Without ties, the k-th smallest element gets Φ⁻¹((k + 1 − c)/(S − 2c + 1)) whatever the
    /// values are, so that score table (``scoreTable(size:)``) is computed once and shared by
    /// the bulk and folded scores.
    static func zScores(sortedKeys: [Double], order: [Int], table: [Double]) -> [Double] {
        let n = sortedKeys.count
        precondition(table.count == n, "RankNormalization: score table for another size")
        guard n > 0 else { return [] }
        // `order` is a permutation: every element is written below.
        var z = [Double](unsafeUninitializedCapacity: n) { _, count in count = n }
        let denominator = Self.denominator(size: n)
        sortedKeys.withUnsafeBufferPointer { sb in
            order.withUnsafeBufferPointer { ob in
                table.withUnsafeBufferPointer { tb in
                    z.withUnsafeMutableBufferPointer { zb in
                        let s = sb.baseAddress!, o = ob.baseAddress!, t = tb.baseAddress!, out = zb.baseAddress!
                        var start = 0
                        while start < n {
                            var end = start + 1
                            while end < n && s[end] == s[start] { end += 1 }
                            let value = Self.score(ranks: start..<end, table: t, denominator: denominator)
                            var k = start
                            while k < end { out[o[k]] = value; k += 1 }
                            start = end
                        }
                    }
                }
            }
        }
        return z
    }

    /// Φ⁻¹((k + 1 − c)/(S − 2c + 1)) for k = 0 ..< S, the score of the k-th smallest of S
    /// untied values.
    static func scoreTable(size n: Int) -> [Double] {
        let c = blomOffset
        let denominator = Self.denominator(size: n)
        let table = [Double](unsafeUninitializedCapacity: n) { out, initialized in
            let p = out.baseAddress!
            var k = 0
            while k < n { (p + k).initialize(to: InverseNormalCDF.quantile((Double(k + 1) - c) / denominator)); k += 1 }
            initialized = n
        }
        return table
    }

    /// Order-preserving map of a finite or infinite Double to UInt64 (IEEE 754 bit trick:
    /// flip all bits of negatives, set the sign bit of non-negatives). −0 sorts just before +0;
    /// they still rank as ties because ties are found by `==` on the values.
    @inline(__always)
    static func sortKey(_ x: Double) -> UInt64 {
        let bits = x.bitPattern
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }

    /// The Double whose ``sortKey(_:)`` is `key` (the map is a bijection).
    @inline(__always)
    static func value(ofSortKey key: UInt64) -> Double {
        Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key)
    }

    /// Bits per radix digit: 8 passes of 256 buckets. 16-bit digits (4 passes) scatter each pass
    /// into 65,536 places, which a core's caches and TLB do not hold: ranking 6.5 million draws took
    /// 0.35–0.47 s with 16-bit digits and a gather of the sorted values, 0.28–0.31 s with 8-bit
    /// digits, all histograms taken in one read and the sorted values decoded from the keys (this
    /// machine, the 2-core Zen 4 guest). Draws that were f32 numbers leave their 29 low bits zero,
    /// so their first three passes are skipped.
    static let digitBits = 8

    /// Stable LSD radix argsort (``digitBits``-bit digits; a pass whose digit is the same for
    /// every key is skipped). Returns the order and the values in that order. Values must not be NaN.
    static func argsort(_ values: [Double]) -> [Int] { sort(values).order }

    /// ``argsort(_:)`` and the values in ascending order.
    static func sort(_ values: [Double]) -> (order: [Int], sorted: [Double]) {
        let n = values.count
        guard n > 0 else { return ([], []) }
        let radix = 1 << digitBits, mask = UInt64(radix - 1), passes = 64 / digitBits
        var keys = [UInt64](unsafeUninitializedCapacity: n) { _, count in count = n }
        var keysB = [UInt64](unsafeUninitializedCapacity: n) { _, count in count = n }
        var order = [Int](unsafeUninitializedCapacity: n) { _, count in count = n }
        var orderB = [Int](unsafeUninitializedCapacity: n) { _, count in count = n }
        // Every pass's digit counts, from one read of the keys.
        var counts = [Int](repeating: 0, count: radix * passes)
        values.withUnsafeBufferPointer { vb in
            keys.withUnsafeMutableBufferPointer { kb in
                order.withUnsafeMutableBufferPointer { ob in
                    counts.withUnsafeMutableBufferPointer { cb in
                        let v = vb.baseAddress!, k = kb.baseAddress!, o = ob.baseAddress!, c = cb.baseAddress!
                        var i = 0
                        while i < n {
                            let key = sortKey(v[i])
                            k[i] = key
                            o[i] = i
                            var pass = 0, shifted = key
                            while pass < passes {
                                c[pass &* radix &+ Int(truncatingIfNeeded: shifted & mask)] &+= 1
                                shifted &>>= UInt64(digitBits)
                                pass &+= 1
                            }
                            i += 1
                        }
                    }
                }
            }
        }
        for pass in 0..<passes {
            let shift = UInt64(digitBits * pass)
            let skip = counts.withUnsafeMutableBufferPointer { cb -> Bool in
                let c = cb.baseAddress! + pass * radix
                if c[Int(truncatingIfNeeded: (keys[0] &>> shift) & mask)] == n { return true }
                var total = 0
                for d in 0..<radix { let t = c[d]; c[d] = total; total += t }
                return false
            }
            if skip { continue }
            keys.withUnsafeBufferPointer { kb in
                order.withUnsafeBufferPointer { ob in
                    keysB.withUnsafeMutableBufferPointer { kbb in
                        orderB.withUnsafeMutableBufferPointer { obb in
                            counts.withUnsafeMutableBufferPointer { cb in
                                let k = kb.baseAddress!, o = ob.baseAddress!
                                let k2 = kbb.baseAddress!, o2 = obb.baseAddress!, c = cb.baseAddress! + pass * radix
                                var i = 0
                                while i < n {
                                    let key = k[i]
                                    let digit = Int(truncatingIfNeeded: (key &>> shift) & mask)
                                    let dst = c[digit]
                                    c[digit] = dst &+ 1
                                    k2[dst] = key
                                    o2[dst] = o[i]
                                    i += 1
                                }
                            }
                        }
                    }
                }
            }
            swap(&keys, &keysB)
            swap(&order, &orderB)
        }
        let sorted = [Double](unsafeUninitializedCapacity: n) { out, count in
            keys.withUnsafeBufferPointer { kb in
                let k = kb.baseAddress!, dst = out.baseAddress!
                var i = 0
                while i < n { (dst + i).initialize(to: value(ofSortKey: k[i])); i += 1 }
            }
            count = n
        }
        return (order, sorted)
    }
}
