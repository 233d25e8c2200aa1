import LeapfrogData
import LeapfrogModel

/// A loop nest that fills variables element by element (`Lowering+FillLoops`: `K[i, j] = …` for
/// the pairs of a triangle, `log_omega[k, n] = normal_lpdf(y[n] | mu[k], sigma)`): its loops,
/// its conditions on data and its writes, each bound or index an expression the host evaluates
/// once the data are read. One walk gives, in Stan's order, each write's executions: the values
/// the graph reads per execution (`Write.hoisted`) and the element each execution writes.
struct FillNest: Sendable {
    indirect enum Step: Sendable {
        case loop(variable: String, lower: Expression, upper: Expression, body: [Step])
        case branch(condition: Expression, then: [Step], otherwise: [Step])
        case write(Write)
    }

    /// `target[indices] = …`, the nest's write number `statement` (0-based, in the program's
    /// order); `hoisted`: the scalars on data and loop indices its value reads, one array each.
    struct Write: Sendable {
        var statement: Int
        var target: String
        var indices: [Expression]
        var hoisted: [Expression]
        var location: StanSourceLocation
    }

    /// What a synthetic array of the nest holds (`SyntheticData.filledElements`).
    enum Output: Sendable {
        /// How many times write `statement` runs (an integer scalar: the extent of its values).
        case count(statement: Int)
        /// Hoisted expression `expression` of write `statement`, at each of its executions.
        case values(statement: Int, expression: Int, integer: Bool)
        /// For each element of `target` (of `shape`, row-major), 1 + its position among the
        /// values the writes to `target` produce, taken write by write (`concat(0, v₁, v₂, …)`):
        /// the last execution that writes it; 1, the leading 0, where none does.
        case positions(target: String, shape: [Dim])
        /// 1 where some execution writes the element of `target`, else 0.
        case written(target: String, shape: [Dim])
    }

    /// Which loop of the program it is (`Lowering.fillLoop`'s number): one walk serves all of its
    /// arrays.
    var id: Int
    var steps: [Step]
    /// The writes, by statement number.
    var writes: [Write]

    /// What one walk of the nest on the host records, write by write (by statement number), at
    /// each of its executions in Stan's order: its hoisted values and the indices it writes.
    struct Executions {
        /// [statement][expression][execution].
        var hoisted: [[[Double]]]
        /// [statement][execution][axis].
        var indices: [[[Int]]]
        /// [statement][execution]: the execution's place among all the nest's, in Stan's order.
        var order: [[Int]]
    }

    /// Walks the nest once on the host, its loop indices bound in `interpreter`'s environment (and
    /// unbound after); every array of the nest is read from the one walk (`value`).
    func executions(_ interpreter: inout HostInterpreter,
                    fail: (String, StanSourceLocation) -> Error) throws -> Executions {
        var out = Executions(hoisted: writes.map { w in w.hoisted.map { _ in [] } }, indices: writes.map { _ in [] },
                             order: writes.map { _ in [] })
        var count = 0
        func walk(_ steps: [Step]) throws {
            for step in steps {
                switch step {
                case .loop(let v, let lower, let upper, let body):
                    let (a, b) = (try interpreter.intScalar(lower, what: "a loop bound"), try interpreter.intScalar(upper, what: "a loop bound"))
                    guard a <= b else { continue }
                    let saved = interpreter.env[v]
                    defer { interpreter.env[v] = saved }
                    for t in a...b {
                        interpreter.env[v] = .integer(t)
                        try walk(body)
                    }
                case .branch(let c, let then, let otherwise):
                    try walk(try interpreter.truth(c) ? then : otherwise)
                case .write(let w):
                    for (k, e) in w.hoisted.enumerated() {
                        let v = try interpreter.evaluate(e)
                        guard v.rank == 0 else { throw fail("this value per element must be a scalar", e.location) }
                        out.hoisted[w.statement][k].append(v.values[0])
                    }
                    out.indices[w.statement].append(try w.indices.map { try interpreter.intScalar($0, what: "an index") })
                    out.order[w.statement].append(count)
                    count += 1
                }
            }
        }
        try walk(steps)
        return out
    }

    /// The array `output` names, from the nest's `executions` (`resolve` gives extents); an index
    /// outside its variable's extents stops with `fail`, at the write.
    func value(_ output: Output, _ executions: Executions, resolve: ([Dim]) throws -> [Int],
               fail: (String, StanSourceLocation) -> Error) throws -> DataArray {
        switch output {
        case .count(let s):
            return .integer(executions.indices[s].count)
        case .values(let s, let k, let integer):
            let values = executions.hoisted[s][k]
            return DataArray(shape: [values.count], values: values, isInteger: integer)
        case .positions(let target, let dims), .written(let target, let dims):
            let shape = try resolve(dims)
            // The writes to target in order, each one's values after those of the writes before it;
            // of the executions writing an element, the last in Stan's order wins.
            var last = [Int](repeating: 0, count: shape.reduce(1, *))
            var lastOrder = [Int](repeating: -1, count: last.count)
            var next = 1
            for w in writes where w.target == target {
                for (e, ks) in executions.indices[w.statement].enumerated() {
                    var element = 0
                    for (axis, (k, n)) in zip(ks, shape).enumerated() {
                        guard k >= 1, k <= n else {
                            throw fail("index \(k) is out of range 1…\(n) in an assignment to '\(target)'\(ks.count > 1 ? " (its index \(axis + 1))" : "")",
                                       w.indices[axis].location)
                        }
                        element = element * n + k - 1
                    }
                    let order = executions.order[w.statement][e]
                    if order > lastOrder[element] { (last[element], lastOrder[element]) = (next + e + 1, order) }
                }
                next += executions.indices[w.statement].count
            }
            if case .written = output { return DataArray(shape: shape, values: last.map { $0 > 0 ? 1 : 0 }) }
            return DataArray(shape: shape, values: last.map { Double($0 == 0 ? 1 : $0) }, isInteger: true)
        }
    }
}
