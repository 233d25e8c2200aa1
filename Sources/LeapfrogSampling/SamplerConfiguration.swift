import LeapfrogCore

/// Which transition kernel a run uses.
public enum SamplerKind: String, Sendable, CaseIterable {
    case nuts, hmc, chees
}

/// Everything a run needs besides the model, the sink and the callbacks.
public struct SamplerConfiguration: Sendable, Hashable {
    public var sampler: SamplerKind = .nuts
    public var chains = 4
    public var warmup = 1000
    public var draws = 1000
    /// Keep every `thin`-th sampling iteration (the first is kept).
    public var thin = 1
    public var seed: UInt64 = 0
    /// NUTS maximum tree depth (Stan default 10).
    public var maxDepth = NUTSKernel.defaultMaxDepth
    /// Step-size adaptation target; nil: 0.8 (Stan `adapt_delta`) for NUTS and HMC, 0.651 for
    /// ChEES (Hoffman, Radul & Sountsov 2021).
    public var targetAcceptance: Double? = nil
    public var metric: MetricKind = .diagonal
    /// Pool warmup across chains: one step size (dual averaging on the chains' mean acceptance
    /// statistic) and one metric (all chains' Welford estimates combined). Off: every chain
    /// adapts its own step size and metric, and a chain's draws do not depend on the others.
    /// `leapfrog sample` (and the Python package through it) turns it off for NUTS at any chain
    /// count and for up to 8 chains otherwise (`SampleCommand.poolsAdaptation`, with the figures).
    public var pooledAdaptation = true
    /// How a pooled metric combines the chains' estimates (`MetricPooling`; the chains' own
    /// variances by default, as Stan's per-chain estimate does).
    public var metricPooling: MetricPooling = .within
    /// What a diagonal metric is estimated from: the draws' variances, or with the gradients'
    /// (`MetricEstimator.fisher`, nutpie's).
    public var metricEstimator: MetricEstimator = .variance
    /// Chains stuck during warmup where the posterior holds no mass worth the name:
    /// moved to another chain's position, or kept (`StrayChainRelocation`).
    public var strayChains: StrayChainPolicy = .relocate
    /// Chains in this many equal groups sharing an initial point (1: no grouping).
    public var superchains = 1
    public var initialPoints: InitialPoints = .default
    /// Starting step size of the search (Stan default 1).
    public var initialStepSize = 1.0
    public var integrator: Integrator = .leapfrog
    /// HMC: trajectory length (steps or time) and jitter.
    public var hmcTrajectory: HMCTrajectory = .steps(20)
    public var hmcJitter: HMCJitter = .none
    /// ChEES: initial trajectory length (nil: the initial step size, as BlackJAX), and how
    /// acceptance is aggregated across chains for the step size.
    public var cheesInitialTrajectoryLength: Double? = nil
    public var cheesStepSizeAggregation: ChEESAdaptation.Aggregation = .harmonicMean
    /// Adam's learning rate on ChEES's log trajectory length.
    public var cheesLearningRate: Double = ChEESAdaptation.defaultLearningRate
    /// How ChEES jitters its trajectory length from one iteration to the next.
    public var cheesJitter: ChEESJitter = .halton

    /// End warmup when the batch says it is done (`AdaptiveWarmup`), `warmup` being the most it
    /// may take; nil: Stan's fixed-length schedule.
    public var adaptiveWarmup: AdaptiveWarmup? = nil
    /// The fixed schedule's initial and terminal buffers (Stan's `init_buffer`, `term_buffer`);
    /// nil: Stan's 75 and 50. An adaptive warmup's are its rule's (`AdaptiveWarmup`).
    public var initialBuffer: Int? = nil
    public var terminalBuffer: Int? = nil

    /// The warmup's initial and terminal buffers: the adaptive rule's, else the fixed schedule's.
    public var buffers: (initial: Int, terminal: Int) {
        if let rule = adaptiveWarmup { return (rule.initialBuffer, rule.terminalBuffer) }
        return (initialBuffer ?? WarmupSchedule.defaultInitialBuffer, terminalBuffer ?? WarmupSchedule.defaultTerminalBuffer)
    }
    /// Stop sampling once the log density's bulk ESS over all chains reaches this (`draws` being
    /// the most per chain); nil: always `draws` draws.
    public var targetESS: Double? = nil

    public init() {}

    public static let defaultTargetAcceptance = 0.8        // Stan adapt_delta
    public static let defaultChEESTargetAcceptance = 0.651 // Hoffman, Radul & Sountsov (2021)

    public var resolvedTargetAcceptance: Double {
        targetAcceptance ?? (sampler == .chees ? Self.defaultChEESTargetAcceptance : Self.defaultTargetAcceptance)
    }

    /// Throws `.configuration` naming the first impossible value.
    public func validate(dimension: Int) throws {
        func bad(_ s: String) -> LeapfrogError { LeapfrogError(.configuration, s) }
        if chains < 1 { throw bad("chains must be at least 1 (got \(chains))") }
        if warmup < 0 { throw bad("warmup must be ≥ 0 (got \(warmup))") }
        if draws < 0 { throw bad("draws must be ≥ 0 (got \(draws))") }
        if thin < 1 { throw bad("thin must be at least 1 (got \(thin))") }
        if maxDepth < 1 { throw bad("max depth must be at least 1 (got \(maxDepth))") }
        let delta = resolvedTargetAcceptance
        if !(delta > 0 && delta < 1) { throw bad("target acceptance must be in (0, 1) (got \(delta))") }
        if superchains < 1 || chains % superchains != 0 {
            throw bad("superchains: \(chains) chains cannot form \(superchains) equal groups")
        }
        if !(initialStepSize > 0 && initialStepSize.isFinite) { throw bad("initial step size must be positive (got \(initialStepSize))") }
        if metricEstimator != .variance && metric != .diagonal {
            throw bad("the \(metricEstimator.rawValue) metric estimator is for a diagonal metric (got the \(metric.rawValue) metric)")
        }
        switch hmcTrajectory {
        case .steps(let l) where l < 1: throw bad("HMC steps must be at least 1 (got \(l))")
        case .time(let t) where !(t > 0 && t.isFinite): throw bad("HMC integration time must be positive (got \(t))")
        default: break
        }
        switch hmcJitter {
        case .stepSize(let j), .steps(let j):
            if !(j >= 0 && j < 1) { throw bad("HMC jitter must be in [0, 1) (got \(j))") }
        case .none: break
        }
        if sampler == .chees, !(cheesLearningRate > 0 && cheesLearningRate.isFinite) {
            throw bad("ChEES learning rate must be positive and finite (got \(cheesLearningRate))")
        }
        if sampler == .chees, let t = cheesInitialTrajectoryLength, !(t > 0 && t.isFinite) {
            throw bad("ChEES initial trajectory length must be positive")
        }
        if let t = targetESS, !(t > 0 && t.isFinite) { throw bad("target ESS must be positive (got \(t))") }
        for (name, b) in [("initial", buffers.initial), ("terminal", buffers.terminal)] where b < 0 {
            throw bad("the warmup's \(name) buffer cannot be negative (got \(b))")
        }
        if adaptiveWarmup != nil && superchains < 2 {
            throw bad("an adaptive warmup judges nested R-hat over superchains: give at least 2 (got \(superchains))")
        }
        if dimension < 1 { throw bad("the model has no parameters to sample") }
    }
}
