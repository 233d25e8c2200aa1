import Foundation
import Testing
import LeapfrogCore
import LeapfrogRandom
@testable import LeapfrogSampling

@Suite struct ChEESAdaptationTests {
    /// The criterion's gradient on a batch large enough to be split over the cores equals the
    /// chain-outer sums written out, bit for bit (each chain's sums in coordinate order, chains
    /// added in order, the trajectory time applied to their weighted mean as Kernels/warmup.cl's
    /// `lf_chees_adapt` does), with zero-weight chains left out.
    @Test func theGradientIsTheChainOuterSum() {
        let n = 2_500, d = 30, t = 1.7
        let random = PhiloxRandom(seed: 23)
        func batch(_ k: Int, scale: Double) -> ChainBatch {
            var b = ChainBatch(chains: n, dimension: d, repeating: 0)
            random.uniforms(chain: k, iteration: 0, purpose: .acceptance, count: n * d) { b.values[$0] = scale * ($1 - 0.5) }
            return b
        }
        let x0 = batch(0, scale: 2), x1 = batch(1, scale: 3), v = batch(2, scale: 1)
        let w: [Double] = (0..<n).map { (c: Int) -> Double in c % 7 == 0 ? 0 : 0.2 + 0.08 * Double(c % 11) }
        let wSum = w.reduce(0, +)
        var mp = [Double](repeating: 0, count: d), ms = mp
        for i in 0..<d {
            for c in 0..<n { mp[i] += w[c] * x1.values[i * n + c]; ms[i] += x0.values[i * n + c] }
            mp[i] /= wSum; ms[i] /= Double(n)
        }
        var num = 0.0
        for c in 0..<n where w[c] > 0 {
            var sq1 = 0.0, sq0 = 0.0, dot = 0.0
            for i in 0..<d {
                let a = x1.values[i * n + c] - mp[i], b = x0.values[i * n + c] - ms[i]
                sq1 += a * a; sq0 += b * b; dot += a * v.values[i * n + c]
            }
            num += w[c] * ((sq1 - sq0) * dot)
        }
        let g = ChEESAdaptation.gradient(starts: x0, proposal: x1, velocity: v, weights: w, time: t)
        #expect(ChainRanges.worthParallel(chains: n, perChain: d))
        #expect(g == t * (num / wSum) && g != 0, "\(g) against \(t * (num / wSum))")
    }

