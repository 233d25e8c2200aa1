/// One L-BFGS optimisation path of Pathfinder as a state machine driven one log-density
/// evaluation at a time, so that K paths advance together in one batched evaluation per round
/// (`Pathfinder`): the path proposes a point (`trial`), the batch evaluates it, `observe` takes
/// the result.
///
/// Maximises log p (minimises f = −log p) from x₀. At an iterate x with gradient g = ∇log p(x)
/// the direction is the quasi-Newton step p = H g (`InverseHessian` of the `LBFGSHistory`), and
/// the step length t is found by backtracking from t = 1 (from min(1, 1/|g|) at the first
/// iteration, where H = I knows nothing of the scale) until the Armijo condition
///
///     log p(x + t p) ≥ log p(x) + c₁ t gᵀp,   c₁ = 10⁻⁴ (Nocedal & Wright, "Numerical
///     Optimization", 2nd ed., §3.1)
///
/// holds with a finite gradient; each retry shrinks t to the maximiser of the quadratic through
/// log p(x), gᵀp and log p(x + tp), kept within [0.1t, 0.5t] (N&W §3.5), or to 0.1t when
/// log p(x + tp) is not finite. The pair (s, y) of an accepted step goes to the history, which
/// drops it when the curvature test fails — this replaces the Wolfe curvature condition of a
/// full line search, as in Zhang et al. 2022 (Algorithm 3's test). A direction that does not
/// ascend (gᵀp ≤ 0, H having lost positive definiteness to rounding) resets the history.
///
/// A path ends on Stan's L-BFGS convergence tests (`PathfinderConfiguration`), at the iteration
/// limit, or when the line search fails (`maxLineSearchTrials` shrinks without an acceptable point).
///
/// With `approximations` false (`ModeSearch`: the optimum is all that is wanted) the path skips
/// Pathfinder's Gaussian at each iterate — its thin QR factorisation was most of a round's host
/// work — and applies H by the two-loop recursion rather than through its compact form.
struct LBFGSPath: Sendable {
    enum Status: Sendable, Hashable {
        /// Waiting for the log density at the start.
        case starting
        case searching
        case finished(String)
    }

    /// Armijo's c₁.
    static let armijo = 1e-4
    /// Shrinks of one line search before the path ends.
    static let maxLineSearchTrials = 40
    /// Machine ε, the unit of Stan's relative tolerances.
    static let epsilon = 2.220446049250313e-16

    let configuration: PathfinderConfiguration
    let approximations: Bool
    private(set) var status: Status = .starting
    /// The current iterate, its log density and gradient.
    private(set) var position: [Double]
    private(set) var logDensity = -Double.infinity
    private(set) var gradient: [Double] = []
    private(set) var history: LBFGSHistory
    /// Accepted steps.
    private(set) var iterations = 0
    /// Points evaluated (the start, every trial).
    private(set) var evaluations = 0
    private var direction: [Double] = []
    private var slope = 0.0
    private var stepLength = 1.0
    private var trials = 0
    /// The point to evaluate next (nil once finished).
    private(set) var trial: [Double]?

    init(start: [Double], configuration: PathfinderConfiguration, approximations: Bool = true) {
        self.configuration = configuration
        self.approximations = approximations
        position = start
        trial = start
        history = LBFGSHistory(dimension: start.count, size: configuration.historySize)
    }

    var isFinished: Bool { if case .finished = status { return true } else { return false } }

    var reason: String? { if case .finished(let r) = status { return r } else { return nil } }

    /// Ends the path (a start that could not be evaluated, an interruption).
    mutating func finish(_ reason: String) {
        status = .finished(reason)
        trial = nil
    }

