#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore
import LeapfrogRandom

/// Trajectory-length adaptation of ChEES-HMC: Hoffman, Radul & Sountsov (AISTATS 2021),
/// "An Adaptive-MCMC Scheme for Setting Trajectory Lengths in Hamiltonian Monte Carlo".
///
/// All chains share one trajectory length T, jittered each iteration as t = u·T with u the
/// shared jitter (`ChEESJitter`: quasi-random by default); every chain takes ⌈t/ε_c⌉ steps. After
/// each warmup iteration, with θ the chains' start points, θ′ and p′ their proposals, v′ = M⁻¹p′,
/// α the acceptance probabilities (0 for divergent chains):
///
///     g_c = t · (‖θ′_c − θ̄′‖² − ‖θ_c − θ̄‖²) · (θ′_c − θ̄′)·v′_c,   ĝ = Σ α_c g_c / Σ α_c
///
/// (θ̄′ the α-weighted mean of the proposals, θ̄ the plain mean of the starts), the gradient of
/// the ChEES criterion with respect to log T; log T takes an Adam *ascent* step (β₁ = 0,
/// β₂ = 0.95, learning rate 0.025 by default, the paper's settings; `learningRate` changes it), clipped to ±0.35 (TFP's clip, as in
/// BlackJAX `adaptation/chees_adaptation.py`). The final T is exp of a moving average of log T
/// with weight k^(−0.5) (BlackJAX `decay_rate`), clipped to [ε, 1000 ε].
///
/// The step size is dual averaging (`DualAveraging`) on an aggregate of the acceptance
/// probabilities, target 0.651 by default: the paper's harmonic mean over non-divergent
/// chains (taken in groups of at most `harmonicMeanGroup` chains, see `aggregate`), or the
/// arithmetic mean (less dominated by the worst chain), or one dual averaging per chain under
/// the shared trajectory length.
public struct ChEESAdaptation: Sendable, Hashable {
    public enum Aggregation: String, Sendable, Hashable, CaseIterable {
        case harmonicMean, arithmeticMean, perChain
    }

    /// Paper / BlackJAX constants.
    public static let defaultLearningRate = 0.025
    public static let adamBeta2 = 0.95
    public static let adamEpsilon = 1e-8
    public static let logUpdateClip = 0.35       // TFP, BlackJAX LOG_UPDATE_CLIP
    public static let decayRate = 0.5            // BlackJAX chees_adaptation default
    public static let maximumSteps = 1000.0      // BlackJAX max_leapfrog_steps
    /// The shortest T a metric update restarts the adaptation at (`metricChanged`), in the new
    /// metric's time units. An estimated metric holds the chains' marginal variances (or their
    /// covariance), so in its units every marginal has sd ≈ 1. The correlation matrix's
    /// eigenvalues average 1, so such a Gaussian's slowest direction has sd ≥ 1, and the ChEES
    /// criterion, dominated by the slowest directions, peaks at T ≥ 2 (≈ 2 for a unit Gaussian,
    /// where it is E[4d sin⁴(uT) + d sin²(2uT)]): 1 is half the shortest optimum. Without it a T
    /// carried over from a window whose step size was tiny stays below one step in the next
    /// window, where the trajectory is one step whatever T is and its gradient in log T vanishes
    /// (posteriordb's kilpisjarvi at the paper's learning rate: T stayed at 1–2 steps for all of
    /// warmup and the chains never reached the posterior; docs/benchmarks.md).
    public static let restartTrajectoryLength = 1.0
    /// The most an adaptive warmup raises Adam's learning rate to while the chains travel
    /// (`followJudgement`, `ChEESAdapter`): the fixed rate at which the four posteriordb
    /// regressions that the paper's 0.025 left unmixed after 500 iterations mixed, where 0.5 let T
    /// overshoot on kilpisjarvi (docs/benchmarks.md).
    public static let transitLearningRate = 0.1
    /// The most chains one harmonic mean of acceptance probabilities is taken over (`aggregate`):
    /// the largest batch at which the paper's statistic was measured best on the BNN, 1,024
    /// chains (docs/benchmarks.md, "Which metric for the BNN").
    public static let harmonicMeanGroup = 1024

    public private(set) var logTrajectoryLength: Double
    public private(set) var logTrajectoryLengthAverage = 0.0
    public private(set) var adamSecondMoment = 0.0
    public private(set) var step = 0
    /// Adam's learning rate on log T (the paper's 0.025 by default; the samplers issue tuned
    /// BlackJAX to 0.5 on the BNN, where 200 warmup iterations at 0.025 leave T short).
    public private(set) var learningRate: Double

