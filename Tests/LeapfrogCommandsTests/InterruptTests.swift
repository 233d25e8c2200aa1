import Foundation
import Leapfrog
import Testing

/// Ctrl-C during `leapfrog sample`: the real binary (built by `swift test`) is interrupted and must
/// stop at the next iteration, keep every draw it wrote in complete files, and say so.
struct InterruptTests {
    static var binary: String {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent(".build/debug/leapfrog").path
    }

    @Test func sigintKeepsEveryDrawWritten() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-sigint-\(getpid())").path
        try? FileManager.default.removeItem(atPath: out)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["sample", "eight-schools", "--chains", "4", "--warmup", "50", "--draws", "1000000",
                             "--backend", "cpu", "--output", out, "--csv", "--quiet"]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = Pipe()
        try process.run()
        // Wait until sampling has written draws, then Ctrl-C.
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: out + "/posterior.nc.partial") && Date() < deadline { usleep(50_000) }
        usleep(1_500_000)
        process.interrupt()
        process.waitUntilExit()
        let text = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "exit status \(process.terminationStatus)")
        #expect(text.contains("lp__") && text.contains("mu"), "no summary table after the interrupt")
        #expect(!FileManager.default.fileExists(atPath: out + "/posterior.nc.partial"))
        let reader = try InferenceDataReader(path: out + "/posterior.nc")
        defer { reader.close() }
        #expect(reader.interrupted == true)
        #expect(reader.draws > 0 && reader.draws < 1_000_000)
        let summary = try SummaryFile.read(path: out + "/summary.json")
        #expect(summary.interrupted && summary.draws == reader.draws)
        let csv = try StanCSVReader.read(path: out + "/chain-1.csv")
        #expect(csv.interrupted && csv.rowCount == reader.draws)
    }
}
