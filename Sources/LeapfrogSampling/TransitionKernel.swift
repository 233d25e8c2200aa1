import LeapfrogCore
import LeapfrogRandom

/// A sampler as the driver (`Sampler.run`) sees it: which transition each iteration runs under
/// the current tuning, and which adapter tunes it during warmup. Conformers are small values;
/// the work is done by a `TransitionExecutor`.
///
/// A new sampler is one file (a conforming type) plus one line in `SamplerKind.kernel(_:)`.
public protocol TransitionKernel: Sendable {
    /// The transition of `iteration` under `tuning`.
    func request(iteration: Int, tuning: Adaptation, random: PhiloxRandom) -> TransitionRequest
    /// The warmup adapter for this kernel, for a model of `dimension` parameters.
    func makeAdapter(_ configuration: SamplerConfiguration, dimension: Int) -> any Adapter
    /// NUTS's depth limit, for the tree-depth saturation count; nil for fixed trajectories.
    var maxTreeDepth: Int? { get }
}

extension SamplerKind {
    /// The registration of every sampler: the kernel `configuration` asks for.
    public func kernel(_ configuration: SamplerConfiguration) -> any TransitionKernel {
        switch self {
        case .nuts: return NUTSSampler(maxDepth: configuration.maxDepth, integrator: configuration.integrator)
        case .hmc: return HMCSampler(trajectory: configuration.hmcTrajectory, jitter: configuration.hmcJitter,
                                     integrator: configuration.integrator)
        case .chees: return ChEESSampler(integrator: configuration.integrator, jitter: configuration.cheesJitter)
        }
    }
}
