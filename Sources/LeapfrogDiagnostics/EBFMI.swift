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
}
