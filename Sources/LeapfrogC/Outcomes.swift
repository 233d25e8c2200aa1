import Leapfrog

/// A sampling run's outcome as `leapfrog_run_result_json` returns it (snake_case keys).
struct SampleOutcome: Encodable {
    var method = "sample"
    var chains: Int
    var draws: Int
    var interrupted: Bool
    var seconds: Double
    var backend: String
    /// The figures line the CLI prints under its table.
    var figures: String
    var precision: String
    var precision_line: String?
    var warnings: [String]
    var summary_file: String?
    var report_file: String?
    /// Gradient evaluations the chains needed, and the batched calls made.
    var gradient_evaluations: Int
    var batched_calls: Int
    /// The adapted step size of every chain.
    var step_sizes: [Double]
    /// `lp__` then every element: mean, sd, quantiles, MCSE, ESS, R-hat.
    var summaries: [ParameterSummary]

    init(_ r: RunResult) {
        chains = r.chains
        draws = r.draws
        interrupted = r.interrupted
        seconds = r.seconds
        backend = r.backend
        figures = r.figuresLine
        precision = r.precision.ran
        precision_line = r.precisionLine
        warnings = r.warnings.warnings.map(\.message)
        summary_file = r.summaryFile
        report_file = r.reportFile
        gradient_evaluations = r.result.gradientEvaluations.reduce(0, +)
        batched_calls = r.result.lockstepEvaluations
        step_sizes = r.result.adaptation.stepSizes
        summaries = r.summaries
    }
}

/// A variational run's outcome as `leapfrog_run_result_json` returns it.
struct VariationalOutcome: Encodable {
    var method = "variational"
    var algorithm: String
    var draws: Int
    var interrupted: Bool
    var converged: Bool
    var reason: String
    var iterations: Int
    var elbo: Double
    var pareto_k: Double
    var fit_seconds: Double
    var draw_seconds: Double
    var backend: String
    var figures: String
    var warnings: [String]
    var files: [String]
    /// The fitted Gaussian on the unconstrained scale: its mean and standard deviations, named
    /// by `parameter_names`.
    var parameter_names: [String]
    var mean: [Double]
    var sd: [Double]
    var summaries: [ParameterSummary]

    init(_ o: VariationalRun.Outcome, parameterNames: [String]) {
        algorithm = o.fit.family.kind.rawValue
        draws = o.draws
        interrupted = o.fit.interrupted
        converged = o.fit.converged
        reason = o.fit.reason
        iterations = o.fit.iterations
        elbo = o.elbo
        pareto_k = o.paretoK
        fit_seconds = o.fitSeconds
        draw_seconds = o.drawSeconds
        backend = o.backend
        figures = o.figuresLine
        warnings = o.warnings
        files = o.files
        parameter_names = parameterNames
        mean = o.fit.family.mean
        sd = o.fit.family.standardDeviations
        summaries = o.summaries
    }
}
