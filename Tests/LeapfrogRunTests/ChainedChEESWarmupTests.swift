import Foundation
import Leapfrog
import LeapfrogOpenCL
import LeapfrogRun
@testable import LeapfrogSampling
import Testing

/// ChEES-HMC's warmup in chained groups (`DeviceTransitionExecutor.executeChained` with a ChEES
/// span: the shared step size and trajectory length adapted on the device between transitions,
/// Kernels/warmup.cl's `lf_chees_shape` and `lf_chees_adapt`) against the same transitions one per
/// launch with the host's adaptation (`ChEESAdaptation`, `DualAveraging`) between them.
@Suite(.serialized, .enabled(if: (try? OpenCLRuntime.device()) != nil, "no OpenCL device"))
struct ChainedChEESWarmupTests {
    typealias Support = DeviceTransitionExecutorTests

    /// Twelve slow-window iterations (window moments, with the arithmetic mean the gradients' too,
    /// projections and ChEES's sums reduced) in f64
    /// as chained groups (one transition, then eleven) and one launch at a time with the host
    /// adapting between them: the same step counts, every statistic the adapter reads, the
    /// device's step sizes, statistics and mean gradient terms against the host's to rounding, and
    /// two round trips for the groups instead of twelve.
    @Test(arguments: [("eight-schools", ChEESAdaptation.Aggregation.harmonicMean), ("eight-schools", .arithmeticMean),
                      ("gp-regression", .harmonicMean)])
    func chainedGroupsAreTheirTransitionsOneByOne(model: String, aggregation: ChEESAdaptation.Aggregation) throws {
        let bound = try Support.bound(model)
        let reference = ReferenceModel(bound)
        let n = 40, d = bound.dimension, random = PhiloxRandom(seed: 21), first = 30, count = 12
        let metric = Metric.diagonal((0..<d).map { 0.5 + Double(($0 * 7) % 11) / 10 })
        let parameters = DualAveraging.Parameters(target: 0.651)
        var averaging = DualAveraging(initialStepSize: 0.2)
        let firstStep = averaging.update(statistic: 0.5, parameters: parameters)
        var chees = ChEESAdaptation(trajectoryLength: 1.5, learningRate: 0.1)
        let jitter = ChEESJitter.halton
        // The arithmetic mean's case adds the gradients' window moments (the Fisher metric's).
        let reductions = WarmupReductionRequest(windowMoments: true, gradientMoments: aggregation == .arithmeticMean,
                                                projections: 3, cheesSums: true)
        let span = ChainedWarmupSpan(
            last: first + count - 1, averaging: [averaging], parameters: parameters, reductions: reductions,
            chees: (chees.deviceState(averaging: averaging, parameters: parameters, stepSize: firstStep, aggregation: aggregation),
                    jitter))
        let start = try Support.start(bound, chains: n, spread: 1)
        func request(_ iteration: Int, stepSize: Double, length: Double) -> TransitionRequest {
            var r = TransitionRequest(trajectory: .hmc(.time(jitter.value(random: random, iteration: iteration) * length), jitter: .none),
                                      integrator: .leapfrog, metric: metric, stepSizes: Array(repeating: stepSize, count: n),
                                      iteration: iteration)
            r.returnsProposal = true
            return r
        }

        let chained = try Support.device(bound, Double.self, density: reference)
        chained.streamGroupSeconds = .infinity
        var a: [ReducedTransition] = [], groups: [Int] = []
        while first + a.count <= span.last {
            let group = try #require(try chained.executeChained(request(first + a.count, stepSize: firstStep, length: 1.5), span: span,
                                                                count: nil, from: a.isEmpty ? start : nil, random: random))
            groups.append(group.count)
            a += group
        }
        #expect(groups == [1, count - 1])

        let single = try Support.device(bound, Double.self, density: reference)
        var b: [ReducedTransition] = [], stepSize = firstStep
        var hostSteps: [Double] = [], hostGradients: [Double] = [], hostStatistics: [Double] = []
        for t in 0..<count {
            let iteration = first + t
            let r = try #require(try single.executeKeepingState(request(iteration, stepSize: stepSize, length: chees.trajectoryLength),
                                                               from: t == 0 ? start : nil, reductions: reductions, random: random))
            b.append(r)
            hostSteps.append(stepSize)
            let alpha = r.info.map(\.acceptanceStatistic), divergent = r.info.map(\.divergent)
            let statistic = ChEESAdaptation.aggregate(alpha, divergent: divergent, aggregation)!
            stepSize = averaging.update(statistic: statistic, parameters: parameters)
            let g = ChEESAdaptation.meanGradient(try #require(r.cheesSums),
                                                 weights: ChEESAdaptation.weights(acceptance: alpha, divergent: divergent))
            chees.update(meanGradient: g, jitter: jitter.value(random: random, iteration: iteration), stepSize: stepSize)
            hostGradients.append(g)
            hostStatistics.append(statistic)
        }

        // Each side adapts from its own statistics, and the device's `exp` differs from the host's
        // by an ulp: the GP's trajectories (a Cholesky factor of its 25 × 25 kernel matrix in every
        // gradient) grow that to 3e-11 in the step size and 6e-10 in an acceptance probability
        // after twelve transitions (measured), eight schools' to 8e-15 and 6e-13.
        let tolerance = model == "gp-regression" ? 1e-7 : 1e-10
        for (t, (x, y)) in zip(a, b).enumerated() {
            let record = try #require(x.cheesRecord)
            #expect(x.info.map(\.leapfrogSteps) == y.info.map(\.leapfrogSteps), "transition \(t)")
            #expect(x.info.allSatisfy { $0.stepSize == record.stepSize })
            #expect(close(record.stepSize, hostSteps[t], tolerance * 1e-2), "\(record.stepSize) against \(hostSteps[t])")
            #expect(close(record.statistic, hostStatistics[t], tolerance), "\(record.statistic) against \(hostStatistics[t])")
            #expect(abs(record.meanGradient - hostGradients[t]) <= tolerance * max(1, abs(hostGradients[t])),
                    "\(record.meanGradient) against \(hostGradients[t])")
            for (u, v) in zip(x.info, y.info) {
                #expect(close(u.acceptanceStatistic, v.acceptanceStatistic, tolerance))
                #expect(u.divergent == v.divergent && u.accepted == v.accepted)
            }
            for (u, v) in zip(x.logDensity, y.logDensity) { #expect(close(u, v, tolerance)) }
            let p = try #require(x.projections), q = try #require(y.projections)
            for (u, v) in zip(p.values, q.values) { #expect(close(u, v, tolerance)) }
        }
        #expect(Set(a.map { $0.info[0].leapfrogSteps }).count > 1, "the trajectory lengths vary")
        let ma = try #require(try chained.takeWindowMoments()), mb = try #require(try single.takeWindowMoments())
        for (u, v) in zip(ma, mb) {
            #expect(u.count == Double(count) && v.count == Double(count))
            #expect(u.dimension == (reductions.gradientMoments ? 2 * d : d) && u.dimension == v.dimension)
            for (x, y) in zip(u.mean + u.m2, v.mean + v.m2) { #expect(close(x, y, tolerance)) }
        }
        let ha = try chained.heldState(), hb = try single.heldState()
        for (x, y) in zip(ha.positions.values + ha.gradient.values, hb.positions.values + hb.gradient.values) {
            #expect(close(x, y, tolerance))
        }
        // Two waits for the groups (then the moments and the state), against one per transition.
        #expect(chained.traffic.roundTrips + count - 2 == single.traffic.roundTrips)
    }
}

