import LeapfrogCore
import LeapfrogRandom

/// Runs each member's block of chains (`ChainPartition`) with a local executor, then gathers the
/// new state, the per-chain `TransitionInfo` and (when the adapter needs it) the proposal in chain
/// order, so every member holds the whole batch's `Transition` and its adapter reduces over all
/// chains in chain order, as one process does (`ChainCommunicator`).
///
/// The local executor numbers its chains 0..<k; it gets `random.block(startingAt:)` so that its
/// chain c draws global chain (first + c)'s Philox streams. One `allGather` per transition.
///
/// Warmup keeps each member's state where it runs (`HeldShard`): a transition then gathers a few
/// numbers per chain (diagnostics, log density, projections: 9 + k instead of 2d + 9), the states
/// only where the sampler fetches them (`heldState`: a window's end, warmup's end), the window
/// moments once per window; NUTS's per-chain warmup runs in chained groups of the length the
/// members agree on (the smallest `chainedGroupSize`, one more `allGather` of one number), with
/// one `allGather` per group. ChEES's sums, taken about the whole batch's means, cost one more
/// `allGather` per transition (each member's partial means: 2d + 2 numbers) and 3 numbers per chain.
/// Sampling gathers the states every transition (`execute` per iteration:
/// docs/benchmarks.md, "Sharded warmup", says why a streamed sampling lost here). Step-size
/// searches run on each member for its block, gathered once per search.
public struct ShardedTransitionExecutor: TransitionExecutor {
    /// Runs this member's block of chains (any executor: the host loop, a device's).
    public var local: any TransitionExecutor { shard.executor }
    public let communicator: any ChainCommunicator
    private var shard: HeldShard
    /// The batch whose states the members keep (`executeKeepingState`, `executeChained`: the first
    /// of these is given the state, whose dimension is noted).
    private var keptChains = 0, keptDimension = 0
    /// The last kept transition's request that added window moments (every member is asked
    /// alike): how many coordinates per chain they have (`momentCoordinates`).
    private var keptMoments = WarmupReductionRequest(windowMoments: true)
    /// The last span whose chained groups a member could not run (every member then runs it one
    /// transition at a time, without asking again).
    private var unchainedSpan: Int?

    public init(local: any TransitionExecutor, communicator: any ChainCommunicator) {
        shard = HeldShard(local)
        self.communicator = communicator
    }

    /// Fields of `TransitionInfo` per chain, as doubles (integers up to 2⁵³ are exact).
    static let infoWidth = 8

    public mutating func execute(_ request: TransitionRequest, from state: SamplerState,
                                 random: PhiloxRandom) throws -> Transition {
        let n = state.chains, d = state.dimension
        let partition = ChainPartition(chains: n, members: communicator.members)
        let mine = partition.block(communicator.rank)
        var withProposal = false
        if request.returnsProposal, case .hmc = request.trajectory { withProposal = true }
        // Per chain: q, log density, gradient, info; with a proposal also its q and p.
        let width = 2 * d + 1 + Self.infoWidth + (withProposal ? 2 * d : 0)
        var record: [Double] = []
        record.reserveCapacity(mine.count * width + 1)
        var lockstep = 0
        if !mine.isEmpty {
            let t = try shard.executor.execute(request.chains(mine), from: state.chains(mine),
                                               random: random.block(startingAt: mine.lowerBound))
            lockstep = t.lockstepEvaluations
            if withProposal && t.proposal == nil {
                throw LeapfrogError(.sampling, "ShardedTransitionExecutor: the local executor returned no proposal for an HMC request that needs one")
            }
            for c in 0..<mine.count {
                Self.append(t.state, chain: c, to: &record)
                Self.append(t.info[c], to: &record)
                if withProposal, let p = t.proposal {
                    Self.append(p.position, chain: c, to: &record)
                    Self.append(p.momentum, chain: c, to: &record)
                }
            }
        }
        record.append(Double(lockstep))   // each member's last value: its batched evaluations
        let counts = partition.counts.map { $0 * width + 1 }
        let all = try communicator.allGather(record, counts: counts)

        var state = SamplerState(positions: ChainBatch(chains: n, dimension: d), logDensity: [Double](repeating: 0, count: n),
                                 gradient: ChainBatch(chains: n, dimension: d))
        var info: [TransitionInfo] = []
        info.reserveCapacity(n)
        var proposal = withProposal
            ? Proposal(position: ChainBatch(chains: n, dimension: d), momentum: ChainBatch(chains: n, dimension: d))
            : nil
        var offset = 0
        var maxLockstep = 0
        for r in 0..<partition.members {
            for c in partition.block(r) {
                var k = offset
                Self.read(all, at: &k, into: &state, chain: c)
                info.append(Self.readInfo(all, at: &k))
                if proposal != nil {
                    Self.read(all, at: &k, into: &proposal!.position, chain: c)
                    Self.read(all, at: &k, into: &proposal!.momentum, chain: c)
                }
                offset += width
            }
            maxLockstep = max(maxLockstep, Int(all[offset]))
            offset += 1
        }
        return Transition(state: state, info: TransitionInfoBatch(info), lockstepEvaluations: maxLockstep, proposal: proposal)
    }

