import Foundation
import LeapfrogCore
import Testing
@testable import LeapfrogVariational

/// ADVI reaches the known optima on a correlated Gaussian (ρ = 0.8, scales 1, 2, 0.5):
/// - mean-field: the exact means and variances 1/Λᵢᵢ (the KL(q‖p) optimum of a factorised q);
/// - full-rank: the exact mean and covariance;
/// - low-rank (rank r): on a target whose covariance is diagonal + rank r, the exact covariance.
/// Tolerances are Monte-Carlo ones: the iterate of a stochastic optimiser at a decayed rate
/// wanders by about η·(a few) in each coordinate.
@Suite struct ADVITests {
    static let (target, covariance) = GaussianDensity.correlated(mean: [1, -2, 0.5], scales: [1, 2, 0.5], rho: 0.8)

    static func config(_ kind: GaussianFamily.Kind) -> ADVIConfiguration {
        var c = ADVIConfiguration()
        c.family = kind
        c.gradientSamples = 32
        c.maxIterations = 3000
        c.learningRate = 0.05
        c.decayIterations = 50
        c.toleranceRelativeObjective = 1e-9  // run all iterations: the test is about the optimum
        c.stickingTheLanding = true
        return c
    }

    @Test func meanFieldReachesTheClosedFormOptimum() throws {
        let result = try ADVI.fit(model: Self.target, configuration: Self.config(.meanField))
        let q = result.family
        let d = 3
        for i in 0..<d {
            #expect(abs(q.mean[i] - Self.target.mean[i]) < 0.05 * (1 / Self.target.precision[i * d + i]).squareRoot() + 0.02,
                    "mean[\(i)] \(q.mean[i]) against \(Self.target.mean[i])")
            let variance = exp(2 * q.logScale[i]), exact = 1 / Self.target.precision[i * d + i]
            #expect(abs(variance / exact - 1) < 0.05, "variance[\(i)] \(variance) against 1/Λᵢᵢ = \(exact)")
            // and not the marginal variance, which mean-field underestimates here
            #expect(variance < 0.9 * Self.covariance[i * d + i])
        }
        #expect(result.iterations == 3000 && !result.converged)
    }

    /// The first iteration (1-based) whose leading family has the closed-form mean-field optimum:
    /// every mean within 0.05 σᵢ* and every variance within 10 % of 1/Λᵢᵢ; nil if none did.
    static func iterationsToTheOptimum(_ c: ADVIConfiguration, target: GaussianDensity) throws -> (Int?, ADVI.Result) {
        let d = target.dimension
        var first: Int?
        let result = try ADVI.fit(model: target, configuration: c, snapshotEvery: 1, snapshot: { t, q in
            guard first == nil else { return }
            let ok = (0..<d).allSatisfy { i in
                let exact = 1 / target.precision[i * d + i]
                return abs(q.mean[i] - target.mean[i]) < 0.05 * exact.squareRoot() && abs(exp(2 * q.logScale[i]) / exact - 1) < 0.1
            }
            if ok { first = t }
        })
        return (first, result)
    }

    /// `--init mode`: the restarts start at an L-BFGS search's end, here the exact mean, so only
    /// the scales have to move: the fit reaches the same closed-form optimum as from Uniform(−2, 2)
    /// starts, in less than half the iterations, and the search's evaluations are counted.
    @Test func aModeStartReachesTheSameOptimumInFewerIterations() throws {
        var c = Self.config(.meanField)
        c.restarts = 2
        let (fromUniform, uniform) = try Self.iterationsToTheOptimum(c, target: Self.target)
        c.start = .mode
        let (fromMode, mode) = try Self.iterationsToTheOptimum(c, target: Self.target)
        let search = try #require(mode.modeSearch)
        #expect(uniform.modeSearch == nil)
        for k in 0..<2 { for i in 0..<3 { #expect(abs(search.positions[k][i] - Self.target.mean[i]) < 1e-5) } }
        #expect(mode.gradientEvaluations == search.gradientEvaluations + 3000 * 2 * 32)
        let u = try #require(fromUniform), m = try #require(fromMode)
        #expect(2 * m < u, "from the mode after \(m) iterations, from Uniform(−2, 2) after \(u)")
        let d = 3
        for i in 0..<d {
            let exact = 1 / Self.target.precision[i * d + i]
            #expect(abs(mode.family.mean[i] - Self.target.mean[i]) < 0.05 * exact.squareRoot() + 0.02)
            #expect(abs(exp(2 * mode.family.logScale[i]) / exact - 1) < 0.05)
        }
    }

    @Test func modeIterationsMustBePositive() throws {
        var c = Self.config(.meanField)
        c.start = .mode
        c.modeIterations = 0
        let error = #expect(throws: LeapfrogError.self) { try ADVI.fit(model: Self.target, configuration: c) }
        #expect(error?.message.contains("--init-iterations") == true)
    }

    @Test func fullRankReachesTheExactCovariance() throws {
        let result = try ADVI.fit(model: Self.target, configuration: Self.config(.fullRank))
        let q = result.family, s = q.covariance
        for i in 0..<3 {
            #expect(abs(q.mean[i] - Self.target.mean[i]) < 0.05 * Self.covariance[i * 3 + i].squareRoot() + 0.02)
            for j in 0..<3 {
                let scale = (Self.covariance[i * 3 + i] * Self.covariance[j * 3 + j]).squareRoot()
                #expect(abs(s[i * 3 + j] - Self.covariance[i * 3 + j]) < 0.06 * scale,
                        "Σ[\(i)][\(j)] \(s[i * 3 + j]) against \(Self.covariance[i * 3 + j])")
            }
        }
    }

    /// Σ = D² + BBᵀ in dimension 6 with rank 2: the low-rank family of rank 2 holds it exactly, and
    /// ADVI reaches it (B itself only up to a rotation, so Σ is compared), within the same
    /// Monte-Carlo tolerance as full-rank.
    @Test func lowRankReachesTheExactCovarianceOfADiagonalPlusLowRankTarget() throws {
        let factor = [0.9, 0.1, -0.6, 0.8, 1.2, -0.3, 0.2, 0.7, -0.5, -0.9, 0.4, 0.3]
        let (target, covariance) = GaussianDensity.lowRank(mean: [1, -2, 0.5, 0, 3, -1], diagonal: [0.5, 1, 0.3, 0.8, 0.4, 0.6],
                                                           factor: factor, rank: 2)
        var c = Self.config(.lowRank)
        c.rank = 2
        let result = try ADVI.fit(model: target, configuration: c)
        let q = result.family, s = q.covariance, d = 6
        #expect(q.rank == 2 && q.parameters.count == 2 * d + 2 * d)
        for i in 0..<d {
            #expect(abs(q.mean[i] - target.mean[i]) < 0.05 * covariance[i * d + i].squareRoot() + 0.02,
                    "mean[\(i)] \(q.mean[i]) against \(target.mean[i])")
            for j in 0..<d {
                let scale = (covariance[i * d + i] * covariance[j * d + j]).squareRoot()
                #expect(abs(s[i * d + j] - covariance[i * d + j]) < 0.06 * scale,
                        "Σ[\(i)][\(j)] \(s[i * d + j]) against \(covariance[i * d + j])")
            }
        }
        // Rank 1 cannot hold it: its best Σ misses some entry by more than the tolerance above.
        c.rank = 1
        let one = try ADVI.fit(model: target, configuration: c).family.covariance
        let worst = (0..<(d * d)).map { k in
            abs(one[k] - covariance[k]) / (covariance[(k / d) * d + k / d] * covariance[(k % d) * d + k % d]).squareRoot()
        }.max()!
        #expect(worst > 0.06, "rank 1 misses Σ by \(worst) at most")
    }

    /// A rank above the dimension, or below 1, is refused with the option's name.
    @Test func aBadRankIsNamed() throws {
        var c = Self.config(.lowRank)
        c.rank = 4
        let error = #expect(throws: LeapfrogError.self) { try ADVI.fit(model: Self.target, configuration: c) }
        #expect(error?.message.contains("--rank 4") == true)
        c.rank = 0
        #expect(throws: LeapfrogError.self) { try ADVI.fit(model: Self.target, configuration: c) }
    }

    /// Stan's rule stops a well-posed fit long before --iterations, with the mean or median verdict.
    /// The rule is relative, so the target carries a constant as a real model's log density does:
    /// this target's optimal ELBO without it is about 1, where Monte-Carlo noise alone is a large
    /// relative change.
    @Test func stansRuleStopsTheFit() throws {
        var c = Self.config(.meanField)
        c.toleranceRelativeObjective = 0.01
        c.maxIterations = 10_000
        var target = Self.target
        target.offset = -50
        let result = try ADVI.fit(model: target, configuration: c)
        #expect(result.converged && result.iterations < 10_000 && result.iterations % c.evaluationInterval == 0)
        #expect(result.reason.contains("converged"))
    }

    /// M draws of K restarts are one batch per iteration: K·M points, one call.
    @Test func oneEvaluationPerIterationForAllRestarts() throws {
        final class Counter: BatchedLogDensity, @unchecked Sendable {
            let base: GaussianDensity
            var calls: [Int] = []
            init(_ base: GaussianDensity) { self.base = base }
            var dimension: Int { base.dimension }
            func evaluate(_ p: ChainBatch, active: [Bool]?) throws -> DensityBatch {
                calls.append(p.chains)
                return try base.evaluate(p, active: active)
            }
        }
        let counter = Counter(Self.target)
        var c = Self.config(.meanField)
        c.maxIterations = 20
        c.restarts = 3
        c.gradientSamples = 5
        let result = try ADVI.fit(model: counter, configuration: c)
        #expect(counter.calls == Array(repeating: 15, count: 20))
        #expect(result.gradientEvaluations == 300 && result.families.count == 3)
    }

    /// A back end with precision checkpoints is checked on the first iteration's draws and at
    /// every convergence check (every `eval_elbo` iterations), as the samplers check theirs.
    @Test func precisionIsCheckedAtInitialisationAndEveryCheck() throws {
        final class Checked: BatchedLogDensity, PrecisionCheckpoint, @unchecked Sendable {
            let base: GaussianDensity
            var stages: [PrecisionGuard.Stage] = []
            init(_ base: GaussianDensity) { self.base = base }
            var dimension: Int { base.dimension }
            func evaluate(_ p: ChainBatch, active: [Bool]?) throws -> DensityBatch { try base.evaluate(p, active: active) }
            func checkPrecision(at positions: ChainBatch, scales: ChainBatch?, stage: PrecisionGuard.Stage) throws -> Bool {
                stages.append(stage)
                return false
            }
        }
        let model = Checked(Self.target)
        var c = Self.config(.meanField)
        c.maxIterations = 250
        c.evaluationInterval = 100
        _ = try ADVI.fit(model: model, configuration: c)
        #expect(model.stages == [.initialisation, .windowEnd(iteration: 99), .windowEnd(iteration: 199)])
    }

    /// The same seed gives the same fit; restarts start apart.
    @Test func reproducibleFromTheSeed() throws {
        var c = Self.config(.fullRank)
        c.maxIterations = 50
        c.restarts = 2
        let a = try ADVI.fit(model: Self.target, configuration: c)
        let b = try ADVI.fit(model: Self.target, configuration: c)
        #expect(a.families == b.families)
        #expect(a.families[0].mean != a.families[1].mean)
    }

    /// Restarts share their draws (common random numbers) and differ by their starts only, so a
    /// restart batched beside others is the same fit, bit for bit, as that restart alone from the
    /// same start. (Mean-field and full-rank: the low-rank factor's random start is the restart's own.)
    @Test(arguments: [GaussianFamily.Kind.meanField, .fullRank])
    func aBatchedRestartIsTheSameFitAsThatRestartAlone(kind: GaussianFamily.Kind) throws {
        var c = Self.config(kind)
        c.maxIterations = 150
        c.evaluationInterval = 50
        c.restarts = 3
        let starts: [[Double]] = [[0, 0, 0], [2, -1, 1], [-1, 3, 0.5]]
        let batched = try ADVI.fit(model: Self.target, configuration: c, initialMeans: starts)
        #expect(batched.families[0] != batched.families[1])
        c.restarts = 1
        for r in 0..<3 {
            let alone = try ADVI.fit(model: Self.target, configuration: c, initialMeans: [starts[r]])
            #expect(alone.families[0] == batched.families[r], "restart \(r + 1)")
            #expect(alone.elbo[0] == batched.elbo[r], "restart \(r + 1)")
        }
    }

    /// Successive halving (`pruneInterval`): 5 restarts become 3, 2, 1 at the window ends 50, 100,
    /// 150, the batch shrinking with them (5, 3, 2, 1 restarts × M points per call); every pruned
    /// restart is reported with the iteration it left at, its family frozen there (the fit it gets
    /// alone over that many iterations), and the survivor's fit is bit for bit the one it gets alone.
    @Test func prunedRestartsLeaveTheBatchAndTheSurvivorIsItsFitAlone() throws {
        final class Counter: BatchedLogDensity, @unchecked Sendable {
            let base: GaussianDensity
            var calls: [Int] = []
            init(_ base: GaussianDensity) { self.base = base }
            var dimension: Int { base.dimension }
            func evaluate(_ p: ChainBatch, active: [Bool]?) throws -> DensityBatch {
                calls.append(p.chains)
                return try base.evaluate(p, active: active)
            }
        }
        var c = Self.config(.meanField)
        c.gradientSamples = 4
        c.maxIterations = 200
        c.evaluationInterval = 50
        c.pruneInterval = 50
        c.restarts = 5
        let starts: [[Double]] = [[9, 9, 9], [1, -2, 0.5], [-8, 5, 3], [3, -3, 1], [-20, 20, -20]]
        let counter = Counter(Self.target)
        let pruned = try ADVI.fit(model: counter, configuration: c, initialMeans: starts)
        #expect(counter.calls == [Int](repeating: 20, count: 50) + [Int](repeating: 12, count: 50)
                + [Int](repeating: 8, count: 50) + [Int](repeating: 4, count: 50))
        #expect(pruned.gradientEvaluations == 50 * (20 + 12 + 8 + 4))
        #expect(pruned.prunedAfter.filter { $0 == nil }.count == 1)
        #expect(pruned.prunedAfter.compactMap { $0 }.sorted() == [50, 50, 100, 150])
        #expect(pruned.prunedAfter[pruned.best] == nil)
        #expect(pruned.prunedAfter[4] == 50, "the farthest start is among the first pruned")
        c.restarts = 1
        c.pruneInterval = nil
        let best = try ADVI.fit(model: Self.target, configuration: c, initialMeans: [starts[pruned.best]])
        #expect(best.families[0] == pruned.family)
        #expect(best.elbo[0] == pruned.elbo[pruned.best])
        for r in 0..<5 {
            guard let after = pruned.prunedAfter[r] else { continue }
            c.maxIterations = after
            let alone = try ADVI.fit(model: Self.target, configuration: c, initialMeans: [starts[r]])
            #expect(alone.families[0] == pruned.families[r], "restart \(r + 1), pruned after \(after)")
            #expect(alone.elbo[0] == pruned.elbo[r], "restart \(r + 1)")
        }
    }

    @Test func pruneIntervalMustBeAMultipleOfTheConvergenceWindow() throws {
        var c = Self.config(.meanField)
        c.restarts = 4
        c.evaluationInterval = 100
        c.pruneInterval = 150
        let error = #expect(throws: LeapfrogError.self) { try ADVI.fit(model: Self.target, configuration: c) }
        #expect(error?.message.contains("--prune-restarts") == true)
    }

    @Test func learningRateZeroIsRefused() throws {
        var c = Self.config(.meanField)
        c.learningRate = 0
        let error = #expect(throws: LeapfrogError.self) { try ADVI.fit(model: Self.target, configuration: c) }
        #expect(error?.message.contains("--learning-rate") == true)
    }

    /// A log density that turns NaN ends the fit with the iteration named; the rows before it
    /// were reported.
    @Test func nanLogDensityEndsTheFitClearly() throws {
        var c = Self.config(.meanField)
        c.maxIterations = 100
        var rows: [ADVI.Iteration] = []
        let error = #expect(throws: LeapfrogError.self) {
            try ADVI.fit(model: NaNAfter(Self.target, after: 7), configuration: c, iteration: { rows.append($0) })
        }
        #expect(error?.message.contains("iteration 8") == true && error?.message.contains("not finite") == true,
                "\(error?.message ?? "")")
        #expect(rows.map(\.iteration) == Array(1...7))
    }
}
