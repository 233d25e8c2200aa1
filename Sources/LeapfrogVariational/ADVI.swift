#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore
import LeapfrogRandom

/// Automatic differentiation variational inference (Kucukelbir et al., JMLR 18, 2017) on the
/// unconstrained space, batched: at every iteration the M draws of each of the K restarts are one
/// `ChainBatch` of M·K points and one `evaluate` call, on whatever back end `model` is.
///
/// Restart k starts at its mean (given, or Uniform(−r, r)) — or, with `ADVIConfiguration.Start.mode`,
/// where an L-BFGS search for the mode from there ends (`ModeSearch`, the K searches batched) —
/// with every scale at `initialScale`.
///
/// Iteration t, restart k, draw m (batch column c = k·M + m):
/// 1. εₘ ~ N(0, I) (d components, d + r for the low-rank family) from Philox (seed, chain m,
///    iteration t, `.variationalDraw`), the same M draws for every restart: common random numbers
///    (the restarts differ by their starting points), so a restart's fit is the same on every back
///    end and whether it runs alone or beside others, its ELBO estimates are compared with the
///    others' on the same draws, and the host draws M·d normals per iteration rather than K·M·d;
/// 2. θₘ = μₖ + Lₖεₘ, and (log p(θₘ), ∇ log p(θₘ)) from the back end;
/// 3. ELBO estimate ELBOₖ = mean log p(θₘ) + H[qₖ] (entropy in closed form) and its gradient
///    (`GaussianFamily.elboGradient`); Adam ascends it at the rate of `LearningRateSchedule`;
/// 4. every `evaluationInterval` iterations the window mean of ELBOₖ goes to Stan's relative
///    rule (`RelativeELBOConvergence`); the fit stops when every restart has converged, or at
///    `maxIterations`.
///
/// Successive halving (`ADVIConfiguration.pruneInterval`, Jamieson & Talwalkar, AISTATS 2016):
/// every `pruneInterval` iterations, at a window end, the worse half of the surviving restarts by
/// that window's mean ELBO estimate (⌊n/2⌋ of n) leave the batch, down to one; the batch shrinks
/// with them, and so does the iteration's cost. A pruned restart's family and ELBO stay as they
/// were when it left. As the restarts share their draws, a survivor's fit is bit for bit the one
/// it gets alone.
///
/// On a back end that checks its fast precision against an accurate twin (`PrecisionCheckpoint`),
/// the draws are checked at the first iteration and at every convergence check.
///
/// Draws whose log density or gradient is not finite are dropped from the average (as Stan drops
/// them); more than half of a restart's draws dropped at one iteration, a non-finite gradient or
/// a non-finite family end the fit with a `LeapfrogError` naming the iteration, the restart and
/// the cause — after the iterations before it were reported to `iteration`.
public enum ADVI {
    /// One row of the trace, reported after every iteration.
    public struct Iteration: Sendable, Hashable {
        /// 1-based.
        public var iteration: Int
        /// The ELBO estimate of the leading restart (the best window mean so far) at this iteration.
        public var elbo: Double
        /// The leading restart's mean ELBO estimate over the current window (the running mean since
        /// the last convergence check).
        public var elboMean: Double
        /// |∇_φ ELBO| of the leading restart.
        public var gradientNorm: Double
        public var learningRate: Double
        /// Every restart's ELBO estimate; NaN for a restart pruned before this iteration.
        public var restartELBOs: [Double]
        /// The leading restart.
        public var leader: Int
    }

    public struct Result: Sendable {
        public var families: [GaussianFamily]
        /// The restart with the highest final window-mean ELBO.
        public var best: Int
        public var family: GaussianFamily { families[best] }
        /// Final window-mean ELBO per restart.
        public var elbo: [Double]
        public var iterations: Int
        public var converged: Bool
        /// Why the fit stopped ("mean ELBO converged", "max iterations", "interrupted", …).
        public var reason: String
        /// log-density gradients evaluated (points, over all restarts).
        public var gradientEvaluations: Int
        public var interrupted: Bool
        /// Stan's "may be diverging" condition held at the end for the best restart.
        public var mayBeDiverging: Bool
        /// Per restart, the iteration after which successive halving dropped it; nil: it ran to
        /// the end.
        public var prunedAfter: [Int?]
        /// The L-BFGS search that placed the starting means (`ADVIConfiguration.Start.mode`); its
        /// evaluations are in `gradientEvaluations`.
        public var modeSearch: ModeSearch.Result?
    }

