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

/// `append_row` and `append_col` (Lowering+Concatenation, HostInterpreter+Concatenation): values
/// on the host and in the graph, gradients against finite differences, and what they refuse.
@Suite struct ConcatenationTests {
    static let program = """
    data { int N; vector[N] z; matrix[N, 2] X; }
    transformed data {
      matrix[N, 3] X1 = append_col(rep_vector(1, N), X);
      vector[N + 2] z2 = append_row(z, [7, 8]');
    }
    parameters { real a; vector[2] v; vector[N - 1] free; row_vector[2] r; matrix[2, 2] B; }
    transformed parameters {
      vector[N] sumzero = append_row(free, -sum(free));
      vector[3] av = append_row(a, v);
      vector[3] va = append_row(v, a);
      matrix[3, 2] rB = append_row(r, B);
      matrix[3, 2] Br = append_row(B, r);
      matrix[2, 3] vB = append_col(v, B);
      matrix[2, 4] BB = append_col(B, B);
      row_vector[3] ra = append_col(r, a);
    }
    model {
      a ~ normal(0, 1);
      v ~ normal(0, 1);
      r ~ normal(0, 1);
      to_vector(B) ~ normal(0, 1);
      sumzero ~ normal(z, 1);
      z ~ normal(X1 * av + X * v + X * rB[3]', 2);
      to_vector(Br * vB) ~ normal(0, 3);
      to_vector(BB) ~ normal(0, 2);
      target += normal_lpdf(ra | 0, 2) + normal_lpdf(va | av, 3);
    }
    generated quantities {
      real x1 = X1[2, 1] + X1[2, 3];
      real last = z2[N + 2];
    }
    """

    static let data = DataSet(["N": .integer(3), "z": .vector([0.5, -1, 2]), "X": .matrix(rows: [[1, 2], [3, 4], [5, 6]])])

    /// `append_array` of parameters (knitr's planetary motion: `append_array(q0, p0)` as an ODE's
    /// initial state): the second array's elements after the first's, arrays of vectors too.
    @Test func appendArrayOfParameters() throws {
        let head = "parameters { real a; real b; real c; vector[2] v; vector[2] w; }\n"
        let model = "model { a ~ normal(0, 1); b ~ normal(1, 2); c ~ normal(0, 3); v ~ normal(0, 1); w ~ normal(0, 1);\n"
            + "  target += dot_product(to_vector(y), [1, -2, 3]') + dot_product(vs[2], [2, 5]') + dot_product(vs[3], [1, 7]'); }"
        let appended = head + "transformed parameters { array[3] real y = append_array({a, b}, {c * a}); array[3] vector[2] vs = append_array({v}, {w, v + w}); }\n" + model
        let whole = head + "transformed parameters { array[3] real y = {a, b, c * a}; array[3] vector[2] vs = {v, w, v + w}; }\n" + model
        expectEquivalent(try stanReference(appended, DataSet()), try stanReference(whole, DataSet()))
    }

    @Test func valuesOnTheHostAndInTheGraph() throws {
        let stan = try stanReference(Self.program, Self.data)
        // u: a, v (2), free (2), r (2), B (4, row-major).
        let u: [Double] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
        let d = Dictionary(uniqueKeysWithValues: zip(stan.model.derivedElementNames, stan.derivedValues(u)))
        func values(_ name: String, _ n: Int) -> [Double] { (1...n).map { d["\(name)[\($0)]"] ?? .nan } }
        func values(_ name: String, _ r: Int, _ c: Int) -> [Double] {
            (1...r).flatMap { i in (1...c).map { d["\(name)[\(i),\($0)]"] ?? .nan } }
        }
        #expect(values("sumzero", 3) == [4, 5, -9])
        #expect(values("av", 3) == [1, 2, 3])
        #expect(values("va", 3) == [2, 3, 1])
        let b: [Double] = [8, 9, 10, 11]  // B, a parameter (row-major in u)
        #expect(values("rB", 3, 2) == [6, 7] + b)
        #expect(values("Br", 3, 2) == b + [6, 7])
        #expect(values("vB", 2, 3) == [2, b[0], b[1], 3, b[2], b[3]])
        #expect(values("BB", 2, 4) == [b[0], b[1], b[0], b[1], b[2], b[3], b[2], b[3]])
        #expect(values("ra", 3) == [6, 7, 1])
        #expect(d["x1"] == 5)
        #expect(d["last"] == 8)
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let stan = try stanReference(Self.program, Self.data)
        var rng = TestRandom(seed: 6)
        for _ in 0..<4 {
            let u = rng.vector(stan.dimension, -1.5, 1.5)
            #expect(stan.logDensity(u).isFinite)
            #expect(GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance)
        }
    }

    @Test func aSumToZeroVectorIsTheWrittenOutOne() throws {
        // posteriordb's IRT programs: beta = append_row(beta_free, -sum(beta_free)).
        let appended = """
        data { int I; vector[I] y; }
        parameters { vector[I - 1] beta_free; }
        transformed parameters { vector[I] beta = append_row(beta_free, rep_vector(-1 * sum(beta_free), 1)); }
        model { y ~ normal(beta, 1); }
        """
        let written = """
        data { int I; vector[I] y; }
        parameters { vector[I - 1] beta_free; }
        model { y[1:(I - 1)] ~ normal(beta_free, 1); y[I] ~ normal(-sum(beta_free), 1); }
        """
        let data = DataSet(["I": .integer(5), "y": .vector([0.3, -1, 2, 0.5, -0.2])])
        expectEquivalent(try stanReference(appended, data), try stanReference(written, data))
    }

