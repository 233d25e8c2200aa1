import Foundation
import Leapfrog
import LeapfrogTestSupport
import Testing

/// NUTS on a density chosen by an `if` on its parameter reproduces the moments known in closed
/// form: a standard normal's right half joined at 0 to the left half of a normal with sd 2
/// (continuous there). The right side holds 1/3 of the mass, the mean is −√(2/π) and the second
/// moment (1/3)·1 + (2/3)·4 = 3.
struct ComputedConditionSamplingTests {
    @Test func aPiecewiseDensityHasItsKnownMoments() throws {
        let source = """
        parameters { real x; }
        model { if (x > 0) target += -0.5 * square(x); else target += -0.5 * square(x / 2); }
        """
        let model = try StanProgram.compile(source: source, path: "piecewise.stan")
        let (graph, data) = try model.instantiate(data: DataSet([:]))
        let reference = try ReferenceModel(graph: graph, data: data)
        var config = SamplerConfiguration()
        config.chains = 4
        config.warmup = 500
        config.draws = 1000
        config.seed = 22
        let (sink, _) = try Sampler.sample(model: reference, configuration: config)
        let chains = sink.positions.map { $0.map { $0[0] } }
        // Each statistic's mean within 4 Monte Carlo standard errors (ArviZ's, from its own draws).
        for (name, f, expected) in [("mean", { (x: Double) in x }, -(2 / Double.pi).squareRoot()),
                                    ("P(x > 0)", { $0 > 0 ? 1 : 0 }, 1.0 / 3),
                                    ("E[x²]", { $0 * $0 }, 3.0)] {
            let draws = Draws(chains.map { $0.map(f) })
            let mean = chains.joined().map(f).reduce(0, +) / Double(chains.joined().count)
            let mcse = MonteCarloStandardError.mean(draws)
            #expect(abs(mean - expected) < 4 * mcse, "\(name): \(mean) ± \(mcse), expected \(expected)")
        }
    }
}
