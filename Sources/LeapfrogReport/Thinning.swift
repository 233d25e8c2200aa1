import LeapfrogDiagnostics

/// Picking what to draw, so a picture's size does not grow with the run.
enum Thinning {
    /// At most `limit` indices of `0 ..< count`, evenly spaced, the first and last included.
    static func indices(_ count: Int, limit: Int) -> [Int] {
        guard count > limit, limit >= 2 else { return Array(0..<count) }
        return (0..<limit).map { Int((Double($0) * Double(count - 1) / Double(limit - 1)).rounded()) }
    }

    /// The points of a line through `values` that keep its shape at any length (min–max
    /// decimation): the indices split into at most `spans` runs of consecutive indices, each
    /// drawn by its smallest and largest finite value in the order they occur, so no spike and
    /// no stuck stretch is lost (evenly spaced indices skip them); every point when there are at
    /// most 2 × `spans`. A run with no finite value keeps its first point (the line breaks there).
    static func envelope(_ values: [Double], spans: Int) -> (index: [Int], value: [Double]) {
        let n = values.count
        guard n > 2 * spans, spans >= 1 else { return (Array(0..<n), values) }
        var index: [Int] = [], value: [Double] = []
        for k in 0..<spans {
            let (lo, hi) = (k * n / spans, (k + 1) * n / spans)
            var low: Int?, high: Int?
            for i in lo..<hi where values[i].isFinite {
                if low == nil || values[i] < values[low!] { low = i }
                if high == nil || values[i] > values[high!] { high = i }
            }
            guard let low, let high else { index.append(lo); value.append(values[lo]); continue }
            for i in Set([low, high]).sorted() { index.append(i); value.append(values[i]) }
        }
        return (index, value)
    }

    /// `chains` split into at most `groups` contiguous groups of equal size (the superchains nested
    /// R̂ uses when `superchains` divides the chains; otherwise the remainder chains are left out).
    /// Eight chains or fewer: each chain its own group.
    static func chainGroups(chains: Int, superchains: Int?) -> [Range<Int>] {
        if chains <= 8 { return (0..<chains).map { $0..<($0 + 1) } }
        let k: Int
        if let s = superchains, s >= 2, s <= 16, chains % s == 0 { k = s } else { k = 8 }
        let size = chains / k
        return (0..<k).map { ($0 * size)..<(($0 + 1) * size) }
    }

    /// Quantiles across chains at each of the given draw indices: `result[q][i]` is quantile
    /// `probs[q]` of `draws[·][index[i]]`.
    static func acrossChains(_ draws: [[Double]], at index: [Int], probs: [Double]) -> [[Double]] {
        var out = [[Double]](repeating: [], count: probs.count)
        var column = [Double](repeating: 0, count: draws.count)
        for d in index {
            for c in draws.indices { column[c] = draws[c][d] }
            let sorted = column.filter(\.isFinite).sorted()
            for (q, p) in probs.enumerated() { out[q].append(Quantile.of(sorted: sorted, prob: p)) }
        }
        return out
    }
}
