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
        #expect(compileError(head + "model { for (n in 1:N) target += x[n] > 0 ? mu[n] : a; }")
            .contains("the conditional operator ?: is only supported on conditions on data or constants (not on parameters or a vectorised loop's index)"))
        #expect(compileError(head + "transformed parameters { real b = a > 0 ? a : 0; }")
            .contains("the conditional operator ?: is only supported on conditions on data or constants"))
    }
}
