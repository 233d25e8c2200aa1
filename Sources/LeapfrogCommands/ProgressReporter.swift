import Leapfrog
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress on stderr: phase, iteration, percentage, divergences, gradients per second and time
/// left. Redrawn in place on a terminal; a line every few seconds otherwise; silent when quiet.
final class ProgressReporter {
    let quiet: Bool
    let interactive: Bool
    let start = Clock.now()
    var lastPrint = -1.0
    /// Seconds between lines when stderr is not a terminal.
    static let lineInterval = 5.0

    init(quiet: Bool) {
        self.quiet = quiet
        interactive = isatty(STDERR_FILENO) != 0
    }

    func report(_ p: SamplingProgress) {
        guard !quiet else { return }
        let now = Clock.now() - start
        let done = p.iteration + 1 >= p.totalIterations
        guard done || now - lastPrint >= (interactive ? 0.2 : Self.lineInterval) else { return }
        lastPrint = now
        let fraction = Double(p.iteration + 1) / Double(max(p.totalIterations, 1))
        let rate = Double(p.lockstepEvaluations) / max(now, 1e-9)
        let left = fraction > 0 ? now * (1 - fraction) / fraction : 0
        let line = "\(p.phase == .sampling ? "sampling" : "warmup  ") \(p.iteration + 1)/\(p.totalIterations) "
            + "(\(Int(fraction * 100))%)  divergences \(p.divergences)  "
            + "\(Format.si(rate)) gradients/s  \(Format.duration(left)) left"
        if interactive {
            fputs("\r\u{1B}[2K" + line + (done ? "\n" : ""), stderr)
        } else {
            fputs(line + "\n", stderr)
        }
    }

    func message(_ s: String) {
        guard !quiet else { return }
        fputs(s + "\n", stderr)
    }
}

/// Wall-clock seconds.
enum Clock {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

enum Format {
    /// 1.2e5 → "120k".
    static func si(_ x: Double) -> String {
        let units: [(Double, String)] = [(1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (scale, suffix) in units where x >= scale { return fixed(x / scale, 1) + suffix }
        return fixed(x, 0)
    }

    static func fixed(_ x: Double, _ digits: Int) -> String {
        var s = String(format: x, digits: digits)
        if s == "-0" { s = "0" }
        return s
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : t >= 60 ? "\(t / 60)m\(t % 60)s" : "\(t)s"
    }
}

extension String {
    /// Fixed-point formatting without Foundation.
    init(format x: Double, digits: Int) {
        guard x.isFinite else { self = "\(x)"; return }
        let scale = (0..<digits).reduce(1.0) { r, _ in r * 10 }
        let r = (abs(x) * scale).rounded()
        let whole = Int(r / scale)
        let frac = Int(r - Double(whole) * scale)
        var s = (x < 0 && r != 0 ? "-" : "") + String(whole)
        if digits > 0 {
            let f = String(frac)
            s += "." + String(repeating: "0", count: digits - f.count) + f
        }
        self = s
    }
}
