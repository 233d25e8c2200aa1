/// Chains whose log density lies apart from the typical chain's: a chain stuck in another mode, or
/// one that has not reached the others' region, named by its number (R-hat only says that the
/// chains disagree, not which).
///
/// Criterion: chain c is apart when its central 90 % interval of lp__, [q5_c, q95_c], does not
/// overlap the typical chain's, [median over chains of q5_k, median over chains of q95_k]. Medians
/// over chains, so that a minority of stray chains does not move the typical interval. Chains
/// that draw from one distribution have 90 % intervals that overlap (each holds that
/// distribution's central 90 % up to Monte Carlo error), so a chain is named only when its draws
/// and the typical chain's barely share a value of the log density: with hundreds of draws per
/// chain this does not happen by chance. It is judged from 3 chains on (with 2 there is no
/// majority), on chains with at least ``minimumDraws`` draws and a finite log density throughout.
///
/// A chain whose log density is lower is not shown to hold negligible posterior mass: a mode's
/// mass is its density times its volume, and a wide mode's typical log density is lower than a
/// narrow one's. The warning says where the chain is and leaves the judgement to the user.
///
/// Example: posteriordb's `hmm_drive_0`, 4 chains with the default seed, one of which stays in
/// the mode where the HMM's second state explains no data (lp__ ≈ −1970 against ≈ −1907).
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
        let intervals = judged.map { c -> Interval in
            let q = Quantile.of(c.element, probs: [0.05, 0.5, 0.95])
            return Interval(q5: q[0], median: q[1], q95: q[2])
        }
        let typical = Interval(q5: Self.median(intervals.map(\.q5)), median: Self.median(intervals.map(\.median)),
                               q95: Self.median(intervals.map(\.q95)))
        self.typical = typical
        chains = zip(judged, intervals).compactMap { c, q in
            q.q95 < typical.q5 || q.q5 > typical.q95 ? Chain(index: c.offset, logDensity: q, below: q.q95 < typical.q5) : nil
        }
    }

    static func median(_ x: [Double]) -> Double {
        let s = x.sorted()
        let n = s.count
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2])
    }
}
