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
public struct ChEESAdapter: Adapter {
    private var windows: WindowedAdapter
    private var chees: ChEESAdaptation
    private let initialLength: Double?
    /// The trajectory length sampling uses, fixed by `finish`.
    private var finalLength: Double?

    public init(_ configuration: SamplerConfiguration, dimension: Int) {
        let how = configuration.cheesStepSizeAggregation
        windows = WindowedAdapter(configuration, dimension: dimension, sharedStepSize: how != .perChain,
                                  statistic: .chees(how))
        initialLength = configuration.cheesInitialTrajectoryLength
        // Placeholder until `start` knows the first step size (BlackJAX starts T at it).
        chees = ChEESAdaptation(trajectoryLength: initialLength ?? configuration.initialStepSize,
                                learningRate: configuration.cheesLearningRate)
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
                                learningRate: chees.learningRate)
        return cost
    }

    public mutating func observe(_ transition: Transition, from previous: SamplerState, request: TransitionRequest,
                                 random: PhiloxRandom) {
        windows.observe(transition, from: previous, request: request, random: random)
        guard let proposal = transition.proposal else { return }
        chees.update(starts: previous.positions, proposal: proposal, metric: request.metric,
                     acceptance: transition.info.map(\.acceptanceStatistic), divergent: transition.info.map(\.divergent),
                     jitter: ChEESAdaptation.jitter(random: random, iteration: request.iteration),
                     stepSize: windows.adaptation.stepSizes[0])
        windows.recordTrajectory(log: chees.logTrajectoryLengthAverage, iteration: request.iteration)
    }

    /// The windows' reductions and ChEES's per-chain sums, every warmup iteration.
    public func reductions(for iteration: Int) -> WarmupReductionRequest? {
        guard var request = windows.reductions(for: iteration) else { return nil }
        request.cheesSums = true
        return request
    }

    public mutating func observe(reduced: ReducedTransition, request: TransitionRequest, random: PhiloxRandom) {
        windows.observe(reduced: reduced, request: request, random: random)
        guard let sums = reduced.cheesSums else { return }
        chees.update(sums: sums, acceptance: reduced.info.map(\.acceptanceStatistic), divergent: reduced.info.map(\.divergent),
                     jitter: ChEESAdaptation.jitter(random: random, iteration: request.iteration),
                     stepSize: windows.adaptation.stepSizes[0])
        windows.recordTrajectory(log: chees.logTrajectoryLengthAverage, iteration: request.iteration)
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
        return cost
    }

    public var warmupLength: Int { windows.warmupLength }
    public func phase(of iteration: Int) -> WarmupSchedule.Phase { windows.phase(of: iteration) }
    public var warmupReport: WarmupReport? { windows.warmupReport }

    public mutating func finish() {
        windows.finish()
        let steps = windows.adaptation.stepSizes
        finalLength = chees.finalTrajectoryLength(stepSize: steps.max() ?? steps[0])
    }
}
