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

/// `{…}` and `[…]` (Lowering+ArrayExpressions, HostInterpreter.stacked): values on the host and
/// in the graph, gradients against finite differences, and the messages for what they refuse.
@Suite struct ArrayExpressionTests {
    static let program = """
    data { vector[3] y; vector[3] dist; }
    transformed data {
      matrix[3, 2] x = [dist', (2 * dist)']';
      array[2, 2] int grid = {{1, 2}, {3, 4}};
      array[3] real mixed = {1, 2.5, 3};
    }
    parameters { real a; real<lower=0> b; vector[3] v; row_vector[3] r; }
    transformed parameters {
      vector[3] w = [a, b, a * b]';
      row_vector[2] pair = [a, 0];
      array[2] real ab = {a, 2.0};
      matrix[2, 3] M = [r, v'];
      array[2] vector[3] vs = {v, w};
      array[2, 2] real nested = {{a, b}, {0, a}};
    }
    model {
      a ~ normal(0, 1);
      b ~ normal(0, 1);
      r ~ normal(0, 1);
      v ~ normal(x[, 1], 2);
      y ~ normal(w + vs[2], 1);
      to_vector(M) ~ normal(0, 2);
      ab ~ normal(0, 1);
      target += -square(pair[1] - x[2, 2]);
    }
    generated quantities {
      array[2] int g2 = grid[2];
      real m2 = mixed[2];
      matrix[3, 2] xs = x;
    }
    """

    static let data = DataSet(["y": .vector([0.5, -1, 2]), "dist": .vector([1, 2, 3])])

    @Test func valuesOnTheHostAndInTheGraph() throws {
        let stan = try stanReference(Self.program, Self.data)
        // u: a, log b, v (3), r (3).
        let u = [0.5, log(2.0), 1, 2, 3, -1, -2, -3]
        let d = Dictionary(uniqueKeysWithValues: zip(stan.model.derivedElementNames, stan.derivedValues(u)))
        func values(_ names: [String]) -> [Double] { names.map { d[$0] ?? .nan } }
        #expect(values(["w[1]", "w[2]", "w[3]"]) == [0.5, 2, 1])
        #expect(values(["pair[1]", "pair[2]"]) == [0.5, 0])
        #expect(values(["ab[1]", "ab[2]"]) == [0.5, 2])
        #expect(values(["M[1,1]", "M[1,2]", "M[1,3]", "M[2,1]", "M[2,2]", "M[2,3]"]) == [-1, -2, -3, 1, 2, 3])
        #expect(values(["vs[1,1]", "vs[1,3]", "vs[2,1]", "vs[2,2]"]) == [1, 3, 0.5, 2])
        #expect(values(["nested[1,1]", "nested[1,2]", "nested[2,1]", "nested[2,2]"]) == [0.5, 2, 0, 0.5])
        #expect(values(["g2[1]", "g2[2]"]) == [3, 4])
        #expect(d["m2"] == 2.5)
        #expect(values(["xs[1,1]", "xs[1,2]", "xs[3,1]", "xs[3,2]"]) == [1, 2, 3, 6])
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let stan = try stanReference(Self.program, Self.data)
        var rng = TestRandom(seed: 5)
        for _ in 0..<4 {
            let u = rng.vector(stan.dimension, -1.5, 1.5)
            #expect(stan.logDensity(u).isFinite)
            #expect(GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance)
        }
    }

    @Test func theLogDensityIsTheOneWrittenOut() throws {
        // The same model with the array expressions written element by element.
        let written = """
        data { vector[3] y; vector[3] dist; }
        parameters { real a; real<lower=0> b; vector[3] v; row_vector[3] r; }
        model {
          vector[3] w;
          w[1] = a; w[2] = b; w[3] = a * b;
          a ~ normal(0, 1);
          b ~ normal(0, 1);
          r ~ normal(0, 1);
          v ~ normal(dist, 2);
          y ~ normal(2 * w, 1);
          r ~ normal(0, 2);
          v ~ normal(0, 2);
          a ~ normal(0, 1);
          target += -square(a - 2 * dist[2]);
        }
        """
        expectEquivalent(try stanReference(Self.program, Self.data), try stanReference(written, Self.data))
    }

