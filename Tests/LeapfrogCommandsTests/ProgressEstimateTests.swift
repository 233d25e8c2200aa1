import LeapfrogCore
import Testing
@testable import LeapfrogCommands

/// The progress line's rate and time left, as a pure function of the observations.
@Suite struct ProgressEstimateTests {
    /// A run of `total` iterations observed at a steady pace: `perIteration` seconds and
    /// `gradientsPerIteration` gradients (summed over chains) each, for `done` iterations.
    static func steady(total: Int, done: Int, perIteration: Double, gradientsPerIteration: Int) -> ProgressEstimate {
        var e = ProgressEstimate(totalIterations: total, startSeconds: 0)
        for k in 1...done {
            e.observe(sampling: false, iterationsDone: k, gradients: k * gradientsPerIteration, seconds: Double(k) * perIteration)
        }
        return e
    }

    @Test func noTimeLeftUntilEnoughTimeHasPassed() {
        // 10% of the iterations, but in less than the minimum time.
        let total = 1000
        let quick = Self.steady(total: total, done: total / 10, perIteration: 0.5 * ProgressEstimate.minimumSeconds / Double(total / 10),
                                gradientsPerIteration: 7)
        #expect(quick.secondsLeft == nil)
    }

    @Test func noTimeLeftUntilEnoughIterationsHaveRun() throws {
        // Plenty of time, but fewer iterations than the minimum share.
        let total = 10_000
        let few = Int(ProgressEstimate.minimumFraction * Double(total)) - 1
        let slow = Self.steady(total: total, done: few, perIteration: 2 * ProgressEstimate.minimumSeconds, gradientsPerIteration: 7)
        #expect(slow.secondsLeft == nil)
        // One more iteration settles it: the rest at the observed pace.
        var settled = slow
        settled.observe(sampling: false, iterationsDone: few + 1, gradients: 0, seconds: Double(few + 1) * 2 * ProgressEstimate.minimumSeconds)
        let left = try #require(settled.secondsLeft)
        #expect(abs(left - Double(total - few - 1) * 2 * ProgressEstimate.minimumSeconds) < 1e-6 * left)
    }

    @Test func rateIsGradientEvaluationsPerSecond() throws {
        let perIteration = 0.01, gradients = 4 * 37     // e.g. 4 chains × 37 leapfrog steps
        let e = Self.steady(total: 500, done: 200, perIteration: perIteration, gradientsPerIteration: gradients)
        let rate = try #require(e.gradientsPerSecond)
        #expect(abs(rate - Double(gradients) / perIteration) < 1e-6 * rate)
    }

    /// Sampling iterations cheaper than warmup ones: once sampling has run long enough, the time
    /// left and the rate come from sampling alone.
    @Test func samplingIsJudgedByItsOwnPace() throws {
        let warmup = 500, total = 1000, slow = 0.04, fast = 0.01
        var e = Self.steady(total: total, done: warmup, perIteration: slow, gradientsPerIteration: 40)
        let warmupEnd = Double(warmup) * slow
        var k = warmup
        var settledEarlier = false
        while k < warmup + 200 {
            k += 1
            e.observe(sampling: true, iterationsDone: k, gradients: warmup * 40 + (k - warmup) * 10,
                      seconds: warmupEnd + Double(k - warmup) * fast)
            // Before sampling settles, the whole run's pace stands in: slower than sampling's.
            if let left = e.secondsLeft, Double(k - warmup) * fast < ProgressEstimate.minimumSeconds {
                #expect(left > Double(total - k) * fast)
                settledEarlier = true
            }
        }
        #expect(settledEarlier)
        let left = try #require(e.secondsLeft)
        #expect(abs(left - Double(total - k) * fast) < 1e-6 * left)
        let rate = try #require(e.gradientsPerSecond)
        #expect(abs(rate - 10 / fast) < 1e-6 * rate)
    }

    @Test func lineShowsTheRateAndTimeLeftOnlyWhenKnown() {
        let known = ProgressReporter.line(sampling: true, iterationsDone: 30, total: 60, divergences: 2,
                                          gradientsPerSecond: 152_300, secondsLeft: 80)
        #expect(known.hasPrefix("sampling 30/60 (50%)  divergences 2"))
        #expect(known.contains("\(NumberFormat.si(152_300)) gradients/s") && known.hasSuffix("\(NumberFormat.duration(80)) left"))
        let unknown = ProgressReporter.line(sampling: false, iterationsDone: 1, total: 60, divergences: 0,
                                            gradientsPerSecond: nil, secondsLeft: nil)
        #expect(!unknown.contains("gradients/s") && !unknown.contains("left"))
    }
}
