/// A two-dimensional chart drawn as a standalone SVG document: a frame with nicely ticked axes
/// (``NiceScale``), the marks in order (later on top), axis labels, a title and a legend right of
/// the frame (so it never hides data).
///
/// The SVG needs no script or external resource; its element ids start with ``id`` so several
/// plots can share one HTML page. Coordinates are written with two decimals (``SVGText``).
/// Elements carry a `class` (`line`, `band`, `points`, `histogram`, `segments`, `rule`,
/// `tick-x`, `tick-y`, `frame`) so tests and style sheets can find them.
///
/// An animated plot has ``frames``: each is a group (`<g class="frame">`) drawn over the fixed
/// marks and shown in turn for ``frameSeconds`` by a SMIL `<animate>` (no script), looping; the
/// axes cover every frame, so they hold still while the frames change.
public struct Plot: Sendable, Hashable {
    /// Unique within a page: the prefix of the SVG's element ids (letters, digits, `-`, `_`).
    public var id: String
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var width: Double
    public var height: Double
    public var marks: [Mark]
    /// Fixed data ranges; nil: the range of the marks, widened to nice ticks.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    /// Names for the y positions 0, 1, …, n−1 (a forest plot's parameters, top to bottom):
    /// the y axis then shows these names instead of numbers.
    public var yCategories: [String]?
    /// Names for the x positions 0, 1, …, n−1 (the axes of a parallel-coordinates plot).
    public var xCategories: [String]?
    /// About how many ticks each axis gets.
    public var tickCount: Int
    /// Frames shown one after another over ``marks`` (see ``PlotFrame``); empty: a still plot.
    public var frames: [PlotFrame] = []
    /// How long each frame shows.
    public var frameSeconds = Plot.defaultFrameSeconds

    /// A quarter of a second per frame: 40 snapshots play in 10 s.
    public static let defaultFrameSeconds = 0.25

    public init(id: String, title: String = "", xLabel: String = "", yLabel: String = "", width: Double = 480,
                height: Double = 300, marks: [Mark] = [], xRange: ClosedRange<Double>? = nil,
                yRange: ClosedRange<Double>? = nil, yCategories: [String]? = nil, xCategories: [String]? = nil,
                tickCount: Int = 6) {
        self.id = id
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.width = width
        self.height = height
        self.marks = marks
        self.xRange = xRange
        self.yRange = yRange
        self.yCategories = yCategories
        self.xCategories = xCategories
        self.tickCount = tickCount
    }

    /// The pixel mapping this plot uses (its margins leave room for labels and ticks).
    public var axes: Axes {
        let all = marks + frames.flatMap(\.marks)
        let xs = all.flatMap(\.xValues), ys = all.flatMap(\.yValues)
        var xScale = xRange.map { NiceScale(min: $0.lowerBound, max: $0.upperBound, ticks: tickCount) }
            ?? NiceScale(min: xs.min() ?? 0, max: xs.max() ?? 1, ticks: tickCount)
        if let categories = xCategories {
            xScale = NiceScale(min: 0, max: 1)
            xScale.lower = -0.5
            xScale.upper = Double(categories.count) - 0.5
            xScale.step = 1
        }
        var yScale: NiceScale
        if let categories = yCategories {
            // One unit per category, upside down so the first is at the top.
            yScale = NiceScale(min: 0, max: 1)
            yScale.lower = -0.5
            yScale.upper = Double(categories.count) - 0.5
            yScale.step = 1
        } else {
            yScale = yRange.map { NiceScale(min: $0.lowerBound, max: $0.upperBound, ticks: tickCount) }
                ?? NiceScale(min: ys.min() ?? 0, max: ys.max() ?? 1, ticks: tickCount)
        }
        let labelWidth = yCategories.map { Double(min($0.map(\.count).max() ?? 0, 28)) * 6.5 + 10 } ?? 52
        return Axes(xScale: xScale, yScale: yScale, left: labelWidth + (yLabel.isEmpty ? 6 : 20),
                    top: title.isEmpty ? 12 : 30, right: width - 14 - legendWidth, bottom: height - (xLabel.isEmpty ? 26 : 42))
    }

    /// Room the legend takes right of the frame (0 without labelled marks).
    var legendWidth: Double {
        let entries = legendEntries
        guard !entries.isEmpty else { return 0 }
        return Double(min(entries.map(\.label.count).max() ?? 0, 24)) * 6 + 34
    }

