import Foundation
import Leapfrog
import LeapfrogOpenCL
import LeapfrogRun
@testable import LeapfrogSampling
import Testing

/// Warmup with the state kept on the device (`DeviceTransitionExecutor.executeKeepingState`,
/// Kernels/warmup.cl): the statistics reduced there against their Swift twins on the host's
/// batches, and whole warmups that learn from them against warmups that read every batch back.
@Suite(.serialized, .enabled(if: (try? OpenCLRuntime.device()) != nil, "no OpenCL device"))
struct WarmupOnTheDeviceTests {
    typealias Support = DeviceTransitionExecutorTests

    /// Two transitions kept on the device against the host's (f64): diagnostics, log densities,
    /// the projections (`WarmupConvergence.projections`), ChEES's per-chain sums
    /// (`ChEESAdaptation.sums` of the starts, proposals and M⁻¹p) and, after both, the window
    /// moments (`WelfordEstimator.addWindow`: on eight schools the gradients' too, for the Fisher
    /// metric) and the held state, to 1e-10 relative. HMC with a metric per chain and NUTS (no
    /// proposals, so no sums); 13 chains (padding at any width); eight schools, and a
    /// 2-dimensional Gaussian (fewer coordinates than projections or sums).
    @Test(arguments: [(true, "eight-schools"), (false, "eight-schools"), (true, "gaussian"), (false, "gaussian")])
    func reductionsMatchTheirHostTwins(hmc: Bool, model: String) throws {
        let instance = try BuiltinModels.named(model).instantiate(options: ModelOptions(model == "gaussian" ? ["dim": "2"] : [:]))
        let bound = try BoundModel(graph: instance.graph, data: instance.data)
        let reference = ReferenceModel(bound)
        let device = try Support.device(bound, Double.self, density: reference)
        var host = HostTransitionExecutor(model: reference)
        let n = 13, d = bound.dimension, random = PhiloxRandom(seed: 21)
        let metric = Support.metric(chains: n, dimension: d)
        let gradients = model == "eight-schools"
        let needs = WarmupReductionRequest(windowMoments: true, gradientMoments: gradients, projections: 4, cheesSums: hmc)
        var state = try Support.start(bound, chains: n, spread: 1)
        var welford = Array(repeating: WelfordEstimator(dimension: gradients ? 2 * d : d, dense: false), count: n)
        for iteration in 0..<2 {
            var request = TransitionRequest(trajectory: hmc ? .hmc(.steps(6), jitter: .none) : .nuts(maxDepth: 5),
                                            integrator: .leapfrog, metric: metric,
                                            stepSizes: (0..<n).map { 0.15 * (1 + 0.2 * Double($0 % 3)) }, iteration: iteration)
            request.returnsProposal = hmc
            let x = try host.execute(request, from: state, random: random)
            let y = try #require(try device.executeKeepingState(request, from: iteration == 0 ? state : nil, reductions: needs,
                                                                 random: random))
            for c in 0..<n {
                #expect(x.info[c].accepted == y.info[c].accepted && x.info[c].leapfrogSteps == y.info[c].leapfrogSteps)
                #expect(close(x.info[c].acceptanceStatistic, y.info[c].acceptanceStatistic, 1e-10))
                #expect(close(x.state.logDensity[c], y.logDensity[c], 1e-10))
            }
            let projections = WarmupConvergence.projections(x.state.positions, count: 4)
            let onDevice = try #require(y.projections)
            for (a, b) in zip(projections.values, onDevice.values) { #expect(close(a, b, 1e-10)) }
            if hmc {
                let w = ChEESAdaptation.weights(acceptance: x.info.map(\.acceptanceStatistic), divergent: x.info.map(\.divergent))
                let sums = ChEESAdaptation.sums(starts: state.positions, proposal: x.proposal!.position,
                                                velocity: metric.velocity(x.proposal!.momentum), weights: w)
                let got = try #require(y.cheesSums)
                for (a, b) in zip(sums.proposalSpread + sums.startSpread + sums.proposalAlongVelocity,
                                  got.proposalSpread + got.startSpread + got.proposalAlongVelocity) {
                    #expect(close(a, b, 1e-10))
                }
            } else {
                #expect(y.cheesSums == nil)
            }
            WelfordEstimator.addWindow(x.state, gradients: gradients, to: &welford)
            state = x.state
        }
        let moments = try #require(try device.takeWindowMoments())
        for c in 0..<n {
            #expect(moments[c].count == 2 && moments[c].dimension == welford[c].dimension)
            for i in 0..<welford[c].dimension {
                #expect(close(moments[c].mean[i], welford[c].mean[i], 1e-10))
                #expect(abs(moments[c].m2[i] - welford[c].m2[i]) <= 1e-10 * max(1, abs(welford[c].mean[i])))
            }
        }
        #expect(try device.takeWindowMoments() == nil, "taken moments are forgotten")
        let held = try device.heldState()
        for (a, b) in zip(held.positions.values, state.positions.values) { #expect(close(a, b, 1e-10)) }
        for (a, b) in zip(held.gradient.values, state.gradient.values) { #expect(close(a, b, 1e-9)) }
    }

    /// A shard's ChEES transition in two steps (f64, 300 chains: two of the device's blocks of
    /// 256 chains): its partial means (`lf_chees_partial_means`, the blocks added in order on the
    /// host) against `ChEESAdaptation.partialMeans`, and the sums about given means
    /// (`cheesSums(about:)`, here the batch's own) against `ChEESAdaptation.sums`, to 1e-10.
    @Test func partialMeansAndSumsAboutThemMatchTheirHostTwins() throws {
        let instance = try BuiltinModels.named("gaussian").instantiate(options: ModelOptions(["dim": "3"]))
        let bound = try BoundModel(graph: instance.graph, data: instance.data)
        let reference = ReferenceModel(bound)
        let device = try Support.device(bound, Double.self, density: reference)
        var host = HostTransitionExecutor(model: reference)
        let n = 300, random = PhiloxRandom(seed: 9)
        let metric = Support.metric(chains: n, dimension: bound.dimension)
        let state = try Support.start(bound, chains: n, spread: 2)
        var request = TransitionRequest(trajectory: .hmc(.steps(5), jitter: .none), integrator: .leapfrog, metric: metric,
                                        stepSizes: (0..<n).map { 0.2 * (1 + 0.3 * Double($0 % 4)) }, iteration: 0)
        request.returnsProposal = true
        let x = try host.execute(request, from: state, random: random)
        let y = try #require(try device.executeKeepingState(request, from: state,
                                                             reductions: WarmupReductionRequest(cheesPartialMeans: true), random: random))
        #expect(y.cheesSums == nil)
        let w = ChEESAdaptation.weights(acceptance: x.info.map(\.acceptanceStatistic), divergent: x.info.map(\.divergent))
        #expect(w.contains(where: { $0 > 0 && $0 < 1 }))
        let twin = ChEESAdaptation.partialMeans(starts: state.positions, proposal: x.proposal!.position, weights: w)
        let got = try #require(y.cheesPartialMeans)
        #expect(got.chains == n && close(got.weight, twin.weight, 1e-10))
        for (a, b) in zip(twin.weightedProposal + twin.start, got.weightedProposal + got.start) { #expect(close(a, b, 1e-10)) }
        let sums = try #require(try device.cheesSums(about: got))
        let whole = ChEESAdaptation.sums(starts: state.positions, proposal: x.proposal!.position,
                                         velocity: metric.velocity(x.proposal!.momentum), weights: w)
        for (a, b) in zip(whole.proposalSpread + whole.startSpread + whole.proposalAlongVelocity,
                          sums.proposalSpread + sums.startSpread + sums.proposalAlongVelocity) {
            #expect(close(a, b, 1e-10))
        }
    }

