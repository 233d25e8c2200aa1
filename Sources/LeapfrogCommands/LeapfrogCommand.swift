import ArgumentParser
import Leapfrog

/// `leapfrog`: many-chain Hamiltonian Monte Carlo.
public struct LeapfrogCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "leapfrog",
        abstract: "Hamiltonian Monte Carlo for many chains at once.",
        version: SampleRun.libraryVersion,
        subcommands: [SampleCommand.self, VariationalCommand.self, PathfinderCommand.self, DiagnoseCommand.self, ReportCommand.self, EvalCommand.self, ModelsCommand.self, DevicesCommand.self, BenchCommand.self]
    )
    public init() {}
}

extension LeapfrogCommand {
}
