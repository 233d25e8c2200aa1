import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import LeapfrogStan

/// Constrained types written into the graph (`Lowering+Constraints`): with an empty model block
/// the log density is the transform's log-Jacobian, which must equal log |det ∂x/∂u| computed by
/// finite differences of the constrained values; the constrained values must lie in the support.
@Suite struct ConstrainedParameterTests {
    /// log |det J| of `f` at `u` (central differences, then LU with partial pivoting).
    static func finiteDifferenceLogJacobian(_ f: ([Double]) -> [Double], at u: [Double], h: Double = 1e-6) -> Double {
        let n = u.count
        var j = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for c in 0..<n {
            var (up, down) = (u, u)
            up[c] += h; down[c] -= h
            let (a, b) = (f(up), f(down))
            precondition(a.count == n, "the map must be square")
            for r in 0..<n { j[r][c] = (a[r] - b[r]) / (2 * h) }
        }
        var logDet = 0.0
        for k in 0..<n {
            let p = (k..<n).max { abs(j[$0][k]) < abs(j[$1][k]) }!
            j.swapAt(k, p)
            logDet += log(abs(j[k][k]))
            for r in (k + 1)..<max(k + 1, n) {
                let m = j[r][k] / j[k][k]
                for c in k..<n { j[r][c] -= m * j[k][c] }
            }
        }
        return logDet
    }

    /// The named values (parameters on the constrained scale, then derived quantities) at `u`.
    static func values(_ m: ReferenceModel, _ u: [Double]) -> [String: Double] {
        let names = m.model.layout.elementNames + m.model.derivedElementNames
        return Dictionary(zip(names, m.constrained(u) + m.derivedValues(u)), uniquingKeysWith: { a, _ in a })
    }

    /// Checks the log-Jacobian at a few random points; `coordinates` names the constrained values
    /// that the free parameters map to one-to-one; `inSupport` checks every point.
    static func check(_ source: String, _ data: DataSet = DataSet([:]), coordinates: [String], unused: [String] = [],
                      inSupport: ([String: Double]) -> Bool, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let coordinates = coordinates + unused
        let m = try stanReference(source, data)
        #expect(m.dimension == coordinates.count, sourceLocation: sourceLocation)
        var rng = TestRandom(seed: 5)
        for _ in 0..<4 {
            let u = rng.vector(m.dimension, -2, 2)
            let v = values(m, u)
            #expect(inSupport(v), "\(v)", sourceLocation: sourceLocation)
            let fd = finiteDifferenceLogJacobian({ w in let x = values(m, w); return coordinates.map { x[$0]! } }, at: u)
            // Free coordinates the transform does not use carry a standard normal density.
            let lp = m.logDensity(u) + unused.map { 0.5 * v[$0]! * v[$0]! }.reduce(0, +)
            #expect(abs(lp - fd) < 1e-6 * max(1, abs(fd)), "log-Jacobian \(lp) vs finite differences \(fd)", sourceLocation: sourceLocation)
            #expect(GradientCheck.worstRelativeError(m, at: u) < GradientCheck.tolerance, sourceLocation: sourceLocation)
        }
    }

    @Test func simplex() throws {
        try Self.check("parameters { simplex[4] p; } model { }", coordinates: ["p[1]", "p[2]", "p[3]"]) { v in
            let p = (1...4).map { v["p[\($0)]"]! }
            return p.allSatisfy { $0 > 0 } && abs(p.reduce(0, +) - 1) < 1e-12
        }
        try Self.check("data { int K; } parameters { array[2] simplex[K] p; } model { }", DataSet(["K": .integer(3)]),
                       coordinates: ["p[1,1]", "p[1,2]", "p[2,1]", "p[2,2]"]) { v in
            (1...2).allSatisfy { j in
                let p = (1...3).map { v["p[\(j),\($0)]"]! }
                return p.allSatisfy { $0 > 0 } && abs(p.reduce(0, +) - 1) < 1e-12
            }
        }
    }

    @Test func orderedAndPositiveOrdered() throws {
        try Self.check("parameters { ordered[4] x; } model { }", coordinates: (1...4).map { "x[\($0)]" }) { v in
            let x = (1...4).map { v["x[\($0)]"]! }
            return zip(x, x.dropFirst()).allSatisfy { $0 < $1 }
        }
        try Self.check("parameters { array[2] positive_ordered[3] x; } model { }",
                       coordinates: (1...2).flatMap { j in (1...3).map { "x[\(j),\($0)]" } }) { v in
            (1...2).allSatisfy { j in
                let x = (1...3).map { v["x[\(j),\($0)]"]! }
                return x[0] > 0 && zip(x, x.dropFirst()).allSatisfy { $0 < $1 }
            }
        }
    }

