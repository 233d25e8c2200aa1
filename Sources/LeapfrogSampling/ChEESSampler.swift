import LeapfrogCore
import LeapfrogRandom

/// ChEES-HMC (Hoffman, Radul & Sountsov 2021): HMC whose shared trajectory length, jittered each
/// iteration by a shared u ∈ (0, 1] (`ChEESJitter`), is learnt during warmup by `ChEESAdapter`.
public struct ChEESSampler: TransitionKernel {
    public var integrator: Integrator
    public var jitter: ChEESJitter

    public init(integrator: Integrator = .leapfrog, jitter: ChEESJitter = .halton) {
        self.integrator = integrator
        self.jitter = jitter
    }

    public func request(iteration: Int, tuning: Adaptation, random: PhiloxRandom) -> TransitionRequest {
        guard let length = tuning.trajectoryLength else {
            preconditionFailure("ChEESSampler: the tuning has no trajectory length (not made by ChEESAdapter)")
        }
        let time = jitter.value(random: random, iteration: iteration) * length
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
