import LeapfrogCore
import LeapfrogRandom

/// Model evaluations spent: per chain (what each chain needed) and batched (every chain in
/// lockstep, the cost on a device).
public struct EvaluationCount: Sendable, Hashable {
    public var gradients: [Int]
    public var lockstep: Int

    public init(chains: Int) {
        gradients = Array(repeating: 0, count: chains)
        lockstep = 0
    }

    public init(gradients: [Int], lockstep: Int) {
        self.gradients = gradients
        self.lockstep = lockstep
    }

    public static func += (a: inout EvaluationCount, b: EvaluationCount) {
        for c in a.gradients.indices { a.gradients[c] += b.gradients[c] }
        a.lockstep += b.lockstep
    }

    /// One batched evaluation of every chain.
    public mutating func addBatchedEvaluation() {
        lockstep += 1
        for c in gradients.indices { gradients[c] += 1 }
    }
}

/// Warmup tuning of a `TransitionKernel`, driven by `Sampler.run` in this order:
///
/// 1. `start` once, after initialisation (with `search` false when there is no warmup);
/// 2. after every warmup iteration's transition, `observe`; then, when `endsWindow` says the
///    iteration closes an adaptation window, the driver checks precision and calls `endWindow`;
/// 3. `finish` after the last warmup iteration.
///
/// `adaptation` is the tuning every transition uses, read before each one.
public protocol Adapter {
    var adaptation: Adaptation { get }
    /// Sets the initial tuning at `state`; `search`: run the initial step-size heuristic.
    mutating func start(_ state: SamplerState, model: some BatchedLogDensity, random: PhiloxRandom,
                        search: Bool) throws -> EvaluationCount
    /// Learns from warmup iteration `iteration`'s transition out of `previous`.
    mutating func observe(_ transition: Transition, from previous: SamplerState, request: TransitionRequest,
                          random: PhiloxRandom)
    /// Whether `iteration` closes an adaptation window (a precision checkpoint).
    func endsWindow(_ iteration: Int) -> Bool
    /// Closes the window at `state`: a new metric, a step-size search from `state`.
    mutating func endWindow(_ state: SamplerState, model: some BatchedLogDensity, random: PhiloxRandom) throws
        -> EvaluationCount
    /// Fixes the tuning for sampling.
    mutating func finish()
}
