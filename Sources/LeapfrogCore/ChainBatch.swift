/// A batch of per-chain vectors: `chains` vectors of length `dimension`.
///
/// Memory layout, used by every back end: component `p` of chain `c` lives at
/// `values[p * chains + c]` (chain-fastest), so neighbouring chains — neighbouring OpenCL
/// work-items or SIMD lanes — read neighbouring addresses.
public struct ChainBatch: Sendable, Hashable {
    public let chains: Int
    public let dimension: Int
    public var values: [Double]

    public init(chains: Int, dimension: Int, repeating value: Double = 0) {
        precondition(chains >= 0 && dimension >= 0, "ChainBatch: negative size")
        self.chains = chains
        self.dimension = dimension
        self.values = Array(repeating: value, count: chains * dimension)
    }

    /// Wraps `values`, which must already be in chain-fastest order.
    public init(chains: Int, dimension: Int, values: [Double]) {
        precondition(values.count == chains * dimension,
                     "ChainBatch: \(values.count) values for \(chains) chains × \(dimension)")
        self.chains = chains
        self.dimension = dimension
        self.values = values
    }

    /// Builds a batch from one vector per chain.
    public init(vectors: [[Double]]) {
        let d = vectors.first?.count ?? 0
        self.init(chains: vectors.count, dimension: d)
        for (c, v) in vectors.enumerated() { setVector(v, chain: c) }
    }

    @inline(__always)
    public subscript(chain: Int, component: Int) -> Double {
        get { values[component * chains + chain] }
        set { values[component * chains + chain] = newValue }
    }

    /// The vector of one chain, gathered from the strided layout.
    public func vector(chain: Int) -> [Double] {
        (0..<dimension).map { values[$0 * chains + chain] }
    }

    public mutating func setVector(_ vector: [Double], chain: Int) {
        precondition(vector.count == dimension, "ChainBatch.setVector: length \(vector.count) ≠ \(dimension)")
        for p in 0..<dimension { values[p * chains + chain] = vector[p] }
    }

    /// The batches' chains side by side (batch 0's chains first), in one batch; every batch must
    /// have the same dimension.
    public init(stacking batches: [ChainBatch]) {
        let d = batches.first?.dimension ?? 0
        precondition(batches.allSatisfy { $0.dimension == d }, "ChainBatch(stacking:): dimensions differ")
        let total = batches.reduce(0) { $0 + $1.chains }
        var values = [Double](repeating: 0, count: total * d)
        var first = 0
        for batch in batches {
            for p in 0..<d {
                let row = p * batch.chains
                for c in 0..<batch.chains { values[p * total + first + c] = batch.values[row + c] }
            }
            first += batch.chains
        }
        self.init(chains: total, dimension: d, values: values)
    }

    /// The sub-batch of chains `range`, in the same layout.
    public func chains(_ range: Range<Int>) -> ChainBatch {
        var out = ChainBatch(chains: range.count, dimension: dimension)
        for p in 0..<dimension {
            for (k, c) in range.enumerated() { out.values[p * range.count + k] = values[p * chains + c] }
        }
        return out
    }
}
