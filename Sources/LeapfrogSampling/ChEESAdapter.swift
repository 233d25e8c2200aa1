#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore
import LeapfrogDiagnostics
import LeapfrogRandom

/// ChEES-HMC's warmup: Stan's windows for the metric (`WindowedAdapter`), dual averaging on
/// ChEES's aggregate of the acceptance probabilities for the step size, and Adam on the log
/// trajectory length (`ChEESAdaptation`), which is kept in step with every metric change.
///
/// **Learning rate while the chains travel** (an adaptive warmup only). At a judgement that finds
/// the chains still travelling (superchains disagreeing or the log density drifting,
/// `WarmupConvergence.chainsInTransit`), Adam's learning rate for the next window doubles, up to
/// `ChEESAdaptation.transitLearningRate` (or the configured rate, if larger); at one that finds
/// them arrived it returns to the configured rate. While chains cross a long ridge (posteriordb's
/// regressions on raw covariates) T must keep growing as the metric widens, which the paper's
/// 0.025 does not do within hundreds of iterations (four of them never mixed in 500); near
/// equilibrium a large rate lets T random-walk up a flat criterion (eight schools: T 20× the
/// optimum at 0.5). The chains' own agreement says which phase a window is in
/// (docs/benchmarks.md).
public struct ChEESAdapter: Adapter {
    private var windows: WindowedAdapter
    private var chees: ChEESAdaptation
    private let initialLength: Double?
    /// The configured learning rate (`SamplerConfiguration.cheesLearningRate`).
    private let learningRate: Double
    /// The trajectory's jitter, as the sampler draws it (`SamplerConfiguration.cheesJitter`).
    private let jitter: ChEESJitter
    /// How the chains' acceptance probabilities feed the step size (`SamplerConfiguration.cheesStepSizeAggregation`).
    private let aggregation: ChEESAdaptation.Aggregation
    /// The trajectory length sampling uses, fixed by `finish`.
    private var finalLength: Double?
    /// The learning rate chosen after each judgement, by the judged window's last iteration.
    private var learningRates: [Int: Double] = [:]

    public init(_ configuration: SamplerConfiguration, dimension: Int) {
        let how = configuration.cheesStepSizeAggregation
        windows = WindowedAdapter(configuration, dimension: dimension, sharedStepSize: how != .perChain,
                                  statistic: .chees(how))
        aggregation = how
        initialLength = configuration.cheesInitialTrajectoryLength
        learningRate = configuration.cheesLearningRate
        jitter = configuration.cheesJitter
        // Placeholder until `start` knows the first step size (BlackJAX starts T at it).
        chees = ChEESAdaptation(trajectoryLength: initialLength ?? configuration.initialStepSize, learningRate: learningRate)
    }

    public var adaptation: Adaptation {
        var a = windows.adaptation
        a.trajectoryLength = finalLength ?? chees.trajectoryLength
        return a
    }

    public mutating func start(_ state: SamplerState, model: some BatchedLogDensity, executor: inout any TransitionExecutor,
                               random: PhiloxRandom, search: Bool) throws -> EvaluationCount {
        let cost = try windows.start(state, model: model, executor: &executor, random: random, search: search)
        chees = ChEESAdaptation(trajectoryLength: initialLength ?? windows.adaptation.stepSizes[0],
                                learningRate: learningRate)
        return cost
    }

    public mutating func observe(_ transition: Transition, from previous: SamplerState, request: TransitionRequest,
                                 random: PhiloxRandom) {
        windows.observe(transition, from: previous, request: request, random: random)
        guard let proposal = transition.proposal else { return }
        chees.update(starts: previous.positions, proposal: proposal, metric: request.metric,
                     acceptance: transition.info.map(\.acceptanceStatistic), divergent: transition.info.map(\.divergent),
                     jitter: jitter.value(random: random, iteration: request.iteration),
                     stepSize: windows.adaptation.stepSizes[0])
        windows.recordTrajectory(log: chees.logTrajectoryLengthAverage, iteration: request.iteration)
    }

