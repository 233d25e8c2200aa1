// The flagship BNN in Stan: a tanh MLP with widths 5, 5 and no biases, as numpyro's example.
// leapfrog sample examples/bnn.stan --data examples/bnn_toy.json
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
  y ~ normal(tanh(tanh(X * W1) * W2) * W3, 1 / sqrt(prec));
}
