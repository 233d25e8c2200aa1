#!/usr/bin/env python3
"""Closed-form log densities from SciPy, pinned in Tests/LeapfrogReferenceTests/DistributionClosedFormTests.swift.

Run: python3 scripts/make_distribution_fixtures.py  (SciPy 1.17.1 produced the committed values)
"""
import numpy as np
from scipy import stats, special

cases = [
    ("normal", 0.7, (0.2, 1.3), stats.norm(0.2, 1.3).logpdf(0.7)),
    ("halfNormal", 0.7, (1.3,), stats.halfnorm(scale=1.3).logpdf(0.7)),
    ("studentT", -0.4, (3.5, 0.2, 1.3), stats.t(3.5, 0.2, 1.3).logpdf(-0.4)),
    ("cauchy", 2.1, (0.2, 1.3), stats.cauchy(0.2, 1.3).logpdf(2.1)),
    ("halfCauchy", 2.1, (1.3,), stats.halfcauchy(scale=1.3).logpdf(2.1)),
    ("exponential", 0.9, (2.5,), stats.expon(scale=1 / 2.5).logpdf(0.9)),
    ("gamma", 0.9, (3.0, 1.0), stats.gamma(3.0, scale=1.0).logpdf(0.9)),
    ("gamma", 2.4, (0.7, 2.5), stats.gamma(0.7, scale=1 / 2.5).logpdf(2.4)),
    ("inverseGamma", 0.9, (2.2, 1.4), stats.invgamma(2.2, scale=1.4).logpdf(0.9)),
    ("logNormal", 0.9, (0.3, 0.8), stats.lognorm(0.8, scale=np.exp(0.3)).logpdf(0.9)),
    ("beta", 0.3, (2.0, 5.5), stats.beta(2.0, 5.5).logpdf(0.3)),
    ("uniform", 0.3, (-1.0, 2.0), stats.uniform(-1.0, 3.0).logpdf(0.3)),
    ("bernoulliLogit", 1.0, (0.4,), stats.bernoulli(special.expit(0.4)).logpmf(1)),
    ("bernoulliLogit", 0.0, (0.4,), stats.bernoulli(special.expit(0.4)).logpmf(0)),
    ("binomialLogit", 3.0, (10.0, -0.5), stats.binom(10, special.expit(-0.5)).logpmf(3)),
    ("poissonLog", 4.0, (1.1,), stats.poisson(np.exp(1.1)).logpmf(4)),
]
for name, y, p, lp in cases:
    args = ", ".join(repr(float(x)) for x in p)
    print(f'        ("{name}", {y!r}, [{args}], {float(lp)!r}),')

L = np.array([[1.5, 0.0, 0.0], [0.3, 0.9, 0.0], [-0.2, 0.4, 1.1]])
mu = np.array([0.1, -0.2, 0.3]); y = np.array([0.5, 0.1, -0.7])
print("mvn", stats.multivariate_normal(mu, L @ L.T).logpdf(y))
logits = np.array([0.2, -1.0, 1.5, 0.3])
print("categorical y=3", logits[2] - special.logsumexp(logits))

