/// The one seam through which a run spread over several processes (MPI ranks) or devices
/// exchanges per-chain values.
///
/// A run over K members gives member r the contiguous block of chains `ChainPartition.block(r)`.
/// Each member computes its block; `allGather` then hands every member every block **in chain
/// order**, and every member runs the same cross-chain reductions (pooled step size, Welford
/// moments, ChEES's criterion, nested R-hat, the ESS stop) over the whole, gathered batch, in
/// chain order, exactly as one process does. Floating-point sums are therefore added in the same
/// order as in one process, and a run over K members makes the same draws, bit for bit, as the
/// same run in one process (`ShardedTransitionExecutor`, `ShardedLogDensity`).
///
/// Gathering per-chain values rather than reducing partial sums costs bandwidth (chains × (2d + 10)
/// doubles per iteration) but is the only way to keep sequential reductions bit-identical
/// without rewriting every reduction as a tree.
public protocol ChainCommunicator: Sendable {
    /// This member's index, 0..<members.
    var rank: Int { get }
    /// How many members share the run.
    var members: Int { get }
    /// Every member's `local` values concatenated in rank order; `counts[r]` is member r's count
    /// (the same array on every member). Throws `CommunicationFailure` when a member is gone.
    func allGather(_ local: [Double], counts: [Int]) throws -> [Double]
}

/// A member of the run stopped answering, or the run was told to stop, while the others waited
/// for it. `Sampler.run` ends the run as interrupted on it, keeping every draw written so far.
public struct CommunicationFailure: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One process: the identity.
public struct SingleProcess: ChainCommunicator {
    public init() {}
    public var rank: Int { 0 }
    public var members: Int { 1 }
    public func allGather(_ local: [Double], counts: [Int]) throws -> [Double] { local }
}

/// Contiguous blocks of chains over `members`: the first `chains % members` members get one chain
/// more than the rest (so `mpirun -n 2` over 5 chains runs 0–2 and 3–4).
public struct ChainPartition: Sendable, Hashable {
    public let chains: Int
    public let members: Int

    public init(chains: Int, members: Int) {
        self.chains = chains
        self.members = members
    }

    /// The chains of member `r`.
    public func block(_ r: Int) -> Range<Int> {
        let base = chains / members, extra = chains % members
        let start = r * base + min(r, extra)
        return start..<(start + base + (r < extra ? 1 : 0))
    }

    /// Every member's chain count.
    public var counts: [Int] { (0..<members).map { block($0).count } }
}

extension ChainPartition {
    /// Contiguous blocks of `chains` chains in proportion to `weights` (one per member, positive:
    /// measured throughputs), in member order: member r gets ⌊chains·w_r/Σw⌋ chains, and the
    /// chains left over go one each to the members with the largest remainders (ties to the lower
    /// index). Equal weights give `ChainPartition(chains:members:)`'s blocks.
    public static func blocks(chains: Int, weights: [Double]) -> [Range<Int>] {
        precondition(!weights.isEmpty && weights.allSatisfy { $0 > 0 && $0.isFinite },
                     "ChainPartition.blocks: weights must be positive and finite")
        let total = weights.reduce(0, +)
        let shares = weights.map { Double(chains) * $0 / total }
        var counts = shares.map { Int($0.rounded(.down)) }
        let left = chains - counts.reduce(0, +)
        let order = shares.indices.sorted { a, b in
            let (ra, rb) = (shares[a] - Double(counts[a]), shares[b] - Double(counts[b]))
            return ra != rb ? ra > rb : a < b
        }
        for r in order.prefix(left) { counts[r] += 1 }
        var start = 0
        return counts.map { k in defer { start += k }; return start..<(start + k) }
    }
}
