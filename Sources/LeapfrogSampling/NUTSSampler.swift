import LeapfrogCore
import LeapfrogRandom

/// NUTS (Hoffman & Gelman 2014, with Stan's multinomial sampling and its U-turn criterion),
/// tuned by Stan's windowed adaptation.
public struct NUTSSampler: TransitionKernel {
    public var maxDepth: Int
    public var integrator: Integrator

    public init(maxDepth: Int = NUTSKernel.defaultMaxDepth, integrator: Integrator = .leapfrog) {
        self.maxDepth = maxDepth
        self.integrator = integrator
    }

    public func request(iteration: Int, tuning: Adaptation, random: PhiloxRandom) -> TransitionRequest {
        TransitionRequest(trajectory: .nuts(maxDepth: maxDepth), integrator: integrator, metric: tuning.metric,
                          stepSizes: tuning.stepSizes, iteration: iteration)
    }

    public func makeAdapter(_ configuration: SamplerConfiguration, dimension: Int) -> any Adapter {
        WindowedAdapter(configuration, dimension: dimension)
    }

    public var maxTreeDepth: Int? { maxDepth }
}
