import LeapfrogCore

/// Where each parameter lives in the flat unconstrained vector the sampler sees.
///
/// Parameters are laid out in declaration order; within one, elements are row-major. Element
/// names are Stan's, 1-based: `prec`, `theta[3]`, `W1[2,5]`.
public struct ParameterLayout: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public var name: String
        public var shape: [Int]
        public var constraint: Constraint
        public var offset: Int
        public var count: Int { shape.reduce(1, *) }
    }

    public private(set) var entries: [Entry]
    public let dimension: Int

    public init(_ parameters: [(name: String, shape: [Int], constraint: Constraint)]) {
        var offset = 0
        var entries: [Entry] = []
        for p in parameters {
            let e = Entry(name: p.name, shape: p.shape, constraint: p.constraint, offset: offset)
            entries.append(e)
            offset += e.count
        }
        self.entries = entries
        self.dimension = offset
    }

    public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// Stan-style names of every element of the unconstrained vector, in order.
    public var elementNames: [String] {
        entries.flatMap { ParameterLayout.elementNames($0.name, shape: $0.shape) }
    }

    /// What each unconstrained coordinate is, as an expression of its element (`Constraint`'s
    /// transforms): `mu`, `log(sigma)`, `log(x - 2)`, `log(3 - x)`, `logit(p)`,
    /// `logit((r - 1) / 4)`. Files that hold a fit on the unconstrained scale name their
    /// coordinates with these (variational.json, pathfinder.json), where the element's own name
    /// would read as the constrained value.
    public var coordinateNames: [String] {
        entries.flatMap { e in
            ParameterLayout.elementNames(e.name, shape: e.shape).map { Self.coordinate($0, e.constraint) }
        }
    }

    static func coordinate(_ x: String, _ c: Constraint) -> String {
        func n(_ v: Double) -> String { DataLimit.value(v).description }
        // x − a, written x + |a| for a negative a.
        let shifted = { (a: Double) in a == 0 ? x : a < 0 ? "\(x) + \(n(-a))" : "\(x) - \(n(a))" }
        switch c {
        case .none: return x
        case .lower(let a): return "log(\(shifted(a)))"
        case .upper(let b): return "log(\(n(b)) - \(x))"
        case .bounded(let a, let b):
            if a == 0 && b == 1 { return "logit(\(x))" }
            return "logit((\(shifted(a))) / \(n(b - a)))"
        }
    }

    /// `theta[1]`, …, or `W[1,1]`, `W[1,2]`, … (row-major, 1-based); a scalar keeps its name.
    public static func elementNames(_ name: String, shape: [Int]) -> [String] {
        switch shape.count {
        case 0: return [name]
        case 1: return (1...max(shape[0], 1)).prefix(shape[0]).map { "\(name)[\($0)]" }
        default:
            var out: [String] = []
            for i in 0..<shape[0] { for j in 0..<shape[1] { out.append("\(name)[\(i + 1),\(j + 1)]") } }
            return out
        }
    }

    /// Constrained values of every element (same order as the unconstrained vector).
    public func constrain(_ unconstrained: [Double]) -> [Double] {
        precondition(unconstrained.count == dimension)
        var out = unconstrained
        for e in entries {
            for k in e.offset..<(e.offset + e.count) { out[k] = e.constraint.constrain(unconstrained[k]).x }
        }
        return out
    }

    /// The unconstrained vector for named constrained values (e.g. from `--params FILE.json`).
    /// Every parameter must be present with its exact shape (when `shapes` names one: a matrix
    /// for a vector, or `[[x]]` for a scalar, is refused) and inside its support.
    public func unconstrain(_ values: [String: [Double]], shapes: [String: [Int]] = [:],
                            source: String = "parameter values") throws -> [Double] {
        var out = [Double](repeating: 0, count: dimension)
        func described(_ shape: [Int]) -> String { shape.isEmpty ? "a scalar" : "shape \(shape)" }
        for e in entries {
            guard let v = values[e.name] else {
                throw LeapfrogError(.data, "\(source): parameter '\(e.name)' is missing (expected \(described(e.shape)))")
            }
            // No values at all (`[]`, CmdStan's way of writing any empty array) fit an empty shape.
            if let shape = shapes[e.name], shape != e.shape, !(e.count == 0 && shape.reduce(1, *) == 0) {
                throw LeapfrogError(.data, "\(source): parameter '\(e.name)' has \(described(shape)), but the model declares \(described(e.shape))")
            }
            guard v.count == e.count else {
                throw LeapfrogError(.data, "\(source): parameter '\(e.name)' has \(v.count) values; its shape \(e.shape) holds \(e.count)")
            }
            for (k, x) in v.enumerated() {
                guard let u = e.constraint.unconstrain(x) else {
                    let n = ParameterLayout.elementNames(e.name, shape: e.shape)[k]
                    throw LeapfrogError(.data, "\(source): \(n) = \(x) is outside its support \(e.constraint)")
                }
                out[e.offset + k] = u
            }
        }
        let known = Set(entries.map(\.name))
        if let extra = values.keys.sorted().first(where: { !known.contains($0) }) {
            throw LeapfrogError(.data, "\(source): '\(extra)' is not a parameter of this model (parameters: \(entries.map(\.name).joined(separator: ", ")))")
        }
        return out
    }
}
