import LeapfrogCore

/// Settings of an ADVI fit; the CLI's `variational` flags map onto these one to one.
public struct ADVIConfiguration: Sendable, Hashable {
    public var family: GaussianFamily.Kind = .meanField
    /// r, the low-rank family's factor columns; nil: `GaussianFamily.defaultRank(dimension:)`.
    public var rank: Int?
    /// M: Monte-Carlo draws per iteration for the gradient and ELBO estimate, shared by the K
    /// restarts (common random numbers, `ADVI`). Stan's `grad_samples` default is 1; here all M·K
    /// points are one batched evaluation, but the host's work (θ = μ + Lε, the ELBO gradient) grows
    /// with M·K·d: on the numpyro BNN through PoCL an iteration of 8 restarts costs about 0.1 ms with
    /// M = 1 and 0.7 ms with M = 16 (docs/benchmarks.md).
    public var gradientSamples = ADVIConfiguration.defaultGradientSamples
    /// K: independent fits from different starting points, in the same batch, on the same draws;
    /// the best by final ELBO is the result.
    public var restarts = 1
    /// Successive halving: every this many iterations (a multiple of `evaluationInterval`) the
    /// worse half of the surviving restarts, by the window's mean ELBO estimate, leave the batch
    /// (`ADVI`); nil: every restart runs to the end. With K restarts the batch halves log₂ K times.
    public var pruneInterval: Int?
    /// Stan's `iter` default: 10000.
    public var maxIterations = 10_000
    /// Adam's base rate η (the schedule decays it, `LearningRateSchedule`).
    public var learningRate = ADVIConfiguration.defaultLearningRate
    public var decayIterations = LearningRateSchedule.defaultDecayIterations
    /// Stan's `tol_rel_obj` (0.01).
    public var toleranceRelativeObjective = RelativeELBOConvergence.defaultTolerance
    /// Stan's `eval_elbo` (100).
    public var evaluationInterval = RelativeELBOConvergence.defaultEvaluationInterval
    /// Sticking-the-landing gradient (`GaussianFamily.elboGradient`).
    public var stickingTheLanding = false
    public var seed: UInt64 = 1
    /// Starting means are Uniform(−initRadius, initRadius) per component, as the samplers' (Stan's
    /// default `init` = 2).
    public var initRadius = 2.0
    /// Where the restarts' means start.
    public enum Start: String, Sendable, Hashable, CaseIterable {
        /// At their Uniform(−initRadius, initRadius) draws (Stan's and NumPyro's habit).
        case uniform
        /// At the end of an L-BFGS search for the mode from those draws (`ModeSearch`), at most
        /// `modeIterations` iterations, all restarts batched.
        case mode
    }
    public var start = Start.uniform
    /// L-BFGS iterations at most per restart for `.mode`.
    public var modeIterations = ADVIConfiguration.defaultModeIterations
    /// Every family starts with L's diagonal (D for low-rank) at this scale: ω = log s. The
    /// default is NumPyro's autoguides' `init_scale` 0.1; Stan's ADVI starts at ω = 0 (s = 1).
    /// On the BNN, 0.1 starts the fit from the data's side rather than the prior's: mean-field
    /// with 8 restarts reached an ELBO of −90 from 0.1 and −128 from 1 (numpyro's BNN), −140
    /// and −478 on Edward's (docs/benchmarks.md, "Variational inference against the peers").
    public var initialScale = ADVIConfiguration.defaultInitialScale
    /// The low-rank factor B starts with N(0, (s/√r)²) entries, s this (Pyro's
    /// `AutoLowRankMultivariateNormal` starts its factor at N(0, 1/r) scaled by its `init_scale`
    /// 0.1): B = 0 is a stationary point of the ELBO in B, so it cannot start there.
    public var factorInitScale = 0.1

    /// 16 draws per iteration: batched, their cost is close to one draw's on a device, and they
    /// cut the gradient's variance 16-fold (Stan's default of 1 is tuned for serial evaluation).
    public static let defaultGradientSamples = 16
    /// Adam's usual rate for variational fits (NumPyro's SVI examples use 0.01).
    public static let defaultLearningRate = 0.01
    /// L-BFGS iterations of `--init mode`: with Pathfinder's limit of 1000, Stan's tolerances end
    /// the searches on Edward's BNN after 460–860 iterations (log p ≈ −99) in about 4× the time;
    /// after 200 most are within a few nats of that (−100.5 to −107, one at −115) and ADVI reaches
    /// NumPyro's best ELBO 200–300 iterations later than from the converged modes, a net gain
    /// (docs/benchmarks.md, "Variational inference against the peers").
    public static let defaultModeIterations = 200
    /// NumPyro's `AutoNormal(init_scale=0.1)`.
    public static let defaultInitialScale = 0.1

    public init() {}

    /// Checks every setting; the message names the option.
    public func validate() throws {
        func bad(_ s: String) -> LeapfrogError { LeapfrogError(.configuration, s) }
        guard gradientSamples >= 1 else { throw bad("--grad-samples must be at least 1 (got \(gradientSamples))") }
        if let rank { guard rank >= 1 else { throw bad("--rank must be at least 1 (got \(rank))") } }
        guard initialScale > 0 && initialScale.isFinite else {
            throw bad("--init-scale must be positive and finite (got \(initialScale))")
        }
        guard restarts >= 1 else { throw bad("--restarts must be at least 1 (got \(restarts))") }
        guard maxIterations >= 1 else { throw bad("--iterations must be at least 1 (got \(maxIterations))") }
        guard learningRate > 0 && learningRate.isFinite else {
            throw bad("--learning-rate must be positive and finite (got \(learningRate))" + (learningRate == 0 ? ": with a rate of 0 the family never moves" : ""))
        }
        guard toleranceRelativeObjective > 0 && toleranceRelativeObjective.isFinite else {
            throw bad("--tol-rel-obj must be positive (got \(toleranceRelativeObjective))")
        }
        guard evaluationInterval >= 1 else { throw bad("--eval-elbo must be at least 1 (got \(evaluationInterval))") }
        if let p = pruneInterval {
            guard p >= 1, p % evaluationInterval == 0 else {
                throw bad("--prune-restarts must be a positive multiple of --eval-elbo \(evaluationInterval) (got \(p))")
            }
        }
        guard modeIterations >= 1 else { throw bad("--init-iterations must be at least 1 (got \(modeIterations))") }
        guard decayIterations > 0 else { throw bad("the learning-rate decay must be positive (got \(decayIterations))") }
        for (value, option) in [(gradientSamples, "--grad-samples"), (restarts, "--restarts"), (maxIterations, "--iterations"),
                                (evaluationInterval, "--eval-elbo"), (modeIterations, "--init-iterations"), (rank ?? 1, "--rank")] {
            try CountLimit.check(value, option)
        }
    }
}
