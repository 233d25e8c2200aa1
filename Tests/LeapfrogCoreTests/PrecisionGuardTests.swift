import Testing
@testable import LeapfrogCore

/// A model that returns fixed values, to drive the guard's comparison.
class FixedDensity: BatchedLogDensity, @unchecked Sendable {
    var logDensity: [Double]
    var gradient: [[Double]]
    private(set) var calls = 0
    init(logDensity: [Double], gradient: [[Double]]) {
        self.logDensity = logDensity
        self.gradient = gradient
    }
    var dimension: Int { gradient[0].count }
    func evaluate(_ positions: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        calls += 1
        return DensityBatch(logDensity: logDensity, gradient: ChainBatch(vectors: gradient))
    }
}

/// A fixed density that counts how often it was told to give its device memory back.
final class ReleasingDensity: FixedDensity, DeviceMemoryReleasing, @unchecked Sendable {
    private(set) var releases = 0
    func releaseDeviceMemory() { releases += 1 }
}

@Suite struct PrecisionGuardTests {
    let exact = FixedDensity(logDensity: [-100, -2, 0.5], gradient: [[3, 4], [1, 0], [0, 0]])
    let points = ChainBatch(vectors: [[0, 0], [1, 1], [2, 2]])

    func guarded(_ fast: FixedDensity, _ policy: PrecisionGuard.Policy = .auto, log: @escaping @Sendable (String) -> Void = { _ in })
        -> PrecisionGuard {
        PrecisionGuard(fast: fast, accurate: exact, fastName: "f32", accurateName: "f64", policy: policy,
                       clock: { 0 }, log: log)
    }

    func compare(_ fast: FixedDensity, _ accurate: FixedDensity, bounds: PrecisionGuard.Bounds = .init()) throws -> PrecisionGuard.Check {
        PrecisionGuard.compare(fast: try fast.evaluate(points, active: nil),
                               accurate: try accurate.evaluate(points, active: nil), bounds: bounds)
    }

    @Test func errorsAreRelativeToTheAccurateValueWithAFloorOfOne() throws {
        // lp: |−100.001 − (−100)| / 100 = 1e-5; |−2.0002 − (−2)| / 2 = 1e-4; |0.5001 − 0.5| / 1 = 1e-4.
        // gradient: ‖(3.003, 4) − (3, 4)‖ / 5 = 6e-4; ‖(1, 0.0005) − (1, 0)‖ / 1 = 5e-4; third chain 0.
        let fast = FixedDensity(logDensity: [-100.001, -2.0002, 0.5001], gradient: [[3.003, 4], [1, 0.0005], [0, 0]])
        let check = try compare(fast, exact)
        #expect(abs(check.logDensityError - 1e-4) < 1e-9)
        #expect(abs(check.gradientError - 6e-4) < 1e-9)
        #expect(check.passed && check.fastOnlyNonFinite == 0 && check.skipped == 0 && check.chains == 3)
        // The same errors against tighter bounds fail.
        #expect(try !compare(fast, exact, bounds: .init(logDensity: 1e-5, gradient: 1e-3)).passed)
        #expect(try !compare(fast, exact, bounds: .init(logDensity: 1e-3, gradient: 1e-4)).passed)
    }

    @Test func aFloatOnlyFailureFailsAndAFailureInBothIsSkipped() throws {
        let fast = FixedDensity(logDensity: [-100, .nan, -.infinity], gradient: [[3, 4], [1, 0], [0, 0]])
        let accurate = FixedDensity(logDensity: [-100, -2, -.infinity], gradient: [[3, 4], [1, 0], [0, 0]])
        let check = try compare(fast, accurate)
        #expect(check.fastOnlyNonFinite == 1 && check.skipped == 1 && !check.passed)
        // A non-finite float gradient with a finite log density is a float-only failure too.
        let badGradient = FixedDensity(logDensity: [-100, -2, 0.5], gradient: [[3, .infinity], [1, 0], [0, 0]])
        #expect(try compare(badGradient, exact).fastOnlyNonFinite == 1)
    }

