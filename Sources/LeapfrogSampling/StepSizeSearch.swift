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
    }

    public static func run(_ state: SamplerState, model: some BatchedLogDensity, metric: Metric,
                           integrator: Integrator, initial: [Double], random: PhiloxRandom,
                           search: Int) throws -> Result {
        let n = state.chains, d = state.dimension
        var eps = initial
        var direction = [Int](repeating: 0, count: n)
        var done = eps.map { $0 == 0 || $0 > maximumStepSize || $0.isNaN }
        var lockstep = 0
        var gradients = [Int](repeating: 0, count: n)
        for trial in 0..<maximumTrials {
            if !done.contains(false) { break }
            let active = done.map { !$0 }
            var z = PhasePoint(position: state.positions, momentum: ChainBatch(chains: n, dimension: d),
                               logDensity: state.logDensity, gradient: state.gradient)
            metric.drawMomentum(into: &z.momentum, random: random, iteration: (search << 16) | trial,
                                purpose: .stepSizeSearch, active: active)
            let h0 = z.hamiltonian(metric: metric)
            lockstep += try integrator.step(&z, model: model, metric: metric, stepSizes: eps,
                                            active: active.allSatisfy { $0 } ? nil : active)
            let h = z.hamiltonian(metric: metric)
            for c in 0..<n where active[c] {
                gradients[c] += integrator.gradientsPerStep
                var deltaH = h0[c] - h[c]
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
