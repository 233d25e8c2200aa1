import Leapfrog

/// The rate and time left that the progress line shows, from the iterations and gradient
/// evaluations observed so far: a value fed one observation per iteration, with no clock of its own.
///
/// - The rate is gradient evaluations per second (summed over chains, as `bench throughput`
///   counts them) over the current phase.
/// - Time left is the iterations still to come at the current phase's seconds per iteration
///   (warmup iterations can cost more than sampling ones, so sampling is not judged by warmup).
///   There is none until the estimate can be trusted: the phase has run at least
///   `minimumFraction` of the run's iterations and `minimumSeconds`. Until the sampling phase gets
///   there, the whole run's pace stands in, once the run itself has.
struct ProgressEstimate {
    /// Share of all iterations a phase must have run before its pace predicts the rest.
    static let minimumFraction = 0.02
    /// Seconds a phase must have run before its pace predicts the rest.
    static let minimumSeconds = 1.0

    /// Where a phase (or the run) began: seconds, iterations done and gradients made by then.
    struct Mark {
        var seconds: Double
        var iterations: Int
        var gradients: Int
    }

    let totalIterations: Int
    let run: Mark
    private(set) var phase: Mark
    private(set) var sampling = false
    private(set) var last: Mark

    /// A run of `totalIterations` iterations that started at `seconds`.
    init(totalIterations: Int, startSeconds seconds: Double) {
        self.totalIterations = max(totalIterations, 1)
        run = Mark(seconds: seconds, iterations: 0, gradients: 0)
        phase = run
        last = run
    }

    /// Records that `iterationsDone` iterations (warmup and sampling together) are complete at
    /// `seconds`, with `gradients` gradient evaluations made so far over all chains. The first
    /// sampling observation starts the sampling phase at the previous observation.
    mutating func observe(sampling isSampling: Bool, iterationsDone: Int, gradients: Int, seconds: Double) {
        if isSampling && !sampling {
            sampling = true
            phase = last
        }
        last = Mark(seconds: seconds, iterations: iterationsDone, gradients: gradients)
    }

    /// Gradient evaluations per second over the current phase (`nil` before any time has passed).
    var gradientsPerSecond: Double? {
        let seconds = last.seconds - phase.seconds
        guard seconds > 0 else { return nil }
        return Double(last.gradients - phase.gradients) / seconds
    }

    /// Seconds until the last iteration, or `nil` while no estimate can be trusted.
    var secondsLeft: Double? {
        let left = totalIterations - last.iterations
        guard left > 0 else { return 0 }
        for mark in [phase, run] where isSettled(since: mark) {
            return Double(left) * (last.seconds - mark.seconds) / Double(last.iterations - mark.iterations)
        }
        return nil
    }

    /// Whether the pace since `mark` rests on enough iterations and enough time.
    private func isSettled(since mark: Mark) -> Bool {
        let iterations = last.iterations - mark.iterations
        return iterations > 0
            && Double(iterations) >= Self.minimumFraction * Double(totalIterations)
            && last.seconds - mark.seconds >= Self.minimumSeconds
    }
}