    @Test func boundsThatDependOnParameters() throws {
        let source = """
        data { vector[2] floor; }
        parameters {
          real<lower=0, upper=1> alpha1;
          real<lower=0, upper=(1 - alpha1)> beta1;
          vector<lower=-alpha1>[2] c;
          real<upper=beta1> d;
          vector<lower=floor>[2] e;
        }
        model { }
        """
        try Self.check(source, DataSet(["floor": .vector([-1, 2])]),
                       coordinates: ["alpha1", "beta1", "c[1]", "c[2]", "d", "e[1]", "e[2]"]) { v in
            let (a, b) = (v["alpha1"]!, v["beta1"]!)
            return a > 0 && a < 1 && b > 0 && b < 1 - a && v["c[1]"]! > -a && v["c[2]"]! > -a && v["d"]! < b
                && v["e[1]"]! > -1 && v["e[2]"]! > 2
        }
    }

    @Test func constrainedParametersCombineWithTheModel() throws {
        // A Dirichlet prior on a simplex and ordered cut points: the graph-side transforms must
        // give the same model as the density written with the transform by hand.
        let withTypes = """
        data { vector[3] alpha; }
        parameters { simplex[3] p; ordered[2] c; }
        model { p ~ dirichlet(alpha); c ~ normal(0, 3); }
        """
        let byHand = """
        data { vector[3] alpha; }
        parameters { vector[2] p__free; vector[2] c__free; }
        transformed parameters {
          vector[3] z = rep_vector(0, 3);
        }
        model {
          real p1 = exp(p__free[1]) / (1 + exp(p__free[1]) + exp(p__free[2]));
          real p2 = exp(p__free[2]) / (1 + exp(p__free[1]) + exp(p__free[2]));
          real p3 = 1 / (1 + exp(p__free[1]) + exp(p__free[2]));
          target += (alpha[1] - 1) * log(p1) + (alpha[2] - 1) * log(p2) + (alpha[3] - 1) * log(p3);
          target += log(p1) + log(p2) + log(p3);
          target += normal_lpdf(c__free[1] | 0, 3) + normal_lpdf(c__free[1] + exp(c__free[2]) | 0, 3) + c__free[2];
        }
        """
        let data = DataSet(["alpha": .vector([2, 3, 4])])
        expectEquivalent(try stanReference(withTypes, data), try stanReference(byHand, data))
    }

    static func matrix(_ v: [String: Double], _ name: String, _ k: Int) -> [[Double]] {
        (1...k).map { i in (1...k).map { j in v["\(name)[\(i),\(j)]"]! } }
    }