    /// The data y of category `i` (``yCategories``): the first category at the top.
    public func categoryY(_ i: Int) -> Double { Double((yCategories?.count ?? 0) - 1 - i) }

    /// The plot as an SVG document (`<svg xmlns=…>…</svg>`, no XML declaration, so it can be
    /// written to a `.svg` file or placed in HTML as it is).
    public func svg() -> String {
        let a = axes
        let c = SVGText.coordinate
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(c(width))\" height=\"\(c(height))\" "
            + "viewBox=\"0 0 \(c(width)) \(c(height))\" font-family=\"sans-serif\" font-size=\"11\" "
            + "role=\"img\" aria-label=\"\(SVGText.escape(title))\">\n"
        s += "<title>\(SVGText.escape(title))</title>\n"
        // The clip reaches 4 px past the frame, so dots on its edge stay whole.
        s += "<defs><clipPath id=\"\(id)-clip\"><rect x=\"\(c(a.left - 4))\" y=\"\(c(a.top - 4))\" "
            + "width=\"\(c(a.right - a.left + 8))\" height=\"\(c(a.bottom - a.top + 8))\"/></clipPath></defs>\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += gridAndTicks(a)
        s += "<g clip-path=\"url(#\(id)-clip)\">\n"
        for mark in marks { s += draw(mark, a) }
        s += "</g>\n"
        s += drawFrames(a)
        s += "<rect class=\"frame\" x=\"\(c(a.left))\" y=\"\(c(a.top))\" width=\"\(c(a.right - a.left))\" "
            + "height=\"\(c(a.bottom - a.top))\" fill=\"none\" stroke=\"#333\" stroke-width=\"1\"/>\n"
        if !title.isEmpty {
            s += "<text x=\"\(c(a.left))\" y=\"18\" font-size=\"13\" font-weight=\"bold\">\(SVGText.escape(title))</text>\n"
        }
        if !xLabel.isEmpty {
            s += "<text x=\"\(c((a.left + a.right) / 2))\" y=\"\(c(height - 8))\" text-anchor=\"middle\">"
                + "\(SVGText.escape(xLabel))</text>\n"
        }
        if !yLabel.isEmpty {
            let cy = (a.top + a.bottom) / 2
            s += "<text x=\"12\" y=\"\(c(cy))\" text-anchor=\"middle\" transform=\"rotate(-90 12 \(c(cy)))\">"
                + "\(SVGText.escape(yLabel))</text>\n"
        }
        s += legend(a)
        s += "</svg>\n"
        return s
    }

    private func gridAndTicks(_ a: Axes) -> String {
        let c = SVGText.coordinate
        var s = "<g class=\"axes\" stroke=\"#e5e5e5\" stroke-width=\"1\">\n"
        var labels = ""
        let xTicks = xCategories.map { $0.indices.map(Double.init) } ?? a.xScale.ticks
        for t in xTicks {
            let px = a.x(t)
            s += "<line class=\"tick-x\" data-value=\"\(SVGText.significant(t, digits: 12))\" x1=\"\(c(px))\" "
                + "y1=\"\(c(a.top))\" x2=\"\(c(px))\" y2=\"\(c(a.bottom))\"/>\n"
            let text: String
            if let categories = xCategories {
                let name = categories[Int(t)]
                text = name.count > 12 ? String(name.prefix(11)) + "…" : name
            } else {
                text = SVGText.fixed(t, decimals: a.xScale.decimals)
            }
            labels += "<text x=\"\(c(px))\" y=\"\(c(a.bottom + 14))\" text-anchor=\"middle\">\(SVGText.escape(text))</text>\n"
        }
        if let categories = yCategories {
            for (i, name) in categories.enumerated() {
                let py = a.y(categoryY(i))
                s += "<line class=\"tick-y\" data-value=\"\(categoryY(i))\" x1=\"\(c(a.left))\" y1=\"\(c(py))\" "
                    + "x2=\"\(c(a.right))\" y2=\"\(c(py))\"/>\n"
                let shown = name.count > 28 ? String(name.prefix(27)) + "…" : name
                labels += "<text x=\"\(c(a.left - 4))\" y=\"\(c(py + 4))\" text-anchor=\"end\">\(SVGText.escape(shown))</text>\n"
            }
        } else {
            for t in a.yScale.ticks {
                let py = a.y(t)
                s += "<line class=\"tick-y\" data-value=\"\(SVGText.significant(t, digits: 12))\" x1=\"\(c(a.left))\" "
                    + "y1=\"\(c(py))\" x2=\"\(c(a.right))\" y2=\"\(c(py))\"/>\n"
                labels += "<text x=\"\(c(a.left - 4))\" y=\"\(c(py + 4))\" text-anchor=\"end\">"
                    + "\(SVGText.fixed(t, decimals: a.yScale.decimals))</text>\n"
            }
        }
        return s + "</g>\n<g class=\"tick-labels\" fill=\"#333\">\n" + labels + "</g>\n"
    }

