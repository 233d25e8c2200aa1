#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore
import LeapfrogDiagnostics
import LeapfrogRandom

/// What warmup does with chains stuck where the posterior holds no mass worth the name
/// (`--stray-chains`).
public enum StrayChainPolicy: String, Sendable, Hashable, CaseIterable {
    /// Move them to another chain's position at the end of a slow window (`StrayChainRelocation`).
    case relocate
    /// Leave them: the run's warning (`StrayChains`) names them after sampling.
    case keep
}

/// The judgement behind `StrayChainPolicy.relocate`: at the end of every slow warmup window,
/// which chains explore a region whose posterior mass is negligible next to the typical chain's,
/// and whose position each takes instead.
///
/// From each chain's draws in the window: its mean log density m_c, the sd of its log density s_c
/// and its per-coordinate variances v_ci (unconstrained space). Under a Gaussian (Laplace)
/// approximation of the region a chain explores, E[lp] = lp_max − d/2 and the region's mass is
/// e^{lp_max} (2π)^{d/2} |Σ|^{1/2}, so its log mass is, up to a constant shared by every chain,
///
///     M_c = m_c + ½ Σᵢ log v_ci          (Hadamard's bound |Σ| ≤ Πᵢ Σᵢᵢ for the determinant).
///
/// Chain c is stray when both hold:
/// - its log density lies apart below: m_c < median(m) − `logDensitySDs` · median(s);
/// - its region's estimated mass is below the typical chain's by more than `massGap`:
///   M_c < median(M) − `massGap`.
/// Volume enters through v, so a wide mode of low density that holds as much mass as a narrow
/// one of high density is not stray, only lower; a chain that did not move in the window (every
/// transition rejected, v = 0) has M = −∞. Example: posteriordb's `hmm_drive_0`, whose minor mode
/// (the HMM's second state explaining no data) sits 63 below the main mode in log density and
/// e^−60 below it in Laplace mass (docs/stan.md).
///
/// A stray chain takes the position, log density and gradient of a donor drawn uniformly (Philox
/// purpose `relocation`, chain word = the stray chain, iteration word = the window's last
/// iteration) among the chains that are not stray and whose M is at least the median; its window
/// draws leave a pooled metric's estimate (a chain's own metric takes its donor's). Warmup draws
/// are discarded and every chain remains a valid Markov chain from wherever warmup leaves it, so
/// moving a chain during warmup changes only where it starts sampling. It is judged from
/// `minimumChains` chains on (a majority must exist) and on windows of at least `minimumDraws`
/// draws. The judgement reads every chain's window, so with chains that adapt separately a chain's
/// draws no longer depend on it alone once a chain has been moved (`StrayChainPolicy.keep` keeps
/// them independent).
public enum StrayChainRelocation {
    /// A stray region holds less than e^−20 ≈ 2·10⁻⁹ of the typical chain's mass: below the
    /// Monte-Carlo error of any run's estimates.
    public static let massGap = 20.0
    /// The log density must also lie this many typical within-chain sds below the median: the
    /// mass estimate alone rests on per-coordinate variances from a short window.
    public static let logDensitySDs = 4.0
    /// Fewer window draws per chain than this make the variances too rough to judge.
    public static let minimumDraws = 20
    /// From this many chains on (a majority must exist).
    public static let minimumChains = 3

    /// The chains to move after the window ending at `iteration`, judged from each chain's window
    /// draws: `positions[c]` (their Welford estimate) and `logDensity` (chain c's lp moments,
    /// quantity 0). Empty when there are too few chains or draws to judge.
    public static func judge(positions: [WelfordEstimator], logDensity: ChainMoments, iteration: Int,
                             random: PhiloxRandom) -> [ChainRelocation] {
        let n = positions.count
        guard n >= minimumChains, logDensity.chains == n, logDensity.drawsPerChain >= minimumDraws,
              positions.allSatisfy({ $0.count >= Double(minimumDraws) }) else { return [] }
        let lp = (0..<n).map { logDensity.chain($0, quantity: 0) }
        let mass = (0..<n).map { c -> Double in
            let e = positions[c], d = e.dimension
            var sum = 0.0
            for i in 0..<d {
                let v = e.m2[e.dense ? i * d + i : i] / (e.count - 1)
                guard v > 0 else { return -.infinity }
                sum += log(v)
            }
            let m = lp[c].mean
            return m.isFinite && sum.isFinite ? m + 0.5 * sum : -.infinity
        }
        // Medians over the chains with finite figures: a non-finite one is no chain's typical figure.
        let typicalLP = Quantile.median(lp.map(\.mean)), typicalSD = Quantile.median(lp.map { sqrt($0.variance) })
        let typicalMass = Quantile.median(mass)
        guard typicalLP.isFinite, typicalSD.isFinite, typicalMass.isFinite else { return [] }
        let stray = (0..<n).filter { c in
            let below = !(lp[c].mean >= typicalLP - logDensitySDs * typicalSD)
            return below && !(mass[c] >= typicalMass - massGap)
        }
        guard !stray.isEmpty else { return [] }
        let strays = Set(stray)
        let donors = (0..<n).filter { !strays.contains($0) && mass[$0] >= typicalMass }
        guard !donors.isEmpty else { return [] }
        return stray.map { c in
            let u = random.uniform(chain: c, iteration: iteration, purpose: .relocation)
            let donor = donors[min(donors.count - 1, Int(u * Double(donors.count)))]
            return ChainRelocation(chain: c, donor: donor, iteration: iteration,
                                   logDensityGap: lp[c].mean.isFinite ? typicalLP - lp[c].mean : .infinity,
                                   logMassGap: mass[c].isFinite ? typicalMass - mass[c] : .infinity)
        }
    }
}

extension SamplerState {
    /// Moves each relocated chain to its donor's position, log density and gradient.
    public mutating func relocate(_ moves: [ChainRelocation]) {
        for move in moves {
            positions.setVector(positions.vector(chain: move.donor), chain: move.chain)
            gradient.setVector(gradient.vector(chain: move.donor), chain: move.chain)
            logDensity[move.chain] = logDensity[move.donor]
        }
    }
}
