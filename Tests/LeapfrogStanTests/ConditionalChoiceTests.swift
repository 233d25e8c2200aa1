import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Values chosen by a condition on data (`ConditionalChoice`): `c ? a : b` and variables assigned
/// in the branches of an `if` on data, in transformed parameters, model-block locals and inside a
/// vectorised loop; the branch not taken is never evaluated (its log of a negative datum cannot
/// reach the value or the gradient). Checked against the programs written for each data setting.
@Suite struct ConditionalChoiceTests {
    static let program = """
    data { int N; vector[N] x; vector[N] y; int K; real z; }
    parameters { real a; real<lower=0> s; }
    transformed parameters {
      vector[N] mu;
      real w = K > 1 ? log(z) : 2.0;
      if (K > 1) { mu = a * x + w; } else { mu = rep_vector(a, N); }
    }
    model {
      real t;
      if (z > 0) t = log(z); else t = 0;
      a ~ normal(t, 1);
      s ~ exponential(1);
      for (n in 1:N) y[n] ~ normal(K == 1 ? a : mu[n], s);
    }
    """

    static func data(k: Int, z: Double) -> DataSet {
        DataSet(["N": .integer(3), "x": .vector([1, 2, 3]), "y": .vector([0.5, 1.5, 2]), "K": .integer(k), "z": .scalar(z)], source: "test")
    }

    @Test func theBranchTakenIsTheProgramWrittenForIt() throws {
        let taken = try stanReference("""
            data { int N; vector[N] x; vector[N] y; int K; real z; }
            parameters { real a; real<lower=0> s; }
            transformed parameters { vector[N] mu = a * x + log(z); real w = log(z); }
            model { a ~ normal(log(z), 1); s ~ exponential(1); y ~ normal(mu, s); }
            """, Self.data(k: 2, z: 1.5))
        expectEquivalent(try stanReference(Self.program, Self.data(k: 2, z: 1.5)), taken)
        // K = 1 and z < 0: log(z) is NaN in the branches not taken, which are not evaluated.
        let other = try stanReference("""
            data { int N; vector[N] x; vector[N] y; int K; real z; }
            parameters { real a; real<lower=0> s; }
            transformed parameters { vector[N] mu = rep_vector(a, N); real w = 2.0; }
            model { a ~ normal(0, 1); s ~ exponential(1); y ~ normal(a, s); }
            """, Self.data(k: 1, z: -1.5))
        let chosen = try stanReference(Self.program, Self.data(k: 1, z: -1.5))
        expectEquivalent(chosen, other)
        let d = Dictionary(uniqueKeysWithValues: zip(chosen.model.derivedElementNames, chosen.derivedValues([0.3, 0.1])))
        #expect(d["w"] == 2 && d["mu[2]"] == 0.3)
    }

    @Test func whatCannotBeChosenSaysWhy() {
        let head = "data { int N; vector[N] x; int K; } parameters { vector[N] mu; real a; }\n"
        #expect(compileError(head + "transformed parameters { real b; if (K > 1) b = a; }")
            .contains("error: 'b' is assigned only where the condition holds and has no value otherwise"))
        // On parameters or a vectorised loop's row, ?: is selected per evaluation (ComputedConditionTests).
        #expect(compileError(head + "model { for (n in 1:N) target += x[n] > 0 ? mu[n] : a; }") == "")
        #expect(compileError(head + "transformed parameters { real b = a == 0 ? a : 0; }")
            .contains("== between real values computed per evaluation is not supported"))
    }

    /// The branch not taken is not evaluated, and not checked either: an index it could not have
    /// (g = 0 with one group, y[1] of no rows, a range past the end) stops nothing; the branch
    /// taken is checked, and so are sizes the data decide (a vector[1] where a vector[N] is declared).
    @Test func theBranchNotTakenIsNotCheckedAndSizesAre() throws {
        let grouped = """
        data { int N; vector[N] y; int grouped; int J; array[N] int g; }
        parameters { real mu; vector[J] a; }
        model { mu ~ normal(0, 1); a ~ normal(0, 1); if (grouped) y ~ normal(mu + a[g], 1); else y ~ normal(mu, 1);
                real m = N > 0 ? y[1] : 0; mu ~ normal(m, 2); vector[2] w = grouped ? y[2:3] : [0, 0]'; a ~ normal(sum(w), 3); }
        """
        let data = DataSet(["N": .integer(3), "y": .vector([0.1, 0.2, 0.3]), "grouped": .integer(0), "J": .integer(1),
                            "g": .integers([0, 0, 0])], source: "test")
        let plain = """
        data { int N; vector[N] y; int grouped; int J; array[N] int g; }
        parameters { real mu; vector[J] a; }
        model { mu ~ normal(0, 1); a ~ normal(0, 1); y ~ normal(mu, 1); mu ~ normal(y[1], 2); a ~ normal(0, 3); }
        """
        expectEquivalent(try stanReference(grouped, data), try stanReference(plain, data))
        var taken = data
        taken.variables["grouped"] = .integer(1)
        #expect(errorMessage { _ = try stanReference(grouped, taken) }.contains("'g' element 1 is 0, outside 1…1"))
        let sizes = "data { int N; vector[N] y; int K; vector[1] v1; }\nparameters { real a; }\n"
        let sized = DataSet(["N": .integer(3), "y": .vector([0.5, 1.5, 2]), "K": .integer(1), "v1": .vector([5])], source: "test")
        #expect(errorMessage { _ = try stanReference(sizes + "model { vector[N] m = v1; y ~ normal(m, 1); }", sized) }
            .contains("size mismatch: 'm' is vector[3] but the value is vector[1]"))
        #expect(errorMessage { _ = try stanReference(sizes + "model { vector[N] m = K > 1 ? rep_vector(a, N) : v1; y ~ normal(m, 1); }", sized) }
            .contains("size mismatch: this condition on data's value (its second branch, taken) is vector[3] but the value is vector[1]"))
        // Taken, the first branch has the right size.
        var first = sized
        first.variables["K"] = .integer(2)
        _ = try stanReference(sizes + "model { vector[N] m = K > 1 ? rep_vector(a, N) : v1; y ~ normal(m, 1); }", first)
        // In the branches of an if on data: checked only where the branch is taken.
        let branches = sizes + "transformed parameters { vector[N] m; if (K > 1) m = rep_vector(a, N); else m = v1 * a; }\nmodel { y ~ normal(m, 1); }"
        #expect(errorMessage { _ = try stanReference(branches, sized) }.contains("size mismatch: 'm' is vector[3] but the value is vector[1]"))
        _ = try stanReference(branches, first)
        // A conditional inside an index, and a condition on a local variable.
        _ = try StanProgram.compile(source: "data { int K; vector[2] y; } parameters { vector[2] a; } model { y ~ normal(a[K > 1 ? 1 : 2], 1); }", path: "m.stan")
        // A local holding the row's data is chosen per evaluation (`Lowering+Select`): the same density as
        // the rows split by the data expression.
        let local = "data { int N; array[N] int s; vector[N] y; } parameters { real mu; } "
            + "model { for (n in 1:N) { int g = s[n]; if (g > 0) y[n] ~ normal(mu, 1); } }"
        let rowData = DataSet(["N": .integer(4), "s": .integers([1, 0, 2, 0]), "y": .vector([0.5, -1, 2, 0.3])])
        expectEquivalent(try stanReference(local, rowData),
                         try stanReference(local.replacingOccurrences(of: "int g = s[n]; if (g > 0)", with: "if (s[n] > 0)"), rowData))
    }
}
