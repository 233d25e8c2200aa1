import Foundation
import Leapfrog
import LeapfrogOpenCL
import LeapfrogRun
import Testing

/// A run's chains in blocks on devices (`SplitTransitionExecutor` over `DeviceTransitionExecutor`s,
/// as `--device all` and each MPI rank run them): the kernels key their Philox streams by the
/// block's first chain (`chain_offset`), so in f64 the blocks' transitions are the one-device run's.
@Suite(.serialized, .enabled(if: (try? OpenCLRuntime.device()) != nil, "no OpenCL device"))
struct DeviceShardTests {
    /// An f64 device executor on `dev`.
    static func executor(_ bound: BoundModel, on dev: Device, density: some BatchedLogDensity) -> DeviceTransitionExecutor {
        DeviceTransitionExecutor(density: density, precision: "f64", log: { _ in }) { _, coefficients in
            try OpenCLTrajectories<Double>(bound, queue: try CommandQueue(context: try Context(device: dev)),
                                           coefficients: coefficients)
        }
    }

    /// |a − b| ≤ tolerance · max(1, |a|), NaN and ±∞ equal to themselves.
    static func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
        a == b || (a.isNaN && b.isNaN) || abs(a - b) <= tolerance * max(1, abs(a))
    }

    /// Every transition of 12 chains split 5 + 7 (blocks that do not fill a work-item's lanes, so a
    /// chain sits in a different lane than in the whole launch; the blocks' launches use the whole
    /// batch's chains per work-item, `TransitionRequest.batchChains`) against one launch of all 12,
    /// NUTS and HMC, each side continuing from its own state: the same tree depths, step counts,
    /// divergences and moves, positions and log densities to 1e-10 relative (two different
    /// devices may build `exp` and `log` differently by an ulp; f64 keeps that far below it).
    /// `devices`: the two shards' devices, the whole run's is the first.
    static func expectShardsMakeOneDevicesTransitions(_ devices: [Device], label: String) throws {
        let bound = try DeviceTransitionExecutorTests.bound("eight-schools")
        let reference = ReferenceModel(bound)
        let n = 12, d = bound.dimension
        let whole = Self.executor(bound, on: devices[0], density: reference)
        var split = SplitTransitionExecutor(devices.map { Self.executor(bound, on: $0, density: reference) }, weights: [5, 7])
        #expect(split.blocks(chains: n) == [0..<5, 5..<12])
        let random = PhiloxRandom(seed: 23)
        var a = try DeviceTransitionExecutorTests.start(bound, chains: n, spread: 1), b = a
        var depths = Set<Int>(), moved = 0, divergent = 0
        let trajectories: [Trajectory] = [.nuts(maxDepth: 6), .hmc(.steps(6), jitter: .stepSize(0.3))]
        for (k, trajectory) in trajectories.enumerated() {
            for iteration in (k * 25)..<((k + 1) * 25) {
                let request = TransitionRequest(trajectory: trajectory, integrator: .leapfrog,
                                                metric: DeviceTransitionExecutorTests.metric(chains: n, dimension: d),
                                                stepSizes: (0..<n).map { 0.3 * (0.5 + Double($0 % 4)) }, iteration: iteration)
                let x = try whole.execute(request, from: a, random: random)
                let y = try split.execute(request, from: b, random: random)
                for c in 0..<n {
                    let what = "\(label) it \(iteration) chain \(c)"
                    #expect(x.info[c].treeDepth == y.info[c].treeDepth, "\(what)")
                    #expect(x.info[c].leapfrogSteps == y.info[c].leapfrogSteps, "\(what)")
                    #expect(x.info[c].divergent == y.info[c].divergent, "\(what)")
                    #expect(x.info[c].accepted == y.info[c].accepted, "\(what)")
                    #expect(close(x.info[c].acceptanceStatistic, y.info[c].acceptanceStatistic, 1e-10), "\(what)")
                    #expect(close(x.state.logDensity[c], y.state.logDensity[c], 1e-10), "\(what)")
                    depths.insert(x.info[c].treeDepth)
                    if x.info[c].accepted { moved += 1 }
                    if x.info[c].divergent { divergent += 1 }
                }
                for (p, q) in zip(x.state.positions.values, y.state.positions.values) { #expect(close(p, q, 1e-10), "\(label)") }
                a = x.state
                b = y.state
            }
        }
        #expect(depths.count >= 2 && moved > 0 && moved < 50 * n, "\(label): depths \(depths.sorted()), \(moved) moves")
        for shard in split.executors {
            #expect((shard as? DeviceTransitionExecutor)?.placements.device == 50, "\(label): every block ran on its device")
        }
    }

    @Test func twoBlocksOnOneDeviceMakeOneLaunchsTransitions() throws {
        let dev = try OpenCLRuntime.device()
        try Self.expectShardsMakeOneDevicesTransitions([dev, dev], label: "one device")
    }

    /// PoCL lists two devices by default (its threaded and its single-threaded one): a block on each.
    @Test(.enabled(if: ((try? OpenCLRuntime.devices())?.count ?? 0) >= 2, "one OpenCL device"))
    func twoDevicesMakeOneDevicesTransitions() throws {
        let all = try OpenCLRuntime.devices()
        try Self.expectShardsMakeOneDevicesTransitions([all[1], all[0]], label: "two devices")
    }

    /// A whole per-chain NUTS run of 8 chains split 3 + 5 over two device executors whose own
    /// group sizes differ (at most 3 and 7 transitions): warmup keeps each shard's state on its
    /// device and runs the chained groups the smaller asks for (`chainedGroupSize`), each shard
    /// continuing its chains' dual averaging, so the run makes the one executor's draws (groups of
    /// at most 5) and its adapted step sizes and metric, to 1e-10; the shards ran every iteration
    /// on the device, in the same groups, with fewer launches than iterations.
    @Test func splitChainedWarmupMakesOneDevicesRun() throws {
        let bound = try DeviceTransitionExecutorTests.bound("eight-schools")
        let reference = ReferenceModel(bound)
        let config = ChainedWarmupTests.perChainNUTS(warmup: 60, draws: 5, seed: 8)
        let (whole, drawsWhole, _) = try ChainedWarmupTests.run(bound, config, Double.self, groups: 5)
        let dev = try OpenCLRuntime.device()
        let shards = [3, 7].map { limit in
            let shard = Self.executor(bound, on: dev, density: reference)
            shard.chainedWarmupSeconds = .infinity
            shard.streamGroupLimit = limit
            return shard
        }
        let sink = InMemoryDrawSink()
        let split = try Sampler.run(model: reference, configuration: config, sink: sink,
                                    executor: SplitTransitionExecutor(shards, weights: [3, 5]))
        #expect(sink.positions.count == 8 && sink.positions.map(\.count) == drawsWhole.map(\.count))
        for (u, v) in zip(sink.positions.joined().joined(), drawsWhole.joined().joined()) { #expect(Self.close(u, v, 1e-10)) }
        for (x, y) in zip(split.adaptation.stepSizes, whole.adaptation.stepSizes) { #expect(Self.close(x, y, 1e-10)) }
        #expect(split.gradientEvaluations == whole.gradientEvaluations)
        for shard in shards { #expect(shard.placements.device == 65 && shard.placements.host == 0) }
        #expect(shards[0].traffic.roundTrips == shards[1].traffic.roundTrips)
        #expect(shards[0].traffic.roundTrips < 40, "\(shards[0].traffic.roundTrips) round trips for 60 warmup iterations and 5 draws")
    }

    /// A split whose second shard is the host loop, which keeps no state: that shard runs `execute`
    /// and keeps its state and window moments beside it (`HeldShard`), the device shard keeps its
    /// own, and neither chains (the host cannot). The run makes the one device's draws without
    /// chaining to 1e-8 (12 warmup iterations: the host's and the device's `exp` and `log` differ
    /// by ulps, which adaptation feeds back).
    @Test func splitWithAHostShardKeepsBothStates() throws {
        let bound = try DeviceTransitionExecutorTests.bound("eight-schools")
        let reference = ReferenceModel(bound)
        let config = ChainedWarmupTests.perChainNUTS(warmup: 12, draws: 4, seed: 4)
        let (whole, drawsWhole, _) = try ChainedWarmupTests.run(bound, config, Double.self, groups: 4) { $0.chainsWarmup = false }
        let device = Self.executor(bound, on: try OpenCLRuntime.device(), density: reference)
        let sink = InMemoryDrawSink()
        let split = try Sampler.run(model: reference, configuration: config, sink: sink,
                                    executor: SplitTransitionExecutor([device, HostTransitionExecutor(model: reference)]))
        for (u, v) in zip(sink.positions.joined().joined(), drawsWhole.joined().joined()) { #expect(Self.close(u, v, 1e-8)) }
        for (x, y) in zip(split.adaptation.stepSizes, whole.adaptation.stepSizes) { #expect(Self.close(x, y, 1e-8)) }
        #expect(device.placements.device == 16 && device.traffic.launches >= 12, "one launch per warmup iteration at least")
    }

    /// A whole ChEES run of 300 chains split 2 : 1 over two device executors (f64): its warmup
    /// keeps each shard's state on its device, ChEES's sums taken about the batch's means in two
    /// steps (each shard's `ChEESPartialMeans`, joined, then each shard's sums about the join), so
    /// no shard uploads its chains' positions each iteration; the run makes the one device's draws,
    /// step size and trajectory length to 1e-8 (the means' sums associate by shard, and 60 warmup
    /// iterations feed rounding back). The whole run's 300 chains span two of the device's blocks
    /// of 256 chains (`WarmupReducer.block`), each shard's one.
    @Test func splitChEESWarmupKeepsTheStatesOnTheDevices() throws {
        let bound = try DeviceTransitionExecutorTests.bound("eight-schools")
        let reference = ReferenceModel(bound)
        let config = DeviceTransitionExecutorTests.chees(chains: 300, warmup: 60, draws: 5, seed: 6)
        let dev = try OpenCLRuntime.device()
        let one = Self.executor(bound, on: dev, density: reference)
        let wholeSink = InMemoryDrawSink()
        let whole = try Sampler.run(model: reference, configuration: config, sink: wholeSink, executor: one)
        let shards = [Self.executor(bound, on: dev, density: reference), Self.executor(bound, on: dev, density: reference)]
        let sink = InMemoryDrawSink()
        let split = try Sampler.run(model: reference, configuration: config, sink: sink,
                                    executor: SplitTransitionExecutor(shards, weights: [2, 1]))
        #expect(sink.positions.map(\.count) == wholeSink.positions.map(\.count))
        for (u, v) in zip(sink.positions.joined().joined(), wholeSink.positions.joined().joined()) { #expect(Self.close(u, v, 1e-8)) }
        for (x, y) in zip(split.adaptation.stepSizes, whole.adaptation.stepSizes) { #expect(Self.close(x, y, 1e-8)) }
        let t = (try #require(split.adaptation.trajectoryLength), try #require(whole.adaptation.trajectoryLength))
        #expect(Self.close(t.0, t.1, 1e-8), "trajectory length \(t.0) against \(t.1)")
        let d = bound.dimension
        for (shard, chains) in zip(shards, [200, 100]) {
            #expect(shard.placements.device == 65 && shard.placements.host == 0)
            // Each warmup iteration uploads its step sizes and step counts (2 rows; the state at the
            // start, after each window's end and for sampling): under half of what the positions
            // alone would be once per iteration, 60 · chains · d · 8 bytes, where a warmup that
            // moved the states sent positions, log densities and gradients (2d + 1 rows).
            #expect(shard.traffic.bytesToDevice < 60 * chains * d * 8 / 2, "\(shard.traffic.bytesToDevice) bytes to the device")
        }
    }

    /// `--device` with several devices: `all`, a list by index; unknown or repeated names fail
    /// with an error that lists the devices.
    @Test func deviceListsResolveOrFailNamingTheDevices() throws {
        let all = try OpenCLRuntime.devices()
        let listing = all.enumerated().map { "[\($0.offset)] '\($0.element.name)'" }.joined(separator: ", ")
        #expect(try OpenCLRuntime.devices("0") == [all[0]])
        #expect(try OpenCLRuntime.devices("all").allSatisfy(all.contains))
        #expect(try !OpenCLRuntime.devices("all").isEmpty)
        // PoCL's single-threaded companion shares its threaded device's cores: not in `all`.
        for dev in all where OpenCLRuntime.smallBatchCompanion(for: dev) != nil {
            #expect(try !OpenCLRuntime.devices("all").contains(OpenCLRuntime.smallBatchCompanion(for: dev)!))
        }
        if all.count >= 2 { #expect(try OpenCLRuntime.devices("1, 0") == [all[1], all[0]]) }
        do {
            _ = try OpenCLRuntime.devices("0,no-such-device")
            Issue.record("an unknown device name is accepted")
        } catch {
            #expect("\(error)".contains("no OpenCL device matches 'no-such-device'") && "\(error)".contains(listing), "\(error)")
        }
        do {
            _ = try OpenCLRuntime.devices("0,0")
            Issue.record("a device listed twice is accepted")
        } catch {
            #expect("\(error)".contains("chosen twice") && "\(error)".contains(listing), "\(error)")
        }
    }
}
