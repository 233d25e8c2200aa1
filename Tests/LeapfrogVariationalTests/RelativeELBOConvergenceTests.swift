import Testing
@testable import LeapfrogVariational

/// Stan's relative-ELBO rule: buffer size max(0.1·iter/eval_elbo, 1), mean or median below tol.
@Suite struct RelativeELBOConvergenceTests {
    @Test func bufferSizeIsStans() {
        #expect(RelativeELBOConvergence(tolerance: 0.01, maxIterations: 10_000, evaluationInterval: 100).bufferSize == 10)
        #expect(RelativeELBOConvergence(tolerance: 0.01, maxIterations: 500, evaluationInterval: 100).bufferSize == 1)
    }

    @Test func runsWhileTheChangeIsLarge() {
        var rule = RelativeELBOConvergence(tolerance: 0.01, maxIterations: 10_000, evaluationInterval: 100)
        #expect(rule.record(-100) == .running)   // nothing to compare with yet
        #expect(rule.record(-50) == .running)    // δ = 1
        #expect(rule.record(-49) == .running)    // δ ≈ 0.02: mean 0.51, median (upper) 1
        #expect(rule.changes.count == 2 && abs(rule.changes[0] - 1) < 1e-12)
    }

    @Test func medianConvergesBeforeTheMeanAfterAnOutlier() {
        var rule = RelativeELBOConvergence(tolerance: 0.01, maxIterations: 10_000, evaluationInterval: 100)
        _ = rule.record(-100)
        _ = rule.record(-50)                     // δ = 1
        _ = rule.record(-50.1)                   // δ ≈ 0.002
        let v = rule.record(-50.1)               // δ = 0: buffer (1, 0.002, 0): median 0.002, mean 0.33
        #expect(v == .medianConverged)
        #expect(abs(rule.meanChange - (1 + 0.1 / 50.1) / 3) < 1e-12)
    }

    @Test func meanConvergesWhenEveryChangeIsSmall() {
        var rule = RelativeELBOConvergence(tolerance: 0.01, maxIterations: 10_000, evaluationInterval: 100)
        _ = rule.record(-100)
        #expect(rule.record(-100.5) == .meanConverged)
    }

    /// Near 0 (a normalised target fitted well: ELBO ≈ log Z = 0) the change is absolute, not
    /// noise over nearly nothing: ±0.003 is converged, and never "diverging" (it was δ = 2).
    @Test func anELBONearZeroChangesAbsolutely() {
        var rule = RelativeELBOConvergence(tolerance: 0.01, maxIterations: 10_000, evaluationInterval: 100)
        _ = rule.record(0.003)
        #expect(rule.record(-0.003) == .meanConverged)
        #expect(abs(rule.changes[0] - 0.006) < 1e-15 && !rule.mayBeDiverging)
    }

    @Test func divergingPastIterationHundred() {
        var rule = RelativeELBOConvergence(tolerance: 0.01, maxIterations: 10_000, evaluationInterval: 100)
        _ = rule.record(-10)
        #expect(!rule.mayBeDiverging)            // iteration 100: too early
        _ = rule.record(-100)                    // δ = 0.9
        #expect(rule.mayBeDiverging)
    }
}
