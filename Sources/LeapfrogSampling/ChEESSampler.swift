import LeapfrogCore
import LeapfrogRandom

/// ChEES-HMC (Hoffman, Radul & Sountsov 2021): HMC whose shared trajectory length, jittered each
/// iteration by the shared uniform (`ChEESAdaptation.jitter`), is learnt during warmup by
/// `ChEESAdapter`.
public struct ChEESSampler: TransitionKernel {
    public var integrator: Integrator

    public init(integrator: Integrator = .leapfrog) { self.integrator = integrator }

    public func request(iteration: Int, tuning: Adaptation, random: PhiloxRandom) -> TransitionRequest {
        guard let length = tuning.trajectoryLength else {
            preconditionFailure("ChEESSampler: the tuning has no trajectory length (not made by ChEESAdapter)")
        }
        let time = ChEESAdaptation.jitter(random: random, iteration: iteration) * length
        var request = TransitionRequest(trajectory: .hmc(.time(time), jitter: .none), integrator: integrator,
                                        metric: tuning.metric, stepSizes: tuning.stepSizes, iteration: iteration)
        request.returnsProposal = true
        return request
    }

    public func makeAdapter(_ configuration: SamplerConfiguration, dimension: Int) -> any Adapter {
        ChEESAdapter(configuration, dimension: dimension)
    }

    public var maxTreeDepth: Int? { nil }
}
