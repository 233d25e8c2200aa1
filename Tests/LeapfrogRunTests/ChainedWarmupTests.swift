import Foundation
import Leapfrog
import LeapfrogOpenCL
import LeapfrogRun
import Testing

/// NUTS's per-chain warmup in chained groups (`DeviceTransitionExecutor.executeChained`: each
/// chain adapts its own step size on the device and starts its next tree when its last ends)
/// against the same transitions one per launch (`executeKeepingState`, `chainsWarmup` off).
@Suite(.serialized, .enabled(if: (try? OpenCLRuntime.device()) != nil, "no OpenCL device"))
struct ChainedWarmupTests {
    typealias Support = DeviceTransitionExecutorTests

    /// A span of six slow-window iterations (window moments and projections reduced), run as
    /// chained groups (one transition, then five) and one transition at a time with the step sizes
    /// the host's dual averaging gives between them: the same trees, and every statistic the
    /// adapter reads to rounding (f64: the kernel's dual averaging is the host's up to the device's
    /// `exp` and contracted multiply-adds, an ulp or so). The groups wait at the lanes' longest sums
    /// (no more than one at a time) and make two round trips instead of six.
    @Test(arguments: [("eight-schools", LaunchChoice.auto), ("eight-schools", .workGroupPerChain), ("bnn", .rowsInLanes)])
    func chainedGroupsAreTheirTransitionsOneByOne(model: String, launch: LaunchChoice) throws {
        let bound = try Support.bound(model)
        let reference = ReferenceModel(bound)
        let n = 5, d = bound.dimension, random = PhiloxRandom(seed: 21), first = 30
        let metric = Support.metric(chains: n, dimension: d)
        let initial = (0..<n).map { (model == "bnn" ? 0.01 : 0.2) * (1 + 0.1 * Double($0)) }
        var averaging = initial.map { DualAveraging(initialStepSize: $0) }
        let parameters = DualAveraging.Parameters(target: 0.8)
        var stepSizes = zip(averaging.indices, initial).map { c, _ in averaging[c].update(statistic: 0.5, parameters: parameters) }
        let reductions = WarmupReductionRequest(windowMoments: true, projections: 3)
        let span = ChainedWarmupSpan(last: first + 5, averaging: averaging, parameters: parameters, reductions: reductions)
        let start = try Support.start(bound, chains: n, spread: 1)
        func request(_ iteration: Int, _ steps: [Double]) -> TransitionRequest {
            TransitionRequest(trajectory: .nuts(maxDepth: 6), integrator: .leapfrog, metric: metric, stepSizes: steps,
                              iteration: iteration)
        }

        let chained = try Support.device(bound, Double.self, density: reference, launch: launch)
        chained.chainedWarmupSeconds = .infinity
        var a: [ReducedTransition] = [], groups: [Int] = []
        var groupSpan = span, groupSteps = stepSizes
        while first + a.count <= span.last {
            let group = try #require(try chained.executeChained(request(first + a.count, groupSteps), span: groupSpan, count: nil,
                                                                from: a.isEmpty ? start : nil, random: random))
            groups.append(group.count)
            for t in group {
                a.append(t)
                for c in 0..<n {
                    groupSteps[c] = groupSpan.averaging[c].update(statistic: t.info[c].acceptanceStatistic, parameters: parameters)
                }
            }
        }
        #expect(groups == [1, 5])

        let single = try Support.device(bound, Double.self, density: reference, launch: launch)
        var b: [ReducedTransition] = []
        for t in 0..<6 {
            let r = try #require(try single.executeKeepingState(request(first + t, stepSizes), from: t == 0 ? start : nil,
                                                               reductions: reductions, random: random))
            b.append(r)
            for c in 0..<n { stepSizes[c] = averaging[c].update(statistic: r.info[c].acceptanceStatistic, parameters: parameters) }
        }

        // The BNN's tanh network feeds an ulp of a step size through up to 63 leapfrog steps per
        // transition: measured 3e-10 apart after six transitions, eight schools 1e-14.
        let tolerance = model == "bnn" ? 1e-8 : 1e-10
        for (t, (x, y)) in zip(a, b).enumerated() {
            #expect(x.info.map(\.treeDepth) == y.info.map(\.treeDepth), "transition \(t)")
            #expect(x.info.map(\.leapfrogSteps) == y.info.map(\.leapfrogSteps), "transition \(t)")
            for (u, v) in zip(x.info, y.info) {
                #expect(close(u.acceptanceStatistic, v.acceptanceStatistic, 1e-12) && close(u.stepSize, v.stepSize, 1e-12))
                #expect(u.divergent == v.divergent && u.accepted == v.accepted)
            }
            for (u, v) in zip(x.logDensity, y.logDensity) { #expect(close(u, v, tolerance)) }
            let p = try #require(x.projections), q = try #require(y.projections)
            for (u, v) in zip(p.values, q.values) { #expect(close(u, v, tolerance)) }
        }
        #expect(a.contains { $0.info.contains(where: \.accepted) })
        let ma = try #require(try chained.takeWindowMoments()), mb = try #require(try single.takeWindowMoments())
        for (u, v) in zip(ma, mb) {
            #expect(u.count == 6 && v.count == 6)
            for (x, y) in zip(u.mean + u.m2, v.mean + v.m2) { #expect(close(x, y, tolerance)) }
        }
        let ha = try chained.heldState(), hb = try single.heldState()
        for (x, y) in zip(ha.positions.values + ha.gradient.values, hb.positions.values + hb.gradient.values) {
            #expect(close(x, y, tolerance))
        }
        let needed = a.reduce(0) { $0 + $1.info.reduce(0) { $0 + $1.gradientEvaluations } }
        let spent = a.reduce(0) { $0 + $1.lockstepEvaluations * n }, spentSingly = b.reduce(0) { $0 + $1.lockstepEvaluations * n }
        #expect(needed <= spent && spent <= spentSingly)
        // Two waits for the groups (then the moments and the state), against one per transition.
        #expect(chained.traffic.roundTrips + 4 == single.traffic.roundTrips)
    }

    /// Whole warmups of eight schools with per-chain NUTS (f64, 8 chains): chained against one
    /// transition per launch. Twelve iterations of step-size adaptation agree to 1e-10 — warmup
    /// feeds every rounding difference back into the next step size and NUTS amplifies it, about
    /// tenfold per two iterations here (measured 2e-15 after 4 iterations, 4e-13 after 12, 9e-10
    /// after 20) — so a full warmup's chains end as independent runs' do, and are compared as
    /// such: an adaptive warmup of 256 chains in 16 superchains (as `WarmupOnTheDeviceTests`)
    /// converges either way before its maximum, and the medians over chains of the step sizes and
    /// of the metric agree to 10 % and 20 % (measured 1.6 % and at most 7 %). (Its judgements
    /// agree unless one is borderline: measured [false, true] against [false, false, true].)
    @Test func chainedWarmupsMakeTheOneByOneWarmups() throws {
        let bound = try Support.bound("eight-schools")
        var config = Self.perChainNUTS(warmup: 12, draws: 4, seed: 4)
        func run(chaining: Bool) throws -> (SamplingResult, [[[Double]]], DeviceTransitionExecutor) {
            try Self.run(bound, config, Double.self, groups: 4) { $0.chainsWarmup = chaining }
        }
        let (a, drawsA, chained) = try run(chaining: true)
        let (b, drawsB, single) = try run(chaining: false)
        for (x, y) in zip(a.adaptation.stepSizes, b.adaptation.stepSizes) { #expect(close(x, y, 1e-10)) }
        #expect(drawsA.count == 8 && drawsA.map(\.count) == drawsB.map(\.count))
        for (u, v) in zip(drawsA.joined().joined(), drawsB.joined().joined()) { #expect(close(u, v, 1e-10)) }
        #expect(a.gradientEvaluations == b.gradientEvaluations)
        #expect(a.warmupLockstepEvaluations < b.warmupLockstepEvaluations)
        #expect(chained.traffic.roundTrips < single.traffic.roundTrips)

        config.adaptToConvergence()
        let (c, _, _) = try run(chaining: true)
        let (e, _, _) = try run(chaining: false)
        #expect(c.warmupIterations < 400 && e.warmupIterations < 400, "\(c.warmupIterations), \(e.warmupIterations)")
        func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
        #expect(close(median(c.adaptation.stepSizes), median(e.adaptation.stepSizes), 0.1))
        let d = bound.dimension
        let mc = (0..<d).map { i in median((0..<256).map { c.adaptation.metric.inverseDiagonal(chain: $0, dimension: d)[i] }) }
        let me = (0..<d).map { i in median((0..<256).map { e.adaptation.metric.inverseDiagonal(chain: $0, dimension: d)[i] }) }
        for (x, y) in zip(mc, me) { #expect(abs(log(x / y)) < 0.2) }
    }
}

extension ChainedWarmupTests {
    /// The device carries each chain's dual averaging from group to group (f32 here, the host's in
    /// f64), so where the groups end — timed, in a real run — changes nothing: groups of at most 3
    /// and of at most 7 transitions make the same draws, bit for bit, and the same adapted tuning.
    @Test func chainedWarmupsDoNotDependOnTheirGroups() throws {
        let bound = try Support.bound("eight-schools")
        let config = Self.perChainNUTS(warmup: 60, draws: 5, seed: 8)
        let (a, drawsA, threes) = try Self.run(bound, config, Float.self, groups: 3)
        let (b, drawsB, sevens) = try Self.run(bound, config, Float.self, groups: 7)
        #expect(drawsA == drawsB && drawsA.count == 8)
        #expect(a.adaptation.stepSizes == b.adaptation.stepSizes)
        #expect(a.adaptation.metric == b.adaptation.metric)
        #expect(threes.traffic.launches > sevens.traffic.launches)
    }

    /// A span's next group enqueued while the host replays the last (`overlapsGroups`) runs the
    /// same transitions: the same draws and tuning, bit for bit in f32, and the same round trips.
    @Test func groupsEnqueuedAheadMakeTheSameRun() throws {
        let bound = try Support.bound("eight-schools")
        let config = Self.perChainNUTS(warmup: 60, draws: 5, seed: 8)
        let (a, drawsA, ahead) = try Self.run(bound, config, Float.self, groups: 3)
        let (b, drawsB, inTurn) = try Self.run(bound, config, Float.self, groups: 3) { $0.overlapsGroups = false }
        #expect(drawsA == drawsB && drawsA.count == 8)
        #expect(a.adaptation.stepSizes == b.adaptation.stepSizes && a.adaptation.metric == b.adaptation.metric)
        #expect(a.gradientEvaluations == b.gradientEvaluations && a.lockstepEvaluations == b.lockstepEvaluations)
        #expect(ahead.traffic.roundTrips == inTurn.traffic.roundTrips)
        // Stan's phases of 60 iterations are 9, 45 and 6; the run's first group is one transition,
        // the rest at most 3: 4 + 15 + 2 groups, all but each span's first enqueued ahead.
        #expect(ahead.groupsAhead.enqueued == 18 && ahead.groupsAhead.dropped == 0, "\(ahead.groupsAhead)")
        #expect(inTurn.groupsAhead.enqueued == 0)
    }
}

extension ChainedWarmupTests {
    /// The start quorum only schedules the lanes (`NUTSSource`): with every lane of a work-item
    /// waiting for the others, or none, a whole f32 run (chained warmup and sampling) makes the
    /// same draws and tuning bit for bit; the lanes' waiting counted for each
    /// (`lockstepSteps(chained:together:quorum:)`) differs, and no quorum spends less than the
    /// chains needed.
    @Test func startQuorumChangesNoDraw() throws {
        let bound = try Support.bound("eight-schools")
        let config = Self.perChainNUTS(warmup: 60, draws: 20, seed: 5)
        let (a, drawsA, _) = try Self.run(bound, config, Float.self, groups: 8, quorum: 1)
        let (b, drawsB, _) = try Self.run(bound, config, Float.self, groups: 8, quorum: 64)
        #expect(drawsA == drawsB && drawsA.count == 8)
        #expect(a.adaptation.stepSizes == b.adaptation.stepSizes && a.adaptation.metric == b.adaptation.metric)
        #expect(a.gradientEvaluations == b.gradientEvaluations)
        #expect(a.lockstepEvaluations != b.lockstepEvaluations)
        for r in [a, b] { #expect(r.lockstepEvaluations * config.chains >= r.gradientEvaluations.reduce(0, +)) }
    }
}

extension ChainedWarmupTests {
    /// NUTS adapting every chain on its own (the CLI's default), 8 chains.
    static func perChainNUTS(warmup: Int, draws: Int, seed: UInt64) -> SamplerConfiguration {
        var config = configuration(.nuts, chains: 8, warmup: warmup, draws: draws, seed: seed)
        config.pooledAdaptation = false
        return config
    }

    /// `sampler` over `chains` chains, `warmup` + `draws` iterations (see also
    /// `SamplerConfiguration.adaptToConvergence`).
    static func configuration(_ sampler: SamplerKind, chains: Int, warmup: Int, draws: Int, seed: UInt64) -> SamplerConfiguration {
        var config = SamplerConfiguration()
        config.sampler = sampler
        config.chains = chains
        config.warmup = warmup
        config.draws = draws
        config.seed = seed
        return config
    }

    /// A whole run of `config` on the device in `R`, warmup groups of at most `groups` transitions
    /// (never timed): its result, every chain's draws and the executor.
    static func run<R: DeviceReal>(_ bound: BoundModel, _ config: SamplerConfiguration, _ type: R.Type, groups: Int,
                                   quorum: Int? = nil, configure: (DeviceTransitionExecutor) -> Void = { _ in })
        throws -> (SamplingResult, [[[Double]]], DeviceTransitionExecutor) {
        let reference = ReferenceModel(bound)
        let executor = try Support.device(bound, type, density: reference, quorum: quorum)
        executor.chainedWarmupSeconds = .infinity
        executor.streamGroupLimit = groups
        configure(executor)
        let sink = InMemoryDrawSink()
        let result = try Sampler.run(model: reference, configuration: config, sink: sink, executor: executor)
        return (result, sink.positions, executor)
    }
}

extension SamplerConfiguration {
    /// An adaptive warmup of 256 chains in 16 superchains, at most 400 iterations, then 10 draws:
    /// the whole warmups these tests compare as independent runs.
    mutating func adaptToConvergence() {
        chains = 256
        superchains = 16
        warmup = 400
        adaptiveWarmup = AdaptiveWarmup()
        draws = 10
    }
}

private func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
    if a == b { return true }
    return abs(a - b) <= tolerance * max(1, abs(a))
}
