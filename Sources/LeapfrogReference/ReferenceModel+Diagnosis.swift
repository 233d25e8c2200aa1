import LeapfrogCore
import LeapfrogModel

extension ReferenceModel {
    /// A log-density term that is not finite at a point: its node, its value and, for an
    /// elementwise family, the first element outside the family's support or domain with its
    /// arguments (`element 8: y = 28, mu = 1.2, sigma = 0`).
    public struct NonFiniteTerm: Sendable {
        public var node: Int
        public var value: Double
        public var family: Distribution?
        public var element: String?
    }

    /// The terms whose value is not finite at unconstrained `u`, in term order: what makes a
    /// starting point's log density −∞ or NaN (data outside a family's support, a scale of 0).
    public func nonFiniteTerms(_ u: [Double]) -> [NonFiniteTerm] {
        let tape = forward(u, nodes: logDensityNodes, logDensityLevels)
        return tape.terms.compactMap { t -> NonFiniteTerm? in
            let value = tape.values[t].first ?? .nan
            guard !value.isFinite else { return nil }
            let node = model.graph.nodes[t]
            guard node.op == .logDensity, let d = node.distribution, d.isElementwise else {
                return NonFiniteTerm(node: t, value: value, family: node.distribution, element: nil)
            }
            return NonFiniteTerm(node: t, value: value, family: d, element: Self.firstBadElement(d, node.args.map { tape.values[$0] }))
        }
    }

    /// The first element whose log density is not finite, with the outcome's and the
    /// arguments' values (broadcast as the density broadcasts them).
    static func firstBadElement(_ d: Distribution, _ args: [[Double]]) -> String? {
        let n = args.map(\.count).max() ?? 0
        guard args.allSatisfy({ $0.count == 1 || $0.count == n }) else { return nil }
        let names = ["y"] + d.parameterNames
        for i in 0..<n {
            let x = args.map { $0.count == 1 ? $0[0] : $0[i] }
            let p = Array(x.dropFirst()) + [0, 0, 0]
            guard !DistributionMath.elementwise(d, x[0], p[0], p[1], p[2]).lp.isFinite else { continue }
            let values = zip(names, x).map { "\($0) = \(compact($1))" }.joined(separator: ", ")
            return n == 1 ? values : "element \(i + 1): \(values)"
        }
        return nil
    }

    /// Four significant digits without trailing zeros: 12, 0.3142, -0.002639, 1.5e+07.
    static func compact(_ x: Double) -> String {
        let s = NumberFormat.significant(x, digits: 4)
        guard s.contains("."), !s.contains("e") else { return s }
        var t = Substring(s)
        while t.hasSuffix("0") { t = t.dropLast() }
        if t.hasSuffix(".") { t = t.dropLast() }
        return String(t)
    }
}
