import ArgumentParser
import Leapfrog

/// `leapfrog report RUN [--output DIR]`: the run's pictures as `report.html` (inline SVG, no
/// script, nothing fetched) and one `.svg` per picture. The work is `RunReport` (LeapfrogReport).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Draw a run's pictures into one self-contained report.html (and an .svg per picture).",
        discussion: "RUN is a run directory of `leapfrog sample --output DIR`, one posterior.nc, or Stan CSV files "
            + "(one per chain, CmdStan's own too). The report goes to DIR, by default report/ beside the draws.")

    @Argument(help: ArgumentHelp("A run directory, one posterior.nc, or Stan CSV files (one per chain).", valueName: "RUN"))
    var paths: [String]

    @Option(name: .shortAndLong, help: "Directory for report.html and the .svg files (created if needed; default: report/ beside the draws).")
    var output: String?

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("give a run directory, a posterior.nc or Stan CSV files") }
    }

    func run() throws {
        let written = try execute()
        print("wrote \(written[0]) and \(written.count - 1) pictures beside it")
    }

    /// Writes the report; the paths written, `report.html` first.
    func execute() throws -> [String] {
        for path in paths {
            if let reason = UnreadableFile.reason(path), !reason.contains("Is a directory") {
                throw LeapfrogError(.io, "cannot read '\(path)': \(reason); \(RunInput.readable)")
            }
        }
        return try RunReport.write(inputs: paths, to: output)
    }
}
