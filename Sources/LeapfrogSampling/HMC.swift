#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore
import LeapfrogRandom

/// How long an HMC trajectory is.
public enum HMCTrajectory: Sendable, Hashable {
    /// A fixed number of integrator steps.
    case steps(Int)
    /// A fixed integration time T: ⌈T/ε⌉ steps (at least 1) for the chain's step size ε.
    case time(Double)
}

/// Randomisation of an HMC trajectory (Neal 2011, §5.4.2.2), from Philox purpose `.jitter`,
/// uniform element 0 of the stream (chain, iteration, .jitter).
public enum HMCJitter: Sendable, Hashable {
    case none
    /// ε' = ε·(1 + j·(2u − 1)): uniform on ε(1 ± j). Needs 0 ≤ j < 1.
    case stepSize(Double)
    /// L' = max(1, round(L·(1 + j·(2u − 1)))): the step count uniform-ish on L(1 ± j).
    case steps(Double)
}

/// Hamiltonian Monte Carlo with a Metropolis correction, for a batch of chains in lockstep.
///
/// Sources: Neal (2011) "MCMC using Hamiltonian dynamics"; BlackJAX `mcmc/hmc.py` (state apart
/// from info, parameters per call). Each chain: draw p ~ N(0, M) (purpose `.momentum`), integrate
/// L steps, accept with probability min(1, exp(H₀ − H₁)) by u < that (purpose `.acceptance`,
/// element 0). Chains whose trajectories are shorter stop (masked) while others go on; a chain
/// whose log density becomes non-finite stops integrating and is divergent and rejected.
public struct HMCKernel: Sendable {
    public var integrator: Integrator
    public var trajectory: HMCTrajectory
    public var jitter: HMCJitter

    public init(trajectory: HMCTrajectory, jitter: HMCJitter = .none, integrator: Integrator = .leapfrog) {
        self.trajectory = trajectory
        self.jitter = jitter
        self.integrator = integrator
    }

    /// Steps and step size of chain `c` at `iteration`, after jitter.
    public func trajectoryShape(stepSize: Double, chain c: Int, iteration: Int, random: PhiloxRandom)
        -> (steps: Int, stepSize: Double) {
        var eps = stepSize
        var jitterSteps = 1.0
        switch jitter {
        case .none: break
        case .stepSize(let j):
            let u = random.uniform(chain: c, iteration: iteration, purpose: .jitter)
            eps *= 1 + j * (2 * u - 1)
        case .steps(let j):
            let u = random.uniform(chain: c, iteration: iteration, purpose: .jitter)
            jitterSteps = 1 + j * (2 * u - 1)
        }
        let base: Double
        switch trajectory {
        case .steps(let l): base = Double(l)
        case .time(let t): base = (t / eps).rounded(.up)
        }
        // A time far longer than the step size (an integration time of 1e308, a step size adapted
        // towards 0) is capped at `maxSteps`, as NUTS's depth caps its trajectories, rather than
        // overflowing the step count.
        let steps = (base * jitterSteps).rounded()
        let l = steps.isNaN ? 1 : max(1, Int(min(steps, Double(Self.maxSteps))))
        return (l, eps)
    }

    /// The most leapfrog steps one trajectory takes: 2²⁰, a thousand times NUTS's default
    /// deepest tree (2¹⁰ − 1 steps).
    public static let maxSteps = 1 << 20

    public func transition(_ state: SamplerState, model: some BatchedLogDensity, metric: Metric,
                           stepSizes: [Double], random: PhiloxRandom, iteration: Int) throws -> Transition {
        let n = state.chains, d = state.dimension
        precondition(stepSizes.count == n, "HMCKernel: \(stepSizes.count) step sizes for \(n) chains")
        var shapes = (0..<n).map { trajectoryShape(stepSize: stepSizes[$0], chain: $0, iteration: iteration, random: random) }
        var z = PhasePoint(position: state.positions, momentum: ChainBatch(chains: n, dimension: d),
                           logDensity: state.logDensity, gradient: state.gradient)
        metric.drawMomentum(into: &z.momentum, random: random, iteration: iteration)
        let h0 = z.hamiltonian(metric: metric)
        let eps = shapes.map { $0.stepSize }
        var taken = [Int](repeating: 0, count: n)
        var broken = [Bool](repeating: false, count: n)
        var lockstep = 0
        while true {
            let active = (0..<n).map { taken[$0] < shapes[$0].steps && !broken[$0] }
            if !active.contains(true) { break }
            lockstep += try integrator.step(&z, model: model, metric: metric, stepSizes: eps,
                                            active: active.allSatisfy { $0 } ? nil : active)
            for c in 0..<n where active[c] {
                taken[c] += 1
                if !z.logDensity[c].isFinite { broken[c] = true }
            }
        }
        shapes = shapes.enumerated().map { (taken[$0.offset], $0.element.stepSize) }
        let h1 = z.hamiltonian(metric: metric)
        var next = state
        var info = [TransitionInfo]()
        info.reserveCapacity(n)
        for c in 0..<n {
            var deltaH = h1[c] - h0[c]
            if deltaH.isNaN || broken[c] { deltaH = .infinity }
            let acceptProbability = deltaH <= 0 ? 1 : exp(-deltaH)
            let u = random.uniform(chain: c, iteration: iteration, purpose: .acceptance)
            let accepted = u < acceptProbability
            if accepted {
                for i in 0..<d {
                    next.positions.values[i * n + c] = z.position.values[i * n + c]
                    next.gradient.values[i * n + c] = z.gradient.values[i * n + c]
                }
                next.logDensity[c] = z.logDensity[c]
            }
            info.append(TransitionInfo(
                acceptanceStatistic: acceptProbability, accepted: accepted,
                divergent: deltaH > Divergence.threshold, energy: accepted ? h1[c] : h0[c],
                stepSize: eps[c], treeDepth: 0, leapfrogSteps: taken[c],
                gradientEvaluations: taken[c] * integrator.gradientsPerStep))
        }
        return Transition(state: next, info: TransitionInfoBatch(info), lockstepEvaluations: lockstep,
                          proposal: Proposal(position: z.position, momentum: z.momentum))
    }
}
