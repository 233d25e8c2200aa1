import LeapfrogData
import LeapfrogModel

/// A loop nest that fills variables element by element (`Lowering+FillLoops`: `K[i, j] = …` for
/// the pairs of a triangle, `log_omega[k, n] = normal_lpdf(y[n] | mu[k], sigma)`): its loops,
/// its conditions on data and its writes, each bound or index an expression the host evaluates
/// once the data are read. One walk gives, in Stan's order, each write's executions: the values
/// the graph reads per execution (`Write.hoisted`) and the element each execution writes.
///
/// A nest whose writes read elements other executions wrote (`chi[i, t] = … * chi[i, t + 1]`, the
/// Cormack–Jolly–Seber models' probability of never being seen again) is a recurrence along the
/// elements: the walk also records, for each such read (`Write.reads`), which execution produced
/// the element it sees, and each execution's *level*, 0 for a write that reads no element of the
/// nest and 1 + the largest level of what it reads otherwise. Every write's values recomputed from
/// all the values of the step before, level ≤ k is exact after k steps (Jacobi's iteration on a
/// triangular system): `Lowering.fillLoop` runs `levels` steps.
///
/// A variable whose every write the host can compute (`n_avoid[j, t] = n_avoid[j, t - 1] + 1 -
/// y[j, t - 1]`: data, loop indices and elements of such variables) is filled by the walk itself,
/// once, and read by the graph as data (`hostTargets`).
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
        /// The elements of the nest's variables its value reads that an execution other than
        /// this iteration's may have written.
        var reads: [Read] = []
        /// The write whose values it repeats (`K[j, i] = K[i, j]`), if any: its level is theirs.
        var copies: Int?
        /// Whether its values are recomputed at each step of the recurrence: it reads elements
        /// (`reads`) or repeats a write that does.
        var recurrent = false
        /// Whether the host computes it in the walk: its value is `hoisted[0]`, stored in the
        /// variable's array (`hostTargets`); it has no place in the graph's state.
        var host = false
        /// The indices its value reads other variables at, checked at each execution (the
        /// graph's gathers would only name made-up index arrays).
        var checks: [IndexCheck] = []
    }

    /// Index `index` of `variable` on axis `axis` (0-based), within 1…`extent`.
    struct IndexCheck: Sendable {
        var variable: String
        var axis: Int
        var rank: Int
        var index: Expression
        var extent: Dim
    }

    /// A variable the walk fills (`Write.host`): its extents and base type.
    struct HostTarget: Sendable {
        var name: String
        var shape: [Dim]
        var integer: Bool
    }

    /// `target[indices]` read by a write's value, `shape` the target's extents; `prior`: whether
    /// the target has a value before the nest (read where no execution before wrote the element).
    struct Read: Sendable {
        var target: String
        var indices: [Expression]
        var shape: [Dim]
        var location: StanSourceLocation
        var prior: Bool
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
        /// For each element of `target`, 1 + its position among the values of all the writes, in
        /// order (`concat(0, v₁, v₂, …)` over every target: the state of a recurrent nest).
        case statePositions(target: String, shape: [Dim])
        /// For each execution of write `statement`, 1 + the position in the state of the value
        /// its read `read` sees; 1, the leading 0, where no execution before wrote the element.
        case readPositions(statement: Int, read: Int)
        /// For each execution of write `statement`, 1 where its read `read` sees the value before
        /// the nest (no execution before wrote the element), else 0.
        case readsPrior(statement: Int, read: Int)
        /// The largest level of the nest's executions: the steps its recurrence takes.
        case levels
        /// The values of `target`, one of `hostTargets`, after the walk.
        case hostFilled(target: String)
        /// 1 where some execution writes the element of `target`, else 0.
        case written(target: String, shape: [Dim])
    }

    /// Which loop of the program it is (`Lowering.fillLoop`'s number): one walk serves all of its
    /// arrays.
    var id: Int
    var steps: [Step]
    /// The writes, by statement number.
    var writes: [Write]
    var hostTargets: [HostTarget] = []

    /// What one walk of the nest on the host records, write by write (by statement number), at
    /// each of its executions in Stan's order: its hoisted values and the indices it writes.
    struct Executions {
        /// [statement][expression][execution].
        var hoisted: [[[Double]]]
        /// [statement][execution][axis].
        var indices: [[[Int]]]
        /// [statement][execution]: the execution's place among all the nest's, in Stan's order.
        var order: [[Int]]
        /// [statement][read][execution]: the execution whose value the read sees, as (statement,
        /// execution); nil where none wrote the element before.
        var producers: [[[(statement: Int, execution: Int)?]]]
        /// The largest level (`FillNest`).
        var levels = 0
        /// The arrays of `hostTargets` after the walk.
        var filled: [String: DataArray] = [:]
    }

    /// Walks the nest once on the host, its loop indices and the arrays of `hostTargets` bound in
    /// `interpreter`'s environment (and unbound after); every array of the nest is read from the
    /// one walk (`value`).
    func executions(_ interpreter: inout HostInterpreter, resolve: ([Dim]) throws -> [Int],
                    fail: (String, StanSourceLocation) -> Error) throws -> Executions {
        var out = Executions(hoisted: writes.map { w in w.hoisted.map { _ in [] } }, indices: writes.map { _ in [] },
                             order: writes.map { _ in [] }, producers: writes.map { w in w.reads.map { _ in [] } })
        // Extents, resolved once: of what each value's checked indices and reads index.
        let checkExtents = try writes.map { w in try w.checks.map { try resolve([$0.extent])[0] } }
        let readShapes = try writes.map { w in try w.reads.map { try resolve($0.shape) } }
        var count = 0
        // The last execution to write each element, with its level (kept where some write reads
        // elements); the level of each write's latest execution (what a repeating write's is).
        let recurrent = writes.contains { !$0.reads.isEmpty }
        var lastWrite: [String: [[Int]: (statement: Int, execution: Int, level: Int)]] = [:]
        var latestLevel = [Int](repeating: 0, count: writes.count)
        // Stan leaves what is not written NaN; the graph's convention, and so the walk's, is 0.
        let saved = hostTargets.map { interpreter.env[$0.name] }
        defer { for (t, v) in zip(hostTargets, saved) { interpreter.env[t.name] = v } }
        for t in hostTargets {
            let shape = try resolve(t.shape)
            interpreter.env[t.name] = DataArray(shape: shape, values: Array(repeating: 0, count: shape.reduce(1, *)), isInteger: t.integer)
        }
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
                    for (c, n) in zip(w.checks, checkExtents[w.statement]) {
                        let k = try interpreter.intScalar(c.index, what: "an index")
                        guard k >= 1, k <= n else {
                            throw fail(FillNest.outOfRange(k, n, "for '\(c.variable)'", axis: c.axis, rank: c.rank), c.index.location)
                        }
                    }
                    var level = 0
                    for (k, r) in w.reads.enumerated() {
                        let ks = try r.indices.map { try interpreter.intScalar($0, what: "an index") }
                        _ = try FillNest.element(ks, of: readShapes[w.statement][k], "in a read of '\(r.target)'", at: r.indices, fail: fail)
                        let producer = lastWrite[r.target]?[ks]
                        out.producers[w.statement][k].append(producer.map { ($0.statement, $0.execution) })
                        level = max(level, producer?.level ?? 0)
                    }
                    if let c = w.copies { level = latestLevel[c] } else if w.recurrent { level += 1 }
                    let ks = try w.indices.map { try interpreter.intScalar($0, what: "an index") }
                    if w.host {
                        let array = interpreter.env[w.target]!
                        let element = try FillNest.element(ks, of: array.shape, "in an assignment to '\(w.target)'", at: w.indices, fail: fail)
                        let value = out.hoisted[w.statement][0].last!
                        interpreter.env[w.target]!.values[element] = array.isInteger ? value.rounded(.towardZero) : value
                    }
                    if recurrent { lastWrite[w.target, default: [:]][ks] = (w.statement, out.indices[w.statement].count, level) }
                    latestLevel[w.statement] = level
                    out.levels = max(out.levels, level)
                    out.indices[w.statement].append(ks)
                    out.order[w.statement].append(count)
                    count += 1
                }
            }
        }
        try walk(steps)
        for t in hostTargets { out.filled[t.name] = interpreter.env[t.name] }
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
        case .levels:
            return .integer(executions.levels)
        case .hostFilled(let target):
            return executions.filled[target]!
        case .readsPrior(let s, let k):
            return DataArray(shape: [executions.producers[s][k].count], values: executions.producers[s][k].map { $0 == nil ? 1 : 0 }, isInteger: true)
        case .readPositions(let s, let k):
            let offsets = stateOffsets(executions)
            return DataArray(shape: [executions.producers[s][k].count],
                             values: executions.producers[s][k].map { p in Double(p.map { offsets[$0.statement] + $0.execution + 1 } ?? 1) },
                             isInteger: true)
        case .positions(let target, let dims), .written(let target, let dims), .statePositions(let target, let dims):
            let shape = try resolve(dims)
            // The writes to target in order, each one's values after those of the writes before it;
            // of the executions writing an element, the last in Stan's order wins.
            var last = [Int](repeating: 0, count: shape.reduce(1, *))
            var lastOrder = [Int](repeating: -1, count: last.count)
            var next = 1
            let all: Bool
            if case .statePositions = output { all = true } else { all = false }
            for w in writes where (all && !w.host) || w.target == target {
                guard w.target == target else { next += executions.indices[w.statement].count; continue }
                for (e, ks) in executions.indices[w.statement].enumerated() {
                    let element = try FillNest.element(ks, of: shape, "in an assignment to '\(target)'", at: w.indices, fail: fail)
                    let order = executions.order[w.statement][e]
                    if order > lastOrder[element] { (last[element], lastOrder[element]) = (next + e + 1, order) }
                }
                next += executions.indices[w.statement].count
            }
            if case .written = output { return DataArray(shape: shape, values: last.map { $0 > 0 ? 1 : 0 }) }
            return DataArray(shape: shape, values: last.map { Double($0 == 0 ? 1 : $0) }, isInteger: true)
        }
    }

    /// The row-major position of the element at `ks` (1-based) in an array of `shape`; an index
    /// outside it stops with `fail` at its expression, the message saying where it is (`what`).
    private static func element(_ ks: [Int], of shape: [Int], _ what: String, at indices: [Expression],
                                fail: (String, StanSourceLocation) -> Error) throws -> Int {
        var element = 0
        for (axis, (k, n)) in zip(ks, shape).enumerated() {
            guard k >= 1, k <= n else { throw fail(outOfRange(k, n, what, axis: axis, rank: ks.count), indices[axis].location) }
            element = element * n + k - 1
        }
        return element
    }

    /// "index k is out of range 1…n `what`", naming the index among several.
    private static func outOfRange(_ k: Int, _ n: Int, _ what: String, axis: Int, rank: Int) -> String {
        "index \(k) is out of range 1…\(n) \(what)\(rank > 1 ? " (its index \(axis + 1))" : "")"
    }

    /// Where each write's values start in the state `concat(0, v₁, v₂, …)`, 0-based: 1 + the
    /// executions of the writes before it.
    private func stateOffsets(_ executions: Executions) -> [Int] {
        var offsets: [Int] = []
        var next = 1
        for w in writes {
            offsets.append(next)
            if !w.host { next += executions.indices[w.statement].count }
        }
        return offsets
    }
}
