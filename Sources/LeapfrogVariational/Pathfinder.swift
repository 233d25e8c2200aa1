import LeapfrogCore
import LeapfrogRandom

/// Multi-path Pathfinder (Zhang, Carpenter, Gelman & Vehtari, "Pathfinder: parallel quasi-Newton
/// variational inference", JMLR 23(306), 2022, Algorithms 1 and 5), batched over paths.
///
/// Each of the K paths runs L-BFGS on −log p from its own start (`LBFGSPath`). At every accepted
/// iterate xₗ the L-BFGS inverse Hessian Hₗ (`InverseHessian`: diagonal plus rank 2J) defines a
/// Gaussian qₗ = N(xₗ + Hₗ∇log p(xₗ), Hₗ) (`PathfinderApproximation`), whose ELBO
///
///     ELBO(qₗ) ≈ (1/M) Σₘ log p(θₘ) − log qₗ(θₘ),   θₘ ~ qₗ
///
/// is estimated from M draws; a draw with a non-finite log density makes it −∞ (qₗ puts mass
/// where p has none). A path's result is its iterate with the highest ELBO. Then N draws from
/// each path's best qₖ are pooled (K·N), their importance ratios log p − log qₖ are
/// Pareto-smoothed (`ParetoSmoothing`; the pooled ratios' k̂ says whether to trust the draws) and
/// N draws are resampled with replacement by those weights (`ImportanceResampling`).
///
/// **Batching.** A round is one `evaluate` call on a batch of K·(1 + M) columns: column k holds
/// path k's next point (its start, or a line-search trial), columns K + k·M + m hold the M ELBO
/// draws of the approximation at path k's previously accepted iterate; columns with nothing to
/// do are inactive. So a path costs one round per log-density evaluation of its line search, its
/// ELBO draws ride along with its next trial, and K paths cost as many rounds as the longest
/// path (one more for the last iterate's ELBO), not K times as many. The final draws are one more
/// call of K·N columns. Every draw is a gradient evaluation too (the `BatchedLogDensity`
/// contract returns both), and is counted as one.
///
/// Random numbers are Philox streams keyed by (seed, chain, iteration, purpose) (`RandomPurpose`:
/// `.pathfinderInitialisation`, `.pathfinderELBODraw`, `.pathfinderDraw`, `.pathfinderResample`),
/// so a fit is the same on every back end.
public enum Pathfinder {
    /// What a path did.
    public struct Path: Sendable {
        /// Accepted L-BFGS steps.
        public var iterations: Int
        /// The iterate (1-based) whose approximation had the highest ELBO; 0 when none had a finite one.
        public var bestIteration: Int
        public var bestELBO: Double
        /// Log-density and gradient evaluations spent on this path: its start(s) and trials,
        /// its ELBO draws and its share of the final draws.
        public var gradientEvaluations: Int
        /// Why the path ended.
        public var reason: String
        /// The approximation at the best iterate (nil when no iterate had a finite ELBO).
        public var approximation: PathfinderApproximation?
    }

    /// Reported after every round.
    public struct Round: Sendable {
        /// 1-based.
        public var round: Int
        public var runningPaths: Int
        /// Each path's best ELBO so far (−∞ before its first).
        public var bestELBOs: [Double]
        /// Accepted iterations per path so far.
        public var iterations: [Int]
        public var gradientEvaluations: Int
    }

    public struct Result: Sendable {
        public var paths: [Path]
        /// N draws after Pareto-smoothed importance resampling, on the unconstrained scale.
        public var draws: ChainBatch
        /// log p at each of `draws`.
        public var logDensity: [Double]
        /// Index into the pooled draws of each of `draws`.
        public var resampled: [Int]
        /// The K·N pooled draws (column k·N + n: draw n of path k; columns of paths without an
        /// approximation are unused), log p and the smoothed log weights there.
        public var pooled: ChainBatch
        public var pooledLogDensity: [Double]
        public var pooledLogWeights: [Double]
        /// Pareto k̂ of the pooled importance ratios.
        public var paretoK: Double
        public var gradientEvaluations: Int
        /// Batched evaluation calls: the rounds and the final draws.
        public var batchCalls: Int
        public var rounds: Int
        public var interrupted: Bool
        /// The path with the highest best ELBO.
        public var bestPath: Int {
            var best = 0
            for (k, p) in paths.enumerated() where p.bestELBO > paths[best].bestELBO || paths[best].bestELBO.isNaN { best = k }
            return best
        }
    }

