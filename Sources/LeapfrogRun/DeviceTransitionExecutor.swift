#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore
import LeapfrogDiagnostics
import LeapfrogOpenCL
import LeapfrogRandom
import LeapfrogSampling

/// Where a run's transitions execute (`--transitions`).
public enum TransitionPlacement: String, Sendable, Hashable, CaseIterable {
    /// On the device when the back end, the sampler and the metric allow it, else on the host.
    case auto
    /// Always the host loop over the batched density (`HostTransitionExecutor`), one device
    /// round trip per integrator step: the reference.
    case host
}

/// Runs NUTS, HMC and ChEES-HMC transitions whole on an OpenCL device (`OpenCLTrajectories`):
/// one launch and one blocking round trip per transition (per group of transitions in sampling,
/// `stream`, and in NUTS's per-chain and ChEES's warmup, `executeChained`), positions, gradients and log
/// densities resident on the device between transitions. Everything else — a dense metric, a precision or
/// a model without a device program — runs on the host (`HostTransitionExecutor` over the same
/// density), so a run never fails for want of a device kernel; `placements` counts which ran where.
///
/// The device makes the same transitions as `NUTSKernel` and `HMCKernel` for the same request and
/// seed: the same Philox streams for the momenta, directions, leaf choices and Metropolis
/// uniforms; HMC's jittered step sizes and step counts computed here on the host
/// (`HMCKernel.trajectoryShape`) and sent with the launch (in ChEES's chained warmup, computed by
/// the device from the adaptation it continues, `lf_chees_shape`). In f64
/// the draws agree with the host's to rounding (the device's `log`, `cos`, `sin` and `exp` differ
/// by ulps); in f32 to f32 rounding (`DeviceTransitionExecutorTests`).
///
/// With a `PrecisionGuard` the executor follows the guard: f32 trajectories while the guard
/// samples in f32 and its checks pass, the f64 program once it has switched (built then). When f32
/// fails a check and the policy keeps it (`--precision f32`), the rest of the run integrates on
/// the host in f64 around the f32 density: whole f32 trajectories (energies summed in f32) are not
/// trusted with a model f32 is known to get wrong.
///
/// `Transition.proposal` carries the trajectories' end positions and momenta (what ChEES learns
/// from), read back only while a request asks for them (ChEES's warmup).
public final class DeviceTransitionExecutor: TransitionExecutor {
    /// Makes the device program for a precision (`"f32"`/`"f64"`, the guard's names) and the
    /// integrator's coefficients; throws when the model or device cannot have one.
    public typealias Factory = (_ precision: String, _ coefficients: [Double]) throws -> any TrajectoryRunning

    private var host: any TransitionExecutor
    private let guarded: PrecisionGuard?
    private let basePrecision: String
    private let make: Factory
    private let log: @Sendable (String) -> Void
    private var programs: [String: Result<any TrajectoryRunning, Error>] = [:]
    private var failedCheckLogged = false
    private var lastInverse: (metric: Metric, inverse: ChainBatch)?
    /// Transitions run on the device and on the host.
    public private(set) var placements = (device: 0, host: 0)
    /// The launch shape of the last transition run on the device (nil before one has).
    public private(set) var launchShape: LaunchShape?
    /// The program holding the state `executeKeepingState` left on the device.
    private var holder: (any TrajectoryRunning)?
    private let dimension: Int

    /// - density: the back end's density (a `PrecisionGuard` is followed).
    /// - precision: the device program's precision when `density` is not a guard.
    public init(density: some BatchedLogDensity, precision: String, log: @escaping @Sendable (String) -> Void,
                make: @escaping Factory) {
        host = HostTransitionExecutor(model: density)
        guarded = density as? PrecisionGuard
        basePrecision = precision
        self.make = make
        self.log = log
        dimension = density.dimension
    }

    /// Device traffic of every program made so far.
    public var traffic: DeviceTraffic {
        programs.values.reduce(DeviceTraffic()) { $0 + ((try? $1.get())?.traffic ?? DeviceTraffic()) }
    }

    /// The integrator steps per chain a transition cost the device, in the units of
    /// `Transition.lockstepEvaluations` (which the run multiplies by the chain count): chains that
    /// wait for each other (`TrajectoryRunning.chainsInLockstep`, consecutive groups of W) are
    /// counted at their group's longest trajectory, Σ_groups |group| · max steps, over the chain
    /// count, rounded up. With W = 1 it is the chains' mean trajectory (rounded up), not the
    /// batch's longest: a chain per work-item with rows in lanes, or a work-group per chain, waits
    /// for no other chain.
    public static func lockstepSteps(_ steps: [Int], together width: Int) -> Int {
        guard !steps.isEmpty else { return 0 }
        let w = max(1, width)
        var spent = 0
        for start in stride(from: 0, to: steps.count, by: w) {
            let group = steps[start..<min(steps.count, start + w)]
            spent += group.count * (group.max() ?? 0)
        }
        return (spent + steps.count - 1) / steps.count
    }

