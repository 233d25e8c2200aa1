#if canImport(Glibc)
import Glibc
#endif
import Testing
import LeapfrogCore
import LeapfrogRandom
@testable import LeapfrogSampling

@Suite struct WarmupScheduleTests {
    /// Stan's defaults: 75 / 25, 50, 100, 200, 500 / 50.
    @Test func thousandIterations() {
        let s = WarmupSchedule(warmup: 1000)
        #expect(s.initialBuffer == 75)
        #expect(s.terminalBuffer == 50)
        #expect(s.windows.map(\.count) == [25, 50, 100, 200, 500])
        #expect(s.windows.first?.lowerBound == 75)
        #expect(s.windows.last?.upperBound == 950)
        #expect(s.phase(of: 74) == .initialBuffer)
        #expect(s.phase(of: 75) == .slowWindow(0))
        #expect(s.phase(of: 949) == .slowWindow(4))
        #expect(s.phase(of: 950) == .terminalBuffer)
        #expect(s.phase(of: 1000) == .sampling)
        #expect(s.endsWindow(99) && s.endsWindow(149) && s.endsWindow(949) && !s.endsWindow(100))
    }

    /// Below 150: Stan's 15% / 75% / 10% split, one window.
    @Test func hundredIterations() {
        let s = WarmupSchedule(warmup: 100)
        #expect(s.initialBuffer == 15)
        #expect(s.terminalBuffer == 10)
        #expect(s.windows == [15..<90])
    }

    /// 200: the second window would not leave room for a third, so it stretches to the buffer.
    @Test func twoHundredIterations() {
        let s = WarmupSchedule(warmup: 200)
        #expect(s.windows == [75..<100, 100..<150])
    }

    /// CmdStan's `init_buffer` and `term_buffer` (`--init-buffer`, `--term-buffer`): the windows
    /// double from the initial buffer's end and stop at the terminal buffer's start.
    @Test func buffersFromTheConfiguration() {
        var config = SamplerConfiguration()
        config.warmup = 1000
        (config.initialBuffer, config.terminalBuffer) = (30, 20)
        let s = WindowedAdapter(config, dimension: 2).schedule
        #expect(s.initialBuffer == 30 && s.terminalBuffer == 20)
        #expect(s.windows.first == 30..<55 && s.windows.last?.upperBound == 980)
        #expect(s.phase(of: 29) == .initialBuffer && s.phase(of: 980) == .terminalBuffer)
        #expect(WindowedAdapter(SamplerConfiguration(), dimension: 2).schedule == WarmupSchedule(warmup: 1000))
    }

    @Test func tooShortForWindows() {
        let s = WarmupSchedule(warmup: 19)
        #expect(s.windows.isEmpty)
        #expect(s.phase(of: 10) == .initialBuffer)
    }
}

@Suite struct DualAveragingTests {
    /// Acceptance e^{−ε}: the target 0.8 is met at ε = −log 0.8.
    @Test func convergesToTarget() {
        var da = DualAveraging(initialStepSize: 1)
        let p = DualAveraging.Parameters(target: 0.8)
        var eps = 1.0
        for _ in 0..<2000 { eps = da.update(statistic: exp(-eps), parameters: p) }
        #expect(abs(da.finalStepSize - (-log(0.8))) < 0.03 * -log(0.8), "\(da.finalStepSize)")
    }

    @Test func firstUpdateMatchesHoffmanGelman() {
        var da = DualAveraging(initialStepSize: 0.5)
        let p = DualAveraging.Parameters(target: 0.8)
        let eps = da.update(statistic: 1.3, parameters: p)  // capped at 1
        // s̄ = (0.8 − 1)/11; x = log 5 − s̄·1/0.05
        let x = log(5.0) - (-0.2 / 11) / 0.05
        #expect(abs(eps - exp(x)) < 1e-12)
        #expect(abs(da.finalStepSize - exp(x)) < 1e-12)  // x̄ = x after one step (weight 1)
    }
}

@Suite struct WelfordTests {
    let xs: [[Double]] = (0..<50).map { k in [sin(Double(k)), cos(Double(3 * k)) * 2 + 1, Double(k % 7)] }

    func twoPass() -> [Double] {
        let n = Double(xs.count)
        let m = (0..<3).map { i in xs.reduce(0) { $0 + $1[i] } / n }
        var cov = [Double](repeating: 0, count: 9)
        for x in xs { for i in 0..<3 { for j in 0..<3 { cov[i * 3 + j] += (x[i] - m[i]) * (x[j] - m[j]) / (n - 1) } } }
        return cov
    }

