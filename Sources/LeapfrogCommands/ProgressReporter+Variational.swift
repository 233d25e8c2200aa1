import Leapfrog
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ProgressReporter {
    /// `advi   1200/10000  ELBO -123.4  8.1k gradients/s`, at the pace of the sampling lines.
    func variational(iteration: Int, total: Int, elboMean: Double) {
        guard !quiet else { return }
        let now = Clock.now() - start
        guard now - lastPrint >= (interactive ? 0.2 : Self.lineInterval) else { return }
        lastPrint = now
        let line = "advi \(iteration)/\(total)  ELBO \(NumberFormat.significant(elboMean, digits: 6))"
        fputs(interactive ? "\r\u{1B}[2K" + line : line + "\n", stderr)
    }
}

extension ProgressReporter {
    /// Ends the redrawn progress line on a terminal.
    func variationalDone() {
        guard !quiet, interactive, lastPrint >= 0 else { return }
        fputs("\n", stderr)
    }
}
