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
        if let rate = gradientsPerSecond { line += "  \(Format.si(rate)) gradients/s" }
        if let left = secondsLeft { line += "  \(Format.duration(left)) left" }
        return line
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

    /// Bytes in binary units, three significant figures: 1.5e11 → "140 GiB", 2.29e10 → "21.3 GiB".
    static func bytes(_ x: Double) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = x, unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return (unit == 0 || value >= 100 ? fixed(value, 0) : value >= 10 ? fixed(value, 1) : fixed(value, 2)) + " " + units[unit]
    }

    /// An integer with thousands separators: 14900000 → "14,900,000".
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (k, ch) in digits.enumerated() {
            if k > 0 && (digits.count - k) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
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
