import Foundation
import LeapfrogCore
import Testing
@testable import LeapfrogVariational

/// L-BFGS from K starts, batched: on a Gaussian the mode is its mean.
@Suite struct ModeSearchTests {
    static let (target, _) = GaussianDensity.correlated(mean: [1, -2, 0.5, 3], scales: [1, 2, 0.5, 4], rho: 0.8)

    /// Every path ends at the mean (Stan's tolerances), one evaluation call of K columns per
    /// round, and every point it evaluated is counted.
    @Test func findsTheMeanOfAGaussianFromEveryStart() throws {
        final class Counter: BatchedLogDensity, @unchecked Sendable {
            let base: GaussianDensity
            var calls: [Int] = []
            var active = 0
            init(_ base: GaussianDensity) { self.base = base }
            var dimension: Int { base.dimension }
            func evaluate(_ p: ChainBatch, active a: [Bool]?) throws -> DensityBatch {
                calls.append(p.chains)
                active += a?.filter { $0 }.count ?? p.chains
                return try base.evaluate(p, active: a)
            }
        }
        let starts: [[Double]] = [[0, 0, 0, 0], [5, 5, -5, 5], [-1.5, 2, 1, -2]]
        let counter = Counter(Self.target)
        let result = try ModeSearch.run(model: counter, starts: starts, configuration: PathfinderConfiguration())
        for (k, x) in result.positions.enumerated() {
            for i in 0..<4 { #expect(abs(x[i] - Self.target.mean[i]) < 1e-5, "path \(k + 1), θ[\(i)] \(x[i])") }
            #expect(abs(result.logDensities[k]) < 1e-9, "log p at the mode is 0 here")
            #expect(result.iterations[k] >= 1 && result.iterations[k] < 1000, "\(result.reasons[k])")
        }
        #expect(counter.calls.allSatisfy { $0 == 3 } && counter.calls.count == result.rounds)
        #expect(result.gradientEvaluations == counter.active)
    }

    /// At most `maxIterations` accepted steps: the search stops there, wherever it is.
    @Test func stopsAtTheIterationLimit() throws {
        var c = PathfinderConfiguration()
        c.maxIterations = 2
        let result = try ModeSearch.run(model: Self.target, starts: [[9, 9, 9, 9]], configuration: c)
        #expect(result.iterations == [2] && result.reasons[0].contains("--iterations 2"))
    }

    /// A start where the log density is not finite ends that path there (named why); the others
    /// still find the mode.
    @Test func aStartWithoutAFiniteDensityStaysWhereItIs() throws {
        struct Walled: BatchedLogDensity {
            let base: GaussianDensity
            var dimension: Int { base.dimension }
            func evaluate(_ p: ChainBatch, active: [Bool]?) throws -> DensityBatch {
                var out = try base.evaluate(p, active: active)
                for c in 0..<p.chains where p[c, 0] > 50 { out.logDensity[c] = -.infinity }
                return out
            }
        }
        let starts: [[Double]] = [[100, 0, 0, 0], [0, 0, 0, 0]]
        let result = try ModeSearch.run(model: Walled(base: Self.target), starts: starts, configuration: PathfinderConfiguration())
        #expect(result.positions[0] == starts[0] && result.iterations[0] == 0 && result.reasons[0].contains("not finite at the start"))
        #expect(abs(result.positions[1][1] - Self.target.mean[1]) < 1e-5)
    }

    @Test func aStartOfTheWrongLengthIsNamed() {
        let error = #expect(throws: LeapfrogError.self) {
            try ModeSearch.run(model: Self.target, starts: [[0, 0, 0, 0], [1, 2]], configuration: PathfinderConfiguration())
        }
        #expect(error?.message.contains("start 2 has 2 values") == true)
    }
}
