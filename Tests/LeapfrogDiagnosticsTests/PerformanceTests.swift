import Foundation
import Testing
@testable import LeapfrogDiagnostics

/// Timing of `summarize` on 16384 chains × 1000 draws (16.4 M draws, AR(1), ρ = 0.5 unless
/// LEAPFROG_DIAGNOSTICS_BENCH_RHO says otherwise), run only on request, since it needs ~1.5 GB
/// and tens of seconds in a debug build:
///
///     LEAPFROG_DIAGNOSTICS_BENCH=1 swift test --filter LeapfrogDiagnosticsTests.PerformanceTests
struct PerformanceTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["LEAPFROG_DIAGNOSTICS_BENCH"] != nil))
    func summarize16384ChainsBy1000Draws() {
        let chains = 16384, draws = 1000
        let rho = ProcessInfo.processInfo.environment["LEAPFROG_DIAGNOSTICS_BENCH_RHO"].flatMap(Double.init) ?? 0.5
        var state: UInt64 = 2024
        let scale = (1 - rho * rho).squareRoot()
        let clock = ContinuousClock()
        let g0 = clock.now
        let x: [[Double]] = (0..<chains).map { _ in
            var row = [Double](repeating: 0, count: draws)
            var v = 0.0
            for i in 0..<draws {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                // Sum of 4 uniforms, centred and scaled: a cheap near-normal innovation.
                var u = 0.0
                for k in 0..<4 { u += Double((state >> (16 * UInt64(k))) & 0xFFFF) / 65536 }
                v = rho * v + scale * (u - 2) * 1.7320508
                row[i] = v
            }
            return row
        }
        let generated = clock.now - g0
        let t0 = clock.now
        let s = summarize(name: "theta", draws: x, superchains: 64)
        let elapsed = clock.now - t0
        print("generate: \(generated); summarize 16384 × 1000: \(elapsed)")
        print(SummaryTable([s]))
        #expect(s.rhat.isFinite && s.essBulk > 1000)
    }
}
