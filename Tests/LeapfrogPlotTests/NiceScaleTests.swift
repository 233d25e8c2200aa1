import Testing
@testable import LeapfrogPlot

@Suite struct NiceScaleTests {
    @Test func knownRanges() {
        let a = NiceScale(min: 0, max: 100, ticks: 6)
        #expect(a.ticks == [0, 20, 40, 60, 80, 100])
        let b = NiceScale(min: -1.2, max: 1.2, ticks: 6)
        #expect(b.step == 0.5 && b.lower == -1.5 && b.upper == 1.5)
        let c = NiceScale(min: 0.013, max: 0.087, ticks: 5)
        #expect(c.step == 0.02 && c.decimals == 2)
        #expect(c.ticks.first! <= 0.013 && c.ticks.last! >= 0.087)
    }

    @Test func ticksCoverTheDataAndAreNiceNumbers() {
        var state: UInt64 = 12345
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        for _ in 0..<2000 {
            let scale = pow(10, uniform() * 12 - 6)
            let lo = (uniform() - 0.5) * scale * 10, hi = lo + uniform() * scale
            for ticks in [3, 5, 6, 10] {
                let s = NiceScale(min: lo, max: hi, ticks: ticks)
                #expect(s.lower <= lo && s.upper >= hi, "\(lo)…\(hi): \(s)")
                let mantissa = s.step / pow(10, log10(s.step).rounded(.down))
                #expect([1, 2, 5, 10].contains { abs(mantissa - $0) < 1e-9 }, "step \(s.step)")
                #expect(s.ticks.count >= 2 && s.ticks.count <= 3 * ticks + 2, "\(s.ticks.count) ticks for \(ticks)")
            }
        }
    }

    @Test func degenerateRanges() {
        let same = NiceScale(min: 3, max: 3)
        #expect(same.lower < 3 && same.upper > 3)
        let zero = NiceScale(min: 0, max: 0)
        #expect(zero.lower < 0 && zero.upper > 0)
        let nan = NiceScale(min: .nan, max: 1)
        #expect(nan.lower == 0 && nan.upper == 1)
        #expect(NiceScale(min: 5, max: 1).lower <= 1)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
