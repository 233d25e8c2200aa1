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
    /// The data variable this value is, unchanged (discrete outcomes and indices must be data).
    var dataName: String?
    /// Depends on no parameter.
    var dataOnly = false
    /// `to_vector(M)` of a matrix: still the matrix node (the graph has no reshape); only usable
    /// where the arrangement does not matter (a density with scalar parameters, `sum`, `mean`).
    var flattened = false

    static func constant(_ x: Double, integer: Bool) -> Value {
        Value(type: integer ? .int : .real, constant: x, node: nil, dataOnly: true)
    }
}

/// A variable in scope.
struct Symbol {
    enum Kind {
        case data, transformedData, parameter, transformedParameter, local, generated
        /// A loop variable unrolled at compile time.
        case loopConstant(Int)
        /// The index of a vectorised loop over `extent`.
        case plateIndex(Dim)
    }

    var name: String
    var type: StanType
    var kind: Kind
    var value: Value?
    var location: StanSourceLocation
    var declaration: Declaration?
}

/// Nested lexical scopes of symbols.
struct Scope {
    private var frames: [[String: Symbol]] = [[:]]

    mutating func push() { frames.append([:]) }
    mutating func pop() { frames.removeLast() }

    func lookup(_ name: String) -> Symbol? {
        for f in frames.reversed() { if let s = f[name] { return s } }
        return nil
    }

    /// Whether `name` is declared in the innermost frame.
    func declaredHere(_ name: String) -> Bool { frames.last![name] != nil }

    mutating func declare(_ s: Symbol) { frames[frames.count - 1][s.name] = s }

    /// Replaces the value of the innermost symbol called `name`.
    mutating func setValue(_ name: String, _ v: Value) {
        for i in frames.indices.reversed() where frames[i][name] != nil {
            frames[i][name]!.value = v
            return
        }
    }

    var isGlobal: Bool { frames.count == 1 }
}
