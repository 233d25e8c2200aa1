// posteriordb's gp_pois_regr (stan-dev/posteriordb, BSD-3-Clause): a latent Gaussian process
// with Poisson counts. Exp-quad covariance with 1e-10 jitter, Cholesky, non-centred f.
// Its float32 Cholesky is wrong (the jitter is below float rounding), so `--precision auto`
// switches the run to f64 (see README, "Precision").
// leapfrog sample examples/gp_pois_regr.stan --data data/posteriordb/gp_pois_regr.json
data {
  int<lower=1> N;
  array[N] real x;
  array[N] int<lower=0> k;
}
parameters {
  real<lower=0> rho;
  real<lower=0> alpha;
  vector[N] f_tilde;
}
transformed parameters {
  vector[N] f;
  {
    matrix[N, N] cov = gp_exp_quad_cov(x, alpha, rho) + diag_matrix(rep_vector(1e-10, N));
    matrix[N, N] L_cov = cholesky_decompose(cov);
    f = L_cov * f_tilde;
  }
}
model {
  rho ~ gamma(25, 4);
  alpha ~ normal(0, 2);
  f_tilde ~ normal(0, 1);
  k ~ poisson_log(f);
}
