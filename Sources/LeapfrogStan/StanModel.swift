import LeapfrogCore
import LeapfrogData
import LeapfrogModel

/// A compiled Stan program: the model graph and what binding it to data needs.
public struct StanModel: Sendable {
    /// The graph. Parameters whose bounds depend on data have `.none` here; use
    /// `instantiate(data:)`, which fills them in.
    public let graph: ModelGraph
    let program: Program
    let diagnostics: Diagnostics
    let synthetic: [SyntheticData]
    let pendingBounds: [PendingBound]
    let conditionalTerms: [ConditionalTerm]
    let conditionalChoices: [ConditionalChoice]
    let sizeChecks: [SizeCheck]
    let outcomeChecks: [OutcomeCheck]
    /// The nodes of the terms of vectorised densities lowered as loops over their rows
    /// (`Lowering.rowTermLoop`): plates only where the evaluation plan can stream them.
    let rowTermNodes: Set<Int>
    /// The generated quantities are not in the graph: `hostQuantities(data:)` runs them per draw.
    public let generatedQuantitiesOnHost: Bool
    /// Node index → `file:line:column` of the statement that made it, for messages about a node
    /// (`ModelInstance.nodeSources`).
    public let nodeSources: [Int: String]

    /// The data variables the program declares, in order.
    public var dataNames: [String] { program.data.map(\.name) }

    /// The seed of transformed data's `_rng` calls when none is given: the samplers' default
    /// `--seed`.
    public static let defaultSeed: UInt64 = 1

    /// The graph with data-dependent bounds evaluated, and the data prepared for it. `seed` keys
    /// the random numbers of transformed data (`_rng` calls; `HostRandom(transformedDataSeed:)`):
    /// pass the run's seed.
    public func instantiate(data: DataSet, seed: UInt64 = defaultSeed) throws -> (graph: ModelGraph, data: DataSet) {
        let (prepared, env) = try prepare(data, seed: seed)
        var g = graph
        for b in pendingBounds {
            let interpreter = HostInterpreter(env: env, diagnostics: diagnostics, functions: program.functions)
            func bound(_ e: Expression?) throws -> Double? {
                guard let e else { return nil }
                let v = try interpreter.evaluate(e)
                guard v.rank == 0 else { throw diagnostics.error("the bound of '\(b.parameter)' must be a scalar (vector bounds are not supported yet)", at: e.location) }
                return v.values[0]
            }
            let (lo, hi) = (try bound(b.lower), try bound(b.upper))
            let c: Constraint
            switch (lo, hi) {
            case (let a?, let z?):
                guard a < z else { throw LeapfrogError(.data, "\(sourceName(data)): the lower bound \(a) of '\(b.parameter)' is not below its upper bound \(z)") }
                c = .bounded(a, z)
            case (let a?, nil): c = .lower(a)
            case (nil, let z?): c = .upper(z)
            case (nil, nil): c = .none
            }
            if let i = g.parameters.firstIndex(where: { $0.name == b.parameter }) { g.parameters[i].constraint = c }
        }
        // Terms under if on data: the plain term where the conditions hold, none elsewhere.
        var dropped: [Int] = []
        for c in conditionalTerms {
            let holds = c.conditions.allSatisfy { ((prepared[$0.name]?.values.first ?? 0) != 0) == $0.holds }
            if holds { g.terms[c.term].node = c.node } else { dropped.append(c.term) }
        }
        for i in dropped.sorted(by: >) { g.terms.remove(at: i) }
        // Values chosen by data conditions: reads of each placeholder become reads of the branch
        // taken (a choice of a choice followed through).
        if !conditionalChoices.isEmpty {
            var chosen: [Int: Int] = [:]
            for c in conditionalChoices {
                chosen[c.node] = (prepared[c.condition]?.values.first ?? 0) != 0 ? c.then : c.otherwise
            }
            func resolve(_ i: Int) -> Int {
                var j = i
                while let k = chosen[j] { j = k }
                return j
            }
            for i in g.nodes.indices {
                g.nodes[i].args = g.nodes[i].args.map(resolve)
                g.nodes[i].update = g.nodes[i].update.map(resolve)
            }
            for i in g.terms.indices { g.terms[i].node = resolve(g.terms[i].node) }
            for i in g.derived.indices { g.derived[i].node = resolve(g.derived[i].node) }
        }
        // The plates of vectorised densities over rows stream only beside what the plan can
        // stream with them: where it cannot (whole reads of the same rows elsewhere, a plate of
        // another length reading them), they are whole terms again, as written.
        if !rowTermNodes.isEmpty, let bound = try? BoundModel(graph: g, data: prepared), (try? EvaluationPlan(bound)) == nil {
            for i in g.terms.indices where rowTermNodes.contains(g.terms[i].node) { g.terms[i].plate = nil }
        }
        return (g, prepared)
    }

