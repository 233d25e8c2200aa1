/// The mapping from data to SVG pixels for one plot: a nice-ticked scale per axis
/// (``NiceScale``) and the plot area inside the margins. SVG's y grows downwards, so the
/// y scale is flipped.
public struct Axes: Sendable, Hashable {
    public var xScale: NiceScale
    public var yScale: NiceScale
    /// The plot area in pixels: left, top, right, bottom edges.
    public var left: Double, top: Double, right: Double, bottom: Double

    public init(xScale: NiceScale, yScale: NiceScale, left: Double, top: Double, right: Double, bottom: Double) {
        self.xScale = xScale
        self.yScale = yScale
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
    }

    /// Pixel column of data x.
    public func x(_ v: Double) -> Double {
        left + (v - xScale.lower) / (xScale.upper - xScale.lower) * (right - left)
    }

    /// Pixel row of data y.
    public func y(_ v: Double) -> Double {
        bottom - (v - yScale.lower) / (yScale.upper - yScale.lower) * (bottom - top)
    }

    /// Data x at pixel column `px` (the inverse of ``x(_:)``).
    public func dataX(_ px: Double) -> Double {
        xScale.lower + (px - left) / (right - left) * (xScale.upper - xScale.lower)
    }

    /// Data y at pixel row `py` (the inverse of ``y(_:)``).
    public func dataY(_ py: Double) -> Double {
        yScale.lower + (bottom - py) / (bottom - top) * (yScale.upper - yScale.lower)
    }
}
