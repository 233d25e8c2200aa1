import LeapfrogCore

/// Maximum a posteriori on the unconstrained space by L-BFGS from K starts, batched over the
/// starts: Pathfinder's optimisation paths (`LBFGSPath`, Zhang et al. 2022, Algorithm 3; Stan's
/// L-BFGS tolerances) without its Gaussians and their ELBO draws. Every round is one `evaluate`
/// call of K columns (a path's start or line-search trial; finished paths' columns inactive), so K
/// searches cost the rounds of the longest.
///
/// ADVI starts its restarts here with `ADVIConfiguration.Start.mode` (`--init mode`): from a mode
/// the fit only has to spread the family around it, where from Uniform(−2, 2) it first has to find
/// one. On Edward's BNN (141 parameters), 16 restarts started 200 L-BFGS iterations from their
/// uniform draws reach NumPyro's best ELBO after 900–1,100 ADVI iterations, against 3,100–3,700
/// from the draws themselves (docs/benchmarks.md, "Variational inference against the peers").
///
/// A path ends on Stan's tests (`PathfinderConfiguration`'s tolerances), at
/// `PathfinderConfiguration.maxIterations`, when its line search fails, or at a start where the log
/// density or its gradient is not finite (that start is returned as it is). A model without a
/// mode (a density unbounded above, as a hierarchical model's funnel as τ → 0) runs its paths to
/// the iteration limit, and the ends are wherever they got.
public enum ModeSearch {
    public struct Result: Sendable {
        /// The last accepted iterate of each path (its start when none was accepted).
        public var positions: [[Double]]
        /// log p at `positions` (−∞ where the start was not finite).
        public var logDensities: [Double]
        /// Accepted L-BFGS steps per path.
        public var iterations: [Int]
        /// Why each path ended.
        public var reasons: [String]
        /// Points evaluated (every path's start and trials).
        public var gradientEvaluations: Int
        /// Batched evaluation calls.
        public var rounds: Int
        public var interrupted: Bool
        /// Wall time of the search.
        public var seconds: Double
    }

    /// Runs one L-BFGS path from each of `starts`; `configuration` gives the iteration limit, the
    /// tolerances and the history size (its paths, draws and seed are not used).
    public static func run(model: any BatchedLogDensity, starts: [[Double]], configuration config: PathfinderConfiguration,
                           shouldStop: (() -> Bool)? = nil) throws -> Result {
        try config.validate()
        let t0 = Clock.now()
        let d = model.dimension, k = starts.count
        guard k >= 1 else { throw LeapfrogError(.configuration, "mode search: no starting point") }
        for (i, x) in starts.enumerated() where x.count != d {
            throw LeapfrogError(.configuration, "mode search: start \(i + 1) has \(x.count) values; the model has \(d)")
        }
        var paths = starts.map { LBFGSPath(start: $0, configuration: config, approximations: false) }
        var batch = ChainBatch(chains: k, dimension: d)
        var evaluations = 0, rounds = 0
        var interrupted = false
        while paths.contains(where: { !$0.isFinished }) {
            if shouldStop?() == true {
                interrupted = true
                for i in 0..<k where !paths[i].isFinished { paths[i].finish("interrupted") }
                break
            }
            var active = [Bool](repeating: false, count: k)
            for i in 0..<k {
                guard let x = paths[i].trial else { continue }
                batch.setVector(x, chain: i)
                active[i] = true
            }
            if rounds == 0, let checkpoint = model as? any PrecisionCheckpoint {
                _ = try checkpoint.checkPrecision(at: batch, stage: .initialisation)
            }
            let density = try model.evaluate(batch, active: active.allSatisfy { $0 } ? nil : active)
            rounds += 1
            for i in 0..<k where active[i] {
                let wasStarting = paths[i].status == .starting
                _ = paths[i].observe(logDensity: density.logDensity[i], gradient: density.gradient.vector(chain: i))
                evaluations += 1
                if wasStarting && paths[i].status == .starting {
                    paths[i].finish("the log density or its gradient is not finite at the start")
                }
            }
        }
        return Result(positions: paths.map(\.position), logDensities: paths.map(\.logDensity),
                      iterations: paths.map(\.iterations), reasons: paths.map { $0.reason ?? "running" },
                      gradientEvaluations: evaluations, rounds: rounds, interrupted: interrupted, seconds: Clock.now() - t0)
    }
}
