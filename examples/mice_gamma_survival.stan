// Time to tumour in four groups of mice (BUGS Examples Vol. 1, "Mice"; data/mice.json), some
// still free of tumours when they left the study: a gamma regression of the survival times, each
// group with its own mean time exp(beta[m]) and one shape. A censored time adds the log
// probability of surviving past it, gamma_lccdf, through the regularised incomplete gamma
// function (BUGS and Stan's example-models use a Weibull, or the censored times as parameters).
//
//   swift run -c release leapfrog sample examples/mice_gamma_survival.stan --data data/mice.json
data {
  int<lower=0> N_uncensored;
  int<lower=0> N_censored;
  int<lower=1> M;
  array[N_uncensored] int<lower=1, upper=M> group_uncensored;
  array[N_censored] int<lower=1, upper=M> group_censored;
  vector<lower=0>[N_censored] censor_time;
  vector<lower=0>[N_uncensored] t_uncensored;
}
parameters {
  real<lower=0> shape;
  vector[M] beta;
}
model {
  shape ~ gamma(2, 0.5);
  beta ~ normal(3, 2);
  // Mean exp(beta[m]): rate shape / mean.
  t_uncensored ~ gamma(shape, shape * exp(-beta[group_uncensored]));
  target += gamma_lccdf(censor_time | shape, shape * exp(-beta[group_censored]));
}
generated quantities {
  vector[M] mean_time = exp(beta);
  // The probability that a mouse of each group is free of tumours at 40 weeks.
  vector[M] free_at_40;
  for (m in 1:M) free_at_40[m] = gamma_q(shape, 40 * shape * exp(-beta[m]));
}
