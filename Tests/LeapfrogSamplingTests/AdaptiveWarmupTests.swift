import Foundation
import Testing
import LeapfrogCore
import LeapfrogDiagnostics
import LeapfrogRandom
@testable import LeapfrogSampling

/// `AdaptiveWarmup`: warmup that ends when the batch says it is done, and sampling that stops at
/// a target ESS. Targets with known moments; the draws after an early end must still be right.
@Suite struct AdaptiveWarmupTests {
    static func configuration(chains: Int, warmup: Int = 1000, draws: Int = 60, seed: UInt64,
                              window: Int = 50, buffers: Int? = nil) -> SamplerConfiguration {
        var c = SamplerConfiguration()
        c.chains = chains; c.warmup = warmup; c.draws = draws; c.seed = seed
        var rule = AdaptiveWarmup()
        rule.window = window
        if let b = buffers { (rule.initialBuffer, rule.terminalBuffer) = (b, b) }
        c.adaptiveWarmup = rule
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
        var rule = AdaptiveWarmup()
        #expect(rule.minimum == 225)
        rule.window = AdaptiveWarmup.defaultWindow(chains: 1024)
        #expect(rule.window == 25 && rule.minimum == 175 && AdaptiveWarmup.defaultWindow(chains: 1023) == 50)
        rule.minimumIterations = 300
        #expect(rule.minimum == 300)
        // `--init-buffer`, `--term-buffer`: the windows move and the minimum with them.
        let short = WarmupSchedule.adaptive(maximum: 500, window: 25, initialBuffer: 25, terminalBuffer: 10)
        #expect(short.initialBuffer == 25 && short.terminalBuffer == 10)
        #expect(short.windows.first == 25..<50 && short.windows.last?.upperBound == 490)
        #expect(short.ending(afterWindowEndingAt: 99).warmup == 110)
        (rule.minimumIterations, rule.initialBuffer, rule.terminalBuffer) = (nil, 25, 10)
        #expect(rule.minimum == 85)
    }

    @Test func superchainsAreEqualGroupsOfAtLeastTwo() {
        #expect(AdaptiveWarmup.defaultSuperchains(chains: 1024) == 16)
        #expect(AdaptiveWarmup.defaultSuperchains(chains: 24) == 12)
        #expect(AdaptiveWarmup.defaultSuperchains(chains: 6) == 3)
        #expect(AdaptiveWarmup.defaultSuperchains(chains: 7) == nil)
        #expect(AdaptiveWarmup.defaultSuperchains(chains: 2) == nil)
    }

