import LeapfrogModel

/// Data the compiled graph reads that the program does not declare: computed from the real data
/// when the model meets them (`StanModel.prepareData`). Their names start with `__`.
enum SyntheticData: Sendable {
    /// An integer scalar: a size written as an expression (`vector[N + 1]`), bound to a `Dim` symbol.
    case size(name: String, Expression)
    /// A one-element integer vector holding a constant index, for the graph's `index` operation.
    case constantIndex(name: String, Int)
    /// A one-element integer vector holding a data-dependent index (`x[N]`).
    case index(name: String, Expression)
    /// An integer array computed from the data: a multi-index written as an expression
    /// (`theta[{1, 3}]`, `x[idx[2:3]]`).
    case indices(name: String, Expression)
    /// An integer scalar computed from the data (`k[1]`, `N - 1`, a literal `5`): a discrete
    /// density's outcome or number of trials, which the graph reads from integer data.
    case integer(name: String, Expression)
    /// A real array of `shape` filled with `value` (ones for row sums, zeros for `diag_matrix`).
    case fill(name: String, value: Double, shape: [Dim])
    /// 1 or 0: whether a data-only condition holds (an `if` in the model block).
    case indicator(name: String, Expression)
    /// A fixed 0/1 pattern of `shape` that a constraint transform multiplies by.
    case pattern(name: String, ConstraintPattern, shape: [Dim])
    /// 0 everywhere but 1 at `position` (1-based; a [K, 1] shape takes one index, the row).
    case oneHot(name: String, shape: [Dim], position: [Int])
    /// The integers `lower`, …, `upper` (a range index `x[lower:upper]`).
    /// `within`: the extent it indexes, when known, checked when the data are read.
    case range(name: String, lower: Expression, upper: Expression, within: Dim?)
    /// For an assignment to some of x's `rows` rows (`Lowering.assignPart`), each row's 1-based
    /// position in concat(x, part): i where the row keeps its value, rows + j where it is the
    /// part's row j (the last write wins). An index outside 1…rows, or a part whose `partRows`
    /// differ from the rows written, stops the binding, named.
    case scatter(name: String, rows: Dim, written: WrittenRows, partRows: Dim?, location: StanSourceLocation)
    /// The rows i = 1…extent (1-based) where a data condition on the loop index `index` holds
    /// (`holds`) or fails: the rows a branch of an `if` inside a vectorised loop runs over.
    case rowSelection(name: String, condition: Expression, index: String, extent: Dim, holds: Bool)
    /// For each row i = 1…extent, `expression` with the loop index `index` = i, computed from the
    /// data (`(t - 1) % 7 + 1`, `n / 2`: what the graph has no integer operation for).
    case rowValues(name: String, expression: Expression, index: String, extent: Dim, integer: Bool)
    /// [rows, width]: row r is 1 at column index[r] (1-based), 0 elsewhere: each row's element of
    /// a per-row vector (`m[g[n], h[n]]`). An index outside 1…width stops the binding, named.
    case oneHotRows(name: String, index: String, width: Dim, location: StanSourceLocation)
    /// For a loop `for (t in lower:upper)` whose bounds depend on the index `index` of the
    /// vectorised loop around it (rows 1…extent), the pairs (i, t) it runs over, in Stan's order:
    /// each pair's row i (`steps` false) or its t (`steps` true); with a `filter`, only the pairs
    /// where its condition holds (or fails).
    case raggedPairs(name: String, lower: Expression, upper: Expression, index: String, extent: Dim, steps: Bool, filter: PairFilter?)
    /// The number of rows in a `rowSelection` (an integer scalar: the extent of its loop).
    case rowCount(name: String, selection: String)
    /// For each row i = 1…extent, its 1-based position among the `selections`' rows taken in
    /// order (rows selected by none: 0): what puts the branches' rows back in the loop's order.
    case rowOrder(name: String, selections: [String])
    /// The rows of the data variable `source` at the 1-based indices in the integer data
    /// `selection` (`y[g[n]]` in a vectorised loop), kept as data so a discrete outcome stays one.
    case selectedRows(name: String, source: String, selection: String)
    /// Which of the categories 1…K each element of the integer data `source` is, for an ordered
    /// outcome with K − 1 = `cutpoints` cutpoints: [count, K − 1] with 1 where the element is
    /// j ≤ K − 1 (`top` false), or [count] with 1 where it is K (`top` true). An element outside
    /// 1…K stops the binding, named (`ordered_logistic`).
    case categories(name: String, source: String, cutpoints: Dim, top: Bool)
    /// An array a loop nest filling variables element by element reads (`FillNest.Output`).
    case filledElements(name: String, nest: FillNest, output: FillNest.Output)

