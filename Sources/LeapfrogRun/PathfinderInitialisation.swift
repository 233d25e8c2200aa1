import LeapfrogCore
import LeapfrogOutput
import LeapfrogSampling
import LeapfrogVariational

/// Starting points for C chains from multi-path Pathfinder (`sample --init pathfinder`;
/// Zhang et al. 2022, §5, recommend Pathfinder draws as HMC's initial points: they sit in the
/// posterior's typical set, so warmup spends fewer gradients getting there than from
/// Uniform(−2, 2)).
///
/// - Without superchains: K paths (`PathfinderConfiguration.paths`, 4), max(C, `minimumDraws`)
///   draws from each (not the 1000 of a `pathfinder` run: the starts need C of them), and the C chains start at the first C Pareto-smoothed importance-resampled
///   draws (with replacement: chains may share a start where the weights are concentrated).
/// - With G superchains: one path per superchain, and superchain g starts at the first resampled
///   draw that came from path g, else at path g's first draw (its Gaussian's, unweighted), else —
///   path g found no finite ELBO — at resampled draw g; the groups start from distinct paths, as
///   nested R-hat wants distinct starts.
///
/// Pathfinder's seed is the run's.
public enum PathfinderInitialisation {
    /// Draws per path at least: with 4 paths, 400 pooled weights, whose Pareto tail fit uses the
    /// largest 60 (Vehtari et al. 2024: M = ⌈min(S/5, 3√S)⌉).
    public static let minimumDraws = 100

    public struct Outcome: Sendable {
        /// One point per chain, or per superchain.
        public var points: [[Double]]
        public var result: Pathfinder.Result
        public var seconds: Double

        public var figures: RunSummary.InitialisationFigures {
            .init(method: "pathfinder", paths: result.paths.count, gradientEvaluations: result.gradientEvaluations,
                  batchCalls: result.batchCalls, seconds: seconds, paretoK: result.paretoK.isFinite ? result.paretoK : nil)
        }
    }

    public static func points(model: any BatchedLogDensity, sampler: SamplerConfiguration,
                              configuration: PathfinderConfiguration,
                              shouldStop: (() -> Bool)? = nil) throws -> Outcome {
        var pf = configuration
        let groups = sampler.superchains > 1 ? sampler.superchains : nil
        if let groups { pf.paths = groups }
        pf.draws = max(sampler.chains, minimumDraws)
        pf.seed = sampler.seed
        let t0 = Clock.now()
        let result = try Pathfinder.fit(model: model, configuration: pf, shouldStop: shouldStop)
        let seconds = Clock.now() - t0
        let points: [[Double]]
        if let groups {
            points = (0..<groups).map { g in
                if let r = result.resampled.firstIndex(where: { $0 / pf.draws == g }) { return result.draws.vector(chain: r) }
                if result.paths[g].approximation != nil, result.pooledLogDensity[g * pf.draws].isFinite {
                    return result.pooled.vector(chain: g * pf.draws)
                }
                return result.draws.vector(chain: g)
            }
        } else {
            points = (0..<sampler.chains).map { result.draws.vector(chain: $0) }
        }
        return Outcome(points: points, result: result, seconds: seconds)
    }
}
