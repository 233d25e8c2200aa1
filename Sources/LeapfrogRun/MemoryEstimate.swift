import LeapfrogCore
import LeapfrogModel
import LeapfrogSampling

/// The host and device memory a `sample` run needs, estimated before it starts, so that a run too
/// big for the machine is refused at once, with the largest chain count that fits.
///
/// Cost model, in `Double`s (8 bytes) unless said otherwise; d is the unconstrained dimension,
/// L the NUTS maximum tree depth, D the retained draws per chain, R the values recorded per draw
/// (`lp__`, constrained parameters, derived quantities), V the elements of the largest recorded
/// variable. The host holds every chain's sampler state in `Double` whatever the back end
/// (Sources/LeapfrogSampling), so per chain it needs:
///
/// - kept all run: the state (position and gradient, 2d); the adaptation's Welford mean and sums
///   of squares (d + d, or d + d² dense; twice while a window's estimator is replaced; none with
///   the unit metric, whose estimators are never written); a per-chain metric when adaptation is
///   not pooled (d diagonal, 2d² dense: the inverse and its Cholesky factor); the energies; without
///   `posterior.nc` the draws themselves (R per draw). Both grow by appending, and a Swift array
///   doubles its capacity as it grows, so they take D' = D rounded up to a power of two each;
///   bookkeeping (step sizes, statistics, counters and array headers: 1.25 KiB with NUTS's
///   per-chain trees, 0.5 KiB otherwise); with `--csv`, the chain's open file and its 64 KiB
///   buffer (`StanCSVWriter`).
/// - then the larger of the sampling work and the summary work, which never overlap (but with
///   `--keep moments` on a device the moments are read back while the sampling work is held).
///   Sampling: NUTS's batches, d each: the phase point (position, momentum, gradient), its
///   velocity, both trajectory ends (3 each) and their velocities, the sample and the proposal
///   (2 each), the integrator's velocity and the evaluator's gradient (18), and each chain's tree:
///   ρ sums, end momenta and velocities (6) and six checkpoint arrays of L levels (6L). Where a
///   device builds the trees (`TransitionExecutor.runsOnDevice`, a diagonal or unit metric, and no
///   explicit `--precision f32`, whose failed check moves them to the host), none of that: the
///   host holds what HMC's does (7; measured: 1.45 KiB a chain at d = 4 and 7.04 at d = 46,
///   estimated 2.24 and 10.8, where counting the host's trees gave 4.65 and 38.4). HMC: the
///   phase point, the accepted copy, the velocity and the evaluator's gradient (7); ChEES keeps
///   the proposal and centres it (10). (Initialisation and the step-size search use less.) An
///   OpenCL evaluator stages positions and gradients at the device precision (2d × its bytes);
///   writers gather one draw (R + 7 statistics). `--keep moments` on a device: at the end the
///   moments read back (`MomentsAccumulator.read`: two halves' means and sums of squares and the
///   non-finite counts, 5R, and one buffer staged at the device's precision, R).
///   Summary: about ten arrays of one quantity's D draws (the split halves, sort order, sorted
///   values, normal scores, fold, ESS work) for each core summarising one at once
///   (`summarize`, `ChainRanges.cores`), plus, when the draws are read back from `posterior.nc`,
///   a core's D each waiting in the batch and one variable's D·V; none with `--keep moments`.
///
/// Fixed host cost: the data (twice: as read and bound), a pooled metric (d, or 4d² dense), and
/// 64 MiB for the program. Measured (debug build, CPU reference): 2000 chains × 300 draws of eight
/// schools kept in memory take 107 KiB a chain, as estimated (73 KiB without the arrays' growth);
/// 200 chains of a 500-dimensional Gaussian under NUTS with `--output --csv` take 445 KiB a chain,
/// estimated 431. Measured since (release, PoCL f32, 2 cores, the slope of peak RSS between two
/// chain counts; eight schools, ChEES, 100 draws): draws in memory 34.1 KiB a chain, estimated
/// 34.8; read back from `posterior.nc` 20.7, estimated 23.9; `--keep moments` 3.37, estimated
/// 3.64 (a 46-dimensional Gaussian, 20 draws: 10.1, estimated 10.8). Before the cores and the
/// moments' read were counted these were estimated 27.8, 15.0, 2.74 and 9.12: a run the check let
/// through could exceed the machine. Device (OpenCL), at its precision: the data, and per chain the
/// positions and gradients (d each) and the log density, and with `--keep moments` the moments
/// accumulated there (`MomentsAccumulator`: d + 6R − 1), and where the model's largest values live
/// in a device heap (`DeviceHeap`) its numbers per chain once for each program that runs the
/// density (`heapPrograms`); one buffer (d, R or the heap's, per chain) must also fit in the
/// device's largest allocation. Where the chains' buffers do not fit at once, the evaluator runs
/// them in batches (`withChainSplitting`), so only the data can make a device refuse a run — but
/// on a CPU device, whose memory is the machine's, chains whose device memory exceeds what the
/// machine has available are refused (`RunMemory.checkDevice`).
struct MemoryEstimate: Sendable, Equatable {
    /// What the estimate depends on, apart from the number of chains.
    struct Run: Sendable, Equatable {
        var dimension: Int
        var draws: Int
        var recordedPerDraw: Int
        var largestVariable: Int
        var sampler: SamplerKind
        var maxDepth: Int
        /// NUTS's trees are built on the host (the CPU reference, `--transitions host`, a dense
        /// metric, a device without the program); false where a device builds them.
        var treesOnHost: Bool = true
        var metric: MetricKind
        var pooledAdaptation: Bool
        /// No `posterior.nc`: every draw stays in memory for the summary.
        var keepsDraws: Bool
        /// `--keep moments`: running moments instead of draws.
        var keepsMoments: Bool = false
        /// A Stan CSV file per chain.
        var writesCSV: Bool = false
        /// Numbers per chain in the device heap of the model's density kernel (`DeviceHeap`).
        var deviceHeapElements = 0
        /// Numbers in the bound data.
        var dataValues: Int
        /// Quantities summarised at once, one per core (`summarize`).
        var summaryCores: Int = 1
        /// Bytes of one device number (4 for f32, 8 for f64); `nil` for the CPU reference.
        var deviceRealBytes: Int?
    }

