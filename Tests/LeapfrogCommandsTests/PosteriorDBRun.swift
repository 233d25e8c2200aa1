import Foundation
import Leapfrog
import Testing
@testable import LeapfrogCommands

/// A posteriordb program sampled end to end with the CLI, and issue 16's criterion against
/// posteriordb's reference posterior.
enum PosteriorDBRun {
    /// The repository's root.
    static let root: URL = {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        return dir
    }()

    /// `sample MODEL.stan --data DATA.json` from `data/posteriordb`, then `extra`.
    static func arguments(model: String, data: String, _ extra: [String]) -> [String] {
        [root.appendingPathComponent("data/posteriordb/stan/\(model).stan").path,
         "--data", root.appendingPathComponent("data/posteriordb/\(data).json").path] + extra
    }

    /// Runs `leapfrog sample ARGS --output TMP --quiet` in-process and returns its summary.json.
    static func sample(_ args: [String], name: String) throws -> RunSummary {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let command = try LeapfrogCommand.parseAsRoot(["sample"] + args + ["--output", dir, "--quiet"])
        _ = try (command as! SampleCommand).execute()
        return try SummaryFile.read(path: dir + "/summary.json")
    }

    /// The criterion: each mean within 4 combined MCSE or 0.1 sd of the reference, each sd
    /// within 10 %. `reference`: name, mean, MCSE of the mean, sd.
    static func expectReproduces(_ summary: RunSummary, _ reference: [(String, Double, Double, Double)],
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        for (name, mean, mcse, sd) in reference {
            let row = try #require(summary.parameters.first { $0.name == name }, "\(name)", sourceLocation: sourceLocation)
            let error = abs(row.mean - mean)
            let z = error / (row.mcseMean * row.mcseMean + mcse * mcse).squareRoot()
            #expect(z < 4 || error < 0.1 * sd, "\(name): mean \(row.mean) against the reference \(mean) (\(z) MCSE)",
                    sourceLocation: sourceLocation)
            #expect(abs(row.sd / sd - 1) < 0.1, "\(name): sd \(row.sd) against the reference \(sd)", sourceLocation: sourceLocation)
        }
    }
}