    /// `lockstepSteps(_:together:)` for a chained group (`PendingTransitions.chained`), per
    /// transition: the lanes of a work-item (`width` consecutive chains, `steps[t][c]` chain c's
    /// steps in transition t) counted at the loop iterations their chained trees took
    /// (`chainedIterations`, with the kernel's start `quorum`; with a quorum of 1 each lane's
    /// steps summed over the group, and the work-item's longest sum), Σ_groups |group| ·
    /// iterations, over the chain count (rounded up); that total shared out over the transitions
    /// in proportion to the steps they needed (cumulative shares, rounded down, so the shares sum
    /// to the total).
    public static func lockstepSteps(chained steps: [[Int]], together width: Int, quorum: Int = 1) -> [Int] {
        guard let first = steps.first, !first.isEmpty else { return steps.map { _ in 0 } }
        let n = first.count, w = max(1, width)
        var spent = 0
        for start in stride(from: 0, to: n, by: w) {
            let lanes = (start..<min(n, start + w)).map { c in steps.map { $0[c] } }
            spent += lanes.count * chainedIterations(lanes, quorum: quorum)
        }
        let total = (spent + n - 1) / n
        let needed = steps.map { $0.reduce(0, +) }, all = needed.reduce(0, +)
        var shares: [Int] = [], before = 0, cumulative = 0
        for (t, n) in needed.enumerated() {
            cumulative += n
            let upTo = all > 0 ? total * cumulative / all : total * (t + 1) / steps.count
            shares.append(upTo - before)
            before = upTo
        }
        return shares
    }

    /// The loop iterations a work-item's chained launch takes (`NUTSSource`): `lanes[l][t]` lane
    /// l's steps in its transition t; every lane starts its first transition at once, and a lane
    /// whose tree ended waits until `quorum` lanes wait, or every lane with transitions left, when
    /// the waiting lanes start together (a transition of s steps takes s iterations). The twin of
    /// the kernel's schedule, event by event: the time the last lane finishes.
    public static func chainedIterations(_ lanes: [[Int]], quorum: Int) -> Int {
        let q = max(1, quorum)
        var next = [Int](repeating: 0, count: lanes.count)
        // Each lane's current tree's end; −1 while it waits or when it has finished.
        var ends = lanes.map { $0.first ?? -1 }
        var now = 0
        while true {
            var soonest = Int.max
            for end in ends where end >= 0 { soonest = min(soonest, end) }
            if soonest == .max { return now }
            now = soonest
            var waiting = 0, unfinished = 0
            for l in lanes.indices {
                if ends[l] == now { ends[l] = -1; next[l] += 1 }
                if next[l] < lanes[l].count {
                    unfinished += 1
                    if ends[l] < 0 { waiting += 1 }
                }
            }
            if waiting > 0 && waiting >= min(q, unfinished) {
                for l in lanes.indices where ends[l] < 0 && next[l] < lanes[l].count { ends[l] = now + lanes[l][next[l]] }
            }
        }
    }

    /// `lockstepSteps(_:together:)` for a launch, whose kernel's shape is chosen for the whole
    /// batch (`TrajectoryLaunch.batchChains`: an MPI rank's launch holds a slice of it).
    private static func lockstepSteps(_ steps: [Int], device: any TrajectoryRunning, batchChains: Int?) -> Int {
        lockstepSteps(steps, together: device.chainsInLockstep(forChains: batchChains ?? steps.count))
    }

    /// Counts `transitions` run by `device` on `chains` chains and the shape they ran in.
    private func ranOnDevice(_ device: any TrajectoryRunning, transitions: Int, chains: Int) {
        placements.device += transitions
        launchShape = device.shape(forChains: chains)
    }

    public func execute(_ request: TransitionRequest, from state: SamplerState, random: PhiloxRandom) throws -> Transition {
        try dropAheadGroup()
        guard let inverse = inverseDiagonal(request.metric, chains: state.chains, dimension: state.dimension),
              let device = program(request.integrator) else {
            placements.host += 1
            return try host.execute(request, from: state, random: random)
        }
        let n = state.chains
        ranOnDevice(device, transitions: 1, chains: n)
        let launch = self.launch(request, chains: n, inverse: inverse, random: random)
        let outcome = try device.run(launch, positions: state.positions, logDensity: state.logDensity, gradient: state.gradient)
        let perStep = request.integrator.gradientsPerStep
        let info = Self.info(outcome.outputs, stepSizes: launch.stepSizes, gradientsPerStep: perStep)
        let proposal = outcome.proposal.map { Proposal(position: $0.position, momentum: $0.momentum) }
        return Transition(state: SamplerState(positions: outcome.positions, logDensity: outcome.logDensity,
                                              gradient: outcome.gradient),
                          info: info,
                          lockstepEvaluations: Self.lockstepSteps(outcome.outputs.steps, device: device,
                                                                  batchChains: launch.batchChains) * perStep,
                          proposal: proposal)
    }

