import Foundation
import LeapfrogCore
import LeapfrogRandom
import Testing
@testable import LeapfrogVariational

/// Counts batched calls and records each call's width.
final class CountingDensity: BatchedLogDensity, @unchecked Sendable {
    let base: any BatchedLogDensity
    private(set) var widths: [Int] = []
    init(_ base: any BatchedLogDensity) { self.base = base }
    var dimension: Int { base.dimension }
    func evaluate(_ positions: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        widths.append(positions.chains)
        return try base.evaluate(positions, active: active)
    }
}

/// Pathfinder on Gaussian targets, where the answer is known.
@Suite struct PathfinderTests {
    static let mean = [1.0, -2, 0.5, 3, 0]
    static let (target, covariance) = GaussianDensity.correlated(mean: mean, scales: [1, 2, 0.5, 1.5, 1], rho: 0.8)

    static func configuration(paths: Int = 4, draws: Int = 2000) -> PathfinderConfiguration {
        var c = PathfinderConfiguration()
        c.paths = paths
        c.draws = draws
        c.elboDraws = 50
        return c
    }

    /// L-BFGS alone (one path, driven as `Pathfinder` drives it) ends at the mode.
    @Test func lbfgsConvergesToTheModeOfACorrelatedGaussian() throws {
        var path = LBFGSPath(start: [2, 2, -2, -2, 1.5], configuration: Self.configuration())
        while let x = path.trial {
            let r = try Self.target.evaluate(ChainBatch(vectors: [x]))
            _ = path.observe(logDensity: r.logDensity[0], gradient: r.gradient.vector(chain: 0))
        }
        #expect(path.iterations < 100, "\(path.iterations) iterations: \(path.reason ?? "")")
        for i in 0..<5 { #expect(abs(path.position[i] - Self.mean[i]) < 1e-6, "x[\(i)] = \(path.position[i]): \(path.reason ?? "")") }
    }

    /// KL(q‖p) for q = N(μ, H), p = N(m, Σ) with precision Λ:
    /// ½[tr(ΛH) − d + (μ − m)ᵀΛ(μ − m) − log det(ΛH)].
    static func kullbackLeibler(_ q: PathfinderApproximation) throws -> Double {
        let d = mean.count, lambda = target.precision, h = q.covariance
        let lh = DenseMatrix.multiply(lambda, h, rows: d, inner: d, columns: d)
        let trace = (0..<d).reduce(0) { $0 + lh[$1 * d + $1] }
        let diff = (0..<d).map { q.mean[$0] - mean[$0] }
        var quad = 0.0
        for i in 0..<d { for j in 0..<d { quad += diff[i] * lambda[i * d + j] * diff[j] } }
        let cl = try #require(DenseMatrix.cholesky(lambda, d))
        let logDetLambda = 2 * (0..<d).reduce(0) { $0 + log(cl[$1 * d + $1]) }
        return 0.5 * (trace - Double(d) + quad - logDetLambda - q.logDeterminant)
    }

    /// The best approximation is close to the target (KL(q‖p) small: L-BFGS with an inexact line
    /// search does not make H exactly Σ — `InverseHessianTests` checks the exact case; over seeds
    /// 1…12 at M = 50 the best approximation's KL ranged 0.007–0.34, 0.008 at this seed, against
    /// about 6 for the start's H = I), the ELBO estimate is log Z − KL, and
    /// after Pareto-smoothed importance resampling the draws have the target's mean and
    /// covariance within Monte-Carlo error (2000 draws: se of a mean ≤ sd/√(N/2) allowing for
    /// duplicates from resampling; 5 se; variances within 15 %, about 5 se). k̂ is small: q ≈ p.
    @Test func recoversTheMeanAndCovarianceOfAGaussian() throws {
        let result = try Pathfinder.fit(model: Self.target, configuration: Self.configuration())
        let d = 5
        let q = try #require(result.paths[result.bestPath].approximation)
        let kl = try Self.kullbackLeibler(q)
        #expect(kl >= -1e-9 && kl < 0.2, "KL(q‖p) = \(kl)")
        // log Z of the unnormalised Gaussian: d/2 log 2π + ½ log det Σ; the ELBO is log Z − KL.
        let cs = try #require(DenseMatrix.cholesky(Self.covariance, d))
        let logZ = Double(d) / 2 * log(2 * .pi) + (0..<d).reduce(0) { $0 + log(cs[$1 * d + $1]) }
        #expect(abs(result.paths[result.bestPath].bestELBO - (logZ - kl)) < 0.1, "ELBO \(result.paths[result.bestPath].bestELBO) vs log Z − KL = \(logZ - kl)")
        #expect(result.paretoK < 0.5, "k̂ = \(result.paretoK)")
        let n = Double(result.draws.chains)
        for i in 0..<d {
            let xs = (0..<result.draws.chains).map { result.draws[$0, i] }
            let m = xs.reduce(0, +) / n
            let v = xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)
            let sd = Self.covariance[i * d + i].squareRoot()
            #expect(abs(m - Self.mean[i]) < 5 * sd / (n / 2).squareRoot(), "mean[\(i)] = \(m)")
            #expect(abs(v / (sd * sd) - 1) < 0.15, "var[\(i)] = \(v) vs \(sd * sd)")
        }
        for p in result.paths { #expect(p.bestELBO.isFinite && p.iterations > 0) }
    }

    /// K paths advance in one batched call per round: the fit of K paths makes as many rounds as
    /// its longest path (not the sum), each path's figures are those of running it alone, and
    /// every call is K·(1 + M) columns wide, then one call of K·N for the draws.
    @Test func onePathsBatchPerRoundAndPathsDoNotInteract() throws {
        let starts = [[2.0, 2, -2, -2, 1.5], [-1.0, 0, 1, 0.5, -1], [0.3, -0.7, 1.9, -1.2, 0.4]]
        var c = Self.configuration(paths: 3, draws: 50)
        let counting = CountingDensity(Self.target)
        let together = try Pathfinder.fit(model: counting, configuration: c, initialPoints: starts)
        #expect(counting.widths.count == together.batchCalls)
        #expect(together.batchCalls == together.rounds + 1)
        #expect(counting.widths.dropLast().allSatisfy { $0 == 3 * (1 + c.elboDraws) })
        #expect(counting.widths.last == 3 * 50)
        c.paths = 1
        var alone: [Pathfinder.Result] = []
        for s in starts { alone.append(try Pathfinder.fit(model: Self.target, configuration: c, initialPoints: [s])) }
        #expect(together.rounds == alone.map(\.rounds).max())
        #expect(together.rounds < alone.map(\.rounds).reduce(0, +))
        // (The ELBO draws are keyed by the path's index, so only the L-BFGS figures compare.)
        for k in 0..<3 {
            #expect(together.paths[k].iterations == alone[k].paths[0].iterations)
            #expect(together.paths[k].reason == alone[k].paths[0].reason)
        }
    }

    /// Same seed, same draws; another seed, other draws.
    @Test func sameSeedSameResult() throws {
        let c = Self.configuration(paths: 2, draws: 100)
        let a = try Pathfinder.fit(model: Self.target, configuration: c)
        let b = try Pathfinder.fit(model: Self.target, configuration: c)
        #expect(a.draws == b.draws && a.paretoK == b.paretoK && a.resampled == b.resampled)
        var other = c
        other.seed = 2
        #expect(try Pathfinder.fit(model: Self.target, configuration: other).draws != a.draws)
    }

    /// Bad input is refused with a message naming the option or the cause.
    @Test func refusesBadInput() throws {
        var c = Self.configuration()
        c.paths = 0
        #expect(throws: LeapfrogError.self) { try Pathfinder.fit(model: Self.target, configuration: c) }
        do { _ = try Pathfinder.fit(model: Self.target, configuration: c) } catch let e as LeapfrogError {
            #expect(e.message.contains("--paths"))
        }
        c = Self.configuration()
        c.draws = 0
        do { _ = try Pathfinder.fit(model: Self.target, configuration: c); Issue.record("draws 0 accepted") } catch let e as LeapfrogError {
            #expect(e.message.contains("--draws"))
        }
        let nan = NaNAfter(Self.target, after: 0)
        do { _ = try Pathfinder.fit(model: nan, configuration: Self.configuration()); Issue.record("NaN accepted") } catch let e as LeapfrogError {
            #expect(e.message.contains("no finite log density"), "\(e.message)")
        }
        do {
            _ = try Pathfinder.fit(model: nan, configuration: Self.configuration(paths: 1), initialPoints: [[0, 0, 0, 0, 0]])
            Issue.record("NaN at a given start accepted")
        } catch let e as LeapfrogError {
            #expect(e.message.contains("initial point"), "\(e.message)")
        }
    }

    /// A misfit: Pathfinder's Gaussian cannot cover a heavy-tailed target (independent Student-t
    /// with 2 degrees of freedom), and k̂ says so.
    @Test func paretoKIsLargeOnAHeavyTailedTarget() throws {
        let result = try Pathfinder.fit(model: StudentT(dimension: 10, degrees: 2), configuration: Self.configuration(paths: 2, draws: 2000))
        #expect(result.paretoK > 0.7, "k̂ = \(result.paretoK)")
    }
}

/// Independent Student-t(ν) components: log p = Σ −(ν+1)/2 log(1 + xᵢ²/ν).
struct StudentT: BatchedLogDensity {
    let dimension: Int
    let degrees: Double
    func evaluate(_ positions: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        var lp = [Double](repeating: 0, count: positions.chains)
        var g = ChainBatch(chains: positions.chains, dimension: dimension)
        for c in 0..<positions.chains {
            for i in 0..<dimension {
                let x = positions[c, i]
                lp[c] += -(degrees + 1) / 2 * log1p(x * x / degrees)
                g[c, i] = -(degrees + 1) * x / (degrees + x * x)
            }
        }
        return DensityBatch(logDensity: lp, gradient: g)
    }
}
