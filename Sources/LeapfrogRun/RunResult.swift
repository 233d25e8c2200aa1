import LeapfrogCore
import LeapfrogDiagnostics
import LeapfrogOutput
import LeapfrogSampling

/// What a sampling run produced: the summary table's rows, the warnings, the sampler's own
/// figures and where the files went.
public struct RunResult: Sendable {
    /// `lp__` then every element of every parameter and derived quantity (empty without draws).
    public var summaries: [ParameterSummary]
    public var warnings: DiagnosticWarnings
    public var result: SamplingResult
    /// Draws per chain written (fewer than asked when interrupted).
    public var draws: Int
    public var chains: Int
    /// Wall-clock seconds from the first iteration to the last.
    public var seconds: Double
    /// The back-end line.
    public var backend: String
    /// `summary.json`, when the run had an output directory.
    public var summaryFile: String?
    /// `report.html`, when the run was asked for a report.
    public var reportFile: String?
    /// What the precision option asked, ran and checked.
    public var precision: RunSummary.PrecisionFigures
    /// What finding the starting points cost (`--init pathfinder`; nil for drawn starts).
    public var initialisation: RunSummary.InitialisationFigures? = nil

    public init(summaries: [ParameterSummary], warnings: DiagnosticWarnings, result: SamplingResult, draws: Int,
                chains: Int, seconds: Double, backend: String, summaryFile: String?, reportFile: String? = nil,
                precision: RunSummary.PrecisionFigures) {
        self.summaries = summaries
        self.warnings = warnings
        self.result = result
        self.draws = draws
        self.chains = chains
        self.seconds = seconds
        self.backend = backend
        self.summaryFile = summaryFile
        self.reportFile = reportFile
        self.precision = precision
    }

    public var interrupted: Bool { result.interrupted }

    /// The figures line under the table: chains, draws, time, back end, gradient evaluations.
    public var figuresLine: String {
        let needed = result.gradientEvaluations.reduce(0, +)
        return "\(chains) chains × \(draws) draws in \(NumberFormat.fixed(seconds, decimals: 1)) s on \(backend); "
            + "gradient evaluations: \(needed) needed by the chains, \(result.lockstepEvaluations * chains) spent in lockstep "
            + "(\(result.lockstepEvaluations) batched calls)"
    }

    /// A line when precision mattered (printed even with `--quiet`, which hides the live message).
    public var precisionLine: String? { Self.precisionLine(precision) }

    /// The line for `p`: a switch to f64, or f32 checks that failed while the run kept f32; nil
    /// when precision did not matter.
    public static func precisionLine(_ p: RunSummary.PrecisionFigures) -> String? {
        if let stage = p.switchedAt { return "precision: f32 was off at \(stage); the run switched to \(p.ran) there" }
        let failed = p.checks.filter { !$0.passed }.count
        guard failed > 0 else { return nil }
        return "warning: f32 failed \(failed) of \(p.checks.count) precision checks against f64 and the run kept f32 "
            + "(--precision \(p.requested)); the posterior may be wrong: use --precision auto or f64"
    }
}
