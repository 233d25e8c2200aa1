/// One row of a plot's legend: a swatch in the mark's colour and its label.
public struct LegendEntry: Sendable, Hashable {
    public enum Swatch: Sendable, Hashable { case line, area, dot }
    public var label: String
    public var color: String
    public var opacity: Double
    public var swatch: Swatch

    public init(label: String, color: String, opacity: Double = 1, swatch: Swatch = .line) {
        self.label = label
        self.color = color
        self.opacity = opacity
        self.swatch = swatch
    }

    /// The entry for a mark with a label; nil without one.
    init?(_ mark: Mark) {
        guard let label = mark.style.label else { return nil }
        let swatch: Swatch
        switch mark {
        case .band, .histogram: swatch = .area
        case .points: swatch = .dot
        default: swatch = .line
        }
        self.init(label: label, color: mark.style.color, opacity: mark.style.opacity, swatch: swatch)
    }
}