    /// Fits `model`.
    /// - initialPoints: one start per path; nil: Uniform(−r, r) per component from Philox (chain k,
    ///   iteration = attempt, `.pathfinderInitialisation`), redrawn up to
    ///   `maxStartAttempts` times where log p or its gradient is not finite.
    public static func fit(model: any BatchedLogDensity, configuration config: PathfinderConfiguration,
                           initialPoints: [[Double]]? = nil, round report: ((Round) throws -> Void)? = nil,
                           shouldStop: (() -> Bool)? = nil) throws -> Result {
        try config.validate()
        let d = model.dimension, k = config.paths, m = config.elboDraws, n = config.draws
        guard d >= 1 else { throw LeapfrogError(.configuration, "Pathfinder: the model has no parameters") }
        let random = PhiloxRandom(seed: config.seed)
        if let given = initialPoints {
            guard given.count == k else {
                throw LeapfrogError(.configuration, "Pathfinder: \(given.count) initial points for \(k) paths")
            }
            for (i, x) in given.enumerated() where x.count != d {
                throw LeapfrogError(.configuration, "Pathfinder: initial point \(i + 1) has \(x.count) values; the model has \(d)")
            }
        }
        func start(_ path: Int, attempt: Int) -> [Double] {
            if let given = initialPoints { return given[path] }
            var x = [Double](repeating: 0, count: d)
            random.uniforms(chain: path, iteration: attempt, purpose: .pathfinderInitialisation, count: d) { i, u in
                x[i] = config.initRadius * (2 * u - 1)
            }
            return x
        }
        var paths = (0..<k).map { LBFGSPath(start: start($0, attempt: 0), configuration: config) }
        var attempts = [Int](repeating: 0, count: k)
        // The approximation at each path's last accepted iterate, waiting for its ELBO draws.
        var pending = [(approximation: PathfinderApproximation, iterate: Int)?](repeating: nil, count: k)
        var best = [(elbo: Double, iterate: Int, approximation: PathfinderApproximation)?](repeating: nil, count: k)
        var evaluations = [Int](repeating: 0, count: k)
        let width = k * (1 + m)
        var calls = 0, rounds = 0
        var interrupted = false

        while paths.contains(where: { !$0.isFinished }) || pending.contains(where: { $0 != nil }) {
            if shouldStop?() == true {
                interrupted = true
                for i in 0..<k where !paths[i].isFinished { paths[i].finish("interrupted") }
                break
            }
            var batch = ChainBatch(chains: width, dimension: d)
            var active = [Bool](repeating: false, count: width)
            var normals = [[[Double]]](repeating: [], count: k)
            for i in 0..<k {
                if let x = paths[i].trial {
                    batch.setVector(x, chain: i)
                    active[i] = true
                }
                if let (q, iterate) = pending[i] {
                    for j in 0..<m {
                        var u = [Double](repeating: 0, count: d)
                        random.normals(chain: i * m + j, iteration: iterate, purpose: .pathfinderELBODraw, count: d) { e, z in u[e] = z }
                        batch.setVector(q.transform(u), chain: k + i * m + j)
                        active[k + i * m + j] = true
                        normals[i].append(u)
                    }
                }
            }
            // The precision checkpoint (`PrecisionGuard`) at the starts, as the samplers place it.
            if rounds == 0, let checkpoint = model as? any PrecisionCheckpoint {
                _ = try checkpoint.checkPrecision(at: batch.chains(0..<k), stage: .initialisation)
            }
            let density = try model.evaluate(batch, active: active.allSatisfy { $0 } ? nil : active)
            calls += 1
            rounds += 1
            // ELBO of the pending approximations.
            for i in 0..<k {
                guard let (q, iterate) = pending[i] else { continue }
                var sum = 0.0
                for j in 0..<m {
                    let lp = density.logDensity[k + i * m + j]
                    sum += lp.isFinite ? lp - q.logDensity(standardNormal: normals[i][j]) : -.infinity
                }
                evaluations[i] += m
                let elbo = sum / Double(m)
                if elbo.isFinite, elbo > best[i]?.elbo ?? -.infinity { best[i] = (elbo, iterate, q) }
                pending[i] = nil
            }
            // The paths' trials.
            for i in 0..<k where active[i] {
                let wasStarting = paths[i].status == .starting
                let accepted = paths[i].observe(logDensity: density.logDensity[i], gradient: density.gradient.vector(chain: i))
                evaluations[i] += 1
                if wasStarting && paths[i].status == .starting {
                    attempts[i] += 1
                    if initialPoints != nil {
                        throw LeapfrogError(.sampling, "Pathfinder path \(i + 1): the log density or its gradient is not "
                                            + "finite at the given initial point; check the model there or give another")
                    }
                    guard attempts[i] < maxStartAttempts else {
                        throw LeapfrogError(.sampling, "Pathfinder path \(i + 1): no finite log density and gradient after "
                                            + "\(maxStartAttempts) starting points drawn uniformly from (−\(config.initRadius), "
                                            + "\(config.initRadius)) on the unconstrained scale; check the model's support "
                                            + "and constraints")
                    }
                    paths[i] = LBFGSPath(start: start(i, attempt: attempts[i]), configuration: config)
                    continue
                }
                if let q = accepted { pending[i] = (q, paths[i].iterations) }
            }
            try report?(Round(round: rounds, runningPaths: paths.filter { !$0.isFinished }.count,
                              bestELBOs: best.map { $0?.elbo ?? -.infinity }, iterations: paths.map(\.iterations),
                              gradientEvaluations: evaluations.reduce(0, +)))
        }

        guard best.contains(where: { $0 != nil }) else {
            throw LeapfrogError(.sampling, "Pathfinder: no iterate of any of the \(k) paths gave a finite ELBO (every "
                                + "approximation put draws where the log density is not finite, or the paths made no step: "
                                + paths.map { $0.reason ?? "running" }.joined(separator: "; ") + ")")
        }

        // N draws from every path's best approximation, one batched call.
        var pooled = ChainBatch(chains: k * n, dimension: d)
        var logQ = [Double](repeating: -.infinity, count: k * n)
        var active = [Bool](repeating: false, count: k * n)
        for i in 0..<k {
            guard let q = best[i]?.approximation else { continue }
            for j in 0..<n {
                let c = i * n + j
                var u = [Double](repeating: 0, count: d)
                random.normals(chain: c, iteration: 0, purpose: .pathfinderDraw, count: d) { e, z in u[e] = z }
                pooled.setVector(q.transform(u), chain: c)
                logQ[c] = q.logDensity(standardNormal: u)
                active[c] = true
            }
            evaluations[i] += n
        }
        let density = try model.evaluate(pooled, active: active.allSatisfy { $0 } ? nil : active)
        calls += 1
        let logRatios = (0..<(k * n)).map { c in
            active[c] && density.logDensity[c].isFinite ? density.logDensity[c] - logQ[c] : -.infinity
        }
        let (logWeights, paretoK) = ParetoSmoothing.smooth(logRatios: logRatios)
        guard let indices = ImportanceResampling.resample(logWeights: logWeights, count: n, random: random) else {
            throw LeapfrogError(.sampling, "Pathfinder: every draw from the paths' approximations has a non-finite log density")
        }
        var draws = ChainBatch(chains: n, dimension: d)
        for (r, c) in indices.enumerated() { draws.setVector(pooled.vector(chain: c), chain: r) }
        let results = (0..<k).map { i in
            Path(iterations: paths[i].iterations, bestIteration: best[i]?.iterate ?? 0, bestELBO: best[i]?.elbo ?? -.infinity,
                 gradientEvaluations: evaluations[i], reason: paths[i].reason ?? "running",
                 approximation: best[i]?.approximation)
        }
        return Result(paths: results, draws: draws, logDensity: indices.map { density.logDensity[$0] }, resampled: indices,
                      pooled: pooled, pooledLogDensity: density.logDensity.enumerated().map { active[$0] ? $1 : -.infinity },
                      pooledLogWeights: logWeights, paretoK: paretoK, gradientEvaluations: evaluations.reduce(0, +),
                      batchCalls: calls, rounds: rounds, interrupted: interrupted)
    }

    /// Starting points tried per path before the fit is refused (Stan's MAX_INIT_TRIES, as
    /// `Initialisation.maximumAttempts`).
    public static let maxStartAttempts = 100
}