    /// Takes log p and its gradient at `trial`. Returns the approximation at a newly accepted
    /// iterate (nil when the trial was rejected, when this was the start, or when H is not
    /// numerically positive definite there). After the start, `status` is `.searching` when
    /// log p and ∇log p were finite there and `.starting` otherwise (the caller decides whether
    /// to try another start).
    mutating func observe(logDensity lp: Double, gradient g: [Double]) -> PathfinderApproximation? {
        guard let x = trial else { return nil }
        evaluations += 1
        let finite = lp.isFinite && g.allSatisfy(\.isFinite)
        if case .starting = status {
            guard finite else { return nil }
            position = x
            logDensity = lp
            gradient = g
            status = .searching
            let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm < configuration.toleranceGradient {
                finish("gradient norm below --tol-grad at the start")
                return nil
            }
            newDirection(initialStep: min(1, 1 / norm))
            return nil
        }
        if !finite || lp < logDensity + Self.armijo * stepLength * slope {
            trials += 1
            guard trials < Self.maxLineSearchTrials else {
                finish("line search found no point with a higher log density after \(trials) trials")
                return nil
            }
            if finite {
                let curvature = (logDensity + slope * stepLength - lp) / (stepLength * stepLength)
                let t = curvature > 0 ? slope / (2 * curvature) : 0.5 * stepLength
                stepLength = min(max(t, 0.1 * stepLength), 0.5 * stepLength)
            } else {
                stepLength *= 0.1
            }
            trial = (0..<position.count).map { position[$0] + stepLength * direction[$0] }
            return nil
        }
        // Accepted.
        let s = (0..<position.count).map { x[$0] - position[$0] }
        let y = (0..<position.count).map { gradient[$0] - g[$0] }
        history.record(step: s, gradientChange: y)
        let change = abs(lp - logDensity)
        let previous = logDensity
        position = x
        logDensity = lp
        gradient = g
        iterations += 1
        // Hg from the compact form when Pathfinder's Gaussian needs it anyway, else by the two-loop
        // recursion (the same matrix).
        let h = approximations ? history.inverseHessian : nil
        let approximation = h.flatMap { PathfinderApproximation(position: position, gradient: gradient, inverseHessian: $0) }
        let c = configuration
        let gradientNorm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let stepNorm = s.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let hg = h?.apply(g) ?? history.applyInverseHessian(g)
        let relativeGradient = zip(g, hg).reduce(0) { $0 + $1.0 * $1.1 } / max(abs(lp), Self.epsilon)
        if change < c.toleranceObjective {
            finish("absolute change in log density below --tol-obj \(c.toleranceObjective)")
        } else if change / max(abs(previous), abs(lp), Self.epsilon) < c.toleranceRelativeObjective * Self.epsilon {
            finish("relative change in log density below --tol-rel-obj \(c.toleranceRelativeObjective)")
        } else if gradientNorm < c.toleranceGradient {
            finish("gradient norm below --tol-grad \(c.toleranceGradient)")
        } else if relativeGradient < c.toleranceRelativeGradient * Self.epsilon {
            finish("relative gradient magnitude below --tol-rel-grad \(c.toleranceRelativeGradient)")
        } else if stepNorm < c.toleranceParameter {
            finish("parameter change below --tol-param \(c.toleranceParameter)")
        } else if iterations >= c.maxIterations {
            finish("reached --iterations \(c.maxIterations)")
        } else {
            newDirection(initialStep: 1, hg: hg)
        }
        return approximation
    }

    /// Starts a line search along H∇log p from the current iterate.
    private mutating func newDirection(initialStep: Double, hg: [Double]? = nil) {
        var p = hg ?? history.applyInverseHessian(gradient)
        var t = initialStep
        slope = zip(gradient, p).reduce(0) { $0 + $1.0 * $1.1 }
        if !(slope > 0) || !p.allSatisfy(\.isFinite) {
            history.reset()
            p = gradient
            slope = gradient.reduce(0) { $0 + $1 * $1 }
            t = min(t, 1 / slope.squareRoot())
        }
        direction = p
        stepLength = t
        trials = 0
        trial = (0..<position.count).map { position[$0] + stepLength * p[$0] }
    }
}