    /// Whether `a` is symmetric positive definite (a Cholesky factorisation succeeds).
    static func positiveDefinite(_ a: [[Double]]) -> Bool {
        let n = a.count
        var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0..<n where abs(a[i][j] - a[j][i]) > 1e-12 * max(1, abs(a[i][j])) { return false }
            for j in 0...i {
                var s = a[i][j]
                for k in 0..<j { s -= l[i][k] * l[j][k] }
                if i == j { guard s > 0 else { return false }; l[i][i] = s.squareRoot() } else { l[i][j] = s / l[j][j] }
            }
        }
        return true
    }

    static func entries(_ name: String, _ k: Int, _ keep: (Int, Int) -> Bool) -> [String] {
        (1...k).flatMap { i in (1...k).filter { keep(i, $0) }.map { "\(name)[\(i),\($0)]" } }
    }

    @Test func correlationTypes() throws {
        let k = 3
        try Self.check("parameters { cholesky_factor_corr[3] L; } model { }",
                       coordinates: Self.entries("L", k) { $0 > $1 }, unused: Self.entries("L__free", k) { $0 <= $1 }) { v in
            let l = Self.matrix(v, "L", k)
            let unitRows = l.allSatisfy { abs($0.map { $0 * $0 }.reduce(0, +) - 1) < 1e-12 }
            return unitRows && (0..<k).allSatisfy { i in l[i][i] > 0 && ((i + 1)..<k).allSatisfy { l[i][$0] == 0 } }
        }
        try Self.check("data { int K; } parameters { corr_matrix[K] Omega; } model { }", DataSet(["K": .integer(k)]),
                       coordinates: Self.entries("Omega", k) { $0 > $1 }, unused: Self.entries("Omega__free", k) { $0 <= $1 }) { v in
            let o = Self.matrix(v, "Omega", k)
            return Self.positiveDefinite(o) && (0..<k).allSatisfy { abs(o[$0][$0] - 1) < 1e-12 }
        }
    }

    @Test func covarianceTypes() throws {
        let k = 3
        try Self.check("parameters { cholesky_factor_cov[3] L; } model { }",
                       coordinates: Self.entries("L", k) { $0 >= $1 }, unused: Self.entries("L__free", k) { $0 < $1 }) { v in
            let l = Self.matrix(v, "L", k)
            return (0..<k).allSatisfy { i in l[i][i] > 0 && ((i + 1)..<k).allSatisfy { l[i][$0] == 0 } }
        }
        try Self.check("parameters { cov_matrix[3] Sigma; } model { }",
                       coordinates: Self.entries("Sigma", k) { $0 >= $1 }, unused: Self.entries("Sigma__free", k) { $0 < $1 }) { v in
            Self.positiveDefinite(Self.matrix(v, "Sigma", k))
        }
    }

    @Test func unitVector() throws {
        let m = try stanReference("parameters { unit_vector[3] x; } model { }", DataSet([:]))
        var rng = TestRandom(seed: 8)
        for _ in 0..<3 {
            let u = rng.vector(3, -2, 2)
            let v = Self.values(m, u)
            let x = (1...3).map { v["x[\($0)]"]! }
            #expect(abs(x.map { $0 * $0 }.reduce(0, +) - 1) < 1e-12)
            #expect(abs(m.logDensity(u) + 0.5 * u.map { $0 * $0 }.reduce(0, +)) < 1e-12)
            #expect(GradientCheck.worstRelativeError(m, at: u) < GradientCheck.tolerance)
        }
    }

    @Test func lkjDensities() throws {
        let eta = 2.5, k = 3
        let empty = try stanReference("parameters { cholesky_factor_corr[3] L; } model { }", DataSet([:]))
        let lkj = try stanReference("parameters { cholesky_factor_corr[3] L; } model { L ~ lkj_corr_cholesky(2.5); }", DataSet([:]))
        let emptyOmega = try stanReference("parameters { corr_matrix[3] Omega; } model { }", DataSet([:]))
        let lkjOmega = try stanReference("parameters { corr_matrix[3] Omega; } model { Omega ~ lkj_corr(2.5); }", DataSet([:]))
        var rng = TestRandom(seed: 10)
        for _ in 0..<3 {
            let u = rng.vector(k * k, -1.5, 1.5)
            let l = Self.matrix(Self.values(empty, u), "L", k)
            let expected = (1...k).map { kk in (Double(k - kk) + 2 * eta - 2) * log(l[kk - 1][kk - 1]) }.reduce(0, +)
            #expect(abs(lkj.logDensity(u) - empty.logDensity(u) - expected) < 1e-10)
            #expect(GradientCheck.worstRelativeError(lkj, at: u) < GradientCheck.tolerance)
            let o = Self.matrix(Self.values(emptyOmega, u), "Omega", k)
            let det = o[0][0] * (o[1][1] * o[2][2] - o[1][2] * o[2][1]) - o[0][1] * (o[1][0] * o[2][2] - o[1][2] * o[2][0])
                + o[0][2] * (o[1][0] * o[2][1] - o[1][1] * o[2][0])
            #expect(abs(lkjOmega.logDensity(u) - emptyOmega.logDensity(u) - (eta - 1) * log(det)) < 1e-10)
        }
    }

    @Test func unsupportedConstrainedDeclarations() {
        #expect(compileError("parameters { array[2, 2] simplex[3] p; } model { }")
            .contains("parameter 'p' has 3 dimensions; the model graph supports at most 2"))
        #expect(compileError("parameters { simplex<lower=0>[3] p; } model { }").contains("simplex takes no bounds"))
        #expect(compileError("parameters { cholesky_factor_cov[4, 3] L; } model { }").contains("cholesky_factor_cov[M, N] with M ≠ N is not supported"))
        #expect(compileError("parameters { array[2] cov_matrix[3] S; } model { }").contains("parameter 'S' has 3 dimensions"))
        #expect(compileError("parameters { vector[2] a; real<lower=a> b; } model { }")
            .contains("a bound of 'b' must be a scalar or have the shape of 'b' (real), got vector[2]"))
    }
}
