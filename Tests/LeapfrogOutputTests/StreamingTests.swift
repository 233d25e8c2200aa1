import Foundation
import LeapfrogCore
import Testing
@testable import LeapfrogOutput

/// The writers stream: draws reach the disk while the run goes on, and nothing they hold
/// grows with the number of draws.
@Suite struct Streaming {
    let schema = DrawSchema(variables: [.init("W", [16, 8]), .init("b", [8])], chains: 64, plannedDraws: 1000)

    func draw(_ d: Int) -> ChainBatch {
        ChainBatch(chains: 64, dimension: 136, values: (0..<(64 * 136)).map { Double($0 &* 31 &+ d) * 0.001 })
    }

    func fileSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? -1
    }

    @Test func inferenceDataReachesTheDiskAtEachSyncAndHoldsOneDraw() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        // Draws per chunk: a scalar's chunk reaches 128 KiB, capped at 1024 and the planned draws.
        for (chains, planned, expected) in [(16384, 1000, 1), (4, 1000, 1024), (4, 100, 128), (1000, 1000, 32)] {
            let schema = DrawSchema(variables: [.init("x")], chains: chains, plannedDraws: planned)
            #expect(try InferenceDataWriter(path: dir.file("\(chains)-\(planned).nc"), schema: schema).drawsPerChunk == expected)
        }
        let path = dir.file("posterior.nc")
        let writer = try InferenceDataWriter(path: path, schema: schema, options: .init(syncInterval: .zero, chunkCacheBytes: 5 << 20))
        #expect(writer.drawsPerChunk == 64)
        let empty = try fileSize(path + ".partial")
        var sizes: [Int] = []
        var buffered: Set<Int> = []
        for d in 0..<256 {
            try writer.append(draw(d), stats: SampleStatistics(chains: 64))
            buffered.insert(writer.bufferedValueCount)
            if (d + 1) % 64 == 0 { sizes.append(try fileSize(path + ".partial")) }
        }
        // One gather buffer of one draw of the largest variable, reused for every draw.
        #expect(buffered == [64 * 128])
        // Each synced block of 64 draws (64 chains × 136 doubles each) is on disk.
        let block = 64 * 64 * 136 * 8
        for (i, size) in sizes.enumerated() {
            #expect(size >= empty + (i + 1) * block, "after \((i + 1) * 64) draws: \(size) bytes")
        }
        try writer.finish(interrupted: false, timing: RunTiming(warmupSeconds: 0, samplingSeconds: 0))
        let reader = try InferenceDataReader(path: path)
        #expect(reader.draws == 256)
        #expect(try reader.posterior("b")[7].draws[63][255] == Double((135 * 64 + 63) &* 31 &+ 255) * 0.001)
    }

    @Test func stanCSVRowsReachTheDiskAsTheyAreWritten() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let writer = try StanCSVWriter(directory: dir.path, schema: schema,
                                       configuration: .init(model: "m", numSamples: 1000, numWarmup: 0, seed: 1),
                                       chains: [0, 63])
        var sizes: [Int] = []
        for d in 0..<300 {
            try writer.append(draw(d), stats: SampleStatistics(chains: 64))
            if (d + 1) % 100 == 0 { sizes.append(try fileSize(dir.file("chain-64.csv.partial"))) }
        }
        // Rows are flushed in 64 KiB blocks: at most that much is held per file.
        let row = 136 * 5  // at least 5 bytes per value
        for (i, size) in sizes.enumerated() {
            #expect(size >= (i + 1) * 100 * row - (1 << 16), "after \((i + 1) * 100) draws: \(size) bytes")
        }
        try writer.finish(interrupted: false, timing: RunTiming(warmupSeconds: 0, samplingSeconds: 0))
        let file = try StanCSVReader.read(path: dir.file("chain-64.csv"))
        #expect(file.rowCount == 300)
        #expect(file.column("W.16.8")?[299] == Double((127 * 64 + 63) &* 31 &+ 299) * 0.001)
    }

    /// Writes 16384 chains × 1000 draws × 46 parameters and prints time and size; runs only
    /// when `LEAPFROG_OUTPUT_BENCHMARK` names a directory to write in.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["LEAPFROG_OUTPUT_BENCHMARK"] != nil))
    func writeSixteenThousandChains() throws {
        let directory = ProcessInfo.processInfo.environment["LEAPFROG_OUTPUT_BENCHMARK"]!
        let draws = Int(ProcessInfo.processInfo.environment["LEAPFROG_OUTPUT_BENCHMARK_DRAWS"] ?? "") ?? 1000
        let deflate = Int(ProcessInfo.processInfo.environment["LEAPFROG_OUTPUT_BENCHMARK_DEFLATE"] ?? "")
        let cache = Int(ProcessInfo.processInfo.environment["LEAPFROG_OUTPUT_BENCHMARK_CACHE"] ?? "") ?? (64 << 20)
        let schema = DrawSchema(
            variables: [.init("W1", [8, 4]), .init("b1", [4]), .init("W2", [4, 2]), .init("b2", [1]), .init("prec")],
            chains: 16384, plannedDraws: draws)
        #expect(schema.flatCount == 46)
        let path = directory + "/benchmark.nc"
        try? FileManager.default.removeItem(atPath: path)
        var batch = ChainBatch(chains: 16384, dimension: 46)
        for i in batch.values.indices { batch.values[i] = sin(Double(i)) }
        var stats = SampleStatistics(chains: 16384)
        stats.lp = batch.values.prefix(16384).map { $0 }
        let clock = ContinuousClock()
        let start = clock.now
        let writer = try InferenceDataWriter(path: path, schema: schema, options: .init(chunkCacheBytes: cache, deflateLevel: deflate))
        for d in 0..<draws {
            batch.values[d % batch.values.count] += 1
            try writer.append(batch, stats: stats)
        }
        try writer.finish(interrupted: false, timing: RunTiming(warmupSeconds: 0, samplingSeconds: 0))
        let elapsed = clock.now - start
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print("benchmark: process CPU so far: user \(usage.ru_utime.tv_sec) s, system \(usage.ru_stime.tv_sec) s, max RSS \(usage.ru_maxrss / 1024) MB")
        let size = try fileSize(path)
        print("benchmark: 16384 chains × \(draws) draws × 46 doubles, deflate \(deflate.map(String.init) ?? "off"), draws per chunk \(writer.drawsPerChunk): \(elapsed), \(size) bytes (\(size / 1_000_000) MB; raw data \(16384 * draws * (52 * 8 + 1) / 1_000_000) MB)")
        try FileManager.default.removeItem(atPath: path)
    }
}