    @Test func autoSwitchesOnceAndEvaluatesAccuratelyFromThenOn() throws {
        let fast = FixedDensity(logDensity: [-101, -2, 0.5], gradient: [[3, 4], [1, 0], [0, 0]])
        let messages = MessageLog()
        let g = guarded(fast, log: messages.append)
        #expect(g.currentName == "f32")
        #expect(try g.evaluate(points).logDensity == fast.logDensity)
        #expect(try g.checkPrecision(at: points, stage: .windowEnd(iteration: 99)))
        #expect(g.currentName == "f64" && g.switchedAt == "warmup window end (iteration 100)")
        #expect(try g.evaluate(points).logDensity == exact.logDensity)
        // Later checkpoints cost nothing and report no second switch.
        let calls = fast.calls
        #expect(try !g.checkPrecision(at: points, stage: .warmupEnd(iteration: 199)))
        #expect(fast.calls == calls && g.checks.count == 1)
        #expect(messages.lines.count == 1 && messages.lines[0].contains("switching to f64"))
        #expect(messages.lines[0].contains("log density off by 1.0e-2"))
    }

    /// A switch gives the fast evaluator's device memory back, once; a check that only warns keeps it.
    @Test func aSwitchReleasesTheFastEvaluatorsMemory() throws {
        let fast = ReleasingDensity(logDensity: [-101, -2, 0.5], gradient: [[3, 4], [1, 0], [0, 0]])
        let g = guarded(fast)
        #expect(try g.checkPrecision(at: points, stage: .initialisation) && fast.releases == 1)
        #expect(try !g.checkPrecision(at: points, stage: .warmupEnd(iteration: 9)) && fast.releases == 1)
        let kept = ReleasingDensity(logDensity: [-101, -2, 0.5], gradient: [[3, 4], [1, 0], [0, 0]])
        #expect(try !guarded(kept, .checkOnly).checkPrecision(at: points, stage: .initialisation) && kept.releases == 0)
    }

    /// The message names what failed: a log-density failure with positions float resolves well
    /// says nothing of a lattice (it did, with a resolution of 2e-6); a resolution past its bound
    /// does, though the density agrees.
    @Test func theMessageNamesOnlyWhatFailed() throws {
        let scales = ChainBatch(vectors: [[1, 1], [1, 1], [1, 1]])
        let densityOff = MessageLog()
        let g = guarded(FixedDensity(logDensity: [-101, -2, 0.5], gradient: [[3, 4], [1, 0], [0, 0]]), log: densityOff.append)
        #expect(try g.checkPrecision(at: points, scales: scales, stage: .windowEnd(iteration: 99)))
        #expect((g.checks[0].resolution ?? 1) < 1e-6 && !densityOff.lines[0].contains("lattice"))
        let coarse = MessageLog()
        let h = guarded(FixedDensity(logDensity: [-100, -2, 0.5], gradient: [[3, 4], [1, 0], [0, 0]]), log: coarse.append)
        let far = ChainBatch(vectors: [[1e5, 0], [1, 1], [2, 2]])
        #expect(try h.checkPrecision(at: far, scales: ChainBatch(vectors: [[0.01, 1], [1, 1], [1, 1]]), stage: .windowEnd(iteration: 99)))
        #expect(coarse.lines[0].contains("lattice") && coarse.lines[0].contains("7.8e-1"))
    }

    @Test func checkOnlyKeepsTheFastPrecisionAndWarnsAtEveryFailedCheck() throws {
        let fast = FixedDensity(logDensity: [-101, -2, 0.5], gradient: [[3, 4], [1, 0], [0, 0]])
        let messages = MessageLog()
        let g = guarded(fast, .checkOnly, log: messages.append)
        #expect(try !g.checkPrecision(at: points, stage: .initialisation))
        #expect(try !g.checkPrecision(at: points, stage: .warmupEnd(iteration: 9)))
        #expect(g.currentName == "f32" && g.switchedAt == nil && g.checks.count == 2)
        #expect(g.checks.allSatisfy { !$0.passed })
        #expect(messages.lines.count == 2 && messages.lines.allSatisfy { $0.hasPrefix("warning: precision f32") })
    }

    @Test func aPassingCheckChangesNothing() throws {
        let messages = MessageLog()
        let g = guarded(FixedDensity(logDensity: exact.logDensity, gradient: exact.gradient), log: messages.append)
        #expect(try !g.checkPrecision(at: points, stage: .initialisation))
        #expect(g.currentName == "f32" && g.checks.count == 1 && g.checks[0].passed && messages.lines.isEmpty)
    }
}

/// Collects log lines (the guard's `log` is `@Sendable`).
private final class MessageLog: @unchecked Sendable {
    private let lock = Lock()
    private var stored: [String] = []
    var lines: [String] { lock.withLock { stored } }
    func append(_ line: String) { lock.withLock { stored.append(line) } }
}
