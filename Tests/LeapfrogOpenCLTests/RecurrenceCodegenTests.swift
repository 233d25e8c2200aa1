import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogOpenCL

extension OpenCLTests {
    /// Recurrences as loops inside the kernel (`Generator+Recurrence`): the log density and the
    /// gradient through the carried state against the CPU reference. f64 agrees to 1e-10; f32 to
    /// 2e-4 relative (gradients relative to their largest component): a 12-step series, whose
    /// rounding grows with the steps through the carry.
    @Suite struct Recurrences {
        static let fixtures: [String: () throws -> (ModelGraph, DataSet)] = [
            "garch": { (try RecurrenceFixtures.garch(), RecurrenceFixtures.garchData()) },
            "ar_k": { (try RecurrenceFixtures.autoregressive(), RecurrenceFixtures.autoregressiveData()) },
            "hmm": { (try RecurrenceFixtures.hmm(), RecurrenceFixtures.hmmData()) },
        ]

        static let configurations: [(Precision, Int, LaunchChoice)] = [
            (.double, 1, .chainPerWorkItem), (.double, 4, .chainPerWorkItem), (.float, 8, .chainPerWorkItem),
            (.double, 1, .workGroupPerChain),
        ]

        @Test(arguments: ["garch", "ar_k", "hmm"])
        func kernelsMatchTheReference(model name: String) throws {
            let env = CLTest.env
            let (graph, data) = try Self.fixtures[name]!()
            let model = try BoundModel(graph: graph, data: data)
            let reference = ReferenceModel(model)
            var rng = TestRNG(seed: 31)
            let positions = ChainBatch(chains: 7, dimension: model.dimension,
                                       values: (0..<(7 * model.dimension)).map { _ in rng.uniform(-0.8, 0.8) })
            let expected = try reference.evaluate(positions)
            for (precision, width, launch) in Self.configurations {
                let device: any BatchedLogDensity = precision == .double
                    ? try OpenCLLogDensity<Double>(model, queue: env.queue, width: width, localSize: 16, launch: launch, cache: CLTest.cache)
                    : try OpenCLLogDensity<Float>(model, queue: env.queue, width: width, localSize: 16, launch: launch, cache: CLTest.cache)
                let actual = try device.evaluate(positions)
                let tol = precision == .double ? 1e-10 : 2e-4
                let label = "\(name) \(precision) W=\(width) \(launch)"
                expectClose(actual.logDensity, expected.logDensity, tolerance: tol, "log density \(label)")
                let scale = max(1, expected.gradient.values.map(abs).max() ?? 1)
                expectClose(actual.gradient.values, expected.gradient.values, tolerance: tol, floor: scale, "gradient \(label)")
            }
        }

        @Test func aRecurrenceRecordedAsADerivedQuantityMatchesTheReference() throws {
            let env = CLTest.env
            let model = try BoundModel(graph: try RecurrenceFixtures.garch(recordingSigma: true), data: RecurrenceFixtures.garchData())
            let device = try OpenCLLogDensity<Double>(model, queue: env.queue, width: 4, localSize: 16, cache: CLTest.cache)
            var rng = TestRNG(seed: 5)
            let x = ChainBatch(chains: 6, dimension: model.dimension, values: (0..<(6 * model.dimension)).map { _ in rng.uniform(-1, 1) })
            let expected = ReferenceModel(model).recordedValues(x)
            let actual = try #require(try device.recordedValues(x), "no recorded-values kernel")
            #expect(actual.dimension == model.dimension + 12)
            expectClose(actual.values, expected.values, tolerance: 1e-10, "garch σ")
        }

        @Test func theLoopRunsInsideTheKernelWithoutUnrollingTheSteps() throws {
            let model = try BoundModel(graph: try RecurrenceFixtures.garch(), data: RecurrenceFixtures.garchData(200))
            let source = try OpenCLCodegen.generate(model).source
            let forward = try #require(source.firstRange(of: "for (int t"))
            #expect(!source[..<forward.lowerBound].hasSuffix("_Pragma(\"unroll\") "))
            #expect(source.contains("<= 200;"), "forward over t = 2…200")
            #expect(source.contains(">= 2;"), "reverse over t = 200…2")
            #expect(source.contains("[199]"), "one carry per step in the history")
        }
    }
}
