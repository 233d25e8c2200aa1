import Foundation
import Leapfrog
import Testing
@testable import LeapfrogCommands

/// `leapfrog variational` (and its alias `vi`) end to end, in-process.
@Suite(.serialized)
struct VariationalCommandTests {
    static func run(_ args: [String]) throws -> VariationalRun.Outcome {
        let command = try LeapfrogCommand.parseAsRoot(args + ["--quiet"])
        return try (command as! VariationalCommand).execute()
    }

    @Test func fullRankOnEightSchoolsWritesItsFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-vi-cmd-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = try Self.run(["variational", "eight-schools", "--algorithm", "fullrank", "--iterations", "300",
                                "--draws", "100", "--restarts", "2", "--grad-samples", "4", "--backend", "cpu",
                                "--output", dir, "--csv", "--stl", "--seed", "4"])
        #expect(out.fit.family.kind == .fullRank && out.fit.families.count == 2 && out.draws == 100)
        #expect(out.fit.gradientEvaluations == out.fit.iterations * 8)
        let names = out.summaries.map(\.name)
        #expect(names.first == "lp__" && names.contains("tau") && names.contains("theta[8]"))
        let tau = try #require(out.summaries.first { $0.name == "tau" })
        #expect(tau.q5 > 0, "tau is on the constrained scale")
        let trace = try CSVTable.load(path: dir + "/elbo.csv")
        #expect(trace.columnNames == ["iteration", "elbo", "elbo_mean", "grad_norm", "learning_rate", "seconds", "elbo_1", "elbo_2"])
        let family = try VariationalFile.read(path: dir + "/variational.json")
        #expect(family.covariance?.count == 10 && family.scale == nil && family.restartELBOs.count == 2)
        for f in ["summary.json", "chain-1.csv"] { #expect(FileManager.default.fileExists(atPath: dir + "/" + f), "\(f)") }
        // `leapfrog report` reads the run, ELBO trace included.
        var report = try LeapfrogCommand.parseAsRoot(["report", dir])
        try report.run()
        let html = try String(contentsOfFile: dir + "/report/report.html", encoding: .utf8)
        #expect(html.contains("ELBO"))
    }

    @Test func viIsAnAliasAndDefaultsAreStans() throws {
        let command = try #require(try LeapfrogCommand.parseAsRoot(["vi", "bnn"]) as? VariationalCommand)
        let c = command.adviConfiguration()
        #expect(c.family == .meanField && c.maxIterations == 10_000 && c.toleranceRelativeObjective == 0.01
                && c.evaluationInterval == 100 && command.draws == 1000)
    }

    @Test func badOptionsAreRefusedWithTheirName() {
        for (args, needle) in [(["--learning-rate", "0"], "--learning-rate"), (["--grad-samples", "0"], "--grad-samples"),
                               (["--csv"], "--output"), (["--algorithm", "lowrank"], "algorithm")] {
            do {
                _ = try LeapfrogCommand.parseAsRoot(["variational", "bnn"] + args)
                Issue.record("\(args) was accepted")
            } catch {
                let message = LeapfrogCommand.message(for: error)
                #expect(message.contains(needle), "\(args): \(message)")
            }
        }
    }
}