extension ChainedChEESWarmupTests {
    /// The adaptation kernel's sums over chains, over 2,100 chains (the harmonic mean in three
    /// groups of 700, `ChEESAdaptation.harmonicMeanGroup`): each transition's statistic is the
    /// host's aggregate of the acceptance probabilities it read back, to 1e-12, whether one
    /// work-item adds the chains in the host's order or a work-group of 8 adds them in its own (a
    /// GPU's, `lf_chees_adapt`); the two groups' draws and records agree to 1e-10 (f64).
    @Test func theAdaptationsSumsOverChainsAreTheHosts() throws {
        let bound = try Support.bound("eight-schools")
        let reference = ReferenceModel(bound)
        let n = 2_100, d = bound.dimension, random = PhiloxRandom(seed: 5), count = 4
        let metric = Metric.diagonal(Array(repeating: 1, count: d))
        let parameters = DualAveraging.Parameters(target: 0.651)
        let averaging = DualAveraging(initialStepSize: 0.4)
        let chees = ChEESAdaptation(trajectoryLength: 2, learningRate: 0.1)
        let span = ChainedWarmupSpan(
            last: count - 1, averaging: [averaging], parameters: parameters,
            reductions: WarmupReductionRequest(cheesSums: true),
            chees: (chees.deviceState(averaging: averaging, parameters: parameters, stepSize: 0.4, aggregation: .harmonicMean),
                    .halton))
        var request = TransitionRequest(trajectory: .hmc(.time(1), jitter: .none), integrator: .leapfrog, metric: metric,
                                        stepSizes: Array(repeating: 0.4, count: n), iteration: 0)
        request.returnsProposal = true
        let start = try Support.start(bound, chains: n, spread: 2)
        var groups: [[ReducedTransition]] = []
        for local in [1, 8] {
            let executor = try Support.device(bound, Double.self, density: reference, cheesAdaptLocalSize: local)
            executor.streamGroupSeconds = .infinity
            let first = try #require(try executor.executeChained(request, span: span, count: 1, from: start, random: random))
            var next = request
            next.iteration = 1
            let group = first + (try #require(try executor.executeChained(next, span: span, count: count - 1, from: nil,
                                                                          random: random)))
            for t in group {
                let record = try #require(t.cheesRecord)
                let host = ChEESAdaptation.aggregate(t.info.map(\.acceptanceStatistic), divergent: t.info.map(\.divergent),
                                                     .harmonicMean)!
                #expect(close(record.statistic, host, 1e-12), "\(record.statistic) against \(host) (work-group of \(local))")
            }
            #expect(group.contains { $0.info.contains { $0.acceptanceStatistic < 0.5 } })
            groups.append(group)
        }
        for (x, y) in zip(groups[0], groups[1]) {
            let a = try #require(x.cheesRecord), b = try #require(y.cheesRecord)
            #expect(close(a.stepSize, b.stepSize, 1e-12) && close(a.statistic, b.statistic, 1e-12))
            #expect(abs(a.meanGradient - b.meanGradient) <= 1e-10 * max(1, abs(a.meanGradient)))
            for (u, v) in zip(x.logDensity, y.logDensity) { #expect(close(u, v, 1e-10)) }
        }
    }
}

