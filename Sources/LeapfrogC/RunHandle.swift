import Leapfrog
import LeapfrogCommands
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `int (*)(void *context, const char *phase, int64_t iteration, int64_t total, int64_t divergences, double elbo)`:
/// called after every iteration; a nonzero return stops the run (as Ctrl-C does).
public typealias ProgressFunction = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, Int64, Int64, Int64, Double) -> Int32
/// `void (*)(void *context, const char *message)`: the run's messages (banner, notes, fallbacks).
public typealias MessageFunction = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Void

/// What a `leapfrog_run *` points to: a sampling or variational run of one model with the CLI's
/// options, the caller's buffers and callbacks, a stop flag any thread may set, and, once it has
/// run, its outcome as JSON.
final class RunHandle: @unchecked Sendable {
    enum Method {
        case sample(EmbeddedOptions.Sample)
        case variational(EmbeddedOptions.Variational)
    }

    let model: ModelHandle
    let method: Method
    /// Chains, draws per chain and values per draw that the buffers are sized for.
    let chains: Int
    let draws: Int
    let drawSize: Int
    var values: UnsafeMutablePointer<Double>?
    var statistics: [BufferDrawWriter.Statistic: UnsafeMutableRawPointer] = [:]
    var progress: ProgressFunction?
    var message: MessageFunction?
    var context: UnsafeMutableRawPointer?
    private let state = Lock()
    private var stopRequested = false
    private var started = false
    private(set) var drawsWritten = 0
    private(set) var interrupted = false
    /// The outcome as JSON, once the run has returned.
    var cResult: UnsafeMutablePointer<CChar>? {
        didSet { free(oldValue) }
    }

    /// `arguments` that do not choose a back end, device or precision get the model's.
    init(model: ModelHandle, method: String, arguments given: [String]) throws {
        self.model = model
        let arguments = Self.withBackend(given, model.backendOptions)
        let schema: DrawSchema
        switch method {
        case "sample":
            let options = try EmbeddedOptions.sample(arguments, modelLabel: model.label)
            self.method = .sample(options)
            chains = options.configuration.sampler.chains
            draws = options.configuration.sampler.draws
            schema = SampleRun.drawSchema(model.bound, chains: chains, draws: draws)
        case "variational":
            let options = try EmbeddedOptions.variational(arguments, modelLabel: model.label)
            self.method = .variational(options)
            chains = 1
            draws = options.configuration.draws
            schema = SampleRun.drawSchema(model.bound, chains: 1, draws: draws)
        default:
            throw BoundaryError("unknown method '\(method)': use sample or variational")
        }
        drawSize = schema.flatCount
    }

    deinit { free(cResult) }

    /// `arguments` plus the model's `--backend`, `--device` and `--precision` where they name none.
    static func withBackend(_ arguments: [String], _ options: BackendOptions) -> [String] {
        func given(_ flag: String) -> Bool { arguments.contains { $0 == flag || $0.hasPrefix(flag + "=") } }
        var out = arguments
        if !given("--backend") { out += ["--backend", options.name] }
        if !given("--device"), let device = options.device { out += ["--device", device] }
        if !given("--precision") { out += ["--precision", options.precision.rawValue] }
        return out
    }

    /// Asks the run to stop before its next iteration; safe from any thread, also before it starts.
    func stop() { state.withLock { stopRequested = true } }

    var shouldStop: Bool { state.withLock { stopRequested } }

    /// Runs to the end, or until stopped; the draws so far stay in the buffers and files.
    func execute() throws {
        try state.withLock {
            guard !started else { throw BoundaryError("this run has already been executed: make a new run") }
            started = true
        }
        switch method {
        case .sample(let options): try sample(options)
        case .variational(let options): try variational(options)
        }
    }

    private func log(_ display: EmbeddedProgressDisplay) -> @Sendable (String) -> Void {
        { [self] line in
            display.message(line)
            line.withCString { message?(context, $0) }
        }
    }

    /// Calls the progress function; a nonzero return stops the run.
    private func report(_ phase: String, iteration: Int, total: Int, divergences: Int, elbo: Double) {
        guard let progress else { return }
        let stop = phase.withCString { progress(context, $0, Int64(iteration), Int64(total), Int64(divergences), elbo) }
        if stop != 0 { self.stop() }
    }

    private func sample(_ options: EmbeddedOptions.Sample) throws {
        let display = EmbeddedProgressDisplay(quiet: options.quiet)
        let run = try SampleRun(options.configuration)
        let writer = values == nil && statistics.isEmpty ? nil
            : BufferDrawWriter(schema: SampleRun.drawSchema(model.bound, chains: chains, draws: draws),
                               values: values, statistics: statistics)
        let result = try run.sample(model.instance, log: log(display), progress: { [self] p in
            display.sampling(p)
            report(p.phase == .sampling ? "sampling" : "warmup", iteration: p.iteration + 1, total: p.totalIterations,
                   divergences: p.divergences, elbo: .nan)
        }, shouldStop: { [self] in shouldStop }, observer: writer)
        drawsWritten = result.draws
        interrupted = result.interrupted
        cResult = strdup(try JSON.encode(SampleOutcome(result)))
    }

    private func variational(_ options: EmbeddedOptions.Variational) throws {
        let display = EmbeddedProgressDisplay(quiet: options.quiet)
        defer { display.variationalDone() }
        let run = try VariationalRun(options.configuration)
        let total = options.iterations
        let outcome = try run.fit(model.instance, log: log(display), progress: { [self] row in
            display.variational(iteration: row.iteration, total: total, elboMean: row.elboMean)
            report("variational", iteration: row.iteration, total: total, divergences: 0, elbo: row.elboMean)
        }, shouldStop: { [self] in shouldStop })
        drawsWritten = outcome.draws
        interrupted = outcome.fit.interrupted
        cResult = strdup(try JSON.encode(VariationalOutcome(outcome, parameterNames: model.parameterNames)))
    }
}
