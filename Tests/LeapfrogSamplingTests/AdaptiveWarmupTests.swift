import Testing
import LeapfrogCore
import LeapfrogDiagnostics
import LeapfrogRandom
@testable import LeapfrogSampling

/// `AdaptiveWarmup`: warmup that ends when the batch says it is done, and sampling that stops at
/// a target ESS. Targets with known moments; the draws after an early end must still be right.
@Suite struct AdaptiveWarmupTests {
    static func configuration(chains: Int, warmup: Int = 1000, draws: Int = 60, seed: UInt64) -> SamplerConfiguration {
        var c = SamplerConfiguration()
        c.chains = chains; c.warmup = warmup; c.draws = draws; c.seed = seed
        c.adaptiveWarmup = AdaptiveWarmup()
        c.superchains = AdaptiveWarmup.defaultSuperchains(chains: chains)!
        return c
    }

    @Test func theScheduleHasConstantWindowsAndEndsAfterTheTerminalBuffer() {
        let s = WarmupSchedule.adaptive(maximum: 1000, window: 50)
        #expect(s.initialBuffer == 75 && s.terminalBuffer == 50)
        #expect(s.windows.first == 75..<125 && s.windows.last?.upperBound == 950)
        #expect(s.windows.dropLast().allSatisfy { $0.count == 50 })
        let cut = s.ending(afterWindowEndingAt: 174)
        #expect(cut.warmup == 225 && cut.windows == [75..<125, 125..<175])
        #expect(cut.phase(of: 200) == .terminalBuffer && cut.phase(of: 225) == .sampling)
        #expect(WarmupSchedule.adaptive(maximum: 150, window: 50) == WarmupSchedule(warmup: 150))
    }

    @Test func superchainsAreEqualGroupsOfAtLeastTwo() {
        #expect(AdaptiveWarmup.defaultSuperchains(chains: 1024) == 16)
        #expect(AdaptiveWarmup.defaultSuperchains(chains: 24) == 12)
        #expect(AdaptiveWarmup.defaultSuperchains(chains: 6) == 3)
        #expect(AdaptiveWarmup.defaultSuperchains(chains: 7) == nil)
        #expect(AdaptiveWarmup.defaultSuperchains(chains: 2) == nil)
    }

    /// Condition numbers 1 and 10⁴: warmup ends before its maximum and the draws match the moments.
    @Test(arguments: ["iid", "ill-conditioned"])
    func endsEarlyAndSamplesTheTarget(_ kind: String) throws {
        let model = kind == "iid" ? DiagonalGaussian.iid(dimension: 10) : DiagonalGaussian.illConditioned(dimension: 10)
        let config = Self.configuration(chains: 128, seed: 21)
        let (sink, result) = try Sampler.sample(model: model, configuration: config)
        let report = try #require(result.warmupReport)
        #expect(report.converged, "\(kind): \(report.reason)")
        #expect(result.warmupIterations == report.iterations && report.iterations < config.warmup)
        #expect(report.iterations >= AdaptiveWarmup().minimum)
        expectMoments(sink.positions, mean: model.mean, variance: model.sd.map { $0 * $0 }, label: "adaptive \(kind)")
    }

    /// A start far from the mass, reached slowly (one leapfrog step per iteration): warmup must
    /// not end while the chains are still on their way, so the draws after it are right.
    @Test func aDistantStartIsNotDeclaredConvergedEarly() throws {
        let model = DiagonalGaussian(mean: Array(repeating: 60, count: 4), sd: [1, 2, 3, 4])
        var config = Self.configuration(chains: 64, warmup: 1500, draws: 200, seed: 5)
        config.sampler = .hmc
        config.hmcTrajectory = .steps(1)
        let (sink, result) = try Sampler.sample(model: model, configuration: config)
        let report = try #require(result.warmupReport)
        // Langevin-like moves need hundreds of iterations to cover 60 sds: the first windows fail.
        #expect(report.checks.first?.passed == false)
        let thinned = sink.positions.map { chain in chain.enumerated().filter { $0.offset % 10 == 0 }.map(\.element) }
        expectMoments(thinned, mean: model.mean, variance: model.sd.map { $0 * $0 }, label: "distant start")
    }

    /// More chains settle the judgement sooner: nested R̂ over superchains of more chains, and
    /// the pooled step size and metric, are steadier.
    @Test func moreChainsEndWarmupSooner() throws {
        let model = DiagonalGaussian.illConditioned(dimension: 6)
        let few = try Sampler.sample(model: model, configuration: Self.configuration(chains: 4, warmup: 600, draws: 1, seed: 3))
        let many = try Sampler.sample(model: model, configuration: Self.configuration(chains: 256, warmup: 600, draws: 1, seed: 3))
        #expect(many.result.warmupIterations < few.result.warmupIterations,
                "256 chains: \(many.result.warmupIterations) iterations; 4 chains: \(few.result.warmupIterations)")
    }

    @Test func samplingStopsAtTheTargetESS() throws {
        let model = DiagonalGaussian.iid(dimension: 5)
        var config = SamplerConfiguration()
        config.chains = 64; config.warmup = 300; config.draws = 1000; config.seed = 8
        config.targetESS = 2000
        let (sink, result) = try Sampler.sample(model: model, configuration: config)
        let ess = try #require(result.effectiveSampleSize)
        #expect(result.drawsWritten < config.draws && result.drawsWritten % ESSStopping.interval == 0)
        #expect(ess >= 2000, "ESS \(ess)")
        #expect(abs(EffectiveSampleSize.bulk(Draws(sink.logDensity)) - ess) < 1e-9)
        // Without a target the same run makes every draw.
        config.targetESS = nil
        #expect(try Sampler.sample(model: model, configuration: config).result.drawsWritten == config.draws)
    }
}
