// distributions.cl — log densities (with every normalising constant, as scipy.stats gives them)
// and their partial derivatives, over realw (W chains at once). Needs special.cl.
//
// Each function returns the log density and writes the partial derivative with respect to each
// argument, in argument order, through private pointers (d_<argument>); discrete outcomes and
// fixed sizes get no derivative. Outside the support the log density is -inf (derivatives are
// then unspecified); invalid parameters give NaN or -inf, never a trap.
//
//   lf_normal_lpdf(y, mu, sigma)              N(mu, sigma²)
//   lf_half_normal_lpdf(y, sigma)             |N(0, sigma²)|, y >= 0
//   lf_student_t_lpdf(y, nu, mu, sigma)       Student-t, nu degrees of freedom, location, scale
//   lf_cauchy_lpdf(y, mu, sigma)
//   lf_half_cauchy_lpdf(y, sigma)             y >= 0
//   lf_exponential_lpdf(y, lambda)            rate lambda, y >= 0
//   lf_gamma_lpdf(y, alpha, beta)             shape alpha, rate beta, y > 0
//   lf_inv_gamma_lpdf(y, alpha, beta)         shape alpha, scale beta, y > 0
//   lf_lognormal_lpdf(y, mu, sigma)           log y ~ N(mu, sigma²), y > 0
//   lf_beta_lpdf(y, a, b)                     0 < y < 1
//   lf_uniform_lpdf(y, lo, hi)                lo <= y <= hi
//   lf_bernoulli_logit_lpmf(n, alpha)         n in {0, 1}, P(n = 1) = inv_logit(alpha)
//   lf_binomial_logit_lpmf(n, N, alpha)       n successes of N, logit success probability alpha
//   lf_poisson_log_lpmf(n, eta)               rate exp(eta)

inline realw lf_normal_lpdf(const realw y, const realw mu, const realw sigma,
                            realw* d_y, realw* d_mu, realw* d_sigma) {
    const realw inv_sigma = 1.0 / sigma;
    const realw z = (y - mu) * inv_sigma;
    *d_y = -z * inv_sigma;
    *d_mu = z * inv_sigma;
    *d_sigma = (z * z - 1.0) * inv_sigma;
    return -0.5 * z * z - log(sigma) - LF_LOG_SQRT_TWO_PI;
}

inline realw lf_half_normal_lpdf(const realw y, const realw sigma, realw* d_y, realw* d_sigma) {
    const realw inv_sigma = 1.0 / sigma;
    const realw z = y * inv_sigma;
    *d_y = -z * inv_sigma;
    *d_sigma = (z * z - 1.0) * inv_sigma;
    const realw lp = -0.5 * z * z - log(sigma) + LF_HALF_LOG_TWO_OVER_PI;
    return (y >= 0.0) ? lp : SPLAT(-INFINITY);
}

inline realw lf_student_t_lpdf(const realw y, const realw nu, const realw mu, const realw sigma,
                               realw* d_y, realw* d_nu, realw* d_mu, realw* d_sigma) {
    const realw inv_sigma = 1.0 / sigma;
    const realw z = (y - mu) * inv_sigma;
    const realw z2 = z * z;
    const realw t = nu + z2;                     // nu (1 + z²/nu)
    const realw log1p_term = log1p(z2 / nu);
    const realw half_nu_plus_one = 0.5 * (nu + 1.0);
    *d_y = -(nu + 1.0) * z / t * inv_sigma;
    *d_mu = -*d_y;
    *d_sigma = ((nu + 1.0) * z2 / t - 1.0) * inv_sigma;
    *d_nu = 0.5 * (lf_digamma(half_nu_plus_one) - lf_digamma(0.5 * nu) - 1.0 / nu - log1p_term
                   + (nu + 1.0) * z2 / (nu * t));
    return lf_lgamma(half_nu_plus_one) - lf_lgamma(0.5 * nu) - 0.5 * log(nu) - 0.5 * LF_LOG_PI
           - log(sigma) - half_nu_plus_one * log1p_term;
}

inline realw lf_cauchy_lpdf(const realw y, const realw mu, const realw sigma,
                            realw* d_y, realw* d_mu, realw* d_sigma) {
    const realw inv_sigma = 1.0 / sigma;
    const realw z = (y - mu) * inv_sigma;
    const realw one_plus_z2 = 1.0 + z * z;
    *d_y = -2.0 * z / one_plus_z2 * inv_sigma;
    *d_mu = -*d_y;
    *d_sigma = (z * z - 1.0) / one_plus_z2 * inv_sigma;
    return -LF_LOG_PI - log(sigma) - log1p(z * z);
}

