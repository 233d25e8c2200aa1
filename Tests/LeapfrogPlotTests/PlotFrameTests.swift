import Testing
@testable import LeapfrogPlot

/// An animated plot: each frame is shown for exactly its share of the loop, the axes cover every
/// frame, and a viewer without SMIL sees the last frame only.
@Suite struct PlotFrameTests {
    /// Frame i of n is visible on [i/n, (i+1)/n) of the loop and hidden elsewhere.
    @Test(arguments: [1, 2, 3, 7])
    func eachFrameShowsForItsShareOfTheLoop(count: Int) throws {
        for i in 0..<count {
            let doc = try SVGDocument("<svg xmlns=\"http://www.w3.org/2000/svg\">" + PlotFrame.animation(index: i, count: count, duration: 2) + "</svg>")
            let a = try #require(doc.all("animate").first).attributes
            let values = (a["values"] ?? "").split(separator: ";").map(String.init)
            let times = (a["keyTimes"] ?? "").split(separator: ";").compactMap { Double($0) }
            #expect(values.count == times.count && times.first == 0 && a["dur"] == "2.0s")
            // The value in force at a time t of the loop (discrete: the last key at or before t).
            func shown(_ t: Double) -> String { values[times.lastIndex { $0 <= t }!] }
            for k in 0..<(4 * count) {
                let t = (Double(k) + 0.5) / Double(4 * count)
                #expect(shown(t) == (Int(t * Double(count)) == i ? "visible" : "hidden"), "frame \(i) of \(count) at \(t)")
            }
        }
    }

    @Test func theAxesCoverEveryFrameAndOnlyTheLastShowsWithoutAnimation() throws {
        var plot = Plot(id: "movie", marks: [])
        plot.frames = [PlotFrame(label: "iteration 1", marks: [.line(x: [0, 1], y: [0, 1], style: .init())]),
                       PlotFrame(label: "iteration 2", marks: [.line(x: [0, 5], y: [-3, 10], style: .init())])]
        let a = plot.axes
        #expect(a.xScale.lower <= 0 && a.xScale.upper >= 5 && a.yScale.lower <= -3 && a.yScale.upper >= 10)
        let doc = try SVGDocument(plot.svg())
        let frames = doc.all("g", class: "frame")
        #expect(frames.map { $0.attributes["visibility"] } == ["hidden", "visible"])
        #expect(frames.map { $0.attributes["data-label"] } == ["iteration 1", "iteration 2"])
        #expect(doc.all("animate").count == 2 && doc.all("text", class: "frame-label").map(\.text) == ["iteration 1", "iteration 2"])
    }
}
