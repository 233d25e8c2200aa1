/// The sampler's statistics for one draw of every chain; each array has one entry per chain.
///
/// They map onto ArviZ's `sample_stats` group (ArviZ InferenceData schema, "sample_stats") and
/// onto the first seven Stan CSV columns (CmdStan guide, "Stan CSV file format"):
///
/// | field            | ArviZ `sample_stats` | Stan CSV        |
/// |------------------|----------------------|-----------------|
/// | `lp`             | `lp` (float64)       | `lp__`          |
/// | `acceptanceRate` | `acceptance_rate`    | `accept_stat__` |
/// | `stepSize`       | `step_size`          | `stepsize__`    |
/// | `treeDepth`      | `tree_depth` (int64) | `treedepth__`   |
/// | `nSteps`         | `n_steps` (int64)    | `n_leapfrog__`  |
/// | `diverging`      | `diverging` (bool)   | `divergent__`   |
/// | `energy`         | `energy`             | `energy__`      |
///
/// Samplers without a tree (static HMC, ChEES-HMC) report `treeDepth` 0.
public struct SampleStatistics: Sendable, Hashable {
    public var lp: [Double]
    public var acceptanceRate: [Double]
    public var stepSize: [Double]
    public var treeDepth: [Int]
    public var nSteps: [Int]
    public var diverging: [Bool]
    public var energy: [Double]

    public init(lp: [Double], acceptanceRate: [Double], stepSize: [Double], treeDepth: [Int],
                nSteps: [Int], diverging: [Bool], energy: [Double]) {
        self.lp = lp
        self.acceptanceRate = acceptanceRate
        self.stepSize = stepSize
        self.treeDepth = treeDepth
        self.nSteps = nSteps
        self.diverging = diverging
        self.energy = energy
    }

    /// Statistics for `chains` chains, all zero / false.
    public init(chains: Int) {
        self.init(lp: Array(repeating: 0, count: chains), acceptanceRate: Array(repeating: 0, count: chains),
                  stepSize: Array(repeating: 0, count: chains), treeDepth: Array(repeating: 0, count: chains),
                  nSteps: Array(repeating: 0, count: chains), diverging: Array(repeating: false, count: chains),
                  energy: Array(repeating: 0, count: chains))
    }

    /// The ArviZ names of the floating-point statistics with their per-chain values, in file order.
    var doubleColumns: [(name: String, values: [Double])] {
        [("lp", lp), ("acceptance_rate", acceptanceRate), ("step_size", stepSize), ("energy", energy)]
    }

    /// The ArviZ names of the integer statistics with their per-chain values.
    var integerColumns: [(name: String, values: [Int])] {
        [("tree_depth", treeDepth), ("n_steps", nSteps)]
    }

    /// The length every array must have, or a description of the first mismatch.
    func mismatch(chains: Int) -> String? {
        let counts: [(String, Int)] = [("lp", lp.count), ("acceptanceRate", acceptanceRate.count),
                                       ("stepSize", stepSize.count), ("treeDepth", treeDepth.count),
                                       ("nSteps", nSteps.count), ("diverging", diverging.count),
                                       ("energy", energy.count)]
        for (name, count) in counts where count != chains {
            return "sample statistic '\(name)' has \(count) values but the schema has \(chains) chains"
        }
        return nil
    }
}
