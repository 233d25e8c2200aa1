#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The support of a parameter and Stan's transform from the unconstrained scale.
///
/// With u the unconstrained value and x the constrained one (Stan Reference Manual,
/// "Constraint transforms"):
/// - `.none`:               x = u,                          log|dx/du| = 0
/// - `.lower(a)`:           x = a + exp(u),                 log|dx/du| = u
/// - `.upper(b)`:           x = b − exp(u),                 log|dx/du| = u
/// - `.bounded(a, b)`:      x = a + (b − a)·logistic(u),    log|dx/du| = log(b − a) + log σ(u) + log σ(−u)
public enum Constraint: Hashable, Sendable, CustomStringConvertible {
    case none
    case lower(Double)
    case upper(Double)
    case bounded(Double, Double)

    public static let positive = Constraint.lower(0)

    /// The constrained value, the log-Jacobian, dx/du and d(logJ)/du at `u`.
    @inlinable
    public func constrain(_ u: Double) -> (x: Double, logJacobian: Double, dxdu: Double, dLogJacobian: Double) {
        switch self {
        case .none:
            return (u, 0, 1, 0)
        case .lower(let a):
            let e = exp(u)
            return (a + e, u, e, 1)
        case .upper(let b):
            let e = exp(u)
            return (b - e, u, -e, 1)
        case .bounded(let a, let b):
            let s = Constraint.logistic(u)
            let width = b - a
            // log σ(u) + log σ(−u) = −(softplus(−u) + softplus(u)); d/du = 1 − 2σ(u).
            let logJ = log(width) - Constraint.softplus(-u) - Constraint.softplus(u)
            return (a + width * s, logJ, width * s * (1 - s), 1 - 2 * s)
        }
    }

    /// The unconstrained value of a constrained `x`, or nil when `x` lies outside the support.
    public func unconstrain(_ x: Double) -> Double? {
        guard x.isFinite else { return nil }
        switch self {
        case .none: return x
        case .lower(let a): return x > a ? log(x - a) : nil
        case .upper(let b): return x < b ? log(b - x) : nil
        case .bounded(let a, let b):
            guard x > a && x < b else { return nil }
            let p = (x - a) / (b - a)
            return log(p) - log1p(-p)
        }
    }

    public var description: String {
        switch self {
        case .none: return "real"
        case .lower(let a): return "<lower=\(a)>"
        case .upper(let b): return "<upper=\(b)>"
        case .bounded(let a, let b): return "<lower=\(a), upper=\(b)>"
        }
    }

    @inlinable static func logistic(_ u: Double) -> Double {
        u >= 0 ? 1 / (1 + exp(-u)) : exp(u) / (1 + exp(u))
    }

    @inlinable static func softplus(_ u: Double) -> Double {
        u > 0 ? u + log1p(exp(-u)) : log1p(exp(u))
    }
}

/// JSON form: `{}` (none), `{"lower": a}`, `{"upper": b}`, `{"lower": a, "upper": b}`.
extension Constraint: Codable {
    enum CodingKeys: String, CodingKey { case lower, upper }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch (try c.decodeIfPresent(Double.self, forKey: .lower), try c.decodeIfPresent(Double.self, forKey: .upper)) {
        case (nil, nil): self = .none
        case (let a?, nil): self = .lower(a)
        case (nil, let b?): self = .upper(b)
        case (let a?, let b?): self = .bounded(a, b)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .none: break
        case .lower(let a): try c.encode(a, forKey: .lower)
        case .upper(let b): try c.encode(b, forKey: .upper)
        case .bounded(let a, let b):
            try c.encode(a, forKey: .lower)
            try c.encode(b, forKey: .upper)
        }
    }
}