    /// Each member's transition kept where it runs (`HeldShard`): per chain its diagnostics, log
    /// density, projections and ChEES's sums gathered. ChEES's sums are taken about the whole
    /// batch's means: each member reduces its block's `ChEESPartialMeans`, one `allGather` of
    /// 2d + 2 numbers per member joins them in rank order, and each member takes its chains' sums
    /// about the join (3 numbers per chain in the transition's gather).
    public mutating func executeKeepingState(_ request: TransitionRequest, from state: SamplerState?,
                                             reductions: WarmupReductionRequest, random: PhiloxRandom) throws -> ReducedTransition? {
        if reductions.windowMoments { keptMoments = reductions }
        return try keep(request, from: state, transitions: 1, projections: reductions.projections, cheesSums: reductions.cheesSums) { shard, mine in
            [try shard.executeKeepingState(request.chains(mine), from: state?.chains(mine), reductions: reductions.forShard,
                                           random: random.block(startingAt: mine.lowerBound))]
        }[0]
    }

    /// The smallest of the members' sizes (one `allGather`); nil when a member cannot chain, and
    /// for ChEES's span (its adaptation needs every member's chains after each transition), which
    /// every member sees alike.
    public mutating func chainedGroupSize(_ request: TransitionRequest, span: ChainedWarmupSpan) throws -> Int? {
        guard span.chees == nil else { return nil }
        let n = request.stepSizes.count
        let partition = ChainPartition(chains: n, members: communicator.members)
        let mine = partition.block(communicator.rank)
        // −1: cannot; a member without chains takes whatever the others say.
        let size = mine.isEmpty ? Double(Int32.max)
            : try shard.chainedGroupSize(request.chains(mine), span: span.chains(mine)).map(Double.init) ?? -1
        let sizes = try communicator.allGather([size], counts: [Int](repeating: 1, count: partition.members))
        return sizes.contains(-1) ? nil : Int(sizes.min()!)
    }

    /// Every member runs the same number of chained transitions (`count`, else the agreed
    /// `chainedGroupSize`); one `allGather` for the group.
    public mutating func executeChained(_ request: TransitionRequest, span: ChainedWarmupSpan, count: Int?,
                                        from state: SamplerState?, random: PhiloxRandom) throws -> [ReducedTransition]? {
        if span.chees != nil || (count == nil && unchainedSpan == span.last) { return nil }
        guard let count = try count ?? chainedGroupSize(request, span: span) else {
            unchainedSpan = span.last
            return nil
        }
        return try keep(request, from: state, transitions: count, projections: span.reductions.projections) { shard, mine in
            try shard.executeChained(request.chains(mine), span: span.chains(mine), count: count,
                                     from: state?.chains(mine), random: random.block(startingAt: mine.lowerBound))
        }
    }

