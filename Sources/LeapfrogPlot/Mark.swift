/// One layer of a ``Plot``, in data coordinates. Non-finite values are skipped (a line breaks
/// there); a mark with a `label` gets a legend entry.
public enum Mark: Sendable, Hashable {
    /// A polyline through (x[i], y[i]).
    case line(x: [Double], y: [Double], style: Style)
    /// The region between `lower` and `upper` over `x`: one polygon, upper edge left to right,
    /// then lower edge right to left.
    case band(x: [Double], lower: [Double], upper: [Double], style: Style)
    /// A dot at each (x[i], y[i]).
    case points(x: [Double], y: [Double], style: Style)
    /// Bars on the bins `edges[i] ..< edges[i+1]` with heights `heights[i]`, drawn as one
    /// stepped outline from the baseline 0.
    case histogram(edges: [Double], heights: [Double], style: Style)
    /// Straight segments from (x1, y1) to (x2, y2), all in one path (intervals of a forest plot).
    case segments([Segment], style: Style)
    /// A horizontal line across the plot at `y` (a reference value such as R̂ = 1.01).
    case horizontalRule(y: Double, style: Style)
    /// A vertical line across the plot at `x`.
    case verticalRule(x: Double, style: Style)

    /// A straight segment in data coordinates.
    public struct Segment: Sendable, Hashable {
        public var x1: Double, y1: Double, x2: Double, y2: Double
        public init(x1: Double, y1: Double, x2: Double, y2: Double) {
            self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2
        }
    }

    /// How a mark looks: colour (CSS), opacity, line width or dot radius, dashes, legend label.
    public struct Style: Sendable, Hashable {
        public var color: String
        public var opacity: Double
        public var width: Double
        public var dashed: Bool
        public var label: String?

        public init(color: String = Palette.blue, opacity: Double = 1, width: Double = 1.5, dashed: Bool = false,
                    label: String? = nil) {
            self.color = color
            self.opacity = opacity
            self.width = width
            self.dashed = dashed
            self.label = label
        }
    }

    public var style: Style {
        switch self {
        case .line(_, _, let s), .band(_, _, _, let s), .points(_, _, let s), .histogram(_, _, let s),
             .segments(_, let s), .horizontalRule(_, let s), .verticalRule(_, let s):
            return s
        }
    }

    /// The finite x values the mark spans (none for a horizontal rule).
    public var xValues: [Double] {
        switch self {
        case .line(let x, _, _), .band(let x, _, _, _), .points(let x, _, _): return x.filter(\.isFinite)
        case .histogram(let e, _, _): return e.filter(\.isFinite)
        case .segments(let s, _): return s.flatMap { [$0.x1, $0.x2] }.filter(\.isFinite)
        case .horizontalRule: return []
        case .verticalRule(let x, _): return x.isFinite ? [x] : []
        }
    }

    /// The finite y values the mark spans (a histogram includes its baseline 0).
    public var yValues: [Double] {
        switch self {
        case .line(_, let y, _), .points(_, let y, _): return y.filter(\.isFinite)
        case .band(_, let l, let u, _): return (l + u).filter(\.isFinite)
        case .histogram(_, let h, _): return ([0] + h).filter(\.isFinite)
        case .segments(let s, _): return s.flatMap { [$0.y1, $0.y2] }.filter(\.isFinite)
        case .horizontalRule(let y, _): return y.isFinite ? [y] : []
        case .verticalRule: return []
        }
    }
}
