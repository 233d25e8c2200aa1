import LeapfrogSampling

/// Everything a sampling run needs besides the model: the sampler, the back end, where the draws
/// go, and how the model and data are named in the records it writes.
public struct RunConfiguration: Sendable {
    /// Where a run writes: `posterior.nc` (ArviZ InferenceData), `summary.json` and, with `csv`,
    /// Stan CSV per chain, streamed while it samples.
    public struct Output: Sendable, Hashable {
        public var directory: String
        public var csv = false
        /// Replace a run already in `directory` (else the run is refused before it starts).
        public var overwrite = false
        /// Also write `report/report.html` and its pictures at the end (`RunReport`).
        public var report = false

        public init(directory: String, csv: Bool = false, overwrite: Bool = false, report: Bool = false) {
            self.directory = directory
            self.csv = csv
            self.overwrite = overwrite
            self.report = report
        }
    }

    /// What sampling keeps of its draws.
    public enum Keep: String, Sendable, Hashable, CaseIterable {
        /// Every retained draw, streamed to `posterior.nc` (and Stan CSV).
        case draws
        /// Only each chain's running means and variances of lp__ and every element
        /// (`ChainMoments`): memory flat in the number of draws and no draw file, for runs with
        /// very many chains; the summary's figures come from the moments.
        case moments
    }

    public var sampler = SamplerConfiguration()
    public var keep = Keep.draws
    /// Where the chains start: the sampler's `initialPoints` (default), or Pathfinder draws.
    public var initialisation = InitialisationMethod.sampler
    public var backend = BackendOptions()
    /// Nil: the draws stay in memory (the summary is made from them) and no file is written.
    public var output: Output? = nil
    /// The model as the user named it (a built-in name or a file), for summary.json.
    public var modelLabel: String? = nil
    /// The data file, for summary.json and the Stan CSV header.
    public var dataPath: String? = nil
    /// A built-in model's `key=value` options, for summary.json.
    public var modelOptions: [String] = []
    /// The back ends to choose from.
    public var registry = BackendRegistry.standard
    /// The members sharing the run (MPI ranks: `MPICommunicator`); each samples its own block of
    /// chains and rank 0 writes. `SingleProcess` (the default) changes nothing.
    public var communicator: any ChainCommunicator = SingleProcess()

    public init(sampler: SamplerConfiguration = SamplerConfiguration(), backend: BackendOptions = BackendOptions(),
                output: Output? = nil) {
        self.sampler = sampler
        self.backend = backend
        self.output = output
    }
}
