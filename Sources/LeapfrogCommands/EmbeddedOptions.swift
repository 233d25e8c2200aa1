import ArgumentParser
import Leapfrog

/// The CLI's `sample` and `variational` options for programs that embed Leapfrog (the C ABI, and
/// through it the Python package): the same flags, defaults, checks and messages as the commands,
/// without the model argument (the embedder has compiled the model already).
///
///     let options = try EmbeddedOptions.sample(["--chains", "8", "--seed", "3"])
///     let result = try SampleRun(options.configuration).sample(instance)
public enum EmbeddedOptions {
    /// A sampling run's configuration and whether its progress display is off (`--quiet`).
    public struct Sample {
        public var configuration: RunConfiguration
        public var quiet: Bool
    }

    /// A variational run's configuration, its iteration limit (for progress) and `--quiet`.
    public struct Variational {
        public var configuration: VariationalConfiguration
        public var iterations: Int
        public var quiet: Bool
    }

    /// `arguments` as `leapfrog sample MODEL` takes them after the model (`--chains 8 --output
    /// runs/x --csv`). Errors are `.configuration` errors with the CLI's message.
    public static func sample(_ arguments: [String], modelLabel: String? = nil) throws -> Sample {
        let command: SampleCommand = try parse(SampleCommand.self, arguments)
        var configuration = command.runConfiguration()
        configuration.modelLabel = modelLabel
        configuration.dataPath = nil
        configuration.modelOptions = []
        return Sample(configuration: configuration, quiet: command.quiet)
    }

    /// `arguments` as `leapfrog variational MODEL` takes them after the model.
    public static func variational(_ arguments: [String], modelLabel: String? = nil) throws -> Variational {
        let command: VariationalCommand = try parse(VariationalCommand.self, arguments)
        var configuration = command.runConfiguration()
        configuration.modelLabel = modelLabel
        configuration.dataPath = nil
        configuration.modelOptions = []
        return Variational(configuration: configuration, iterations: command.iterations, quiet: command.quiet)
    }

    /// The flags that choose a model or its data belong to the embedder's model, not to a run.
    static let modelFlags = ["--data", "--model-option"]

    private static func parse<C: ParsableCommand>(_ type: C.Type, _ arguments: [String]) throws -> C {
        if let flag = arguments.first(where: { a in modelFlags.contains { a == $0 || a.hasPrefix($0 + "=") } }) {
            throw LeapfrogError(.configuration, "\(flag) belongs to the model, not to a run: pass data and model options when compiling the model")
        }
        do {
            return try C.parse(["model"] + arguments)
        } catch let error as LeapfrogError {
            throw error
        } catch {
            let message = C.message(for: error)
            throw LeapfrogError(.configuration, message.isEmpty ? "\(error)" : message)
        }
    }
}

/// The CLI's progress display on stderr (redrawn on a terminal, a line every few seconds
/// otherwise), for embedders that want what `leapfrog sample` shows.
public final class EmbeddedProgressDisplay: @unchecked Sendable {
    private let reporter: ProgressReporter

    public init(quiet: Bool) { reporter = ProgressReporter(quiet: quiet) }

    /// A message line (the banner, notes, fallbacks).
    public func message(_ line: String) { reporter.message(line) }

    /// After every sampling iteration.
    public func sampling(_ progress: SamplingProgress) { reporter.report(progress) }

    /// After every variational iteration.
    public func variational(iteration: Int, total: Int, elboMean: Double) {
        reporter.variational(iteration: iteration, total: total, elboMean: elboMean)
    }

    /// Ends a variational progress line.
    public func variationalDone() { reporter.variationalDone() }
}