    @Test func aFunctionLocalSizedByItsArgument() throws {
        // posteriordb's gpcm/grsm IRT functions: vector[rows(beta) + 1] with beta a parameter.
        let source = """
        functions {
          vector padded(real theta, vector beta) {
            vector[rows(beta) + 1] unsummed = append_row(rep_vector(0.0, 1), theta - beta);
            return unsummed;
          }
        }
        parameters { real theta; vector[3] beta; }
        transformed parameters { vector[4] u = padded(theta, beta); }
        model { theta ~ normal(0, 1); beta ~ normal(0, 1); }
        """
        let stan = try stanReference(source, DataSet([:]))
        let d = Dictionary(uniqueKeysWithValues: zip(stan.model.derivedElementNames, stan.derivedValues([1, 0.5, -1, 2])))
        #expect((1...4).map { d["u[\($0)]"] ?? .nan } == [0, 0.5, 2, -1])
    }

    /// Per row of a vectorised loop (posteriordb's rating scale IRT model, `rsm`):
    /// `append_row` of a constant and a per-row vector, `cumulative_sum` and `softmax` of it,
    /// `categorical` with an outcome computed from data (`y[n] + 1`, through a function's
    /// argument); a per-row real appended to a shared vector. Against the model written out.
    @Test func perRowVectorsAreConcatenatedRowByRow() throws {
        let y = [0, 2, 1, 2, 0]
        let (x, g) = ([0.5, -1.0, 2.0, 0.25, 1.5], [1, 2, 2, 1, 2])
        let stan = try stanReference("""
        functions {
          real rsm(int y, real theta, real beta, vector kappa) {
            vector[rows(kappa) + 1] unsummed = append_row(rep_vector(0, 1), theta - beta - kappa);
            return categorical_lpmf(y + 1 | softmax(cumulative_sum(unsummed)));
          }
        }
        data { int N; array[N] int<lower=0, upper=2> y; vector[N] x; array[N] int<lower=1, upper=2> g; }
        parameters { vector[2] b; vector[2] kappa; real t; }
        model {
          for (n in 1:N) {
            target += rsm(y[n], x[n] * t, b[g[n]], kappa);
            target += normal_lpdf(append_row(kappa, x[n] * t) | b[g[n]], 2);
          }
        }
        """, DataSet(["N": .integer(5), "y": .integers(y), "x": .vector(x), "g": .integers(g)], source: "rsm.json"))
        func written(_ u: [Double]) -> Double {
            let (b, kappa, t) = (Array(u[0..<2]), Array(u[2..<4]), u[4])
            var lp = 0.0
            for n in 0..<5 {
                let theta = x[n] * t, beta = b[g[n] - 1]
                let unsummed = [0, theta - beta - kappa[0], theta - beta - kappa[1]]
                let sums = [unsummed[0], unsummed[0] + unsummed[1], unsummed[0] + unsummed[1] + unsummed[2]]
                lp += sums[y[n]] - log(sums.map(exp).reduce(0, +))
                for v in kappa + [theta] { lp += -0.5 * pow((v - beta) / 2, 2) - log(2) - 0.5 * log(2 * Double.pi) }
            }
            return lp
        }
        var rng = TestRandom(seed: 12)
        for _ in 0..<4 {
            let u = rng.vector(5, -1.5, 1.5)
            #expect(abs(stan.logDensity(u) - written(u)) < 1e-12 * abs(written(u)), "\(stan.logDensity(u)) vs \(written(u))")
            #expect(GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance)
        }
    }

    @Test func refusalsNameTheConstruct() {
        let head = "data { int N; vector[N] x; } parameters { real a; vector[2] v; row_vector[2] r; matrix[2, 3] M; }\n"
        #expect(compileError(head + "model { vector[4] w = append_row(v, r); }")
            .hasPrefix("m.stan:2:23: error: append_row cannot combine vector[2] and row_vector[2]"))
        #expect(compileError(head + "model { matrix[3, 3] w = append_row(r, M); }")
            .hasPrefix("m.stan:2:26: error: append_row: the arguments have different numbers of columns: row_vector[2] and matrix[2, 3]"))
        #expect(compileError(head + "model { for (n in 1:N) { matrix[3, 3] w = append_row(x[n] * r, M); to_vector(w) ~ normal(0, 1); } }")
            .hasPrefix("m.stan:2:59: error: cannot vectorise the loop: append_row of a value that depends on the loop index"))
    }

    /// The outer product `u * v'` [J, K] (posteriordb's dogs_nonhierarchical:
    /// `rep_vector(1, J) * mu'`), against the matrix built element by element.
    @Test func anOuterProductIsTheMatrixOfProducts() throws {
        let head = "data { int J; int K; matrix[J, K] y; } parameters { vector[J] u; vector[K] v; }\n"
        let data = DataSet(["J": .integer(3), "K": .integer(2), "y": .matrix(rows: [[0.5, -1], [2, 0.25], [1, 1.5]])], source: "test")
        let outer = head + "model { u ~ normal(0, 1); v ~ normal(0, 1); to_vector(y) ~ normal(to_vector(u * v'), 1); }"
        let written = head + "model { u ~ normal(0, 1); v ~ normal(0, 1); for (j in 1:J) for (k in 1:K) y[j, k] ~ normal(u[j] * v[k], 1); }"
        expectEquivalent(try stanReference(outer, data), try stanReference(written, data))
    }
}
