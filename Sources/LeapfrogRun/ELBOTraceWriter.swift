import LeapfrogCore
import LeapfrogVariational
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `elbo.csv`, streamed while ADVI fits: one row per iteration,
///
///     iteration,elbo,elbo_mean,grad_norm,learning_rate,seconds[,elbo_1,…,elbo_K]
///
/// `elbo` is the leading restart's estimate at that iteration (what the report's ELBO figure
/// draws, `LeapfrogReport.ELBOTrace`), `elbo_mean` its mean over the current `eval_elbo` window,
/// `seconds` since the fit started; with K > 1 restarts, each restart's estimate follows. Flushed
/// every `flushRows` rows and at least every `flushSeconds`, so a fit that fails or is killed keeps
/// its trace up to then. Written in place (not `.partial`): a trace is useful however it ends.
final class ELBOTraceWriter {
    /// Flush after this many rows…
    static let flushRows = 100
    /// …or this many seconds, whichever comes first.
    static let flushSeconds = 1.0

    let path: String
    private var file: UnsafeMutablePointer<FILE>?
    private var pending = 0
    private var lastFlush = Clock.now()
    let start: Double

    init(path: String, restarts: Int, start: Double) throws {
        self.path = path
        self.start = start
        guard let f = fopen(path, "w") else {
            throw LeapfrogError(.io, "cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        file = f
        var header = "iteration,elbo,elbo_mean,grad_norm,learning_rate,seconds"
        if restarts > 1 { header += (1...restarts).map { ",elbo_\($0)" }.joined() }
        fputs(header + "\n", f)
        fflush(f)
    }

    func append(_ row: ADVI.Iteration) throws {
        guard let file else { return }
        var line = "\(row.iteration),\(Self.number(row.elbo)),\(Self.number(row.elboMean)),\(Self.number(row.gradientNorm)),"
            + "\(Self.number(row.learningRate)),\(Self.number(Clock.now() - start))"
        if row.restartELBOs.count > 1 { line += row.restartELBOs.map { "," + Self.number($0) }.joined() }
        guard fputs(line + "\n", file) >= 0 else {
            throw LeapfrogError(.io, "cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        pending += 1
        let now = Clock.now()
        if pending >= Self.flushRows || now - lastFlush >= Self.flushSeconds {
            fflush(file)
            pending = 0
            lastFlush = now
        }
    }

    /// Flushes and closes (safe to call twice).
    func close() {
        if let file { fclose(file) }
        file = nil
    }

    deinit { close() }

    /// Round-trip decimal; non-finite as `nan`, `inf`, `-inf` (what CSVTable reads).
    static func number(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return "\(x)"
    }
}