    /// Host bytes per chain, and fixed.
    let hostPerChain: Double
    let hostFixed: Double
    /// Of `hostPerChain`, the bytes of draws kept in memory.
    let keptDrawsPerChain: Double
    /// Device bytes per chain, fixed (the data), and per chain in the largest single buffer.
    let devicePerChain: Double
    let deviceFixed: Double
    let deviceBufferPerChain: Double

    static let double = 8.0
    static let programBytes = 64.0 * 1024 * 1024
    /// A Stan CSV file's stream: its 64 KiB buffer and the `FILE` around it.
    static let csvFileBytes = 65536.0 + 1024

    init(_ run: Run) {
        let d = Double(run.dimension), draws = Double(run.draws), r = Double(run.recordedPerDraw)
        let dense = run.metric == .dense
        let welford = run.metric == .unit ? 0 : 2 * (d + (dense ? d * d : d))
        let ownMetric = run.pooledAdaptation || run.metric == .unit ? 0 : dense ? 2 * d * d : d
        let kept = run.keepsDraws ? Double(Self.capacity(run.draws)) * r : 0
        let running = 5 + (run.keepsMoments ? 4 * r : 0)
        let bookkeeping = ((run.sampler == .nuts ? 1280.0 : 512.0) + (run.writesCSV ? Self.csvFileBytes : 0)) / Self.double
        let persistent = 2 * d + welford + ownMetric + running + kept + bookkeeping

        let transition: Double
        switch run.sampler {
        case .nuts where run.treesOnHost: transition = (18 + 6 + 6 * Double(max(run.maxDepth, 1))) * d
        case .nuts, .hmc: transition = 7 * d
        case .chees: transition = 10 * d
        }
        let staging = run.deviceRealBytes.map { 2 * d * Double($0) / Self.double } ?? 0
        let sampling = transition + staging + r + 7
        // `--keep moments` on a device: at the end, while the sampling work is still held, the
        // moments read back (5R) through one buffer staged at the device's precision (R).
        let momentsRead = run.keepsMoments ? run.deviceRealBytes.map { 5 * r + r * Double($0) / Self.double } ?? 0 : 0
        let cores = Double(max(1, run.summaryCores))
        let waiting = run.keepsDraws ? 0 : cores * draws + draws * Double(run.largestVariable)
        let summary = run.keepsMoments ? 0 : cores * 10 * draws + waiting

        hostPerChain = Self.double * (persistent + max(sampling + momentsRead, summary))
        keptDrawsPerChain = Self.double * kept
        let pooledMetric = run.pooledAdaptation && run.metric != .unit ? (dense ? 4 * d * d : d) : 0
        hostFixed = Self.double * (2 * Double(run.dataValues) + pooledMetric) + Self.programBytes

        let real = Double(run.deviceRealBytes ?? 0)
        // `--keep moments`: the accumulator's positions (d), recorded values (R − 1) and moments (5R).
        let moments = run.keepsMoments ? d + 6 * r - 1 : 0
        let heap = Double(run.deviceHeapElements)
        devicePerChain = real * (2 * d + 1 + moments + Self.heapPrograms * heap)
        deviceFixed = real * Double(run.dataValues)
        deviceBufferPerChain = real * max(d, run.keepsMoments ? r : 1, 1, heap)
    }

