import Foundation
import Leapfrog
import Testing

/// README's "A complete run" example, run as written: the lines between the markers below must
/// appear in README.md verbatim, so the README cannot show code that does not work.
@Suite struct ReadmeLibraryExampleTests {
    static let begin = "// README example begins"
    static let end = "// README example ends"

    @Test func readmeShowsThisExampleVerbatim() throws {
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let lines = source.components(separatedBy: "\n")
        guard let a = lines.firstIndex(where: { $0.hasSuffix(Self.begin) }),
              let b = lines.firstIndex(where: { $0.hasSuffix(Self.end) }) else {
            Issue.record("markers not found in \(#filePath)")
            return
        }
        let indent = lines[a + 1].prefix { $0 == " " }.count
        let example = lines[(a + 1)..<b].map { String($0.dropFirst(indent)) }.joined(separator: "\n")
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        #expect(text.contains(example), "README.md's library example differs from \(#filePath):\n\(example)")
    }

    @Test func exampleRunsACompleteSample() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("leapfrog-readme-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // README example begins
        let model = try BuiltinModels.named("eight-schools").instantiate()
        var run = RunConfiguration(output: .init(directory: directory, csv: true))
        run.sampler.chains = 8
        run.sampler.superchains = 4          // nested R-hat over 4 groups of 2 chains
        run.backend.name = "cpu"             // or "auto": a GPU, else another OpenCL device, else the CPU
        let result = try SampleRun(run).sample(model)
        print(SummaryTable(result.summaries).render())
        print(result.figuresLine)
        print(result.warnings)               // R-hat, ESS, divergences, tree depth, E-BFMI
        // README example ends

        #expect(result.draws == 1000 && result.chains == 8 && !result.interrupted)
        #expect(result.summaries.first?.name == "lp__")
        #expect(result.summaries.contains { $0.name == "theta[8]" })
        for file in ["posterior.nc", "summary.json", "chain-1.csv", "chain-8.csv"] {
            #expect(FileManager.default.fileExists(atPath: directory + "/" + file), "\(file) missing")
        }
        let summary = try SummaryFile.read(path: directory + "/summary.json")
        #expect(summary.parameters.map(\.name) == result.summaries.map(\.name))
        #expect(summary.warnings == result.warnings.warnings.map(\.message))
        // The eight schools' posterior mean of mu is about 4.4 (sd 3.3): within 4 MCSE here.
        let mu = try #require(result.summaries.first { $0.name == "mu" })
        #expect(abs(mu.mean - 4.4) < 4 * mu.mcseMean + 0.3, "mu mean \(mu.mean) ± \(mu.mcseMean)")
    }
}
