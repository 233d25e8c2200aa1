/// Stan's convergence rule for ADVI (Stan Reference Manual, "Variational inference"; CmdStan
/// `variational` arguments `tol_rel_obj` = 0.01 and `eval_elbo` = 100; `stan::variational::advi`):
/// every `eval_elbo` iterations the ELBO is estimated, its relative change
/// δ = |ELBO_before − ELBO_now| / |ELBO_now| goes into a circular buffer of the last
/// max(0.1 · max_iterations / eval_elbo, 1) values (truncated to an integer), and the fit has
/// converged when the mean or the median (Stan's: the element ⌊n/2⌋ of the sorted buffer) falls
/// below `tol_rel_obj`. When, past iteration 100, the mean or median is above 0.5, Stan warns that
/// the fit may be diverging.
///
/// Two deviations: Stan's first check compares with a previous ELBO of `DBL_MIN` and so pushes a
/// δ ≈ 1 that means nothing; here the first check only records the ELBO. And the change is
/// relative to max(|ELBO_now|, 1): an ELBO near 0 (a normalised target fitted well has ELBO ≈
/// log Z = 0) made Stan's δ the estimate's noise over nearly nothing, so such a fit never
/// converged and was warned "may be diverging"; below 1 nat the change counts as absolute.
///
/// Leapfrog's ELBO estimate at a check is the mean of the per-iteration estimates over the window
/// since the previous check (`eval_elbo` iterations × M draws), instead of Stan's separate
/// `elbo_samples` = 100 draws: it costs no extra evaluation and averages more draws.
public struct RelativeELBOConvergence: Sendable, Hashable {
    /// Stan's `tol_rel_obj` default.
    public static let defaultTolerance = 0.01
    /// Stan's `eval_elbo` default.
    public static let defaultEvaluationInterval = 100
    /// Stan's "may be diverging" threshold on the mean or median relative change.
    public static let divergingThreshold = 0.5

    public let tolerance: Double
    public let bufferSize: Int
    public private(set) var changes: [Double] = []
    public private(set) var previous: Double?
    public private(set) var checks = 0

    public let evaluationInterval: Int

    public init(tolerance: Double, maxIterations: Int, evaluationInterval: Int) {
        self.tolerance = tolerance
        self.evaluationInterval = evaluationInterval
        bufferSize = Int(max(0.1 * Double(maxIterations) / Double(evaluationInterval), 1))
    }

    public enum Verdict: Sendable, Hashable {
        case running
        case meanConverged
        case medianConverged
    }

    /// Records the ELBO estimate of one check and says whether the fit has converged.
    public mutating func record(_ elbo: Double) -> Verdict {
        checks += 1
        defer { previous = elbo }
        guard let previous else { return .running }
        changes.append(abs(previous - elbo) / max(abs(elbo), 1))
        if changes.count > bufferSize { changes.removeFirst() }
        if meanChange < tolerance { return .meanConverged }
        if medianChange < tolerance { return .medianConverged }
        return .running
    }

    public var meanChange: Double { changes.isEmpty ? .infinity : changes.reduce(0, +) / Double(changes.count) }

    public var medianChange: Double {
        guard !changes.isEmpty else { return .infinity }
        return changes.sorted()[changes.count / 2]
    }

    /// Stan's iteration past which the diverging warning applies.
    public static let divergingAfterIteration = 100

    /// Stan's warning condition: past iteration 100, mean or median relative change above 0.5.
    public var mayBeDiverging: Bool {
        checks * evaluationInterval > Self.divergingAfterIteration
            && (meanChange > Self.divergingThreshold || medianChange > Self.divergingThreshold)
    }
}