    /// Adding a batch (copied out in blocks of chains, over the cores) gives every chain's
    /// estimator the same sums as adding its own vector, bit for bit: diagonal on a batch large
    /// enough to be split over the cores with a partial last block, dense on a small one.
    @Test func addingABatchIsAddingEachChain() {
        let random = PhiloxRandom(seed: 29)
        for (n, d, dense) in [(2_085, 33, false), (100, 5, true)] {
            var batched = [WelfordEstimator](repeating: WelfordEstimator(dimension: d, dense: dense), count: n)
            var single = batched
            for draw in 0..<3 {
                var batch = ChainBatch(chains: n, dimension: d, repeating: 0)
                random.uniforms(chain: draw, iteration: n, purpose: .acceptance, count: n * d) { batch.values[$0] = 10 * $1 - 5 }
                WelfordEstimator.add(batch, to: &batched)
                for c in 0..<n { single[c].add(batch.vector(chain: c)) }
            }
            #expect(batched == single, "\(n) chains × \(d), dense \(dense)")
            #expect(batched[n - 1].count == 3 && batched[n - 1].mean != single[0].mean)
        }
        #expect(ChainRanges.worthParallel(chains: 2_085, perChain: 33))
    }

    @Test func matchesTwoPassAndCombines() {
        let cov = twoPass()
        var dense = WelfordEstimator(dimension: 3, dense: true)
        var diag = WelfordEstimator(dimension: 3, dense: false)
        var a = WelfordEstimator(dimension: 3, dense: true), b = a
        for (k, x) in xs.enumerated() { dense.add(x); diag.add(x); if k < 17 { a.add(x) } else { b.add(x) } }
        a.combine(b)
        for k in 0..<9 {
            #expect(abs(dense.sampleVariance[k] - cov[k]) < 1e-12)
            #expect(abs(a.sampleVariance[k] - cov[k]) < 1e-12)
        }
        for i in 0..<3 { #expect(abs(diag.sampleVariance[i] - cov[i * 4]) < 1e-12) }
        // Stan's regularisation: (n/(n+5))·var + 1e-3·5/(n+5).
        let reg = diag.regularised
        #expect(abs(reg[1] - (50.0 / 55 * cov[4] + 1e-3 * 5 / 55)) < 1e-12)
        #expect(abs(dense.regularised[1] - 50.0 / 55 * cov[1]) < 1e-12)
    }

    /// Two chains in modes 10 apart: `within` is R-hat's W, Σ M2 / Σ (n − 1), whatever the
    /// distance between the means; `total` adds the spread between them (here ≈ 5² more).
    @Test func withinPoolingLeavesOutTheSpreadBetweenChains() throws {
        var low = WelfordEstimator(dimension: 3, dense: true), high = low, single = low
        for (k, x) in xs.enumerated() {
            if k < 20 { low.add(x) } else { high.add(x.map { $0 + 10 }) }
        }
        single.add(xs[0])                                   // one draw: no degrees of freedom
        let pooled = WelfordEstimator.pooledWithin([low, high, single])
        let lowCov = low.sampleVariance, highCov = high.sampleVariance
        for k in 0..<9 {
            let w = (19 * lowCov[k] + 29 * highCov[k]) / 48
            #expect(abs(pooled.sampleVariance[k] - w) < 1e-12)
        }
        #expect(pooled.count == 49)
        var total = low
        total.combine(high)
        for i in 0..<3 { #expect(total.sampleVariance[i * 4] > pooled.sampleVariance[i * 4] + 20) }

        var lowDiagonal = WelfordEstimator(dimension: 3, dense: false), highDiagonal = lowDiagonal
        for (k, x) in xs.enumerated() {
            if k < 20 { lowDiagonal.add(x) } else { highDiagonal.add(x.map { $0 + 10 }) }
        }
        let adapted = try WindowedAdapter.adaptedMetric([lowDiagonal, highDiagonal], kind: .diagonal, pooled: true,
                                                        pooling: .within, dimension: 3)
        let diagonal = adapted.inverseDiagonal(chain: 0, dimension: 3)
        let expected = WelfordEstimator.pooledWithin([low, high]).regularised
        for i in 0..<3 { #expect(abs(diagonal[i] - expected[i * 4]) < 1e-12) }
    }
}

/// The windows a metric is estimated from: one for a pooled metric, the latest ones holding 50
/// draws for a chain's own (`AdaptiveWarmup.chainMetricDraws`).
@Suite struct MetricSpanTests {
    /// Window k's moments for chain c: 25 draws of scale (1 + k)(1 + c), shifted by k.
    static func window(_ k: Int, chains: Int) -> [WelfordEstimator] {
        let random = PhiloxRandom(seed: 31)
        return (0..<chains).map { c in
            var e = WelfordEstimator(dimension: 3, dense: false)
            for t in 0..<25 {
                e.add((0..<3).map { i in Double(k) + Double((1 + k) * (1 + c)) * random.normal(chain: c, iteration: 25 * k + t, purpose: .momentum, index: i) })
            }
            return e
        }
    }

    /// Three windows of 25 closed in turn: a chain's own metric is the regularised estimate of
    /// the last two windows' draws combined (the first window's alone at first); a pooled metric
    /// is the last window's.
    @Test(arguments: [false, true])
    func aChainsOwnMetricSpansFiftyDraws(pooled: Bool) throws {
        var config = SamplerConfiguration()
        config.chains = 4
        config.warmup = 500
        config.pooledAdaptation = pooled
        config.superchains = 2
        var rule = AdaptiveWarmup()
        rule.window = 25
        config.adaptiveWarmup = rule
        var adapter = WindowedAdapter(config, dimension: 3)
        #expect(adapter.metricWindows == (pooled ? 1 : 2) && rule.metricWindows == 2)
        let model = DiagonalGaussian.iid(dimension: 3)
        let random = PhiloxRandom(seed: 2)
        let state = try SamplerState(positions: ChainBatch(chains: 4, dimension: 3, repeating: 0.5), model: model)
        var executor: any TransitionExecutor = HostTransitionExecutor(model: model)
        _ = try adapter.start(state, model: model, executor: &executor, random: random, search: true)
        var windows: [[WelfordEstimator]] = []
        for k in 0..<3 {
            windows.append(Self.window(k, chains: 4))
            adapter.adoptWindowMoments(windows[k])
            _ = try adapter.endWindow(state, model: model, executor: &executor, random: random, iteration: 99 + 25 * k)
            var spanned = windows[k]
            if !pooled && k > 0 {
                spanned = zip(windows[k - 1], windows[k]).map { var e = $0; e.combine($1); return e }
            }
            let expected = try WindowedAdapter.adaptedMetric(spanned, kind: .diagonal, pooled: pooled, pooling: .within, dimension: 3)
            for c in 0..<4 {
                #expect(adapter.adaptation.metric.inverseDiagonal(chain: c, dimension: 3)
                        == expected.inverseDiagonal(chain: c, dimension: 3), "window \(k), chain \(c)")
            }
        }
    }
}

@Suite struct ChainedSpanTests {
    static func adapter(pooled: Bool, metric: MetricKind = .diagonal, warmup: Int = 1000,
                        adaptive: Bool = false) -> WindowedAdapter {
        var config = SamplerConfiguration()
        config.chains = 4
        config.warmup = warmup
        config.pooledAdaptation = pooled
        config.metric = metric
        if adaptive { config.adaptiveWarmup = AdaptiveWarmup() }
        return WindowedAdapter(config, dimension: 3)
    }

    /// Per-chain step sizes: the rest of the phase (Stan's 75 / 25, 50, ... / 50), with the phase's
    /// reductions; nothing once warmup is over.
    @Test func perChainStepSizesChainToThePhasesEnd() throws {
        let a = Self.adapter(pooled: false)
        let spans = [0, 74, 75, 99, 100, 949, 950, 999].map { a.chainedSpan(from: $0)?.last }
        #expect(spans == [74, 74, 99, 99, 149, 949, 999, 999])
        #expect(a.chainedSpan(from: 1000) == nil)
        #expect(a.chainedSpan(from: 10)?.reductions == WarmupReductionRequest())
        #expect(a.chainedSpan(from: 80)?.reductions == WarmupReductionRequest(windowMoments: true, projections: 0))
        #expect(Self.adapter(pooled: false, warmup: 15).chainedSpan(from: 3)?.last == 14)   // no windows: one buffer
        let adaptive = Self.adapter(pooled: false, warmup: 500, adaptive: true)
        #expect(adaptive.chainedSpan(from: 75)?.last == 124)
        #expect(adaptive.chainedSpan(from: 75)?.reductions.projections == AdaptiveWarmup().projections)
    }

    /// A shared step size (pooled adaptation) needs every chain's statistic after every
    /// transition, and a dense metric the full batches: no span.
    @Test func sharedStepSizesAndDenseMetricsDoNotChain() {
        #expect(Self.adapter(pooled: true).chainedSpan(from: 0) == nil)
        #expect(Self.adapter(pooled: false, metric: .dense).chainedSpan(from: 0) == nil)
        #expect(Self.adapter(pooled: false).chainedSpan(from: 0) != nil)
    }
}
