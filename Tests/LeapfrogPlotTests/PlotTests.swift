import Testing
@testable import LeapfrogPlot

@Suite struct PlotTests {
    /// The data back from pixel coordinates, to the precision SVG coordinates are written with.
    func tolerance(_ a: Axes) -> (x: Double, y: Double) {
        (0.006 * (a.xScale.upper - a.xScale.lower) / (a.right - a.left),
         0.006 * (a.yScale.upper - a.yScale.lower) / (a.bottom - a.top))
    }

    @Test func aBandsVerticesAreItsBounds() throws {
        let x: [Double] = [0, 1, 2, 3, 4]
        let lower: [Double] = [-1, -0.5, 0.2, 0.1, -2]
        let upper: [Double] = [1, 2.5, 3.3, 1.7, 0]
        let plot = Plot(id: "band", title: "A band", marks: [.band(x: x, lower: lower, upper: upper, style: .init())])
        let doc = try SVGDocument(plot.svg())
        let polygons = doc.all("polygon", class: "band")
        #expect(polygons.count == 1)
        let pts = SVGDocument.points(polygons.first?.attributes["points"])
        #expect(pts.count == 10)
        let a = plot.axes, tol = tolerance(a)
        // Upper edge left to right, then the lower edge right to left.
        for i in 0..<5 {
            #expect(abs(a.dataX(pts[i].0) - x[i]) <= tol.x)
            #expect(abs(a.dataY(pts[i].1) - upper[i]) <= tol.y)
            #expect(abs(a.dataX(pts[9 - i].0) - x[i]) <= tol.x)
            #expect(abs(a.dataY(pts[9 - i].1) - lower[i]) <= tol.y)
        }
    }

    @Test func axisTicksCoverTheDataAndSitAtTheirValues() throws {
        let plot = Plot(id: "p", marks: [.line(x: [0.3, 7.9], y: [-13, 42], style: .init())])
        let doc = try SVGDocument(plot.svg())
        let xs = doc.all("line", class: "tick-x").map { Double($0.attributes["data-value"]!)! }
        let ys = doc.all("line", class: "tick-y").map { Double($0.attributes["data-value"]!)! }
        #expect(xs.min()! <= 0.3 && xs.max()! >= 7.9)
        #expect(ys.min()! <= -13 && ys.max()! >= 42)
        let a = plot.axes
        for t in doc.all("line", class: "tick-y") {
            let value = Double(t.attributes["data-value"]!)!, py = Double(t.attributes["y1"]!)!
            #expect(abs(a.dataY(py) - value) <= tolerance(a).y)
        }
        // The line's ends map back to the data.
        let line = SVGDocument.points(doc.all("polyline", class: "line").first?.attributes["points"])
        #expect(abs(a.dataX(line[1].0) - 7.9) <= tolerance(a).x && abs(a.dataY(line[1].1) - 42) <= tolerance(a).y)
    }

    @Test func everyMarkKindMakesWellFormedXMLWithEscapedText() throws {
        let plot = Plot(id: "all", title: "<b>&\"quoted\"", xLabel: "x < 1", yLabel: "y & z", marks: [
            .line(x: [0, 1, 2, 3], y: [1, .nan, 2, 3], style: .init(label: "line <1>")),
            .band(x: [0, 1], lower: [0, 0], upper: [1, 1], style: .init(color: Palette.orange, opacity: 0.3, label: "band")),
            .points(x: [0.5, 1.5], y: [0.5, 1.5], style: .init(label: "points")),
            .histogram(edges: [0, 1, 2], heights: [0.2, 0.7], style: .init(label: "hist")),
            .segments([.init(x1: 0, y1: 0, x2: 1, y2: 1)], style: .init()),
            .horizontalRule(y: 0.5, style: .init(dashed: true)),
            .verticalRule(x: 1, style: .init()),
        ])
        let svg = plot.svg()
        let doc = try SVGDocument(svg)
        #expect(doc.elements.first?.name == "svg" && doc.elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(doc.all("title").first?.text == "<b>&\"quoted\"")
        // The NaN breaks the line in two.
        #expect(doc.all("polyline", class: "line").count == 2)
        #expect(doc.all("circle").count == 2 + 1)              // two points and the legend's dot
        #expect(plot.legendEntries.map(\.label) == ["line <1>", "band", "points", "hist"])
        let hist = SVGDocument.points(doc.all("polygon", class: "histogram").first?.attributes["points"])
        let a = plot.axes
        #expect(abs(a.dataY(hist[1].1) - 0.2) <= tolerance(a).y && abs(a.dataY(hist[3].1) - 0.7) <= tolerance(a).y)
    }

    @Test func categoriesLabelTheAxis() throws {
        var plot = Plot(id: "cat", yCategories: ["a", "b[1]", "c"], xCategories: ["u", "v"])
        plot.marks = [.points(x: [0, 1, 1], y: [0, 1, 2].map(plot.categoryY), style: .init())]
        let doc = try SVGDocument(plot.svg())
        let labels = doc.all("text").map(\.text)
        for name in ["a", "b[1]", "c", "u", "v"] { #expect(labels.contains(name), "\(name)") }
        // The first category is at the top.
        let a = plot.axes
        #expect(a.y(plot.categoryY(0)) < a.y(plot.categoryY(2)))
    }

    @Test func paletteIsOkabeIto() {
        #expect(Palette.series.count == 8 && Set(Palette.series).count == 8)
        #expect(Palette.color(0) == Palette.blue && Palette.color(8) == Palette.blue && Palette.color(-1) == Palette.yellow)
    }
}
