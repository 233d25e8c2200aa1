import Leapfrog
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ProgressReporter {
    /// `pathfinder round 41  paths running 3/4  iterations 38  best ELBO -123.4  5.2k gradients`, at
    /// the pace of the sampling lines.
    func pathfinder(_ round: Pathfinder.Round) {
        guard !quiet else { return }
        let now = Clock.now() - start
        guard now - lastPrint >= (interactive ? 0.2 : Self.lineInterval) else { return }
        lastPrint = now
        let best = round.bestELBOs.max() ?? -.infinity
        let line = "pathfinder round \(round.round)  paths running \(round.runningPaths)/\(round.bestELBOs.count)  "
            + "iterations \(round.iterations.max() ?? 0)  best ELBO \(best.isFinite ? NumberFormat.significant(best, digits: 6) : "–")  "
            + "\(round.gradientEvaluations) gradients"
        fputs(interactive ? "\r\u{1B}[2K" + line : line + "\n", stderr)
    }
}
