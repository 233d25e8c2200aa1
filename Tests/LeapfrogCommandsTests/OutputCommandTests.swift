import Foundation
import Leapfrog
import Testing
@testable import LeapfrogCommands

/// `sample --output` streams files that `diagnose` and the summary agree on.
@Suite(.serialized)
struct OutputCommandTests {
    static func directory(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-output-\(getpid())-\(name)").path
        try? FileManager.default.removeItem(atPath: dir)
        return dir
    }

    static let run = ["eight-schools", "--chains", "4", "--warmup", "120", "--draws", "80", "--backend", "cpu", "--seed", "5", "--quiet"]

    static func sample(_ extra: [String]) throws -> RunResult {
        try (LeapfrogCommand.parseAsRoot(["sample"] + run + extra) as! SampleCommand).execute()
    }

    @Test func streamedFilesGiveTheSameSummaryAsMemory() throws {
        let dir = Self.directory("same")
        let inMemory = try Self.sample([])
        let streamed = try Self.sample(["--output", dir, "--csv"])
        for f in ["posterior.nc", "summary.json", "chain-1.csv", "chain-4.csv"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + f), "\(f) missing")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/posterior.nc.partial"))
        #expect(inMemory.summaries == streamed.summaries, "summary read back from posterior.nc differs from memory")

        // diagnose reads both formats back to the same table.
        let nc = try (LeapfrogCommand.parseAsRoot(["diagnose", dir + "/posterior.nc"]) as! DiagnoseCommand).execute()
        let csvs = (1...4).map { "\(dir)/chain-\($0).csv" }
        let csv = try (LeapfrogCommand.parseAsRoot(["diagnose"] + csvs) as! DiagnoseCommand).execute()
        #expect(nc.summaries.map(\.name) == streamed.summaries.map(\.name))
        for (a, b) in zip(nc.summaries, streamed.summaries) {
            #expect(a.mean == b.mean && a.essBulk == b.essBulk && a.rhat == b.rhat, "\(a.name)")
        }
        for (a, b) in zip(csv.summaries, nc.summaries) {
            #expect(a.name == b.name)
            #expect(abs(a.mean - b.mean) <= 1e-9 * max(1, abs(b.mean)), "\(a.name): CSV \(a.mean) vs netCDF \(b.mean)")
        }

        let summary = try SummaryFile.read(path: dir + "/summary.json")
        #expect(summary.draws == 80 && summary.chains == 4 && !summary.interrupted)
        #expect(summary.device == nil)                    // the CPU reference runs on no OpenCL device
        let figures = try #require(summary.sampler)
        #expect(figures.stepSizes == streamed.result.adaptation.stepSizes && figures.trajectoryLength == nil)
        #expect(figures.meanLeapfrogSteps > 1 && (figures.treeDepthSaturated ?? -1) >= 0
                && (figures.treeDepthSaturated ?? .max) <= 80 * 4)
        #expect(summary.parameters.map(\.name) == streamed.summaries.map(\.name))
        #expect(summary.gradientEvaluations.needed == streamed.result.gradientEvaluations.reduce(0, +))
    }

    /// A variable of no elements (`array[N_cens] real y_cens` with N_cens = 0, as Stan allows) is
    /// left out of the files; it stopped posterior.nc ("extents must be at least 1").
    @Test func aVariableOfNoElementsIsLeftOutOfTheFiles() throws {
        let dir = Self.directory("empty-variable")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
        data { int N; vector[N] y; int N_cens; real U; }
        parameters { real mu; real<lower=0> sigma; array[N_cens] real<lower=U> y_cens; }
        model { mu ~ normal(0, 5); sigma ~ exponential(1); y ~ normal(mu, sigma); y_cens ~ normal(mu, sigma); }
        generated quantities { vector[N_cens] ll; for (n in 1:N_cens) ll[n] = normal_lpdf(y_cens[n] | mu, sigma); }
        """.write(toFile: dir + "/c.stan", atomically: true, encoding: .utf8)
        try #"{"N": 5, "y": [1, 2, 0.5, 1.5, 2.5], "N_cens": 0, "U": 3}"#.write(toFile: dir + "/c.json", atomically: true, encoding: .utf8)
        let out = dir + "/run"
        let result = try (LeapfrogCommand.parseAsRoot(["sample", dir + "/c.stan", "--data", dir + "/c.json", "--chains", "2", "--warmup", "50",
                                                       "--draws", "20", "--backend", "cpu", "--output", out, "--csv", "--quiet"]) as! SampleCommand).execute()
        #expect(result.summaries.map(\.name) == ["lp__", "mu", "sigma"])
        for f in ["posterior.nc", "chain-1.csv", "summary.json"] { #expect(FileManager.default.fileExists(atPath: out + "/" + f), "\(f)") }
    }

    @Test func anExistingRunIsRefusedWithoutOverwrite() throws {
        let dir = Self.directory("refuse")
        _ = try Self.sample(["--output", dir])
        do {
            _ = try Self.sample(["--output", dir])
            Issue.record("overwrote a run without --overwrite")
        } catch let e as LeapfrogError {
            #expect(e.message.contains("already holds a run") && e.message.contains("--overwrite"))
        }
        _ = try Self.sample(["--output", dir, "--overwrite"])
        #expect(FileManager.default.fileExists(atPath: dir + "/posterior.nc"))
    }

    @Test func openCLRunsNameTheirDevice() throws {
        let dir = Self.directory("device")
        let run = ["eight-schools", "--chains", "4", "--warmup", "30", "--draws", "20", "--backend", "opencl", "--seed", "5", "--quiet",
                   "--sampler", "chees"]
        _ = try (LeapfrogCommand.parseAsRoot(["sample"] + run + ["--output", dir, "--csv"]) as! SampleCommand).execute()
        let summary = try SummaryFile.read(path: dir + "/summary.json")
        let device = try #require(summary.device)
        #expect(summary.backend.contains("'\(device)'"))
        let figures = try #require(summary.sampler)              // ChEES: a trajectory length, no tree depth
        #expect((figures.trajectoryLength ?? 0) > 0 && figures.treeDepthSaturated == nil && figures.stepSizes.count == 4)
    }

    @Test func outputIntoAFileIsAClearError() throws {
        let file = Self.directory("file")
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: LeapfrogError.self) { _ = try Self.sample(["--output", file]) }
        #expect(throws: (any Error).self) { _ = try LeapfrogCommand.parseAsRoot(["sample", "eight-schools", "--csv"]) }
    }
}
