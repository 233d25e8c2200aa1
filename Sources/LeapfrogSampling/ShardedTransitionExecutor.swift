import LeapfrogCore
import LeapfrogRandom

/// Runs each member's block of chains (`ChainPartition`) with a local executor, then gathers the
/// new state, the per-chain `TransitionInfo` and (when the adapter needs it) the proposal in chain
/// order, so every member holds the whole batch's `Transition` and its adapter reduces over all
/// chains in chain order, as one process does (`ChainCommunicator`).
///
/// The local executor numbers its chains 0..<k; it gets `random.block(startingAt:)` so that its
/// chain c draws global chain (first + c)'s Philox streams. One `allGather` per transition.
public struct ShardedTransitionExecutor: TransitionExecutor {
    /// Runs this member's block of chains (any executor: the host loop, a device's).
    public var local: any TransitionExecutor
    public let communicator: any ChainCommunicator

    public init(local: any TransitionExecutor, communicator: any ChainCommunicator) {
        self.local = local
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
            let t = try local.execute(request.chains(mine), from: state.chains(mine),
                                      random: random.block(startingAt: mine.lowerBound))
            lockstep = t.lockstepEvaluations
            if withProposal && t.proposal == nil {
                throw LeapfrogError(.sampling, "ShardedTransitionExecutor: the local executor returned no proposal for an HMC request that needs one")
            }
            for c in 0..<mine.count {
                Self.append(t.state.positions, chain: c, to: &record)
                record.append(t.state.logDensity[c])
                Self.append(t.state.gradient, chain: c, to: &record)
                let i = t.info[c]
                record += [i.acceptanceStatistic, i.accepted ? 1 : 0, i.divergent ? 1 : 0, i.energy, i.stepSize,
                           Double(i.treeDepth), Double(i.leapfrogSteps), Double(i.gradientEvaluations)]
                if withProposal, let p = t.proposal {
                    Self.append(p.position, chain: c, to: &record)
                    Self.append(p.momentum, chain: c, to: &record)
                }
            }
        }
        record.append(Double(lockstep))   // each member's last value: its batched evaluations
        let counts = partition.counts.map { $0 * width + 1 }
        let all = try communicator.allGather(record, counts: counts)

        var positions = ChainBatch(chains: n, dimension: d), gradient = ChainBatch(chains: n, dimension: d)
        var logDensity = [Double](repeating: 0, count: n)
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
                Self.read(all, at: &k, into: &positions, chain: c)
                logDensity[c] = all[k]; k += 1
                Self.read(all, at: &k, into: &gradient, chain: c)
                info.append(TransitionInfo(acceptanceStatistic: all[k], accepted: all[k + 1] != 0, divergent: all[k + 2] != 0,
                                           energy: all[k + 3], stepSize: all[k + 4], treeDepth: Int(all[k + 5]),
                                           leapfrogSteps: Int(all[k + 6]), gradientEvaluations: Int(all[k + 7])))
                k += Self.infoWidth
                if proposal != nil {
                    Self.read(all, at: &k, into: &proposal!.position, chain: c)
                    Self.read(all, at: &k, into: &proposal!.momentum, chain: c)
                }
                offset += width
            }
            maxLockstep = max(maxLockstep, Int(all[offset]))
            offset += 1
        }
        return Transition(state: SamplerState(positions: positions, logDensity: logDensity, gradient: gradient),
                          info: info, lockstepEvaluations: maxLockstep, proposal: proposal)
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
