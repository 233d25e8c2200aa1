import LeapfrogCore
import LeapfrogData
import LeapfrogModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Constrained parameter values as CmdStan's inits hold them (`{"theta": [0.2, 0.3, 0.5]}` for a
/// `simplex[3] theta`), turned into the graph's parameters. A parameter whose transform is written
/// into the graph (`Lowering+Constraints`: `simplex`, `ordered`, `positive_ordered`,
/// `unit_vector`, the four matrix types, bounds that depend on parameters or are vectors) is the
/// unconstrained `name__free`; its value is the transform's inverse at the given one:
///
/// - `simplex`: uₖ = log xₖ − log x_K (softmax([u; 0]) = x);
/// - `ordered`: u₁ = x₁, uₖ = log(xₖ − xₖ₋₁); `positive_ordered`: u₁ = log x₁, the same after;
/// - `unit_vector`: u = x;
/// - `sum_to_zero_vector`: u = Vᵀx (V the basis `ConstraintPattern.sumToZeroBasis`);
///   `sum_to_zero_matrix`: U = V_NᵀX V_M;
/// - `row_stochastic_matrix`: each row as a simplex; `column_stochastic_matrix`: each column;
/// - `cholesky_factor_corr` L: Uᵢⱼ = atanh(Lᵢⱼ / √(1 − Σ_{k<j} Lᵢₖ²)) below the diagonal (the CPC
///   transform's inverse); `corr_matrix` Ω: the same on Ω's Cholesky factor;
/// - `cholesky_factor_cov` L: Uᵢⱼ = Lᵢⱼ below, Uᵢᵢ = log Lᵢᵢ; `cov_matrix` Σ: the same on its factor;
///   the free entries the matrix transforms do not use are 0;
/// - `<lower=a, upper=b>`: u = logit((x − a)/(b − a)); `<lower=a>`: log(x − a); `<upper=b>`:
///   log(b − x), with a and b evaluated from the data and the other parameters' given values;
/// - `<offset=μ, multiplier=σ>`: u = (x − μ)/σ, likewise.
///
/// A value outside its type (a simplex that does not sum to 1, a matrix that is not a correlation
/// matrix) is an error that names it. Values already given as `name__free`, and parameters the
/// graph constrains itself (scalar bounds on data), pass through.
extension StanModel {
    public func parameterValues(_ values: DataSet, data: DataSet, seed: UInt64 = defaultSeed) throws -> DataSet {
        let graphNames = Set(graph.parameters.map(\.name))
        let source = values.source.isEmpty ? "parameter values" : values.source
        let inGraph = program.parameters.filter { !graphNames.contains($0.name) && graphNames.contains(Lowering.freeName($0.name)) }
        // Named as the program names it (the graph's `name__free` means nothing to its author).
        if values.variables.keys.contains(where: { !$0.hasSuffix("__free") }),
           let missing = inGraph.first(where: { values[$0.name] == nil && values[Lowering.freeName($0.name)] == nil }) {
            throw LeapfrogError(.data, "\(source): parameter '\(missing.name)' is missing")
        }
        let transformed = inGraph.filter { values[$0.name] != nil }
        guard !transformed.isEmpty else { return values }
        var interpreter = HostInterpreter(env: try prepare(data, seed: seed).1, diagnostics: diagnostics,
                                          random: HostRandom(transformedDataSeed: seed), functions: program.functions)
        var out = values
        for d in program.parameters {
            guard let x = values[d.name] else { continue }
            interpreter.env[d.name] = x  // a later parameter's bounds may read it
            guard transformed.contains(where: { $0.name == d.name }), out[Lowering.freeName(d.name)] == nil else { continue }
            let shape = try d.sizes.map { try interpreter.intScalar($0, what: "a size") }
            guard x.shape == shape || (x.count == shape.reduce(1, *) && (shape.count <= 1 || x.count == 0)) else {
                throw LeapfrogError(.data, "\(source): parameter '\(d.name)' has shape \(x.shape), but the program declares \(shape)")
            }
            let free = try freeValue(d, x, shape: shape, interpreter, source: source)
            out[Lowering.freeName(d.name)] = free
            out.variables[d.name] = nil
        }
        return out
    }

