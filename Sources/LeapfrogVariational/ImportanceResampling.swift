#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogRandom

/// Multinomial resampling with replacement by importance weights (Zhang et al. 2022, Algorithm 5,
/// "Multi-path Pathfinder", its last step, with the weights Pareto-smoothed first as Stan's
/// `psis_resample` does): draw n of the S candidates, candidate s with probability
/// wₛ / Σ w. Uniform r of the output is element r of the Philox stream (chain r, iteration 0,
/// `.pathfinderResample`), mapped through the weights' cumulative sum.
public enum ImportanceResampling {
    /// Indices into `logWeights`, `count` of them. Nil when no weight is positive and finite.
    public static func resample(logWeights: [Double], count: Int, random: PhiloxRandom) -> [Int]? {
        guard let top = logWeights.filter(\.isFinite).max() else { return nil }
        var cumulative = [Double](repeating: 0, count: logWeights.count)
        var total = 0.0
        for (s, lw) in logWeights.enumerated() {
            if lw.isFinite { total += exp(lw - top) }
            cumulative[s] = total
        }
        guard total > 0, total.isFinite else { return nil }
        return (0..<count).map { r in
            let target = random.uniform(chain: r, iteration: 0, purpose: .pathfinderResample) * total
            // The first s with cumulative[s] > target (binary search).
            var lo = 0, hi = cumulative.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if cumulative[mid] > target { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
    }

    /// Normalised weights (summing to 1) from log weights.
    public static func normalised(logWeights: [Double]) -> [Double] {
        guard let top = logWeights.filter(\.isFinite).max() else { return logWeights.map { _ in 0 } }
        let w = logWeights.map { $0.isFinite ? exp($0 - top) : 0 }
        let total = w.reduce(0, +)
        return w.map { $0 / total }
    }
}