    private func strokeAttributes(_ st: Mark.Style) -> String {
        "stroke=\"\(SVGText.escape(st.color))\" stroke-width=\"\(SVGText.coordinate(st.width))\""
            + (st.opacity < 1 ? " stroke-opacity=\"\(SVGText.coordinate(st.opacity))\"" : "")
            + (st.dashed ? " stroke-dasharray=\"5 3\"" : "")
    }

    private func fillAttributes(_ st: Mark.Style) -> String {
        "fill=\"\(SVGText.escape(st.color))\"" + (st.opacity < 1 ? " fill-opacity=\"\(SVGText.coordinate(st.opacity))\"" : "")
    }

    /// Runs of consecutive indices where every value is finite.
    private static func finiteRuns(_ n: Int, _ ok: (Int) -> Bool) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start: Int?
        for i in 0..<n {
            if ok(i) {
                if start == nil { start = i }
            } else if let s = start {
                runs.append(s..<i)
                start = nil
            }
        }
        if let s = start { runs.append(s..<n) }
        return runs
    }

    private func draw(_ mark: Mark, _ a: Axes) -> String {
        let c = SVGText.coordinate
        switch mark {
        case .line(let x, let y, let st):
            let n = min(x.count, y.count)
            return Self.finiteRuns(n) { x[$0].isFinite && y[$0].isFinite }.map { run in
                "<polyline class=\"line\" fill=\"none\" \(strokeAttributes(st)) stroke-linejoin=\"round\" points=\""
                    + run.map { "\(c(a.x(x[$0]))),\(c(a.y(y[$0])))" }.joined(separator: " ") + "\"/>\n"
            }.joined()
        case .band(let x, let lower, let upper, let st):
            let n = min(x.count, lower.count, upper.count)
            return Self.finiteRuns(n) { x[$0].isFinite && lower[$0].isFinite && upper[$0].isFinite }.map { run in
                let top = run.map { "\(c(a.x(x[$0]))),\(c(a.y(upper[$0])))" }
                let bottom = run.reversed().map { "\(c(a.x(x[$0]))),\(c(a.y(lower[$0])))" }
                return "<polygon class=\"band\" \(fillAttributes(st)) stroke=\"none\" points=\""
                    + (top + bottom).joined(separator: " ") + "\"/>\n"
            }.joined()
        case .points(let x, let y, let st):
            let n = min(x.count, y.count)
            var s = "<g class=\"points\" \(fillAttributes(st))>"
            for i in 0..<n where x[i].isFinite && y[i].isFinite {
                s += "<circle cx=\"\(c(a.x(x[i])))\" cy=\"\(c(a.y(y[i])))\" r=\"\(c(st.width))\"/>"
            }
            return s + "</g>\n"
        case .histogram(let edges, let heights, let st):
            let n = min(edges.count - 1, heights.count)
            guard n > 0 else { return "" }
            let base = c(a.y(max(0, a.yScale.lower)))
            var pts = ["\(c(a.x(edges[0]))),\(base)"]
            for i in 0..<n {
                let h = heights[i].isFinite ? heights[i] : 0
                pts.append("\(c(a.x(edges[i]))),\(c(a.y(h)))")
                pts.append("\(c(a.x(edges[i + 1]))),\(c(a.y(h)))")
            }
            pts.append("\(c(a.x(edges[n]))),\(base)")
            return "<polygon class=\"histogram\" \(fillAttributes(st)) stroke=\"\(SVGText.escape(st.color))\" "
                + "stroke-width=\"0.5\" points=\"" + pts.joined(separator: " ") + "\"/>\n"
        case .segments(let segments, let st):
            let d = segments.filter { $0.x1.isFinite && $0.x2.isFinite && $0.y1.isFinite && $0.y2.isFinite }.map {
                "M\(c(a.x($0.x1))) \(c(a.y($0.y1)))L\(c(a.x($0.x2))) \(c(a.y($0.y2)))"
            }.joined()
            return d.isEmpty ? "" : "<path class=\"segments\" fill=\"none\" \(strokeAttributes(st)) d=\"\(d)\"/>\n"
        case .horizontalRule(let y, let st):
            guard y.isFinite else { return "" }
            return "<line class=\"rule\" \(strokeAttributes(st)) x1=\"\(c(a.left))\" y1=\"\(c(a.y(y)))\" "
                + "x2=\"\(c(a.right))\" y2=\"\(c(a.y(y)))\"/>\n"
        case .verticalRule(let x, let st):
            guard x.isFinite else { return "" }
            return "<line class=\"rule\" \(strokeAttributes(st)) x1=\"\(c(a.x(x)))\" y1=\"\(c(a.top))\" "
                + "x2=\"\(c(a.x(x)))\" y2=\"\(c(a.bottom))\"/>\n"
        }
    }

    /// Legend entries of the labelled marks (the fixed ones, then the frames'), one per label,
    /// right of the frame.
    public var legendEntries: [LegendEntry] {
        var seen = Set<String>()
        return (marks + frames.flatMap(\.marks)).compactMap(LegendEntry.init).filter { seen.insert($0.label).inserted }
    }

    /// The frames, each a clipped group with its label, hidden but for its turn (the last one
    /// visible without animation, so a still viewer shows the end).
    private func drawFrames(_ a: Axes) -> String {
        let c = SVGText.coordinate
        var s = ""
        for (i, frame) in frames.enumerated() {
            s += "<g class=\"frame\" id=\"\(id)-frame-\(i + 1)\" visibility=\"\(i == frames.count - 1 ? "visible" : "hidden")\" "
                + "data-label=\"\(SVGText.escape(frame.label))\">"
                + PlotFrame.animation(index: i, count: frames.count, duration: frameSeconds * Double(frames.count)) + "\n"
            s += "<g clip-path=\"url(#\(id)-clip)\">\n"
            for mark in frame.marks { s += draw(mark, a) }
            s += "</g>\n<text class=\"frame-label\" x=\"\(c(a.right - 6))\" y=\"\(c(a.top + 14))\" text-anchor=\"end\">"
                + "\(SVGText.escape(frame.label))</text>\n</g>\n"
        }
        return s
    }

    private func legend(_ a: Axes) -> String {
        let entries = legendEntries
        guard !entries.isEmpty else { return "" }
        let c = SVGText.coordinate
        let w = legendWidth - 6
        let x0 = a.right + 8, y0 = a.top
        var s = "<g class=\"legend\"><rect x=\"\(c(x0))\" y=\"\(c(y0))\" width=\"\(c(w))\" "
            + "height=\"\(c(Double(entries.count) * 15 + 6))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>\n"
        for (i, e) in entries.enumerated() {
            let y = y0 + 12 + Double(i) * 15
            let color = SVGText.escape(e.color)
            switch e.swatch {
            case .line:
                s += "<line x1=\"\(c(x0 + 5))\" y1=\"\(c(y - 4))\" x2=\"\(c(x0 + 21))\" y2=\"\(c(y - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            case .area:
                s += "<rect x=\"\(c(x0 + 5))\" y=\"\(c(y - 9))\" width=\"16\" height=\"10\" fill=\"\(color)\" "
                    + "fill-opacity=\"\(c(max(e.opacity, 0.3)))\"/>"
            case .dot:
                s += "<circle cx=\"\(c(x0 + 13))\" cy=\"\(c(y - 4))\" r=\"3\" fill=\"\(color)\"/>"
            }
            let label = e.label.count > 24 ? String(e.label.prefix(23)) + "…" : e.label
            s += "<text x=\"\(c(x0 + 25))\" y=\"\(c(y))\">\(SVGText.escape(label))</text>\n"
        }
        return s + "</g>\n"
    }
}
