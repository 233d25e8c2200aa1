/// The run configuration a Stan CSV file starts with, printed as CmdStan prints its
/// arguments: `# key = value` lines, nested by indentation (CmdStan guide, "Stan CSV file
/// format", "CmdStan configuration"):
///
///     # model = eight_schools
///     # start_datetime = 2024-05-01 12:00:00 UTC
///     # method = sample
///     #   sample
///     #     num_samples = 1000
///     #     …
///     # random
///     #   seed = 1234
///
/// Draws from a fitted approximation (ADVI, Pathfinder) are written as CmdStan writes draws no
/// sampler moved: `method = sample` with `algorithm = fixed_param` and the statistic columns
/// `lp__, accept_stat__` (CmdStanPy and ArviZ read them as plain draws; CmdStan's own
/// `variational` and `pathfinder` files have another layout, a mean row first and `log_p__`,
/// `log_g__` columns, which readers would misread here), the method and its settings as
/// `leapfrog_method` and `leapfrog_<method>_<setting>` lines; no sampler columns of zeros that
/// readers would take for a NUTS run's. CmdStan's `(Default)` marks are not written. `stan_version_*` lines are not written either:
/// the file does not come from Stan. Leapfrog's own settings go at the end, as `extra` lines.
public struct StanCSVConfiguration: Sendable, Hashable {
    /// CmdStan's sampler engines: NUTS with a maximum tree depth, or static HMC with an
    /// integration time (used for fixed-trajectory samplers such as ChEES-HMC).
    public enum Engine: Sendable, Hashable {
        case nuts(maxDepth: Int)
        case `static`(integrationTime: Double)
    }

    /// MCMC (`sample`, the default), or draws from a fitted approximation (`variational`,
    /// `pathfinder`) with that method's settings (written as `fixed_param` draws, above).
    public enum Method: Sendable, Hashable {
        case sample
        case fitted(name: String, settings: [Setting])
    }

    public struct Setting: Sendable, Hashable {
        public var key: String
        public var value: String
        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    public var method = Method.sample

    /// The statistic columns before the parameters: Stan's sampler columns, or CmdStan's
    /// `fixed_param` columns for a fitted approximation's draws.
    public var statisticColumns: [String] {
        if case .fitted = method { return Self.fixedParameterColumns }
        return Self.samplerColumns
    }

    public static let fixedParameterColumns = ["lp__", "accept_stat__"]

    public static let samplerColumns = ["lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__"]

    public var model: String
    public var numSamples: Int
    public var numWarmup: Int
    public var thin = 1
    public var seed: UInt64
    public var engine: Engine = .nuts(maxDepth: 10)
    /// `diag_e`, `dense_e` or `unit_e`.
    public var metric = "diag_e"
    public var adaptEngaged = true
    public var delta = 0.8
    public var gamma = 0.05
    public var kappa = 0.75
    public var t0 = 10.0
    public var initBuffer = 75
    public var termBuffer = 50
    public var window = 25
    /// Initial step size.
    public var stepSize = 1.0
    public var stepSizeJitter = 0.0
    /// CmdStan's `init`: a radius (`"2"`) or a file.
    public var initialization = "2"
    public var dataFile = ""
    /// More `key = value` lines, written after CmdStan's, e.g. `("leapfrog_backend", "opencl")`.
    public var extra: [(key: String, value: String)] = []

    public init(model: String, numSamples: Int, numWarmup: Int, seed: UInt64) {
        self.model = model
        self.numSamples = numSamples
        self.numWarmup = numWarmup
        self.seed = seed
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.commentLines(chainID: 1, outputFile: "", startedAt: "") == b.commentLines(chainID: 1, outputFile: "", startedAt: "")
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(commentLines(chainID: 1, outputFile: "", startedAt: ""))
    }

    /// The comment lines (with `# `) for the file of chain `chainID` (1-based).
    func commentLines(chainID: Int, outputFile: String, startedAt: String) -> [String] {
        var lines: [(Int, String)] = [
            (0, "model = \(model)"),
            (0, "start_datetime = \(startedAt)"),
        ]
        lines += samplerLines
        lines += [
            (0, "id = \(chainID)"),
            (0, "data"),
            (1, "file = \(dataFile)"),
            (0, "init = \(initialization)"),
            (0, "random"),
            (1, "seed = \(seed)"),
            (0, "output"),
            (1, "file = \(outputFile)"),
            (1, "diagnostic_file = "),
            (1, "refresh = 100"),
            (1, "sig_figs = \(StanNumber.significantDigits)"),
        ]
        lines += extra.map { (0, "\($0.key) = \($0.value)") }
        if case .fitted(let name, let settings) = method {
            lines += settings.map { (0, "leapfrog_\(name)_\($0.key) = \($0.value)") }
        }
        return lines.map { "# " + String(repeating: "  ", count: $0.0) + $0.1 }
    }

    /// `method = sample` and its settings, as CmdStan's `sample` method prints them.
    private var samplerLines: [(Int, String)] {
        let n = StanNumber.format
        var lines: [(Int, String)] = [
            (0, "method = sample"),
            (1, "sample"),
            (2, "num_samples = \(numSamples)"),
            (2, "num_warmup = \(numWarmup)"),
            (2, "save_warmup = 0"),
            (2, "thin = \(thin)"),
            (2, "adapt"),
            (3, "engaged = \(adaptEngaged ? 1 : 0)"),
            (3, "gamma = \(n(gamma))"),
            (3, "delta = \(n(delta))"),
            (3, "kappa = \(n(kappa))"),
            (3, "t0 = \(n(t0))"),
            (3, "init_buffer = \(initBuffer)"),
            (3, "term_buffer = \(termBuffer)"),
            (3, "window = \(window)"),
            (3, "save_metric = 0"),
        ]
        if case .fitted = method {
            lines.append((2, "algorithm = fixed_param"))
            lines.append((2, "num_chains = 1"))
            return lines
        }
        lines += [(2, "algorithm = hmc"), (3, "hmc")]
        switch engine {
        case .nuts(let maxDepth):
            lines += [(4, "engine = nuts"), (5, "nuts"), (6, "max_depth = \(maxDepth)")]
        case .static(let time):
            lines += [(4, "engine = static"), (5, "static"), (6, "int_time = \(n(time))")]
        }
        lines += [
            (4, "metric = \(metric)"),
            (4, "metric_file = "),
            (4, "stepsize = \(n(stepSize))"),
            (4, "stepsize_jitter = \(n(stepSizeJitter))"),
            (2, "num_chains = 1"),
        ]
        return lines
    }
}