    /// Most of a restart's draws that may be dropped at one iteration (non-finite log density or
    /// gradient) before the fit ends: half.
    public static let maxDroppedFraction = 0.5

    /// Fits `configuration.restarts` Gaussian families to `model`.
    /// - snapshot: every `snapshotEvery` iterations, the iteration (1-based) and the leading family.
    /// - initialMeans: one starting mean per restart; nil: Uniform(−r, r) per component from Philox
    ///   (chain k, iteration 0, `.variationalInitialisation`). With `configuration.start` `.mode`
    ///   the means start where an L-BFGS search from these points ends (`ModeSearch`).
    public static func fit(model: any BatchedLogDensity, configuration config: ADVIConfiguration,
                           initialMeans: [[Double]]? = nil,
                           iteration report: ((Iteration) throws -> Void)? = nil,
                           snapshotEvery: Int? = nil, snapshot: ((Int, GaussianFamily) throws -> Void)? = nil,
                           shouldStop: (() -> Bool)? = nil) throws -> Result {
        try config.validate()
        let d = model.dimension, m = config.gradientSamples, k = config.restarts
        guard d >= 1 else { throw LeapfrogError(.configuration, "ADVI: the model has no parameters (nothing to fit)") }
        let random = PhiloxRandom(seed: config.seed)
        var means: [[Double]] = try initialMeans.map { given in
            guard given.count == k, given.allSatisfy({ $0.count == d }) else {
                throw LeapfrogError(.configuration, "ADVI: \(given.count) initial means for \(k) restarts of dimension \(d)")
            }
            return given
        } ?? (0..<k).map { r in
            var mu = [Double](repeating: 0, count: d)
            random.uniforms(chain: r, iteration: 0, purpose: .variationalInitialisation, count: d) { i, u in
                mu[i] = config.initRadius * (2 * u - 1)
            }
            return mu
        }
        var modeSearch: ModeSearch.Result?
        if config.start == .mode {
            var lbfgs = PathfinderConfiguration()
            lbfgs.maxIterations = config.modeIterations
            let search = try ModeSearch.run(model: model, starts: means, configuration: lbfgs, shouldStop: shouldStop)
            means = search.positions
            modeSearch = search
        }
        var families = means.map { GaussianFamily(kind: config.family, mean: $0, rank: config.rank) }
        let logScale = log(config.initialScale)
        for r in 0..<k { for i in 0..<d { families[r].parameters[d + i] = logScale } }
        if config.family == .lowRank {
            let rank = families[0].rank
            guard rank <= d else {
                throw LeapfrogError(.configuration, "--rank \(rank) is above the model's \(d) parameters: use --family fullrank")
            }
            // B from Philox (restart k, iteration 1, `.variationalInitialisation`): N(0, (s/√r)²).
            let scale = config.factorInitScale / Double(rank).squareRoot()
            for r in 0..<k {
                random.normals(chain: r, iteration: 1, purpose: .variationalInitialisation, count: d * rank) { i, z in
                    families[r].parameters[2 * d + i] = scale * z
                }
            }
        }
        var adams = families.map { Adam(count: $0.parameters.count) }
        var rules = (0..<k).map { _ in RelativeELBOConvergence(tolerance: config.toleranceRelativeObjective,
                                                               maxIterations: config.maxIterations,
                                                               evaluationInterval: config.evaluationInterval) }
        var verdicts = [RelativeELBOConvergence.Verdict](repeating: .running, count: k)
        var windowSum = [Double](repeating: 0, count: k)
        var windowCount = 0
        var lastWindowMean = [Double](repeating: -.infinity, count: k)
        let schedule = LearningRateSchedule(learningRate: config.learningRate, decayIterations: config.decayIterations)
        var evaluations = modeSearch?.gradientEvaluations ?? 0
        var done = 0
        var interrupted = false
        var reason = "reached --iterations \(config.maxIterations) without meeting --tol-rel-obj \(config.toleranceRelativeObjective)"
        var converged = false

        // Buffers of the loop, allocated once: the M draws' ε (draw j at j·e ..< (j+1)·e, shared
        // by the restarts), the positions, and one restart's ELBO gradient and kept draws.
        let e = families[0].noiseDimension
        var noise = [Double](repeating: 0, count: m * e)
        var batch = ChainBatch(chains: k * m, dimension: d)
        var gradient = [Double](repeating: 0, count: families[0].parameters.count)
        var kept = [Int]()
        kept.reserveCapacity(m)
        var finite = [Bool]()
        finite.reserveCapacity(k * m)
        var elbos = [Double](repeating: 0, count: k)
        var norms = [Double](repeating: 0, count: k)
        var running = [Double](repeating: 0, count: k)
        // The restarts still in the batch (successive halving), in batch order: slot s of the
        // batch holds restart alive[s], columns s·M ..< (s + 1)·M.
        var alive = Array(0..<k)
        var prunedAfter = [Int?](repeating: nil, count: k)
        for t in 0..<config.maxIterations {
            if shouldStop?() == true {
                interrupted = true
                reason = "interrupted"
                break
            }
            noise.withUnsafeMutableBufferPointer { eps in
                for j in 0..<m {
                    random.normals(chain: j, iteration: t, purpose: .variationalDraw, count: e) { i, z in eps[j * e + i] = z }
                }
            }
            noise.withUnsafeBufferPointer { eps in
                for (s, r) in alive.enumerated() { families[r].transform(eps, count: m, into: &batch, firstColumn: s * m) }
            }
            // Precision checkpoints (`PrecisionGuard`, as the samplers place them): on the first
            // iteration's draws, then at every convergence check; after a switch to the accurate
            // evaluator the batch below is evaluated in it.
            if let checkpoint = model as? any PrecisionCheckpoint {
                if t == 0 {
                    _ = try checkpoint.checkPrecision(at: batch, stage: .initialisation)
                } else if t % config.evaluationInterval == 0 {
                    _ = try checkpoint.checkPrecision(at: batch, stage: .windowEnd(iteration: t - 1))
                }
            }
            let density = try model.evaluate(batch, active: nil)
            evaluations += alive.count * m
            let rate = schedule.rate(iteration: t)
            // Columns whose gradient is finite, in one pass over the chain-fastest values.
            let columns = density.gradient.chains
            finite.removeAll(keepingCapacity: true)
            finite.append(contentsOf: repeatElement(true, count: columns))
            density.gradient.values.withUnsafeBufferPointer { g in
                finite.withUnsafeMutableBufferPointer { ok in
                    for i in 0..<d { for c in 0..<columns where !g[i * columns + c].isFinite { ok[c] = false } }
                }
            }
            for (s, r) in alive.enumerated() {
                kept.removeAll(keepingCapacity: true)
                var lpSum = 0.0
                for j in 0..<m {
                    let c = s * m + j
                    let lp = density.logDensity[c]
                    guard lp.isFinite, finite[c] else { continue }
                    lpSum += lp
                    kept.append(j)
                }
                let dropped = m - kept.count
                if kept.isEmpty || Double(dropped) > maxDroppedFraction * Double(m) {
                    let advice = t == 0 && config.start == .uniform
                        ? "the draws around the start (Uniform(−\(config.initRadius), \(config.initRadius)) on the unconstrained scale) "
                            + "fall where the model has no finite density: check its support and constraints (a bound the "
                            + "declarations lack), or start from a mode with --init mode"
                        : "the ELBO gradient is undefined; check the model at those values, or lower --learning-rate"
                    throw LeapfrogError(.sampling, "ADVI iteration \(t + 1), restart \(r + 1): the log density or its gradient is "
                                        + "not finite at \(dropped) of \(m) draws from the current family (more than half): " + advice)
                }
                elbos[r] = lpSum / Double(kept.count) + families[r].entropy
                noise.withUnsafeBufferPointer { eps in
                    families[r].elboGradient(epsilons: eps, gradients: density.gradient, firstColumn: s * m, draws: kept,
                                             stickingTheLanding: config.stickingTheLanding, into: &gradient)
                }
                let norm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
                guard norm.isFinite else {
                    throw LeapfrogError(.sampling, "ADVI iteration \(t + 1), restart \(r + 1): the ELBO gradient is not finite (NaN gradients)")
                }
                norms[r] = norm
                adams[r].step(&families[r].parameters, gradient: gradient, learningRate: rate)
                guard families[r].parameters.allSatisfy(\.isFinite), elbos[r].isFinite else {
                    throw LeapfrogError(.sampling, "ADVI iteration \(t + 1), restart \(r + 1): the ELBO diverged (ELBO estimate "
                                        + "\(elbos[r]), the family's parameters overflowed); lower --learning-rate")
                }
                windowSum[r] += elbos[r]
            }
            windowCount += 1
            for r in alive { running[r] = windowSum[r] / Double(windowCount) }
            let leader = Self.leader(lastWindowMean.allSatisfy { $0 == -.infinity } ? running : lastWindowMean, among: alive)
            try report?(Iteration(iteration: t + 1, elbo: elbos[leader], elboMean: running[leader], gradientNorm: norms[leader],
                                  learningRate: rate, restartELBOs: elbos, leader: leader))
            if let every = snapshotEvery, every > 0, (t + 1) % every == 0 { try snapshot?(t + 1, families[leader]) }
            if windowCount == config.evaluationInterval {
                for r in alive {
                    lastWindowMean[r] = running[r]
                    if verdicts[r] == .running { verdicts[r] = rules[r].record(running[r]) }
                }
                for r in alive { windowSum[r] = 0 }
                windowCount = 0
                if let every = config.pruneInterval, (t + 1) % every == 0, alive.count > 1 {
                    alive = Self.survivors(alive, windowMeans: lastWindowMean)
                    for r in 0..<k where prunedAfter[r] == nil && !alive.contains(r) {
                        prunedAfter[r] = t + 1
                        elbos[r] = .nan
                    }
                    batch = ChainBatch(chains: alive.count * m, dimension: d)
                }
                if alive.allSatisfy({ verdicts[$0] != .running }) {
                    done = t + 1
                    converged = true
                    let best = Self.leader(lastWindowMean, among: alive)
                    reason = verdicts[best] == .meanConverged
                        ? "mean ELBO converged (relative change below --tol-rel-obj \(config.toleranceRelativeObjective))"
                        : "median ELBO converged (relative change below --tol-rel-obj \(config.toleranceRelativeObjective))"
                    break
                }
            }
            done = t + 1
        }
        if windowCount > 0 && lastWindowMean.allSatisfy({ $0 == -.infinity }) {
            lastWindowMean = (0..<k).map { windowSum[$0] / Double(windowCount) }
        }
        let best = Self.leader(lastWindowMean, among: alive)
        return Result(families: families, best: best, elbo: lastWindowMean, iterations: done, converged: converged,
                      reason: reason, gradientEvaluations: evaluations, interrupted: interrupted,
                      mayBeDiverging: rules[best].mayBeDiverging, prunedAfter: prunedAfter, modeSearch: modeSearch)
    }