    /// The windows' reductions and ChEES's per-chain sums, every warmup iteration.
    public func reductions(for iteration: Int) -> WarmupReductionRequest? {
        guard var request = windows.reductions(for: iteration) else { return nil }
        request.cheesSums = true
        return request
    }

    /// A transition reduced on the device: its sums, or in a chained group (`chainedSpan`) the mean
    /// gradient term the device computed and adapted from, replayed here so that the host's
    /// adaptation is the device's (to the device's rounding).
    public mutating func observe(reduced: ReducedTransition, request: TransitionRequest, random: PhiloxRandom) {
        windows.observe(reduced: reduced, request: request, random: random)
        let u = jitter.value(random: random, iteration: request.iteration), stepSize = windows.adaptation.stepSizes[0]
        if let sums = reduced.cheesSums {
            chees.update(sums: sums, acceptance: reduced.info.map(\.acceptanceStatistic), divergent: reduced.info.map(\.divergent),
                         jitter: u, stepSize: stepSize)
        } else if let record = reduced.cheesRecord {
            chees.update(meanGradient: record.meanGradient, jitter: u, stepSize: stepSize)
        } else {
            return
        }
        windows.recordTrajectory(log: chees.logTrajectoryLengthAverage, iteration: request.iteration)
    }

    /// The rest of the current warmup phase (`WindowedAdapter`'s initial buffer, slow window or
    /// terminal buffer), which a device may run in chained groups, adapting the shared step size
    /// and trajectory length itself after each transition (`ChEESAdaptationState`): nil with a
    /// step size per chain (`--chees-aggregation perChain`) and where the windows' reductions
    /// cannot run on a device (a dense metric).
    public func chainedSpan(from iteration: Int) -> ChainedWarmupSpan? {
        guard aggregation != .perChain, var span = windows.phaseSpan(from: iteration), span.averaging.count == 1 else {
            return nil
        }
        span.reductions.cheesSums = true
        span.chees = (chees.deviceState(averaging: span.averaging[0], parameters: span.parameters,
                                        stepSize: windows.adaptation.stepSizes[0], aggregation: aggregation), jitter)
        return span
    }

    public mutating func adoptWindowMoments(_ moments: [WelfordEstimator]) { windows.adoptWindowMoments(moments) }

    public func endsWindow(_ iteration: Int) -> Bool { windows.endsWindow(iteration) }

    public mutating func strayChains(iteration: Int, random: PhiloxRandom) -> [ChainRelocation] {
        windows.strayChains(iteration: iteration, random: random)
    }

    public mutating func endWindow(_ state: SamplerState, model: some BatchedLogDensity, executor: inout any TransitionExecutor,
                                   random: PhiloxRandom, iteration: Int) throws -> EvaluationCount {
        let before = windows.adaptation.metric
        let cost = try windows.endWindow(state, model: model, executor: &executor, random: random, iteration: iteration,
                                         trajectoryLength: exp(chees.logTrajectoryLengthAverage))
        if windows.adaptsMetric { chees.metricChanged(from: before, to: windows.adaptation.metric, dimension: windows.dimension) }
        if let travelling = windows.chainsInTransit(at: iteration) {
            chees.followJudgement(travelling: travelling, base: learningRate)
            learningRates[iteration] = chees.learningRate
        }
        return cost
    }

    public var warmupLength: Int { windows.warmupLength }
    public func phase(of iteration: Int) -> WarmupSchedule.Phase { windows.phase(of: iteration) }
    /// The windows' report, each judgement with the learning rate chosen after it.
    public var warmupReport: WarmupReport? {
        guard var report = windows.warmupReport else { return nil }
        for k in report.checks.indices { report.checks[k].learningRate = learningRates[report.checks[k].iteration] }
        return report
    }

    public mutating func finish() {
        windows.finish()
        let steps = windows.adaptation.stepSizes
        finalLength = chees.finalTrajectoryLength(stepSize: steps.max() ?? steps[0])
    }
}