    /// Whether the step-size heuristic's trials run on the device (`searchStepSizes`). nil (the
    /// default): when the batch holds at least 2¹⁶ values (chains × d), where the host's trials
    /// (the momenta drawn on the host, the positions sent and positions and gradients read back
    /// every trial) cost more than a launch; smaller batches keep the host's, which needs no HMC
    /// kernel (a NUTS run builds one for its searches only past that size).
    public var searchesOnDevice: Bool?
    /// Step-size searches run on the device.
    public private(set) var deviceSearches = 0

    /// Stan's step-size heuristic with each trial one launch of the HMC kernel that leaves the
    /// state where it is (`OpenCLTrajectories.probe`: one step of the searching chains, momenta
    /// from `.stepSizeSearch`'s stream, each chain's acceptance probability read back): the host's
    /// `StepSizeSearch.run` to rounding, per trial one round trip of one number per chain.
    /// Elsewhere (a small batch, a dense metric, no device program) the host executor's search
    /// over the same density.
    public func searchStepSizes(_ state: SamplerState, metric: Metric, integrator: Integrator, initial: [Double],
                                random: PhiloxRandom, search: Int) throws -> StepSizeSearch.Result? {
        try dropAheadGroup()
        let n = state.chains
        guard searchesOnDevice ?? (n * state.dimension >= 1 << 16),
              let inverse = inverseDiagonal(metric, chains: n, dimension: state.dimension),
              let device = program(integrator) else {
            return try host.searchStepSizes(state, metric: metric, integrator: integrator, initial: initial,
                                            random: random, search: search)
        }
        deviceSearches += 1
        let perStep = integrator.gradientsPerStep
        return try StepSizeSearch.run(initial: initial, gradientsPerStep: perStep) { trial, eps, active in
            let steps = active.map { $0 ? 1 : 0 }
            var launch = TrajectoryLaunch(.hmc(steps: steps), stepSizes: eps, inverseMetricDiagonal: inverse, seed: random.seed,
                                          iteration: StepSizeSearch.iteration(search: search, trial: trial),
                                          firstChain: random.firstChain)
            launch.momentumPurpose = RandomPurpose.stepSizeSearch.rawValue
            let accept = try device.probe(launch, positions: state.positions, logDensity: state.logDensity,
                                          gradient: state.gradient)
            return (accept.map(logAcceptance),
                    Self.lockstepSteps(steps, device: device, batchChains: nil) * perStep)
        }
    }

    /// The program of `integrator`'s transitions at the current precision and, for `warmup`, its
    /// reductions' program: built (or read from the program cache) before the run's clock starts
    /// rather than in its first iteration (about 5 and 2 ms from the cache on 2 EPYC cores with
    /// PoCL). A transition program that cannot be made is logged here, and the transitions run on
    /// the host, as they would have from the first iteration.
    public func prepare(integrator: Integrator, warmup: Bool) throws {
        guard let device = program(integrator), warmup else { return }
        try device.prepareWarmup()
    }

    /// Whether the program for the current precision and `integrator` is made (`prepare` makes it).
    public func runsOnDevice(_ integrator: Integrator) -> Bool {
        (try? programs[programKey(guarded?.currentName ?? basePrecision, integrator: integrator)]?.get()) != nil
    }

    /// A warmup transition that leaves the state on the device (`OpenCLTrajectories.runKeepingState`):
    /// the adapter's statistics are reduced there and read back as a few numbers per chain —
    /// diagnostics, log density, k projections, ChEES's 3 sums — instead of positions, gradients
    /// and proposals ((4d + 1) numbers per chain for ChEES). nil where `execute` would run on the
    /// host (a dense metric, no device program).
    public func executeKeepingState(_ request: TransitionRequest, from state: SamplerState?,
                                    reductions: WarmupReductionRequest, random: PhiloxRandom) throws -> ReducedTransition? {
        try dropAheadGroup()
        let n = request.stepSizes.count, d = dimension
        guard let inverse = inverseDiagonal(request.metric, chains: n, dimension: d),
              let device = program(request.integrator) else { return nil }
        if reductions.cheesSums || reductions.cheesPartialMeans, case .nuts = request.trajectory { return nil }
        let start = try warmupStart(state, on: device)
        let launch = self.launch(request, chains: n, inverse: inverse, random: random)
        let outcome = try device.runKeepingState(launch, from: start, reductions: reductions)
        holder = device
        ranOnDevice(device, transitions: 1, chains: n)
        let perStep = request.integrator.gradientsPerStep
        return ReducedTransition(
            info: Self.info(outcome.outputs, stepSizes: launch.stepSizes, gradientsPerStep: perStep),
            logDensity: outcome.logDensity,
            lockstepEvaluations: Self.lockstepSteps(outcome.outputs.steps, device: device, batchChains: launch.batchChains) * perStep,
            projections: outcome.projections, cheesSums: outcome.cheesSums, cheesPartialMeans: outcome.cheesPartialMeans)
    }