    public init(trajectoryLength: Double, learningRate: Double = ChEESAdaptation.defaultLearningRate) {
        precondition(learningRate > 0 && learningRate.isFinite, "ChEESAdaptation: learning rate must be positive")
        self.learningRate = learningRate
        logTrajectoryLength = log(trajectoryLength)
        logTrajectoryLengthAverage = logTrajectoryLength
    }

    public var trajectoryLength: Double { exp(logTrajectoryLength) }

    /// The final trajectory length for sampling, clipped to [ε, 1000 ε].
    public func finalTrajectoryLength(stepSize: Double) -> Double {
        min(max(exp(logTrajectoryLengthAverage), stepSize), Self.maximumSteps * stepSize)
    }

    /// Aggregates acceptance probabilities for the step-size update (nil for `.perChain`).
    ///
    /// `.harmonicMean` splits the chains into ⌈n / G⌉ consecutive groups of near-equal size
    /// (G = `harmonicMeanGroup`), takes the harmonic mean of each group's finite, non-divergent
    /// chains (0 for a group with none) and returns their arithmetic mean; up to G chains it is
    /// the paper's harmonic mean. The groups keep the statistic from falling as chains are
    /// added: the harmonic mean of n draws of α estimates 1/E[1/α], which is infinite when α has
    /// density at 0 (a few chains in hard regions), so over one group of n chains it keeps
    /// falling, like 1/log n for uniform α, and the adapted step with it (4,096 chains on the
    /// BNN: a 16 % smaller step and a third less lp ESS per gradient than 1,024). A mean over
    /// groups of a fixed size has the expectation of one group, whatever the chain count.
    public static func aggregate(_ alpha: [Double], divergent: [Bool], _ how: Aggregation) -> Double? {
        switch how {
        case .perChain: return nil
        case .arithmeticMean:
            return alpha.isEmpty ? 0 : alpha.map { $0.isFinite ? $0 : 0 }.reduce(0, +) / Double(alpha.count)
        case .harmonicMean:
            let groups = max(1, (alpha.count + harmonicMeanGroup - 1) / harmonicMeanGroup)
            var sum = 0.0
            for g in 0..<groups {
                let range = (g * alpha.count / groups)..<((g + 1) * alpha.count / groups)
                sum += harmonicMean(alpha[range], divergent: divergent[range])
            }
            return sum / Double(groups)
        }
    }

    /// The harmonic mean of the finite, non-divergent α (0 when there are none).
    private static func harmonicMean(_ alpha: ArraySlice<Double>, divergent: ArraySlice<Bool>) -> Double {
        let ok = zip(alpha, divergent).filter { !$0.1 && $0.0.isFinite }.map { $0.0 }
        guard !ok.isEmpty else { return 0 }
        let h = 1 / (ok.reduce(0) { $0 + 1 / $1 } / Double(ok.count))
        return h.isFinite ? h : 0
    }

    /// Restarts the adaptation after a metric update, carrying T over rescaled (Leapfrog's
    /// heuristic, not in the paper, which has no metric windows): T tracks the slowest
    /// direction, whose period scales with √(M⁻¹ before / M⁻¹ after); T is multiplied by the
    /// smallest such ratio over the diagonal, and restarts at no less than
    /// `restartTrajectoryLength`. Adam's moment and the moving average restart.
    public mutating func metricChanged(from old: Metric, to new: Metric, dimension d: Int) {
        let a = old.inverseDiagonal(chain: 0, dimension: d), b = new.inverseDiagonal(chain: 0, dimension: d)
        let ratio = zip(a, b).map { $0.0 / $0.1 }.filter { $0.isFinite && $0 > 0 }.min() ?? 1
        logTrajectoryLength = max(logTrajectoryLength + 0.5 * log(ratio), log(Self.restartTrajectoryLength))
        logTrajectoryLengthAverage = logTrajectoryLength
        adamSecondMoment = 0
        step = 0
    }

    /// Sets the learning rate for the window after an adaptive warmup's judgement (`ChEESAdapter`):
    /// while the chains are `travelling`, twice the current rate, up to `max(base,
    /// transitLearningRate)`; once they have arrived, the configured `base`.
    public mutating func followJudgement(travelling: Bool, base: Double) {
        learningRate = travelling ? min(2 * learningRate, max(base, Self.transitLearningRate)) : base
    }

