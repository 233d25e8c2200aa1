/// What a graph node computes. Arguments are earlier nodes (the graph is in SSA order).
///
/// Shapes have rank 0 (scalar), 1 (vector) or 2 (matrix), stored row-major. Elementwise binary
/// operations broadcast as NumPy does (trailing extents aligned; an extent of 1 or a missing one
/// stretches). See `docs/model-format.md` for each operation's arguments and shape rule.
public enum Operation: String, Hashable, Sendable, Codable, CaseIterable {
    // Leaves
    /// A parameter's constrained value; `name` names it.
    case parameter
    /// A data variable; `name` names it.
    case data
    /// A real scalar constant; `value` holds it.
    case constant

    // Elementwise, one argument
    case negate, exp, log, log1p, expm1, sqrt, square, tanh
    case invLogit = "inv_logit"
    case logInvLogit = "log_inv_logit"
    /// log(1 + eˣ), the softplus.
    case log1pExp = "log1p_exp"
    case relu
    /// log Γ(x), x > 0 (NaN elsewhere); derivative ψ(x), the digamma function.
    case lgamma
    /// Φ(x), the standard normal distribution function; derivative φ(x), its density.
    case phi = "Phi"
    /// log Φ(x), accurate far into the lower tail (a normal's log CDF); derivative φ(x)/Φ(x).
    case logPhi = "log_Phi"
    /// Φ⁻¹(p), the standard normal quantile function (`inv_Phi`); derivative 1/φ(Φ⁻¹(p)).
    case invPhi = "inv_Phi"
    /// Trigonometric functions of radians (`atan`'s range (−π/2, π/2)).
    case sin, cos, atan
    /// log I₀(x), I₀ the modified Bessel function of the first kind of order 0 (the von Mises
    /// normaliser); derivative I₁(x)/I₀(x) (`BesselFunction`).
    case logBesselI0 = "log_bessel_i0"

    // Elementwise, two arguments, broadcasting
    case add, subtract, multiply, divide, pow
    /// args (a, x): log P(a, x), P the regularised lower incomplete gamma function γ(a, x)/Γ(a),
    /// a > 0, x ≥ 0 (the gamma, chi-square and Poisson distribution functions); derivatives in
    /// both (`GammaFunction.logRegularized`).
    case logGammaP = "log_gamma_p"
    /// args (a, x): log Q(a, x) = log(1 − P(a, x)), accurate where Q is tiny.
    case logGammaQ = "log_gamma_q"

    // Elementwise, three arguments, broadcasting
    /// args (a, b, x): log I_x(a, b), I the regularised incomplete beta function, a, b > 0,
    /// 0 ≤ x ≤ 1 (the beta, Student t, binomial and negative binomial distribution functions);
    /// derivatives in all three (`BetaFunction.logRegularized`).
    case logIncBeta = "log_inc_beta"
    /// args (a, b, x): log(1 − I_x(a, b)), accurate where it is tiny.
    case log1mIncBeta = "log1m_inc_beta"

    // Linear algebra
    /// Matrix product: [m,k]·[k,n] → [m,n]; [m,k]·[k] → [m]; [k]·[k,n] → [n]; [k]·[k] → [] (dot).
    case matmul
    case transpose
    /// A vector as a one-column matrix: [n] → [n, 1], the same elements (so that a value per
    /// row of a plate broadcasts against a vector, [n, 1] with [k] → [n, k], keeping its rows
    /// first, as a back end streaming the rows needs).
    case column
    /// Lower Cholesky factor L of a symmetric positive-definite matrix (A = L·Lᵀ).
    case cholesky
    /// L⁻¹·b for lower-triangular L: args (L [n,n], b [n] or [n,m]).
    case triangularSolve = "triangular_solve"
    /// A⁻¹·B for a square A (LU with partial pivoting; NaN when A is singular): args (A [n,n],
    /// B [n] or [n,m]).
    case solve
    /// log |det A| of a square matrix (LU; −∞ when A is singular): [n,n] → [].
    case logAbsDeterminant = "log_abs_determinant"
    /// det A of a square matrix (LU): [n,n] → [].
    case determinant
    /// The eigenvalues of a symmetric matrix, ascending (cyclic Jacobi; NaN when the matrix is
    /// not symmetric within 1e-8): [n,n] → [n].
    case eigenvaluesSym = "eigenvalues_sym"
    /// Unit eigenvectors of a symmetric matrix as columns, in the eigenvalues' order, each with
    /// its largest-magnitude element positive: [n,n] → [n,n].
    case eigenvectorsSym = "eigenvectors_sym"
    /// A + diag(d): args (A [n,n], d scalar or [n]).
    case addDiagonal = "add_diagonal"
    /// Exponentiated-quadratic covariance α²·exp(−‖x₁ᵢ − x₂ⱼ‖² / (2ρ²)): args (x1, x2, α, ρ);
    /// x as [n] (points on a line) or [n,d]; result [n₁, n₂].
    case expQuadCov = "exp_quad_cov"