    /// The generated quantities that run on the host once per chain and draw (the graph cannot
    /// express them: `if` on parameters, argmax writes into integer arrays), bound to `data`;
    /// nil when the graph computes them. Pass it as `ModelInstance.hostQuantities`.
    public func hostQuantities(data: DataSet, seed: UInt64 = defaultSeed) throws -> (any HostQuantities)? {
        guard generatedQuantitiesOnHost else { return nil }
        return try HostGeneratedQuantities(program.generatedQuantities, data: try prepare(data, seed: seed).1, diagnostics: diagnostics,
                                           functions: program.functions)
    }

    /// Checks the declared data (presence, shape, integers, bounds), runs transformed data, and
    /// adds the synthetic variables the graph reads (sizes, indices, constants, conditions).
    public func prepareData(_ data: DataSet, seed: UInt64 = defaultSeed) throws -> DataSet {
        try prepare(data, seed: seed).0
    }

    private func sourceName(_ data: DataSet) -> String { data.source.isEmpty ? "data" : "data file '\(data.source)'" }

    func prepare(_ data: DataSet, seed: UInt64) throws -> (DataSet, [String: DataArray]) {
        let source = sourceName(data)
        func fail(_ m: String) -> LeapfrogError { LeapfrogError(.data, "model '\(graph.name)', \(source): \(m)") }
        var interpreter = HostInterpreter(env: [:], diagnostics: diagnostics, random: HostRandom(transformedDataSeed: seed),
                                          functions: program.functions)
        for d in program.data {
            let shape = try d.sizes.map { try interpreter.intScalar($0, what: "a size") }
            guard var value = data[d.name] else {
                throw fail("the program declares \(d.isInteger ? "integer" : "real") data '\(d.name)' (\(diagnostics.path):\(d.location)), but the data have \(data.names.isEmpty ? "no variables" : "only " + data.names.joined(separator: ", "))")
            }
            if value.count == 0, shape.reduce(1, *) == 0 { value = DataArray(shape: shape, values: [], isInteger: d.isInteger) }
            guard value.shape == shape else {
                throw fail("'\(d.name)' has shape \(value.shape) but the program declares shape \(shape)")
            }
            if d.isInteger, let bad = value.values.firstIndex(where: { $0 != $0.rounded() }) {
                throw fail("'\(d.name)' must hold integers, but element \(bad + 1) is \(value.values[bad])")
            }
            // Written in exponent form (3e20) a number past 2^53 reads as a real that happens to be whole.
            if d.isInteger, let bad = value.values.firstIndex(where: { $0.magnitude > 9_007_199_254_740_992 }) {
                throw fail("'\(d.name)' must hold integers, but element \(bad + 1) is \(value.values[bad]), too large to hold "
                           + "exactly (the limit is 2^53)")
            }
            value.isInteger = d.isInteger
            try checkBounds(d, value, interpreter, fail)
            interpreter.env[d.name] = value
        }
        do {
            try interpreter.run(program.transformedData)
        }
        for s in program.transformedData {
            if case .declaration(let d) = s, let v = interpreter.env[d.name] {
                if let bad = v.values.firstIndex(where: { $0.isNaN }) {
                    throw diagnostics.error("transformed data '\(d.name)' element \(bad + 1) is NaN: never assigned, or computed "
                                            + "outside a function's domain (the log of a negative number, 0/0, …)", at: d.location)
                }
                try checkBounds(d, v, interpreter, fail)
            }
        }
        let env = interpreter.env
        var out = DataSet(env.filter { !$0.key.hasPrefix("__") }, source: data.source)
        for (k, v) in data.variables where out[k] == nil { out[k] = v }
        let resolve = { (dims: [Dim]) throws -> [Int] in
            try dims.map { d in
                switch d {
                case .fixed(let n): return n
                case .symbol(let s):
                    guard let v = out[s], v.rank == 0 else { throw fail("the extent \(s) is not fixed by the data") }
                    return Int(v.values[0])
                }
            }
        }
        var walks: [Int: FillNest.Executions] = [:]  // each fill loop walked once
        for s in synthetic {
            let value: DataArray
            switch s {
            case .size(_, let e):
                let n = try interpreter.intScalar(e, what: "a size")
                guard n >= 0 else { throw diagnostics.error("this size is \(n), which is negative", at: e.location) }
                value = .integer(n)
            case .constantIndex(_, let k):
                value = .integers([k])
            case .index(_, let e):
                value = .integers([try interpreter.intScalar(e, what: "an index")])
            case .indices(_, let e):
                var v = try interpreter.evaluate(e)
                guard v.rank == 1, v.values.allSatisfy({ $0 == $0.rounded() }) else {
                    throw diagnostics.error("a multi-index must be an array of integers", at: e.location)
                }
                v.isInteger = true
                value = v
            case .integer(_, let e):
                value = .integer(try interpreter.intScalar(e, what: "an integer"))
            case .fill(_, let x, let dims):
                let shape = try resolve(dims)
                value = DataArray(shape: shape, values: Array(repeating: x, count: shape.reduce(1, *)))
            case .indicator(_, let e):
                value = .scalar(try interpreter.truth(e) ? 1 : 0)
            case .pattern(_, let pattern, let dims):
                let shape = try resolve(dims)
                if pattern == .reshapeColumns, shape[1] > 0, shape[0] % shape[1] != 0 {
                    throw fail("to_matrix: \(shape[0]) elements do not fill \(shape[1]) columns")
                }
                value = DataArray(shape: shape, values: pattern.values(shape))
            case .oneHot(_, let dims, let position):
                let shape = try resolve(dims)
                for (axis, k) in position.enumerated() where k < 1 || k > shape[axis] {
                    throw fail("index \(k) is out of range 1…\(shape[axis]) in an assignment")
                }
                var values = [Double](repeating: 0, count: shape.reduce(1, *))
                let offset = position.count == 2 ? (position[0] - 1) * shape[1] + position[1] - 1 : position[0] - 1
                if !values.isEmpty { values[offset] = 1 }
                value = DataArray(shape: shape, values: values)
            case .scatter(_, let rows, let written, let partRows, let location):
                let n = try resolve([rows])[0]
                let targets: [Int]
                switch written {
                case .element(let k): targets = [try interpreter.intScalar(k, what: "an index")]
                case .range(let a, let b):
                    let (lo, hi) = (try interpreter.intScalar(a, what: "a range bound"), try interpreter.intScalar(b, what: "a range bound"))
                    if lo <= hi, lo < 1 || hi > n { throw diagnostics.error("range \(lo):\(hi) is out of range 1…\(n) in an assignment", at: location) }
                    targets = lo <= hi ? Array(lo...hi) : []
                case .indices(let e): targets = try interpreter.evaluate(e).values.map { Int($0) }
                }
                if let partRows, case let given = try resolve([partRows])[0], given != targets.count {
                    throw diagnostics.error("size mismatch in an assignment: \(targets.count) row\(targets.count == 1 ? "" : "s") written, "
                                            + "but the value has \(given)", at: location)
                }
                var positions = Array(stride(from: 1, through: n, by: 1))
                for (j, k) in targets.enumerated() {
                    guard k >= 1, k <= n else {
                        throw diagnostics.error("index \(k) is out of range 1…\(n) in an assignment\(targets.count > 1 ? " (element \(j + 1) of the indices)" : "")", at: location)
                    }
                    positions[k - 1] = n + j + 1
                }
                value = .integers(positions)
            case .rowSelection(_, let condition, let index, let extent, let holds):
                let n = try resolve([extent])[0]
                let saved = interpreter.env[index]
                defer { interpreter.env[index] = saved }
                var rows: [Int] = []
                for i in 0..<n {
                    interpreter.env[index] = .integer(i + 1)
                    if try interpreter.truth(condition) == holds { rows.append(i + 1) }
                }
                value = .integers(rows)
            case .rowValues(_, let expression, let index, let extent, let integer):
                let n = try resolve([extent])[0]
                let saved = interpreter.env[index]
                defer { interpreter.env[index] = saved }
                var values: [Double] = []
                for i in 0..<n {
                    interpreter.env[index] = .integer(i + 1)
                    let v = try interpreter.evaluate(expression)
                    guard v.rank == 0 else { throw diagnostics.error("this value per row must be a scalar", at: expression.location) }
                    values.append(v.values[0])
                }
                value = DataArray(shape: [n], values: values, isInteger: integer)
            case .raggedPairs(_, let lower, let upper, let index, let extent, let steps, let filter):
                let n = try resolve([extent])[0]
                let names = [index] + (filter.map { [$0.variable] } ?? [])
                let saved = names.map { interpreter.env[$0] }
                defer { for (name, value) in zip(names, saved) { interpreter.env[name] = value } }
                var values: [Int] = []
                for i in stride(from: 1, through: n, by: 1) {
                    interpreter.env[index] = .integer(i)
                    let (a, b) = (try interpreter.intScalar(lower, what: "a loop bound"), try interpreter.intScalar(upper, what: "a loop bound"))
                    guard a <= b else { continue }
                    for t in a...b {
                        if let filter {
                            interpreter.env[filter.variable] = .integer(t)
                            guard try interpreter.truth(filter.condition) == filter.holds else { continue }
                        }
                        values.append(steps ? t : i)
                    }
                }
                value = .integers(values)
            case .oneHotRows(_, let index, let width, let location):
                let w = try resolve([width])[0]
                guard let ix = out[index] else { throw fail("the data '\(index)' are not known") }
                var values = [Double](repeating: 0, count: ix.count * w)
                for (r, k) in ix.values.enumerated() {
                    guard k >= 1, Int(k) <= w else {
                        throw diagnostics.error("'\(index)' element \(r + 1) is \(Int(k)), outside 1…\(w)", at: location)
                    }
                    values[r * w + Int(k) - 1] = 1
                }
                value = DataArray(shape: [ix.count, w], values: values)
            case .rowCount(_, let selection):
                value = .integer(out[selection]?.values.count ?? 0)
            case .rowOrder(_, let selections):
                var positions: [Int] = []
                var next = 1
                for selection in selections {
                    for row in out[selection]?.values ?? [] {
                        let k = Int(row)
                        if positions.count < k { positions += Array(repeating: 0, count: k - positions.count) }
                        positions[k - 1] = next
                        next += 1
                    }
                }
                value = .integers(positions)
            case .selectedRows(_, let source, let selection):
                guard let x = out[source], let rows = out[selection] else { throw fail("the data '\(source)' are not known") }
                guard let extent = x.shape.first else { throw fail("'\(source)' is a scalar and has no rows to select") }
                let width = x.shape.dropFirst().reduce(1, *)
                var values: [Double] = []
                values.reserveCapacity(rows.values.count * width)
                for r in rows.values {
                    let k = Int(r)
                    guard k >= 1, k <= extent else { throw fail("index \(k) is out of range 1…\(extent) for '\(source)'") }
                    values += x.values[((k - 1) * width)..<(k * width)]
                }
                value = DataArray(shape: [rows.values.count] + x.shape.dropFirst(), values: values, isInteger: x.isInteger)
            case .categories(_, let source, let cutpoints, let top):
                guard let y = out[source] else { throw fail("the data '\(source)' are not known") }
                let k = try resolve([cutpoints])[0] + 1
                if let bad = y.values.firstIndex(where: { $0 < 1 || $0 > Double(k) || $0 != $0.rounded() }) {
                    throw fail("'\(source)' element \(bad + 1) is \(DataLimit.value(y.values[bad]).description), but the outcome of an ordered "
                               + "model with \(k - 1) cutpoints is a category 1…\(k)")
                }
                value = top ? DataArray(shape: [y.count], values: y.values.map { $0 == Double(k) ? 1 : 0 })
                    : DataArray(shape: [y.count, k - 1], values: y.values.flatMap { v in (1..<k).map { Double($0) == v ? 1 : 0 } })
            case .filledElements(_, let nest, let output):
                let fail = { (m: String, l: StanSourceLocation) -> Error in diagnostics.error(m, at: l) }
                if walks[nest.id] == nil { walks[nest.id] = try nest.executions(&interpreter, resolve: resolve, fail: fail) }
                value = try nest.value(output, walks[nest.id]!, resolve: resolve, fail: fail)
            case .range(_, let a, let b, let within):
                let (lo, hi) = (try interpreter.intScalar(a, what: "a range bound"), try interpreter.intScalar(b, what: "a range bound"))
                guard lo >= 1 else { throw diagnostics.error("the range \(lo):\(hi) starts below 1: Stan indices start at 1", at: a.location) }
                if let within, case let n = try resolve([within])[0], lo <= hi, hi > n {
                    throw diagnostics.error("the range \(lo):\(hi) is out of range 1…\(n)", at: b.location)
                }
                value = .integers(lo <= hi ? Array(lo...hi) : [])
            }
            out[s.name] = value
            interpreter.env[s.name] = value  // later synthetic values may read it (a range up to a synthetic size)
        }
        for c in sizeChecks where c.conditions.allSatisfy({ ((out[$0.name]?.values.first ?? 0) != 0) == $0.holds }) {
            for (a, b) in zip(c.declared.sizes, c.value.sizes) {
                guard let a, let b, try resolve([a]) != resolve([b]) else { continue }
                let (declared, value) = (try c.declared.sizes.map { try $0.map { try resolve([$0])[0] } }, try c.value.sizes.map { try $0.map { try resolve([$0])[0] } })
                throw diagnostics.error("size mismatch: \(c.subject) is \(Self.text(c.declared, declared)) but the value is \(Self.text(c.value, value))",
                                        at: c.location)
            }
        }
        for c in outcomeChecks where c.conditions.allSatisfy({ ((out[$0.name]?.values.first ?? 0) != 0) == $0.holds }) {
            try check(c, rows: try c.extent.map { try resolve([$0])[0] }, interpreter, source: source)
        }
        return (out, env)
    }

