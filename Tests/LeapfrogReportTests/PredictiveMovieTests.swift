import Foundation
import LeapfrogCore
import LeapfrogPlot
import Testing
@testable import LeapfrogReport

/// The movie of the posterior predictive while fitting, from a synthetic `predictive.csv` beside a
/// `bnn`-shaped run (so x comes from the bundled data's grid, and the observed data are drawn).
@Suite(.serialized)
struct PredictiveMovieTests {
    /// Five snapshots of `mu_grid` [25]: the mean moves towards sin, the bands narrow.
    static let iterations = [50, 100, 150, 200, 250]

    static func snapshots() -> String {
        var rows = ["iteration,quantity,mean,q5,q25,q50,q75,q95"]
        for (f, t) in iterations.enumerated() {
            let w = 2.0 / Double(f + 1)
            for g in 0..<25 {
                let m = Double(f) / 4 * sin(Double(g) / 4)
                rows.append("\(t),mu_grid[\(g + 1)],\(m),\(m - 1.6 * w),\(m - 0.7 * w),\(m + 0.05 * w),\(m + 0.6 * w),\(m + 1.7 * w)")
            }
        }
        return rows.joined(separator: "\n") + "\n"
    }

    static func run(_ name: String) throws -> (dir: String, written: [String]) {
        let dir = RunReportTests.directory(name)
        try RunReportTests.writeRun(dir, chains: 2, draws: 10)
        try snapshots().write(toFile: dir + "/predictive.csv", atomically: true, encoding: .utf8)
        return (dir, try RunReport.write(inputs: [dir], to: dir + "/out"))
    }

    @Test func oneFramePerSnapshotPlayedByAnimation() throws {
        let (dir, written) = try Self.run("movie")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(written.contains(dir + "/out/movie-mu_grid.svg") && written.contains(dir + "/out/final-mu_grid.svg"))
        let doc = try SVGDocument(String(contentsOfFile: dir + "/out/movie-mu_grid.svg", encoding: .utf8))
        let frames = doc.elements.indices.filter { doc.elements[$0].name == "g" && doc.elements[$0].attributes["class"] == "frame" }
        #expect(frames.count == Self.iterations.count)
        var lines: [String] = []
        var visibleFrom: [Double] = []
        for (i, f) in frames.enumerated() {
            #expect(doc.elements[f].attributes["data-label"] == "iteration \(Self.iterations[i])")
            // Without SMIL only the last frame shows.
            #expect(doc.elements[f].attributes["visibility"] == (i == frames.count - 1 ? "visible" : "hidden"))
            let animate = doc.all("animate", inside: f)
            #expect(animate.count == 1)
            let a = animate.first?.attributes ?? [:]
            #expect(a["attributeName"] == "visibility" && a["repeatCount"] == "indefinite" && a["calcMode"] == "discrete")
            #expect(a["dur"] == "1.25s")
            // The frame turns visible at i/n of the loop.
            let values = (a["values"] ?? "").split(separator: ";").map(String.init)
            let times = (a["keyTimes"] ?? "").split(separator: ";").compactMap { Double($0) }
            if let k = values.firstIndex(of: "visible"), k < times.count { visibleFrom.append(times[k]) }
            #expect(doc.all("polygon", class: "band", inside: f).count == 2)
            #expect(doc.all("g", class: "points", inside: f).count == 1)
            let line = doc.all("polyline", class: "line", inside: f)
            #expect(line.count == 1)
            lines.append(line.first?.attributes["points"] ?? "")
        }
        #expect(visibleFrom == (0..<frames.count).map { Double($0) / Double(frames.count) })
        #expect(Set(lines).count == frames.count, "every frame draws a different mean")
        let html = try String(contentsOfFile: written[0], encoding: .utf8)
        #expect(html.contains("Posterior predictive while fitting") && !html.contains("<script"))
    }

