/// Stan programs written for the tests, each the equivalent of a built-in model or of a graph
/// built in the test.
enum StanCorpus {
    static let eightSchoolsNoncentered = """
    data {
      int<lower=0> J;          // number of schools
      array[J] real y;         // estimated treatment effects
      array[J] real<lower=0> sigma;
    }
    parameters {
      real mu;
      real<lower=0> tau;
      vector[J] theta_tilde;
    }
    transformed parameters {
      vector[J] theta = mu + tau * theta_tilde;
    }
    model {
      mu ~ normal(0, 5);
      tau ~ cauchy(0, 5);
      theta_tilde ~ normal(0, 1);
      y ~ normal(theta, sigma);
    }
    """

    /// Old array syntax and a loop over the schools.
    static let eightSchoolsCentered = """
    data {
      int<lower=0> J;
      real y[J];
      real<lower=0> sigma[J];
    }
    parameters {
      real mu;
      real<lower=0> tau;
      vector[J] theta;
    }
    model {
      mu ~ normal(0, 5);
      tau ~ cauchy(0, 5);
      theta ~ normal(mu, tau);
      for (j in 1:J)
        y[j] ~ normal(theta[j], sigma[j]);
    }
    """

    static let linearRegression = """
    data {
      int<lower=0> N;
      int<lower=0> D;
      matrix[N, D] X;
      vector[N] y;
    }
    parameters {
      real alpha;
      vector[D] beta;
      real<lower=0> sigma;
    }
    model {
      alpha ~ normal(0, 10);
      beta ~ normal(0, 10);
      sigma ~ normal(0, 10);
      y ~ normal(X * beta + alpha, sigma);
    }
    """

    static let linearRegressionLoop = """
    data {
      int<lower=0> N;
      int<lower=0> D;
      matrix[N, D] X;
      vector[N] y;
    }
    parameters {
      real alpha;
      vector[D] beta;
      real<lower=0> sigma;
    }
    model {
      target += normal_lpdf(alpha | 0, 10) + normal_lpdf(beta | 0, 10);
      target += normal_lupdf(sigma | 0, 10);
      for (n in 1:N) {
        real mu_n = alpha + X[n] * beta;
        target += normal_lpdf(y[n] | mu_n, sigma);
      }
    }
    """

    static let logisticRegression = """
    data {
      int<lower=0> N;
      int<lower=0> D;
      matrix[N, D] X;
      array[N] int<lower=0, upper=1> y;
    }
    parameters {
      real alpha;
      vector[D] beta;
    }
    model {
      alpha ~ normal(0, 2.5);
      beta ~ normal(0, 2.5);
      y ~ bernoulli_logit(alpha + X * beta);
    }
    """

    static let hierarchical = """
    data {
      int<lower=1> N;
      int<lower=1> G;
      array[N] int<lower=1, upper=G> g;
      vector[N] x;
      vector[N] y;
    }
    parameters {
      real mu_alpha;
      real<lower=0> sigma_alpha;
      vector[G] alpha;
      real beta;
      real<lower=0> sigma;
    }
    model {
      mu_alpha ~ normal(0, 5);
      sigma_alpha ~ cauchy(0, 2.5);
      alpha ~ normal(mu_alpha, sigma_alpha);
      beta ~ normal(0, 1);
      sigma ~ exponential(1);
      for (n in 1:N)
        y[n] ~ normal(alpha[g[n]] + beta * x[n], sigma);
    }
    """

    /// The same model with a vectorised assignment loop and a multi-index.
    static let hierarchicalAssign = """
    data {
      int<lower=1> N;
      int<lower=1> G;
      array[N] int<lower=1, upper=G> g;
      vector[N] x;
      vector[N] y;
    }
    parameters {
      real mu_alpha;
      real<lower=0> sigma_alpha;
      vector[G] alpha;
      real beta;
      real<lower=0> sigma;
    }
    transformed parameters {
      vector[N] mu;
      for (n in 1:N) mu[n] = alpha[g[n]];
      mu += beta * x;
    }
    model {
      mu_alpha ~ normal(0, 5);
      sigma_alpha ~ cauchy(0, 2.5);
      alpha ~ normal(mu_alpha, sigma_alpha);
      beta ~ normal(0, 1);
      sigma ~ exponential(1);
      y ~ normal(mu, sigma);
    }
    """

