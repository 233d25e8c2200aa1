import LeapfrogCore
import LeapfrogDiagnostics
import LeapfrogModel
import LeapfrogModels
import LeapfrogReference
import Testing
@testable import LeapfrogOpenCL

extension OpenCLTests {
    /// `MomentsAccumulator` (the recorded-values kernel, then `lf_moments_add` in
    /// Kernels/moments.cl) against its Swift twin: `ChainMoments.add` of lp__ and
    /// `ReferenceModel.recordedValues` of the same kept draws, laid out as a streamed ring keeps
    /// them (d position rows, then lp__, per draw). Both halves, a chain count that is not a
    /// multiple of W (padding), and non-finite log densities (−∞ as the host reads them, counted).
    @Suite struct MomentsOnTheDevice {
        /// `draws` kept draws of `chains` chains, as `(positions, lp)`; lp__ is NaN for chain 2 at
        /// draw 3 and +∞ for chain 0 at draw 5.
        static func draws(_ model: BoundModel, chains: Int, count: Int) -> [(ChainBatch, [Double])] {
            var rng = TestRNG(seed: 17)
            return (0..<count).map { k in
                let x = ChainBatch(chains: chains, dimension: model.dimension,
                                   values: (0..<(chains * model.dimension)).map { _ in rng.uniform(-1.5, 1.5) })
                var lp = (0..<chains).map { _ in rng.uniform(-130, -90) }
                if k == 3 { lp[2] = .nan }
                if k == 5 { lp[0] = .infinity }
                return (x, lp)
            }
        }

        func compare<R: DeviceReal>(_ type: R.Type, width: Int, tolerance: Double) throws {
            let env = CLTest.env
            let instance = try BuiltinModels.named("eight-schools").instantiate()
            let model = try BoundModel(graph: instance.graph, data: instance.data)
            let chains = 7, d = model.dimension, count = 9, firstHalf = 4
            let layout = ChainLayout(chains: chains, width: width, localSize: 4)
            let s = layout.stride
            let accumulator = try MomentsAccumulator<R>(model, queue: env.queue, chains: chains, stride: s, width: width,
                                                        localSize: 4, info: env.info, cache: CLTest.cache)
            let draws = Self.draws(model, chains: chains, count: count)
            // The ring: every draw's d rows of positions, then its lp__, padded to the stride.
            var ring: [Double] = []
            for (x, lp) in draws { ring += layout.pad(x.values + lp, dimension: d + 1) }
            let kept = try env.buffer(ring, as: R.self)
            var expected = ChainMoments(chains: chains, quantities: accumulator.quantities)
            let reference = ReferenceModel(model)
            for (k, (x, lp)) in draws.enumerated() {
                let half = k < firstHalf ? 0 : 1
                try accumulator.enqueueAdd(kept: kept, offset: k * (d + 1) * s, half: half)
                // The device reads the positions in its precision: so does the reference.
                let rounded = ChainBatch(chains: chains, dimension: d, values: x.values.map { Double(R($0)) })
                let lpRounded = lp.map { Double(R($0)) }.map { $0.isFinite ? $0 : -.infinity }
                expected.add(lpRounded + reference.recordedValues(rounded).values, half: half)
            }
            let actual = try accumulator.read()
            #expect(actual.quantities == 1 + reference.recordedValues(draws[0].0).dimension)
            #expect(actual.counts == expected.counts)
            #expect(actual.nonFinite == expected.nonFinite && actual.nonFinite[0] == 2)
            for h in 0..<2 {
                expectClose(actual.means[h], expected.means[h], tolerance: tolerance, "\(R.self) mean, half \(h)")
                expectClose(actual.m2[h], expected.m2[h], tolerance: tolerance, "\(R.self) M2, half \(h)")
            }
            // lp__ (quantity 0, element c): non-finite only in the half that had the bad value.
            #expect(!actual.means[0][2].isFinite && actual.means[1][2].isFinite)
            #expect(actual.means[0][0].isFinite && !actual.m2[1][0].isFinite && actual.m2[1][1].isFinite)
        }

        @Test func matchChainMomentsInF64() throws {
            try compare(Double.self, width: 4, tolerance: 1e-10)
        }

        /// f32: the positions, the recorded values and the running sums in f32 (Welford's update
        /// is stable: the error does not grow with the draws' offset from zero).
        @Test func matchChainMomentsInF32() throws {
            try compare(Float.self, width: 8, tolerance: 1e-4)
        }
    }
}
