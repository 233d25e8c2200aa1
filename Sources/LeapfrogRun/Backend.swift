import LeapfrogCore
import LeapfrogModel

/// A back end: it names itself, lists its devices, and makes an evaluator (and, where it can, a
/// transition executor) for a bound model. `BackendRegistry` holds them; `--backend`, `auto`
/// and `leapfrog devices` go through it.
public protocol Backend: Sendable {
    /// The name `--backend` takes (`cpu`, `opencl`).
    var name: String { get }
    /// How `auto` names it when it falls back past it ("OpenCL").
    var displayName: String { get }
    /// One line for `--help` and the registry listing.
    var summary: String { get }
    /// Its devices, for `leapfrog devices`; throws, saying what to install, where it cannot run.
    func deviceListing() throws -> String
    /// The evaluator for `bound` under `options`; `log` receives messages made on the way (a
    /// precision switch later in the run, say).
    func make(_ bound: BoundModel, options: BackendOptions, log: @escaping @Sendable (String) -> Void) throws
        -> SelectedBackend
}
