import Testing
@testable import LeapfrogOutput

/// `RunTiming(start:samplingStart:end:)`: durations from clock readings are never negative.
@Suite struct RunTimingTests {
    @Test func samplingThatNeverStartedTakesNoTime() {
        let t = RunTiming(start: 10, samplingStart: nil, end: 13.5)
        #expect(t.samplingSeconds == 0)
        #expect(t.warmupSeconds == 13.5 - 10)
    }

    @Test func durationsSplitTheRunAtTheSamplingStart() {
        let t = RunTiming(start: 2, samplingStart: 5, end: 9)
        #expect(t.warmupSeconds == 5 - 2 && t.samplingSeconds == 9 - 5)
        #expect(t.totalSeconds == 9 - 2)
    }

    /// Readings out of order (a sampling start read after the end, or before the start) clamp
    /// to the run's bounds instead of giving a negative duration.
    @Test(arguments: [(1.0, 7.0 as Double?, 6.0), (1.0, 0.5, 6.0), (3.0, nil, 2.9999999)])
    func outOfOrderReadingsAreNeverNegative(_ r: (Double, Double?, Double)) {
        let t = RunTiming(start: r.0, samplingStart: r.1, end: r.2)
        #expect(t.warmupSeconds >= 0 && t.samplingSeconds >= 0)
        #expect(t.totalSeconds == max(0, r.2 - r.0))
    }
}
