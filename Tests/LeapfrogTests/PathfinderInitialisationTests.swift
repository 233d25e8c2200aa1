import Foundation
import Leapfrog
import Testing

/// `sample --init pathfinder` on eight schools: the starts sit nearer the typical set than
/// Uniform(−2, 2) starts, and the draws have the exact posterior moments (`EightSchoolsPosterior`).
@Suite(.serialized)
struct PathfinderInitialisationTests {
    static func model() throws -> ReferenceModel {
        let inst = try BuiltinModels.eightSchools.instantiate()
        return try ReferenceModel(graph: inst.graph, data: inst.data)
    }

    /// The chains' log density at their starts: Pathfinder's starts are higher than uniform ones
    /// (median over 32 chains; the posterior's lp__ has sd ≈ 2.3, uniform starts sit far below).
    @Test func startsAreNearerTheTypicalSetThanUniformStarts() throws {
        let model = try Self.model()
        var sampler = SamplerConfiguration()
        sampler.chains = 32
        sampler.seed = 11
        let start = try PathfinderInitialisation.points(model: model, sampler: sampler, configuration: PathfinderConfiguration())
        #expect(start.points.count == 32)
        let fromPathfinder = try model.evaluate(ChainBatch(vectors: start.points)).logDensity.sorted()
        let uniform = try Initialisation.run(model: model, chains: 32, points: .default, random: PhiloxRandom(seed: 11))
        let fromUniform = uniform.state.logDensity.sorted()
        #expect(fromPathfinder[16] > fromUniform[16] + 2, "median lp: Pathfinder \(fromPathfinder[16]), uniform \(fromUniform[16])")
        // With superchains: one start per group, from distinct paths.
        sampler.superchains = 4
        let grouped = try PathfinderInitialisation.points(model: model, sampler: sampler, configuration: PathfinderConfiguration())
        #expect(grouped.points.count == 4 && grouped.result.paths.count == 4 && Set(grouped.points).count == 4)
    }

    /// ChEES from Pathfinder starts: the exact posterior means of μ, τ and θ₁ within 4 MCSE.
    @Test func sampleFromPathfinderStartsMatchesTheExactPosterior() throws {
        var run = RunConfiguration(backend: BackendOptions(name: "cpu"))
        run.sampler.sampler = .chees
        run.sampler.chains = 32
        run.sampler.warmup = 200
        run.sampler.draws = 150
        run.sampler.seed = 20261203
        run.initialisation = .pathfinder(PathfinderConfiguration())
        let result = try SampleRun(run).sample(try BuiltinModels.eightSchools.instantiate())
        #expect(result.initialisation?.method == "pathfinder")
        let exact = EightSchoolsPosterior.shared
        for (name, mean) in [("mu", exact.meanMu), ("tau", exact.meanTau), ("theta[1]", exact.meanTheta[0])] {
            let s = try #require(result.summaries.first { $0.name == name })
            #expect(abs(s.mean - mean) < 4 * s.mcseMean, "\(name): \(s.mean) vs exact \(mean) (MCSE \(s.mcseMean))")
        }
    }
}