    /// The ChEES criterion's gradient in log T (Hoffman, Radul & Sountsov 2021) from the
    /// per-chain `sums`, weighted by the acceptance probabilities `weights`: t · G with t the
    /// jittered trajectory time and G the mean gradient term (`meanGradient`).
    static func gradient(_ sums: ChEESSums, weights w: [Double], time t: Double) -> Double {
        t * meanGradient(sums, weights: w)
    }

    /// G = Σ_c w_c (‖x'_c − x̄'‖² − ‖x_c − x̄‖²) ⟨x'_c − x̄', v_c⟩ / Σ w (0 when Σ w is 0):
    /// non-finite terms are left out; chains are added in order. The twin of the sums in
    /// Kernels/warmup.cl's `lf_chees_adapt` (in the same order on a CPU device).
    public static func meanGradient(_ sums: ChEESSums, weights w: [Double]) -> Double {
        var num = 0.0, wSum = 0.0
        for c in w.indices {
            wSum += w[c]
            guard w[c] > 0 else { continue }
            let term = (sums.proposalSpread[c] - sums.startSpread[c]) * sums.proposalAlongVelocity[c]
            if term.isFinite { num += w[c] * term }
        }
        return wSum > 0 ? num / wSum : 0
    }

    /// The gradient from the chains' starts, proposals and the proposals' velocity M⁻¹p
    /// (`sums`, then `gradient(_:weights:time:)`); 0 when Σ w is 0.
    static func gradient(starts: ChainBatch, proposal: ChainBatch, velocity: ChainBatch, weights w: [Double],
                         time t: Double) -> Double {
        guard w.reduce(0, +) > 0 else { return 0 }
        return gradient(sums(starts: starts, proposal: proposal, velocity: velocity, weights: w), weights: w, time: t)
    }

    /// The per-chain sums of the gradient (the host twin of Kernels/warmup.cl's `lf_chees_*`),
    /// with x̄' the w-weighted mean of the proposals and x̄ the plain mean of the starts (both
    /// summed over chains in order): `sums(starts:proposal:velocity:about:)` about
    /// `partialMeans(starts:proposal:weights:)`. Call with Σ w > 0.
    public static func sums(starts: ChainBatch, proposal: ChainBatch, velocity: ChainBatch, weights w: [Double]) -> ChEESSums {
        sums(starts: starts, proposal: proposal, velocity: velocity,
             about: partialMeans(starts: starts, proposal: proposal, weights: w))
    }

    /// Σ_c w_c x'_c and Σ_c x_c per coordinate, summed over chains in order, Σ w and the chain
    /// count (the twin of `lf_chees_partial_means` over one block): what a shard of a split batch
    /// contributes to the batch's means (`ChEESPartialMeans.joined`).
    public static func partialMeans(starts: ChainBatch, proposal: ChainBatch, weights w: [Double]) -> ChEESPartialMeans {
        let n = starts.chains, d = starts.dimension
        var weighted = [Double](repeating: 0, count: d), start = [Double](repeating: 0, count: d)
        for i in 0..<d {
            for c in 0..<n {
                weighted[i] += w[c] * proposal.values[i * n + c]
                start[i] += starts.values[i * n + c]
            }
        }
        return ChEESPartialMeans(weightedProposal: weighted, start: start, weight: w.reduce(0, +), chains: n)
    }

    /// Each chain's sums about the means of `means` (this batch's own, or a whole split batch's).
    ///
    /// The per-chain sums run coordinate-outer, so that every pass reads the chain-fastest
    /// batches in order (chain-outer strides by the chain count: at 65,536 chains that loop was
    /// 30 % of a warmup's host time), over the cores for large batches (`ChainRanges`). Each
    /// chain's sums keep the order i = 0..<d, so the result does not depend on the cores.
    public static func sums(starts: ChainBatch, proposal: ChainBatch, velocity: ChainBatch,
                            about means: ChEESPartialMeans) -> ChEESSums {
        let n = starts.chains, d = starts.dimension
        let meanProposal = means.proposalMean, meanStart = means.startMean
        // sums[c], sums[n + c], sums[2n + c]: chain c's Σ a², Σ b², Σ a·v.
        var sums = [Double](repeating: 0, count: 3 * n)
        let x1 = proposal.values, x0 = starts.values, v = velocity.values
        sums.withUnsafeMutableBufferPointer { sums in
            ChainRanges.forEach(n, parallel: ChainRanges.worthParallel(chains: n, perChain: d)) { range in
                for i in 0..<d {
                    let base = i * n, mp = meanProposal[i], ms = meanStart[i]
                    for c in range {
                        let a = x1[base + c] - mp, b = x0[base + c] - ms
                        sums[c] += a * a; sums[n + c] += b * b; sums[2 * n + c] += a * v[base + c]
                    }
                }
            }
        }
        return ChEESSums(proposalSpread: Array(sums[0..<n]), startSpread: Array(sums[n..<(2 * n)]),
                    proposalAlongVelocity: Array(sums[(2 * n)...]))
    }