    /// Up to `harmonicMeanGroup` chains the aggregate is the paper's harmonic mean over the
    /// finite, non-divergent chains.
    /// A batch split into blocks: each block's partial means (`ChEESAdaptation.partialMeans`),
    /// joined in order, give the batch's means to rounding (the sums over chains associate by
    /// block), and each block's sums about them are the batch's sums of its chains to 1e-12
    /// relative: what every shard of a split batch computes without the others' positions.
    @Test func blocksTakeTheirSumsAboutTheJoinedMeans() {
        let n = 700, d = 9
        let random = PhiloxRandom(seed: 5)
        func batch(_ k: Int, scale: Double) -> ChainBatch {
            var b = ChainBatch(chains: n, dimension: d, repeating: 0)
            random.uniforms(chain: k, iteration: 0, purpose: .acceptance, count: n * d) { (i: Int, u: Double) in
                b.values[i] = scale * (u - 0.3)
            }
            return b
        }
        let x0 = batch(0, scale: 2), x1 = batch(1, scale: 3), v = batch(2, scale: 1)
        let w: [Double] = (0..<n).map { (c: Int) -> Double in c % 5 == 0 ? 0 : 0.1 + 0.07 * Double(c % 13) }
        let whole = ChEESAdaptation.sums(starts: x0, proposal: x1, velocity: v, weights: w)
        let blocks = [0..<250, 250..<251, 251..<700]
        let means = ChEESPartialMeans.joined(blocks.map {
            ChEESAdaptation.partialMeans(starts: x0.chains($0), proposal: x1.chains($0), weights: Array(w[$0]))
        })
        #expect(means.chains == n)
        let own = ChEESAdaptation.partialMeans(starts: x0, proposal: x1, weights: w)
        for (a, b) in zip(means.proposalMean + means.startMean, own.proposalMean + own.startMean) {
            #expect(abs(a - b) <= 1e-13 * max(1, abs(a)))
        }
        func close(_ a: [Double], _ b: ArraySlice<Double>) -> Bool {
            zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($0)) }
        }
        for r in blocks {
            let part = ChEESAdaptation.sums(starts: x0.chains(r), proposal: x1.chains(r), velocity: v.chains(r), about: means)
            #expect(close(part.proposalSpread, whole.proposalSpread[r]))
            #expect(close(part.startSpread, whole.startSpread[r]))
            #expect(close(part.proposalAlongVelocity, whole.proposalAlongVelocity[r]))
        }
    }

    /// A metric update multiplies T by the smallest √(old/new) over the diagonal, and restarts it
    /// at no less than `restartTrajectoryLength`; Adam's step count and the average restart.
    @Test func aMetricUpdateRescalesTAndRestartsItAtNoLessThanOneTimeUnit() {
        var a = ChEESAdaptation(trajectoryLength: 3)
        a.metricChanged(from: .unit, to: .diagonal([0.25, 0.5]), dimension: 2)    // ratios 4 and 2
        #expect(abs(a.trajectoryLength - 3 * 2.0.squareRoot()) < 1e-12)
        #expect(a.step == 0 && abs(a.logTrajectoryLengthAverage - a.logTrajectoryLength) < 1e-15)
        var b = ChEESAdaptation(trajectoryLength: 1e-4)
        b.metricChanged(from: .unit, to: .diagonal([900, 1e-4]), dimension: 2)    // T/30, under the floor
        #expect(b.trajectoryLength == ChEESAdaptation.restartTrajectoryLength)
    }

    /// While the chains travel the learning rate doubles up to `transitLearningRate` (or a
    /// configured rate above it, which stays); once they have arrived it is the configured one.
    @Test func theLearningRateDoublesWhileTheChainsTravelAndReturnsWhenTheyArrive() {
        var a = ChEESAdaptation(trajectoryLength: 1)
        var rates: [Double] = []
        for travelling in [true, true, true, true, false] {
            a.followJudgement(travelling: travelling, base: ChEESAdaptation.defaultLearningRate)
            rates.append(a.learningRate)
        }
        #expect(rates == [0.05, 0.1, 0.1, 0.1, 0.025])
        var tuned = ChEESAdaptation(trajectoryLength: 1, learningRate: 0.5)
        tuned.followJudgement(travelling: true, base: 0.5)
        #expect(tuned.learningRate == 0.5)
        tuned.followJudgement(travelling: false, base: 0.5)
        #expect(tuned.learningRate == 0.5)
    }

    @Test func oneGroupIsThePapersHarmonicMean() throws {
        let alpha = [0.9, 0.5, 0.1, .nan, 0.7], divergent = [false, false, false, false, true]
        let h = try #require(ChEESAdaptation.aggregate(alpha, divergent: divergent, .harmonicMean))
        #expect(abs(h - 3 / (1 / 0.9 + 1 / 0.5 + 1 / 0.1)) < 1e-15)
        #expect(ChEESAdaptation.aggregate([0.3], divergent: [true], .harmonicMean) == 0)
    }

    /// Above the group size, the mean of the groups' harmonic means (near-equal consecutive
    /// groups; a group without a usable chain counts 0).
    @Test func manyChainsAverageTheirGroupsHarmonicMeans() throws {
        let g = ChEESAdaptation.harmonicMeanGroup
        let n = 2 * g + 2                                    // three groups of g·2/3 + 2/3 chains
        let alpha = (0..<n).map { 0.05 + 0.9 * Double($0 % 17) / 16 }
        var divergent = [Bool](repeating: false, count: n)
        for c in (2 * n / 3)..<n { divergent[c] = true }    // the third group: all divergent
        func harmonic(_ r: Range<Int>) -> Double { Double(r.count) / r.reduce(0) { $0 + 1 / alpha[$1] } }
        let expected = (harmonic(0..<(n / 3)) + harmonic((n / 3)..<(2 * n / 3)) + 0) / 3
        let h = try #require(ChEESAdaptation.aggregate(alpha, divergent: divergent, .harmonicMean))
        #expect(abs(h - expected) < 1e-14)
    }

    /// α ~ Uniform(0, 1) has density at 0, so E[1/α] is infinite: one harmonic mean over n
    /// chains keeps falling as n grows (like 1/log n), while the grouped statistic's mean stays
    /// that of one group. 24 replicates each, at G and 8G chains.
    @Test func theStatisticDoesNotFallAsChainsAreAdded() throws {
        let g = ChEESAdaptation.harmonicMeanGroup
        let random = PhiloxRandom(seed: 19)
        func means(chains: Int) throws -> (grouped: Double, single: Double) {
            var grouped = 0.0, single = 0.0
            let replicates = 24
            for r in 0..<replicates {
                var alpha = [Double](repeating: 0, count: chains)
                random.uniforms(chain: r, iteration: chains, purpose: .acceptance, count: chains) { alpha[$0] = $1 }
                let divergent = [Bool](repeating: false, count: chains)
                grouped += try #require(ChEESAdaptation.aggregate(alpha, divergent: divergent, .harmonicMean))
                single += Double(chains) / alpha.reduce(0) { $0 + 1 / $1 }
            }
            return (grouped / Double(replicates), single / Double(replicates))
        }
        let few = try means(chains: g), many = try means(chains: 8 * g)
        #expect(abs(few.grouped - few.single) < 1e-15)
        #expect(abs(many.grouped / few.grouped - 1) < 0.1, "grouped: \(few.grouped) at G, \(many.grouped) at 8G")
        #expect(many.single < 0.9 * few.single, "one harmonic mean: \(few.single) at G, \(many.single) at 8G")
    }
}

