import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogTestSupport
import Testing
@testable import LeapfrogReference

/// The reference's recurrences (`ReferenceModel+Recurrence`): values against the same series
/// written as plain Swift loops, gradients against finite differences through the carried state.
struct RecurrenceTests {
    static func points(_ model: ReferenceModel, seed: UInt64) -> [[Double]] {
        var rng = TestRandom(seed: seed)
        return (0..<3).map { _ in rng.vector(model.dimension, -0.8, 0.8) }
    }

    @Test func garchMatchesAPlainLoop() throws {
        let data = RecurrenceFixtures.garchData()
        let model = try ReferenceModel(graph: try RecurrenceFixtures.garch(), data: data)
        let y = data["y"]!.values
        for u in Self.points(model, seed: 3) {
            let x = model.constrained(u)
            let (mu, a0, a1, b1) = (x[0], x[1], x[2], x[3])
            var sigma = 0.5, lp = 0.0
            for t in 0..<y.count {
                if t > 0 { sigma = (a0 + a1 * (y[t - 1] - mu) * (y[t - 1] - mu) + b1 * sigma * sigma).squareRoot() }
                lp += -0.5 * ((y[t] - mu) / sigma) * ((y[t] - mu) / sigma) - log(sigma) - 0.5 * log(2 * Double.pi)
            }
            let logJacobian = model.logDensity(u) - lp
            let expected = u[1] + [u[2], u[3]].map { -log1p(exp(-$0)) - log1p(exp($0)) }.reduce(0, +)
            #expect(abs(logJacobian - expected) < 1e-10, "log density \(model.logDensity(u)), plain loop \(lp)")
        }
    }

    @Test func autoregressionMatchesAPlainLoop() throws {
        let data = RecurrenceFixtures.autoregressiveData()
        let model = try ReferenceModel(graph: try RecurrenceFixtures.autoregressive(), data: data)
        let y = data["y"]!.values
        for u in Self.points(model, seed: 4) {
            let x = model.constrained(u)
            let (alpha, beta, sigma) = (x[0], Array(x[1...3]), x[4])
            func normal(_ v: Double, _ m: Double, _ s: Double) -> Double { -0.5 * ((v - m) / s) * ((v - m) / s) - log(s) - 0.5 * log(2 * Double.pi) }
            var lp = normal(alpha, 0, 10) + beta.map { normal($0, 0, 10) }.reduce(0, +) + log(2.5 / Double.pi / (sigma * sigma + 6.25))
            for t in 3..<y.count {
                var mu = alpha
                for k in 1...3 { mu += beta[k - 1] * y[t - k] }
                lp += normal(y[t], mu, sigma)
            }
            #expect(abs(model.logDensity(u) - u[4] - lp) < 1e-10)
        }
    }

    @Test(arguments: ["garch", "ar_k", "hmm"])
    func gradientsMatchFiniteDifferences(_ name: String) throws {
        let model: ReferenceModel
        switch name {
        case "garch": model = try ReferenceModel(graph: try RecurrenceFixtures.garch(), data: RecurrenceFixtures.garchData())
        case "ar_k": model = try ReferenceModel(graph: try RecurrenceFixtures.autoregressive(), data: RecurrenceFixtures.autoregressiveData())
        default: model = try ReferenceModel(graph: try RecurrenceFixtures.hmm(), data: RecurrenceFixtures.hmmData())
        }
        for u in Self.points(model, seed: 5) {
            let err = GradientCheck.worstRelativeError(model, at: u)
            #expect(model.logDensity(u).isFinite)
            #expect(err < GradientCheck.tolerance, "\(name): relative error \(err)")
        }
    }

    @Test func hmmWithOneStateIsAGaussianLikelihood() throws {
        // With K = 1 the transition is certain (log θ = 0), so the forward algorithm sums log N(yₜ | μ, 1).
        let data = RecurrenceFixtures.hmmData(6, states: 1)
        let model = try ReferenceModel(graph: try RecurrenceFixtures.hmm(), data: data)
        let u = [0.3, 1.2]
        let y = data["y"]!.values
        let expected = y.map { -0.5 * ($0 - 1.2) * ($0 - 1.2) - 0.5 * log(2 * Double.pi) }.reduce(0, +)
            - 0.5 * 0.09 - 0.5 * log(2 * Double.pi) - 0.5 * 1.44 / 25 - log(5) - 0.5 * log(2 * Double.pi)
        #expect(abs(model.logDensity(u) - expected) < 1e-10)
    }

    @Test func graphSizeDoesNotGrowWithTheSeries() throws {
        let graph = try RecurrenceFixtures.garch()
        let short = try BoundModel(graph: graph, data: RecurrenceFixtures.garchData(5))
        let long = try BoundModel(graph: graph, data: RecurrenceFixtures.garchData(500))
        #expect(short.graph.nodes.count == long.graph.nodes.count)
        #expect(long.steps.values.first?.count == 499)
    }
}