    /// ChEES's sums about a split batch's means on the device that ran the last kept transition.
    public func cheesSums(about means: ChEESPartialMeans) throws -> ChEESSums? {
        try dropAheadGroup()
        return try holder?.cheesSums(about: means)
    }

    /// Warmup NUTS transitions chained on the device (`OpenCLTrajectories.enqueueAdaptingKeepingState`):
    /// each chain starts its next tree when its last ends and adapts its own step size after each
    /// by dual averaging (the kernel continues `span.averaging`), so a work-item's lanes wait for
    /// each other once per group instead of at every transition's deepest tree, with one round
    /// trip per group. The first group is one transition; later ones are sized from the measured
    /// rate to last about `chainedWarmupSeconds`, within the span and `streamGroupLimit` /
    /// `streamGroupBytes`. The device's dual averaging carries on from group to group within a
    /// span (the host's is sent at a span's start), so the draws do not depend on the groups' timed
    /// lengths. The step sizes reported are the host's dual averaging on the same statistics (the
    /// kernel's twin, to its precision's rounding). nil where `executeKeepingState`
    /// would not run on the device, for HMC outside ChEES's span, and when `chainsWarmup` is off. `count`, when given,
    /// replaces the timed size (a sharded run's agreed group: `chainedGroupSize`).
    ///
    /// ChEES's span (`span.chees`): the shared step size and trajectory length adapted on the device
    /// after each transition (`OpenCLTrajectories.enqueueChEESKeepingState`), one launch of the
    /// trajectories per transition and one round trip per group, whose groups are sized to last
    /// about `streamGroupSeconds`. The device continues its own adaptation within a span as for
    /// NUTS; each transition's step size reported is the one the device used, and the adapter
    /// replays the device's mean gradient term (`ReducedTransition.cheesRecord`).
    ///
    /// Unless `count` is given, the span's next group is enqueued before this one's transitions are
    /// returned (`overlapsGroups`): the caller's replay of a group (the adapter, the judge, the
    /// counts) overlaps the device's next, and the next call collects it (anything else the
    /// executor is asked first waits for it and drops it, `dropAheadGroup`).
    public func executeChained(_ request: TransitionRequest, span: ChainedWarmupSpan, count: Int?,
                               from state: SamplerState?, random: PhiloxRandom) throws -> [ReducedTransition]? {
        guard let (inverse, device, preferred, limit) = chainedGroup(request, span: span) else { return nil }
        let n = request.stepSizes.count
        let perStep = request.integrator.gradientsPerStep
        let launch = self.launch(request, chains: n, inverse: inverse, random: random, shapedOnDevice: span.chees != nil)
        // Transitions first ..< first + k of the span; `continues`: from the adaptation the device
        // holds (within a span, so that the step sizes do not depend on where the timed groups end),
        // else from the host's (a span's start).
        func enqueue(_ first: Int, _ k: Int, continues: Bool,
                     from start: (positions: ChainBatch, logDensity: [Double], gradient: ChainBatch)?) throws -> PendingWarmupGroup {
            var group = launch
            group.iteration = first
            if let chees = span.chees {
                return try device.enqueueChEESKeepingState(
                    group, count: k, adaptation: chees.adaptation, continues: continues,
                    jitter: (first..<(first + k)).map { chees.jitter.value(random: random, iteration: $0) },
                    from: start, reductions: span.reductions)
            }
            return try device.enqueueAdaptingKeepingState(
                group, count: k, averaging: continues ? nil : span.stepSizeAveraging(stepSizes: request.stepSizes),
                from: start, reductions: span.reductions)
        }
        let outcomes: [KeptTransitionOutcome], ran: Int, began: Double
        if let ahead, count == nil, state == nil, ahead.group.iteration == request.iteration, ahead.last == span.last,
           ahead.device === device {
            // The group enqueued while the caller replayed the last one.
            self.ahead = nil
            outcomes = try device.collectWarmupGroup(ahead.group)
            (ran, began) = (ahead.group.count, ahead.enqueued)
        } else {
            try dropAheadGroup()
            let start = try warmupStart(state, on: device)
            let k = max(1, min(span.last - request.iteration + 1, limit, count ?? preferred))
            let continues = start == nil && holder === device
                && chainedWarmup.map { $0 == (request.iteration, span.last) } == true
            began = Clock.now()
            outcomes = try device.collectWarmupGroup(enqueue(request.iteration, k, continues: continues, from: start))
            ran = k
        }
        chainedWarmup = (request.iteration + ran, span.last)
        let seconds = span.chees == nil ? chainedWarmupSeconds : streamGroupSeconds
        warmupGroupSize = Self.groupSize(lasting: seconds, perTransition: (Clock.now() - began) / Double(ran), limit: limit)
            ?? warmupGroupSize
        holder = device
        ranOnDevice(device, transitions: ran, chains: n)
        // The span's next group runs on the device while the caller replays this one.
        let next = request.iteration + ran
        if overlapsGroups, count == nil, next <= span.last {
            let group = try enqueue(next, max(1, min(span.last - next + 1, limit, warmupGroupSize)), continues: true, from: nil)
            ahead = (group, span.last, device, Clock.now())
            groupsAhead.enqueued += 1
        }

        if span.chees != nil {
            return outcomes.map { outcome in
                let stepSizes = [Double](repeating: outcome.cheesRecord?.stepSize ?? .nan, count: n)
                return ReducedTransition(
                    info: Self.info(outcome.outputs, stepSizes: stepSizes, gradientsPerStep: perStep),
                    logDensity: outcome.logDensity,
                    lockstepEvaluations: Self.lockstepSteps(outcome.outputs.steps, device: device,
                                                            batchChains: launch.batchChains) * perStep,
                    projections: outcome.projections, cheesRecord: outcome.cheesRecord)
            }
        }
        let together = device.chainsInLockstep(forChains: request.batchChains ?? n)
        let lockstep = Self.lockstepSteps(chained: outcomes.map(\.outputs.steps), together: together,
                                          quorum: device.startQuorum(lanes: together))
        var averaging = span.averaging, stepSizes = request.stepSizes
        return zip(outcomes, lockstep).map { outcome, spent in
            let reduced = ReducedTransition(info: Self.info(outcome.outputs, stepSizes: stepSizes, gradientsPerStep: perStep),
                                            logDensity: outcome.logDensity, lockstepEvaluations: spent * perStep,
                                            projections: outcome.projections)
            for c in 0..<n {
                stepSizes[c] = averaging[c].update(statistic: outcome.outputs.acceptProbability[c], parameters: span.parameters)
            }
            return reduced
        }
    }

