import Leapfrog
import Testing

/// Models with large per-chain matrices (a GP's covariance) must fit PoCL's per-work-group stack:
/// the OpenCL back end caps the local size to its private-memory budget on CPU devices.
struct OpenCLPrivateMemoryTests {
    @Test func gpWorkGroupFitsThePrivateMemoryBudget() throws {
        let inst = try BuiltinModels.gpRegression.instantiate()
        let bound = try BoundModel(graph: inst.graph, data: inst.data)
        let device: Device
        do { device = try OpenCLRuntime.device() } catch {
            Issue.record("no OpenCL device: \(error)")
            return
        }
        guard try device.info().type == .cpu else { return }
        let cl = try OpenCLLogDensity<Float>(bound, queue: try CommandQueue(context: try Context(device: device)))
        let perItem = OpenCLLogDensity<Float>.privateBytes(cl.generated.source, width: cl.width, transitionLanes: cl.width)
        #expect(perItem > 0)
        #expect(perItem * cl.localSize <= 2 << 20, "work-group needs \(perItem * cl.localSize) bytes")
        #expect(cl.localSize < (try device.info().defaultLocalSize), "the GP should need a smaller work-group")
        // And it evaluates, matching the reference.
        let u = [[0.1, -0.3, 0.2], [0.5, 0.2, -1.0]]
        let got = try cl.evaluate(ChainBatch(vectors: u))
        let ref = ReferenceModel(bound)
        for (k, p) in u.enumerated() {
            #expect(abs(got.logDensity[k] - ref.logDensity(p)) < 1e-4 * abs(ref.logDensity(p)))
        }
    }
}
