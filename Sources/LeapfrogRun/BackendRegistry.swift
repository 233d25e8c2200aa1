import LeapfrogCore
import LeapfrogModel

/// The back ends a run can use, in the order `auto` tries them: the first that works here wins,
/// and each one passed over is named with the reason. A new back end is one conforming type and
/// one entry in `standard`.
public struct BackendRegistry: Sendable {
    /// The name that asks for the first back end that works.
    public static let auto = "auto"

    public var backends: [any Backend]

    public init(_ backends: [any Backend]) { self.backends = backends }

    /// OpenCL (a GPU, else another OpenCL device), then the CPU reference.
    public static let standard = BackendRegistry([OpenCLBackend(), CPUBackend()])

    /// `auto` and every back end's name, as `--backend` takes them.
    public var names: [String] { [Self.auto] + backends.map(\.name) }

    /// The back end called `name`; `.configuration` error listing the names otherwise.
    public func backend(named name: String) throws -> any Backend {
        guard let b = backends.first(where: { $0.name == name }) else {
            throw LeapfrogError(.configuration, "unknown back end '\(name)'; have: \(names.joined(separator: ", "))")
        }
        return b
    }

    /// The evaluator for `bound` on the back end `options` names, or under `auto` on the first
    /// that works; each one `auto` passes over is logged with the reason ("auto: not using
    /// OpenCL (…); using the CPU reference").
    public func make(_ bound: BoundModel, options: BackendOptions,
                     log: @escaping @Sendable (String) -> Void = { _ in }) throws -> SelectedBackend {
        guard options.name == Self.auto else {
            return try backend(named: options.name).make(bound, options: options, log: log)
        }
        var passed: [(any Backend, String)] = []
        for (k, b) in backends.enumerated() {
            do {
                let selected = try b.make(bound, options: options, log: log)
                for (skipped, reason) in passed {
                    log("auto: not using \(skipped.displayName) (\(reason)); using \(b.displayName)")
                }
                return selected
            } catch let e as LeapfrogError where k < backends.count - 1 {
                passed.append((b, e.message))
            }
        }
        throw LeapfrogError(.configuration, "no back end is registered")
    }
}