# The Stan families written as formulas in the graph (Sources/LeapfrogStan/Lowering+FormulaDensities.swift),
# pinned in Tests/LeapfrogStanTests/FormulaDensityTests.swift: (Stan name, y, arguments, log density).
formula_cases = [
    ("neg_binomial_2", 7, (3.2, 1.7), stats.nbinom(1.7, 1.7 / (3.2 + 1.7)).logpmf(7)),
    ("neg_binomial_2", 0, (0.4, 12.0), stats.nbinom(12.0, 12.0 / (0.4 + 12.0)).logpmf(0)),
    ("neg_binomial_2_log", 3, (0.9, 2.5), stats.nbinom(2.5, 2.5 / (np.exp(0.9) + 2.5)).logpmf(3)),
    ("neg_binomial", 5, (2.2, 0.6), stats.nbinom(2.2, 0.6 / 1.6).logpmf(5)),
    ("beta_binomial", 4, (10, 2.5, 3.5), stats.betabinom(10, 2.5, 3.5).logpmf(4)),
    ("beta_neg_binomial", 4, (3, 3.5, 1.5), stats.betanbinom(3, 3.5, 1.5).logpmf(4)),
    ("discrete_range", 4, (2, 7), stats.randint(2, 8).logpmf(4)),
    ("von_mises", 1.1, (0.4, 2.3), stats.vonmises(2.3, loc=0.4).logpdf(1.1)),
    ("von_mises", -0.2, (-0.3, 25.0), stats.vonmises(25.0, loc=-0.3).logpdf(-0.2)),
    ("logistic", -0.4, (0.3, 1.7), stats.logistic(0.3, 1.7).logpdf(-0.4)),
    ("gumbel", 1.9, (0.3, 1.7), stats.gumbel_r(0.3, 1.7).logpdf(1.9)),
    ("weibull", 1.3, (1.8, 2.2), stats.weibull_min(1.8, scale=2.2).logpdf(1.3)),
    ("frechet", 1.3, (1.8, 2.2), stats.invweibull(1.8, scale=2.2).logpdf(1.3)),
    ("rayleigh", 1.3, (0.8,), stats.rayleigh(scale=0.8).logpdf(1.3)),
    ("pareto", 3.1, (1.5, 2.4), stats.pareto(2.4, scale=1.5).logpdf(3.1)),
    ("double_exponential", -0.4, (0.3, 1.7), stats.laplace(0.3, 1.7).logpdf(-0.4)),
    ("double_exponential", 2.6, (0.3, 1.7), stats.laplace(0.3, 1.7).logpdf(2.6)),
    ("chi_square", 2.6, (3.5,), stats.chi2(3.5).logpdf(2.6)),
    ("inv_chi_square", 0.6, (3.5,), stats.invgamma(3.5 / 2, scale=0.5).logpdf(0.6)),
    ("scaled_inv_chi_square", 0.6, (3.5, 0.7), stats.invgamma(3.5 / 2, scale=3.5 * 0.7 ** 2 / 2).logpdf(0.6)),
    ("skew_normal", 0.9, (0.3, 1.4, -2.5), stats.skewnorm(-2.5, loc=0.3, scale=1.4).logpdf(0.9)),
    ("exp_mod_normal", 1.7, (0.3, 0.8, 1.6), stats.exponnorm(1 / (0.8 * 1.6), loc=0.3, scale=0.8).logpdf(1.7)),
    ("beta_proportion", 0.35, (0.6, 7.0), stats.beta(0.6 * 7.0, 0.4 * 7.0).logpdf(0.35)),
    ("loglogistic", 1.3, (2.2, 3.1), stats.fisk(3.1, scale=2.2).logpdf(1.3)),
    # Stan's skew double exponential (mu, sigma, tau) is SciPy's asymmetric Laplace with
    # kappa = sqrt(tau / (1 - tau)) and scale sigma * kappa / (2 tau).
    ("skew_double_exponential", -0.4, (0.3, 1.7, 0.3), stats.laplace_asymmetric(np.sqrt(0.3 / 0.7), loc=0.3, scale=1.7 * np.sqrt(0.3 / 0.7) / 0.6).logpdf(-0.4)),
    ("skew_double_exponential", 2.6, (0.3, 1.7, 0.3), stats.laplace_asymmetric(np.sqrt(0.3 / 0.7), loc=0.3, scale=1.7 * np.sqrt(0.3 / 0.7) / 0.6).logpdf(2.6)),
]
for name, y, p, lp in formula_cases:
    args = ", ".join(repr(float(x)) for x in p)
    print(f'        ("{name}", {float(y)!r}, [{args}], {float(lp)!r}),')