inline realw lf_half_cauchy_lpdf(const realw y, const realw sigma, realw* d_y, realw* d_sigma) {
    const realw inv_sigma = 1.0 / sigma;
    const realw z = y * inv_sigma;
    const realw one_plus_z2 = 1.0 + z * z;
    *d_y = -2.0 * z / one_plus_z2 * inv_sigma;
    *d_sigma = (z * z - 1.0) / one_plus_z2 * inv_sigma;
    const realw lp = LF_LOG_TWO - LF_LOG_PI - log(sigma) - log1p(z * z);
    return (y >= 0.0) ? lp : SPLAT(-INFINITY);
}

inline realw lf_exponential_lpdf(const realw y, const realw lambda, realw* d_y, realw* d_lambda) {
    *d_y = -lambda;
    *d_lambda = 1.0 / lambda - y;
    const realw lp = log(lambda) - lambda * y;
    return (y >= 0.0) ? lp : SPLAT(-INFINITY);
}

inline realw lf_gamma_lpdf(const realw y, const realw alpha, const realw beta,
                           realw* d_y, realw* d_alpha, realw* d_beta) {
    const realw log_y = log(y);
    const realw log_beta = log(beta);
    *d_y = (alpha - 1.0) / y - beta;
    *d_alpha = log_beta - lf_digamma(alpha) + log_y;
    *d_beta = alpha / beta - y;
    const realw lp = alpha * log_beta - lf_lgamma(alpha) + (alpha - 1.0) * log_y - beta * y;
    return (y > 0.0) ? lp : SPLAT(-INFINITY);
}

inline realw lf_inv_gamma_lpdf(const realw y, const realw alpha, const realw beta,
                               realw* d_y, realw* d_alpha, realw* d_beta) {
    const realw log_y = log(y);
    const realw log_beta = log(beta);
    const realw inv_y = 1.0 / y;
    *d_y = (beta * inv_y - (alpha + 1.0)) * inv_y;
    *d_alpha = log_beta - lf_digamma(alpha) - log_y;
    *d_beta = alpha / beta - inv_y;
    const realw lp = alpha * log_beta - lf_lgamma(alpha) - (alpha + 1.0) * log_y - beta * inv_y;
    return (y > 0.0) ? lp : SPLAT(-INFINITY);
}

inline realw lf_lognormal_lpdf(const realw y, const realw mu, const realw sigma,
                               realw* d_y, realw* d_mu, realw* d_sigma) {
    const realw log_y = log(y);
    const realw inv_sigma = 1.0 / sigma;
    const realw z = (log_y - mu) * inv_sigma;
    *d_y = -(1.0 + z * inv_sigma) / y;
    *d_mu = z * inv_sigma;
    *d_sigma = (z * z - 1.0) * inv_sigma;
    const realw lp = -0.5 * z * z - log_y - log(sigma) - LF_LOG_SQRT_TWO_PI;
    return (y > 0.0) ? lp : SPLAT(-INFINITY);
}

inline realw lf_beta_lpdf(const realw y, const realw a, const realw b,
                          realw* d_y, realw* d_a, realw* d_b) {
    const realw log_y = log(y);
    const realw log1m_y = log1p(-y);
    const realw digamma_ab = lf_digamma(a + b);
    *d_y = (a - 1.0) / y - (b - 1.0) / (1.0 - y);
    *d_a = digamma_ab - lf_digamma(a) + log_y;
    *d_b = digamma_ab - lf_digamma(b) + log1m_y;
    const realw lp = lf_lgamma(a + b) - lf_lgamma(a) - lf_lgamma(b) + (a - 1.0) * log_y + (b - 1.0) * log1m_y;
    return (y > 0.0 && y < 1.0) ? lp : SPLAT(-INFINITY);
}

inline realw lf_uniform_lpdf(const realw y, const realw lo, const realw hi,
                             realw* d_y, realw* d_lo, realw* d_hi) {
    const realw inv_width = 1.0 / (hi - lo);
    *d_y = SPLAT(0.0);
    *d_lo = inv_width;
    *d_hi = -inv_width;
    return (y >= lo && y <= hi) ? log(inv_width) : SPLAT(-INFINITY);
}

inline realw lf_bernoulli_logit_lpmf(const realw n, const realw alpha, realw* d_alpha) {
    *d_alpha = n - lf_inv_logit(alpha);
    return n * lf_log_inv_logit(alpha) + (1.0 - n) * lf_log1m_inv_logit(alpha);
}

inline realw lf_binomial_logit_lpmf(const realw n, const realw trials, const realw alpha, realw* d_alpha) {
    *d_alpha = n - trials * lf_inv_logit(alpha);
    const realw log_choose = lf_lgamma(trials + 1.0) - lf_lgamma(n + 1.0) - lf_lgamma(trials - n + 1.0);
    return log_choose + n * lf_log_inv_logit(alpha) + (trials - n) * lf_log1m_inv_logit(alpha);
}

inline realw lf_poisson_log_lpmf(const realw n, const realw eta, realw* d_eta) {
    const realw rate = exp(eta);
    *d_eta = n - rate;
    return n * eta - rate - lf_lgamma(n + 1.0);
}
