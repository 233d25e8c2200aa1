import LeapfrogCore
import LeapfrogDiagnostics
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

    /// One transition's gradients per chain and its batched evaluations.
    public mutating func add(_ perChain: [Int], lockstep: Int) {
        precondition(perChain.count == gradients.count, "EvaluationCount.add: \(perChain.count) chains for \(gradients.count)")
        gradients.withUnsafeMutableBufferPointer { total in
            perChain.withUnsafeBufferPointer { for c in total.indices { total[c] += $0[c] } }
        }
        self.lockstep += lockstep
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
///    iteration closes an adaptation window, the driver moves the chains `strayChains` names
///    (`StrayChainRelocation`), checks precision and calls `endWindow`;
/// 3. `finish` after the last warmup iteration (`warmupLength` − 1; the adapter may shorten
///    `warmupLength` at a window's end).
///
/// `adaptation` is the tuning every transition uses, read before each one.
public protocol Adapter {
    var adaptation: Adaptation { get }
    /// Sets the initial tuning at `state`; `search`: run the initial step-size heuristic (where
    /// `executor` runs it, else on the host over `model`).
    mutating func start(_ state: SamplerState, model: some BatchedLogDensity, executor: inout any TransitionExecutor,
                        random: PhiloxRandom, search: Bool) throws -> EvaluationCount
    /// Learns from warmup iteration `iteration`'s transition out of `previous`.
    mutating func observe(_ transition: Transition, from previous: SamplerState, request: TransitionRequest,
                          random: PhiloxRandom)
    /// Whether `iteration` closes an adaptation window (a precision checkpoint).
    func endsWindow(_ iteration: Int) -> Bool
    /// The chains to move before the window ending at `iteration` closes (their window draws then
    /// leave its estimates); the driver moves them (`SamplerState.relocate`).
    mutating func strayChains(iteration: Int, random: PhiloxRandom) -> [ChainRelocation]
    /// Closes the window that ends at `iteration`, at `state`: a new metric, a step-size search
    /// from `state`; an adaptive warmup may decide here to end sooner (`warmupLength`).
    mutating func endWindow(_ state: SamplerState, model: some BatchedLogDensity, executor: inout any TransitionExecutor,
                            random: PhiloxRandom, iteration: Int) throws -> EvaluationCount
    /// Fixes the tuning for sampling.
    mutating func finish()
    /// The warmup iterations planned now: the configuration's, or fewer once an adaptive warmup
    /// has judged the chains converged.
    var warmupLength: Int { get }
    /// The phase of `iteration` under the current plan.
    func phase(of iteration: Int) -> WarmupSchedule.Phase
    /// When and why an adaptive warmup ended; nil for a fixed warmup.
    var warmupReport: WarmupReport? { get }

    /// What `observe(reduced:...)` needs reduced from warmup iteration `iteration`'s transition
    /// when the executor keeps the state on its device (`TransitionExecutor.executeKeepingState`);
    /// nil: this adapter needs the full batches (`observe(_:from:...)`).
    func reductions(for iteration: Int) -> WarmupReductionRequest?
    /// Learns from a transition whose state stayed on the device: the same as `observe(_:from:...)`
    /// from the reductions it asked for (the window moments arrive at the window's end,
    /// `adoptWindowMoments`).
    mutating func observe(reduced: ReducedTransition, request: TransitionRequest, random: PhiloxRandom)
    /// Every chain's window moments accumulated on the device over the window that ends now,
    /// before `strayChains` and `endWindow`.
    mutating func adoptWindowMoments(_ moments: [WelfordEstimator])
    /// The iterations from `iteration` on that an executor may chain (`ChainedWarmupSpan`), or nil
    /// when the adaptation needs the host after every transition. Observing the chained
    /// transitions one by one (`observe(reduced:...)`) must leave the adapter as running them one
    /// at a time would.
    func chainedSpan(from iteration: Int) -> ChainedWarmupSpan?
}

extension Adapter {
    /// No relocation: an adapter that keeps no per-chain window estimates cannot judge.
    public mutating func strayChains(iteration: Int, random: PhiloxRandom) -> [ChainRelocation] { [] }

    /// The full batches, always.
    public func reductions(for iteration: Int) -> WarmupReductionRequest? { nil }

    public mutating func observe(reduced: ReducedTransition, request: TransitionRequest, random: PhiloxRandom) {
        preconditionFailure("observe(reduced:): this adapter asks for no reductions")
    }

    public mutating func adoptWindowMoments(_ moments: [WelfordEstimator]) {}

    /// None: one transition at a time.
    public func chainedSpan(from iteration: Int) -> ChainedWarmupSpan? { nil }
}
