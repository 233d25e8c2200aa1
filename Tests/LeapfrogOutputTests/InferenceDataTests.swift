import Foundation
import LeapfrogCore
import LeapfrogDiagnostics
import Testing
@testable import LeapfrogOutput

@Suite struct InferenceDataRoundTrip {
    /// Writes `draws` draws of the test schema one at a time and finishes.
    func write(_ path: String, draws: Int, interrupted: Bool = false) throws -> InferenceDataWriter {
        let writer = try InferenceDataWriter(
            path: path, schema: testSchema, attributes: ["model": "test", "seed": "42"], libraryVersion: "0.1.0",
            observedData: [.init(name: "y", shape: [2, 2], values: [1, 2, 3, 4.5])])
        try writer.recordAdaptation(WarmupAdaptation(stepSize: [0.5, 0.6, 0.7]))
        for d in 0..<draws {
            try writer.append(values: testDraw(testSchema, draw: d), stats: testStats(testSchema, draw: d))
        }
        try writer.finish(interrupted: interrupted, timing: RunTiming(warmupSeconds: 1.5, samplingSeconds: 2.25))
        return writer
    }

    @Test func everyValueReadsBackExactly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = dir.file("posterior.nc")
        _ = try write(path, draws: 7)
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
        let reader = try InferenceDataReader(path: path)
        #expect(reader.chains == 3)
        #expect(reader.draws == 7)
        #expect(reader.variables == testSchema.variables)
        #expect(reader.interrupted == false)
        #expect(reader.attributes["model"] == "test")
        #expect(reader.attributes["leapfrog_draws_written"] == "7")
        #expect(reader.posteriorAttributes["inference_library"] == "leapfrog")
        #expect(reader.posteriorAttributes["inference_library_version"] == "0.1.0")
        #expect(reader.sampleStatisticNames.sorted() ==
                ["acceptance_rate", "diverging", "energy", "lp", "n_steps", "step_size", "tree_depth"])
        let flat = try reader.posterior()
        #expect(flat.map(\.name) == testSchema.bracketNames)
        #expect(flat.map(\.name).prefix(3) == ["W1[1,1]", "W1[1,2]", "W1[2,1]"])
        for (k, element) in flat.enumerated() {
            for c in 0..<3 {
                for d in 0..<7 {
                    let expected = testValue(chain: c, draw: d, slot: k)
                    #expect(same(element.draws[c][d], expected), "\(element.name) chain \(c) draw \(d)")
                }
            }
        }
        // The same elements as `Draws`, one array each (what summaries read).
        let elements = try reader.variables.flatMap { try reader.posteriorDraws($0.name) }
        #expect(elements.map(\.name) == flat.map(\.name))
        // Compared by bits: the test values hold a NaN, −0 and infinities.
        func bits(_ chains: [[Double]]) -> [UInt64] { chains.flatMap { $0.map(\.bitPattern) } }
        #expect(elements.map { bits($0.draws.values) } == flat.map { bits($0.draws) })
        #expect(elements.allSatisfy { $0.draws.chainCount == 3 && $0.draws.drawsPerChain == 7 })
        #expect(bits(try reader.sampleStatisticDraws("lp").values) == bits(try reader.sampleStatistic("lp")))
        let lp = try reader.sampleStatistic("lp")
        let diverging = try reader.sampleStatistic("diverging")
        let depth = try reader.sampleStatistic("tree_depth")
        for d in 0..<7 {
            let s = testStats(testSchema, draw: d)
            for c in 0..<3 {
                #expect(lp[c][d] == s.lp[c])
                #expect(diverging[c][d] == (s.diverging[c] ? 1 : 0))
                #expect(depth[c][d] == Double(s.treeDepth[c]))
            }
        }
        if let check = checkDirectory {
            try? FileManager.default.removeItem(atPath: check + "/posterior.nc")
            try FileManager.default.copyItem(atPath: path, toPath: check + "/posterior.nc")
        }
    }

    @Test func interruptedFinishKeepsTheDrawsWrittenAndSaysSo() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = dir.file("posterior.nc")
        _ = try write(path, draws: 3, interrupted: true)
        let reader = try InferenceDataReader(path: path)
        #expect(reader.draws == 3)
        #expect(reader.interrupted == true)
        #expect(reader.attributes["leapfrog_draws_written"] == "3")
        #expect(same(try reader.posterior("theta")[2].draws[1][2], testValue(chain: 1, draw: 2, slot: 9)))
    }

    @Test func theFileIsPartialUntilFinishedAndAbandonDeletesIt() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = dir.file("run.nc")
        let writer = try InferenceDataWriter(path: path, schema: testSchema)
        try writer.append(values: testDraw(testSchema, draw: 0), stats: testStats(testSchema, draw: 0))
        #expect(FileManager.default.fileExists(atPath: path + ".partial"))
        #expect(!FileManager.default.fileExists(atPath: path))
        writer.abandon()
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(throws: LeapfrogError.self) {
            try writer.append(values: testDraw(testSchema, draw: 1), stats: testStats(testSchema, draw: 1))
        }
    }

    @Test func anotherRunsPartialFileIsNotClobbered() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = dir.file("run.nc")
        try Data("other run".utf8).write(to: URL(fileURLWithPath: path + ".partial"))
        let error = try #require(throws: LeapfrogError.self) { try InferenceDataWriter(path: path, schema: testSchema) }
        #expect(error.kind == .io)
        #expect(error.message.contains("run.nc.partial' already exists"))
        #expect(try String(contentsOfFile: path + ".partial", encoding: .utf8) == "other run")
    }

    @Test func anUnwritableDirectoryNamesTheFileAndTheCall() throws {
        let error = try #require(throws: LeapfrogError.self) {
            try InferenceDataWriter(path: "/nonexistent-leapfrog-dir/run.nc", schema: testSchema)
        }
        #expect(error.kind == .io)
        #expect(error.message.hasPrefix("/nonexistent-leapfrog-dir/run.nc.partial: nc_create failed: "))
        #expect(error.message.hasSuffix("; directory '/nonexistent-leapfrog-dir' does not exist"))
    }

    @Test func appendChecksShapes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let writer = try InferenceDataWriter(path: dir.file("run.nc"), schema: testSchema)
        defer { writer.abandon() }
        let error = try #require(throws: LeapfrogError.self) {
            try writer.append(values: [[1, 2]], stats: testStats(testSchema, draw: 0))
        }
        #expect(error.message == "append: got 1 chains but the schema has 3")
        var stats = testStats(testSchema, draw: 0)
        stats.energy = [1]
        let statsError = try #require(throws: LeapfrogError.self) {
            try writer.append(values: testDraw(testSchema, draw: 0), stats: stats)
        }
        #expect(statsError.message.hasSuffix("sample statistic 'energy' has 1 values but the schema has 3 chains"))
    }

    @Test(arguments: ["a.b", "x y", "w[1]", "lp__", "chain", "v_dim_0", ""])
    func badVariableNamesAreRefused(name: String) throws {
        let schema = DrawSchema(variables: [.init("v", [2]), .init(name, [2])], chains: 1, plannedDraws: 1)
        let error = try #require(throws: LeapfrogError.self) {
            try InferenceDataWriter(path: "/tmp/never-written.nc", schema: schema)
        }
        #expect(error.message.hasPrefix("cannot write '/tmp/never-written.nc': variable name '\(name)' is not usable"))
    }

    @Test func duplicateNamesAndEmptyExtentsAreRefused() throws {
        #expect(throws: LeapfrogError(.io, "cannot write 'x.nc': variable 'v' appears twice in the schema")) {
            try DrawSchema(variables: [.init("v"), .init("v", [2])], chains: 1, plannedDraws: 1).validate(for: "x.nc")
        }
        #expect(throws: LeapfrogError(.io, "cannot write 'x.nc': variable 'v' has extent 0 in shape [2, 0]; extents must be at least 1")) {
            try DrawSchema(variables: [.init("v", [2, 0])], chains: 1, plannedDraws: 1).validate(for: "x.nc")
        }
        #expect(throws: Never.self) {
            try DrawSchema(variables: [.init("hidden_dim_size")], chains: 1, plannedDraws: 1).validate(for: "x.nc")
        }
    }

    @Test func readingANonNetCDFFileNamesIt() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = dir.file("not.nc")
        try Data("hello".utf8).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: LeapfrogError.self) { try InferenceDataReader(path: path) }
        #expect(error.message.hasPrefix("\(path): nc_open failed: "))
    }
}
