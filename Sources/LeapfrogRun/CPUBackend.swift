import LeapfrogCore
import LeapfrogModel
import LeapfrogReference

/// The CPU reference: `ReferenceModel`, reverse-mode AD in Double on the host. Always available.
public struct CPUBackend: Backend {
    public init() {}
    public var name: String { "cpu" }
    public var displayName: String { "the CPU reference" }
    public var summary: String { "the reference path on the host (f64)" }

    public func deviceListing() throws -> String { "  the host: reverse-mode AD over the model graph in Double, one range of chains per core" }

    public func make(_ bound: BoundModel, options: BackendOptions,
                     log: @escaping @Sendable (String) -> Void) throws -> SelectedBackend {
        SelectedBackend(density: ReferenceModel(bound), description: "cpu (reference, f64)")
    }
}
