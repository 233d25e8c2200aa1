/// The centring and scaling applied to feature columns: a standardised value is
/// `(x - means[j]) / scales[j]` for column `columns[j]`.
///
/// `means[j]` is the column mean and `scales[j]` its sample standard deviation (divisor n − 1).
/// A constant column (all values equal, including a table of one row) has no spread to divide
/// by and nothing to standardise: it is kept as it is (mean 0, scale 1), so an intercept column
/// of ones stays ones (centring it made it zeros, and a network or regression silently lost it).
public struct Standardization: Sendable, Codable, Hashable {
    public var columns: [String]
    public var means: [Double]
    public var scales: [Double]

    public init(columns: [String], means: [Double], scales: [Double]) {
        precondition(columns.count == means.count && columns.count == scales.count,
                     "Standardization: \(columns.count) columns, \(means.count) means, \(scales.count) scales")
        self.columns = columns
        self.means = means
        self.scales = scales
    }

    /// Fits the mean and scale of each of `values` (one array per column, all non-empty).
    init(columns: [String], values: [[Double]]) {
        var means: [Double] = []
        var scales: [Double] = []
        for column in values {
            let first = column[0]
            if column.allSatisfy({ $0 == first }) {
                means.append(0)
                scales.append(1)
                continue
            }
            let n = Double(column.count)
            let mean = column.reduce(0, +) / n
            let squares = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            let sd = (squares / (n - 1)).squareRoot()
            means.append(mean)
            scales.append(sd > 0 ? sd : 1)  // sd underflowed to 0: treat as constant
        }
        self.init(columns: columns, means: means, scales: scales)
    }

    /// `value` of column index `j`, standardised.
    func apply(_ value: Double, column j: Int) -> Double {
        (value - means[j]) / scales[j]
    }
}