    /// The device executor with its keeping-state warmup hidden: every warmup transition reads
    /// the whole batch back and the adapter learns on the host, as before the reductions.
    final class FullReads: TransitionExecutor {
        let inner: DeviceTransitionExecutor
        init(_ inner: DeviceTransitionExecutor) { self.inner = inner }
        func execute(_ request: TransitionRequest, from state: SamplerState, random: PhiloxRandom) throws -> Transition {
            try inner.execute(request, from: state, random: random)
        }
        func stream(_ stream: SamplingStream, from state: SamplerState, random: PhiloxRandom,
                    deliver: ([SampledIteration]) throws -> Bool) throws -> SamplerState {
            try inner.stream(stream, from: state, random: random, deliver: deliver)
        }
    }

    /// Whole adaptive warmups on eight schools (f64, 256 chains in 16 superchains, stray chains
    /// moved): learning from the device's reductions gives the warmup that reads every batch
    /// back — the same length, the same judgements, the step size, metric and (ChEES) trajectory
    /// length to 1e-4 — while reading back less than half the bytes; with the Fisher metric too,
    /// its gradients' moments reduced on the device. The two sum over chains in
    /// different orders (blocks of 256 on the device), and warmup feeds every rounding difference
    /// back into the next transition: measured 1e-14 apart after 120 iterations, 1.3e-7 (ChEES)
    /// and 5.9e-6 (NUTS) in the step size after these warmups' 275.
    @Test(arguments: [(SamplerKind.chees, MetricEstimator.variance), (.nuts, .variance), (.chees, .fisher)])
    func aWarmupFromReductionsIsTheWarmupFromBatches(sampler: SamplerKind, estimator: MetricEstimator) throws {
        let bound = try Support.bound("eight-schools")
        let reference = ReferenceModel(bound)
        var config = SamplerConfiguration()
        config.sampler = sampler
        config.chains = 256
        config.superchains = 16
        config.warmup = 400
        config.adaptiveWarmup = AdaptiveWarmup()
        config.draws = 10
        config.seed = 6
        config.metricEstimator = estimator
        // One transition per launch: chained ChEES groups adapt on the device, whose rounding the
        // host's adaptation does not share (`ChainedChEESWarmupTests` compares those).
        let kept = try Support.device(bound, Double.self, density: reference)
        kept.chainsWarmup = false
        let full = try Support.device(bound, Double.self, density: reference)
        let a = try Sampler.run(model: reference, configuration: config, sink: InMemoryDrawSink(), executor: kept)
        let b = try Sampler.run(model: reference, configuration: config, sink: InMemoryDrawSink(), executor: FullReads(full))
        #expect(a.warmupIterations == b.warmupIterations && a.warmupIterations < 400, "\(a.warmupIterations)")
        #expect(a.warmupReport?.checks.map(\.passed) == b.warmupReport?.checks.map(\.passed))
        #expect(close(a.adaptation.stepSizes[0], b.adaptation.stepSizes[0], 1e-4))
        let ma = a.adaptation.metric.inverseDiagonal(chain: 0, dimension: bound.dimension)
        let mb = b.adaptation.metric.inverseDiagonal(chain: 0, dimension: bound.dimension)
        for (x, y) in zip(ma, mb) { #expect(close(x, y, 1e-4)) }
        if sampler == .chees { #expect(close(a.adaptation.trajectoryLength!, b.adaptation.trajectoryLength!, 1e-4)) }
        #expect(kept.placements.device == full.placements.device)
        #expect(2 * kept.traffic.bytesFromDevice < full.traffic.bytesFromDevice,
                "\(kept.traffic.bytesFromDevice) against \(full.traffic.bytesFromDevice) bytes")
    }
}

private func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
    if a == b { return true }
    return abs(a - b) <= tolerance * max(1, abs(a))
}
