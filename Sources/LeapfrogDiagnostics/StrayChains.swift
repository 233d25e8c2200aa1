import LeapfrogCore

/// Chains whose log density lies apart from the typical chain's: a chain stuck in another mode, or
/// one that has not reached the others' region, named by its number (R-hat only says that the
/// chains disagree, not which).
///
/// Criterion: chain c is apart when its median lp__ lies outside the typical chain's central 90 %
/// interval, [median over chains of q5_k, median over chains of q95_k] (medians over chains, so
/// that a minority of stray chains does not move it). A chain drawing from the same distribution
/// has its median near that distribution's median, far inside its 5–95 % band; a chain that spends
/// more than half its draws in a region of markedly different log density has not. It is judged
/// from 3 chains on (with 2 there is no majority), on chains with at least ``minimumDraws`` draws
/// and a finite log density throughout.
///
/// A chain whose log density is lower is not shown to hold negligible posterior mass: a mode's
/// mass is its density times its volume, and a wide mode's typical log density is lower than a
/// narrow one's. The warning says where the chain is and leaves the judgement to the user. (During
/// warmup, `StrayChainRelocation` in LeapfrogSampling weighs volume too and moves chains whose
/// region's mass is negligible; what this names is what remains after it, or every such chain with
/// `--stray-chains keep`.)
///
/// Example: posteriordb's `hmm_drive_0`, 4 chains with the default seed and `--stray-chains keep`,
/// one of which stays for 1,900 iterations in the mode where the HMM's second state explains no
/// data (lp__ ≈ −1970 against ≈ −1907; docs/stan.md).
public struct StrayChains: Sendable, Hashable {
    /// A chain's lp__ 5 % quantile, median and 95 % quantile.
    public struct Interval: Sendable, Hashable {
        public var q5: Double
        public var median: Double
        public var q95: Double
    }

    /// A chain named as apart: its number (from 0) and its lp__ quantiles.
    public struct Chain: Sendable, Hashable {
        public var index: Int
        public var logDensity: Interval
        /// True when the chain's log density is below the typical chain's.
        public var below: Bool
    }

    /// Fewer draws per chain than this make the quantiles too rough to judge.
    public static let minimumDraws = 20
    /// From this many chains on (a majority must exist).
    public static let minimumChains = 3

    /// The typical chain's quantiles (medians over the judged chains); nil when not judged.
    public let typical: Interval?
    public let chains: [Chain]

    /// - Parameter logDensity: lp__ draws, `logDensity[chain][draw]`.
    public init(logDensity: [[Double]]) {
        let judged = logDensity.enumerated().filter { $0.element.count >= Self.minimumDraws && $0.element.allSatisfy(\.isFinite) }
        guard judged.count >= Self.minimumChains else {
            typical = nil
            chains = []
            return
        }
        let intervals = Self.intervals(judged.map(\.element))
        let typical = Interval(q5: Quantile.median(intervals.map(\.q5)), median: Quantile.median(intervals.map(\.median)),
                               q95: Quantile.median(intervals.map(\.q95)))
        self.typical = typical
        chains = zip(judged, intervals).compactMap { c, q in
            q.median < typical.q5 || q.median > typical.q95 ? Chain(index: c.offset, logDensity: q, below: q.median < typical.q5) : nil
        }
    }

    /// Each chain's quantiles (its draws all finite), the chains shared out over the cores: one sort
    /// of a chain's draws in a buffer per core (65,536 chains × 100 draws took 0.8 s of one core
    /// with a sorted copy per chain).
    static func intervals(_ chains: [[Double]]) -> [Interval] {
        let perChain = chains.first?.count ?? 0
        return [Interval](unsafeUninitializedCapacity: chains.count) { out, count in
            let out = out
            ChainRanges.forEach(chains.count, parallel: ChainRanges.worthParallel(chains: chains.count, perChain: perChain)) { range in
                var sorted: [Double] = []
                for c in range {
                    sorted.removeAll(keepingCapacity: true)
                    sorted.append(contentsOf: chains[c])
                    sorted.sort()
                    (out.baseAddress! + c).initialize(to: Interval(
                        q5: Quantile.linear(sorted: sorted, prob: 0.05), median: Quantile.linear(sorted: sorted, prob: 0.5),
                        q95: Quantile.linear(sorted: sorted, prob: 0.95)))
                }
            }
            count = chains.count
        }
    }
}
