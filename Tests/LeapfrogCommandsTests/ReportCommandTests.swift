import Foundation
import Leapfrog
import Testing
@testable import LeapfrogCommands

/// `leapfrog report` on a real (small) run, from its directory and from its Stan CSV files.
@Suite(.serialized)
struct ReportCommandTests {
    @Test func reportsARunDirectoryAndItsCSVFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-report-cmd-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        _ = try (LeapfrogCommand.parseAsRoot(["sample", "gp-regression", "--chains", "4", "--warmup", "60", "--draws", "40",
                                              "--backend", "cpu", "--seed", "3", "--quiet", "--output", dir, "--csv"]) as! SampleCommand).execute()
        let written = try (LeapfrogCommand.parseAsRoot(["report", dir]) as! ReportCommand).execute()
        #expect(written.first == dir + "/report/report.html")
        let html = try String(contentsOfFile: written[0], encoding: .utf8)
        #expect(html.contains("Posterior predictive: f_grid") && html.contains("Trace of lp__") && html.contains("E-BFMI"))
        #expect(FileManager.default.fileExists(atPath: dir + "/report/predictive-f_grid.svg"))

        let csvs = (1...4).map { "\(dir)/chain-\($0).csv" }
        let fromCSV = try (LeapfrogCommand.parseAsRoot(["report"] + csvs + ["--output", dir + "/csv-report"]) as! ReportCommand).execute()
        #expect(fromCSV.first == dir + "/csv-report/report.html")
        #expect(Set(fromCSV.map { ($0 as NSString).lastPathComponent }) == Set(written.map { ($0 as NSString).lastPathComponent }))
        try? FileManager.default.removeItem(atPath: dir)
    }

    @Test func anUnreadableRunIsNamed() throws {
        do {
            _ = try (LeapfrogCommand.parseAsRoot(["report", "/nonexistent/run"]) as! ReportCommand).execute()
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("'/nonexistent/run'"))
        }
    }
}
