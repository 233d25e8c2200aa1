import LeapfrogModel

/// A variable in scope.
struct Symbol {
    enum Kind {
        case data, transformedData, parameter, transformedParameter, local, generated
        /// A loop variable unrolled at compile time.
        case loopConstant(Int)
        /// The index of a vectorised loop over `extent`.
        case plateIndex(Dim)
        /// The index of a loop over `extent` nested in a vectorised loop.
        case columnIndex(Dim)
        /// The step variable of a loop lowered as a recurrence.
        case stepIndex
    }

    var name: String
    var type: StanType
    var kind: Kind
    var value: Value?
    var location: StanSourceLocation
    var declaration: Declaration?
    /// Declared inside the vectorised loop being lowered: holds one value per row.
    var insidePlate = false
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
    mutating func setValue(_ name: String, _ v: Value?) {
        for i in frames.indices.reversed() where frames[i][name] != nil {
            frames[i][name]!.value = v
            return
        }
    }

    var isGlobal: Bool { frames.count == 1 }
}
