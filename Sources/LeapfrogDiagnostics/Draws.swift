/// Draws of one scalar quantity from several Markov chains, indexed `[chain][draw]`.
///
/// Every chain must have the same number of draws (a precondition: ragged input is a
/// programming error, not a data problem). Non-finite values (NaN, ±Inf) are allowed and are
/// not a trap: every statistic computed from draws that contain one is NaN, and
/// ``nonFiniteCount`` says how many there were, so ``DiagnosticWarnings`` can name the
/// parameter.
public struct Draws: Sendable, Hashable {
    /// The draws, `values[chain][draw]`.
    public let values: [[Double]]

    /// Wraps `values`, indexed `[chain][draw]`; all chains must be the same length.
    public init(_ values: [[Double]]) {
        let n = values.first?.count ?? 0
        precondition(values.allSatisfy { $0.count == n },
                     "Draws: chains have different lengths \(Set(values.map(\.count)).sorted())")
        self.values = values
    }

    /// Number of chains.
    public var chainCount: Int { values.count }

    /// Number of draws in each chain.
    public var drawsPerChain: Int { values.first?.count ?? 0 }

    /// Total number of draws, `chainCount × drawsPerChain`.
    public var count: Int { chainCount * drawsPerChain }

    /// How many draws are NaN or infinite.
    public var nonFiniteCount: Int {
        values.reduce(0) { $0 + LeapfrogDiagnostics.nonFiniteCount($1) }
    }

    /// The draws as one row-major matrix (a row per chain).
    var matrix: ChainMatrix {
        var flat = [Double]()
        flat.reserveCapacity(count)
        for chain in values { flat.append(contentsOf: chain) }
        return ChainMatrix(rows: chainCount, columns: drawsPerChain, values: flat)
    }
}
