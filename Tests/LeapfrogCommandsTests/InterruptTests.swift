import Foundation
import Leapfrog
import Testing
@testable import LeapfrogCommands

/// Ctrl-C (and SIGTERM, what `kill`, `timeout` and batch schedulers send) during `leapfrog
/// sample`: the real binary (built by `swift test`) is interrupted and must stop at the next
/// iteration, keep every draw it wrote in complete files, say so, and exit with 128 + the signal.
struct InterruptTests {
    static var binary: String {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent(".build/debug/leapfrog").path
    }

    /// Runs `sample eight-schools` with `arguments` into `out`, waits until its files are open and
    /// then `afterOpen` microseconds, and sends `signal`; returns the exit status and stdout.
    static func interrupted(_ arguments: [String], out: String, afterOpen: useconds_t,
                            signal: Int32 = SIGINT) throws -> (status: Int32, stdout: String) {
        try? FileManager.default.removeItem(atPath: out)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["sample", "eight-schools", "--chains", "4", "--backend", "cpu", "--output", out, "--csv", "--quiet"]
            + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = Pipe()
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: out + "/posterior.nc.partial") && Date() < deadline { usleep(50_000) }
        usleep(afterOpen)
        kill(process.processIdentifier, signal)
        let text = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalKeepsEveryDrawWritten(signal: Int32) throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-signal\(signal)-\(getpid())").path
        // Wait until sampling has written draws, then signal.
        let (status, text) = try Self.interrupted(["--warmup", "50", "--draws", "1000000"], out: out, afterOpen: 1_500_000,
                                                  signal: signal)
        #expect(status == 128 + signal, "exit status \(status)")
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
        #expect(summary.timing.warmupSeconds >= 0 && summary.timing.samplingSeconds > 0)
    }

    /// Ctrl-C during a `--keep moments` run on OpenCL (moments accumulated on the device): the
    /// summary of the draws made before the stop, from their moments (read from the device at the
    /// stop), and no draw file. Waits for the first progress line of sampling, then interrupts.
    @Test func sigintKeepsTheMomentsOfTheDrawsMade() throws {
        guard (try? OpenCLRuntime.device()) != nil else { return }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-sigint-moments-\(getpid())").path
        try? FileManager.default.removeItem(atPath: out)
        defer { try? FileManager.default.removeItem(atPath: out) }
        let total = 100_000_000
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["sample", "eight-schools", "--chains", "8", "--backend", "opencl", "--precision", "f64",
                             "--keep", "moments", "--warmup", "50", "--draws", String(total), "--output", out]
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        var log = ""
        let deadline = Date().addingTimeInterval(120)
        while !log.contains("\nsampling") && Date() < deadline {
            let data = stderr.fileHandleForReading.availableData
            if data.isEmpty { break }
            log += String(decoding: data, as: UTF8.self)
        }
        process.interrupt()
        let text = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(log.contains("\nsampling"), "sampling never started: \(log)")
        #expect(process.terminationStatus == 128 + SIGINT, "exit status \(process.terminationStatus)")
        #expect(text.contains("lp__") && text.contains("mu"), "no summary table after the interrupt")
        #expect(!FileManager.default.fileExists(atPath: out + "/posterior.nc"))
        let summary = try SummaryFile.read(path: out + "/summary.json")
        #expect(summary.interrupted && summary.draws > 0 && summary.draws < total)
        #expect(summary.parameters.allSatisfy { $0.drawsPerChain == summary.draws && $0.mean.isFinite && $0.sd > 0 })
    }

    /// Interrupted in warmup: no draws, exit status 130, and timings that are not negative
    /// (sampling never started, so it took no time).
    @Test func sigintDuringWarmupExitsNonZeroWithNoNegativeTime() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-sigint-warmup-\(getpid())").path
        let (status, text) = try Self.interrupted(["--warmup", "10000000", "--draws", "10"], out: out, afterOpen: 500_000)
        #expect(status == 128 + SIGINT, "exit status \(status)")
        #expect(text.contains("no draws were made"))
        let summary = try SummaryFile.read(path: out + "/summary.json")
        #expect(summary.interrupted && summary.draws == 0)
        #expect(summary.timing.samplingSeconds == 0 && summary.timing.warmupSeconds > 0)
    }
}
