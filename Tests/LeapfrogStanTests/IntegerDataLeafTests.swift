import LeapfrogData
import Testing
@testable import LeapfrogStan

/// A discrete density's outcome or number of trials computed from data rather than named
/// (`k[1] ~ bernoulli_logit(…)`, `k ~ binomial(3, p)`, `binomial_lpmf(k[n] | N - 2, p)`): the
/// host computes it into an integer data leaf when the data are bound, so it is the model with
/// the same integers given as data.
@Suite struct IntegerDataLeafTests {
    static let data = DataSet([
        "N": .integer(5), "k": .integers([0, 3, 1, 2, 3]), "three": .integer(3), "k1": .integer(0), "k2": .integer(3),
        "trials": .integers([3, 3, 3, 3, 3]),
    ], source: "test")
    static let header = """
    data { int<lower=1> N; array[N] int<lower=0, upper=3> k; int three; int k1; int k2; array[N] int trials; }
    parameters { real mu; }
    """

    @Test func computedOutcomesAndTrialsAreTheSameIntegersAsData() throws {
        let pairs: [(computed: String, named: String)] = [
            ("k[1] ~ bernoulli_logit(mu); k[2] ~ poisson_log(mu);", "k1 ~ bernoulli_logit(mu); k2 ~ poisson_log(mu);"),
            ("k ~ binomial(3, inv_logit(mu));", "k ~ binomial(trials, inv_logit(mu));"),
            ("for (n in 1:N) target += binomial_logit_lpmf(k[n] | N - 2, mu);", "k ~ binomial_logit(trials, mu);"),
            ("target += binomial_lpmf(k[2] | three, inv_logit(mu)) + poisson_lpmf(k[N] | exp(mu));",
             "k2 ~ binomial(three, inv_logit(mu)); k2 ~ poisson(exp(mu));"),
        ]
        for (computed, named) in pairs {
            let a = try stanReference(Self.header + "model { mu ~ normal(0, 1); \(computed) }", Self.data)
            let b = try stanReference(Self.header + "model { mu ~ normal(0, 1); \(named) }", Self.data)
            expectEquivalent(a, b)
        }
    }

    /// An outcome that is not integer data is still refused, by name.
    @Test func aParameterOutcomeIsRefused() {
        let real = "parameters { real mu; real z; } model { z ~ poisson_log(mu); }"
        #expect(compileError(real).contains("the outcome of poisson_log must be an integer data variable"))
    }
}