extension ChainedChEESWarmupTests {
    /// Whole ChEES warmups of eight schools (f64, 32 chains): chained on the device against one
    /// transition per launch with the host adapting between them. Thirty iterations (Stan's
    /// windows scaled down: buffers, three slow windows, each ending in a metric update and a
    /// step-size search) agree to 1e-10 and make the same draws to 1e-9 with fewer round trips.
    /// Warmup feeds every rounding difference (the device's `exp` is not the host's) back into
    /// the next step size and trajectory length, and ChEES's shared tuning amplifies it (measured
    /// 3e-15 after 12 iterations, 2e-12 after 30, 2e-7 after 100), so a long warmup's chains end as
    /// independent runs' do, and are compared as such: an adaptive warmup of 256 chains in 16
    /// superchains converges either way before its maximum, with step sizes within 10 % and
    /// trajectory lengths and metrics within 20 % (measured: 275 and 325 iterations, 4 %, 2 % and
    /// at most 7 %).
    @Test func chainedWarmupsMakeTheOneByOneWarmups() throws {
        let bound = try Support.bound("eight-schools")
        var config = Self.chees(warmup: 30, draws: 4, seed: 4)
        func run(chaining: Bool) throws -> (SamplingResult, [[[Double]]], DeviceTransitionExecutor) {
            try Self.run(bound, config, Double.self, groups: 8) { $0.chainsWarmup = chaining }
        }
        let (a, drawsA, chained) = try run(chaining: true)
        let (b, drawsB, single) = try run(chaining: false)
        #expect(close(a.adaptation.stepSizes[0], b.adaptation.stepSizes[0], 1e-10))
        #expect(close(a.adaptation.trajectoryLength!, b.adaptation.trajectoryLength!, 1e-10))
        #expect(drawsA.count == 32 && drawsA.map(\.count) == drawsB.map(\.count))
        for (u, v) in zip(drawsA.joined().joined(), drawsB.joined().joined()) { #expect(close(u, v, 1e-9)) }
        #expect(a.gradientEvaluations == b.gradientEvaluations)
        #expect(chained.placements.device == single.placements.device)
        #expect(chained.traffic.roundTrips < single.traffic.roundTrips,
                "\(chained.traffic.roundTrips) against \(single.traffic.roundTrips) round trips")

        config.adaptToConvergence()
        let (c, _, _) = try run(chaining: true)
        let (e, _, _) = try run(chaining: false)
        #expect(c.warmupIterations < 400 && e.warmupIterations < 400, "\(c.warmupIterations), \(e.warmupIterations)")
        #expect(abs(log(c.adaptation.stepSizes[0] / e.adaptation.stepSizes[0])) < 0.1)
        #expect(abs(log(c.adaptation.trajectoryLength! / e.adaptation.trajectoryLength!)) < 0.2)
        let d = bound.dimension
        for (x, y) in zip(c.adaptation.metric.inverseDiagonal(chain: 0, dimension: d),
                          e.adaptation.metric.inverseDiagonal(chain: 0, dimension: d)) {
            #expect(abs(log(x / y)) < 0.2)
        }
    }