    /// Stops when a density's data outcome lies outside its truncation's bounds or its family's
    /// support (`OutcomeCheck`), naming the element and, in a vectorised loop, the row.
    private func check(_ c: OutcomeCheck, rows: Int?, _ interpreter: HostInterpreter, source: String) throws {
        var interpreter = interpreter
        for row in stride(from: 1, through: rows ?? 1, by: 1) {
            if let i = c.index { interpreter.env[i] = .integer(row) }
            let y = try interpreter.evaluate(c.outcome)
            if c.kind == .symmetric {
                try checkSymmetric(y, c, source: source)
                // Positive definite: the host's Cholesky factor exists.
                if (try? interpreter.evaluate(.call("cholesky_decompose", [c.outcome], conditional: false, c.location))) == nil {
                    throw LeapfrogError(.data, diagnostics.format(
                        "\(source): the covariance of this \(c.family) is not positive definite (Stan rejects it too)", at: c.location))
                }
                continue
            }
            let (lower, upper) = (try c.lower.map { try interpreter.evaluate($0) }, try c.upper.map { try interpreter.evaluate($0) })
            func limit(_ b: DataArray?, _ k: Int) -> Double? {
                guard let b, !b.values.isEmpty else { return nil }
                return b.values.count == y.values.count ? b.values[k] : b.values[0]
            }
            for (k, x) in y.values.enumerated() {
                let (a, z) = (limit(lower, k), limit(upper, k))
                guard (a.map { x < $0 } ?? false) || (z.map { x > $0 } ?? false) else { continue }
                let element = y.rank == 0 ? "" : " (element \(k + 1))"
                // A vectorised density's loop (`rowTermLoop`, its index ending in __) names the element.
                func when(_ name: String, _ k: Int) -> String { name.hasSuffix("__") ? " (element \(k))" : " when \(name) = \(k)" }
                let at: String
                if let (name, selections) = c.loopIndex {
                    // The loop's row, not the branch's: through each enclosing branch's selection.
                    var k = row
                    for selection in selections.reversed() {
                        if let rows = interpreter.env[selection], k >= 1, k <= rows.count { k = Int(rows.values[k - 1]) }
                    }
                    at = when(name, k)
                } else {
                    at = c.index.map { when($0, row) } ?? ""
                }
                func text(_ v: Double?) -> String { v.map { DataLimit.value($0).description } ?? "" }
                if c.kind == .truncation {
                    throw LeapfrogError(.data, diagnostics.format(
                        "\(source): the outcome of this truncated \(c.family) is \(text(x))\(element)\(at), outside T[\(text(a)), \(text(z))], where "
                        + "its log density is −∞ (Stan rejects it too); check the data or the bounds", at: c.location))
                }
                throw LeapfrogError(.data, diagnostics.format(
                    "\(source): the outcome of this \(c.family) is \(text(x))\(element)\(at), outside its support \(text(a))…\(z.map { text($0) } ?? "∞") "
                    + "(Stan rejects it too); check the data", at: c.location))
            }
        }
    }

