import LeapfrogCore
import LeapfrogRandom

/// Runs `TransitionRequest`s: moves every chain of a batch one transition.
///
/// `HostTransitionExecutor` is the reference: it integrates on the host and calls the model once
/// per integrator step. A back end that can run whole trajectories on its device provides its
/// own executor; it must make the same transitions for the same request and seed (up to its
/// floating-point precision).
public protocol TransitionExecutor {
    mutating func execute(_ request: TransitionRequest, from state: SamplerState, random: PhiloxRandom) throws -> Transition

    /// Runs the sampling phase's iterations (fixed tuning, so every request is known in advance)
    /// and hands them to `deliver` in order, in groups of one or more; `deliver` returns false to
    /// stop (iterations already run past that point are dropped). Returns the state the executor
    /// ended in: the last delivered iteration's, or up to a few groups beyond it after a stop.
    ///
    /// Default: `SamplingStream.stepwise`, one `execute` per iteration. A device executor may run
    /// many iterations per round trip instead, and must make the same transitions.
    mutating func stream(_ stream: SamplingStream, from state: SamplerState, random: PhiloxRandom,
                         deliver: ([SampledIteration]) throws -> Bool) throws -> SamplerState

    /// A warmup transition that keeps the state where the trajectories run (a device), from
    /// `state` or, when nil, from the state it holds; the statistics `reductions` asks for are
    /// computed there (each the twin of a host computation: `WarmupReductionRequest`). Returns nil
    /// when this request cannot run so (the caller then fetches `heldState` and calls `execute`).
    ///
    /// Default: nil (the host has the state anyway).
    mutating func executeKeepingState(_ request: TransitionRequest, from state: SamplerState?,
                                      reductions: WarmupReductionRequest, random: PhiloxRandom) throws -> ReducedTransition?
    /// Warmup transitions from `request` (its iteration on, at most up to `span.last`) run back to
    /// back where the state is kept, each chain adapting its step size by its dual averaging after
    /// every transition (`span`): what as many `executeKeepingState` calls would give with the step
    /// sizes the adapter's dual averaging sets between them (to rounding). How many: `count` when
    /// given (a sharded executor's agreed group, at most what `chainedGroupSize` said), else the
    /// executor's choice (at least one); nil when it cannot (the caller then runs one at a time).
    ///
    /// Default: nil.
    mutating func executeChained(_ request: TransitionRequest, span: ChainedWarmupSpan, count: Int?,
                                 from state: SamplerState?, random: PhiloxRandom) throws -> [ReducedTransition]?
    /// How many transitions `executeChained` would run next for `request` left to its choice; nil
    /// when it would return nil. Executors that run a batch's chains in shards ask every shard and
    /// run the smallest answer everywhere, so that the shards stay at one iteration.
    ///
    /// Default: nil.
    mutating func chainedGroupSize(_ request: TransitionRequest, span: ChainedWarmupSpan) throws -> Int?
    /// The state the last `executeKeepingState` left (one read).
    mutating func heldState() throws -> SamplerState
    /// Every chain's window moments that `executeKeepingState` accumulated since the last call
    /// (then forgotten); nil when none were.
    mutating func takeWindowMoments() throws -> [WelfordEstimator]?
    /// ChEES's per-chain sums about a split batch's means `means` (every shard's
    /// `ChEESPartialMeans` joined) for the transition the last `executeKeepingState` ran with
    /// `WarmupReductionRequest.cheesPartialMeans`: the twin of `ChEESAdaptation.sums(starts:
    /// proposal:velocity:about:)` on the starts and proposals this executor kept.
    ///
    /// Default: nil (an executor that never returns partial means).
    mutating func cheesSums(about means: ChEESPartialMeans) throws -> ChEESSums?
    /// Stan's step-size heuristic from `state` (search number `search`, `StepSizeSearch`) with
    /// its trials run where the transitions run: what `StepSizeSearch.run` gives on the host
    /// (to rounding). Each chain's search is its own (its trials, its Philox stream), so
    /// executors that run a batch in blocks search each block where it runs. Nil when this
    /// executor would not (the caller then runs it on the host over the batch's density).
    ///
    /// Default: nil.
    mutating func searchStepSizes(_ state: SamplerState, metric: Metric, integrator: Integrator, initial: [Double],
                                  random: PhiloxRandom, search: Int) throws -> StepSizeSearch.Result?
    /// Makes ready what the transitions of `integrator` will run on (a device's programs, with
    /// the warmup's reductions when `warmup`), so that the run's clock does not count it and a
    /// program that cannot be made is reported before the first iteration, as the density's are.
    ///
    /// Default: nothing (the host needs nothing made).
    mutating func prepare(integrator: Integrator, warmup: Bool) throws
    /// Whether transitions of `integrator` run on a device, as far as is known once `prepare` has
    /// made its programs (a diagonal or unit metric; a failed precision check may still move them
    /// to the host later): the run's memory check counts NUTS's trees on the host unless they do.
    ///
    /// Default: false (the host).
    func runsOnDevice(_ integrator: Integrator) -> Bool
}