extension ChEESAdaptationTests {
    /// Adam's step from a device's mean gradient term (`update(meanGradient:)`, what a chained
    /// group's replay takes) is the step from the per-chain sums it summarises, bit for bit, over
    /// several iterations of changing sums, jitters and step sizes.
    @Test func theMeanGradientPathIsTheSumsPath() {
        let n = 50, random = PhiloxRandom(seed: 17)
        var fromSums = ChEESAdaptation(trajectoryLength: 0.7, learningRate: 0.1), fromMean = fromSums
        for k in 0..<12 {
            func row(_ purpose: Int, scale: Double) -> [Double] {
                (0..<n).map { scale * (random.uniform(chain: $0, iteration: 10 * k + purpose, purpose: .acceptance) - 0.4) }
            }
            let sums = ChEESSums(proposalSpread: row(0, scale: 4), startSpread: row(1, scale: 3),
                                 proposalAlongVelocity: row(2, scale: 2))
            let alpha = row(3, scale: 1).map { $0 + 0.4 }, divergent = (0..<n).map { ($0 + k) % 9 == 0 }
            let u = 0.05 + 0.9 * random.uniform(chain: 0, iteration: k, purpose: .sharedJitter), eps = 0.1 + 0.01 * Double(k)
            fromSums.update(sums: sums, acceptance: alpha, divergent: divergent, jitter: u, stepSize: eps)
            let g = ChEESAdaptation.meanGradient(sums, weights: ChEESAdaptation.weights(acceptance: alpha, divergent: divergent))
            fromMean.update(meanGradient: g, jitter: u, stepSize: eps)
        }
        #expect(fromSums == fromMean)
        #expect(fromSums.step == 12 && fromSums.trajectoryLength != 0.7)
    }