    var name: String {
        switch self {
        case .size(let n, _), .constantIndex(let n, _), .index(let n, _), .indices(let n, _), .integer(let n, _), .fill(let n, _, _), .indicator(let n, _), .range(let n, _, _, _), .pattern(let n, _, _), .oneHot(let n, _, _), .scatter(let n, _, _, _, _),
             .rowSelection(let n, _, _, _, _), .rowValues(let n, _, _, _, _), .raggedPairs(let n, _, _, _, _, _, _), .rowCount(let n, _), .rowOrder(let n, _), .oneHotRows(let n, _, _, _), .selectedRows(let n, _, _), .categories(let n, _, _, _), .filledElements(let n, _, _): return n
        }
    }
}

/// The rows an assignment writes: one (`x[k]`), a range (`x[a:b]`) or an integer array (`x[idx]`).
enum WrittenRows: Sendable {
    case element(Expression)
    case range(Expression, Expression)
    case indices(Expression)

    var canonical: String {
        switch self {
        case .element(let k): return "[\(k.canonical)]"
        case .range(let a, let b): return "[\(a.canonical):\(b.canonical)]"
        case .indices(let i): return "[{\(i.canonical)}]"
        }
    }
}

/// A parameter bound that depends on data, evaluated when the model meets its data.
struct PendingBound: Sendable {
    var parameter: String
    var lower: Expression?
    var upper: Expression?
}

/// The constant matrices behind the constrained-vector transforms and `append_row`/`append_col`.
enum ConstraintPattern: String, Sendable {
    /// [K, K − 1]: the identity with a row of zeros appended (pads a free vector with a 0).
    case padIdentity
    /// [K, K]: ones on and below the diagonal (a cumulative sum).
    case lowerOnes
    /// [K]: 1 then zeros.
    case firstMask
    /// [K]: zeros then 1 (the last element).
    case lastMask
    /// [K, n]: 1 where row i = col j + K − n (0-based), the identity in the last n rows (places
    /// the second argument of `append_row`; the first is placed by `identity` [K, m]).
    case bottomIdentity
    /// [K, K]: ones strictly below the diagonal.
    case strictLower
    /// [K, K]: the identity.
    case identity
    /// [m, K]: 1 where k mod m = i (0-based), the rows of a column-major reshape.
    case reshapeRows
    /// [K, n]: 1 where k div (K / n) = j (0-based), the columns of a column-major reshape.
    case reshapeColumns
    /// [K]: K − k − 2 for row k = 1…K (the LKJ Cholesky density's exponents without the 2η).
    case lkjWeights
    /// [K]: (K − 1)/2 in every row (the LKJ normalising constant's lgamma(η + (K − 1)/2) terms).
    case lkjHalfDimension
    /// [K]: (K − 1 − k)/2 for row k = 1…K − 1, and (K − 1)/2 in row K, whose term then cancels
    /// (the LKJ normalising constant's lgamma(η + (K − 1 − k)/2) terms).
    case lkjOffsets
    /// [K]: K − k + 2 (the cov_matrix transform's log-Jacobian weights).
    case covWeights
    /// [K]: K − k (the Cholesky-factor-to-correlation-matrix log-Jacobian weights).
    case corrWeights
    /// [K, K]: 1 where column j = row i + 1 (v · S shifts a row vector one place right).
    case superdiagonal
    /// [K, K − 1]: an orthonormal basis of the vectors whose elements sum to 0, Helmert's: column j
    /// (0-based) is 1/√((j + 1)(j + 2)) in rows 0…j, −(j + 1)/√((j + 1)(j + 2)) in row j + 1, 0 below.
    case sumToZeroBasis

