import Foundation
import Leapfrog
import Testing

/// The adaptive warmup's decision does not depend on the back end: the CPU reference and the
/// OpenCL kernel in f64 (same seed, same chains) end warmup at the same iteration, after the
/// same judgements. Skipped without an OpenCL device.
@Suite struct AdaptiveWarmupBackendTests {
    static var openCL: Device? { try? OpenCLRuntime.device() }

    @Test(.enabled(if: AdaptiveWarmupBackendTests.openCL != nil, "no OpenCL device"))
    func theDecisionIsTheSameOnTheReferenceAndOpenCL() throws {
        let m = try BuiltinModels.named("eight-schools").instantiate()
        let bound = try BoundModel(graph: m.graph, data: m.data)
        var config = SamplerConfiguration()
        config.chains = 64; config.warmup = 600; config.draws = 1; config.seed = 12
        config.adaptiveWarmup = AdaptiveWarmup()
        config.superchains = 16
        let device = try #require(Self.openCL)
        let opencl = try OpenCLLogDensity<Double>(bound, queue: try CommandQueue(context: try Context(device: device)))
        let cpu = try Sampler.sample(model: ReferenceModel(bound), configuration: config).result
        let gpu = try Sampler.sample(model: opencl, configuration: config).result
        let a = try #require(cpu.warmupReport), b = try #require(gpu.warmupReport)
        #expect(a.iterations == b.iterations, "reference: \(a.reason); OpenCL: \(b.reason)")
        #expect(a.checks.map(\.passed) == b.checks.map(\.passed))
        #expect(a.checks.map(\.iteration) == b.checks.map(\.iteration))
    }
}