    static let gp = """
    data {
      int<lower=1> N;
      array[N] real x;
      vector[N] y;
    }
    parameters {
      real<lower=0> var;
      real<lower=0> length;
      real<lower=0> noise;
    }
    model {
      matrix[N, N] K = add_diag(gp_exp_quad_cov(x, sqrt(var), length), noise + 1e-6);
      matrix[N, N] L = cholesky_decompose(K);
      var ~ lognormal(0, 10);
      length ~ lognormal(0, 10);
      noise ~ lognormal(0, 10);
      y ~ multi_normal_cholesky(rep_vector(0, N), L);
    }
    """

    static let poissonGLM = """
    data {
      int<lower=0> N;
      int<lower=1> K;
      matrix[N, K] X;
      array[N] int<lower=0> y;
      vector[N] exposure;
    }
    transformed data {
      vector[N] log_exposure = log(exposure);
    }
    parameters {
      real alpha;
      vector[K] beta;
    }
    model {
      alpha ~ normal(0, 2);
      beta ~ student_t(3, 0, 1);
      y ~ poisson_log(alpha + X * beta + log_exposure);
    }
    generated quantities {
      vector[N] rate = exp(alpha + X * beta);
    }
    """

    static let bnn = """
    data {
      int<lower=1> N;
      int<lower=1> D;
      matrix[N, D] X;
      vector[N] y;
    }
    parameters {
      matrix[D, 5] W1;
      matrix[5, 5] W2;
      vector[5] W3;
      real<lower=0> prec;
    }
    model {
      to_vector(W1) ~ normal(0, 1);
      to_vector(W2) ~ normal(0, 1);
      W3 ~ normal(0, 1);
      prec ~ gamma(3, 1);
      y ~ normal(to_vector(tanh(tanh(X * W1) * W2) * W3), 1 / sqrt(prec));
    }
    """

    static let bnnLoop = """
    data {
      int<lower=1> N;
      int<lower=1> D;
      matrix[N, D] X;
      vector[N] y;
    }
    parameters {
      matrix[D, 5] W1;
      matrix[5, 5] W2;
      vector[5] W3;
      real<lower=0> prec;
    }
    model {
      to_vector(W1) ~ normal(0, 1);
      to_vector(W2) ~ normal(0, 1);
      W3 ~ normal(0, 1);
      prec ~ gamma(3, 1);
      for (n in 1:N)
        y[n] ~ normal(tanh(tanh(X[n] * W1) * W2) * W3, 1 / sqrt(prec));
    }
    """

    /// The GP with the built-in's predictive mean on a grid as a generated quantity.
    static let gpPredictive = """
    data {
      int<lower=1> N;
      array[N] real x;
      vector[N] y;
      int<lower=0> G;
      array[G] real x_grid;
    }
    parameters {
      real<lower=0> var;
      real<lower=0> length;
      real<lower=0> noise;
    }
    model {
      matrix[N, N] L = cholesky_decompose(add_diag(cov_exp_quad(x, sqrt(var), length), noise + 1e-6));
      var ~ lognormal(0, 10);
      length ~ lognormal(0, 10);
      noise ~ lognormal(0, 10);
      y ~ multi_normal_cholesky(rep_vector(0, N), L);
    }
    generated quantities {
      vector[G] f_grid;
      {
        matrix[N, N] L = cholesky_decompose(add_diag(gp_exp_quad_cov(x, x, sqrt(var), length), noise + 1e-6));
        matrix[N, G] K_star = gp_exp_quad_cov(x, x_grid, sqrt(var), length);
        f_grid = mdivide_left_tri_low(L, K_star)' * mdivide_left_tri_low(L, y);
      }
    }
    """
}
