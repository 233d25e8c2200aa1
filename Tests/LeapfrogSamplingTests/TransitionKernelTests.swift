import Testing
import LeapfrogCore
import LeapfrogRandom
@testable import LeapfrogSampling

/// The run layer's plug-in points: a sampler written outside the library (a `TransitionKernel`)
/// and an executor other than the host reference (`TransitionExecutor`) plug into `Sampler.run`.
@Suite struct TransitionKernelTests {
    /// MALA as a plug-in: HMC with one leapfrog step per transition, tuned by Stan's windows.
    struct OneStepHMC: TransitionKernel {
        func request(iteration: Int, tuning: Adaptation, random: PhiloxRandom) -> TransitionRequest {
            TransitionRequest(trajectory: .hmc(.steps(1), jitter: .none), integrator: .leapfrog, metric: tuning.metric,
                              stepSizes: tuning.stepSizes, iteration: iteration)
        }
        func makeAdapter(_ configuration: SamplerConfiguration, dimension: Int) -> any Adapter {
            WindowedAdapter(configuration, dimension: dimension)
        }
        var maxTreeDepth: Int? { nil }
    }

    /// Counts the transitions it runs and hands them to the host reference.
    final class CountingExecutor<Model: BatchedLogDensity>: TransitionExecutor {
        var host: HostTransitionExecutor<Model>
        var requests: [TransitionRequest] = []
        init(model: Model) { host = HostTransitionExecutor(model: model) }
        func execute(_ request: TransitionRequest, from state: SamplerState, random: PhiloxRandom) throws -> Transition {
            requests.append(request)
            return try host.execute(request, from: state, random: random)
        }
    }

    @Test func aKernelFromOutsideTheLibrarySamplesItsTarget() throws {
        let model = DiagonalGaussian.illConditioned(dimension: 4)
        var config = SamplerConfiguration()
        config.chains = 32; config.warmup = 400; config.draws = 400; config.seed = 11
        let sink = InMemoryDrawSink()
        let result = try Sampler.run(model: model, configuration: config, sink: sink, kernel: OneStepHMC())
        // Langevin moves are short: thin by 8 so the chain-mean MCSE has room to be honest.
        let thinned = sink.positions.map { chain in chain.enumerated().filter { $0.offset % 8 == 0 }.map(\.element) }
        expectMoments(thinned, mean: model.mean, variance: model.sd.map { $0 * $0 }, label: "one-step HMC")
        #expect(sink.info.allSatisfy { $0.allSatisfy { $0.leapfrogSteps == 1 } })
        #expect(result.adaptation.trajectoryLength == nil)
    }

    @Test func anotherExecutorRunsEveryTransitionAndMakesTheSameDraws() throws {
        let model = DiagonalGaussian.illConditioned(dimension: 3)
        for sampler in SamplerKind.allCases {
            var config = SamplerConfiguration()
            config.sampler = sampler; config.chains = 4; config.warmup = 60; config.draws = 20; config.seed = 5
            let reference = InMemoryDrawSink(), counted = InMemoryDrawSink()
            let executor = CountingExecutor(model: model)
            _ = try Sampler.run(model: model, configuration: config, sink: reference)
            _ = try Sampler.run(model: model, configuration: config, sink: counted, executor: executor)
            #expect(counted.positions == reference.positions, "\(sampler)")
            #expect(executor.requests.map(\.iteration) == Array(0..<80), "\(sampler)")
            switch (sampler, executor.requests[0].trajectory) {
            case (.nuts, .nuts(let depth)): #expect(depth == config.maxDepth)
            case (.hmc, .hmc(.steps(20), .none)), (.chees, .hmc(.time, .none)): break
            default: Issue.record("\(sampler) asked for \(executor.requests[0].trajectory)")
            }
        }
    }
}
