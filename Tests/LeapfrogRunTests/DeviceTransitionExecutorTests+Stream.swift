import Foundation
import Leapfrog
import LeapfrogOpenCL
import LeapfrogRun
import Testing

/// Sampling streamed in groups of transitions (`DeviceTransitionExecutor.stream`, two groups in
/// flight) against the same executor one transition at a time (`SamplingStream.stepwise` over
/// `execute`): the same kernels on the same inputs, so the same bits.
extension DeviceTransitionExecutorTests {
    /// An executor streaming in groups of exactly `limit` after the first (never timed).
    static func streaming<R: DeviceReal>(_ bound: BoundModel, _ type: R.Type, density: some BatchedLogDensity, limit: Int,
                                         launch: LaunchChoice = .auto) throws -> DeviceTransitionExecutor {
        let executor = try device(bound, type, density: density, launch: launch)
        executor.streamGroupSeconds = .infinity
        executor.chainedGroupSeconds = .infinity
        executor.streamGroupLimit = limit
        return executor
    }

    /// Every group is one launch (NUTS chained per lane, `NUTSSource`; HMC transition by transition,
    /// `TrajectorySource`): in every launch shape, the same bits as one transition per launch.
    @Test(arguments: [("eight-schools", "nuts", true, LaunchChoice.auto), ("bnn", "hmc", false, .auto),
                      ("gp-regression", "nuts", false, .auto), ("gp-regression", "nuts", true, .chainPerWorkItem),
                      ("eight-schools", "nuts", true, .workGroupPerChain), ("bnn", "hmc", false, .chainPerWorkItem),
                      ("eight-schools", "hmc", true, .workGroupPerChain), ("bnn", "hmc", true, .rowsInLanes), ("gp-regression", "hmc", false, .auto)])
    func streamedGroupsMakeTheStepwiseDraws(model: String, sampler: String, f64: Bool, launch: LaunchChoice) throws {
        let bound = try Self.bound(model)
        let reference = ReferenceModel(bound)
        let n = 8, d = bound.dimension, random = PhiloxRandom(seed: 9)
        func make() throws -> DeviceTransitionExecutor {
            f64 ? try Self.streaming(bound, Double.self, density: reference, limit: 3, launch: launch)
                : try Self.streaming(bound, Float.self, density: reference, limit: 3, launch: launch)
        }
        let streamed = try make(), stepwise = try make()
        let trajectory: Trajectory = sampler == "nuts" ? .nuts(maxDepth: 6) : .hmc(.steps(6), jitter: .steps(0.5))
        let stepSize = model == "bnn" ? 0.01 : 0.1
        let stream = SamplingStream(
            iterations: 40..<51,
            request: { TransitionRequest(trajectory: trajectory, integrator: .leapfrog, metric: Self.metric(chains: n, dimension: d),
                                         stepSizes: [Double](repeating: stepSize, count: n), iteration: $0) },
            keeps: { ($0 - 40) % 3 == 0 })
        let start = try Self.start(bound, chains: n, spread: 1)
        var a: [SampledIteration] = [], b: [SampledIteration] = []
        var groups: [Int] = []
        let endA = try streamed.stream(stream, from: start, random: random) { groups.append($0.count); a += $0; return true }
        let endB = try stream.stepwise(from: start, execute: { try stepwise.execute($0, from: $1, random: random) }) {
            b += $0
            return true
        }
        // The first two are enqueued before any is timed; then the limit, and at most half of what is
        // left, so the last groups shrink (`tailSize`).
        #expect(groups == [1, 1, 3, 3, 2, 1])
        #expect(a.map(\.iteration) == Array(40..<51) && b.map(\.iteration) == a.map(\.iteration))
        for (x, y) in zip(a, b) {
            #expect(x.info == y.info, "iteration \(x.iteration)")
            if sampler == "hmc" { #expect(x.lockstepEvaluations == y.lockstepEvaluations) }
            #expect(x.positions == y.positions && x.logDensity == y.logDensity)
            #expect((x.positions != nil) == ((x.iteration - 40) % 3 == 0))
        }
        #expect(a.contains { $0.info.contains(where: \.accepted) })
        // NUTS groups run chained (a chain starts its next tree when its last ends): chains that share a
        // work-item wait for each other once per group, so no more than one transition at a time, and
        // never less than the gradients needed.
        let needed = a.reduce(0) { $0 + $1.info.reduce(0) { $0 + $1.gradientEvaluations } }
        let spent = a.reduce(0) { $0 + $1.lockstepEvaluations * n }, spentStepwise = b.reduce(0) { $0 + $1.lockstepEvaluations * n }
        #expect(needed <= spent && spent <= spentStepwise)
        #expect(endA.positions == endB.positions && endA.logDensity == endB.logDensity && endA.gradient == endB.gradient)
        #expect(streamed.placements.device == 11 && streamed.placements.host == 0)
        // One wait per group and one for the end state, against one per transition.
        #expect(streamed.traffic.roundTrips == groups.count + 1)
        #expect(stepwise.traffic.roundTrips == 11)
        // One launch per group, against one per transition.
        #expect(streamed.traffic.launches == groups.count && stepwise.traffic.launches == 11,
                "\(streamed.traffic.launches) and \(stepwise.traffic.launches) launches")
        #expect(streamed.traffic.bytesFromDevice < stepwise.traffic.bytesFromDevice)
    }