    /// In pixels, in every frame, the mean lies inside the 50 % band and the 50 % band inside the 90 % band.
    @Test func theBandsContainTheMeanInEveryFrame() throws {
        let (dir, _) = try Self.run("movie-bands")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let doc = try SVGDocument(String(contentsOfFile: dir + "/out/movie-mu_grid.svg", encoding: .utf8))
        let frames = doc.elements.indices.filter { doc.elements[$0].name == "g" && doc.elements[$0].attributes["class"] == "frame" }
        #expect(frames.count == 5)
        for f in frames {
            let bands = doc.all("polygon", class: "band", inside: f).map { SVGDocument.points($0.attributes["points"]) }
            let mean = SVGDocument.points(doc.all("polyline", class: "line", inside: f).first?.attributes["points"])
            let n = mean.count
            try #require(n == 25 && bands.count == 2 && bands.allSatisfy { $0.count == 2 * n })
            for i in 0..<n {
                // SVG y grows downwards: upper edge first (left to right), lower edge after (right to left).
                let (top90, bottom90) = (bands[0][i].1, bands[0][2 * n - 1 - i].1)
                let (top50, bottom50) = (bands[1][i].1, bands[1][2 * n - 1 - i].1)
                #expect(top90 <= top50 && top50 <= mean[i].1 && mean[i].1 <= bottom50 && bottom50 <= bottom90)
                #expect(abs(bands[0][i].0 - mean[i].0) < 0.01)
            }
        }
    }

    /// The still is the last frame: the same mean, on the same axes.
    @Test func theStillIsTheLastFrame() throws {
        let (dir, _) = try Self.run("movie-still")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let movie = try SVGDocument(String(contentsOfFile: dir + "/out/movie-mu_grid.svg", encoding: .utf8))
        let still = try SVGDocument(String(contentsOfFile: dir + "/out/final-mu_grid.svg", encoding: .utf8))
        let frames = movie.elements.indices.filter { movie.elements[$0].name == "g" && movie.elements[$0].attributes["class"] == "frame" }
        let last = try #require(frames.last)
        #expect(still.all("g", class: "frame").isEmpty && still.all("animate").isEmpty)
        #expect(still.all("polyline", class: "line").first?.attributes["points"]
                == movie.all("polyline", class: "line", inside: last).first?.attributes["points"])
        #expect(still.all("line", class: "tick-y").map { $0.attributes["data-value"] }
                == movie.all("line", class: "tick-y").map { $0.attributes["data-value"] })
    }

    @Test func badSnapshotsAreNamedByLine() throws {
        let good = Self.snapshots()
        #expect(try PredictiveSnapshots.parse(good, source: "p.csv").frames.map(\.iteration) == Self.iterations)
        var lines = good.split(separator: "\n").map(String.init)
        lines[3] = "50,mu_grid[3],0.1,oops,0,0,0,0"
        let error = #expect(throws: LeapfrogError.self) { try PredictiveSnapshots.parse(lines.joined(separator: "\n"), source: "p.csv") }
        #expect(error?.message.contains("p.csv line 4") == true && error?.message.contains("q5") == true)
        #expect(throws: LeapfrogError.self) { try PredictiveSnapshots.parse("iteration,quantity,mean\n", source: "p.csv") }
        // The 90 % band alone (files from before q25/q75): one band per frame.
        let old = "iteration,quantity,mean,q5,q50,q95\n10,f[1],0,-1,0,1\n10,f[2],1,0,1,2\n20,f[1],0,-1,0,1\n20,f[2],1,0,1,2\n"
        let s = try PredictiveSnapshots.parse(old, source: "old.csv")
        #expect(s.frames.count == 2 && s.frames[0].quantities["f"]?.first?.q25 == nil)
        let grid = PredictiveGrid(x: [1, 2], xLabel: "f element", observed: nil)
        #expect(PredictiveMovie.marks(s.frames[0].quantities["f"]!, grid: grid).count == 2)
    }
}
