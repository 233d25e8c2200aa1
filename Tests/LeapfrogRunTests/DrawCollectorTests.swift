import Leapfrog
import LeapfrogOpenCL
import Testing
@testable import LeapfrogRun

/// `DrawCollector`: draws delivered in groups are recorded in one call (their chains side by side)
/// and give exactly what one call per draw gives.
@Suite struct DrawCollectorTests {
    static func draws(_ bound: BoundModel, chains n: Int, count: Int) -> [Draw] {
        let d = bound.dimension, random = PhiloxRandom(seed: 21)
        return (0..<count).map { k in
            var values = [Double](repeating: 0, count: n * d)
            for c in 0..<n {
                random.uniforms(chain: c, iteration: k, purpose: .initialisation, count: d) { i, u in values[i * n + c] = 4 * u - 2 }
            }
            let info = (0..<n).map { c in
                TransitionInfo(acceptanceStatistic: 0.5, accepted: c % 2 == 0, divergent: false, energy: Double(k + c),
                               stepSize: 0.1, treeDepth: 3, leapfrogSteps: 7, gradientEvaluations: 7)
            }
            return Draw(index: k, iteration: 100 + k, positions: ChainBatch(chains: n, dimension: d, values: values),
                        logDensity: (0..<n).map { -Double($0 + k) }, info: TransitionInfoBatch(info), lockstepEvaluations: 7)
        }
    }

    @Test(arguments: ["cpu", "opencl"])
    func aGroupIsRecordedAsItsDrawsOneByOne(backend: String) throws {
        if backend == "opencl" && (try? OpenCLRuntime.device()) == nil { return }
        let instance = try BuiltinModels.named("bnn").instantiate()
        let bound = try BoundModel(graph: instance.graph, data: instance.data)
        let selected = try BackendRegistry.standard.make(bound, options: BackendOptions(name: backend), log: { _ in })
        let recorder = DrawRecorder(selected, bound: bound, seed: 1)
        let draws = Self.draws(bound, chains: 3, count: 5)
        let grouped = DrawCollector(recorder: recorder, chains: 3, maxDepth: 10, writer: nil, keepDraws: true)
        let single = DrawCollector(recorder: recorder, chains: 3, maxDepth: 10, writer: nil, keepDraws: true)
        try grouped.write(contentsOf: draws)
        for draw in draws { try single.write(draw) }
        #expect(grouped.draws == 5 && single.draws == 5)
        #expect(grouped.values == single.values)
        #expect(grouped.values.count > 1 + bound.dimension)   // derived quantities are recorded too
        #expect(grouped.energy == single.energy && grouped.leapfrogSteps == single.leapfrogSteps)
    }

    @Test func stackedBatchesSplitBackIntoThemselves() {
        let a = ChainBatch(chains: 2, dimension: 3, values: [1, 2, 3, 4, 5, 6])
        let b = ChainBatch(chains: 3, dimension: 3, values: (0..<9).map { Double(10 + $0) })
        let stacked = ChainBatch(stacking: [a, b])
        #expect(stacked.chains == 5 && stacked.dimension == 3)
        #expect(stacked.chains(0..<2) == a && stacked.chains(2..<5) == b)
        #expect(stacked.vector(chain: 3) == b.vector(chain: 1))
    }
}
