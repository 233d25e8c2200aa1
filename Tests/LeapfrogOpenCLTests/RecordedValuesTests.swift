import Foundation
import LeapfrogCore
import LeapfrogModel
import LeapfrogModels
import LeapfrogReference
import Testing
@testable import LeapfrogOpenCL

extension OpenCLTests {
    /// The recorded-values kernel against its Swift twin `ReferenceModel.recordedValues`: the
    /// same positions give the same constrained parameters and derived quantities, to 1e-10 in
    /// f64 and to f32's rounding (1e-4 relative, after a forward pass through tanh layers or a
    /// Cholesky solve) in f32. Chain counts that are not a multiple of W exercise the padding, and
    /// a batch after a larger one the reused buffers.
    @Suite struct RecordedValues {
        static func models() throws -> [(String, BoundModel)] {
            var models = try ["bnn", "eight-schools", "gp-regression"].map { name in
                let m = try BuiltinModels.named(name).instantiate()
                return (name, try BoundModel(graph: m.graph, data: m.data))
            }
            // Constrained parameters of every kind (sigma > 0), no derived quantity.
            models.append(("linear-regression", try BoundModel(graph: ClassicModels.linearRegression(),
                                                               data: regressionData(rows: 37, features: 4, integer: false, seed: 1))))
            return models
        }

        static func positions(_ model: BoundModel, chains: Int, seed: UInt64) -> ChainBatch {
            var rng = TestRNG(seed: seed)
            return ChainBatch(chains: chains, dimension: model.dimension,
                              values: (0..<(chains * model.dimension)).map { _ in rng.uniform(-1, 1) })
        }

        @Test func matchTheReferenceInF64() throws {
            let env = CLTest.env
            for (name, model) in try Self.models() {
                let device = try OpenCLLogDensity<Double>(model, queue: env.queue, width: 4, localSize: 16, cache: CLTest.cache)
                // 5 after 33: a smaller batch in the larger batch's buffers (they grow, never shrink).
                for chains in [1, 7, 33, 5] {
                    let x = Self.positions(model, chains: chains, seed: UInt64(chains))
                    let expected = ReferenceModel(model).recordedValues(x)
                    let actual = try #require(try device.recordedValues(x), "\(name): no recorded-values kernel")
                    #expect(actual.chains == chains && actual.dimension == expected.dimension, "\(name)")
                    expectClose(actual.values, expected.values, tolerance: 1e-10, "\(name), \(chains) chains")
                }
            }
        }

        @Test func matchTheReferenceInF32() throws {
            let env = CLTest.env
            for (name, model) in try Self.models() {
                let device = try OpenCLLogDensity<Float>(model, queue: env.queue, cache: CLTest.cache)
                let x = Self.positions(model, chains: 21, seed: 9)
                let expected = ReferenceModel(model).recordedValues(x)
                let actual = try #require(try device.recordedValues(x), "\(name): no recorded-values kernel")
                expectClose(actual.values, expected.values, tolerance: 1e-4, "\(name) f32")
            }
        }

        /// `prepareRecording` builds the kernel the first `recordedValues` then uses (a fresh cache
        /// gains its program then, and nothing after), and through the precision guard it is the
        /// accurate evaluator's.
        @Test func preparingBuildsTheKernelTheFirstDrawUses() throws {
            let env = CLTest.env
            let m = try BuiltinModels.named("eight-schools").instantiate()
            let model = try BoundModel(graph: m.graph, data: m.data)
            let cache = temporaryCache("recorded")
            defer { try? FileManager.default.removeItem(atPath: cache.directory) }
            func programs() -> Int {
                ((try? FileManager.default.contentsOfDirectory(atPath: cache.directory)) ?? []).filter { $0.hasSuffix(".clbin") }.count
            }
            let fast = try OpenCLLogDensity<Float>(model, queue: env.queue, cache: cache)
            let accurate = try OpenCLLogDensity<Double>(model, queue: env.queue, cache: cache)
            let guarded = PrecisionGuard(fast: fast, accurate: accurate, fastName: "f32", accurateName: "f64", clock: { 0 })
            let densities = programs()
            try guarded.prepareRecording()
            #expect(programs() == densities + 1)
            let x = Self.positions(model, chains: 9, seed: 4)
            let recorded = try #require(try guarded.recordedValues(x))
            expectClose(recorded.values, ReferenceModel(model).recordedValues(x).values, tolerance: 1e-10, "the f64 kernel's")
            #expect(programs() == densities + 1)
        }

        @Test func theBNNRecordsItsGridOnTheDevice() throws {
            let m = try BuiltinModels.named("bnn").instantiate()
            let model = try BoundModel(graph: m.graph, data: m.data)
            let (kernel, outputs) = try OpenCLCodegen.generateRecorded(model)
            #expect(outputs == model.dimension + model.derivedElementNames.count)
            #expect(kernel.source.contains("__kernel void recorded_values("))
            // The grid is an argument; the training data, which the grid does not read, is not.
            #expect(kernel.dataArguments.contains { $0.lowercased().contains("grid") })
            #expect(!kernel.dataArguments.contains("y"))
        }
    }
}
