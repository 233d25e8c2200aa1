import LeapfrogData

/// One end of a data variable's range: a number, or a symbol whose value comes from the data
/// (an integer scalar data variable of that name, or an extent: `"K"` for labels 1…K).
/// JSON form: a number or a string, like `Dim`.
public enum DataLimit: Hashable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral {
    case value(Double)
    case symbol(String)

    public init(integerLiteral value: Int) { self = .value(Double(value)) }
    public init(floatLiteral value: Double) { self = .value(value) }
    public init(stringLiteral value: String) { self = .symbol(value) }

    /// Whole numbers without a decimal point (`0`, not `0.0`), as a Stan program's bounds read.
    public var description: String {
        switch self {
        case .value(let x): return DataBounds.format(x, integer: x == x.rounded())
        case .symbol(let s): return s
        }
    }
}

extension DataLimit: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let x = try? c.decode(Double.self) { self = .value(x) } else { self = .symbol(try c.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .value(let x): try c.encode(x)
        case .symbol(let s): try c.encode(s)
        }
    }
}

/// The values a data variable may hold, as a Stan program's `<lower=…, upper=…>` on data:
/// every element x must satisfy lower ≤ x ≤ upper, or lower < x < upper when `strict` (a scale
/// such as eight schools' `sigma` must be positive, not merely non-negative).
///
/// Checked when a graph is bound to its data (`BoundModel`); a value out of range is refused
/// with Stan's message, e.g. `'sigma' element 8 is -18.0, below its lower bound 0`.
public struct DataBounds: Hashable, Sendable {
    public var lower: DataLimit?
    public var upper: DataLimit?
    /// Exclusive bounds: a value equal to a bound is refused too.
    public var strict: Bool

    public init(lower: DataLimit? = nil, upper: DataLimit? = nil, strict: Bool = false) {
        self.lower = lower
        self.upper = upper
        self.strict = strict
    }

    /// No bounds.
    public static let none = DataBounds()
    /// x > 0: scales, standard deviations.
    public static let positive = DataBounds(lower: 0, strict: true)
    /// x ≥ 0: counts.
    public static let nonNegative = DataBounds(lower: 0)
    /// a ≤ x ≤ b: class labels, sizes.
    public static func range(_ a: DataLimit, _ b: DataLimit) -> DataBounds { DataBounds(lower: a, upper: b) }
    /// x ≥ a.
    public static func atLeast(_ a: DataLimit) -> DataBounds { DataBounds(lower: a) }

    public var isNone: Bool { lower == nil && upper == nil }

    /// The first element of `value` (called `name`) outside the bounds, described as a Stan
    /// program's bounds are (1-based element, the value, the bound), or nil when all are inside.
    /// `resolve` gives a symbol's value; an unknown symbol is an error message too.
    func violation(_ name: String, _ value: DataArray, resolve: (String) -> Double?) -> String? {
        for (limit, isLower) in [(lower, true), (upper, false)] {
            guard let limit else { continue }
            let bound: Double
            let shownBound: String
            switch limit {
            case .value(let b):
                bound = b
                shownBound = limit.description
            case .symbol(let s):
                guard let b = resolve(s) else {
                    return "the \(isLower ? "lower" : "upper") bound \(s) of '\(name)' is not fixed by any data"
                }
                bound = b
                shownBound = "\(s) = \(DataLimit.value(b))"
            }
            for (k, x) in value.values.enumerated() {
                let outside = isLower ? x < bound : x > bound
                guard outside || (strict && x == bound) else { continue }
                return Self.message(name, value, element: k, lower: isLower, bound: shownBound, exclusive: !outside)
            }
        }
        return nil
    }

    /// Stan's message for element `k` of `value` (called `name`) outside a bound, shared with the
    /// Stan front end's data checks: `'sigma' element 8 is -18.0, below its lower bound 0`, or
    /// `… at its exclusive lower bound 0` for a value equal to an exclusive bound. Integers show
    /// without a decimal point, reals as Swift prints a `Double`.
    public static func message(_ name: String, _ value: DataArray, element k: Int, lower: Bool, bound: String,
                               exclusive: Bool = false) -> String {
        let place = value.rank == 0 ? "" : " element \(k + 1)"
        let side = lower ? "lower" : "upper"
        let relation = exclusive ? "at its exclusive \(side)" : (lower ? "below its lower" : "above its upper")
        return "'\(name)'\(place) is \(format(value.values[k], integer: value.isInteger)), \(relation) bound \(bound)"
    }

    /// Integers without a decimal point, reals as Swift prints a `Double` (`-18.0`).
    static func format(_ x: Double, integer: Bool) -> String {
        integer && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}
