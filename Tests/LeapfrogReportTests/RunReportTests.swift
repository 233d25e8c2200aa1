import Foundation
import LeapfrogCore
import LeapfrogDiagnostics
import LeapfrogOutput
import LeapfrogPlot
import Testing
@testable import LeapfrogReport

/// Reports of synthetic runs written by the InferenceData writer, and of bad inputs.
@Suite(.serialized)
struct RunReportTests {
    static func directory(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-report-\(getpid())-\(name)").path
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A `bnn`-shaped run (so the report rebuilds the bundled data's grid): `mu_grid` [25],
    /// `prec`, `W3` [5], with every sample statistic; chain 3 is stuck.
    static func writeRun(_ dir: String, chains: Int, draws: Int, attributes: [String: String] = [:]) throws {
        let schema = DrawSchema(variables: [.init("W3", [5]), .init("prec"), .init("mu_grid", [25])], chains: chains, plannedDraws: draws)
        let writer = try InferenceDataWriter(path: dir + "/posterior.nc", schema: schema,
                                             attributes: ["model": "bnn"].merging(attributes) { $1 })
        try writer.recordAdaptation(WarmupAdaptation(stepSize: Array(repeating: 0.1, count: chains)))
        var state: UInt64 = 99
        func u() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / Double(1 << 53)
        }
        for _ in 0..<draws {
            var values: [[Double]] = []
            var stats = SampleStatistics(chains: chains)
            for c in 0..<chains {
                let stuck = c == 2
                let z = stuck ? 0.5 : u() - 0.5
                let prec = 2 + z
                let grid = (0..<25).map { g in sin(Double(g) / 4) + 0.3 * (u() - 0.5) }
                values.append((0..<5).map { _ in u() } + [prec] + grid)
                stats.lp[c] = stuck ? -50 : -10 + z
                stats.acceptanceRate[c] = stuck ? 0 : 0.7 + 0.2 * u()
                stats.stepSize[c] = 0.1
                stats.treeDepth[c] = 3
                stats.nSteps[c] = 7
                stats.diverging[c] = !stuck && u() < 0.02
                stats.energy[c] = 12 + 3 * (u() - 0.5)
            }
            try writer.append(values: values, stats: stats)
        }
        try writer.finish(interrupted: false, timing: RunTiming(warmupSeconds: 1, samplingSeconds: 1))
    }

    @Test func fourThousandChainsMakeASmallReport() throws {
        let dir = Self.directory("4096")
        try Self.writeRun(dir, chains: 4096, draws: 20)
        let written = try RunReport.write(inputs: [dir])
        #expect(written.first == dir + "/report/report.html")
        let html = try String(contentsOfFile: written[0], encoding: .utf8)
        #expect(html.utf8.count < 3_000_000, "report.html is \(html.utf8.count) bytes")
        #expect(!html.contains("<script"))
        for section in ["Posterior predictive", "Convergence", "Traces, densities and ranks", "Sampler", "Summary"] {
            #expect(html.contains(section), "\(section)")
        }
        // The stuck chain (3) is named as an outlier.
        #expect(html.contains("stuck: lp__ moved in 0 of 19 transitions"))
        for path in written.dropFirst() {
            let svg = try String(contentsOfFile: path, encoding: .utf8)
            _ = try SVGDocument(svg)
            #expect(svg.utf8.count < 400_000, "\(path): \(svg.utf8.count) bytes")
        }
        // A trace of 4,096 chains is bands and a few highlighted chains, not 4,096 lines.
        let trace = try SVGDocument(String(contentsOfFile: dir + "/report/trace-lp__.svg", encoding: .utf8))
        #expect(trace.all("polyline", class: "line").count <= 4)
        #expect(trace.all("polygon", class: "band").count == 2)
        // Rank plots over 8 groups of 512 chains.
        let rank = try SVGDocument(String(contentsOfFile: dir + "/report/rank-lp__.svg", encoding: .utf8))
        #expect(rank.all("polyline", class: "line").count == 8)
        try? FileManager.default.removeItem(atPath: dir)
    }

    @Test func predictiveBandsAreTheQuantilesOverTheGrid() throws {
        let draws = (0..<3).map { g in
            FlatDraws(name: "f_grid[\(g + 1)]", draws: (0..<4).map { c in (0..<50).map { d in Double(g) + Double((c * 50 + d) % 17) / 10 } })
        }
        let grid = PredictiveGrid(x: [-1, 0, 1], xLabel: "x", observed: ([0.5], [1.0]))
        let figure = PredictiveFigure.make(id: "p", name: "f_grid", elements: draws, grid: grid)
        let doc = try SVGDocument(figure.plot.svg())
        let bands = doc.all("polygon", class: "band")
        #expect(bands.count == 2)
        let a = figure.plot.axes
        let tol = 0.006 * (a.yScale.upper - a.yScale.lower) / (a.bottom - a.top)
        for (band, probs) in zip(bands, [(0.05, 0.95), (0.25, 0.75)]) {
            let pts = SVGDocument.points(band.attributes["points"])
            #expect(pts.count == 6)
            for g in 0..<3 {
                let q = Quantile.of(draws[g].draws.flatMap { $0 }, probs: [probs.0, probs.1])
                #expect(abs(a.dataY(pts[g].1) - q[1]) <= tol, "upper at \(g)")
                #expect(abs(a.dataY(pts[5 - g].1) - q[0]) <= tol, "lower at \(g)")
            }
        }
        #expect(doc.all("g", class: "points").first.map { _ in true } == true)
    }

    @Test func theBNNGridIsRebuiltFromTheModel() throws {
        let data = PredictiveGrid.data(model: "bnn", dataPath: nil, options: nil)
        let grid = PredictiveGrid.find(for: "mu_grid", count: 25, in: data)
        #expect(grid.x.count == 25 && abs(grid.x[0] + 1.2) < 1e-12 && abs(grid.x[24] - 1.2) < 1e-12)
        #expect(grid.observed?.x.count == grid.observed?.y.count && (grid.observed?.x.count ?? 0) > 10)
        let gp = PredictiveGrid.find(for: "f_grid", count: 40, in: PredictiveGrid.data(model: "gp-regression", dataPath: nil, options: nil))
        #expect(abs(gp.x[0] + 1.3) < 1e-12 && gp.xLabel == "x_grid" && gp.observed != nil)
        // Unknown model: the element index.
        #expect(PredictiveGrid.find(for: "g", count: 3, in: nil).x == [1, 2, 3])
    }

    @Test func unreadableInputsAreNamed() throws {
        let dir = Self.directory("bad")
        func message(_ paths: [String]) -> String {
            do {
                _ = try RunReport.write(inputs: paths, to: dir + "/out")
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(message([dir + "/missing.nc"]).contains("'\(dir)/missing.nc': no such file"))
        #expect(message([dir]).contains("'\(dir)' holds no posterior.nc and no Stan CSV files"))
        try "a,b\n1,2\n".write(toFile: dir + "/data.csv", atomically: true, encoding: .utf8)
        #expect(message([dir + "/data.csv"]).contains("'\(dir)/data.csv' is not a Stan CSV file"))
        try "x".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        #expect(message([dir + "/notes.txt"]).contains("is neither a .nc nor a .csv file"))
        try "not netcdf".write(toFile: dir + "/posterior.nc", atomically: true, encoding: .utf8)
        #expect(message([dir + "/posterior.nc"]).contains("posterior.nc"))
        try? FileManager.default.removeItem(atPath: dir)
    }

    @Test func tinyAndEmptyRunsStillMakeAReport() throws {
        for (chains, draws) in [(1, 5), (3, 1), (2, 0)] {
            let dir = Self.directory("tiny-\(chains)-\(draws)")
            try Self.writeRun(dir, chains: chains, draws: draws)
            let written = try RunReport.write(inputs: [dir])
            for path in written.dropFirst() { _ = try SVGDocument(String(contentsOfFile: path, encoding: .utf8)) }
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    @Test func chainFilesAreFoundInChainOrder() {
        #expect(RunInput.chainFiles(["chain-10.csv", "chain-2.csv", "summary.json", "elbo.csv", "chain-1.csv", "data.csv"])
                == ["chain-1.csv", "chain-2.csv", "chain-10.csv"])
        #expect(RunInput.chainFiles(["bernoulli-20240101_3.csv", "bernoulli-20240101_1.csv"])
                == ["bernoulli-20240101_1.csv", "bernoulli-20240101_3.csv"])
    }

    @Test func anELBOTraceIsShownWhenPresent() throws {
        let dir = Self.directory("elbo")
        try Self.writeRun(dir, chains: 4, draws: 10)
        let rows = (1...200).map { "\($0),\(-100 + 90 * (1 - exp(-Double($0) / 30)) + sin(Double($0)))" }
        try (["iteration,elbo"] + rows).joined(separator: "\n").write(toFile: dir + "/elbo.csv", atomically: true, encoding: .utf8)
        let written = try RunReport.write(inputs: [dir + "/posterior.nc"], to: dir + "/out")
        #expect(written.contains(dir + "/out/elbo.svg"))
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// A trace of `elbo_k` columns where successive halving pruned a restart (`nan` from then
    /// on, as elbo.csv writes it) is read (it stopped the report), and the table's final ELBO is
    /// the fit's own: the last convergence window's mean (`elbo_mean`).
    @Test func aPrunedRestartsTraceIsReadAndItsFinalELBOIsTheFits() throws {
        let dir = Self.directory("pruned")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rows = (1...300).map { i -> String in
            let e = -100 + 90 * (1 - exp(-Double(i) / 30)) + sin(Double(i))
            return "\(i),\(e),\(i >= 200 ? -10.5 : e),1,0.01,0.1,\(e),\(i > 100 ? "nan" : String(e - 1))"
        }
        try (["iteration,elbo,elbo_mean,grad_norm,learning_rate,seconds,elbo_1,elbo_2"] + rows).joined(separator: "\n")
            .write(toFile: dir + "/elbo.csv", atomically: true, encoding: .utf8)
        let figure = try ELBOTrace.figure(path: dir + "/elbo.csv")
        #expect(figure.table?.rows.last == ["final (mean over the last convergence window)", Cell.number(-10.5)])
    }

    /// A chain's trace keeps every spike and dip however long it is (min–max over 250 spans),
    /// where evenly spaced draws skipped them; a short chain is drawn through every draw.
    @Test func tracesKeepEveryExtreme() throws {
        var chain = (0..<2000).map { sin(Double($0) / 50) }
        chain[1234] = 99
        chain[777] = -42
        let plot = QuantityFigures.trace(id: "t", name: "x", draws: [chain], highlighted: [])
        guard case .line(let x, let y, _) = try #require(plot.marks.first) else { Issue.record("not a line"); return }
        #expect(y.contains(99) && y.contains(-42) && x.contains(1235) && x.contains(778))
        #expect(y.count <= 500 && x == x.sorted())
        #expect(Thinning.envelope([3, 1, .nan, 2], spans: 250).index == [0, 1, 2, 3])
    }

    /// One draw (or all equal) has no density: no kernel of a fallback width drawing a spike.
    @Test func equalDrawsHaveNoInventedDensity() {
        let draws: [[Double]] = [[2.5], [2.5]]
        let figure = QuantityFigures.density(id: "d", name: "x", draws: draws, summary: summarize(name: "x", draws: draws))
        #expect(figure.caption.contains("no density to estimate") && figure.plot.marks.count == 1)
    }

    /// One chain has no R̂ (ArviZ's rule): no empty chart claiming 60 quantities; draws from a
    /// fitted approximation (posterior.nc's `inference`) get no sampler section, no outlier
    /// chains, and say what they are.
    @Test func oneChainHasNoRHatChartAndFittedDrawsNoSamplerFigures() throws {
        let mcmc = Self.directory("one-chain")
        let fitted = Self.directory("fitted")
        defer { for d in [mcmc, fitted] { try? FileManager.default.removeItem(atPath: d) } }
        try Self.writeRun(mcmc, chains: 1, draws: 40)
        try Self.writeRun(fitted, chains: 1, draws: 40, attributes: ["inference": "pathfinder"])
        let one = try RunReport.write(inputs: [mcmc])
        #expect(!one.contains { $0.hasSuffix("/rhat.svg") } && one.contains { $0.hasSuffix("/ess.svg") })
        #expect(one.contains { $0.hasSuffix("/acceptance_rate.svg") })
        #expect(try String(contentsOfFile: one[0], encoding: .utf8).contains("R̂ needs two"))
        let written = try RunReport.write(inputs: [fitted])
        #expect(!written.contains { $0.hasSuffix("/acceptance_rate.svg") || $0.hasSuffix("/energy.svg") })
        let html = try String(contentsOfFile: written[0], encoding: .utf8)
        #expect(html.contains("pathfinder: draws from a fitted approximation") && !html.contains(">Sampler<"))
        let four = Self.directory("four-chains")
        defer { try? FileManager.default.removeItem(atPath: four) }
        try Self.writeRun(four, chains: 4, draws: 40)
        #expect(try RunReport.write(inputs: [four]).contains { $0.hasSuffix("/rhat.svg") })
    }

    /// Renders a report in headless Chromium (scripts/render-report) when Chromium is installed.
    @Test func rendersInChromium() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let browsers = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        guard browsers.contains(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return }
        let dir = Self.directory("chromium")
        try Self.writeRun(dir, chains: 16, draws: 30)
        let written = try RunReport.write(inputs: [dir])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [root + "/scripts/render-report", written[0], dir + "/report.png"]
        let pipe = Pipe()
        process.standardError = pipe
        try process.run()
        process.waitUntilExit()
        let stderr = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "render-report: \(stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/report.png"))
        try? FileManager.default.removeItem(atPath: dir)
    }
}
