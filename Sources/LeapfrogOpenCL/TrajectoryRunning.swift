import LeapfrogCore

/// Runs whole transitions of every chain on a device (`OpenCLTrajectories<R>` for either
/// precision), so callers need not know the device's `real`: one at a time (`run`), or streamed
/// in groups, two in flight (`enqueue`, `collect`, then `residentStateValues` for the end state), or
/// the step-size heuristic's trials (`probe`), or
/// in warmup keeping the state there and reducing its statistics (`runKeepingState`; NUTS with
/// per-chain step sizes and ChEES's shared ones in chained groups, `enqueueAdaptingKeepingState`,
/// `enqueueChEESKeepingState`, `collectWarmupGroup`), with
/// the kept draws' running moments accumulated on the device (`accumulateMoments`, `readMoments`).
public protocol TrajectoryRunning: DeviceTrafficCounting {
    func run(_ launch: TrajectoryLaunch, positions: ChainBatch, logDensity: [Double], gradient: ChainBatch) throws
        -> TrajectoryOutcome
    func enqueue(_ launches: [TrajectoryLaunch], keeps: [Bool],
                 from start: (positions: ChainBatch, logDensity: [Double], gradient: ChainBatch)?,
                 keptStayOnDevice: Bool) throws -> PendingTransitions
    func collect(_ pending: PendingTransitions) throws -> [StreamedTransition]
    /// A trial of the step-size heuristic: every chain's acceptance probability of one HMC step,
    /// the state left where it was.
    func probe(_ launch: TrajectoryLaunch, positions: ChainBatch, logDensity: [Double], gradient: ChainBatch) throws
        -> [Double]
    func residentStateValues() throws -> (positions: ChainBatch, logDensity: [Double], gradient: ChainBatch)
    /// Warmup with the state kept on the device and its statistics reduced there.
    func runKeepingState(_ launch: TrajectoryLaunch, from start: (positions: ChainBatch, logDensity: [Double], gradient: ChainBatch)?,
                         reductions: WarmupReductionRequest) throws -> KeptTransitionOutcome
    /// Warmup NUTS transitions chained in one launch, each chain adapting its own step size,
    /// enqueued without a wait (`collectWarmupGroup` waits for them).
    func enqueueAdaptingKeepingState(_ launch: TrajectoryLaunch, count: Int, averaging: StepSizeAveraging?,
                                     from start: (positions: ChainBatch, logDensity: [Double], gradient: ChainBatch)?,
                                     reductions: WarmupReductionRequest) throws -> PendingWarmupGroup
    /// Warmup ChEES transitions in one group, the shared step size and trajectory length adapted
    /// on the device between them, enqueued without a wait (`collectWarmupGroup` waits for them).
    func enqueueChEESKeepingState(_ launch: TrajectoryLaunch, count: Int, adaptation: ChEESAdaptationState, continues: Bool,
                                  jitter: [Double],
                                  from start: (positions: ChainBatch, logDensity: [Double], gradient: ChainBatch)?,
                                  reductions: WarmupReductionRequest) throws -> PendingWarmupGroup
    func collectWarmupGroup(_ pending: PendingWarmupGroup) throws -> [KeptTransitionOutcome]
    func takeWindowMoments() throws -> DeviceWindowMoments?
    /// Builds the warmup reductions' program (`runKeepingState` otherwise builds it on first use).
    func prepareWarmup() throws
    /// ChEES's sums about a split batch's means, after `runKeepingState` with partial means.
    func cheesSums(about means: ChEESPartialMeans) throws -> ChEESSums
    /// Kept draws' moments on the device (`sample --keep moments`).
    func recordedValuesPerChain() -> Int?
    func resetMoments()
    func accumulateMoments(_ pending: PendingTransitions, halves: [Int]) throws
    func readMoments() throws -> DeviceMoments?
    /// The launch shape a batch of `chains` chains runs in (`--launch`, or `auto`'s choice).
    func shape(forChains chains: Int) -> LaunchShape
    /// How many consecutive chains of such a batch wait for each other in a transition.
    func chainsInLockstep(forChains chains: Int) -> Int
    /// NUTS's chained launches: how many of a work-item's `lanes` lanes wait before they start
    /// their next trees together (`OpenCLTrajectories.startQuorum`).
    func startQuorum(lanes: Int) -> Int
}

extension OpenCLTrajectories: TrajectoryRunning {}