    /// The k × (k − 1) basis of `ConstraintPattern.sumToZeroBasis`.
    private static func sumToZeroBasis(_ k: Int) -> Matrix {
        Matrix(rows: k, columns: k - 1, values: ConstraintPattern.sumToZeroBasis.values([k, k - 1]))
    }

    private func freeValue(_ d: Declaration, _ x: DataArray, shape: [Int], _ interpreter: HostInterpreter, source: String) throws -> DataArray {
        func fail(_ why: String) -> LeapfrogError { LeapfrogError(.data, "\(source): '\(d.name)' \(why)") }
        guard let c = d.constrained else {
            if d.bounds.isAffine {
                let (offset, multiplier) = (try d.bounds.offset.map { try interpreter.evaluate($0) },
                                            try d.bounds.multiplier.map { try interpreter.evaluate($0) })
                func at(_ b: DataArray?, _ k: Int, _ otherwise: Double) -> Double {
                    b.map { $0.values.count == 1 ? $0.values[0] : $0.values[k] } ?? otherwise
                }
                var u = x.values
                for (k, v) in x.values.enumerated() {
                    let m = at(multiplier, k, 1)
                    guard m > 0 else { throw fail("has the multiplier \(m) at element \(k + 1); it must be positive") }
                    u[k] = (v - at(offset, k, 0)) / m
                }
                return DataArray(shape: shape, values: u)
            }
            let (lower, upper) = (try d.bounds.lower.map { try interpreter.evaluate($0) }, try d.bounds.upper.map { try interpreter.evaluate($0) })
            func at(_ b: DataArray?, _ k: Int) -> Double? { b.map { $0.values.count == 1 ? $0.values[0] : $0.values[k] } }
            var u = x.values
            for (k, v) in x.values.enumerated() {
                let (a, b) = (at(lower, k), at(upper, k))
                let element = x.count == 1 ? "" : " element \(k + 1)"
                let what = element.isEmpty ? "is \(v)" : "has\(element) \(v)"
                if let a, !(v > a) { throw fail("\(what), not above its lower bound \(a)") }
                if let b, !(v < b) { throw fail("\(what), not below its upper bound \(b)") }
                switch (a, b) {
                case (let a?, let b?): let p = (v - a) / (b - a); u[k] = log(p) - log1p(-p)
                case (let a?, nil): u[k] = log(v - a)
                case (nil, let b?): u[k] = log(b - v)
                case (nil, nil): u[k] = v
                }
            }
            return DataArray(shape: shape, values: u)
        }
        let k = shape.last ?? 1
        let rows = x.count / max(k, 1)
        func row(_ r: Int) -> [Double] { Array(x.values[(r * k)..<((r + 1) * k)]) }
        /// The free values of simplexes of `k` elements, one per row of `values`.
        func simplexes(_ values: [Double], k: Int, what: String) throws -> [Double] {
            let count = values.count / max(k, 1)
            var u: [Double] = []
            for r in 0..<count {
                let v = Array(values[(r * k)..<((r + 1) * k)])
                let total = v.reduce(0, +)
                guard v.allSatisfy({ $0 > 0 }), abs(total - 1) <= ParameterValueTolerance.constraint else {
                    throw fail("is not a simplex\(count > 1 ? " (\(what) \(r + 1))" : ""): its elements must be positive and sum to 1, they sum to \(total)")
                }
                u += v.dropLast().map { log($0) - log(v[k - 1]) }
            }
            return u
        }
        switch c {
        case .simplex:
            return DataArray(shape: Array(shape.dropLast()) + [k - 1], values: try simplexes(x.values, k: k, what: "row"))
        case .rowStochasticMatrix:
            return DataArray(shape: [shape[0], k - 1], values: try simplexes(x.values, k: k, what: "row"))
        case .columnStochasticMatrix:
            let transposed = Matrix(rows: shape[0], columns: k, values: x.values).transposed
            return DataArray(shape: [k, shape[0] - 1], values: try simplexes(transposed.array.values, k: shape[0], what: "column"))
        case .sumToZeroMatrix:
            let (n, m) = (shape[0], k)
            let sums = (0..<n).map { i in (0..<m).reduce(0) { $0 + x.values[i * m + $1] } }
                + (0..<m).map { j in (0..<n).reduce(0) { $0 + x.values[$1 * m + j] } }
            let size = x.values.reduce(0) { $0 + abs($1) }
            if let worst = sums.max(by: { abs($0) < abs($1) }), abs(worst) > ParameterValueTolerance.constraint * max(1, size) {
                throw fail("has a row or column that does not sum to zero: it sums to \(worst)")
            }
            let u = Self.sumToZeroBasis(n).transposed.times(Matrix(rows: n, columns: m, values: x.values)).times(Self.sumToZeroBasis(m))
            return u.array
        case .ordered, .positiveOrdered:
            var u: [Double] = []
            for r in 0..<rows {
                let v = row(r)
                guard zip(v, v.dropFirst()).allSatisfy({ $0 < $1 }), c == .ordered || v[0] > 0 else {
                    throw fail("is not \(c == .ordered ? "ordered" : "positive and ordered")\(rows > 1 ? " (row \(r + 1))" : ""): \(v)")
                }
                u.append(c == .ordered ? v[0] : log(v[0]))
                u += zip(v, v.dropFirst()).map { log($1 - $0) }
            }
            return DataArray(shape: shape, values: u)
        case .sumToZeroVector:
            for r in 0..<rows {
                let v = row(r)
                let total = v.reduce(0, +), size = v.reduce(0) { $0 + abs($1) }
                guard abs(total) <= ParameterValueTolerance.constraint * max(1, size) else {
                    throw fail("does not sum to zero\(rows > 1 ? " (row \(r + 1))" : ""): its elements sum to \(total)")
                }
            }
            // Each row v as uᵀ = vᵀV.
            let u = Matrix(rows: rows, columns: k, values: x.values).times(Self.sumToZeroBasis(k))
            return DataArray(shape: Array(shape.dropLast()) + [k - 1], values: u.values)
        case .unitVector:
            let norm = x.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard abs(norm - 1) <= ParameterValueTolerance.constraint else { throw fail("is not a unit vector: its length is \(norm)") }
            return DataArray(shape: shape, values: x.values)
        case .choleskyFactorCorr, .corrMatrix, .choleskyFactorCov, .covMatrix:
            var m = Matrix(rows: k, columns: k, values: x.values)
            if c == .corrMatrix || c == .covMatrix {
                if c == .corrMatrix, (0..<k).contains(where: { abs(m[$0, $0] - 1) > ParameterValueTolerance.constraint }) {
                    throw fail("is not a correlation matrix: its diagonal is not 1")
                }
                guard let l = m.cholesky() else { throw fail("is not symmetric positive definite") }
                m = l
            }
            for i in 0..<k {
                guard m[i, i] > 0, ((i + 1)..<k).allSatisfy({ m[i, $0] == 0 }) else {
                    throw fail("is not a Cholesky factor: it must be lower triangular with a positive diagonal")
                }
            }
            var u = Matrix(rows: k, columns: k, values: Array(repeating: 0, count: k * k))
            if c == .choleskyFactorCov || c == .covMatrix {
                for i in 0..<k {
                    for j in 0..<i { u[i, j] = m[i, j] }
                    u[i, i] = log(m[i, i])
                }
                return u.array
            }
            for i in 0..<k {
                let length = (0..<k).reduce(0) { $0 + m[i, $1] * m[i, $1] }
                guard abs(length - 1) <= ParameterValueTolerance.constraint else {
                    throw fail("is not the Cholesky factor of a correlation matrix: row \(i + 1) has length \(length.squareRoot()), not 1")
                }
                var used = 0.0
                for j in 0..<i {
                    u[i, j] = atanh(m[i, j] / (1 - used).squareRoot())
                    used += m[i, j] * m[i, j]
                }
            }
            return u.array
        }
    }
}

/// How far a given value may be from its type's constraint (a simplex's sum, a unit length, a
/// correlation's diagonal, a Cholesky row's length): Stan's CONSTRAINT_TOLERANCE.
enum ParameterValueTolerance {
    static let constraint = 1e-8
}
