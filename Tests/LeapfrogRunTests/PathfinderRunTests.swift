import Foundation
import Leapfrog
import LeapfrogTestSupport
import Testing

/// `PathfinderRun` on a built-in Gaussian with known moments.
@Suite(.serialized)
struct PathfinderRunTests {
    static func gaussian() throws -> ModelInstance {
        try BuiltinModels.named("gaussian").instantiate(options: try ModelOptions(parsing: ["dim=4,kind=correlated"]))
    }

    /// The resampled draws of the built-in correlated Gaussian have its mean (`GaussianTarget.mean`) within
    /// Monte-Carlo error, k̂ is below 0.7, and pathfinder.json's figures are the fit's.
    @Test func drawsHaveTheTargetsMeanAndTheFilesTheFitsFigures() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-pf-run-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var pf = PathfinderConfiguration()
        pf.draws = 1000
        var c = PathfinderRunConfiguration(pathfinder: pf, backend: BackendOptions(name: "cpu"), output: .init(directory: dir))
        c.modelLabel = "gaussian"
        let outcome = try PathfinderRun(c).fit(try Self.gaussian())
        #expect(outcome.result.paretoK < 0.7, "k̂ = \(outcome.result.paretoK)")
        #expect(outcome.warnings.isEmpty, "\(outcome.warnings)")
        let exact = GaussianTarget(dimension: 4, kind: .correlated).mean
        for i in 1...4 {
            let s = try #require(outcome.summaries.first { $0.name == "x[\(i)]" })
            #expect(abs(s.mean - exact[i - 1]) < 5 * s.sd / 500.0.squareRoot(), "x[\(i)] mean \(s.mean) vs \(exact[i - 1]), sd \(s.sd)")
        }
        let file = try PathfinderFile.read(path: dir + "/pathfinder.json")
        #expect(file.paths.map(\.iterations) == outcome.result.paths.map(\.iterations))
        #expect(file.parameters == ["x[1]", "x[2]", "x[3]", "x[4]"] && file.mean.count == 4)
        let summary = try SummaryFile.read(path: dir + "/summary.json")
        #expect(summary.gradientEvaluations.needed == outcome.result.gradientEvaluations)
        #expect(summary.configuration["paths"] == "4")
    }
}
