import LeapfrogVariational

/// Everything a Pathfinder run needs besides the model: the Pathfinder settings (paths, draws,
/// ELBO draws, L-BFGS), the back end and where the files go.
public struct PathfinderRunConfiguration: Sendable {
    public var pathfinder = PathfinderConfiguration()
    public var backend = BackendOptions()
    /// `posterior.nc`, `pathfinder.json`, `summary.json` and, with `csv`, `chain-1.csv`.
    public var output: RunConfiguration.Output? = nil
    public var modelLabel: String? = nil
    public var dataPath: String? = nil
    public var modelOptions: [String] = []
    public var registry = BackendRegistry.standard

    public init(pathfinder: PathfinderConfiguration = PathfinderConfiguration(), backend: BackendOptions = BackendOptions(),
                output: RunConfiguration.Output? = nil) {
        self.pathfinder = pathfinder
        self.backend = backend
        self.output = output
    }
}
