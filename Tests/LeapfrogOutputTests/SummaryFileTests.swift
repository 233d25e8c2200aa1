import Foundation
import LeapfrogCore
import LeapfrogDiagnostics
import Testing
@testable import LeapfrogOutput

@Suite struct SummaryFileTests {
    let summary = RunSummary(
        configuration: ["model": "eight-schools", "seed": "7", "sampler": "nuts"],
        backend: "opencl", device: "NVIDIA H100 80GB HBM3", chains: 4096, draws: 1000, interrupted: false,
        timing: RunTiming(warmupSeconds: 3, samplingSeconds: 12.5),
        gradientEvaluations: .init(needed: 600, spentInLockstep: 1000), divergences: 3,
        parameters: [
            ParameterSummary(name: "mu", mean: 4.4, sd: 3.3, q5: -1, q50: 4.4, q95: 9.8, mcseMean: 0.05,
                             mcseSD: 0.04, essBulk: 3950.25, essTail: 4010.75, rhat: 1.0002, nestedRHat: 1.01,
                             chains: 4096, drawsPerChain: 1000),
            ParameterSummary(name: "theta[1]", mean: .nan, sd: .infinity, q5: 0, q50: 1, q95: 2, mcseMean: .nan,
                             mcseSD: .nan, essBulk: .nan, essTail: 10, rhat: .nan, chains: 4096, drawsPerChain: 1000,
                             nonFiniteCount: 7),
        ],
        warnings: ["3 divergent transitions after warmup"], outputs: ["inference_data": "posterior.nc"])

    @Test func nonFiniteNumbersAreNullAndReadBackAsNaN() throws {
        let text = String(decoding: try SummaryFile.encode(summary), as: UTF8.self)
        #expect(text.contains("\"mean\" : null"))
        #expect(text.contains("\"sd\" : null"))
        #expect(text.contains("\"format\" : \"leapfrog-summary/1\""))
        #expect(text.contains("\"efficiency\" : 0.6"))
        #expect(text.contains("\"spent_in_lockstep\" : 1000"))
        #expect(text.contains("\"total_seconds\" : 15.5"))
        #expect(text.contains("\"nested_r_hat\" : 1.01"))
        #expect(!text.contains("nested_r_hat\" : null"))  // absent when not computed
        let decoded = try JSONDecoder().decode(RunSummary.self, from: Data(text.utf8))
        #expect(decoded.parameters[1].mean.isNaN)
        #expect(decoded.parameters[1].sd.isNaN)  // infinity has no JSON form either
        #expect(decoded.parameters[1].nestedRHat == nil)
        #expect(decoded.parameters[1].nonFiniteCount == 7 && decoded.parameters[1].drawsPerChain == 1000)
        #expect(decoded.parameters[0] == summary.parameters[0])
    }

    @Test func relocatedChainsAreWrittenOnlyWhenThereAreSome() throws {
        let none = String(decoding: try SummaryFile.encode(summary), as: UTF8.self)
        #expect(!none.contains("relocated_chains"))
        var moved = summary
        moved.relocatedChains = [ChainRelocation(chain: 1, donor: 3, iteration: 99, logDensityGap: 63.5, logMassGap: .infinity)]
        let text = String(decoding: try SummaryFile.encode(moved), as: UTF8.self)
        #expect(text.contains("\"relocated_chains\""))
        #expect(text.contains("\"log_mass_gap\" : null"))
        let decoded = try JSONDecoder().decode(RunSummary.self, from: Data(text.utf8))
        #expect(decoded.relocatedChains == moved.relocatedChains)
    }

    @Test func writeAndReadBack() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = dir.file("summary.json")
        try SummaryFile.write(summary, to: path)
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
        var expected = summary
        expected.parameters[1].sd = .nan
        #expect(try SummaryFile.read(path: path) == expected)
        if let check = checkDirectory {
            try? FileManager.default.removeItem(atPath: check + "/summary.json")
            try FileManager.default.copyItem(atPath: path, toPath: check + "/summary.json")
        }
    }

    @Test func errorsNameTheFile() throws {
        #expect(throws: LeapfrogError(.io, "cannot read run summary '/nonexistent/summary.json': no such file")) {
            try SummaryFile.read(path: "/nonexistent/summary.json")
        }
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = dir.file("summary.json")
        try Data("{\"format\": \"other\"}".utf8).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: LeapfrogError.self) { try SummaryFile.read(path: path) }
        #expect(error.kind == .data)
        #expect(error.message.hasPrefix("\(path): not a Leapfrog run summary: "))
        try Data().write(to: URL(fileURLWithPath: path + ".partial"))
        let clobber = try #require(throws: LeapfrogError.self) { try SummaryFile.write(summary, to: path) }
        #expect(clobber.message.contains("summary.json.partial' already exists"))
    }
}