    public func chainedGroupSize(_ request: TransitionRequest, span: ChainedWarmupSpan) throws -> Int? {
        chainedGroup(request, span: span)?.count
    }

    /// What a chained warmup group of `request` runs with: the inverse metric, the program, the
    /// timed group size (within the span and the group limit) and the group limit; nil where
    /// `executeChained` returns nil.
    private func chainedGroup(_ request: TransitionRequest, span: ChainedWarmupSpan)
        -> (inverse: ChainBatch, device: any TrajectoryRunning, count: Int, limit: Int)? {
        guard chainsWarmup else { return nil }
        switch (request.trajectory, span.chees) {
        case (.nuts, nil): guard !span.reductions.cheesSums else { return nil }
        case (.hmc, .some): guard span.reductions.cheesSums, !span.reductions.cheesPartialMeans else { return nil }
        default: return nil
        }
        let n = request.stepSizes.count, d = dimension
        guard let inverse = inverseDiagonal(request.metric, chains: n, dimension: d),
              let device = program(request.integrator) else { return nil }
        let limit = groupLimit(chains: n, dimension: d)
        return (inverse, device, max(1, min(span.last - request.iteration + 1, warmupGroupSize, limit)), limit)
    }

    /// Seconds a chained warmup group aims to last (`executeChained`): longer than sampling's
    /// groups, since their lanes part more (each chain's tree sizes change as its step size
    /// adapts) and warmup's spans already cut them short (at most a window), while an interrupt
    /// loses no draws there (a second Ctrl-C exits at once).
    public var chainedWarmupSeconds = 8.0
    /// Whether warmup runs NUTS's per-chain adaptation and ChEES's shared one in chained groups
    /// (`executeChained`); off, one transition per launch (`executeKeepingState`).
    public var chainsWarmup = true
    /// Whether `executeChained` enqueues a span's next group before it returns the last group's
    /// transitions, so that the host replays one group (the adapter, the judge, the counts:
    /// O(chains) per transition) while the device runs the next; off, one group at a time.
    public var overlapsGroups = true
    /// A group enqueued ahead by `executeChained`: its span's last iteration, the program running
    /// it and when it was enqueued.
    private var ahead: (group: PendingWarmupGroup, last: Int, device: any TrajectoryRunning, enqueued: Double)?
    /// Groups enqueued ahead, and of those dropped unobserved (`dropAheadGroup`).
    public private(set) var groupsAhead = (enqueued: 0, dropped: 0)
    /// Transitions in the next chained warmup group (`executeChained`): one at first, then sized
    /// from the last group's rate.
    private var warmupGroupSize = 1
    /// Where the last chained warmup group stopped: the next iteration and its span's last.
    private var chainedWarmup: (next: Int, last: Int)?

    /// Waits for a group enqueued ahead that nobody will observe (the run stopped within a span, or
    /// asked for something else): the device's state and adaptation are then past its
    /// transitions, and the next span starts from the host's adaptation.
    private func dropAheadGroup() throws {
        guard let ahead else { return }
        self.ahead = nil
        chainedWarmup = nil
        groupsAhead.dropped += 1
        _ = try ahead.device.collectWarmupGroup(ahead.group)
    }

    public func heldState() throws -> SamplerState {
        try dropAheadGroup()
        guard let holder else { preconditionFailure("heldState: executeKeepingState has not run") }
        let s = try holder.residentStateValues()
        return SamplerState(positions: s.positions, logDensity: s.logDensity, gradient: s.gradient)
    }