extension TransitionExecutor {
    public mutating func executeKeepingState(_ request: TransitionRequest, from state: SamplerState?,
                                             reductions: WarmupReductionRequest, random: PhiloxRandom) throws -> ReducedTransition? {
        nil
    }

    public mutating func executeChained(_ request: TransitionRequest, span: ChainedWarmupSpan, count: Int?,
                                        from state: SamplerState?, random: PhiloxRandom) throws -> [ReducedTransition]? {
        nil
    }

    public mutating func chainedGroupSize(_ request: TransitionRequest, span: ChainedWarmupSpan) throws -> Int? { nil }

    public mutating func heldState() throws -> SamplerState {
        preconditionFailure("heldState: this executor keeps no state (executeKeepingState returned nil)")
    }

    public mutating func takeWindowMoments() throws -> [WelfordEstimator]? { nil }

    public mutating func cheesSums(about means: ChEESPartialMeans) throws -> ChEESSums? { nil }

    public mutating func searchStepSizes(_ state: SamplerState, metric: Metric, integrator: Integrator, initial: [Double],
                                         random: PhiloxRandom, search: Int) throws -> StepSizeSearch.Result? { nil }

    public mutating func prepare(integrator: Integrator, warmup: Bool) throws {}

    public func runsOnDevice(_ integrator: Integrator) -> Bool { false }

    public mutating func stream(_ stream: SamplingStream, from state: SamplerState, random: PhiloxRandom,
                                deliver: ([SampledIteration]) throws -> Bool) throws -> SamplerState {
        try stream.stepwise(from: state, execute: { try execute($0, from: $1, random: random) }, deliver: deliver)
    }
}

/// The reference executor: `NUTSKernel` or `HMCKernel` on the host over a `BatchedLogDensity`,
/// one blocking evaluation of the batch per integrator step.
public struct HostTransitionExecutor<Model: BatchedLogDensity>: TransitionExecutor {
    public let model: Model
    /// NUTS's per-run scratch buffers, reused across transitions.
    private var workspace = NUTSWorkspace()

    public init(model: Model) { self.model = model }

    public mutating func execute(_ request: TransitionRequest, from state: SamplerState,
                                 random: PhiloxRandom) throws -> Transition {
        switch request.trajectory {
        case .nuts(let maxDepth):
            return try NUTSKernel(maxDepth: maxDepth, integrator: request.integrator)
                .transition(state, model: model, metric: request.metric, stepSizes: request.stepSizes,
                            random: random, iteration: request.iteration, workspace: &workspace)
        case .hmc(let trajectory, let jitter):
            return try HMCKernel(trajectory: trajectory, jitter: jitter, integrator: request.integrator)
                .transition(state, model: model, metric: request.metric, stepSizes: request.stepSizes,
                            random: random, iteration: request.iteration)
        }
    }

    /// The heuristic over this executor's model (`StepSizeSearch.run`): what a block of chains
    /// needs when its shard is this executor.
    public mutating func searchStepSizes(_ state: SamplerState, metric: Metric, integrator: Integrator, initial: [Double],
                                         random: PhiloxRandom, search: Int) throws -> StepSizeSearch.Result? {
        try StepSizeSearch.run(state, model: model, metric: metric, integrator: integrator, initial: initial,
                               random: random, search: search)
    }
}
