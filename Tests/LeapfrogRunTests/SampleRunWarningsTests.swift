import Leapfrog
import LeapfrogRun
import Testing

/// The warnings a run ends with name its sampler's remedy: an unmixed ChEES run points to NUTS
/// (`SampleRun.cheesUnmixedRemedy`), an unmixed NUTS run keeps the generic advice.
@Suite struct SampleRunWarningsTests {
    /// Eight schools on the CPU reference, 16 chains, a warmup of 10 iterations and 20 draws:
    /// too short for either sampler to mix (seed 3), so both warn about R-hat.
    @Test(arguments: [SamplerKind.chees, .nuts])
    func anUnmixedRunNamesItsSamplersRemedy(sampler: SamplerKind) throws {
        var run = RunConfiguration(output: nil)
        run.sampler.sampler = sampler
        run.sampler.chains = 16
        run.sampler.warmup = 10
        run.sampler.draws = 20
        run.sampler.seed = 3
        run.backend.name = "cpu"
        let model = try BuiltinModels.named("eight-schools").instantiate()
        let result = try SampleRun(run).sample(model, log: { _ in }, shouldStop: nil, observer: nil)
        let rhat = try #require(result.warnings.warnings.first { $0.kind == .rhat }, "\(result.warnings)")
        if sampler == .chees {
            #expect(rhat.message.contains("--sampler nuts") && !rhat.message.contains("Run longer or reparameterise."),
                    "\(rhat.message)")
        } else {
            #expect(rhat.message.hasSuffix("Run longer or reparameterise.") && !rhat.message.contains("--sampler nuts"),
                    "\(rhat.message)")
        }
    }
}
