import LeapfrogCore

/// Settings of a Pathfinder fit; the CLI's `pathfinder` flags map onto these. Defaults are
/// CmdStan's `pathfinder` method's where it has one (CmdStan 2.33+, `num_paths` 4, `num_draws`
/// 1000, `num_elbo_draws` 25, `max_lbfgs_iters` 1000 and the L-BFGS tolerances of Stan's
/// `optimize`), with the history size J = 6 of Zhang et al. 2022's experiments.
public struct PathfinderConfiguration: Sendable, Hashable {
    /// K: independent paths, each from its own start, one batch column per path.
    public var paths = 4
    /// Draws from each path's best approximation (pooled: K·N), and the draws returned after
    /// importance resampling (N).
    public var draws = 1000
    /// M: Monte-Carlo draws per iterate for its ELBO estimate.
    public var elboDraws = 25
    /// J: L-BFGS history size.
    public var historySize = LBFGSHistory.defaultSize
    public var maxIterations = 1000
    /// Stan's `tol_obj`: an absolute change of the log density below this ends a path.
    public var toleranceObjective = 1e-12
    /// Stan's `tol_rel_obj` (in units of machine ε): |Δ log p| / max(|log p|, ε) below this·ε.
    public var toleranceRelativeObjective = 1e4
    /// Stan's `tol_grad`: |∇ log p| below this.
    public var toleranceGradient = 1e-8
    /// Stan's `tol_rel_grad` (in units of machine ε): ∇ᵀH∇ / max(|log p|, ε) below this·ε.
    public var toleranceRelativeGradient = 1e7
    /// Stan's `tol_param`: |Δx| below this.
    public var toleranceParameter = 1e-8
    public var seed: UInt64 = 1
    /// Starts are Uniform(−initRadius, initRadius) per component (Stan's default `init` = 2).
    public var initRadius = 2.0

    public init() {}

    /// Checks every setting; the message names the option.
    public func validate() throws {
        func bad(_ s: String) -> LeapfrogError { LeapfrogError(.configuration, s) }
        guard paths >= 1 else { throw bad("--paths must be at least 1 (got \(paths))") }
        guard draws >= 1 else { throw bad("--draws must be at least 1 (got \(draws))") }
        guard elboDraws >= 1 else { throw bad("--elbo-draws must be at least 1 (got \(elboDraws))") }
        guard historySize >= 1 else { throw bad("--history-size must be at least 1 (got \(historySize))") }
        guard maxIterations >= 1 else { throw bad("--iterations must be at least 1 (got \(maxIterations))") }
        for (value, option) in [(paths, "--paths"), (draws, "--draws"), (elboDraws, "--elbo-draws"), (historySize, "--history-size"),
                                (maxIterations, "--iterations")] {
            try CountLimit.check(value, option)
        }
        guard initRadius > 0, initRadius.isFinite else { throw bad("init radius must be positive (got \(initRadius))") }
        for (name, v) in [("tol-obj", toleranceObjective), ("tol-rel-obj", toleranceRelativeObjective),
                          ("tol-grad", toleranceGradient), ("tol-rel-grad", toleranceRelativeGradient),
                          ("tol-param", toleranceParameter)] where !(v >= 0 && v.isFinite) {
            throw bad("--\(name) must be a finite number ≥ 0 (got \(v))")
        }
    }
}