    /// The state a device continues (`ChEESAdaptationState`) is the adapter's: its dual
    /// averaging, the step size, Adam's state, the constants, and the harmonic mean's group size
    /// (none for the arithmetic mean), in the order of Kernels/warmup.cl's `LF_CHEES_*`.
    @Test func theDeviceStateIsTheAdaptation() {
        var a = ChEESAdaptation(trajectoryLength: 1.3, learningRate: 0.05)
        a.update(meanGradient: 2, jitter: 0.5, stepSize: 0.2)
        var averaging = DualAveraging(initialStepSize: 0.2)
        let parameters = DualAveraging.Parameters(target: 0.651)
        let step = averaging.update(statistic: 0.4, parameters: parameters)
        let state = a.deviceState(averaging: averaging, parameters: parameters, stepSize: step, aggregation: .harmonicMean)
        #expect(state.deviceValues == [averaging.counter, averaging.sBar, averaging.mu, step, 0.651, parameters.gamma, parameters.t0,
                                       a.logTrajectoryLength, a.adamSecondMoment, 1, a.logTrajectoryLengthAverage, 0.05,
                                       ChEESAdaptation.adamBeta2, ChEESAdaptation.adamEpsilon, ChEESAdaptation.logUpdateClip,
                                       ChEESAdaptation.maximumSteps, ChEESAdaptation.decayRate])
        #expect(state.deviceValues.count == ChEESAdaptationState.deviceValueCount)
        #expect(state.harmonicGroup == ChEESAdaptation.harmonicMeanGroup)
        #expect(a.deviceState(averaging: averaging, parameters: parameters, stepSize: step, aggregation: .arithmeticMean)
            .harmonicGroup == nil)
    }

    /// ChEES's warmup offers a device the rest of each phase with its shared adaptation
    /// (`ChEESAdapter.chainedSpan`): Stan's initial buffer ends at 75 of 200, a slow window at its
    /// end; the span asks for ChEES's sums and carries the adapter's state and jitter. A step size
    /// per chain, or a dense metric (whose statistics are not reduced on a device), gives none.
    @Test func theAdapterOffersItsPhasesAsSpans() throws {
        let (n, d) = (8, 3)
        let model = DiagonalGaussian.iid(dimension: d)
        let random = PhiloxRandom(seed: 2)
        let state = try SamplerState(positions: ChainBatch(chains: n, dimension: d, repeating: 0.1), model: model)
        func adapter(_ configure: (inout SamplerConfiguration) -> Void) throws -> ChEESAdapter {
            var config = SamplerConfiguration()
            config.sampler = .chees; config.chains = n; config.warmup = 200; config.cheesInitialTrajectoryLength = 1
            configure(&config)
            var adapter = ChEESAdapter(config, dimension: d)
            var executor: any TransitionExecutor = HostTransitionExecutor(model: model)
            _ = try adapter.start(state, model: model, executor: &executor, random: random, search: false)
            return adapter
        }
        let shared = try adapter { _ in }
        let first = try #require(shared.chainedSpan(from: 0))
        #expect(first.last == 74 && first.reductions.cheesSums && first.averaging.count == 1)
        let chees = try #require(first.chees)
        #expect(chees.jitter == .halton && chees.adaptation.harmonicGroup == ChEESAdaptation.harmonicMeanGroup)
        #expect(chees.adaptation.stepSize == shared.adaptation.stepSizes[0])
        #expect(chees.adaptation.logLength == log(shared.adaptation.trajectoryLength!))
        let window = try #require(shared.chainedSpan(from: 80))
        #expect(window.last == 99 && window.reductions.windowMoments)
        #expect(shared.chainedSpan(from: 200) == nil)
        #expect(try adapter { $0.cheesStepSizeAggregation = .perChain }.chainedSpan(from: 0) == nil)
        #expect(try adapter { $0.metric = .dense }.chainedSpan(from: 0) == nil)
    }
    /// A chained group's transition (`ReducedTransition.cheesRecord`) feeds the shared step size
    /// the statistic the device aggregated and adapted from, not the host's aggregate of the
    /// chains' acceptance probabilities: the host's dual averaging follows the device's.
    @Test func aChainedRecordFeedsTheStepSizeItsStatistic() throws {
        let (n, d) = (8, 3)
        let model = DiagonalGaussian.iid(dimension: d)
        let random = PhiloxRandom(seed: 2)
        let state = try SamplerState(positions: ChainBatch(chains: n, dimension: d, repeating: 0.1), model: model)
        var config = SamplerConfiguration()
        config.sampler = .chees; config.chains = n; config.warmup = 200; config.cheesInitialTrajectoryLength = 1
        var adapter = ChEESAdapter(config, dimension: d)
        var executor: any TransitionExecutor = HostTransitionExecutor(model: model)
        _ = try adapter.start(state, model: model, executor: &executor, random: random, search: false)
        let start = adapter.adaptation.stepSizes[0]
        let info = TransitionInfoBatch((0..<n).map { _ in
            TransitionInfo(acceptanceStatistic: 0.95, accepted: true, divergent: false, energy: 0, stepSize: start,
                           treeDepth: 0, leapfrogSteps: 3, gradientEvaluations: 3)
        })
        let request = TransitionRequest(trajectory: .hmc(.time(1), jitter: .none), integrator: .leapfrog, metric: .unit,
                                        stepSizes: Array(repeating: start, count: n), iteration: 0)
        adapter.observe(reduced: ReducedTransition(info: info, logDensity: state.logDensity, lockstepEvaluations: 3,
                                                   cheesRecord: ChEESTransitionRecord(stepSize: start, meanGradient: 0.1,
                                                                                      statistic: 0.2)),
                        request: request, random: random)
        func step(_ statistic: Double) -> Double {
            var averaging = DualAveraging(initialStepSize: start)
            return averaging.update(statistic: statistic, parameters: DualAveraging.Parameters(target: config.resolvedTargetAcceptance))
        }
        #expect(adapter.adaptation.stepSizes == Array(repeating: step(0.2), count: n))
        #expect(step(0.2) < step(0.95))   // the chains' own 0.95 would have given a longer step
    }
}

