import Foundation
import Leapfrog
import LeapfrogOpenCL
import LeapfrogRun
import LeapfrogTestSupport
import Testing

/// The device-resident transitions (`DeviceTransitionExecutor` over `OpenCLTrajectories`) against
/// their host twin (`HostTransitionExecutor` over the CPU reference): same requests, same seed.
@Suite(.serialized, .enabled(if: (try? OpenCLRuntime.device()) != nil, "no OpenCL device"))
struct DeviceTransitionExecutorTests {
    /// A built-in model on its bundled data, `gp-regression 130`: the GP on 130 points, whose
    /// kernels keep their largest matrices in the device heap (`DeviceHeap`), or `lotka_volterra`:
    /// posteriordb's ODE model (`Generator+ODE`) without its generated quantities.
    static func bound(_ name: String) throws -> BoundModel {
        if name == "gp-regression 130" {
            return try BoundModel(graph: ClassicModels.gpRegression(), data: GaussianProcessData.points(130))
        }
        if name == "lotka_volterra" {
            var source = try String(contentsOfFile: RepositoryData.path("posteriordb/stan/lotka_volterra.stan"), encoding: .utf8)
            if let gq = source.range(of: "generated quantities") { source = String(source[..<gq.lowerBound]) }
            let (graph, data) = try StanProgram.compile(source: source, path: "lotka_volterra.stan")
                .instantiate(data: try StanJSON.load(path: RepositoryData.path("posteriordb/hudson_lynx_hare.json")))
            return try BoundModel(graph: graph, data: data)
        }
        let instance = try BuiltinModels.named(name).instantiate()
        return try BoundModel(graph: instance.graph, data: instance.data)
    }

    /// An executor whose device programs are `R` on the default OpenCL device.
    /// `launch`: the trajectories' shape (`auto` on CPU devices: a chain per work-item, or the
    /// rows in lanes for a few chains of a model with a plate).
    /// `quorum`: NUTS's start quorum (`OpenCLTrajectories.startQuorum`), when not the default;
    /// `cheesAdaptLocalSize`: ChEES's adaptation kernel's work-group (`OpenCLTrajectories.cheesAdaptLocalSize`).
    static func device<R: DeviceReal>(_ bound: BoundModel, _: R.Type, density: some BatchedLogDensity,
                                      launch: LaunchChoice = .auto, quorum: Int? = nil,
                                      cheesAdaptLocalSize: Int? = nil) throws -> DeviceTransitionExecutor {
        let dev = try OpenCLRuntime.device()
        return DeviceTransitionExecutor(density: density, precision: R.self == Float.self ? "f32" : "f64", log: { _ in }) {
            _, coefficients in
            let trajectories = try OpenCLTrajectories<R>(bound, queue: try CommandQueue(context: try Context(device: dev)),
                                                         coefficients: coefficients, launch: launch)
            if let quorum { trajectories.startQuorum = quorum }
            trajectories.cheesAdaptLocalSize = cheesAdaptLocalSize
            return trajectories
        }
    }

    /// Starting points Uniform(−s, s) from the Philox initialisation stream.
    static func start(_ bound: BoundModel, chains n: Int, spread s: Double) throws -> SamplerState {
        let d = bound.dimension, random = PhiloxRandom(seed: 11)
        var values = [Double](repeating: 0, count: n * d)
        for c in 0..<n {
            random.uniforms(chain: c, iteration: 0, purpose: .initialisation, count: d) { i, u in
                values[i * n + c] = s * (2 * u - 1)
            }
        }
        return try SamplerState(positions: ChainBatch(chains: n, dimension: d, values: values), model: ReferenceModel(bound))
    }

    /// A diagonal inverse metric per chain that differs between chains and components.
    /// ChEES with its warmup, the other settings the defaults.
    static func chees(chains: Int, warmup: Int, draws: Int, seed: UInt64) -> SamplerConfiguration {
        var config = SamplerConfiguration()
        config.sampler = .chees
        config.chains = chains
        config.warmup = warmup
        config.draws = draws
        config.seed = seed
        return config
    }

