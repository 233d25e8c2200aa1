// Fit the hyperparameters of a latent-variable Gaussian process with an
// ARD-parameterized exponentiated quadratic kernel and a Gaussian likelihood

functions {
  matrix L_cov_exp_quad_ARD(array[] vector x, real alpha, vector rho,
                            real delta) {
    int N = size(x);
    matrix[N, N] K;
    real neg_half = -0.5;
    real sq_alpha = square(alpha);
    for (i in 1 : (N - 1)) {
      K[i, i] = sq_alpha + delta;
      for (j in (i + 1) : N) {
        K[i, j] = sq_alpha * exp(neg_half * dot_self((x[i] - x[j]) ./ rho));
        K[j, i] = K[i, j];
      }
    }
    K[N, N] = sq_alpha + delta;
    return cholesky_decompose(K);
  }
}
data {
  int<lower=1> N;
  int<lower=1> D;
  array[N] vector[D] x;
  vector[N] y;
}
transformed data {
  real delta = 1e-9;
}
parameters {
  vector<lower=0>[D] rho;
  real<lower=0> alpha;
  real<lower=0> sigma;
  vector[N] eta;
}
model {
  vector[N] f;
  {
    matrix[N, N] L_K = L_cov_exp_quad_ARD(x, alpha, rho, delta);
    f = L_K * eta;
  }
  
  rho ~ inv_gamma(5, 5);
  alpha ~ normal(0, 1);
  sigma ~ normal(0, 1);
  eta ~ normal(0, 1);
  
  y ~ normal(f, sigma);
}
