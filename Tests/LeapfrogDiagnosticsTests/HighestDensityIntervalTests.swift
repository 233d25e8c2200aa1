import Testing
@testable import LeapfrogDiagnostics

@Suite struct HighestDensityIntervalTests {
    @Test func knownDraws() {
        // Sorted 1…10, prob 0.5: m = 5, the shortest of [x_i, x_{i+5}] is the first (all width 5).
        let a = HighestDensityInterval((1...10).map(Double.init), prob: 0.5)
        #expect(a.lower == 1 && a.upper == 6)
        // A skewed sample: the shortest interval sits where draws are dense.
        let b = HighestDensityInterval([0, 0.1, 0.2, 0.3, 0.4, 5, 10], prob: 0.6)
        #expect(b.lower == 0 && b.upper == 0.4)
    }

    @Test func normalDrawsGiveTheCentralInterval() {
        let x = KernelDensityTests.normals(20_000, seed: 11)
        let hdi = HighestDensityInterval(x, prob: 0.9)
        #expect(abs(hdi.lower + 1.645) < 0.06 && abs(hdi.upper - 1.645) < 0.06)
        // It is never wider than the equal-tailed interval.
        let q = Quantile.of(x, probs: [0.05, 0.95])
        #expect(hdi.width <= q[1] - q[0] + 1e-12)
    }

    @Test func degenerateInput() {
        #expect(HighestDensityInterval([1], prob: 0.9).lower.isNaN)
        #expect(HighestDensityInterval([1, 2, 3], prob: 1).lower.isNaN)
        #expect(HighestDensityInterval([1, 2, .nan, 3, 4], prob: 0.5).width == 2)
    }
}