    /// posteriordb's `logistic_regression_rhs` log_lik: `bernoulli_logit_glm_lpmf({y[i]} | [x[i]], b0, beta)`
    /// on the host, one row at a time, sums to the whole data's `bernoulli_logit_lpmf`.
    @Test func hostGLMOfOneRowBuiltWithArrayExpressions() throws {
        let source = """
        data { int n; array[n] int y; matrix[n, 2] x; }
        transformed data {
          real whole = bernoulli_logit_lpmf(y | 0.5 + x * [1, -2]');
          real rows = 0;
          for (i in 1:n) rows += bernoulli_logit_glm_lpmf({y[i]} | [x[i]], 0.5, [1, -2]');
        }
        parameters { real a; }
        model { a ~ normal(0, 1); }
        generated quantities { real whole_lp = whole; real rows_lp = rows; }
        """
        let data = DataSet(["n": .integer(3), "y": .integers([1, 0, 1]), "x": .matrix(rows: [[0.5, 1], [-1, 2], [0.3, -0.4]])])
        let stan = try stanReference(source, data)
        let d = Dictionary(uniqueKeysWithValues: zip(stan.model.derivedElementNames, stan.derivedValues([0])))
        let eta = [0.5 + 0.5 - 2, 0.5 - 1 - 4, 0.5 + 0.3 + 0.8]
        let expected = -log1p(exp(-eta[0])) - log1p(exp(eta[1])) - log1p(exp(-eta[2]))
        #expect(abs((d["whole_lp"] ?? .nan) - expected) < 1e-12)
        #expect(abs((d["rows_lp"] ?? .nan) - expected) < 1e-12)
    }

    /// Inside a vectorised loop, scalars of the row make a container per row (`[a, x[n]]'`, and a
    /// sliding window's elements): its density is the elements' written out.
    @Test func perRowScalarsMakeAContainerPerRow() throws {
        let head = "data { int N; vector[N] x; } parameters { real a; real<lower=0> s; }\n"
        let data = DataSet(["N": .integer(4), "x": .vector([0.5, -1, 2, 0.3])], source: "test")
        let rows = head + "model { s ~ lognormal(0, 1); for (n in 1:N) { vector[3] w = [a, x[n] * s, 2]'; w ~ normal(1, s); } }"
        let written = head + "model { s ~ lognormal(0, 1); target += N * (normal_lpdf(a | 1, s) + normal_lpdf(2 | 1, s)) + normal_lpdf(x * s | 1, s); }"
        expectEquivalent(try stanReference(rows, data), try stanReference(written, data))
    }

    /// An infinite element (`negative_infinity()`, the start of a log-sum-exp accumulator) stays
    /// in its place: in a row vector or array expression, assigned over an element of a vector,
    /// and in a vector declared per row of a vectorised loop; the other elements stay finite (a
    /// one-hot product had made them 0 · ∞, NaN). Against the densities written out.
    @Test func anInfiniteElementStaysInItsPlace() throws {
        let head = "data { int N; vector[N] x; } parameters { real mu; }\n"
        let data = DataSet(["N": .integer(3), "x": .vector([0.5, -1, 2])], source: "test")
        let loops = head + """
        model {
          vector[3] v = rep_vector(negative_infinity(), 3);
          v[2] = mu;
          v[3] = 2 * mu;
          mu ~ normal(0, 1);
          target += log_sum_exp([mu, negative_infinity()]) + log_sum_exp({negative_infinity(), mu * mu}) + log_sum_exp(v);
          for (n in 1:N) {
            vector[2] g = rep_vector(negative_infinity(), 2);
            g[1] = x[n] * mu;
            target += log_sum_exp(g);
          }
        }
        """
        let written = head + """
        model {
          mu ~ normal(0, 1);
          target += mu + mu * mu + log_sum_exp(mu, 2 * mu) + sum(x * mu);
        }
        """
        expectEquivalent(try stanReference(loops, data), try stanReference(written, data))
    }

    @Test func refusalsNameTheConstruct() {
        let head = "data { int N; vector[N] x; } parameters { real a; vector[2] v; }\n"
        #expect(compileError(head + "model { vector[3] w = [a, v]'; }")
            .hasPrefix("m.stan:2:27: error: the elements of a row vector expression […] must have one type, got real and vector[2]"))
        #expect(compileError(head + "model { array[2] vector[2] w = {v, [a, a]}; }")
            .hasPrefix("m.stan:2:36: error: the elements of an array expression {…} must have one type, got vector[2] and row_vector[2]"))
        #expect(compileError(head + "model { for (n in 1:N) { array[2] vector[2] w = {x[n] * v, v}; w[1] ~ normal(0, 1); } }")
            .hasPrefix("m.stan:2:55: error: cannot vectorise the loop: an array expression {…} whose elements depend on the loop index and are not scalars"))
        #expect(compileError(head + "model { real w = sum({}); }").hasPrefix("m.stan:2:24: error: an array expression {…} needs at least one element"))
    }
}
