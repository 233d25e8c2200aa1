import LeapfrogCore
import LeapfrogRandom

/// Static HMC with a fixed (optionally jittered) trajectory, tuned by Stan's windowed adaptation.
public struct HMCSampler: TransitionKernel {
    public var trajectory: HMCTrajectory
    public var jitter: HMCJitter
    public var integrator: Integrator

    public init(trajectory: HMCTrajectory, jitter: HMCJitter = .none, integrator: Integrator = .leapfrog) {
        self.trajectory = trajectory
        self.jitter = jitter
        self.integrator = integrator
    }

    public func request(iteration: Int, tuning: Adaptation, random: PhiloxRandom) -> TransitionRequest {
        TransitionRequest(trajectory: .hmc(trajectory, jitter: jitter), integrator: integrator, metric: tuning.metric,
                          stepSizes: tuning.stepSizes, iteration: iteration)
    }

    public func makeAdapter(_ configuration: SamplerConfiguration, dimension: Int) -> any Adapter {
        WindowedAdapter(configuration, dimension: dimension)
    }

    public var maxTreeDepth: Int? { nil }
}
