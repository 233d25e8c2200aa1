/// Draws of one scalar quantity from several Markov chains, indexed `[chain][draw]`.
///
/// Every chain must have the same number of draws (a precondition: ragged input is a
/// programming error, not a data problem). Non-finite values (NaN, ±Inf) are allowed and are
/// not a trap: every statistic computed from draws that contain one is NaN, and
/// ``nonFiniteCount`` says how many there were, so ``DiagnosticWarnings`` can name the
/// parameter.
///
/// Stored as one row-major array (a row per chain), the layout every statistic works on: draws
/// read back from a file or kept by a run of many chains become a summary's input without an
/// array per chain.
public struct Draws: Sendable, Hashable {
    /// The draws as one row-major matrix (a row per chain).
    let matrix: ChainMatrix

    /// Wraps `values`, indexed `[chain][draw]`; all chains must be the same length.
    public init(_ values: [[Double]]) {
        let n = values.first?.count ?? 0
        precondition(values.allSatisfy { $0.count == n },
                     "Draws: chains have different lengths \(Set(values.map(\.count)).sorted())")
        var flat = [Double]()
        flat.reserveCapacity(values.count * n)
        for chain in values { flat.append(contentsOf: chain) }
        matrix = ChainMatrix(rows: values.count, columns: n, values: flat)
    }

    /// Draws stored chain after chain: draw d of chain c at `values[c * drawsPerChain + d]`.
    public init(chains: Int, drawsPerChain: Int, values: [Double]) {
        precondition(chains >= 0 && drawsPerChain >= 0 && values.count == chains * drawsPerChain,
                     "Draws: \(values.count) values for \(chains) chains × \(drawsPerChain) draws")
        matrix = ChainMatrix(rows: chains, columns: drawsPerChain, values: values)
    }

    /// The draws, `values[chain][draw]` (an array per chain, made on each call).
    public var values: [[Double]] {
        let n = drawsPerChain
        return (0..<chainCount).map { c in Array(matrix.values[(c * n)..<((c + 1) * n)]) }
    }

    /// Number of chains.
    public var chainCount: Int { matrix.rows }

    /// Number of draws in each chain.
    public var drawsPerChain: Int { matrix.columns }

    /// Total number of draws, `chainCount × drawsPerChain`.
    public var count: Int { matrix.count }

    /// How many draws are NaN or infinite.
    public var nonFiniteCount: Int { LeapfrogDiagnostics.nonFiniteCount(matrix.values) }

    public static func == (a: Draws, b: Draws) -> Bool {
        a.chainCount == b.chainCount && a.drawsPerChain == b.drawsPerChain && a.matrix.values == b.matrix.values
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(chainCount)
        hasher.combine(drawsPerChain)
        hasher.combine(matrix.values)
    }
}
