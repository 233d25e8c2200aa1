import LeapfrogCore
import Testing
@testable import LeapfrogOpenCL

extension OpenCLTests {
    /// `lf_peak_fma` (Kernels/peak.cl) against its host twin `PeakThroughput.hostSums`: the same
    /// recurrences in the same arithmetic (one rounding per fused multiply-add, sums in the
    /// kernel's order), so f64 agrees to 1e-12 and f32 to 1e-5 relative (the device may keep a
    /// sum in a wider register). The rate itself is measured by `leapfrog bench peak`, never here.
    @Suite struct PeakOnTheDevice {
        func compare<R: DeviceReal>(_ type: R.Type, tolerance: Double) throws {
            let env = CLTest.env
            let width = env.width(R.precision)
            let local = min(env.info.defaultLocalSize, 16)
            let workItems = 2 * local
            for iterations in [1, 37, 500] {
                let device = try PeakThroughput.run(R.self, queue: env.queue, workItems: workItems, width: width,
                                                    iterations: iterations, cache: CLTest.cache).sums
                let host = PeakThroughput.hostSums(R.self, workItems: workItems, width: width, iterations: iterations)
                #expect(device.count == host.count)
                let worst = zip(device, host).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
                #expect(worst <= tolerance, "\(R.self), \(iterations) iterations: worst relative difference \(worst)")
                // The recurrences contract towards 1: after 500 iterations each sum has moved
                // from its start (≥ 0.5 + item) towards 12, and work-items differ by their offset.
                if iterations == 500 {
                    #expect(host[0] < 12 * (0.5 + 1) && host[width] > host[0], "\(host.prefix(2 * width))")
                }
            }
        }

        @Test func singlePrecisionMatchesTheHostTwin() throws { try compare(Float.self, tolerance: 1e-5) }

        @Test(.enabled(if: CLTest.shared?.info.supportsFP64 == true, "no fp64"))
        func doublePrecisionMatchesTheHostTwin() throws { try compare(Double.self, tolerance: 1e-12) }
    }
}
