import Foundation
import Leapfrog
import LeapfrogRun
import Testing

/// `--keep moments` (`RunConfiguration.Keep.moments`): the same run summarised from running
/// moments instead of its draws.
@Suite struct SampleRunMomentsTests {
    func run(_ keep: RunConfiguration.Keep, backend: String) throws -> (RunResult, String) {
        let model = try BuiltinModels.named("eight-schools").instantiate()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-moments-\(UUID().uuidString)").path
        var run = RunConfiguration(output: .init(directory: directory))
        run.sampler.chains = 16
        run.sampler.superchains = 4
        run.sampler.warmup = 150
        run.sampler.draws = 120
        run.sampler.thin = 2
        run.sampler.seed = 8
        run.backend.name = backend
        run.keep = keep
        return (try SampleRun(run).sample(model, log: { _ in }), directory)
    }

    /// The same seed makes the same draws, so the moments' mean, sd and nested R̂ equal those
    /// computed from the kept draws (to rounding); no draw file is written.
    @Test(arguments: ["cpu", "opencl"])
    func momentsSummariseTheRunsDrawsWithoutKeepingThem(backend: String) throws {
        if backend == "opencl" && (try? OpenCLRuntime.device()) == nil { return }
        let (draws, a) = try run(.draws, backend: backend)
        let (moments, b) = try run(.moments, backend: backend)
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        #expect(FileManager.default.fileExists(atPath: a + "/posterior.nc"))
        #expect(!FileManager.default.fileExists(atPath: b + "/posterior.nc"))
        #expect(draws.draws == 60 && moments.draws == 60)
        #expect(draws.summaries.map(\.name) == moments.summaries.map(\.name))
        for (x, y) in zip(draws.summaries, moments.summaries) {
            #expect(abs(x.mean - y.mean) <= 1e-9 * max(1, abs(x.mean)), "\(x.name)")
            #expect(abs(x.sd - y.sd) <= 1e-9 * max(1, x.sd), "\(x.name)")
            #expect(abs(x.nestedRHat! - y.nestedRHat!) <= 1e-9, "\(x.name)")
            #expect(y.rhat > 0.9 && y.rhat < 1.1 && y.essBulk > 50, "\(y.name): R̂ \(y.rhat), ESS \(y.essBulk)")
            #expect(y.q50.isNaN)
        }
        let summary = try SummaryFile.read(path: b + "/summary.json")
        #expect(summary.configuration["keep"] == "moments" && summary.outputs["inference_data"] == nil)
    }
}
