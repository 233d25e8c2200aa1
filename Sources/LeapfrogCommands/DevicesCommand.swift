import ArgumentParser
import Leapfrog

/// `leapfrog devices`: OpenCL platforms and devices, with the index `--device` takes.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "List OpenCL platforms and devices.")

    func run() throws {
        print(try OpenCLBackend().deviceListing())
    }
}
