import LeapfrogData
import Testing
@testable import LeapfrogStan

/// `reduce_sum` and `reduce_sum_static` (Stan 2.23): the partial sums over all of the array at
/// once, so a program written for Stan's threads is the same model as the plain sum — the Stan
/// User's Guide's examples, against the same models written without it.
@Suite struct ReduceSumTests {
    /// A regression whose partial sum reads the covariates' slice `x[start:end]`, and a logistic
    /// regression with an integer outcome and a matrix's rows (the User's Guide's example).
    @Test func thePartialSumOverEveryRowIsTheModel() throws {
        let data = regressionData(n: 12, d: 2, seed: 5)
        let regression = """
        functions {
          real partial_sum(array[] real y_slice, int start, int end, vector x, real alpha, real beta, real sigma) {
            return normal_lpdf(y_slice | alpha + beta * x[start:end], sigma);
          }
        }
        data { int N; int D; matrix[N, D] X; array[N] real y; }
        transformed data { vector[N] x = col(X, 1); }
        parameters { real alpha; real beta; real<lower=0> sigma; }
        model {
          alpha ~ normal(0, 10); beta ~ normal(0, 10); sigma ~ exponential(1);
          target += REDUCE_FUNCTION(partial_sum, y, 1, x, alpha, beta, sigma);
        }
        """
        let plain = """
        data { int N; int D; matrix[N, D] X; array[N] real y; }
        transformed data { vector[N] x = col(X, 1); }
        parameters { real alpha; real beta; real<lower=0> sigma; }
        model { alpha ~ normal(0, 10); beta ~ normal(0, 10); sigma ~ exponential(1); y ~ normal(alpha + beta * x, sigma); }
        """
        for f in ["reduce_sum", "reduce_sum_static"] {
            expectEquivalent(try stanReference(regression.replacing("REDUCE_FUNCTION", with: f), data),
                             try stanReference(plain, data))
        }
        let logistic = regressionData(n: 15, d: 3, seed: 6, integerOutcome: true)
        let sliced = """
        functions {
          real partial_sum_lpmf(array[] int slice_n_redcards, int start, int end, matrix X, vector beta) {
            return bernoulli_logit_lupmf(slice_n_redcards | X[start:end] * beta);
          }
        }
        data { int N; int D; matrix[N, D] X; array[N] int y; }
        parameters { vector[D] beta; }
        model {
          beta ~ normal(0, 1);
          target += reduce_sum(partial_sum_lpmf, y, 4, X, beta);
        }
        """
        let whole = """
        data { int N; int D; matrix[N, D] X; array[N] int y; }
        parameters { vector[D] beta; }
        model { beta ~ normal(0, 1); y ~ bernoulli_logit(X * beta); }
        """
        expectEquivalent(try stanReference(sliced, logistic), try stanReference(whole, logistic))
    }

    /// The Stan tutorial's red cards example: integer trials sliced by `n_games[start:end]`, a
    /// data variable whole when the slice is all of it.
    @Test func slicedIntegerTrialsAreTheDataWhole() throws {
        let data = DataSet(["N": .integer(5), "n_redcards": .integers([0, 1, 2, 0, 1]), "n_games": .integers([3, 4, 5, 2, 6]),
                            "rating": .vector([0.1, 0.5, 0.9, 0.3, 0.7]), "grainsize": .integer(1)], source: "test")
        let header = "data { int<lower=0> N; array[N] int<lower=0> n_redcards; array[N] int<lower=0> n_games; vector[N] rating; int<lower=1> grainsize; }\n"
            + "parameters { vector[2] beta; }\n"
        let tutorial = """
        functions {
          real partial_sum_lpmf(array[] int slice_n_redcards, int start, int end, array[] int n_games, vector rating, vector beta) {
            return binomial_logit_lupmf(slice_n_redcards | n_games[start : end], beta[1] + beta[2] * rating[start : end]);
          }
        }
        """ + header + """
        model { beta[1] ~ normal(0, 10); beta[2] ~ normal(0, 1);
                target += reduce_sum(partial_sum_lupmf, n_redcards, grainsize, n_games, rating, beta); }
        """
        let plain = header + "model { beta[1] ~ normal(0, 10); beta[2] ~ normal(0, 1); n_redcards ~ binomial_logit(n_games, beta[1] + beta[2] * rating); }"
        expectEquivalent(try stanReference(tutorial, data), try stanReference(plain, data))
    }

    @Test func aCallThatIsNotAPartialSumSaysSo() {
        let source = "data { int N; array[N] real y; } parameters { real mu; } model { target += reduce_sum(normal_lpdf, y, 1, mu, 1); }"
        #expect(compileError(source).contains("reduce_sum takes a partial-sum function from the functions block"))
    }
}
