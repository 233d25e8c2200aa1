// A two-state hidden Markov model with Gaussian emissions, written with Stan's hidden Markov
// functions: hmm_marginal sums the states out of the density (the forward algorithm, inside the
// OpenCL kernel), and generated quantities give each state's posterior probability per
// observation and a draw of the whole state path. The data are posteriordb's hmm_example
// (data/posteriordb/hmm_example.json: N = 100 observations, K = 2 states), whose program writes
// the forward algorithm out by hand.
data {
  int<lower=0> N;
  int<lower=0> K;
  array[N] real y;
}
parameters {
  simplex[K] rho;
  array[K] simplex[K] Gamma_rows;
  positive_ordered[K] mu;
}
transformed parameters {
  matrix[K, K] Gamma;
  matrix[K, N] log_omega;
  for (k in 1:K) Gamma[k] = Gamma_rows[k]';
  for (k in 1:K)
    for (n in 1:N)
      log_omega[k, n] = normal_lpdf(y[n] | mu[k], 1);
}
model {
  mu[1] ~ normal(3, 1);
  mu[2] ~ normal(10, 1);
  target += hmm_marginal(log_omega, Gamma, rho);
}
generated quantities {
  matrix[K, N] state_probability = hmm_hidden_state_prob(log_omega, Gamma, rho);
  array[N] int z = hmm_latent_rng(log_omega, Gamma, rho);
}
