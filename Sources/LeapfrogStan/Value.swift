import LeapfrogModel

/// A lowered expression: its Stan type and either a compile-time constant or a graph node.
///
/// Inside a vectorised loop (a plate over `n in 1:N`) a value is *plated* when it stands for
/// one row per iteration: its node then has a leading extent N in front of the per-iteration
/// shape that `type` describes.
struct Value {
    var type: StanType
    /// A compile-time scalar constant (also materialised as a node on demand).
    var constant: Double?
    var node: Expr?
    var plated = false
    /// A log density already summed over the plate's rows (an `_lpdf` call inside a plate).
    var summedOverPlate = false
    /// A sum of such densities (`normal_lpdf(y[n] | …) + normal_lpdf(z[n] | …)`, a truncated
    /// density less its normaliser) as its parts, each added to target as a term of its own: a
    /// device kernel streams a term whose value is one sum over the rows, not a sum of them.
    var plateParts: [PlatePart]?
    /// The data variable this value is, unchanged (discrete outcomes and indices must be data).
    var dataName: String?
    /// Depends on no parameter.
    var dataOnly = false
    /// `to_vector(M)` of a matrix: still the matrix node (the graph has no reshape); only usable
    /// where the arrangement does not matter (a density with scalar parameters, `sum`, `mean`).
    var flattened = false
    /// Inside a loop nested in a vectorised loop, stands for one value per inner iteration: the
    /// node has a trailing extent for the inner loop (after the plate's rows, if plated).
    var columns = false

    static func constant(_ x: Double, integer: Bool) -> Value {
        Value(type: integer ? .int : .real, constant: x, node: nil, dataOnly: true)
    }
}

/// One part of a sum of log densities inside a vectorised loop: summed over the rows (`perRow`),
/// or a value that does not depend on the row, already multiplied by the number of rows.
struct PlatePart {
    var node: Expr
    var perRow: Bool
}
