import LeapfrogData
import LeapfrogModel

/// A loop nest that fills variables element by element (`Lowering+FillLoops`: `K[i, j] = …` for
/// the pairs of a triangle, `log_omega[k, n] = normal_lpdf(y[n] | mu[k], sigma)`): its loops,
/// its conditions on data and its writes, each bound or index an expression the host evaluates
/// once the data are read. Walking it gives, in Stan's order, each write's executions: the values
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

    var steps: [Step]
    /// The writes, by statement number.
    var writes: [Write]

    /// Runs the nest on the host, its loop indices bound in `interpreter`'s environment (and
    /// unbound after), calling `visit` at each write executed, in Stan's order.
    func run(_ interpreter: inout HostInterpreter, _ visit: (Write, HostInterpreter) throws -> Void) throws {
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
                    try visit(w, interpreter)
                }
            }
        }
        try walk(steps)
    }

    /// The array `output` names, from the data in `interpreter` (`resolve` gives extents); an
    /// index outside its variable's extents stops with `fail`, at the write.
    func value(_ output: Output, _ interpreter: inout HostInterpreter, resolve: ([Dim]) throws -> [Int],
               fail: (String, StanSourceLocation) -> Error) throws -> DataArray {
        switch output {
        case .count(let s):
            var n = 0
            try run(&interpreter) { w, _ in if w.statement == s { n += 1 } }
            return .integer(n)
        case .values(let s, let k, let integer):
            var values: [Double] = []
            try run(&interpreter) { w, interpreter in
                guard w.statement == s else { return }
                let v = try interpreter.evaluate(w.hoisted[k])
                guard v.rank == 0 else { throw fail("this value per element must be a scalar", w.hoisted[k].location) }
                values.append(v.values[0])
            }
            return DataArray(shape: [values.count], values: values, isInteger: integer)
        case .positions(let target, let dims), .written(let target, let dims):
            let shape = try resolve(dims)
            // The writes to target in order, each one's values after those of the writes before it.
            var offset: [Int: Int] = [:]
            var executions: [Int: Int] = [:]
            var last = [Int](repeating: 0, count: shape.reduce(1, *))
            var written: [(element: Int, statement: Int, execution: Int)] = []
            try run(&interpreter) { w, interpreter in
                guard w.target == target else { return }
                let ks = try w.indices.map { try interpreter.intScalar($0, what: "an index") }
                var element = 0
                for (axis, (k, n)) in zip(ks, shape).enumerated() {
                    guard k >= 1, k <= n else {
                        throw fail("index \(k) is out of range 1…\(n) in an assignment to '\(target)'\(ks.count > 1 ? " (its index \(axis + 1))" : "")",
                                   w.indices[axis].location)
                    }
                    element = element * n + k - 1
                }
                let e = executions[w.statement, default: 0]
                executions[w.statement] = e + 1
                written.append((element, w.statement, e))
            }
            var next = 1
            for s in executions.keys.sorted() {
                offset[s] = next
                next += executions[s]!
            }
            for x in written { last[x.element] = offset[x.statement]! + x.execution + 1 }
            if case .written = output { return DataArray(shape: shape, values: last.map { $0 > 0 ? 1 : 0 }) }
            return DataArray(shape: shape, values: last.map { Double($0 == 0 ? 1 : $0) }, isInteger: true)
        }
    }
}
