/// What a run that fits an approximation (ADVI's `VariationalConfiguration`, Pathfinder's
/// `PathfinderRunConfiguration`) holds besides its method's settings: the back end, where the
/// files go, and the model's label, data and options as the user gave them (for summary.json,
/// which `leapfrog report` reads to rebuild the model's grid).
public protocol FittedRunSettings: Sendable {
    var backend: BackendOptions { get }
    var output: RunConfiguration.Output? { get }
    var modelLabel: String? { get }
    var dataPath: String? { get }
    var modelOptions: [String] { get }
    var registry: BackendRegistry { get }
}

extension VariationalConfiguration: FittedRunSettings {}
extension PathfinderRunConfiguration: FittedRunSettings {}
