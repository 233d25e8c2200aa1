/// The base types of Stan variables this front end knows.
enum BaseType: String, Sendable {
    case int, real, vector, rowVector = "row_vector", matrix

    /// The rank this type adds to a graph shape (0 scalar, 1 vector, 2 matrix).
    var rank: Int {
        switch self {
        case .int, .real: return 0
        case .vector, .rowVector: return 1
        case .matrix: return 2
        }
    }
}

/// Stan's constrained types this front end supports (as parameters; elsewhere they are plain
/// vectors and matrices). Their transforms are written into the graph by `Lowering+Constraints`.
enum ConstrainedType: String, Sendable {
    case simplex, ordered
    case positiveOrdered = "positive_ordered"
    case unitVector = "unit_vector"
    case choleskyFactorCorr = "cholesky_factor_corr"
    case choleskyFactorCov = "cholesky_factor_cov"
    case corrMatrix = "corr_matrix"
    case covMatrix = "cov_matrix"
    case sumToZeroVector = "sum_to_zero_vector"
    case sumToZeroMatrix = "sum_to_zero_matrix"
    case rowStochasticMatrix = "row_stochastic_matrix"
    case columnStochasticMatrix = "column_stochastic_matrix"

    /// The matrix types whose two sizes are their own (the others are square, of one size).
    var isRectangular: Bool { [.sumToZeroMatrix, .rowStochasticMatrix, .columnStochasticMatrix].contains(self) }

    /// The plain type it constrains.
    var base: BaseType {
        switch self {
        case .simplex, .ordered, .positiveOrdered, .unitVector, .sumToZeroVector: return .vector
        default: return .matrix
        }
    }
}

/// `<lower=…, upper=…>`, or `<offset=…, multiplier=…>` (an affine transform; never both kinds).
struct Bounds: Sendable {
    var lower: Expression?
    var upper: Expression?
    var offset: Expression?
    var multiplier: Expression?

    /// Whether the declaration is `<offset=…, multiplier=…>` (either or both).
    var isAffine: Bool { offset != nil || multiplier != nil }
}

/// A variable declaration: `array[J] vector<lower=0>[K] x = …;` or the old `real x[J];`.
struct Declaration: Sendable {
    var name: String
    var base: BaseType
    /// Array extents first, then the vector/matrix sizes.
    var arraySizes: [Expression]
    var typeSizes: [Expression]
    var bounds: Bounds
    /// A constrained type (`simplex[K]`, `cholesky_factor_corr[K]`, …); `base` is then its plain type.
    var constrained: ConstrainedType? = nil
    var initializer: Expression?
    var location: StanSourceLocation
    /// Where the type starts (for type errors).
    var typeLocation: StanSourceLocation

    var sizes: [Expression] { arraySizes + typeSizes }
    var rank: Int { arraySizes.count + base.rank }
    var isInteger: Bool { base == .int }
}
