import Foundation
import Leapfrog
import LeapfrogOpenCL
import LeapfrogRun
import Testing

/// `prepare(integrator:warmup:)` makes, before a run's clock starts, the programs its first warmup
/// transition would otherwise make: with a fresh program cache, preparing stores the transition
/// and warmup-reduction programs, and the transition that follows builds nothing more (a prepared
/// program of another width, or none, would leave one to build then).
extension DeviceTransitionExecutorTests {
    static func cachedPrograms(_ directory: String) -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".clbin") })
    }

    /// An f32 executor for `chains` chains whose programs go to a fresh cache in `directory`.
    static func executor(_ bound: BoundModel, chains: Int, cachingIn directory: String) throws -> DeviceTransitionExecutor {
        let cache = ProgramCache(directory: directory), dev = try OpenCLRuntime.device()
        return DeviceTransitionExecutor(density: ReferenceModel(bound), precision: "f32", log: { _ in }) { _, coefficients in
            try OpenCLTrajectories<Float>(bound, queue: try CommandQueue(context: try Context(device: dev)), coefficients: coefficients,
                                          expectedChains: chains, cache: cache)
        }
    }

    static func temporaryDirectory() -> String {
        (NSTemporaryDirectory() as NSString).appendingPathComponent("leapfrog-prepare-\(UUID().uuidString)")
    }

    @Test(arguments: [8, 40]) func preparedProgramsAreTheOnesTheFirstTransitionUses(chains n: Int) throws {
        let bound = try Self.bound("eight-schools"), directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let executor = try Self.executor(bound, chains: n, cachingIn: directory)
        #expect(Self.cachedPrograms(directory).isEmpty)
        try executor.prepare(integrator: .leapfrog, warmup: true)
        let prepared = Self.cachedPrograms(directory)
        #expect(prepared.count == 2, "\(prepared.count) programs: the transitions' and the warmup reductions'")

        let d = bound.dimension
        let request = TransitionRequest(trajectory: .hmc(.steps(4), jitter: .steps(0.5)), integrator: .leapfrog,
                                        metric: Self.metric(chains: n, dimension: d),
                                        stepSizes: [Double](repeating: 0.2, count: n), iteration: 3)
        let reduced = try #require(try executor.executeKeepingState(
            request, from: try Self.start(bound, chains: n, spread: 1),
            reductions: WarmupReductionRequest(windowMoments: true, projections: 2, cheesSums: true), random: PhiloxRandom(seed: 5)))
        #expect(reduced.cheesSums != nil && reduced.projections?.dimension == 2)
        #expect(Self.cachedPrograms(directory) == prepared)
    }

    /// Without warmup only the transitions' program is made.
    @Test func preparingWithoutWarmupMakesOnlyTheTransitions() throws {
        let bound = try Self.bound("eight-schools"), directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let executor = try Self.executor(bound, chains: 8, cachingIn: directory)
        try executor.prepare(integrator: .leapfrog, warmup: false)
        #expect(Self.cachedPrograms(directory).count == 1)
    }

    /// `runsOnDevice` says what `prepare` made: true once the integrator's program is made, false
    /// before, and false when the program cannot be made (the transitions then run on the host,
    /// and the run's memory check counts NUTS's trees there).
    @Test func runsOnDeviceOnceItsProgramIsMade() throws {
        let bound = try Self.bound("eight-schools"), directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let executor = try Self.executor(bound, chains: 8, cachingIn: directory)
        #expect(!executor.runsOnDevice(.leapfrog))
        try executor.prepare(integrator: .leapfrog, warmup: false)
        #expect(executor.runsOnDevice(.leapfrog))

        let failing = DeviceTransitionExecutor(density: ReferenceModel(bound), precision: "f32", log: { _ in }) { _, _ in
            throw LeapfrogError(.device, "no program here")
        }
        try failing.prepare(integrator: .leapfrog, warmup: true)
        #expect(!failing.runsOnDevice(.leapfrog))
        #expect(!HostTransitionExecutor(model: ReferenceModel(bound)).runsOnDevice(.leapfrog))
    }
}
