import LeapfrogDiagnostics

/// Picking what to draw, so a picture's size does not grow with the run.
enum Thinning {
    /// At most `limit` indices of `0 ..< count`, evenly spaced, the first and last included.
    static func indices(_ count: Int, limit: Int) -> [Int] {
        guard count > limit, limit >= 2 else { return Array(0..<count) }
        return (0..<limit).map { Int((Double($0) * Double(count - 1) / Double(limit - 1)).rounded()) }
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