    public func takeWindowMoments() throws -> [WelfordEstimator]? {
        try dropAheadGroup()
        guard let holder, let m = try holder.takeWindowMoments() else { return nil }
        let n = m.chains, d = m.coordinates
        return (0..<n).map { c in
            WelfordEstimator(count: m.count, mean: (0..<d).map { m.mean[$0 * n + c] }, m2: (0..<d).map { m.m2[$0 * n + c] })
        }
    }

    /// Sampling's iterations in groups of consecutive transitions, two groups in flight
    /// (`OpenCLTrajectories.enqueue`): while the host writes one group's draws the device runs the
    /// next, and a group of k iterations costs one wait instead of k. Only kept iterations'
    /// positions and log densities leave the device; the gradient is read once, at the end. A NUTS
    /// group is one chained launch (`NUTSSource`): each chain starts its next transition when its
    /// tree ends, so chains that share a work-item wait for each other once per group, and the
    /// lockstep counter says so (`lockstepSteps(chained:together:)`).
    ///
    /// Group size: the first group is one iteration; later groups are sized from the measured rate
    /// to last about `streamGroupSeconds` (`chainedGroupSeconds` for NUTS), so progress and an
    /// interrupt are seen that often, at most `streamGroupLimit` iterations and `streamGroupBytes`
    /// of ring memory, and at most half the iterations not yet enqueued (`tailSize`), so that the
    /// device has a group to run while the host writes the one before it until the last few
    /// iterations: without the halving a 200-draw run was groups of 1, 1 and 198, and the host
    /// wrote the 198 draws with the device idle. Falls back to `SamplingStream.stepwise` wherever
    /// `execute` would run on the host.
    ///
    /// With `stream.moments` (`--keep moments`) and a device that computes the recorded values,
    /// the kept iterations stay on the device: after the host takes a group, their recorded values
    /// and lp__ are added to every chain's running moments there (`accumulateMoments`), and the
    /// moments are read once, at the end (`MomentsOnDevice`). A group the host did not take (the
    /// one in flight at a stop) is not added.
    public func stream(_ stream: SamplingStream, from state: SamplerState, random: PhiloxRandom,
                       deliver: ([SampledIteration]) throws -> Bool) throws -> SamplerState {
        try dropAheadGroup()
        guard let first = stream.iterations.first else { return state }
        let firstRequest = stream.request(first)
        guard let inverse = inverseDiagonal(firstRequest.metric, chains: state.chains, dimension: state.dimension),
              let device = program(firstRequest.integrator) else {
            return try stream.stepwise(from: state, execute: { try execute($0, from: $1, random: random) }, deliver: deliver)
        }
        let n = state.chains, d = state.dimension, perStep = firstRequest.integrator.gradientsPerStep
        // Chains that wait for each other: one launch shape for the whole stream.
        let together = device.chainsInLockstep(forChains: firstRequest.batchChains ?? n)
        // Moments on the device when it records the values the sink expects (else on the host).
        var moments = stream.moments
        if let m = moments, device.recordedValuesPerChain().map({ 1 + $0 }) != m.quantities { moments = nil }
        if moments != nil { device.resetMoments() }
        var keptSoFar = 0
        let limit = groupLimit(chains: n, dimension: d)
        var next = stream.iterations.lowerBound
        var size = 1
        var pending: [(group: PendingTransitions, iterations: Range<Int>, stepSizes: [[Double]])] = []
        var startState: (positions: ChainBatch, logDensity: [Double], gradient: ChainBatch)? =
            (state.positions, state.logDensity, state.gradient)

        func enqueueNext() throws {
            let range = next..<(next + Self.tailSize(size, remaining: stream.iterations.upperBound - next))
            let launches = range.map { launch(stream.request($0), chains: n, inverse: inverse, random: random) }
            let group = try device.enqueue(launches, keeps: range.map(stream.keeps), from: startState,
                                           keptStayOnDevice: moments != nil)
            startState = nil
            pending.append((group, range, launches.map(\.stepSizes)))
            next = range.upperBound
        }

        var last = Clock.now()
        var stopped = false
        do {
            try enqueueNext()
            if next < stream.iterations.upperBound { try enqueueNext() }
            while !pending.isEmpty {
                let (group, range, stepSizes) = pending[0]
                let transitions = try device.collect(group)
                pending.removeFirst()
                let now = Clock.now()
                size = Self.groupSize(lasting: group.chained ? chainedGroupSeconds : streamGroupSeconds,
                                      perTransition: (now - last) / Double(range.count), limit: limit) ?? size
                last = now
                if stopped { continue }
                ranOnDevice(device, transitions: range.count, chains: n)
                let lockstep = group.chained
                    ? Self.lockstepSteps(chained: transitions.map(\.outputs.steps), together: together,
                                         quorum: device.startQuorum(lanes: together))
                    : transitions.map { Self.lockstepSteps($0.outputs.steps, together: together) }
                let sampled = zip(range, zip(transitions, zip(stepSizes, lockstep))).map { iteration, pair in
                    let (t, (steps, spent)) = pair
                    return SampledIteration(
                        iteration: iteration,
                        info: Self.info(t.outputs, stepSizes: steps, gradientsPerStep: perStep),
                        lockstepEvaluations: spent * perStep,
                        positions: t.positions,
                        logDensity: t.logDensity, keptOnDevice: moments != nil && stream.keeps(iteration))
                }
                let goOn = try deliver(sampled)
                if let moments {
                    // The host took the group whole: its kept draws join the moments, in order.
                    let kept = range.filter(stream.keeps).count
                    try device.accumulateMoments(group, halves: (keptSoFar..<(keptSoFar + kept)).map { $0 < moments.firstHalf ? 0 : 1 })
                    keptSoFar += kept
                }
                if !goOn { stopped = true; continue }
                if next < stream.iterations.upperBound { try enqueueNext() }
            }
        } catch {
            // Nothing is left in flight on the device, whatever failed (the device, or the sink).
            for p in pending { _ = try? device.collect(p.group) }
            throw error
        }
        if let moments {
            let m = try device.readMoments()
            try moments.finish(m.map {
                ChainMoments(chains: $0.chains, quantities: $0.quantities, counts: $0.counts, means: $0.means, m2: $0.m2,
                             nonFinite: $0.nonFinite)
            } ?? ChainMoments(chains: n, quantities: moments.quantities))
        }
        let end = try device.residentStateValues()
        return SamplerState(positions: end.positions, logDensity: end.logDensity, gradient: end.gradient)
    }

