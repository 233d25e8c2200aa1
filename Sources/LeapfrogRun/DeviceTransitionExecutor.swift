import LeapfrogCore
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
/// one launch and one blocking round trip per transition, positions, gradients and log densities
/// resident on the device between transitions. Everything else — a dense metric, a precision or
/// a model without a device program — runs on the host (`HostTransitionExecutor` over the same
/// density), so a run never fails for want of a device kernel; `placements` counts which ran where.
///
/// The device makes the same transitions as `NUTSKernel` and `HMCKernel` for the same request and
/// seed: the same Philox streams for the momenta, directions, leaf choices and Metropolis
/// uniforms; HMC's jittered step sizes and step counts computed here on the host
/// (`HMCKernel.trajectoryShape`) and sent with the launch. In f64
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
/// from); its log densities are −∞ and its gradients zero: they are not read back.
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
    /// Transitions run on the device and on the host.
    public private(set) var placements = (device: 0, host: 0)

    /// - density: the back end's density (a `PrecisionGuard` is followed).
    /// - precision: the device program's precision when `density` is not a guard.
    public init(density: some BatchedLogDensity, precision: String, log: @escaping @Sendable (String) -> Void,
                make: @escaping Factory) {
        host = HostTransitionExecutor(model: density)
        guarded = density as? PrecisionGuard
        basePrecision = precision
        self.make = make
        self.log = log
    }

    /// Device traffic of every program made so far.
    public var traffic: DeviceTraffic {
        programs.values.reduce(DeviceTraffic()) { $0 + ((try? $1.get())?.traffic ?? DeviceTraffic()) }
    }

    public func execute(_ request: TransitionRequest, from state: SamplerState, random: PhiloxRandom) throws -> Transition {
        guard let inverse = Self.inverseDiagonal(request.metric, chains: state.chains, dimension: state.dimension),
              let device = program(request.integrator) else {
            placements.host += 1
            return try host.execute(request, from: state, random: random)
        }
        placements.device += 1
        let n = state.chains
        let launch: TrajectoryLaunch
        var stepSizes = request.stepSizes
        switch request.trajectory {
        case .hmc(let trajectory, let jitter):
            let kernel = HMCKernel(trajectory: trajectory, jitter: jitter, integrator: request.integrator)
            let shapes = (0..<n).map {
                kernel.trajectoryShape(stepSize: request.stepSizes[$0], chain: $0, iteration: request.iteration, random: random)
            }
            stepSizes = shapes.map(\.stepSize)
            launch = TrajectoryLaunch(.hmc(steps: shapes.map(\.steps)), stepSizes: stepSizes, inverseMetricDiagonal: inverse,
                                      seed: random.seed, iteration: request.iteration, returnsProposal: request.returnsProposal)
        case .nuts(let maxDepth):
            launch = TrajectoryLaunch(.nuts(maxDepth: maxDepth), stepSizes: stepSizes, inverseMetricDiagonal: inverse,
                                      seed: random.seed, iteration: request.iteration)
        }
        let outcome = try device.run(launch, positions: state.positions, logDensity: state.logDensity, gradient: state.gradient)
        let perStep = request.integrator.gradientsPerStep
        let info = (0..<n).map { c in
            TransitionInfo(acceptanceStatistic: outcome.acceptProbability[c], accepted: outcome.accepted[c],
                           divergent: outcome.divergent[c], energy: outcome.energy[c], stepSize: stepSizes[c],
                           treeDepth: outcome.treeDepth[c], leapfrogSteps: outcome.steps[c],
                           gradientEvaluations: outcome.steps[c] * perStep)
        }
        let proposal = outcome.proposal.map {
            PhasePoint(position: $0.position, momentum: $0.momentum,
                       logDensity: [Double](repeating: -.infinity, count: n),
                       gradient: ChainBatch(chains: n, dimension: state.dimension))
        }
        // Lockstep cost: the work-items' chains wait for each other, not for the whole batch; the
        // count reported is the batch's longest trajectory, as on the host.
        return Transition(state: SamplerState(positions: outcome.positions, logDensity: outcome.logDensity,
                                              gradient: outcome.gradient),
                          info: info, lockstepEvaluations: (outcome.steps.max() ?? 0) * perStep, proposal: proposal)
    }

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
        let key = precision + " " + integrator.name
        if programs[key] == nil {
            programs[key] = Result { try make(precision, integrator.coefficients) }
            if case .failure(let error) = programs[key]! {
                log("leapfrog: transitions run on the host (\(precision), \(integrator.name)): \(error)")
            }
        }
        return try? programs[key]!.get()
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
