import LeapfrogCore
import LeapfrogDiagnostics

/// Everything `summary.json` records about a run (see `SummaryFile` for the format).
public struct RunSummary: Codable, Sendable, Hashable {
    /// Gradient evaluations: what the chains needed on their own (the sum of every chain's
    /// leapfrog steps) and what lockstep execution spent: per draw, every chain counted at the
    /// longest trajectory among the chains it waits for (the whole batch on the host; a
    /// work-item's W chains in the device's chain shape; none with rows in lanes or a work-group
    /// per chain), summed. `efficiency` = needed / spent.
    public struct GradientEvaluations: Codable, Sendable, Hashable {
        public var needed: Int
        public var spentInLockstep: Int

        public init(needed: Int, spentInLockstep: Int) {
            self.needed = needed
            self.spentInLockstep = spentInLockstep
        }

        public var efficiency: Double { spentInLockstep > 0 ? Double(needed) / Double(spentInLockstep) : .nan }

        enum CodingKeys: String, CodingKey { case needed, spentInLockstep = "spent_in_lockstep", efficiency }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            needed = try c.decode(Int.self, forKey: .needed)
            spentInLockstep = try c.decode(Int.self, forKey: .spentInLockstep)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(needed, forKey: .needed)
            try c.encode(spentInLockstep, forKey: .spentInLockstep)
            try c.encodeFiniteOrNull(efficiency, forKey: .efficiency)
        }
    }

    /// The run's settings as text (model, sampler, seed, warmup, …); free-form.
    public var configuration: [String: String]
    /// The back end (`reference`, `opencl`) and the device it ran on, if any.
    public var backend: String
    public var device: String?
    public var chains: Int
    /// Draws per chain written after warmup (fewer than planned if interrupted).
    public var draws: Int
    public var interrupted: Bool
    public var timing: RunTiming
    public var gradientEvaluations: GradientEvaluations
    /// Divergent transitions after warmup, over all chains.
    public var divergences: Int
    public var parameters: [ParameterSummary]
    /// Human-readable warnings (R-hat, ESS, divergences, E-BFMI …), in the order shown.
    public var warnings: [String]
    /// Output files written, by kind (e.g. `"inference_data": "posterior.nc"`).
    public var outputs: [String: String]
    /// What the sampler adapted and how long its trajectories were after warmup (absent in
    /// summaries written before it existed).
    public var sampler: SamplerFigures?
    /// The arithmetic precision asked for and run, and the checks of f32 against f64 (absent in
    /// summaries written before it existed).
    public var precision: PrecisionFigures?
    /// An adaptive warmup: when and why it ended (absent for a fixed warmup).
    public var warmup: WarmupReport?
    /// Sampling stopped at a target ESS (absent otherwise).
    public var targetESS: TargetESSFigures?
    /// What crossed between host and device (absent on the CPU reference).
    public var deviceTraffic: DeviceTrafficFigures?

    /// Kernel launches, blocking host↔device round trips and bytes moved over the whole run
    /// (initialisation, warmup, checks and recording included), per iteration, and where the
    /// transitions ran (`DeviceTransitionExecutor`).
    public struct DeviceTrafficFigures: Codable, Sendable, Hashable {
        public var total: DeviceTraffic
        /// Warmup and sampling iterations run.
        public var iterations: Int
        public var transitionsOnDevice: Int
        public var transitionsOnHost: Int
        /// The launch shape of the device transitions (`work-item per chain`, `work-group of 32
        /// per chain`; absent when none ran on the device). `--launch auto` chooses it from the
        /// chain count, so it can differ from the density's shape in the back-end line.
        public var transitionsLaunchShape: String?

        public init(total: DeviceTraffic, iterations: Int, transitionsOnDevice: Int, transitionsOnHost: Int,
                    transitionsLaunchShape: String? = nil) {
            self.total = total
            self.iterations = iterations
            self.transitionsOnDevice = transitionsOnDevice
            self.transitionsOnHost = transitionsOnHost
            self.transitionsLaunchShape = transitionsLaunchShape
        }

        public var launchesPerIteration: Double { Double(total.launches) / Double(max(1, iterations)) }
        public var roundTripsPerIteration: Double { Double(total.roundTrips) / Double(max(1, iterations)) }
        public var bytesPerIteration: Double {
            Double(total.bytesToDevice + total.bytesFromDevice) / Double(max(1, iterations))
        }

        enum CodingKeys: String, CodingKey {
            case total, iterations, transitionsOnDevice = "transitions_on_device", transitionsOnHost = "transitions_on_host"
            case transitionsLaunchShape = "transitions_launch_shape"
            case launchesPerIteration = "launches_per_iteration", roundTripsPerIteration = "round_trips_per_iteration"
            case bytesPerIteration = "bytes_per_iteration"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            total = try c.decode(DeviceTraffic.self, forKey: .total)
            iterations = try c.decode(Int.self, forKey: .iterations)
            transitionsOnDevice = try c.decode(Int.self, forKey: .transitionsOnDevice)
            transitionsOnHost = try c.decode(Int.self, forKey: .transitionsOnHost)
            transitionsLaunchShape = try c.decodeIfPresent(String.self, forKey: .transitionsLaunchShape)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(total, forKey: .total)
            try c.encode(iterations, forKey: .iterations)
            try c.encode(transitionsOnDevice, forKey: .transitionsOnDevice)
            try c.encode(transitionsOnHost, forKey: .transitionsOnHost)
            try c.encodeIfPresent(transitionsLaunchShape, forKey: .transitionsLaunchShape)
            try c.encode(launchesPerIteration, forKey: .launchesPerIteration)
            try c.encode(roundTripsPerIteration, forKey: .roundTripsPerIteration)
            try c.encode(bytesPerIteration, forKey: .bytesPerIteration)
        }
    }
    /// Where the chains started, when that cost evaluations (`--init pathfinder`; absent otherwise).
    public var initialisation: InitialisationFigures?
    /// Chains moved during warmup (`StrayChainRelocation`); absent when none was.
    public var relocatedChains: [ChainRelocation]?

    /// `--precision`: what was asked (`auto`, `f32`, `f64`), what computed the draws (`f32`,
    /// `f64`, or `f64` after a switch), where it switched, and every check (see `PrecisionGuard`).
    public struct PrecisionFigures: Codable, Sendable, Hashable {
        public var requested: String
        public var ran: String
        /// The checkpoint at which an `auto` run switched from f32 to f64 (nil: it did not).
        public var switchedAt: String?
        public var bounds: PrecisionGuard.Bounds?
        public var checks: [PrecisionGuard.Check]
        /// Seconds spent making the f64 twin before the run (its program build; 0 when cached).
        public var setupSeconds: Double

        public init(requested: String, ran: String, switchedAt: String? = nil, bounds: PrecisionGuard.Bounds? = nil,
                    checks: [PrecisionGuard.Check] = [], setupSeconds: Double = 0) {
            self.requested = requested
            self.ran = ran
            self.switchedAt = switchedAt
            self.bounds = bounds
            self.checks = checks
            self.setupSeconds = setupSeconds
        }

        /// Seconds spent in checks, all checkpoints together.
        public var checkSeconds: Double { checks.reduce(0) { $0 + $1.seconds } }

        enum CodingKeys: String, CodingKey {
            case requested, ran, switchedAt = "switched_at", bounds, checks, checkSeconds = "check_seconds"
            case setupSeconds = "setup_seconds"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            requested = try c.decode(String.self, forKey: .requested)
            ran = try c.decode(String.self, forKey: .ran)
            switchedAt = try c.decodeIfPresent(String.self, forKey: .switchedAt)
            bounds = try c.decodeIfPresent(PrecisionGuard.Bounds.self, forKey: .bounds)
            checks = try c.decode([PrecisionGuard.Check].self, forKey: .checks)
            setupSeconds = try c.decodeIfPresent(Double.self, forKey: .setupSeconds) ?? 0
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(requested, forKey: .requested)
            try c.encode(ran, forKey: .ran)
            try c.encodeIfPresent(switchedAt, forKey: .switchedAt)
            try c.encodeIfPresent(bounds, forKey: .bounds)
            try c.encode(checks, forKey: .checks)
            try c.encode(checkSeconds, forKey: .checkSeconds)
            try c.encode(setupSeconds, forKey: .setupSeconds)
        }
    }

    /// Sampling that stopped at a target ESS (`--target-ess`): the target, the log density's
    /// bulk ESS reached, and the draws per chain that took.
    public struct TargetESSFigures: Codable, Sendable, Hashable {
        public var target: Double
        public var reached: Double?
        public var drawsPerChain: Int

        public init(target: Double, reached: Double?, drawsPerChain: Int) {
            self.target = target
            self.reached = reached
            self.drawsPerChain = drawsPerChain
        }

        enum CodingKeys: String, CodingKey { case target, reached, drawsPerChain = "draws_per_chain" }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            target = try c.decode(Double.self, forKey: .target)
            reached = try c.decodeIfPresent(Double.self, forKey: .reached)
            drawsPerChain = try c.decode(Int.self, forKey: .drawsPerChain)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(target, forKey: .target)
            try c.encodeFiniteOrNull(reached, forKey: .reached)
            try c.encode(drawsPerChain, forKey: .drawsPerChain)
        }
    }

    /// The adapted step sizes and trajectory figures of a run, for comparing samplers.
    public struct SamplerFigures: Codable, Sendable, Hashable {
        /// Adapted step size of each chain (all equal when adaptation is pooled or shared).
        public var stepSizes: [Double]
        /// ChEES's adapted trajectory length (nil for the other samplers).
        public var trajectoryLength: Double?
        /// Mean leapfrog steps per draw after warmup, over all chains.
        public var meanLeapfrogSteps: Double
        /// NUTS: draws after warmup that reached the maximum tree depth (nil for the others).
        public var treeDepthSaturated: Int?

        public init(stepSizes: [Double], trajectoryLength: Double?, meanLeapfrogSteps: Double, treeDepthSaturated: Int?) {
            self.stepSizes = stepSizes
            self.trajectoryLength = trajectoryLength
            self.meanLeapfrogSteps = meanLeapfrogSteps
            self.treeDepthSaturated = treeDepthSaturated
        }

        enum CodingKeys: String, CodingKey {
            case stepSizes = "step_sizes", trajectoryLength = "trajectory_length"
            case meanLeapfrogSteps = "mean_leapfrog_steps", treeDepthSaturated = "tree_depth_saturated"
        }
    }

    public init(configuration: [String: String], backend: String, device: String? = nil, chains: Int, draws: Int,
                interrupted: Bool, timing: RunTiming, gradientEvaluations: GradientEvaluations, divergences: Int,
                parameters: [ParameterSummary], warnings: [String] = [], outputs: [String: String] = [:],
                sampler: SamplerFigures? = nil, precision: PrecisionFigures? = nil, warmup: WarmupReport? = nil,
                targetESS: TargetESSFigures? = nil, deviceTraffic: DeviceTrafficFigures? = nil,
                initialisation: InitialisationFigures? = nil, relocatedChains: [ChainRelocation]? = nil) {
        self.configuration = configuration
        self.backend = backend
        self.device = device
        self.chains = chains
        self.draws = draws
        self.interrupted = interrupted
        self.timing = timing
        self.gradientEvaluations = gradientEvaluations
        self.divergences = divergences
        self.parameters = parameters
        self.warnings = warnings
        self.outputs = outputs
        self.sampler = sampler
        self.precision = precision
        self.warmup = warmup
        self.targetESS = targetESS
        self.deviceTraffic = deviceTraffic
        self.initialisation = initialisation
        self.relocatedChains = relocatedChains
    }

    enum CodingKeys: String, CodingKey {
        case format, configuration, backend, device, chains, draws, interrupted, timing
        case gradientEvaluations = "gradient_evaluations", divergences, parameters, warnings, outputs, sampler, precision
        case warmup, targetESS = "target_ess", deviceTraffic = "device_traffic", initialisation
        case relocatedChains = "relocated_chains"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let format = try c.decode(String.self, forKey: .format)
        guard format == SummaryFile.format else {
            throw DecodingError.dataCorruptedError(forKey: .format, in: c,
                debugDescription: "format '\(format)' is not '\(SummaryFile.format)'")
        }
        configuration = try c.decode([String: String].self, forKey: .configuration)
        backend = try c.decode(String.self, forKey: .backend)
        device = try c.decodeIfPresent(String.self, forKey: .device)
        chains = try c.decode(Int.self, forKey: .chains)
        draws = try c.decode(Int.self, forKey: .draws)
        interrupted = try c.decode(Bool.self, forKey: .interrupted)
        timing = try c.decode(RunTiming.self, forKey: .timing)
        gradientEvaluations = try c.decode(GradientEvaluations.self, forKey: .gradientEvaluations)
        divergences = try c.decode(Int.self, forKey: .divergences)
        parameters = try c.decode([ParameterSummary].self, forKey: .parameters)
        warnings = try c.decode([String].self, forKey: .warnings)
        outputs = try c.decode([String: String].self, forKey: .outputs)
        sampler = try c.decodeIfPresent(SamplerFigures.self, forKey: .sampler)
        precision = try c.decodeIfPresent(PrecisionFigures.self, forKey: .precision)
        warmup = try c.decodeIfPresent(WarmupReport.self, forKey: .warmup)
        targetESS = try c.decodeIfPresent(TargetESSFigures.self, forKey: .targetESS)
        deviceTraffic = try c.decodeIfPresent(DeviceTrafficFigures.self, forKey: .deviceTraffic)
        initialisation = try c.decodeIfPresent(InitialisationFigures.self, forKey: .initialisation)
        relocatedChains = try c.decodeIfPresent([ChainRelocation].self, forKey: .relocatedChains)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(SummaryFile.format, forKey: .format)
        try c.encode(configuration, forKey: .configuration)
        try c.encode(backend, forKey: .backend)
        if let device { try c.encode(device, forKey: .device) } else { try c.encodeNil(forKey: .device) }
        try c.encode(chains, forKey: .chains)
        try c.encode(draws, forKey: .draws)
        try c.encode(interrupted, forKey: .interrupted)
        try c.encode(timing, forKey: .timing)
        try c.encode(gradientEvaluations, forKey: .gradientEvaluations)
        try c.encode(divergences, forKey: .divergences)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(warnings, forKey: .warnings)
        try c.encode(outputs, forKey: .outputs)
        try c.encodeIfPresent(sampler, forKey: .sampler)
        try c.encodeIfPresent(precision, forKey: .precision)
        try c.encodeIfPresent(warmup, forKey: .warmup)
        try c.encodeIfPresent(targetESS, forKey: .targetESS)
        try c.encodeIfPresent(deviceTraffic, forKey: .deviceTraffic)
        try c.encodeIfPresent(initialisation, forKey: .initialisation)
        try c.encodeIfPresent(relocatedChains, forKey: .relocatedChains)
    }
}