    /// ChEES on a ridge from Uniform(−2, 2) starts (sds 10 and 0.01, correlation −0.995): the
    /// first judgements find the chains travelling and raise Adam's learning rate, later ones find
    /// them arrived and return it to the paper's 0.025; the report records each choice, and the
    /// draws match the moments.
    @Test func cheesLearnsFasterWhileTheChainsTravel() throws {
        let model = DenseGaussian.ar1(dimension: 2, rho: -0.995, scale: [10, 0.01])
        var config = Self.configuration(chains: 128, warmup: 500, draws: 100, seed: 4, window: 25)
        config.sampler = .chees
        let (sink, result) = try Sampler.sample(model: model, configuration: config)
        let report = try #require(result.warmupReport)
        let rates = report.checks.compactMap(\.learningRate)
        #expect(rates.count == report.checks.count)
        #expect(rates.first == 2 * ChEESAdaptation.defaultLearningRate && rates.max() == ChEESAdaptation.transitLearningRate,
                "learning rates \(rates)")
        #expect(rates.last == ChEESAdaptation.defaultLearningRate, "learning rates \(rates)")
        expectMoments(sink.positions, mean: model.mean, variance: [100, 1e-4], label: "ChEES ridge, adaptive")
    }

    /// Condition numbers 1 and 10⁴, windows of 50 and of 25 (many chains' default), and windows
    /// of 25 between buffers of 25 (`--init-buffer 25 --term-buffer 25`, the negative window
    /// below): warmup ends before its maximum, not before its minimum, judged at the windows'
    /// ends, and the draws match the moments.
    @Test(arguments: ["iid", "ill-conditioned"], [50, 25, -25])
    func endsEarlyAndSamplesTheTarget(_ kind: String, window signedWindow: Int) throws {
        let model = kind == "iid" ? DiagonalGaussian.iid(dimension: 10) : DiagonalGaussian.illConditioned(dimension: 10)
        let window = abs(signedWindow), buffers = signedWindow < 0 ? 25 : nil
        let config = Self.configuration(chains: 128, seed: 21, window: window, buffers: buffers)
        let (sink, result) = try Sampler.sample(model: model, configuration: config)
        let report = try #require(result.warmupReport)
        let label = "\(kind), window \(window), buffers \(buffers.map(String.init) ?? "Stan's")"
        #expect(report.converged, "\(label): \(report.reason)")
        #expect(result.warmupIterations == report.iterations && report.iterations < config.warmup)
        #expect(report.iterations >= config.adaptiveWarmup!.minimum)
        #expect(report.iterations == report.checks.last!.iteration + 1 + config.buffers.terminal, "\(label)")
        let first = config.buffers.initial + window - 1
        #expect(report.checks.map(\.iteration) == Array(stride(from: first, through: report.checks.last!.iteration, by: window)),
                "\(label)")
        expectMoments(sink.positions, mean: model.mean, variance: model.sd.map { $0 * $0 }, label: "adaptive \(label)")
    }

    /// A start far from the mass, reached slowly (one leapfrog step per iteration): warmup must
    /// not end while the chains are still on their way, so the draws after it are right.
    @Test(arguments: [50, 25])
    func aDistantStartIsNotDeclaredConvergedEarly(window: Int) throws {
        let model = DiagonalGaussian(mean: Array(repeating: 60, count: 4), sd: [1, 2, 3, 4])
        var config = Self.configuration(chains: 64, warmup: 1500, draws: 200, seed: 5, window: window)
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

    /// Judges windows whose chains are settled (iid standard normal draws), feeding a step-size
    /// trace per window and the adapted step size at its end; returns each check's verdict.
    static func judgeSteps(windows: [(trace: [Double], logStepSize: Double)]) -> [WarmupReport.Check] {
        var rule = AdaptiveWarmup()
        rule.minimumIterations = 0
        var judge = WarmupConvergence(rule, chains: 64, superchains: 16, dimension: 2)
        let random = PhiloxRandom(seed: 4)
        for (k, window) in windows.enumerated() {
            for (t, x) in window.trace.enumerated() {
                var positions = ChainBatch(chains: 64, dimension: 2)
                for c in 0..<64 { for i in 0..<2 {
                    positions[c, i] = random.normal(chain: c, iteration: k * 1000 + t, purpose: .momentum, index: i)
                } }
                let lp = (0..<64).map { c in -0.5 * (0..<2).reduce(0) { $0 + positions[c, $1] * positions[c, $1] } }
                judge.record(SamplerState(positions: positions, logDensity: lp, gradient: positions))
                judge.recordStepSize(log: x)
            }
            _ = judge.judge(iteration: 125 + 50 * k, stepSize: exp(window.logStepSize), metric: [1, 1], trajectory: nil)
        }
        return judge.checks
    }

    /// An estimate that jitters (sd 0.12 within each window) and moves 0.24 between windows is
    /// noise, and settles; one that ramps by 0.24 per window with little jitter is still
    /// adapting, and does not; a change beyond the cap never settles, however noisy.
    @Test func theStepSizeBoundWidensWithJitterButNotWithATrend() throws {
        let random = PhiloxRandom(seed: 9)
        func jitter(_ k: Int, sd: Double) -> [Double] {
            (0..<50).map { sd * random.normal(chain: 0, iteration: k * 100 + $0, purpose: .momentum, index: 0) }
        }
        func sign(_ k: Int) -> Double { k % 2 == 0 ? 1 : -1 }
        func ramp(_ k: Int) -> [Double] { (0..<50).map { (Double(k) + Double($0) / 50) * 0.24 } }
        let noisy = Self.judgeSteps(windows: (0..<3).map { k -> ([Double], Double) in (jitter(k, sd: 0.12), 0.12 * sign(k)) })
        let ramped = Self.judgeSteps(windows: (0..<3).map { k -> ([Double], Double) in (ramp(k), 0.24 * Double(k + 1)) })
        let wild = Self.judgeSteps(windows: (0..<3).map { k -> ([Double], Double) in (jitter(k, sd: 1), 0.25 * sign(k)) })
        for checks in [noisy, ramped, wild] { #expect(checks.count == 3 && checks[0].passed == false) }
        #expect(noisy.dropFirst().allSatisfy { $0.passed && $0.stepSizeChange > AdaptiveWarmup().stepSizeChange },
                "\(noisy.map { ($0.stepSizeChange, $0.stepSizeTolerance ?? Double.nan, $0.nestedRHat) })")
        #expect(ramped.dropFirst().allSatisfy { !$0.passed && $0.stepSizeTolerance == AdaptiveWarmup().stepSizeChange },
                "\(ramped.map { ($0.stepSizeChange, $0.stepSizeTolerance ?? Double.nan) })")
        #expect(wild.dropFirst().allSatisfy { !$0.passed && $0.stepSizeTolerance == AdaptiveWarmup().noiseCap })
    }

    @Test func jitterIsTheSDOfTheTracesSecondHalf() {
        #expect(WarmupConvergence.jitter([100, -100, 1, 3]) == 2.0.squareRoot())
        #expect(WarmupConvergence.jitter([1, 2, 3]) == 0)
        #expect(WarmupConvergence.jitter([]) == 0)
    }
}
