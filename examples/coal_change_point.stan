// The Stan User's Guide's change-point model ("Latent Discrete Parameters", "Change point
// models"): yearly counts D of British coal-mining disasters, Poisson with rate e before an
// unknown year s and rate l from s on. The discrete s is summed out of the density, lp[s] its
// log probability with the rates, by dynamic programming (cumulative sums: O(T), where the
// Guide's first form, a loop over t nested in a loop over s, is O(T²); Leapfrog compiles both),
// and drawn again from lp in generated quantities.
data {
  real<lower=0> r_e;
  real<lower=0> r_l;
  int<lower=1> T;
  array[T] int<lower=0> D;
  int first_year;
}
transformed data {
  real log_unif = -log(T);
}
parameters {
  real<lower=0> e;
  real<lower=0> l;
}
transformed parameters {
  vector[T] lp;
  {
    vector[T + 1] lp_e;
    vector[T + 1] lp_l;
    lp_e[1] = 0;
    lp_l[1] = 0;
    for (t in 1:T) {
      lp_e[t + 1] = lp_e[t] + poisson_lpmf(D[t] | e);
      lp_l[t + 1] = lp_l[t] + poisson_lpmf(D[t] | l);
    }
    lp = rep_vector(log_unif + lp_l[T + 1], T) + head(lp_e, T) - head(lp_l, T);
  }
}
model {
  e ~ exponential(r_e);
  l ~ exponential(r_l);
  target += log_sum_exp(lp);
}
generated quantities {
  int<lower=1, upper=T> s = categorical_logit_rng(lp);
  int year = first_year + s - 1;
}