    /// A kept warmup step: `run` on this member's block (when it has chains), the batch noted as
    /// the one the members keep, every member's `transitions` reduced transitions gathered; with
    /// `cheesSums` (one transition, run with partial means) the means joined first.
    private mutating func keep(_ request: TransitionRequest, from state: SamplerState?, transitions: Int, projections: Int,
                               cheesSums: Bool = false,
                               _ run: (inout HeldShard, Range<Int>) throws -> [ReducedTransition]) throws -> [ReducedTransition] {
        let n = request.stepSizes.count
        let mine = ChainPartition(chains: n, members: communicator.members).block(communicator.rank)
        keptChains = n
        if let state { keptDimension = state.dimension }
        var local = mine.isEmpty ? [] : try run(&shard, mine)
        if cheesSums {
            let d = keptDimension, width = 2 * d + 2, members = communicator.members
            let partial = try local.first.map(HeldShard.partialMeans) ?? ChEESPartialMeans(dimension: d)
            let all = try communicator.allGather(partial.values, counts: [Int](repeating: width, count: members))
            let means = ChEESPartialMeans.joined((0..<members).map {
                ChEESPartialMeans(values: all[($0 * width)..<(($0 + 1) * width)], dimension: d)
            })
            if !local.isEmpty {
                local[0].cheesPartialMeans = nil
                local[0].cheesSums = try shard.cheesSums(about: means)
            }
        }
        return try gatherReduced(local, transitions: transitions, chains: n, projections: projections, cheesSums: cheesSums)
    }

    /// Each member searches its block's step sizes where it runs them (`local`), then one
    /// `allGather` of each chain's step size and gradients and each member's lockstep count: one
    /// gather per search instead of one per trial through `ShardedLogDensity`. Nil on every member
    /// (the search over the sharded density) when a member's executor would not search. A member
    /// whose search fails (an improper posterior's step size without bound) still takes part in
    /// the gather, so every member ends with an error: its own, or one naming the failed rank.
    public mutating func prepare(integrator: Integrator, warmup: Bool) throws {
        try shard.executor.prepare(integrator: integrator, warmup: warmup)
    }

    public func runsOnDevice(_ integrator: Integrator) -> Bool { shard.executor.runsOnDevice(integrator) }

    public mutating func searchStepSizes(_ state: SamplerState, metric: Metric, integrator: Integrator, initial: [Double],
                                         random: PhiloxRandom, search: Int) throws -> StepSizeSearch.Result? {
        let n = state.chains
        let partition = ChainPartition(chains: n, members: communicator.members)
        let mine = partition.block(communicator.rank)
        let local = Result {
            mine.isEmpty ? StepSizeSearch.Result(stepSizes: [], lockstepEvaluations: 0, gradientEvaluations: [])
                : try shard.executor.searchStepSizes(state.chains(mine), metric: metric.chains(mine), integrator: integrator,
                                                     initial: Array(initial[mine]), random: random.block(startingAt: mine.lowerBound),
                                                     search: search)
        }
        // Per chain its step size and gradients, then the member's lockstep count and its outcome:
        // 1 searched, 0 would not, −1 failed.
        var record = [Double](repeating: 0, count: 2 * mine.count + 2)
        switch local {
        case .success(let found?):
            for c in 0..<mine.count { record[2 * c] = found.stepSizes[c]; record[2 * c + 1] = Double(found.gradientEvaluations[c]) }
            record[2 * mine.count] = Double(found.lockstepEvaluations)
            record[2 * mine.count + 1] = 1
        case .success(nil): break
        case .failure: record[2 * mine.count + 1] = -1
        }
        let all = try communicator.allGather(record, counts: partition.counts.map { 2 * $0 + 2 })
        _ = try local.get()
        var parts: [StepSizeSearch.Result?] = []
        var k = 0
        for r in 0..<partition.members {
            let m = partition.block(r).count
            if all[k + 2 * m + 1] < 0 {
                throw LeapfrogError(.sampling, "rank \(r)'s step-size search failed (its message is in its output)")
            }
            parts.append(all[k + 2 * m + 1] == 0 ? nil
                : StepSizeSearch.Result(stepSizes: stride(from: k, to: k + 2 * m, by: 2).map { all[$0] },
                                        lockstepEvaluations: Int(all[k + 2 * m]),
                                        gradientEvaluations: stride(from: k + 1, to: k + 2 * m, by: 2).map { Int(all[$0]) }))
            k += 2 * m + 2
        }
        return StepSizeSearch.Result.joined(parts)
    }

