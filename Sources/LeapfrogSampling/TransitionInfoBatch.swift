/// Every chain's `TransitionInfo` of one transition, stored by field (one array a field, chain c
/// at index c), the layout a device returns them in (`TrajectoryOutputs`), and a collection of
/// the chains' `TransitionInfo`s.
///
/// At 10⁶ chains a column is 8 MB where an array of the structs was 56 MB per transition, and
/// what reads one field (the gradient counts, the step-size statistic, the divergences) reads
/// that field's column only: every warmup transition is counted and adapted from on the host.
public struct TransitionInfoBatch: RandomAccessCollection, Sendable, Hashable {
    public var acceptanceStatistic: [Double]
    public var accepted: [Bool]
    public var divergent: [Bool]
    public var energy: [Double]
    public var stepSize: [Double]
    public var treeDepth: [Int]
    public var leapfrogSteps: [Int]
    public var gradientEvaluations: [Int]

    /// The columns, each with one entry per chain.
    public init(acceptanceStatistic: [Double], accepted: [Bool], divergent: [Bool], energy: [Double], stepSize: [Double],
                treeDepth: [Int], leapfrogSteps: [Int], gradientEvaluations: [Int]) {
        let n = acceptanceStatistic.count
        precondition([accepted.count, divergent.count, energy.count, stepSize.count, treeDepth.count, leapfrogSteps.count,
                      gradientEvaluations.count].allSatisfy { $0 == n }, "TransitionInfoBatch: columns of different lengths")
        self.acceptanceStatistic = acceptanceStatistic
        self.accepted = accepted
        self.divergent = divergent
        self.energy = energy
        self.stepSize = stepSize
        self.treeDepth = treeDepth
        self.leapfrogSteps = leapfrogSteps
        self.gradientEvaluations = gradientEvaluations
    }

    /// From each chain's info, in chain order.
    public init(_ infos: some Collection<TransitionInfo>) {
        self.init(acceptanceStatistic: infos.map(\.acceptanceStatistic), accepted: infos.map(\.accepted),
                  divergent: infos.map(\.divergent), energy: infos.map(\.energy), stepSize: infos.map(\.stepSize),
                  treeDepth: infos.map(\.treeDepth), leapfrogSteps: infos.map(\.leapfrogSteps),
                  gradientEvaluations: infos.map(\.gradientEvaluations))
    }

    /// Blocks of consecutive chains side by side, in order.
    public init(joining parts: [TransitionInfoBatch]) {
        self.init(acceptanceStatistic: parts.flatMap(\.acceptanceStatistic), accepted: parts.flatMap(\.accepted),
                  divergent: parts.flatMap(\.divergent), energy: parts.flatMap(\.energy), stepSize: parts.flatMap(\.stepSize),
                  treeDepth: parts.flatMap(\.treeDepth), leapfrogSteps: parts.flatMap(\.leapfrogSteps),
                  gradientEvaluations: parts.flatMap(\.gradientEvaluations))
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { acceptanceStatistic.count }

    /// Chain c's info.
    public subscript(c: Int) -> TransitionInfo {
        TransitionInfo(acceptanceStatistic: acceptanceStatistic[c], accepted: accepted[c], divergent: divergent[c],
                       energy: energy[c], stepSize: stepSize[c], treeDepth: treeDepth[c], leapfrogSteps: leapfrogSteps[c],
                       gradientEvaluations: gradientEvaluations[c])
    }

    /// Chains whose transition diverged.
    public var divergences: Int { divergent.reduce(0) { $0 + ($1 ? 1 : 0) } }
}
