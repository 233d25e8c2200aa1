import Foundation
import Leapfrog
import LeapfrogRun
import Testing

/// `--keep moments` (`RunConfiguration.Keep.moments`): the same run summarised from running
/// moments instead of its draws; on OpenCL the moments are accumulated on the device
/// (`MomentsOnDevice`), on the CPU reference on the host (`ChainMoments.add`, the twin).
@Suite struct SampleRunMomentsTests {
    static func configuration(_ keep: RunConfiguration.Keep, backend: String, precision: PrecisionRequest = .f64,
                              directory: String?) -> RunConfiguration {
        var run = RunConfiguration(output: directory.map { .init(directory: $0) })
        run.sampler.chains = 16
        run.sampler.superchains = 4
        run.sampler.warmup = 150
        run.sampler.draws = 120
        run.sampler.thin = 2
        run.sampler.seed = 8
        run.backend.name = backend
        run.backend.precision = precision
        run.keep = keep
        return run
    }

    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-moments-\(UUID().uuidString)").path
    }

    func run(_ keep: RunConfiguration.Keep, backend: String, precision: PrecisionRequest = .f64,
             observer: (any DrawWriter)? = nil, configure: (inout RunConfiguration) -> Void = { _ in },
             shouldStop: (() -> Bool)? = nil) throws -> (RunResult, String) {
        let model = try BuiltinModels.named("eight-schools").instantiate()
        let directory = Self.temporaryDirectory()
        var run = Self.configuration(keep, backend: backend, precision: precision, directory: directory)
        configure(&run)
        return (try SampleRun(run).sample(model, log: { _ in }, shouldStop: shouldStop, observer: observer), directory)
    }

    static var openCL: Bool { (try? OpenCLRuntime.device()) != nil }

    /// The same seed makes the same draws, so the moments' mean, sd and nested R̂ equal those
    /// computed from the kept draws (to rounding); no draw file is written.
    @Test(arguments: ["cpu", "opencl"])
    func momentsSummariseTheRunsDrawsWithoutKeepingThem(backend: String) throws {
        if backend == "opencl" && !Self.openCL { return }
        let (draws, a) = try run(.draws, backend: backend)
        let (moments, b) = try run(.moments, backend: backend)
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        #expect(FileManager.default.fileExists(atPath: a + "/posterior.nc"))
        #expect(!FileManager.default.fileExists(atPath: b + "/posterior.nc"))
        #expect(draws.draws == 60 && moments.draws == 60)
        #expect(draws.summaries.map(\.name) == moments.summaries.map(\.name))
        for (x, y) in zip(draws.summaries, moments.summaries) {
            #expect(abs(x.mean - y.mean) <= 1e-9 * max(1, abs(x.mean)), "\(x.name)")
            #expect(abs(x.sd - y.sd) <= 1e-9 * max(1, x.sd), "\(x.name)")
            #expect(abs(x.nestedRHat! - y.nestedRHat!) <= 1e-9, "\(x.name)")
            #expect(y.rhat > 0.9 && y.rhat < 1.1 && y.essBulk > 50, "\(y.name): R̂ \(y.rhat), ESS \(y.essBulk)")
            #expect(y.q50.isNaN)
        }
        let summary = try SummaryFile.read(path: b + "/summary.json")
        #expect(summary.configuration["keep"] == "moments" && summary.outputs["inference_data"] == nil)
        // A complete thinned run (60 rows of --draws 120 at --thin 2) is not warned as stopped early.
        #expect(!moments.warnings.warnings.contains { $0.kind == .unjudged }, "\(moments.warnings)")
    }

    /// The moments accumulated on the device equal the host's accumulation of the same draws
    /// (a run with an observer, which needs every draw, accumulates on the host): every figure of
    /// the summary to 1e-10 in f64; and the kept draws never crossed the bus — the run read
    /// back less than the host run by at least the kept positions (d + 1 numbers per chain and
    /// kept draw), less the moments read once.
    @Test func momentsOnTheDeviceEqualTheHostAccumulationInF64() throws {
        guard Self.openCL else { return }
        let (device, a) = try run(.moments, backend: "opencl")
        let (host, b) = try run(.moments, backend: "opencl", observer: try RecordingWriter())
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        try Self.expectSameSummaries(device.summaries, host.summaries, tolerance: 1e-10)
        let onDevice = try #require(try SummaryFile.read(path: a + "/summary.json").deviceTraffic)
        let onHost = try #require(try SummaryFile.read(path: b + "/summary.json").deviceTraffic)
        let bound = try BoundModel(try BuiltinModels.named("eight-schools").instantiate())
        let quantities = device.summaries.count, chains = 16, draws = 60
        let keptPositions = draws * chains * (bound.dimension + 1) * 8, momentsRead = 5 * quantities * chains * 8
        #expect(onHost.total.bytesFromDevice - onDevice.total.bytesFromDevice >= keptPositions - momentsRead,
                "from the device: \(onDevice.total.bytesFromDevice) B with moments there, \(onHost.total.bytesFromDevice) B on the host")
    }

    /// f32 (the default `--precision auto` samples in f32): the device records the values and
    /// sums the moments in f32 while the host records the same f32 draws in f64. Documented
    /// tolerance: 1e-5 relative on the means (floor 1), 1e-4 on the sd, R̂ and ESS.
    @Test func momentsOnTheDeviceInF32AgreeWithTheHostToF32Rounding() throws {
        guard Self.openCL else { return }
        let (device, a) = try run(.moments, backend: "opencl", precision: .auto)
        let (host, b) = try run(.moments, backend: "opencl", precision: .auto, observer: try RecordingWriter())
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        #expect(device.summaries.map(\.name) == host.summaries.map(\.name))
        for (x, y) in zip(device.summaries, host.summaries) {
            #expect(abs(x.mean - y.mean) <= 1e-5 * max(1, abs(y.mean)), "\(x.name): \(x.mean) against \(y.mean)")
            #expect(abs(x.sd - y.sd) <= 1e-4 * y.sd, "\(x.name): sd \(x.sd) against \(y.sd)")
            #expect(abs(x.rhat - y.rhat) <= 1e-4 * y.rhat && abs(x.essBulk - y.essBulk) <= 1e-4 * y.essBulk, "\(x.name)")
        }
    }

    /// An interrupt keeps the moments of the draws before the stop: the moments of an interrupted
    /// run on the device equal those of the uninterrupted run's first draws, as many as the
    /// interrupted run kept (a stop takes effect at the end of the streamed group it falls in; the
    /// group then in flight is not added). Groups hold at most 256 iterations: a stop at sampling
    /// iteration 520 of 1,000 keeps between 521 and 776 draws (776: a group of 256 starting at
    /// iteration 520; the groups' lengths follow the measured rate), in both halves (500 each).
    @Test func anInterruptedRunKeepsTheMomentsOfItsDraws() throws {
        guard Self.openCL else { return }
        let (warmup, draws, stop) = (150, 1000, 520)
        let whole = try RecordingWriter()
        let (_, a) = try run(.draws, backend: "opencl", observer: whole, configure: { $0.sampler.draws = draws; $0.sampler.thin = 1 })
        var calls = 0
        let (cut, b) = try run(.moments, backend: "opencl", configure: { $0.sampler.draws = draws; $0.sampler.thin = 1 },
                               shouldStop: { calls += 1; return calls > warmup + stop })
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        #expect(cut.interrupted)
        #expect(cut.draws > stop && cut.draws <= stop + 256, "\(cut.draws) draws kept")
        let n = cut.draws, chains = 16, firstHalf = (draws + 1) / 2
        var expected = ChainMoments(chains: chains, quantities: cut.summaries.count)
        for k in 0..<n { expected.add(whole.lp[k] + whole.values[k], half: k < firstHalf ? 0 : 1) }
        let names = cut.summaries.map(\.name)
        let reference = names.enumerated().map { expected.summary(quantity: $0, name: $1, superchains: 4) }
        try Self.expectSameSummaries(cut.summaries, reference, tolerance: 1e-10)
        #expect(cut.summaries.allSatisfy { $0.drawsPerChain == n })
    }

    static func expectSameSummaries(_ a: [ParameterSummary], _ b: [ParameterSummary], tolerance: Double,
                                    sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(a.map(\.name) == b.map(\.name), sourceLocation: sourceLocation)
        func same(_ x: Double, _ y: Double) -> Bool { x == y || abs(x - y) <= tolerance * max(1, abs(y)) }
        for (x, y) in zip(a, b) {
            #expect(same(x.mean, y.mean) && same(x.sd, y.sd), "\(x.name): \(x.mean) ± \(x.sd) against \(y.mean) ± \(y.sd)",
                    sourceLocation: sourceLocation)
            #expect(same(x.rhat, y.rhat) && same(x.essBulk, y.essBulk) && same(x.nestedRHat!, y.nestedRHat!),
                    "\(x.name): R̂ \(x.rhat), ESS \(x.essBulk), nested R̂ \(x.nestedRHat!) against \(y.rhat), \(y.essBulk), \(y.nestedRHat!)",
                    sourceLocation: sourceLocation)
            #expect(x.rhat.isFinite && x.essBulk.isFinite && x.nonFiniteCount == y.nonFiniteCount, sourceLocation: sourceLocation)
        }
    }
}

/// A draw observer that keeps every draw in memory: lp[k] and values[k] (chain-fastest,
/// `q·chains + c`) of draw k.
final class RecordingWriter: DrawWriter {
    let schema: DrawSchema
    private(set) var lp: [[Double]] = []
    private(set) var values: [[Double]] = []
    var drawsWritten: Int { lp.count }

    /// For a run of eight schools over 16 chains (the suite's).
    init() throws {
        let bound = try BoundModel(try BuiltinModels.named("eight-schools").instantiate())
        schema = SampleRun.drawSchema(bound, chains: 16, draws: 0)
    }

    func recordAdaptation(_ adaptation: WarmupAdaptation) throws {}

    func append(_ draws: ChainBatch, stats: SampleStatistics) throws {
        lp.append(stats.lp)
        var flat = [Double](repeating: 0, count: draws.chains * draws.dimension)
        for c in 0..<draws.chains { for q in 0..<draws.dimension { flat[q * draws.chains + c] = draws[c, q] } }
        values.append(flat)
    }

    func finish(interrupted: Bool, timing: RunTiming) throws {}
    func abandon() {}
}
