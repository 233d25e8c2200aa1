import ArgumentParser
import Leapfrog

/// `leapfrog devices`: every registered back end and its devices, with the index `--device`
/// takes. A back end that cannot run here says why (and what to install) and the command exits
/// non-zero, after listing the others.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "List the back ends and their devices (OpenCL platforms and devices; the CPU reference).")

    func run() throws {
        var failure: Error?
        for backend in BackendRegistry.standard.backends {
            print("\(backend.name): \(backend.summary)")
            do {
                print(try backend.deviceListing())
            } catch {
                print("  not available here (see below)")
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
    }
}