    /// A type with the data's sizes (`vector[3]`).
    static func text(_ t: StanType, _ sizes: [Int?]) -> String {
        var resolved = t
        resolved.sizes = sizes.map { $0.map { .fixed($0) } }
        return resolved.description
    }

    /// Stan's `check_symmetric`: |Aᵢⱼ − Aⱼᵢ| ≤ 1e-8 (its CONSTRAINT_TOLERANCE); a square matrix.
    private func checkSymmetric(_ a: DataArray, _ c: OutcomeCheck, source: String) throws {
        guard a.rank == 2 else { return }
        let (n, m) = (a.shape[0], a.shape[1])
        guard n == m else {
            throw LeapfrogError(.data, diagnostics.format("\(source): the covariance of this \(c.family) is \(n) × \(m), not square", at: c.location))
        }
        for i in 0..<n {
            for j in (i + 1)..<max(n, i + 1) where abs(a.values[i * n + j] - a.values[j * n + i]) > OutcomeCheck.symmetryTolerance {
                func text(_ x: Double) -> String { DataLimit.value(x).description }
                throw LeapfrogError(.data, diagnostics.format(
                    "\(source): the covariance of this \(c.family) is not symmetric: element [\(i + 1), \(j + 1)] is \(text(a.values[i * n + j])) "
                    + "but [\(j + 1), \(i + 1)] is \(text(a.values[j * n + i])) (Stan rejects it too)", at: c.location))
            }
        }
    }

    private func checkBounds(_ d: Declaration, _ value: DataArray, _ interpreter: HostInterpreter, _ fail: (String) -> LeapfrogError) throws {
        for (bound, isLower) in [(d.bounds.lower, true), (d.bounds.upper, false)] {
            guard let e = bound else { continue }
            let b = try interpreter.evaluate(e)
            guard b.rank == 0 || b.shape == value.shape else {
                throw diagnostics.error("the \(isLower ? "lower" : "upper") bound of '\(d.name)' has shape \(b.shape) but '\(d.name)' has shape \(value.shape)", at: e.location)
            }
            for (k, x) in value.values.enumerated() {
                let limit = b.rank == 0 ? b.values[0] : b.values[k]
                if isLower ? x < limit : x > limit {
                    throw fail(DataBounds.message(d.name, value, element: k, lower: isLower, bound: "\(limit)")
                               + " (declared at \(diagnostics.path):\(d.location))")
                }
            }
        }
    }
}