    /// The index of the largest value (the first on ties; NaN never leads), among `among` (all: nil).
    static func leader(_ values: [Double], among: [Int]? = nil) -> Int {
        let candidates = among ?? Array(values.indices)
        var best = candidates[0]
        for i in candidates where values[i] > values[best] || values[best].isNaN { best = i }
        return best
    }

    /// Successive halving's step: of the n restarts `alive`, the ⌈n/2⌉ with the highest window
    /// means (ties to the earlier restart; NaN last), in their batch order.
    static func survivors(_ alive: [Int], windowMeans: [Double]) -> [Int] {
        let ranked = alive.sorted { a, b in
            let x = windowMeans[a], y = windowMeans[b]
            if x.isNaN != y.isNaN { return y.isNaN }
            return x > y || (x == y && a < b)
        }
        let keep = Set(ranked.prefix(alive.count - alive.count / 2))
        return alive.filter(keep.contains)
    }

    /// `count` draws from `family` (Philox: chain s, iteration 0, `.variationalOutput`), as a batch,
    /// with log q at each.
    public static func draws(_ family: GaussianFamily, count: Int, seed: UInt64) -> (ChainBatch, logQ: [Double]) {
        let random = PhiloxRandom(seed: seed)
        var batch = ChainBatch(chains: count, dimension: family.dimension)
        var logQ = [Double](repeating: 0, count: count)
        for s in 0..<count {
            var eps = [Double](repeating: 0, count: family.noiseDimension)
            random.normals(chain: s, iteration: 0, purpose: .variationalOutput, count: eps.count) { i, z in eps[i] = z }
            batch.setVector(family.transform(eps), chain: s)
            logQ[s] = family.logDensity(epsilon: eps)
        }
        return (batch, logQ)
    }
}