    /// The weights of the chains in the gradient: the acceptance probability, 0 for a divergent
    /// chain or a non-finite probability.
    static func weights(acceptance: [Double], divergent: [Bool]) -> [Double] {
        acceptance.indices.map { divergent[$0] || !acceptance[$0].isFinite ? 0 : acceptance[$0] }
    }

    /// One Adam ascent step on log T from an iteration's starts and proposals.
    public mutating func update(starts: ChainBatch, proposal: Proposal, metric: Metric, acceptance: [Double],
                                divergent: [Bool], jitter u: Double, stepSize: Double) {
        let w = Self.weights(acceptance: acceptance, divergent: divergent)
        ascend(Self.gradient(starts: starts, proposal: proposal.position, velocity: metric.velocity(proposal.momentum),
                             weights: w, time: u * trajectoryLength), stepSize: stepSize)
    }

    /// One Adam ascent step on log T from the per-chain sums a device reduced
    /// (`WarmupReductionRequest.cheesSums`): the same step as `update(starts:...)` on those sums.
    public mutating func update(sums: ChEESSums, acceptance: [Double], divergent: [Bool], jitter u: Double, stepSize: Double) {
        let w = Self.weights(acceptance: acceptance, divergent: divergent)
        ascend(Self.gradient(sums, weights: w, time: u * trajectoryLength), stepSize: stepSize)
    }

    /// One Adam ascent step on log T from the mean gradient term G a device computed
    /// (`ChEESTransitionRecord.meanGradient`): the gradient t · G with t = u · T.
    public mutating func update(meanGradient: Double, jitter u: Double, stepSize: Double) {
        ascend(u * trajectoryLength * meanGradient, stepSize: stepSize)
    }

    /// The state a device continues over a chained group (`ChEESAdaptationState`), with the
    /// shared step size's dual averaging `averaging` (its `parameters`), the step size the next
    /// transition uses and the aggregation of the acceptance probabilities (not `.perChain`).
    public func deviceState(averaging: DualAveraging, parameters: DualAveraging.Parameters, stepSize: Double,
                            aggregation: Aggregation) -> ChEESAdaptationState {
        precondition(aggregation != .perChain, "ChEESAdaptation.deviceState: one step size per chain")
        return ChEESAdaptationState(
            counter: averaging.counter, errorMean: averaging.sBar, mu: averaging.mu, stepSize: stepSize,
            target: parameters.target, gamma: parameters.gamma, t0: parameters.t0,
            logLength: logTrajectoryLength, secondMoment: adamSecondMoment, step: step,
            logLengthAverage: logTrajectoryLengthAverage, learningRate: learningRate,
            beta2: Self.adamBeta2, epsilon: Self.adamEpsilon, clip: Self.logUpdateClip, maximumSteps: Self.maximumSteps,
            decayRate: Self.decayRate, harmonicGroup: aggregation == .harmonicMean ? Self.harmonicMeanGroup : nil)
    }

    /// Adam's step on log T with `gradient`, the cap at 1000 ε and the moving average.
    private mutating func ascend(_ gradient: Double, stepSize: Double) {
        step += 1
        // Adam with β₁ = 0: m = g; v̂ bias-corrected.
        adamSecondMoment = Self.adamBeta2 * adamSecondMoment + (1 - Self.adamBeta2) * gradient * gradient
        let vHat = adamSecondMoment / (1 - pow(Self.adamBeta2, Double(step)))
        var delta = learningRate * gradient / (vHat.squareRoot() + Self.adamEpsilon)
        delta = min(max(delta, -Self.logUpdateClip), Self.logUpdateClip)
        if delta.isFinite { logTrajectoryLength += delta }
        // Cap T at 1000 ε while adapting. No lower clip here: right after a step-size restart dual
        // averaging probes ε ≈ 10 ε₀, and clipping T up to it would undo the adaptation (the
        // kernel takes at least one step anyway).
        logTrajectoryLength = min(logTrajectoryLength, log(Self.maximumSteps * stepSize))
        let weight = pow(Double(step), -Self.decayRate)
        logTrajectoryLengthAverage = (1 - weight) * logTrajectoryLengthAverage + weight * logTrajectoryLength
    }
}
