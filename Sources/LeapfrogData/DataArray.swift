import LeapfrogCore

/// One data variable: a real or integer array of rank 0 (scalar), 1 (vector) or 2 (matrix),
/// stored row-major. Integers are held exactly as `Double` (|n| < 2⁵³).
public struct DataArray: Sendable, Hashable, Codable {
    public var shape: [Int]
    public var values: [Double]
    public var isInteger: Bool

    public init(shape: [Int], values: [Double], isInteger: Bool = false) {
        precondition(shape.reduce(1, *) == values.count, "DataArray: shape \(shape) holds \(shape.reduce(1, *)) values, got \(values.count)")
        self.shape = shape
        self.values = values
        self.isInteger = isInteger
    }

    public static func scalar(_ x: Double) -> DataArray { DataArray(shape: [], values: [x]) }
    public static func integer(_ n: Int) -> DataArray { DataArray(shape: [], values: [Double(n)], isInteger: true) }
    public static func vector(_ v: [Double]) -> DataArray { DataArray(shape: [v.count], values: v) }
    public static func integers(_ v: [Int]) -> DataArray { DataArray(shape: [v.count], values: v.map(Double.init), isInteger: true) }
    /// A matrix from its rows (all the same length).
    public static func matrix(rows: [[Double]]) -> DataArray {
        let c = rows.first?.count ?? 0
        return DataArray(shape: [rows.count, c], values: rows.flatMap { $0 })
    }

    public var rank: Int { shape.count }
    public var count: Int { values.count }
    public var scalarValue: Double? { shape.isEmpty ? values[0] : nil }
}

/// Named data variables, with the place they came from (for error messages).
public struct DataSet: Sendable, Hashable {
    public var variables: [String: DataArray]
    /// Where the data came from, e.g. a file path; "" for data built in code.
    public var source: String

    public init(_ variables: [String: DataArray] = [:], source: String = "") {
        self.variables = variables
        self.source = source
    }

    public subscript(name: String) -> DataArray? {
        get { variables[name] }
        set { variables[name] = newValue }
    }

    public var names: [String] { variables.keys.sorted() }

    /// Merges `other` into a copy of self; `other` wins on clashing names.
    public func merging(_ other: DataSet) -> DataSet {
        var out = self
        out.variables.merge(other.variables) { _, new in new }
        if out.source.isEmpty { out.source = other.source }
        return out
    }
}