    /// The pattern's values, row-major, for `shape`.
    func values(_ shape: [Int]) -> [Double] {
        switch self {
        case .padIdentity, .lowerOnes, .strictLower, .identity, .superdiagonal:
            let (r, c) = (shape[0], shape[1])
            return (0..<(r * c)).map { k in
                let (i, j) = (k / c, k % c)
                switch self {
                case .lowerOnes: return j <= i ? 1 : 0
                case .strictLower: return j < i ? 1 : 0
                case .superdiagonal: return j == i + 1 ? 1 : 0
                default: return i == j ? 1 : 0
                }
            }
        case .reshapeRows, .reshapeColumns:
            let (r, c) = (shape[0], shape[1])
            let rows = self == .reshapeRows ? r : (c == 0 ? 0 : r / c)
            return (0..<(r * c)).map { e in
                let (i, j) = (e / c, e % c)
                return self == .reshapeRows ? (j % rows == i ? 1 : 0) : (rows > 0 && i / rows == j ? 1 : 0)
            }
        case .sumToZeroBasis:
            let (r, c) = (shape[0], shape[1])
            return (0..<(r * c)).map { e in
                let (i, j) = (e / c, e % c)
                let scale = (Double(j + 1) * Double(j + 2)).squareRoot()
                return i <= j ? 1 / scale : (i == j + 1 ? -Double(j + 1) / scale : 0)
            }
        case .firstMask:
            return (0..<shape[0]).map { $0 == 0 ? 1 : 0 }
        case .lastMask:
            return (0..<shape[0]).map { $0 == shape[0] - 1 ? 1 : 0 }
        case .bottomIdentity:
            let (r, c) = (shape[0], shape[1])
            return (0..<(r * c)).map { k in k / c == k % c + r - c ? 1 : 0 }
        case .lkjHalfDimension, .lkjOffsets:
            let n = shape[0]
            return (0..<n).map { r in
                self == .lkjOffsets && r < n - 1 ? Double(n - 2 - r) / 2 : Double(n - 1) / 2
            }
        case .lkjWeights, .covWeights, .corrWeights:
            // 1-based row k = r + 1
            let n = shape[0]
            return (0..<n).map { r in
                switch self {
                case .lkjWeights: return Double(n - r - 3)
                case .covWeights: return Double(n - r + 1)
                default: return Double(n - r - 1)
                }
            }
        }
    }
}

/// A term under `if` conditions on data: in the compiled graph its node is the indicator product
/// times `node`; once the data are known the term is `node` itself (every condition as required)
/// or is dropped, so back ends never see a log density scaled by a 0/1 flag.
/// A value chosen by a data condition when the model meets its data (`c ? a : b`, or a variable
/// assigned in the branches of an `if` on data): every read of `node` (a placeholder, flag · a +
/// (1 − flag) · b, that nothing evaluates once the choice is made) becomes a read of `then` or
/// `otherwise`, so the branch not taken is not evaluated at all (its log of data ≤ 0 cannot reach
/// the value, nor as 0 · ∞ the gradient).
struct ConditionalChoice: Sendable {
    var node: Int
    /// The synthetic 0/1 indicator of the condition (`SyntheticData.indicator`).
    var condition: String
    var then: Int
    var otherwise: Int
}

/// A value's sizes against the sizes it is given to, compared when the data are read (both
/// decided by the data), where `conditions` hold.
struct SizeCheck: Sendable {
    /// What must have the declared sizes, for the message (`'m'`).
    var subject: String
    var declared: StanType
    var value: StanType
    var conditions: [(name: String, holds: Bool)]
    var location: StanSourceLocation
}

struct ConditionalTerm: Sendable {
    /// The index of the term in the graph's terms.
    var term: Int
    /// The unscaled node.
    var node: Int
    var conditions: [(name: String, holds: Bool)]
}

/// The data outcome of a density, checked against [L, U] when the model meets its data: a
/// truncated density's `y ~ D(…) T[L, U]` (Stan's log density is −∞ outside [L, U], its
/// generated code adds −∞ there, and the graph's normaliser takes the outcome to lie within
/// them), or a discrete family's support (a Bernoulli outcome 0 or 1, counts from 0, at most N
/// successes in N trials: Stan refuses the data, while a formula such as log((1 − y) + (2y − 1)θ)
/// would extend the density to them), or a multivariate normal's data covariance being
/// symmetric (the graph's Cholesky reads its lower triangle only; Stan refuses an asymmetric one).
/// A datum outside is an error to name, not a density to compute.
struct OutcomeCheck: Sendable {
    enum Kind: Sendable { case truncation, support, symmetric }
    /// Stan's CONSTRAINT_TOLERANCE, its `check_symmetric`'s absolute tolerance.
    static let symmetryTolerance = 1e-8
    var family: String
    var kind: Kind
    var outcome: Expression
    var lower: Expression?
    var upper: Expression?
    /// The vectorised loop's index and extent when the outcome is read per row (`y[n]`).
    var index: String?
    var extent: Dim?
    /// Inside a branch of an `if` on the loop index, the loop's own index and the branches' row
    /// selections, outermost first, so that a message names the loop's row (n = sel₁[sel₂[r]]),
    /// not the branch's.
    var loopIndex: (name: String, selections: [String])?
    /// The data conditions around the statement: checked only where they hold.
    var conditions: [(name: String, holds: Bool)]
    var location: StanSourceLocation
}

/// Which pairs (i, t) of a `SyntheticData.raggedPairs` a branch of an `if` inside the inner loop
/// runs over: those where `condition`, a data condition reading the inner loop's `variable` = t
/// (and the outer index), holds (`holds`) or fails.
struct PairFilter: Sendable {
    var variable: String
    var condition: Expression
    var holds: Bool
}