# Log CDFs and complementary log CDFs (FormulaDensities.logCDF), pinned in
# Tests/LeapfrogStanTests/CumulativeDistributionTests.swift: (Stan name, y, arguments, log F(y), log(1 − F(y))).
cdf_cases = [
    ("normal", 0.7, (0.2, 1.3), stats.norm(0.2, 1.3)),
    ("normal", -30.0, (0.5, 1.1), stats.norm(0.5, 1.1)),
    ("std_normal", 2.9, (), stats.norm()),
    ("lognormal", 0.9, (0.3, 0.8), stats.lognorm(0.8, scale=np.exp(0.3))),
    ("logistic", -0.4, (0.3, 1.7), stats.logistic(0.3, 1.7)),
    ("exponential", 0.9, (2.5,), stats.expon(scale=1 / 2.5)),
    ("gumbel", 1.9, (0.3, 1.7), stats.gumbel_r(0.3, 1.7)),
    ("weibull", 1.3, (1.8, 2.2), stats.weibull_min(1.8, scale=2.2)),
    ("rayleigh", 1.3, (0.8,), stats.rayleigh(scale=0.8)),
    ("frechet", 1.3, (1.8, 2.2), stats.invweibull(1.8, scale=2.2)),
    ("pareto", 3.1, (1.5, 2.4), stats.pareto(2.4, scale=1.5)),
    ("double_exponential", -0.4, (0.3, 1.7), stats.laplace(0.3, 1.7)),
    ("double_exponential", 2.6, (0.3, 1.7), stats.laplace(0.3, 1.7)),
    # Through the incomplete gamma function: the series side, the fraction side, a far upper tail.
    ("gamma", 0.9, (3.0, 1.5), stats.gamma(3.0, scale=1 / 1.5)),
    ("gamma", 14.0, (2.0, 1.0), stats.gamma(2.0)),
    ("gamma", 0.01, (0.4, 2.0), stats.gamma(0.4, scale=0.5)),
    ("inv_gamma", 0.7, (2.2, 1.4), stats.invgamma(2.2, scale=1.4)),
    ("chi_square", 2.3, (3.5,), stats.chi2(3.5)),
    ("inv_chi_square", 0.6, (4.0,), stats.invgamma(2.0, scale=0.5)),
    ("scaled_inv_chi_square", 1.1, (5.0, 0.9), stats.invgamma(2.5, scale=5 * 0.81 / 2)),
    # Through the incomplete beta function: both sides of μ and a far tail for the Student t.
    ("beta", 0.3, (2.0, 5.5), stats.beta(2.0, 5.5)),
    ("beta", 0.97, (0.6, 0.8), stats.beta(0.6, 0.8)),
    ("beta_proportion", 0.4, (0.3, 6.0), stats.beta(1.8, 4.2)),
    ("student_t", -0.4, (3.5, 0.2, 1.3), stats.t(3.5, 0.2, 1.3)),
    ("student_t", 2.9, (3.5, 0.2, 1.3), stats.t(3.5, 0.2, 1.3)),
    ("student_t", -300.0, (2.5, 0.2, 1.3), stats.t(2.5, 0.2, 1.3)),
    ("cauchy", -0.4, (0.3, 1.7), stats.cauchy(0.3, 1.7)),
    ("cauchy", 4.2, (0.3, 1.7), stats.cauchy(0.3, 1.7)),
    ("cauchy", -1e7, (0.3, 1.7), stats.cauchy(0.3, 1.7)),
    ("loglogistic", 2.3, (1.5, 3.0), stats.fisk(3.0, scale=1.5)),
    # exp_mod_normal(μ, σ, λ) is SciPy's exponnorm(K = 1/(σλ), loc = μ, scale = σ): below μ, above, a far upper tail.
    ("exp_mod_normal", -0.8, (0.4, 0.7, 1.6), stats.exponnorm(1 / (0.7 * 1.6), 0.4, 0.7)),
    ("exp_mod_normal", 1.9, (0.4, 0.7, 1.6), stats.exponnorm(1 / (0.7 * 1.6), 0.4, 0.7)),
    ("exp_mod_normal", 14.0, (0.4, 0.7, 1.6), stats.exponnorm(1 / (0.7 * 1.6), 0.4, 0.7)),
]
for name, y, p, d in cdf_cases:
    args = ", ".join(repr(float(x)) for x in p)
    print(f'        ("{name}", {float(y)!r}, [{args}], {float(d.logcdf(y))!r}, {float(d.logsf(y))!r}),')

# Covariance-matrix densities and the multivariate Student t (Lowering+MatrixDensities.swift),
# pinned in Tests/LeapfrogStanTests/MatrixDensityTests.swift.
W = np.array([[2.0, 0.3, -0.4], [0.3, 1.5, 0.2], [-0.4, 0.2, 1.1]])
S = np.array([[1.2, -0.2, 0.1], [-0.2, 0.9, 0.3], [0.1, 0.3, 1.4]])
print("wishart", repr(float(stats.wishart(df=5.5, scale=S).logpdf(W))))
print("inv_wishart", repr(float(stats.invwishart(df=5.5, scale=S).logpdf(W))))
Y = np.array([[0.5, -0.3, 1.2], [-1.0, 0.4, 0.2]])
mu = np.array([0.1, -0.2, 0.3])
print("multi_student_t", repr(float(sum(stats.multivariate_t(loc=mu, shape=S, df=4.5).logpdf(y) for y in Y))))
