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

    /// The back-end line names the shape the run's batch takes: a 2-chain BNN run puts its rows
    /// in the lanes (at most a quarter of the single-threaded device's 8 or 16 f32 lanes hold
    /// chains), a 4,096-chain run its chains; eight schools (a parameter per row) keeps chains in
    /// lanes.
    @Test func theBackEndLineSaysWhereTheLanesGo() throws {
        func line(_ model: String, chains: Int) throws -> (String, BatchSizeRouter) {
            var options = BackendOptions(name: "opencl", precision: .f32)
            options.checked = false
            options.chains = chains
            let instance = try BuiltinModels.named(model).instantiate()
            let selected = try BackendRegistry.standard.make(try BoundModel(graph: instance.graph, data: instance.data),
                                                             options: options)
            return (selected.description, try #require(selected.density as? BatchSizeRouter))
        }
        let (few, router) = try line("bnn", chains: 2)
        #expect(few.contains("rows in its lanes, launch shape auto"), "\(few)")
        let two = try router.evaluate(ChainBatch(chains: 2, dimension: router.dimension))
        #expect(two.logDensity.allSatisfy { $0.isFinite })
        #expect(try line("bnn", chains: 4096).0.contains("chains per work-item, launch shape auto"))
        #expect(try line("eight-schools", chains: 2).0.contains("chains per work-item, launch shape auto"))
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
