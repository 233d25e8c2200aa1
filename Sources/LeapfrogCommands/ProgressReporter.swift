import Leapfrog
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress on stderr: phase, iteration, percentage, divergences, gradient evaluations per second
/// (summed over chains) and, once it can be trusted, the time left (`ProgressEstimate`). Redrawn
/// in place on a terminal; a line every few seconds otherwise; silent when quiet.
final class ProgressReporter {
    let quiet: Bool
    let interactive: Bool
    let start = Clock.now()
    var lastPrint = -1.0
    private var estimate: ProgressEstimate?
    /// Seconds between lines when stderr is not a terminal.
    static let lineInterval = 5.0

    init(quiet: Bool) {
        self.quiet = quiet
        interactive = isatty(STDERR_FILENO) != 0
    }

    func report(_ p: SamplingProgress) {
        guard !quiet else { return }
        let now = Clock.now() - start
        var estimate = self.estimate ?? ProgressEstimate(totalIterations: p.totalIterations, startSeconds: 0)
        estimate.observe(sampling: p.phase == .sampling, iterationsDone: p.iteration + 1,
                         gradients: p.gradientEvaluations, seconds: now)
        self.estimate = estimate
        let done = p.iteration + 1 >= p.totalIterations
        guard done || now - lastPrint >= (interactive ? 0.2 : Self.lineInterval) else { return }
        lastPrint = now
        let line = Self.line(sampling: p.phase == .sampling, iterationsDone: p.iteration + 1, total: p.totalIterations,
                             divergences: p.divergences, gradientsPerSecond: estimate.gradientsPerSecond,
                             secondsLeft: done ? nil : estimate.secondsLeft)
        if interactive {
            fputs("\r\u{1B}[2K" + line + (done ? "\n" : ""), stderr)
        } else {
            fputs(line + "\n", stderr)
        }
    }

    /// One progress line: `warmup   150/2000 (7%)  divergences 0  152.3k gradients/s  1m20s left`;
    /// the rate and the time left are left out when unknown.
    static func line(sampling: Bool, iterationsDone: Int, total: Int, divergences: Int,
                     gradientsPerSecond: Double?, secondsLeft: Double?) -> String {
        let percent = Int(Double(iterationsDone) / Double(max(total, 1)) * 100)
        var line = "\(sampling ? "sampling" : "warmup  ") \(iterationsDone)/\(total) (\(percent)%)  divergences \(divergences)"
        if let rate = gradientsPerSecond { line += "  \(NumberFormat.si(rate)) gradients/s" }
        if let left = secondsLeft { line += "  \(NumberFormat.duration(left)) left" }
        return line
    }

    func message(_ s: String) {
        guard !quiet else { return }
        fputs(s + "\n", stderr)
    }
}
