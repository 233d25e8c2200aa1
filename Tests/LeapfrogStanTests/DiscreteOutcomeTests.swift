import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Discrete families' data outcomes: checked against the family's support when the data are read
/// (`OutcomeCheck`; a Bernoulli's formula would extend the density to y = 2), and multinomial
/// counts that are a row of a data array or constants.
@Suite struct DiscreteOutcomeTests {
    static let program = """
    data { int N; array[3] int c; array[N] int t; array[N] int s; array[N] int b; }
    parameters { simplex[3] th; real<lower=0, upper=1> p; }
    model {
      c ~ multinomial(th);
      b ~ bernoulli(p);
      for (n in 1:N) s[n] ~ binomial(t[n], p);
      s ~ poisson(3 * p);
    }
    """

    static func data(c: [Int] = [1, 2, 3], s: [Int] = [1, 2, 3], b: [Int] = [0, 1, 1]) -> DataSet {
        DataSet(["N": .integer(3), "c": .integers(c), "t": .integers([5, 5, 5]), "s": .integers(s), "b": .integers(b)], source: "d.json")
    }

    static func bindError(_ data: DataSet) throws -> String {
        let model = try StanProgram.compile(source: Self.program, path: "m.stan")
        return errorMessage { _ = try model.instantiate(data: data) }
    }

    @Test func outcomesOutsideTheSupportAreNamed() throws {
        #expect(try Self.bindError(Self.data()) == "")
        #expect(try Self.bindError(Self.data(b: [0, 1, 2])).contains(
            "data file 'd.json': the outcome of this bernoulli is 2 (element 3), outside its support 0…1 (Stan rejects it too)"))
        #expect(try Self.bindError(Self.data(c: [1, -2, 3])).contains("the outcome of this multinomial is -2 (element 2), outside its support 0…∞"))
        #expect(try Self.bindError(Self.data(s: [1, 6, 3])).contains("the outcome of this binomial is 6 when n = 2, outside its support 0…5"))
        #expect(try Self.bindError(Self.data(s: [1, -1, 3])).contains("outside its support 0…"))
        // Inside a branch of an if on the loop index the message names the loop's row (4), not the branch's (2).
        let branch = try StanProgram.compile(source: """
            data { int N; array[N] int y; array[N] int h; }
            parameters { real<lower=0, upper=1> p; }
            model { for (n in 1:N) { if (h[n] == 1) y[n] ~ bernoulli(p); else y[n] ~ poisson(3 * p); } }
            """, path: "m.stan")
        let message = errorMessage { _ = try branch.instantiate(data: DataSet(["N": .integer(4), "y": .integers([7, 5, 0, 2]), "h": .integers([0, 0, 1, 1])], source: "d.json")) }
        #expect(message.contains("the outcome of this bernoulli is 2 when n = 4, outside its support 0…1"), "\(message)")
        // The GLMs' outcomes too.
        let glm = try StanProgram.compile(source: """
            data { int N; matrix[N, 1] x; array[N] int y; }
            parameters { real a; vector[1] b; }
            model { y ~ bernoulli_logit_glm(x, a, b); }
            """, path: "g.stan")
        #expect(errorMessage { _ = try glm.instantiate(data: DataSet(["N": .integer(2), "x": .matrix(rows: [[1], [2]]), "y": .integers([1, 3])], source: "d.json")) }
            .contains("the outcome of this bernoulli_logit_glm is 3 (element 2), outside its support 0…1"))
    }

    /// `C[j] ~ multinomial(theta[j])` in a loop, and counts written as constants, against
    /// Σ yₖ log θₖ written with dot products (the coefficient is left out in both).
    @Test func countsFromARowOrConstants() throws {
        let data = DataSet(["J": .integer(3), "K": .integer(3), "C": DataArray(shape: [3, 3], values: [3, 1, 0, 0, 4, 2, 5, 5, 1], isInteger: true)],
                           source: "test")
        let rows = try stanReference("""
            data { int J; int K; array[J, K] int C; }
            parameters { array[J] simplex[K] theta; simplex[K] phi; }
            model {
              for (j in 1:J) C[j] ~ multinomial(theta[j]);
              target += multinomial_lpmf({2, 3, 5} | phi) + multinomial_logit_lpmf(C[2] | log(phi));
            }
            """, data)
        let written = try stanReference("""
            data { int J; int K; array[J, K] int C; }
            transformed data { matrix[J, K] Cm; for (j in 1:J) for (k in 1:K) Cm[j, k] = C[j, k]; vector[3] a = [2, 3, 5]'; }
            parameters { array[J] simplex[K] theta; simplex[K] phi; }
            model {
              for (j in 1:J) target += dot_product(Cm[j], log(theta[j]));
              target += dot_product(a + Cm[2]', log(phi));
            }
            """, data)
        expectEquivalent(rows, written)
    }
}
