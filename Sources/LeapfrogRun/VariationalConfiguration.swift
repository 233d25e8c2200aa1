import LeapfrogVariational

/// Everything a variational run needs besides the model: the ADVI settings, how many draws to
/// write from the fitted family, the back end and where the files go.
public struct VariationalConfiguration: Sendable {
    public var advi = ADVIConfiguration()
    /// Draws written from the fitted family (CmdStan's `output_samples`, default 1000); they also
    /// give Pareto k̂.
    public var draws = 1000
    public var backend = BackendOptions()
    /// `elbo.csv`, `posterior.nc`, `variational.json`, `summary.json` and, with `csv`, `chain-1.csv`.
    public var output: RunConfiguration.Output? = nil
    public var modelLabel: String? = nil
    public var dataPath: String? = nil
    public var modelOptions: [String] = []
    public var registry = BackendRegistry.standard
    /// Every this many iterations, write the derived quantities' predictive summary from draws of
    /// the current family to `predictive.csv` (for the ELBO-and-predictive movie); nil: never.
    public var snapshotEvery: Int? = nil
    /// Draws per snapshot.
    public static let snapshotDraws = 100

    public init(advi: ADVIConfiguration = ADVIConfiguration(), draws: Int = 1000, backend: BackendOptions = BackendOptions(),
                output: RunConfiguration.Output? = nil) {
        self.advi = advi
        self.draws = draws
        self.backend = backend
        self.output = output
    }
}
