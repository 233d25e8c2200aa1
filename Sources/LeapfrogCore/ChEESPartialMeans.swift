/// The sums over a block of chains that ChEES's means are made of (`ChEESAdaptation.sums`): per
/// coordinate Σ_c w_c x'_c of the proposals x' weighted by the chains' weights w (their
/// acceptance probabilities) and Σ_c x_c of the starts x, then Σ_c w_c and the block's chain
/// count. A batch split over shards (devices, MPI ranks) reduces each shard's block where it runs
/// and joins the blocks (a few numbers per shard), so that each shard can take its chains' sums
/// about the whole batch's means x̄' = Σ w x' / Σ w and x̄ = Σ x / n without moving its chains'
/// positions (`TransitionExecutor.cheesSums(about:)`).
public struct ChEESPartialMeans: Sendable, Hashable {
    public var weightedProposal: [Double]
    public var start: [Double]
    public var weight: Double
    public var chains: Int

    public init(weightedProposal: [Double], start: [Double], weight: Double, chains: Int) {
        precondition(weightedProposal.count == start.count, "ChEESPartialMeans: the two sums differ in dimension")
        self.weightedProposal = weightedProposal
        self.start = start
        self.weight = weight
        self.chains = chains
    }

    /// No chains, `dimension` coordinates.
    public init(dimension: Int) {
        self.init(weightedProposal: [Double](repeating: 0, count: dimension), start: [Double](repeating: 0, count: dimension),
                  weight: 0, chains: 0)
    }

    public var dimension: Int { start.count }

    /// x̄' = Σ w x' / Σ w, per coordinate.
    public var proposalMean: [Double] { weightedProposal.map { $0 / weight } }
    /// x̄ = Σ x / n, per coordinate.
    public var startMean: [Double] { start.map { $0 / Double(chains) } }

    /// The blocks' sums added in the order given (the batch's blocks in chain order).
    public static func joined(_ parts: [ChEESPartialMeans]) -> ChEESPartialMeans {
        precondition(!parts.isEmpty, "ChEESPartialMeans.joined: no blocks")
        var total = ChEESPartialMeans(dimension: parts[0].dimension)
        for p in parts {
            precondition(p.dimension == total.dimension, "ChEESPartialMeans.joined: blocks differ in dimension")
            for i in 0..<total.dimension {
                total.weightedProposal[i] += p.weightedProposal[i]
                total.start[i] += p.start[i]
            }
            total.weight += p.weight
            total.chains += p.chains
        }
        return total
    }

    /// As doubles, for a gather: the two sums, then Σ w and the chain count (2d + 2 values).
    public var values: [Double] { weightedProposal + start + [weight, Double(chains)] }

    /// From `values` of dimension `d`.
    public init(values: ArraySlice<Double>, dimension d: Int) {
        precondition(values.count == 2 * d + 2, "ChEESPartialMeans: \(values.count) values for dimension \(d)")
        self.init(sums: values.dropLast(), dimension: d, chains: Int(values.last!))
    }

    /// From the two sums and Σ w (2d + 1 values, a device's block as `lf_chees_partial_means`
    /// leaves it) of `chains` chains.
    public init(sums: some Collection<Double>, dimension d: Int, chains: Int) {
        let v = Array(sums)
        precondition(v.count == 2 * d + 1, "ChEESPartialMeans: \(v.count) sums for dimension \(d)")
        self.init(weightedProposal: Array(v[0..<d]), start: Array(v[d..<(2 * d)]), weight: v[2 * d], chains: chains)
    }
}