@Suite struct WriterGroup {
    @Test func aFailureAbandonsEveryWriter() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let group = try DrawWriterGroup([
            try InferenceDataWriter(path: dir.file("posterior.nc"), schema: testSchema),
            try StanCSVWriter(directory: dir.path, schema: testSchema,
                              configuration: .init(model: "m", numSamples: 7, numWarmup: 0, seed: 1)),
        ])
        try group.append(values: testDraw(testSchema, draw: 0), stats: testStats(testSchema, draw: 0))
        #expect(group.drawsWritten == 1)
        #expect(throws: LeapfrogError.self) { try group.append(ChainBatch(chains: 3, dimension: 1), stats: testStats(testSchema, draw: 1)) }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(left == [])
    }

    @Test func finishRenamesEveryFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let group = try DrawWriterGroup([
            try InferenceDataWriter(path: dir.file("posterior.nc"), schema: testSchema),
            try StanCSVWriter(directory: dir.path, schema: testSchema,
                              configuration: .init(model: "m", numSamples: 7, numWarmup: 0, seed: 1), chains: [0]),
        ])
        try group.append(values: testDraw(testSchema, draw: 0), stats: testStats(testSchema, draw: 0))
        try group.finish(interrupted: true, timing: RunTiming(warmupSeconds: 0, samplingSeconds: 0))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["chain-1.csv", "posterior.nc"])
    }
}