    /// Every member's held state, gathered in chain order.
    public mutating func heldState() throws -> SamplerState {
        let mine = ChainPartition(chains: keptChains, members: communicator.members).block(communicator.rank)
        return try gatherState(mine.isEmpty ? nil : shard.heldState())
    }

    /// Every member's state of its block (`local`: this member's; nil or empty without chains),
    /// gathered in chain order, for the batch of `keptChains` chains of `keptDimension`.
    private func gatherState(_ local: SamplerState?) throws -> SamplerState {
        let n = keptChains, d = keptDimension, width = 2 * d + 1
        let partition = ChainPartition(chains: n, members: communicator.members)
        var record: [Double] = []
        if let local {
            record.reserveCapacity(local.chains * width)
            for c in 0..<local.chains { Self.append(local, chain: c, to: &record) }
        }
        let all = try communicator.allGather(record, counts: partition.counts.map { $0 * width })
        var state = SamplerState(positions: ChainBatch(chains: n, dimension: d), logDensity: [Double](repeating: 0, count: n),
                                 gradient: ChainBatch(chains: n, dimension: d))
        var k = 0
        for c in 0..<n { Self.read(all, at: &k, into: &state, chain: c) }
        return state
    }

    /// Every member's window moments per chain (count, means, sums of squares), gathered in chain
    /// order; nil when no member has any.
    public mutating func takeWindowMoments() throws -> [WelfordEstimator]? {
        let n = keptChains, d = keptMoments.momentCoordinates(dimension: keptDimension), width = 2 * d + 1
        let partition = ChainPartition(chains: n, members: communicator.members)
        let mine = partition.block(communicator.rank)
        var record = [Double](repeating: 0, count: mine.count * width)
        if !mine.isEmpty, let moments = try shard.takeWindowMoments() {
            record.removeAll(keepingCapacity: true)
            for m in moments { record += [m.count] + m.mean + m.m2 }
        }
        let all = try communicator.allGather(record, counts: partition.counts.map { $0 * width })
        guard (0..<n).contains(where: { all[$0 * width] > 0 }) else { return nil }
        return (0..<n).map { c in
            let k = c * width
            return WelfordEstimator(count: Int(all[k]), mean: Array(all[(k + 1)..<(k + 1 + d)]), m2: Array(all[(k + 1 + d)..<(k + width)]))
        }
    }

