#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore
import LeapfrogRandom

/// Stan's initial step-size heuristic (`base_hmc::init_stepsize`), for every chain at once.
///
/// From the chain's current point: draw p, take one integrator step of size ε, ΔH = H₀ − H
/// (NaN → −∞). The first trial fixes the direction (double while ΔH > log 0.8, else halve); each
/// later trial redraws p and stops the chain when ΔH crosses log 0.8. Chains in lockstep:
/// a finished chain is masked.
///
/// Random numbers: trial t of search s draws momentum from the normal stream
/// (chain, (s << 16) | t, `.stepSizeSearch`).
public enum StepSizeSearch {
    /// Stan: the acceptance level the heuristic brackets, log(0.8).
    public static let logTarget = log(0.8)
    /// Stan: "Posterior is improper. Please check your model." above this step size.
    public static let maximumStepSize = 1e7
    public static let maximumTrials = 1 << 16

    public struct Result: Sendable {
        public var stepSizes: [Double]
        public var lockstepEvaluations: Int
        public var gradientEvaluations: [Int]

        /// The searches of consecutive blocks of chains (in chain order) joined into the batch's:
        /// step sizes and gradients side by side, the lockstep cost the longest block's (the blocks
        /// search side by side). Nil when a block's search is.
        public static func joined(_ parts: [Result?]) -> Result? {
            let found = parts.compactMap { $0 }
            guard found.count == parts.count, !found.isEmpty else { return nil }
            return Result(stepSizes: found.flatMap(\.stepSizes), lockstepEvaluations: found.map(\.lockstepEvaluations).max()!,
                          gradientEvaluations: found.flatMap(\.gradientEvaluations))
        }
    }

    /// The Philox iteration word of trial `trial` of search `search`.
    public static func iteration(search: Int, trial: Int) -> Int { (search << 16) | trial }

    /// The heuristic on the host: each trial draws the momenta, takes one integrator step through
    /// `model` and compares the Hamiltonians (`run(initial:gradientsPerStep:trial:)`).
    public static func run(_ state: SamplerState, model: some BatchedLogDensity, metric: Metric,
                           integrator: Integrator, initial: [Double], random: PhiloxRandom,
                           search: Int) throws -> Result {
        let n = state.chains, d = state.dimension
        return try run(initial: initial, gradientsPerStep: integrator.gradientsPerStep) { trial, eps, active in
            var z = PhasePoint(position: state.positions, momentum: ChainBatch(chains: n, dimension: d),
                               logDensity: state.logDensity, gradient: state.gradient)
            metric.drawMomentum(into: &z.momentum, random: random, iteration: iteration(search: search, trial: trial),
                                purpose: .stepSizeSearch, active: active)
            let h0 = z.hamiltonian(metric: metric)
            let lockstep = try integrator.step(&z, model: model, metric: metric, stepSizes: eps,
                                               active: active.allSatisfy { $0 } ? nil : active)
            let h = z.hamiltonian(metric: metric)
            return (zip(h0, h).map { $0 - $1 }, lockstep)
        }
    }

    /// The heuristic over trials that `trial(t, ε, active)` runs wherever the chains are: trial
    /// t's one step of size ε_c from each active chain's point (momenta from the stream above),
    /// returning per chain ΔH = H₀ − H (NaN is read as −∞; only the active chains' are read) and
    /// the lockstep evaluations it made. A trial may return min(0, ΔH) instead (the log of the
    /// acceptance probability, what a device reads back): log 0.8 < 0, so every comparison
    /// with it decides the same.
    public static func run(initial: [Double], gradientsPerStep: Int,
                           trial: (_ number: Int, _ stepSizes: [Double], _ active: [Bool]) throws
                               -> (deltaH: [Double], lockstep: Int)) throws -> Result {
        let n = initial.count
        var eps = initial
        var direction = [Int](repeating: 0, count: n)
        var done = eps.map { $0 == 0 || $0 > maximumStepSize || $0.isNaN }
        var lockstep = 0
        var gradients = [Int](repeating: 0, count: n)
        for t in 0..<maximumTrials {
            if !done.contains(false) { break }
            let active = done.map { !$0 }
            let (changes, evaluations) = try trial(t, eps, active)
            lockstep += evaluations
            for c in 0..<n where active[c] {
                gradients[c] += gradientsPerStep
                var deltaH = changes[c]
                if deltaH.isNaN { deltaH = -.infinity }
                if direction[c] == 0 {
                    direction[c] = deltaH > logTarget ? 1 : -1
                    continue
                }
                if direction[c] == 1 && !(deltaH > logTarget) { done[c] = true; continue }
                if direction[c] == -1 && !(deltaH < logTarget) { done[c] = true; continue }
                eps[c] = direction[c] == 1 ? 2 * eps[c] : 0.5 * eps[c]
                if eps[c] > maximumStepSize {
                    throw LeapfrogError(.sampling, "chain \(c): step size search passed \(maximumStepSize); "
                                        + "the posterior looks improper — check the model for missing priors or bounds")
                }
                if eps[c] == 0 {
                    throw LeapfrogError(.sampling, "chain \(c): step size search reached 0; the log density "
                                        + "or its gradient is not finite or not smooth near the current point")
                }
            }
        }
        return Result(stepSizes: eps, lockstepEvaluations: lockstep, gradientEvaluations: gradients)
    }
}