    static func metric(chains n: Int, dimension d: Int) -> Metric {
        .diagonalPerChain(ChainBatch(chains: n, dimension: d,
                                     values: (0..<(n * d)).map { 0.5 + Double(($0 * 7) % 11) / 10 }))
    }

    /// f64 on the device makes the host's transitions: every position, log density, acceptance
    /// and step count over `iterations` transitions, each side continuing from its own state, so
    /// rounding differences would compound. Tolerance 1e-10 relative: the two differ only in the
    /// last bits of `log`, `cos`, `sin`, `exp`, `tanh` (a few ulp each), far below it — and, with
    /// a work-group per chain (`group`) or the rows in SIMD lanes (`rows`), in the order the
    /// plate's rows are summed in.
    @Test(arguments: [("eight-schools", 0.2, 16, 100, LaunchChoice.auto), ("bnn", 0.01, 8, 15, .auto),
                      ("gp-regression", 0.1, 8, 30, .auto), ("eight-schools", 0.2, 8, 40, .workGroupPerChain),
                      ("bnn", 0.03, 8, 8, .workGroupPerChain), ("bnn", 0.01, 5, 15, .rowsInLanes)])
    func f64DeviceMakesTheHostsDraws(model: String, stepSize: Double, chains n: Int, iterations: Int,
                                     launch: LaunchChoice) throws {
        let bound = try Self.bound(model)
        let reference = ReferenceModel(bound)
        let device = try Self.device(bound, Double.self, density: reference, launch: launch)
        var host = HostTransitionExecutor(model: reference)
        let random = PhiloxRandom(seed: 5)
        var a = try Self.start(bound, chains: n, spread: 1), b = a
        var accepted = 0, rejected = 0
        for (k, integrator) in [Integrator.leapfrog, .mclachlan].enumerated() {
            for iteration in (k * iterations)..<((k + 1) * iterations) {
                var request = TransitionRequest(trajectory: .hmc(.steps(8), jitter: .stepSize(0.3)), integrator: integrator,
                                                metric: k == 0 ? .unit : Self.metric(chains: n, dimension: bound.dimension),
                                                stepSizes: (0..<n).map { stepSize * (1 + 0.3 * Double($0 % 3)) },
                                                iteration: iteration)
                request.returnsProposal = true
                let x = try host.execute(request, from: a, random: random)
                let y = try device.execute(request, from: b, random: random)
                for c in 0..<n {
                    #expect(x.info[c].accepted == y.info[c].accepted, "\(model) it \(iteration) chain \(c)")
                    #expect(x.info[c].leapfrogSteps == y.info[c].leapfrogSteps)
                    #expect(x.info[c].divergent == y.info[c].divergent)
                    #expect(close(x.info[c].acceptanceStatistic, y.info[c].acceptanceStatistic, 1e-9))
                    #expect(close(x.state.logDensity[c], y.state.logDensity[c], 1e-10))
                    if x.info[c].accepted { accepted += 1 } else { rejected += 1 }
                }
                for (p, q) in zip(x.state.positions.values, y.state.positions.values) { #expect(close(p, q, 1e-10)) }
                for (p, q) in zip(x.state.gradient.values, y.state.gradient.values) { #expect(close(p, q, 1e-9)) }
                for (p, q) in zip(x.proposal!.momentum.values, y.proposal!.momentum.values) { #expect(close(p, q, 1e-9)) }
                a = x.state
                b = y.state
            }
        }
        #expect(accepted > 0 && rejected > 0, "\(model): both outcomes exercised (\(accepted) accepted, \(rejected) rejected)")
        #expect(device.placements.device == 2 * iterations && device.placements.host == 0)
    }

    /// f32 on the device, one transition from the same state: the chains that take the same
    /// decision land within 2e-3 (relative to max(1, |x|)) of the host's f64 positions — float's
    /// rounding over a trajectory of 8 steps — and nearly all chains take it.
    @Test func f32DeviceFollowsTheHostWithinFloatTolerance() throws {
        let bound = try Self.bound("eight-schools")
        let reference = ReferenceModel(bound)
        let device = try Self.device(bound, Float.self, density: reference)
        var host = HostTransitionExecutor(model: reference)
        let n = 64
        let state = try Self.start(bound, chains: n, spread: 1)
        let request = TransitionRequest(trajectory: .hmc(.steps(8), jitter: .none), integrator: .leapfrog, metric: .unit,
                                        stepSizes: [Double](repeating: 0.2, count: n), iteration: 3)
        let random = PhiloxRandom(seed: 9)
        let x = try host.execute(request, from: state, random: random)
        let y = try device.execute(request, from: state, random: random)
        let same = (0..<n).filter { x.info[$0].accepted == y.info[$0].accepted }
        #expect(same.count >= n - 2)
        for c in same {
            for i in 0..<bound.dimension {
                #expect(close(x.state.positions[c, i], y.state.positions[c, i], 2e-3), "chain \(c) component \(i)")
            }
        }
    }

    /// A switch to f64 is for the rest of the run: the f32 device program, and its device buffers,
    /// are given back when the f64 one is made (they had stayed beside it to the run's end).
    @Test func aSwitchToF64GivesTheF32ProgramBack() throws {
        /// The density with its log density off by 10: every precision check fails.
        struct Shifted: BatchedLogDensity {
            let base: ReferenceModel
            var dimension: Int { base.dimension }
            func evaluate(_ positions: ChainBatch, active: [Bool]?) throws -> DensityBatch {
                var out = try base.evaluate(positions, active: active)
                out.logDensity = out.logDensity.map { $0 + 10 }
                return out
            }
        }
        let bound = try Self.bound("eight-schools")
        let reference = ReferenceModel(bound)
        let guarded = PrecisionGuard(fast: Shifted(base: reference), accurate: reference, fastName: "f32", accurateName: "f64",
                                     clock: { 0 })
        final class Made: @unchecked Sendable { weak var f32: OpenCLTrajectories<Float>?; var f64 = 0 }
        let made = Made(), dev = try OpenCLRuntime.device()
        let executor = DeviceTransitionExecutor(density: guarded, precision: "f32", log: { _ in }) { precision, coefficients in
            let queue = try CommandQueue(context: try Context(device: dev))
            if precision == "f32" {
                let t = try OpenCLTrajectories<Float>(bound, queue: queue, coefficients: coefficients)
                made.f32 = t
                return t
            }
            made.f64 += 1
            return try OpenCLTrajectories<Double>(bound, queue: queue, coefficients: coefficients)
        }
        let n = 16
        let state = try Self.start(bound, chains: n, spread: 1)
        let request = TransitionRequest(trajectory: .hmc(.steps(4), jitter: .none), integrator: .leapfrog, metric: .unit,
                                        stepSizes: [Double](repeating: 0.1, count: n), iteration: 0)
        _ = try executor.execute(request, from: state, random: PhiloxRandom(seed: 2))
        #expect(made.f32 != nil && made.f64 == 0)
        #expect(try guarded.checkPrecision(at: state.positions, stage: .initialisation) && guarded.currentName == "f64")
        _ = try executor.execute(request, from: state, random: PhiloxRandom(seed: 2))
        #expect(made.f64 == 1 && made.f32 == nil, "the f32 program outlives the switch")
        #expect(executor.placements.device == 2 && executor.placements.host == 0)
    }

    /// The state stays on the device: from its own last state a transition uploads only the step
    /// sizes and step counts; from another state it uploads that state. One round trip each.
    @Test func stateStaysOnTheDevice() throws {
        let bound = try Self.bound("eight-schools")
        let reference = ReferenceModel(bound)
        let device = try Self.device(bound, Double.self, density: reference)
        let n = 32, d = bound.dimension, random = PhiloxRandom(seed: 1)
        let start = try Self.start(bound, chains: n, spread: 1)
        func request(_ iteration: Int) -> TransitionRequest {
            TransitionRequest(trajectory: .hmc(.steps(4), jitter: .none), integrator: .leapfrog, metric: .unit,
                              stepSizes: [Double](repeating: 0.1, count: n), iteration: iteration)
        }
        let first = try device.execute(request(0), from: start, random: random)
        let afterFirst = device.traffic
        _ = try device.execute(request(1), from: first.state, random: random)
        let second = device.traffic
        let stride = (n + 15) / 16 * 16   // a multiple of any width the device may use (1…16)
        #expect(second.roundTrips - afterFirst.roundTrips == 1 && second.launches - afterFirst.launches == 1)
        let uploaded = second.bytesToDevice - afterFirst.bytesToDevice
        #expect(uploaded <= 2 * stride * 8, "only step sizes and counts: \(uploaded) bytes")
        _ = try device.execute(request(2), from: start, random: random)
        #expect(device.traffic.bytesToDevice - second.bytesToDevice >= (2 * d + 1) * n * 8, "another state is uploaded")
    }

    /// NUTS on the device builds each chain's tree as the host does: in f64 the same tree depths,
    /// leapfrog counts, divergences and moves, and positions to 1e-10 relative, over `iterations`
    /// transitions from each side's own state, for both integrators, unit and per-chain metrics.
    /// The step sizes span good and too-large (divergent, U-turning early) trajectories. `group`:
    /// a work-group per chain, every work-item building the chain's tree from the group's sums.
    @Test(arguments: [("eight-schools", 0.3, 16, 60, LaunchChoice.auto), ("bnn", 0.02, 8, 8, .auto),
                      ("gp-regression", 0.2, 8, 20, .auto), ("gp-regression 130", 0.2, 6, 4, .auto),
                      ("eight-schools", 0.3, 8, 30, .workGroupPerChain),
                      ("bnn", 0.02, 4, 6, .workGroupPerChain), ("bnn", 0.02, 5, 8, .rowsInLanes),
                      ("lotka_volterra", 0.01, 8, 5, .auto)])
    func f64NUTSMakesTheHostsTrees(model: String, stepSize: Double, chains n: Int, iterations: Int,
                                   launch: LaunchChoice) throws {
        let bound = try Self.bound(model)
        let reference = ReferenceModel(bound)
        let device = try Self.device(bound, Double.self, density: reference, launch: launch)
        var host = HostTransitionExecutor(model: reference)
        let random = PhiloxRandom(seed: 8)
        var a = try Self.start(bound, chains: n, spread: 1), b = a
        var depths = Set<Int>(), moved = 0
        for (k, integrator) in [Integrator.leapfrog, .mclachlan].enumerated() {
            for iteration in (k * iterations)..<((k + 1) * iterations) {
                let request = TransitionRequest(trajectory: .nuts(maxDepth: 6), integrator: integrator,
                                                metric: k == 0 ? .unit : Self.metric(chains: n, dimension: bound.dimension),
                                                stepSizes: (0..<n).map { stepSize * (0.5 + Double($0 % 4)) },
                                                iteration: iteration)
                let x = try host.execute(request, from: a, random: random)
                let y = try device.execute(request, from: b, random: random)
                for c in 0..<n {
                    let what = "\(model) it \(iteration) chain \(c)"
                    #expect(x.info[c].treeDepth == y.info[c].treeDepth, "\(what)")
                    #expect(x.info[c].leapfrogSteps == y.info[c].leapfrogSteps, "\(what)")
                    #expect(x.info[c].divergent == y.info[c].divergent, "\(what)")
                    #expect(x.info[c].accepted == y.info[c].accepted, "\(what)")
                    #expect(close(x.info[c].acceptanceStatistic, y.info[c].acceptanceStatistic, 1e-9), "\(what)")
                    #expect(close(x.info[c].energy, y.info[c].energy, 1e-9), "\(what)")
                    #expect(close(x.state.logDensity[c], y.state.logDensity[c], 1e-10), "\(what)")
                    depths.insert(x.info[c].treeDepth)
                    if x.info[c].accepted { moved += 1 }
                }
                // The ODE's gradients agree to 10⁻¹³ relative (`StanOpenCLParityTests.odeSolves`),
                // but from starts far from its posterior they reach 10⁵, and trajectories amplify
                // the difference: positions to 10⁻⁷ there, the trees the same.
                let tolerance = model == "lotka_volterra" ? 1e-7 : 1e-10
                for (p, q) in zip(x.state.positions.values, y.state.positions.values) { #expect(close(p, q, tolerance)) }
                // The host's chains wait for the batch's longest tree; the device's only for their
                // work-item's (chain shape), or for none (rows in lanes, a work-group per chain).
                let needed = y.info.map(\.gradientEvaluations).reduce(0, +)
                #expect(needed <= y.lockstepEvaluations * n && y.lockstepEvaluations <= x.lockstepEvaluations)
                if launch != .auto {
                    let steps = y.info.map(\.leapfrogSteps)
                    #expect(y.lockstepEvaluations == (steps.reduce(0, +) + n - 1) / n * integrator.gradientsPerStep)
                }
                a = x.state
                b = y.state
            }
        }
        #expect(depths.count >= 2 && moved > 0, "\(model): trees of several depths (\(depths.sorted())), \(moved) moves")
        #expect(device.placements.device == 2 * iterations)
    }

    /// The lockstep count: consecutive groups of W chains at their longest trajectory, over the
    /// chain count, rounded up; W = 1 is the mean, W ≥ the batch its longest.
    @Test func lockstepCountsEachGroupAtItsLongestTrajectory() {
        let steps = [3, 5, 2, 8, 1]
        #expect(DeviceTransitionExecutor.lockstepSteps(steps, together: 2) == 6)   // (10 + 16 + 1) / 5 → 6
        #expect(DeviceTransitionExecutor.lockstepSteps(steps, together: 1) == 4)   // 19 / 5 → 4
        #expect(DeviceTransitionExecutor.lockstepSteps(steps, together: 8) == 8)
        #expect(DeviceTransitionExecutor.lockstepSteps([], together: 4) == 0)
    }

    /// A chained group: a work-item's lanes wait at the longest sum over the group, shared out over
    /// its transitions in proportion to the steps they needed.
    @Test func chainedGroupsWaitOnceForTheirLongestSum() {
        // Chains 0 and 1 share a work-item, as do 2 and 3: sums 9 and 9, 4 and 12.
        let steps = [[1, 8, 3, 2], [8, 1, 1, 10]]
        // Per transition at its longest: (2·8 + 2·3 + 2·8 + 2·10) / 4 → 15; chained: (2·9 + 2·12) / 4 → 11.
        #expect(steps.reduce(0) { $0 + DeviceTransitionExecutor.lockstepSteps($1, together: 2) } == 15)
        let chained = DeviceTransitionExecutor.lockstepSteps(chained: steps, together: 2)
        #expect(chained.reduce(0, +) == 11)
        #expect(chained == [11 * 14 / 34, 11 - 11 * 14 / 34])   // needed 14 and 20 steps
        #expect(chained == [4, 7])
        // Alone, each chain waits for none: (9 + 9 + 4 + 12) / 4 → 9, of which 9 · 14 / 34 → 3 to the first.
        #expect(DeviceTransitionExecutor.lockstepSteps(chained: steps, together: 1) == [3, 6])
        #expect(DeviceTransitionExecutor.lockstepSteps(chained: [[0, 0], [0, 0]], together: 2) == [0, 0])
    }

    /// A work-item's chained launch with a start quorum (`chainedIterations`): lanes whose trees
    /// ended wait until `quorum` lanes (or every lane with transitions left) wait. A quorum of 1
    /// is each lane's sum; a quorum of every lane is the longest tree of each transition in turn.
    @Test func chainedIterationsFollowTheStartQuorum() {
        let lanes = [[1, 8, 3], [8, 1, 1]]
        #expect(DeviceTransitionExecutor.chainedIterations(lanes, quorum: 1) == 12)
        #expect(DeviceTransitionExecutor.chainedIterations(lanes, quorum: 2) == 8 + 8 + 3)
        #expect(DeviceTransitionExecutor.chainedIterations(lanes, quorum: 5) == 19)
        // Three lanes, a quorum of 2: lane 0 waits at 2 for lane 1 (4); at 6 lane 0 is done and
        // lane 2 waits for lane 1 (8), after which it is the only lane left and starts alone.
        let three = [[2, 2], [4, 4], [6, 1]]
        #expect(DeviceTransitionExecutor.chainedIterations(three, quorum: 1) == 8)
        #expect(DeviceTransitionExecutor.chainedIterations(three, quorum: 2) == 9)
        // The first pair as one work-item's group: 19 iterations, shared out by the steps needed
        // (9, 9, 4 of 22): ⌊19·9/22⌋ = 7, ⌊19·18/22⌋ − 7 = 8, 19 − 15 = 4; a quorum of 1: 12.
        let steps = [[1, 8], [8, 1], [3, 1]]
        #expect(DeviceTransitionExecutor.lockstepSteps(chained: steps, together: 2, quorum: 2) == [7, 8, 4])
        #expect(DeviceTransitionExecutor.lockstepSteps(chained: steps, together: 2).reduce(0, +) == 12)
    }

    /// 2,048 chains of NUTS on the BNN: the kernel's tree state (4 × 10 levels × 46 checkpoint
    /// values and 17 × 46 more per chain, 168 KB per work-item of 8 f64 lanes) counts toward a CPU
    /// work-group's private memory, which stays within the budget, and the transition gives the
    /// host's trees. (That state once went uncounted: work-groups of 64 such items overflowed
    /// PoCL's thread stack, a crash at 2,048 and 4,096 chains.)
    @Test func manyChainsOfNUTSFitTheWorkGroups() throws {
        let bound = try Self.bound("bnn")
        let reference = ReferenceModel(bound)
        let n = 2048, d = bound.dimension
        let dev = try OpenCLRuntime.device()
        let trajectories = try OpenCLTrajectories<Double>(bound, queue: try CommandQueue(context: try Context(device: dev)),
                                                          coefficients: Integrator.leapfrog.coefficients)
        let (perItem, group) = try trajectories.privateMemory(.nuts(maxDepth: 10), chains: n)
        #expect(perItem >= (4 * 10 + 17) * d * 8)
        if try dev.info().type == .cpu { #expect(perItem * group <= OpenCLLogDensity<Double>.cpuPrivateBudget) }

        let device = try Self.device(bound, Double.self, density: reference)
        var host = HostTransitionExecutor(model: reference)
        let start = try Self.start(bound, chains: n, spread: 1), random = PhiloxRandom(seed: 3)
        let request = TransitionRequest(trajectory: .nuts(maxDepth: 10), integrator: .leapfrog, metric: .unit,
                                        stepSizes: Array(repeating: 0.2, count: n), iteration: 0)
        let x = try host.execute(request, from: start, random: random)
        let y = try device.execute(request, from: start, random: random)
        #expect(x.info.map(\.treeDepth) == y.info.map(\.treeDepth))
        #expect(zip(x.state.logDensity, y.state.logDensity).allSatisfy { close($0, $1, 1e-10) })
        #expect(Set(x.info.map(\.treeDepth)).count >= 2)
    }

    /// Dense metrics run on the host executor, and give its transitions exactly.
    @Test func denseMetricsRunOnTheHost() throws {
        let bound = try Self.bound("eight-schools")
        let reference = ReferenceModel(bound)
        let device = try Self.device(bound, Double.self, density: reference)
        var host = HostTransitionExecutor(model: reference)
        let n = 4, random = PhiloxRandom(seed: 2)
        let state = try Self.start(bound, chains: n, spread: 1)
        let dense = Metric.dense(.identity(dimension: bound.dimension))
        let requests = [
            TransitionRequest(trajectory: .nuts(maxDepth: 5), integrator: .leapfrog, metric: dense,
                              stepSizes: [Double](repeating: 0.2, count: n), iteration: 0),
            TransitionRequest(trajectory: .hmc(.steps(4), jitter: .none), integrator: .leapfrog, metric: dense,
                              stepSizes: [Double](repeating: 0.2, count: n), iteration: 1),
        ]
        for request in requests {
            let x = try host.execute(request, from: state, random: random)
            let y = try device.execute(request, from: state, random: random)
            #expect(x.state == y.state)
        }
        #expect(device.placements.host == 2 && device.placements.device == 0)
    }

    /// ChEES with its warmup (step size, metric and trajectory length adapted from the device's
    /// transitions and proposals, the step-size searches' trials run there too) on eight
    /// schools: the device in f64 gives the host's run.
    /// Warmup feeds every transition back into the next one's tuning, so the two sides' rounding
    /// differences grow with it (measured: 4e-14 in the positions after 10 iterations, 3e-11
    /// after 50, 3e-6 after 100): 50 warmup iterations and 20 draws, compared to 1e-7.
    @Test func cheesRunWithWarmupMatchesTheHost() throws {
        let bound = try Self.bound("eight-schools")
        let reference = ReferenceModel(bound)
        let config = Self.chees(chains: 32, warmup: 50, draws: 20, seed: 4)
        let host = InMemoryDrawSink(), dev = InMemoryDrawSink()
        let a = try Sampler.run(model: reference, configuration: config, sink: host)
        let executor = try Self.device(bound, Double.self, density: reference)
        executor.searchesOnDevice = true
        let b = try Sampler.run(model: reference, configuration: config, sink: dev, executor: executor)
        #expect(executor.placements.device == 70)
        #expect(executor.deviceSearches >= 2, "the first search and the windows' ran on the device")
        #expect(close(a.adaptation.stepSizes[0], b.adaptation.stepSizes[0], 1e-7))
        #expect(close(a.adaptation.trajectoryLength!, b.adaptation.trajectoryLength!, 1e-7))
        for (x, y) in zip(a.finalState.positions.values, b.finalState.positions.values) { #expect(close(x, y, 1e-7)) }
        #expect(host.logDensity.count == dev.logDensity.count && host.logDensity.first?.count == 20)
    }
}

extension DeviceTransitionExecutorTests {
    /// Stan's step-size heuristic with its trials on the device (`searchStepSizes`, one probe
    /// launch per trial) makes the host's `StepSizeSearch.run` in f64: the same step size for
    /// every chain and the same gradient counts, from initial step sizes that must double (1e-4)
    /// and halve (4), under a unit and a per-chain metric; and the state it probed from is the
    /// one the next transition starts from (a probe must not move it). A small batch searches on
    /// the host by default (the host executor's search, the same numbers).
    @Test(arguments: [("eight-schools", 16, LaunchChoice.auto), ("bnn", 8, .auto), ("bnn", 5, .rowsInLanes),
                      ("gp-regression", 8, .auto), ("eight-schools", 8, .workGroupPerChain)])
    func stepSizeSearchOnTheDeviceMakesTheHosts(model: String, chains n: Int, launch: LaunchChoice) throws {
        let bound = try Self.bound(model)
        let reference = ReferenceModel(bound)
        let device = try Self.device(bound, Double.self, density: reference, launch: launch)
        device.searchesOnDevice = true
        var host = HostTransitionExecutor(model: reference)
        let random = PhiloxRandom(seed: 9)
        let state = try Self.start(bound, chains: n, spread: 1)
        let initial = (0..<n).map { $0 % 2 == 0 ? 1e-4 : 4.0 }
        for (k, metric) in [Metric.unit, Self.metric(chains: n, dimension: bound.dimension)].enumerated() {
            let x = try StepSizeSearch.run(state, model: reference, metric: metric, integrator: .leapfrog, initial: initial,
                                           random: random, search: k)
            let y = try #require(try device.searchStepSizes(state, metric: metric, integrator: .leapfrog, initial: initial,
                                                            random: random, search: k))
            #expect(x.stepSizes == y.stepSizes, "\(model), metric \(k)")
            #expect(x.gradientEvaluations == y.gradientEvaluations)
            #expect(Set(x.stepSizes).count > 1, "\(model): the chains' searches ended apart")
            #expect(x.gradientEvaluations.max()! > 2 * Integrator.leapfrog.gradientsPerStep, "some chain took several trials")
            let request = TransitionRequest(trajectory: .hmc(.steps(4), jitter: .none), integrator: .leapfrog, metric: metric,
                                            stepSizes: y.stepSizes.map { 0.5 * $0 }, iteration: k)
            let a = try host.execute(request, from: state, random: random)
            let b = try device.execute(request, from: state, random: random)
            for (p, q) in zip(a.state.positions.values, b.state.positions.values) { #expect(close(p, q, 1e-10)) }
        }
        #expect(device.deviceSearches == 2)
        device.searchesOnDevice = nil
        let hosted = try #require(try device.searchStepSizes(state, metric: .unit, integrator: .leapfrog, initial: initial,
                                                             random: random, search: 2))
        #expect(device.deviceSearches == 2, "a small batch searches on the host by default")
        let x = try StepSizeSearch.run(state, model: reference, metric: .unit, integrator: .leapfrog, initial: initial,
                                       random: random, search: 2)
        #expect(hosted.stepSizes == x.stepSizes && hosted.gradientEvaluations == x.gradientEvaluations)
    }

    /// A ChEES run through the run layer on OpenCL: every transition on the device, and
    /// summary.json's counters say so — at most 2 blocking round trips per iteration (the
    /// transition and the recorded draw; warmup's step-size searches and precision checks
    /// included), against one per integrator step with `--transitions host`.
    @Test func summaryCountsTheDeviceTraffic() throws {
        let model = try BuiltinModels.named("eight-schools").instantiate()
        var perIteration: [TransitionPlacement: Double] = [:]
        for placement in TransitionPlacement.allCases {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-traffic-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var run = RunConfiguration(output: .init(directory: directory))
            run.sampler.sampler = .chees
            run.sampler.chains = 32
            run.sampler.warmup = 100
            run.sampler.draws = 100
            run.backend.name = "opencl"
            run.backend.transitions = placement
            _ = try SampleRun(run).sample(model, log: { _ in })
            let traffic = try #require(try SummaryFile.read(path: directory + "/summary.json").deviceTraffic)
            #expect(traffic.iterations == 200)
            #expect(traffic.transitionsOnDevice == (placement == .auto ? 200 : 0))
            // `auto` on a CPU device never takes the work-group shape; no shape when none ran there.
            #expect(traffic.transitionsLaunchShape == (placement == .auto ? "work-item per chain" : nil), "\(traffic)")
            perIteration[placement] = traffic.roundTripsPerIteration
        }
        #expect(perIteration[.auto]! <= 2, "\(perIteration)")
        #expect(perIteration[.host]! > 2 * perIteration[.auto]!, "\(perIteration)")
    }
}

extension DeviceTransitionExecutorTests {
    /// `--launch group` through the run layer: the transitions run on the device, a work-group
    /// per chain (it used to send them to the host), and summary.json says so.
    @Test func aForcedWorkGroupShapeRunsTransitionsOnTheDevice() throws {
        let model = try BuiltinModels.named("eight-schools").instantiate()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-group-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var run = RunConfiguration(output: .init(directory: directory))
        run.sampler.chains = 4
        run.sampler.warmup = 30
        run.sampler.draws = 30
        run.backend.name = "opencl"
        run.backend.launch = .workGroupPerChain
        _ = try SampleRun(run).sample(model, log: { _ in })
        let summary = try SummaryFile.read(path: directory + "/summary.json")
        let traffic = try #require(summary.deviceTraffic)
        #expect(traffic.transitionsOnDevice == 60 && traffic.transitionsOnHost == 0, "\(traffic)")
        #expect(summary.backend.contains("work-group per chain"), "\(summary.backend)")
        #expect(traffic.transitionsLaunchShape?.hasPrefix("work-group of ") == true, "\(traffic)")
    }
}

private func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
    if a == b { return true }
    return abs(a - b) <= tolerance * max(1, abs(a))
}
