import LeapfrogCore
import LeapfrogRandom

/// One sampling iteration of every chain as a streaming executor delivers it
/// (`TransitionExecutor.stream`): the diagnostics of every chain, and the new positions and log
/// densities when the iteration is kept (thinning drops the rest before they leave the device).
public struct SampledIteration: Sendable {
    /// The global iteration (the Philox iteration word).
    public var iteration: Int
    public var info: TransitionInfoBatch
    /// Batched evaluations the iteration took (every chain in lockstep).
    public var lockstepEvaluations: Int
    /// The chains' positions after the transition; nil when the iteration is not kept.
    public var positions: ChainBatch?
    /// The chains' log densities after the transition; nil when the iteration is not kept.
    public var logDensity: [Double]?
    /// Kept, but its values stayed on the device, where the stream's moments include them
    /// (`SamplingStream.moments`): `positions` and `logDensity` are nil.
    public var keptOnDevice: Bool

    public init(iteration: Int, info: TransitionInfoBatch, lockstepEvaluations: Int, positions: ChainBatch?,
                logDensity: [Double]?, keptOnDevice: Bool = false) {
        self.iteration = iteration
        self.info = info
        self.lockstepEvaluations = lockstepEvaluations
        self.positions = positions
        self.logDensity = logDensity
        self.keptOnDevice = keptOnDevice
    }
}

/// The iterations of a stream, as a streaming executor needs to know them in advance: sampling's
/// tuning is fixed, so every request is known before the first runs.
public struct SamplingStream {
    /// The global iterations to run, in order.
    public var iterations: Range<Int>
    /// The request of each iteration (same trajectory, integrator, metric; the iteration word and
    /// any jitter differ).
    public var request: (Int) -> TransitionRequest
    /// Whether an iteration's positions are kept (thinning).
    public var keeps: (Int) -> Bool
    /// Keep only the kept iterations' running per-chain moments, on the device when the executor
    /// can (see `MomentsOnDevice`); nil: deliver the kept iterations' values.
    public var moments: MomentsOnDevice?

    public init(iterations: Range<Int>, request: @escaping (Int) -> TransitionRequest, keeps: @escaping (Int) -> Bool,
                moments: MomentsOnDevice? = nil) {
        self.iterations = iterations
        self.request = request
        self.keeps = keeps
        self.moments = moments
    }

    /// The stream's iterations one transition at a time through `execute`: every executor's
    /// default, and the reference a streaming executor must match. `deliver` gets each iteration
    /// as soon as it ran; it returns false to stop. Returns the last transition's state.
    public func stepwise(from state: SamplerState, execute: (TransitionRequest, SamplerState) throws -> Transition,
                         deliver: ([SampledIteration]) throws -> Bool) throws -> SamplerState {
        var state = state
        for iteration in iterations {
            let transition = try execute(request(iteration), state)
            state = transition.state
            let kept = keeps(iteration)
            let sampled = SampledIteration(iteration: iteration, info: transition.info,
                                           lockstepEvaluations: transition.lockstepEvaluations,
                                           positions: kept ? state.positions : nil, logDensity: kept ? state.logDensity : nil)
            if try !deliver([sampled]) { break }
        }
        return state
    }
}