    /// Gathers `transitions` reduced transitions of every member's block (`local`: this member's,
    /// empty when it has no chains): per transition, per chain its info, log density,
    /// `projections` projections and (`cheesSums`) ChEES's three sums, then the member's lockstep
    /// count; joined in chain order.
    private func gatherReduced(_ local: [ReducedTransition], transitions: Int, chains n: Int,
                               projections k: Int, cheesSums: Bool = false) throws -> [ReducedTransition] {
        let partition = ChainPartition(chains: n, members: communicator.members)
        let sums = cheesSums ? 3 : 0
        let width = Self.infoWidth + 1 + k + sums
        var record: [Double] = []
        record.reserveCapacity(transitions * (partition.block(communicator.rank).count * width + 1))
        for t in 0..<transitions {
            if local.isEmpty { record.append(0); continue }
            let r = local[t]
            for c in r.info.indices {
                Self.append(r.info[c], to: &record)
                record.append(r.logDensity[c])
                for j in 0..<k { record.append(r.projections![c, j]) }
                if cheesSums, let s = r.cheesSums {
                    record += [s.proposalSpread[c], s.startSpread[c], s.proposalAlongVelocity[c]]
                }
            }
            record.append(Double(r.lockstepEvaluations))
        }
        let all = try communicator.allGather(record, counts: partition.counts.map { transitions * ($0 * width + 1) })
        var parts = [[ReducedTransition]](repeating: [], count: transitions)
        var offset = 0
        for r in 0..<partition.members {
            let m = partition.block(r).count
            for t in 0..<transitions {
                var k0 = offset
                var info: [TransitionInfo] = [], logDensity: [Double] = []
                var projected = ChainBatch(chains: m, dimension: k)
                var spread: [Double] = [], startSpread: [Double] = [], along: [Double] = []
                for c in 0..<m {
                    info.append(Self.readInfo(all, at: &k0))
                    logDensity.append(all[k0]); k0 += 1
                    for j in 0..<k { projected[c, j] = all[k0 + j] }
                    k0 += k
                    if cheesSums {
                        spread.append(all[k0]); startSpread.append(all[k0 + 1]); along.append(all[k0 + 2])
                        k0 += 3
                    }
                }
                if m > 0 {
                    parts[t].append(ReducedTransition(info: TransitionInfoBatch(info), logDensity: logDensity, lockstepEvaluations: Int(all[k0]),
                                                      projections: k > 0 ? projected : nil,
                                                      cheesSums: cheesSums ? ChEESSums(proposalSpread: spread, startSpread: startSpread,
                                                                                       proposalAlongVelocity: along) : nil))
                }
                offset = k0 + 1
            }
        }
        return parts.map(ReducedTransition.joined)
    }

    private static func append(_ i: TransitionInfo, to record: inout [Double]) {
        record += [i.acceptanceStatistic, i.accepted ? 1 : 0, i.divergent ? 1 : 0, i.energy, i.stepSize,
                   Double(i.treeDepth), Double(i.leapfrogSteps), Double(i.gradientEvaluations)]
    }

    private static func readInfo(_ all: [Double], at k: inout Int) -> TransitionInfo {
        defer { k += infoWidth }
        return TransitionInfo(acceptanceStatistic: all[k], accepted: all[k + 1] != 0, divergent: all[k + 2] != 0,
                              energy: all[k + 3], stepSize: all[k + 4], treeDepth: Int(all[k + 5]),
                              leapfrogSteps: Int(all[k + 6]), gradientEvaluations: Int(all[k + 7]))
    }

    /// Chain c's position, log density and gradient (2d + 1 values).
    private static func append(_ state: SamplerState, chain c: Int, to record: inout [Double]) {
        append(state.positions, chain: c, to: &record)
        record.append(state.logDensity[c])
        append(state.gradient, chain: c, to: &record)
    }

    private static func read(_ all: [Double], at k: inout Int, into state: inout SamplerState, chain c: Int) {
        read(all, at: &k, into: &state.positions, chain: c)
        state.logDensity[c] = all[k]
        k += 1
        read(all, at: &k, into: &state.gradient, chain: c)
    }

    private static func append(_ batch: ChainBatch, chain c: Int, to record: inout [Double]) {
        let n = batch.chains
        for i in 0..<batch.dimension { record.append(batch.values[i * n + c]) }
    }

    private static func read(_ all: [Double], at k: inout Int, into batch: inout ChainBatch, chain c: Int) {
        let n = batch.chains
        for i in 0..<batch.dimension { batch.values[i * n + c] = all[k + i] }
        k += batch.dimension
    }
}

extension Metric {
    /// The metric of chains `range` (a shared metric is every chain's).
    public func chains(_ range: Range<Int>) -> Metric {
        switch self {
        case .unit, .diagonal, .dense: return self
        case .diagonalPerChain(let b): return .diagonalPerChain(b.chains(range))
        case .densePerChain(let xs): return .densePerChain(Array(xs[range]))
        }
    }
}
