import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// The functions block: calls are inlined, so a program with functions must be the same model as
/// the program with the bodies written out.
@Suite struct UserFunctionTests {
    static let data = regressionData(n: 12, d: 3, seed: 7)

    @Test func inlinedFunctionsMatchTheBodiesWrittenOut() throws {
        let withFunctions = """
        functions {
          real scale_of(real s);   // a forward declaration
          real scale_of(real s) { return 2 * s; }
          vector linear(matrix X, vector b, real a) {
            vector[rows(X)] mu = X * b;
            return mu + a;
          }
          real my_normal_lpdf(vector y, vector mu, real sigma) {
            return normal_lpdf(y | mu, scale_of(sigma));
          }
          void priors_lp(vector b, real a) {
            b ~ normal(0, 10);
            target += normal_lpdf(a | 0, 10);
          }
        }
        data { int<lower=0> N; int<lower=0> D; matrix[N, D] X; vector[N] y; }
        parameters { real alpha; vector[D] beta; real<lower=0> sigma; }
        model {
          priors_lp(beta, alpha);
          sigma ~ normal(0, 10);
          y ~ my_normal(linear(X, beta, alpha), sigma);
          target += my_normal_lupdf(y | linear(X, beta, alpha), sigma);
        }
        """
        let writtenOut = """
        data { int<lower=0> N; int<lower=0> D; matrix[N, D] X; vector[N] y; }
        parameters { real alpha; vector[D] beta; real<lower=0> sigma; }
        model {
          beta ~ normal(0, 10);
          alpha ~ normal(0, 10);
          sigma ~ normal(0, 10);
          y ~ normal(X * beta + alpha, 2 * sigma);
          y ~ normal(X * beta + alpha, 2 * sigma);
        }
        """
        expectEquivalent(try stanReference(withFunctions, Self.data), try stanReference(writtenOut, Self.data))
    }

    @Test func functionsInsideAVectorisedLoop() throws {
        let withFunctions = """
        functions {
          real shifted_lpdf(real y, real mu, real sigma) { real z = (y - mu) / sigma; return -0.5 * square(z) - log(sigma); }
        }
        data { int<lower=0> N; int<lower=0> D; matrix[N, D] X; vector[N] y; }
        parameters { real alpha; real<lower=0> sigma; }
        model {
          for (n in 1:N) y[n] ~ shifted(alpha, sigma);
          alpha ~ normal(0, 1);
          sigma ~ normal(0, 1);
        }
        """
        let writtenOut = """
        data { int<lower=0> N; int<lower=0> D; matrix[N, D] X; vector[N] y; }
        parameters { real alpha; real<lower=0> sigma; }
        model { y ~ normal(alpha, sigma); alpha ~ normal(0, 1); sigma ~ normal(0, 1); }
        """
        expectEquivalent(try stanReference(withFunctions, Self.data), try stanReference(writtenOut, Self.data))
    }

    /// A function called on its own result (`f(f(x))`, posteriordb's kronecker_gp) and inside a
    /// vectorised loop (`twice(twice(X[n, 2] * alpha))`): the inner call's value is passed in, not read as recursion.
    @Test func aFunctionCalledOnItsOwnResult() throws {
        let withFunctions = """
        functions {
          vector shifted(vector v, real a) { vector[rows(v)] w = v + a; return w; }
          real twice(real x) { real y = 2 * x; return y; }
        }
        data { int<lower=0> N; int<lower=0> D; matrix[N, D] X; vector[N] y; }
        parameters { real alpha; vector[D] beta; real<lower=0> sigma; }
        model {
          beta ~ normal(0, 1); alpha ~ normal(0, 1); sigma ~ normal(0, 1);
          y ~ normal(shifted(shifted(X * beta, alpha), shifted(beta, 1)[1]), sigma);
          for (n in 1:N) y[n] ~ normal(twice(twice(X[n, 2] * alpha)), sigma);
        }
        """
        let writtenOut = """
        data { int<lower=0> N; int<lower=0> D; matrix[N, D] X; vector[N] y; }
        parameters { real alpha; vector[D] beta; real<lower=0> sigma; }
        model {
          beta ~ normal(0, 1); alpha ~ normal(0, 1); sigma ~ normal(0, 1);
          y ~ normal(X * beta + alpha + beta[1] + 1, sigma);
          y ~ normal(4 * alpha * col(X, 2), sigma);
        }
        """
        expectEquivalent(try stanReference(withFunctions, Self.data), try stanReference(writtenOut, Self.data))
    }

    @Test func localSizesInsideFunctions() throws {
        // int n = rows(y) is an integer the host knows: usable as a size and a range bound.
        let withFunctions = """
        functions {
          real walk_lpdf(vector y, real sigma) {
            int n = rows(y);
            vector[n - 1] d = y[2:n] - y[1:(n - 1)];
            return normal_lpdf(d | 0, sigma);
          }
        }
        data { int<lower=2> N; }
        parameters { vector[N] y; real<lower=0> sigma; }
        model { y ~ walk(sigma); sigma ~ normal(0, 1); y[1] ~ normal(0, 1); }
        """
        let writtenOut = """
        data { int<lower=2> N; }
        parameters { vector[N] y; real<lower=0> sigma; }
        model { tail(y, N - 1) ~ normal(head(y, N - 1), sigma); sigma ~ normal(0, 1); y[1] ~ normal(0, 1); }
        """
        let data = DataSet(["N": .integer(6)])
        expectEquivalent(try stanReference(withFunctions, data), try stanReference(writtenOut, data))
    }

    @Test func unsupportedUsesNameTheFunction() {
        let recursive = """
        functions { real f(real x) { return f(x); } }
        parameters { real x; }
        model { target += f(x); }
        """
        #expect(compileError(recursive).contains("the function 'f' calls itself (f → f); recursive functions are not supported"))
        let earlyReturn = """
        functions { real g(real x) { if (1) { return x; } return 2 * x; } }
        parameters { real x; }
        model { target += g(x); }
        """
        #expect(compileError(earlyReturn).contains("return is only supported as the last statement of the body"))
        let arity = """
        functions { real h(real x, real y) { return x + y; } }
        parameters { real x; }
        model { target += h(x); }
        """
        #expect(compileError(arity).contains("the function 'h' takes 2 arguments, got 1"))
        #expect(compileError("parameters { real x; } model { return x; }").contains("return is only allowed in the body of a function"))
        let lpInTransformedData = """
        functions { real h_lp(real x) { return x; } }
        transformed data { real z = h_lp(1.0); }
        parameters { real x; }
        model { x ~ normal(z, 1); }
        """
        #expect(compileError(lpInTransformedData).contains("the function 'h_lp' (an _lp function) can only be called in the model block"))
        let globalInFunction = """
        functions { real h(real x) { return x + N; } }
        data { int N; }
        transformed data { real z = h(1.0); }
        parameters { real x; }
        model { x ~ normal(z, 1); }
        """
        #expect(compileError(globalInFunction).contains("m.stan:1:41: error: unknown identifier 'N'"), "\(compileError(globalInFunction))")
    }
}