    /// A group takes the size asked for, at most half of the iterations left (rounded up): the
    /// groups cover the stream, and the tail shrinks geometrically to one iteration.
    @Test(arguments: [1, 7, 64, 256])
    func groupsShrinkTowardsTheStreamsEnd(size: Int) {
        for total in [1, 2, 3, 10, 199, 1000] {
            var left = total, groups: [Int] = []
            while left > 0 {
                let k = DeviceTransitionExecutor.tailSize(size, remaining: left)
                #expect(k >= 1 && k <= size && (k == 1 || 2 * k <= left + 1), "\(k) of \(left) at size \(size)")
                groups.append(k)
                left -= k
            }
            #expect(groups.reduce(0, +) == total)
            #expect(groups.last == 1)
            // Past the first group of the asked size, each group is at most the one before it.
            #expect(zip(groups, groups.dropFirst()).allSatisfy { $0 >= $1 })
            #expect(groups.count <= total / size + 2 * (Int.bitWidth - max(1, total).leadingZeroBitCount) + 1)
        }
    }

    /// An interrupt during sampling keeps exactly the draws made before it, and they are the
    /// uninterrupted run's first draws; groups already running past it are dropped.
    @Test func interruptedStreamKeepsTheDrawsBeforeIt() throws {
        let bound = try Self.bound("eight-schools")
        let reference = ReferenceModel(bound)
        var config = SamplerConfiguration()
        config.chains = 8
        config.warmup = 30
        config.draws = 40
        config.seed = 3
        config.thin = 2
        let whole = InMemoryDrawSink(), cut = InMemoryDrawSink()
        _ = try Sampler.run(model: reference, configuration: config, sink: whole,
                            executor: try Self.streaming(bound, Double.self, density: reference, limit: 4))
        var iterations = 0
        let result = try Sampler.run(model: reference, configuration: config, sink: cut,
                                     executor: try Self.streaming(bound, Double.self, density: reference, limit: 4),
                                     progress: { _ in iterations += 1 }, shouldStop: { iterations >= 30 + 13 })
        #expect(result.interrupted)
        #expect(result.drawsWritten == 7)   // sampling iterations 0, 2, …, 12
        #expect(cut.positions[0].count == 7)
        for c in 0..<8 {
            #expect(Array(whole.positions[c].prefix(7)) == cut.positions[c])
            #expect(Array(whole.logDensity[c].prefix(7)) == cut.logDensity[c])
        }
    }

    /// A sink that fails mid-stream (a full disk) ends the stream with its error, and leaves
    /// nothing in flight: the executor runs the next transition as usual.
    @Test func aFailingSinkLeavesTheDeviceUsable() throws {
        struct DiskFull: Error {}
        let bound = try Self.bound("eight-schools")
        let reference = ReferenceModel(bound)
        let executor = try Self.streaming(bound, Double.self, density: reference, limit: 2)
        let n = 4, random = PhiloxRandom(seed: 2)
        let request = { (i: Int) in
            TransitionRequest(trajectory: .nuts(maxDepth: 5), integrator: .leapfrog, metric: .unit,
                              stepSizes: [Double](repeating: 0.2, count: n), iteration: i)
        }
        let start = try Self.start(bound, chains: n, spread: 1)
        var delivered = 0
        #expect(throws: DiskFull.self) {
            _ = try executor.stream(SamplingStream(iterations: 0..<20, request: request, keeps: { _ in true }),
                                    from: start, random: random) { group in
                delivered += group.count
                if delivered >= 2 { throw DiskFull() }
                return true
            }
        }
        let next = try executor.execute(request(30), from: start, random: random)
        #expect(next.info.count == n)
    }
}