    /// The device carries the shared adaptation from group to group within a span (f32 here, the
    /// host's replay in f64), so where the groups end — timed, in a real run — changes nothing:
    /// groups of at most 3 and of at most 7 transitions make the same draws, bit for bit, and the
    /// same adapted tuning. (The groups did adapt on the device: the host's adaptation in f64,
    /// one transition per launch, makes other draws.)
    @Test func chainedWarmupsDoNotDependOnTheirGroups() throws {
        let bound = try Support.bound("eight-schools")
        let config = Self.chees(warmup: 60, draws: 5, seed: 8)
        let (a, drawsA, threes) = try Self.run(bound, config, Float.self, groups: 3)
        let (b, drawsB, sevens) = try Self.run(bound, config, Float.self, groups: 7)
        #expect(drawsA == drawsB && drawsA.count == 32)
        #expect(a.adaptation.stepSizes == b.adaptation.stepSizes)
        #expect(a.adaptation.trajectoryLength == b.adaptation.trajectoryLength)
        #expect(a.adaptation.metric == b.adaptation.metric)
        #expect(threes.traffic.roundTrips > sevens.traffic.roundTrips)
        let (_, drawsC, _) = try Self.run(bound, config, Float.self, groups: 7) { $0.chainsWarmup = false }
        #expect(drawsC != drawsA)
    }

    /// A span's next group enqueued while the host replays the last (`overlapsGroups`) runs
    /// the same transitions: the same draws and tuning, bit for bit in f32, and the same round
    /// trips, one per group.
    @Test func groupsEnqueuedAheadMakeTheSameRun() throws {
        let bound = try Support.bound("eight-schools")
        let config = Self.chees(warmup: 60, draws: 5, seed: 8)
        let (a, drawsA, ahead) = try Self.run(bound, config, Float.self, groups: 3)
        let (b, drawsB, inTurn) = try Self.run(bound, config, Float.self, groups: 3) { $0.overlapsGroups = false }
        #expect(drawsA == drawsB && drawsA.count == 32)
        #expect(a.adaptation.stepSizes == b.adaptation.stepSizes)
        #expect(a.adaptation.trajectoryLength == b.adaptation.trajectoryLength)
        #expect(a.gradientEvaluations == b.gradientEvaluations)
        #expect(ahead.traffic.roundTrips == inTurn.traffic.roundTrips)
        // Stan's phases of a 60-iteration warmup are 9, 45 and 6 iterations; the run's first group is
        // one transition, the rest at most 3: 4 + 15 + 2 groups, all but each span's first enqueued ahead.
        #expect(ahead.groupsAhead.enqueued == 18 && ahead.groupsAhead.dropped == 0, "\(ahead.groupsAhead)")
        #expect(inTurn.groupsAhead.enqueued == 0)
    }

    /// A run stopped within a span, a group enqueued ahead: the group is waited for and dropped,
    /// the run ends interrupted with the device's state, and a fresh run's warmup is unaffected.
    @Test func aStopWithAGroupAheadDropsIt() throws {
        let bound = try Support.bound("eight-schools")
        let reference = ReferenceModel(bound)
        let executor = try Support.device(bound, Float.self, density: reference)
        executor.streamGroupLimit = 2
        executor.streamGroupSeconds = .infinity
        let config = Self.chees(warmup: 60, draws: 5, seed: 8)
        var iterations = 0
        let result = try Sampler.run(model: reference, configuration: config, sink: InMemoryDrawSink(), executor: executor,
                                     progress: { _ in iterations += 1 }, shouldStop: { iterations >= 30 })
        // The stop is seen between groups (of one, then two transitions): after iteration 31.
        #expect(result.interrupted && result.drawsWritten == 0 && result.warmupIterations == 31, "\(result.warmupIterations)")
        #expect(executor.groupsAhead.enqueued > 0 && executor.groupsAhead.dropped == 1, "\(executor.groupsAhead)")
        #expect(result.finalState.logDensity.allSatisfy(\.isFinite) && result.finalState.chains == 32)
    }

    /// ChEES over 32 chains.
    static func chees(warmup: Int, draws: Int, seed: UInt64) -> SamplerConfiguration {
        ChainedWarmupTests.configuration(.chees, chains: 32, warmup: warmup, draws: draws, seed: seed)
    }

    /// `ChainedWarmupTests.run` with ChEES's warmup groups untimed too (`streamGroupSeconds`).
    static func run<R: DeviceReal>(_ bound: BoundModel, _ config: SamplerConfiguration, _ type: R.Type, groups: Int,
                                   configure: (DeviceTransitionExecutor) -> Void = { _ in })
        throws -> (SamplingResult, [[[Double]]], DeviceTransitionExecutor) {
        try ChainedWarmupTests.run(bound, config, type, groups: groups) {
            $0.streamGroupSeconds = .infinity
            configure($0)
        }
    }
}

private func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
    if a == b { return true }
    return abs(a - b) <= tolerance * max(1, abs(a))
}