    // Reductions (over everything) and last-axis maps
    case sum, mean
    /// log Σ exp over the last axis: [k] → [], [n,k] → [n].
    case logSumExp = "log_sum_exp"
    case softmax
    case logSoftmax = "log_softmax"

    // Indexing
    /// Gathers along the first axis by 1-based integer data: args (x [m,…], idx [n₁,…,n_k] integer
    /// data) → [n₁,…,n_k,…] (NumPy's `take` on axis 0: an index array of any shape).
    case index
    /// Joins along the first axis: args (a [m,…], b [n,…]) → [m + n,…]. A gather of the joined
    /// rows assigns part of a variable (`x[idx] = v`: x with v's rows in place) and puts the rows
    /// of an `if` on a vectorised loop's index back together, each branch having run over its own.
    case concat

    /// args (c, a, b): a where c > 0 (c ≥ 0 when `value` is 1), else b; c a scalar, a and b of one
    /// shape or scalars. Its derivative goes to the branch taken (none to c): an `if` on a value
    /// computed per evaluation (an ODE solver's time) inside an ODE system's right-hand side.
    case select

    // Densities
    /// Sum of the log density of args[0] under `distribution` with parameters args[1...].
    case logDensity = "log_density"

    // Recurrences (a scan over steps with carried state; see `LoopStructure`)
    /// Opens a loop region: the next `body` nodes run once per step t = range[0]…range[1]; the
    /// node's own value is t (a scalar).
    case loop
    /// args (loop, init): a carried state. At the loop's first step it is init; at step t > from
    /// it is the value its `update` node had at step t − 1.
    case carry
    /// args (x, loop₁, …): row `value + Σ coefficients[j]·tⱼ` (1-based) of x along its first axis.
    case at
    /// args (loop, x) or (loop, x, prior): x at every step stacked along a new first axis
    /// ([steps] + x's shape), or written into rows from…to of prior (prior's shape).
    case stack
    /// args (loop, carry): the carry's state after the loop's last step (init when it has none).
    case last

    // ODE solutions (an initial-value problem solved per evaluation; see `LoopStructure`)
    /// Opens an ODE system's region: the next `body` nodes compute dy/dt; the node's own value
    /// there is the time t (a scalar).
    case ode
    /// args (ode, y0): the state y inside the region (y0's shape, a vector); `update` is the body
    /// node whose value is dy/dt.
    case odeState = "ode_state"
    /// args (ode, state, t0, ts, rtol, atol, max_steps): y at every time of ts ([count(ts), n]),
    /// y(t0) = y0, solved by an adaptive Runge–Kutta method to the tolerances (scalars on data).
    case odeSolve = "ode_solve"

    /// The number of arguments, or nil when it depends on the distribution.
    public var arity: Int? {
        switch self {
        case .parameter, .data, .constant, .loop, .ode: return 0
        case .negate, .exp, .log, .log1p, .expm1, .sqrt, .square, .tanh, .invLogit, .logInvLogit,
             .log1pExp, .relu, .lgamma, .phi, .logPhi, .invPhi, .sin, .cos, .atan, .logBesselI0, .transpose, .column, .cholesky, .logAbsDeterminant, .determinant, .eigenvaluesSym, .eigenvectorsSym, .sum, .mean, .logSumExp, .softmax, .logSoftmax:
            return 1
        case .add, .subtract, .multiply, .divide, .pow, .logGammaP, .logGammaQ, .matmul, .triangularSolve, .solve, .addDiagonal, .index, .concat, .carry, .last, .odeState:
            return 2
        case .odeSolve: return 7
        case .expQuadCov: return 4
        case .select, .logIncBeta, .log1mIncBeta: return 3
        case .logDensity, .at, .stack: return nil
        }
    }

    /// A leaf: evaluated once, wherever it stands (inside a loop region too).
    public var isLeaf: Bool { self == .parameter || self == .data || self == .constant }

    public var isElementwiseUnary: Bool {
        switch self {
        case .negate, .exp, .log, .log1p, .expm1, .sqrt, .square, .tanh, .invLogit, .logInvLogit, .log1pExp, .relu, .lgamma,
             .phi, .logPhi, .invPhi, .sin, .cos, .atan, .logBesselI0:
            return true
        default: return false
        }
    }

    /// `log_inc_beta` or `log1m_inc_beta`.
    public var isIncompleteBeta: Bool { self == .logIncBeta || self == .log1mIncBeta }

    public var isElementwiseBinary: Bool {
        switch self {
        case .add, .subtract, .multiply, .divide, .pow, .logGammaP, .logGammaQ: return true
        default: return false
        }
    }
}