    /// The state a warmup transition kept on the device starts from: `state` when given; else the
    /// one the device holds, read from the program that holds it when the program changed (a
    /// precision switch).
    private func warmupStart(_ state: SamplerState?, on device: any TrajectoryRunning) throws
        -> (positions: ChainBatch, logDensity: [Double], gradient: ChainBatch)? {
        if let state { return (state.positions, state.logDensity, state.gradient) }
        guard let holder else { preconditionFailure("DeviceTransitionExecutor: no warmup state given and none held") }
        return holder !== device ? try holder.residentStateValues() : nil
    }

    /// Most transitions in a group of `chains` chains: `streamGroupLimit`, and what fits in
    /// `streamGroupBytes` of ring memory.
    private func groupLimit(chains: Int, dimension: Int) -> Int {
        max(1, min(streamGroupLimit, streamGroupBytes / max(1, OpenCLTrajectories<Double>.ringBytesPerTransition(chains: chains,
                                                                                                                 dimension: dimension))))
    }

    /// The next group's iterations: `size`, at most half of the `remaining` iterations (rounded
    /// up), so that groups shrink geometrically towards the stream's end and the last one the host
    /// writes alone is short.
    public static func tailSize(_ size: Int, remaining: Int) -> Int {
        max(1, min(size, (remaining + 1) / 2))
    }

    /// Transitions for the next group to last `seconds` at the measured `perTransition` seconds,
    /// 1...`limit`; nil when nothing was measured (a clock that did not move).
    static func groupSize(lasting seconds: Double, perTransition: Double, limit: Int) -> Int? {
        guard perTransition > 0 else { return nil }
        let target = seconds / perTransition
        return target >= Double(limit) ? limit : max(1, Int(target))
    }

    /// Seconds a streamed group aims to last (`stream`).
    public var streamGroupSeconds = 0.25
    /// Seconds a chained group (NUTS) aims to last: longer than other groups, since its chains
    /// wait for each other once per group, and an interrupt is still seen within two groups.
    /// Measured on the BNN, 1,024 chains in 16 lanes on 2 cores (one transition ≈ 0.4 s), 200
    /// draws: sampling took 69.5 s with quarter-second groups (one transition each), 62.6 s with
    /// 2 s, 58.7 s with 8 s (docs/benchmarks.md).
    public var chainedGroupSeconds = 2.0
    /// Most iterations in a streamed group.
    public var streamGroupLimit = 256
    /// Most ring memory a streamed group may use (two rings are allocated).
    public var streamGroupBytes = 64 << 20

