import LeapfrogModel

/// The static type of a Stan value: a base type, how many array dimensions wrap it, and the
/// extents of every dimension (array extents first) where they are known at compile time.
struct StanType: Sendable, CustomStringConvertible {
    var base: BaseType
    var arrayRank: Int
    /// One entry per dimension (`arrayRank + base.rank`); nil where unknown.
    var sizes: [Dim?]

    static let int = StanType(base: .int, arrayRank: 0, sizes: [])
    static let real = StanType(base: .real, arrayRank: 0, sizes: [])

    var rank: Int { arrayRank + base.rank }
    var isScalar: Bool { rank == 0 }
    var isInteger: Bool { base == .int }
    var isIntScalar: Bool { base == .int && arrayRank == 0 }

    /// The same shape with a real base (int arrays become real arrays).
    var promotedToReal: StanType {
        var t = self
        if t.base == .int { t.base = .real }
        return t
    }

    /// The type after removing dimension `axis` by a single index.
    func removingDimension(_ axis: Int) -> StanType {
        var t = self
        t.sizes.remove(at: axis)
        if axis < arrayRank {
            t.arrayRank -= 1
        } else {
            switch base {
            case .vector, .rowVector: t.base = .real
            case .matrix: t.base = axis == arrayRank ? .rowVector : .vector
            case .int, .real: break
            }
        }
        return t
    }

    var description: String {
        let inner: String
        switch base {
        case .int, .real: inner = base.rawValue
        case .vector, .rowVector: inner = "\(base.rawValue)[\(StanType.text(sizes.last!))]"
        case .matrix: inner = "matrix[\(StanType.text(sizes[arrayRank])), \(StanType.text(sizes[arrayRank + 1]))]"
        }
        if arrayRank == 0 { return inner }
        return "array[\(sizes.prefix(arrayRank).map(StanType.text).joined(separator: ", "))] \(inner)"
    }

    static func text(_ d: Dim?) -> String { d.map(\.description) ?? "?" }
}

/// Whether two compile-time extents are known to differ.
func differ(_ a: Dim?, _ b: Dim?) -> Bool {
    guard let a, let b else { return false }
    switch (a, b) {
    case (.fixed(let x), .fixed(let y)): return x != y
    default: return false
    }
}

/// Whether two compile-time extents are known to be equal.
func same(_ a: Dim?, _ b: Dim?) -> Bool {
    guard let a, let b else { return false }
    return a == b
}
