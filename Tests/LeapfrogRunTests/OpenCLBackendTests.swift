import Leapfrog
import Testing
@testable import LeapfrogRun

/// `OpenCLBackend` on PoCL: the density's program is built at set-up on the device a run's
/// batches reach, and only there (a cold cache compiles each program for seconds).
@Suite(.serialized, .enabled(if: (try? OpenCLRuntime.device().platform.isPoCL) == true, "PoCL only"))
struct OpenCLBackendTests {
    static func router(chains: Int?) throws -> BatchSizeRouter {
        var options = BackendOptions(name: "opencl", precision: .f32)
        options.checked = false
        options.chains = chains
        let selected = try BackendRegistry.standard.make(try BackendRegistryTests.bound(), options: options)
        return try #require(selected.density as? BatchSizeRouter)
    }

    /// A 4-chain run: the threaded device's density is not built, every batch of 4 and every
    /// recorded-values batch (a streamed group of kept draws can exceed 64 chains) go to the
    /// single-threaded device, and a larger batch still evaluates, building it then.
    @Test func aFewChainRunBuildsOnlyTheSingleThreadedDensity() throws {
        let router = try Self.router(chains: 4)
        let threaded = try #require(router.large as? OpenCLLogDensity<Float>)
        #expect(!threaded.isBuilt && router.recordsOnSmall)
        let four = try router.evaluate(ChainBatch(chains: 4, dimension: router.dimension))
        #expect(four.logDensity.allSatisfy { $0.isFinite })
        _ = try router.recordedValues(ChainBatch(chains: 100, dimension: router.dimension))
        #expect(!threaded.isBuilt && threaded.traffic.launches == 0, "\(threaded.traffic)")
        let many = try router.evaluate(ChainBatch(chains: 100, dimension: router.dimension))
        #expect(threaded.isBuilt && many.logDensity[0] == four.logDensity[0])
    }

    /// Without a chain count (throughput benchmarks, the C API) or with many chains, the threaded
    /// device's density is built at set-up, as before.
    @Test(arguments: [nil, 65] as [Int?])
    func otherRunsBuildTheThreadedDensityAtSetUp(chains: Int?) throws {
        let router = try Self.router(chains: chains)
        let threaded = try #require(router.large as? OpenCLLogDensity<Float>)
        #expect(threaded.isBuilt && !router.recordsOnSmall)
    }
}
