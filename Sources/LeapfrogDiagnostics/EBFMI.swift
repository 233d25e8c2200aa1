/// Energy Bayesian fraction of missing information, per chain.
///
/// Betancourt (2016), "Diagnosing suboptimal cotangent disintegrations in Hamiltonian Monte
/// Carlo", arXiv:1604.00695, eq. 5 (estimator): for a chain's energies E₁…E_N,
///
///     E-BFMI = mean over n of (Eₙ − Eₙ₋₁)²  /  Var(E)
///
/// with the mean over the N − 1 differences and Var with denominator N − 1, exactly as ArviZ
/// 0.23.4 `az.bfmi` (`_bfmi`). Values below 0.3 suggest the momentum resampling explores the
/// energy distribution poorly (``DiagnosticWarnings/Thresholds/ebfmi``).
public enum EBFMI {
    /// One value per chain of `energy[chain][draw]`. A chain with a non-finite energy, or fewer
    /// than 2 draws, gives NaN; constant energy gives NaN (0/0).
    public static func perChain(energy: [[Double]]) -> [Double] {
        energy.map { e in
            guard e.count >= 2, e.allSatisfy(\.isFinite) else { return .nan }
            var num = 0.0
            for i in 1..<e.count { let d = e[i] - e[i - 1]; num += d * d }
            return (num / Double(e.count - 1)) / variance(e, ddof: 1)
        }
    }

    /// The same estimator accumulated one draw at a time (memory per chain, not per draw): the
    /// squared successive differences, and Welford's mean and sum of squares (Welford 1962).
    public struct Running: Sendable, Hashable {
        public private(set) var count = 0
        private var last: [Double]
        private var squaredDifferences: [Double]
        private var mean: [Double]
        private var m2: [Double]
        private var nonFinite: [Bool]

        public init(chains: Int) {
            last = Array(repeating: 0, count: chains)
            squaredDifferences = last
            mean = last
            m2 = last
            nonFinite = Array(repeating: false, count: chains)
        }

        /// Adds one draw's energy of every chain.
        public mutating func add(_ energy: [Double]) {
            count += 1
            let n = Double(count)
            for (c, e) in energy.enumerated() {
                if !e.isFinite { nonFinite[c] = true; continue }
                if count > 1 { squaredDifferences[c] += (e - last[c]) * (e - last[c]) }
                last[c] = e
                let delta = e - mean[c]
                mean[c] += delta / n
                m2[c] += delta * (e - mean[c])
            }
        }

        /// `EBFMI.perChain` of the energies added so far.
        public var perChain: [Double] {
            (0..<mean.count).map { c in
                guard count >= 2, !nonFinite[c] else { return .nan }
                return (squaredDifferences[c] / Double(count - 1)) / (m2[c] / Double(count - 1))
            }
        }
    }
}
