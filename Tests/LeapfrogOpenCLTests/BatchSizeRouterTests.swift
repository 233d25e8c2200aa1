import LeapfrogCore
import LeapfrogModel
import LeapfrogModels
import Testing
@testable import LeapfrogOpenCL

/// An evaluator that records the batch sizes it saw and returns its tag as every log density.
final class TaggedDensity: BatchedLogDensity, @unchecked Sendable {
    let tag: Double
    let dimension: Int
    var seen: [Int] = []
    init(tag: Double, dimension: Int) { self.tag = tag; self.dimension = dimension }
    func evaluate(_ positions: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        seen.append(positions.chains)
        return DensityBatch(logDensity: [Double](repeating: tag, count: positions.chains),
                            gradient: ChainBatch(chains: positions.chains, dimension: dimension))
    }
}

extension OpenCLTests {
    @Suite struct BatchSizeRouting {
        @Test func smallBatchesGoToTheSmallEvaluatorMadeOnFirstUse() throws {
            let large = TaggedDensity(tag: 1, dimension: 3)
            let small = TaggedDensity(tag: 2, dimension: 3)
            var made = 0
            let router = BatchSizeRouter(large: large, smallBatchChains: 4) { made += 1; return small }
            #expect(try router.evaluate(ChainBatch(chains: 5, dimension: 3)).logDensity == [1, 1, 1, 1, 1])
            #expect(made == 0)
            #expect(try router.evaluate(ChainBatch(chains: 4, dimension: 3)).logDensity == [2, 2, 2, 2])
            _ = try router.evaluate(ChainBatch(chains: 1, dimension: 3))
            #expect(made == 1)
            #expect(large.seen == [5] && small.seen == [4, 1])
        }

        @Test func pocLThreadedDeviceHasItsSingleThreadedCompanion() throws {
            let device = CLTest.env.device
            guard device.platform.isPoCL else { return }
            // Leapfrog asks PoCL for both devices, and picks the threaded one by default.
            #expect(device.name.hasPrefix("pthread"))
            let companion = try #require(OpenCLRuntime.smallBatchCompanion(for: device))
            #expect(companion.name.hasPrefix("basic"))
            #expect(OpenCLRuntime.smallBatchCompanion(for: companion) == nil)
        }

        @Test func bothPoCLDevicesGiveTheSameBits() throws {
            let device = CLTest.env.device
            guard let companion = OpenCLRuntime.smallBatchCompanion(for: device) else { return }
            let bnn = try BuiltinModels.bnn.instantiate()
            let model = try BoundModel(graph: bnn.graph, data: bnn.data)
            var rng = TestRNG(seed: 11)
            let positions = ChainBatch(chains: 5, dimension: model.dimension,
                                       values: (0..<(5 * model.dimension)).map { _ in rng.uniform(-1.5, 1.5) })
            // In one launch shape (`auto` may pick different ones: the threaded device has more
            // lanes to fill with 5 chains than the single-threaded one).
            for launch in [LaunchChoice.chainPerWorkItem, .rowsInLanes] {
                let threaded = try OpenCLLogDensity<Float>(model, queue: CLTest.env.queue, launch: launch, cache: CLTest.cache)
                let single = try OpenCLLogDensity<Float>(model, queue: try CommandQueue(context: try Context(device: companion)),
                                                         launch: launch, cache: CLTest.cache)
                let a = try threaded.evaluate(positions), b = try single.evaluate(positions)
                #expect(a == b, "\(launch)")
            }
        }
    }
}
