import LeapfrogVariational

/// How a sampling run finds its chains' starting points.
public enum InitialisationMethod: Sendable, Hashable {
    /// The sampler's own `initialPoints` (by default Uniform(−2, 2) per unconstrained component).
    case sampler
    /// Pathfinder draws (`PathfinderInitialisation`) with these settings; the paths, the draws
    /// per path and the seed are set from the run (see there).
    case pathfinder(PathfinderConfiguration)

    /// `--init`'s name.
    public var name: String {
        switch self {
        case .sampler: return "uniform"
        case .pathfinder: return "pathfinder"
        }
    }
}