    /// Programs that keep a device heap of the density's size per chain: the density's, the
    /// recorded values' and the transitions'. (Counted at the run's widest precision, which for f32
    /// checked against f64 also covers the f64 twins' heaps; measured, PoCL, a 400-point GP at 2,048
    /// chains, 3 iterations, f32 switching to f64: peak RSS 18.1 GB, estimated 23.6.)
    static let heapPrograms = 3.0

    func hostBytes(chains: Int) -> Double { hostFixed + hostPerChain * Double(chains) }

    func deviceBytes(chains: Int) -> Double { deviceFixed + devicePerChain * Double(chains) }

    /// The most chains whose host memory fits in `available` bytes, rounded down to three
    /// significant figures (0 when not even one chain fits).
    func largestHostChains(available: Double) -> Int {
        Self.roundedDown(Self.fitting(available - hostFixed, per: hostPerChain))
    }

    /// The most chains whose host and device memory together fit in `available` bytes of the
    /// machine's (a CPU device's memory is the host's), rounded down to three significant figures.
    func largestSharedChains(available: Double) -> Int {
        Self.roundedDown(Self.fitting(available - hostFixed - deviceFixed, per: hostPerChain + devicePerChain))
    }

    /// The most chains whose device buffers fit at once in `globalMemory` bytes with no buffer
    /// over `maxAllocation`, or `nil` when the data alone do not fit.
    func largestDeviceChains(globalMemory: Double, maxAllocation: Double) -> Int? {
        guard deviceFixed < globalMemory else { return nil }
        return min(Self.fitting(globalMemory - deviceFixed, per: devicePerChain),
                   Self.fitting(maxAllocation, per: deviceBufferPerChain))
    }

    /// Why `chains` chains cannot run in `available` host bytes (`nil` when they fit);
    /// `availableWords` says what the figure is ("available", "of physical memory").
    func hostRefusal(chains: Int, available: Double, availableWords: String = "available") -> String? {
        let needed = hostBytes(chains: chains)
        guard needed > available else { return nil }
        let most = largestHostChains(available: available)
        var message = "--chains \(NumberFormat.grouped(chains)) needs about \(NumberFormat.bytes(needed)) of host memory "
            + "(this machine has \(NumberFormat.bytes(available)) \(availableWords)); "
            + (most > 0 ? "at most \(NumberFormat.grouped(most)) chain\(most == 1 ? "" : "s") fit" : "not even one chain fits")
        if keptDrawsPerChain * Double(chains) > needed / 2 {
            message += "; the draws kept in memory take most of it: fewer --draws, or --output DIR to stream them to disk"
        }
        return message
    }

    /// The capacity of a Swift array grown to `n` elements by appending (doubling): the smallest
    /// power of two ≥ n.
    static func capacity(_ n: Int) -> Int {
        var c = 1
        while c < n { c *= 2 }
        return n <= 0 ? 0 : c
    }

    /// ⌊room / per⌋, at least 0, capped to `Int`.
    static func fitting(_ room: Double, per: Double) -> Int {
        guard room > 0 else { return 0 }
        guard per > 0 else { return Int.max }
        return Int(min((room / per).rounded(.down), 9e18))
    }

    /// `n` rounded down to three significant figures: 14_987_654 → 14_900_000.
    static func roundedDown(_ n: Int) -> Int {
        var scale = 1
        while n / scale >= 1000 { scale *= 10 }
        return n / scale * scale
    }
}