    /// The launch of `request` for `chains` chains: HMC's jittered step sizes and step counts are
    /// computed here (`HMCKernel.trajectoryShape`), so the device's L is the host's. The kernels
    /// key their streams by `random.firstChain` + local chain, so a shard's executor (given
    /// `random.block(startingAt:)`, as `ShardedTransitionExecutor` and `SplitTransitionExecutor`
    /// do) draws its global chains' numbers. `shapedOnDevice`: the device gives every chain its
    /// step size and count itself (ChEES's chained span, `lf_chees_shape`), so none is computed here.
    private func launch(_ request: TransitionRequest, chains n: Int, inverse: ChainBatch, random: PhiloxRandom,
                        shapedOnDevice: Bool = false) -> TrajectoryLaunch {
        switch request.trajectory {
        case .hmc where shapedOnDevice:
            return TrajectoryLaunch(.hmc(steps: [Int](repeating: 0, count: n)), stepSizes: request.stepSizes,
                                    inverseMetricDiagonal: inverse, seed: random.seed, iteration: request.iteration,
                                    firstChain: random.firstChain, batchChains: request.batchChains,
                                    returnsProposal: request.returnsProposal)
        case .hmc(let trajectory, let jitter):
            let kernel = HMCKernel(trajectory: trajectory, jitter: jitter, integrator: request.integrator)
            let shapes = (0..<n).map {
                kernel.trajectoryShape(stepSize: request.stepSizes[$0], chain: $0, iteration: request.iteration, random: random)
            }
            return TrajectoryLaunch(.hmc(steps: shapes.map(\.steps)), stepSizes: shapes.map(\.stepSize),
                                    inverseMetricDiagonal: inverse, seed: random.seed, iteration: request.iteration,
                                    firstChain: random.firstChain, batchChains: request.batchChains,
                                    returnsProposal: request.returnsProposal)
        case .nuts(let maxDepth):
            return TrajectoryLaunch(.nuts(maxDepth: maxDepth), stepSizes: request.stepSizes, inverseMetricDiagonal: inverse,
                                    seed: random.seed, iteration: request.iteration, firstChain: random.firstChain,
                                    batchChains: request.batchChains)
        }
    }

    /// Every chain's `TransitionInfo` from the kernel's outputs (their columns, as they are).
    private static func info(_ o: TrajectoryOutputs, stepSizes: [Double], gradientsPerStep: Int) -> TransitionInfoBatch {
        TransitionInfoBatch(acceptanceStatistic: o.acceptProbability, accepted: o.accepted, divergent: o.divergent,
                            energy: o.energy, stepSize: stepSizes, treeDepth: o.treeDepth, leapfrogSteps: o.steps,
                            gradientEvaluations: o.steps.map { $0 * gradientsPerStep })
    }

    /// Where `programs` keeps the program for `precision` and `integrator` (every integrator's
    /// key starts with the key for none).
    private func programKey(_ precision: String, integrator: Integrator?) -> String { precision + " " + (integrator?.name ?? "") }

    /// The device program for the current precision and this integrator; nil (logged once) when
    /// it cannot be made.
    private func program(_ integrator: Integrator) -> (any TrajectoryRunning)? {
        let precision = guarded?.currentName ?? basePrecision
        if let guarded, precision == guarded.fastName, guarded.checks.contains(where: { !$0.passed }) {
            // f32 failed a check and the policy keeps it (`--precision f32`): the trajectories'
            // arithmetic moves to the host in f64 around the f32 density, as before the device ran them.
            if !failedCheckLogged {
                failedCheckLogged = true
                log("leapfrog: transitions run on the host from here: \(precision) failed a precision check")
            }
            return nil
        }
        let key = programKey(precision, integrator: integrator)
        if programs[key] == nil {
            if let guarded, precision == guarded.accurateName {
                // A switch is for the rest of the run: the fast precision's programs give their
                // device buffers back (one holding the warmup state lives until this one takes it).
                programs = programs.filter { !$0.key.hasPrefix(programKey(guarded.fastName, integrator: nil)) }
            }
            programs[key] = Result { try make(precision, integrator.coefficients) }
            if case .failure(let error) = programs[key]! {
                log("leapfrog: transitions run on the host (\(precision), \(integrator.name)): \(error)")
            }
        }
        return try? programs[key]!.get()
    }

    /// diag(M⁻¹) of every chain, or nil for a dense metric; the last one is kept, so an unchanged
    /// metric (every transition between two window ends) is neither rebuilt nor re-sent: the
    /// device compares it with what it holds, and an array compared with itself is equal at once.
    private func inverseDiagonal(_ metric: Metric, chains n: Int, dimension d: Int) -> ChainBatch? {
        if let cached = lastInverse, cached.metric == metric, cached.inverse.chains == n, cached.inverse.dimension == d {
            return cached.inverse
        }
        guard let inverse = Self.inverseDiagonal(metric, chains: n, dimension: d) else { return nil }
        lastInverse = (metric, inverse)
        return inverse
    }

    /// diag(M⁻¹) of every chain, or nil for a dense metric.
    static func inverseDiagonal(_ metric: Metric, chains n: Int, dimension d: Int) -> ChainBatch? {
        switch metric {
        case .unit: return ChainBatch(chains: n, dimension: d, values: [Double](repeating: 1, count: n * d))
        case .diagonal(let m):
            var values = [Double](repeating: 0, count: n * d)
            for i in 0..<d { for c in 0..<n { values[i * n + c] = m[i] } }
            return ChainBatch(chains: n, dimension: d, values: values)
        case .diagonalPerChain(let b): return b
        case .dense, .densePerChain: return nil
        }
    }
}

/// log of an acceptance probability min(1, e^{ΔH}): min(0, ΔH), −∞ for 0 (a free function: the
/// executor's `log` is its message sink).
private func logAcceptance(_ probability: Double) -> Double { log(probability) }
