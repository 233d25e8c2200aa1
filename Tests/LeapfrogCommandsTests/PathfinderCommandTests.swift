import Foundation
import Leapfrog
import Testing
@testable import LeapfrogCommands

/// `leapfrog pathfinder` and `sample --init pathfinder` end to end, in-process.
@Suite(.serialized)
struct PathfinderCommandTests {
    static func scratch(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-pf-cmd-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        return dir
    }

    @Test func pathfinderOnEightSchoolsWritesItsFiles() throws {
        let dir = Self.scratch("files")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let command = try LeapfrogCommand.parseAsRoot(["pathfinder", "eight-schools", "--paths", "3", "--draws", "200",
                                                       "--backend", "cpu", "--output", dir, "--csv", "--seed", "3", "--quiet"])
        let out = try (command as! PathfinderCommand).execute()
        #expect(out.result.paths.count == 3 && out.result.draws.chains == 200)
        let tau = try #require(out.summaries.first { $0.name == "tau" })
        #expect(tau.q5 > 0, "tau is on the constrained scale")
        let file = try PathfinderFile.read(path: dir + "/pathfinder.json")
        #expect(file.paths.count == 3 && file.paths.allSatisfy { $0.iterations > 0 && $0.bestELBO != nil })
        #expect(file.gradientEvaluations == out.result.gradientEvaluations && file.paretoKWarning == !(out.result.paretoK < 0.7))
        let summary = try SummaryFile.read(path: dir + "/summary.json")
        #expect(summary.configuration["method"] == "pathfinder" && summary.draws == 200 && summary.chains == 1)
        for f in ["chain-1.csv"] + (NetCDFLibrary.isAvailable ? ["posterior.nc"] : []) {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + f), "\(f)")
            #expect(out.files.contains(dir + "/" + f), "\(f) is not in the outcome's files \(out.files)")
        }
    }

    @Test func defaultsAreCmdStans() throws {
        let command = try #require(try LeapfrogCommand.parseAsRoot(["pathfinder", "bnn"]) as? PathfinderCommand)
        let c = command.pathfinderConfiguration()
        #expect(c.paths == 4 && c.draws == 1000 && c.elboDraws == 25 && c.maxIterations == 1000 && c.historySize == 6)
    }

    @Test func badOptionsAreRefusedWithTheirName() {
        for (args, needle) in [(["--paths", "0"], "--paths"), (["--draws", "0"], "--draws"), (["--elbo-draws", "0"], "--elbo-draws"),
                               (["--csv"], "--output")] {
            do {
                _ = try LeapfrogCommand.parseAsRoot(["pathfinder", "bnn"] + args)
                Issue.record("\(args) was accepted")
            } catch {
                let message = LeapfrogCommand.message(for: error)
                #expect(message.contains(needle), "\(args): \(message)")
            }
        }
        do {
            _ = try LeapfrogCommand.parseAsRoot(["sample", "bnn", "--init", "advi"])
            Issue.record("--init advi was accepted")
        } catch {
            #expect(LeapfrogCommand.message(for: error).contains("init"))
        }
    }

    /// `sample --init pathfinder` runs Pathfinder first and says so in summary.json.
    @Test func sampleInitPathfinderRecordsTheInitialisation() throws {
        let dir = Self.scratch("init")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let command = try LeapfrogCommand.parseAsRoot(["sample", "eight-schools", "--init", "pathfinder", "--chains", "4",
                                                       "--warmup", "50", "--draws", "20", "--backend", "cpu",
                                                       "--output", dir, "--quiet"])
        let out = try (command as! SampleCommand).execute()
        let figures = try #require(out.initialisation)
        #expect(figures.method == "pathfinder" && figures.paths == 4 && figures.gradientEvaluations > 0)
        let summary = try SummaryFile.read(path: dir + "/summary.json")
        #expect(summary.configuration["init"] == "pathfinder" && summary.initialisation == figures)
        let plain = try LeapfrogCommand.parseAsRoot(["sample", "eight-schools"]) as! SampleCommand
        #expect(plain.runConfiguration().initialisation == .sampler)
    }
}
