#!/usr/bin/env python3
"""Independent log densities and gradients of built-in models, for the tests (Tests/LeapfrogTestSupport/Fixtures).

The BNN's gradient is hand-derived backpropagation in numpy (no autodiff, no Leapfrog code),
checked here against central finite differences before it is written. The GP uses scipy's
multivariate normal. Points are on the unconstrained scale, in Leapfrog's layout order.

Run: python3 scripts/make_model_fixtures.py > Tests/LeapfrogTestSupport/Fixtures/model_fixtures.json
(numpy 2.4.6, scipy 1.17.1 produced the committed file.)
"""
import json, math, os, sys
import numpy as np
from scipy import stats, special

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
shared = os.path.join(root, "data")
bnn = np.loadtxt(os.path.join(shared, "bnn_toy.csv"), delimiter=",", skiprows=1)
X, y = bnn[:, :3], bnn[:, 3]

def bnn_lp_grad(u):
    """Layout: W1 [3,5] row-major, W2 [5,5], W3 [5], prec (log-transformed)."""
    W1 = u[0:15].reshape(3, 5); W2 = u[15:40].reshape(5, 5); W3 = u[40:45]; lprec = u[45]
    prec = math.exp(lprec)
    h1 = np.tanh(X @ W1); h2 = np.tanh(h1 @ W2); f = h2 @ W3
    sigma = 1 / math.sqrt(prec); r = y - f; n = len(y)
    lp = (-0.5 * np.sum(W1 ** 2) - 0.5 * np.sum(W2 ** 2) - 0.5 * np.sum(W3 ** 2) - 45 * 0.5 * math.log(2 * math.pi)
          + 3 * math.log(1.0) - special.gammaln(3) + 2 * math.log(prec) - prec          # Gamma(3, 1)
          + lprec                                                                       # log-Jacobian
          + np.sum(-0.5 * (r / sigma) ** 2) - n * math.log(sigma) - n * 0.5 * math.log(2 * math.pi))
    df = r * prec                                   # d lp / d f
    gW3 = h2.T @ df - W3
    dh2 = np.outer(df, W3) * (1 - h2 ** 2)
    gW2 = h1.T @ dh2 - W2
    dh1 = (dh2 @ W2.T) * (1 - h1 ** 2)
    gW1 = X.T @ dh1 - W1
    # d/dprec of the likelihood: n/(2 prec) − ½Σr²; prior: 2/prec − 1; chain rule × prec, + 1 (Jacobian).
    gprec = (n / (2 * prec) - 0.5 * np.sum(r ** 2) + 2 / prec - 1) * prec + 1
    return lp, np.concatenate([gW1.ravel(), gW2.ravel(), gW3, [gprec]])

gp = np.loadtxt(os.path.join(shared, "gp_toy.csv"), delimiter=",", skiprows=1)
def gp_lp(u):
    var, length, noise = np.exp(u)
    x, yy = gp[:, 0], gp[:, 1]
    K = var * np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2 / length ** 2) + (noise + 1e-6) * np.eye(len(x))
    prior = sum(stats.lognorm(10, scale=1).logpdf(v) for v in (var, length, noise))
    return stats.multivariate_normal(np.zeros(len(x)), K).logpdf(yy) + prior + np.sum(u)

rng = np.random.default_rng(20261123)
out = {"bnn": [], "gp": []}
for _ in range(3):
    u = rng.uniform(-2, 2, 46)
    lp, g = bnn_lp_grad(u)
    fd = np.array([(bnn_lp_grad(u + e)[0] - bnn_lp_grad(u - e)[0]) / 2e-6 for e in np.eye(46) * 1e-6])
    assert np.max(np.abs(fd - g) / np.maximum(1, np.abs(g))) < 1e-5, "hand gradient disagrees with FD"
    out["bnn"].append({"u": u.tolist(), "lp": lp, "gradient": g.tolist()})
for _ in range(3):
    u = rng.uniform(-1.5, 1.5, 3)
    out["gp"].append({"u": u.tolist(), "lp": gp_lp(u)})
json.dump(out, sys.stdout, indent=1)
