#!/usr/bin/env python3
"""Make the LeapfrogDiagnostics test fixtures: draw sets and ArviZ's numbers on them.

Setup (pinned):
    python3 -m venv /tmp/venv-arviz
    /tmp/venv-arviz/bin/pip install arviz==0.23.4
    /tmp/venv-arviz/bin/python scripts/make_diagnostics_fixtures.py

Writes Tests/LeapfrogDiagnosticsTests/Fixtures/*.json. Draws are rounded to 5 decimals
*before* ArviZ sees them, so the JSON holds exactly the numbers ArviZ was given.

Every draw set is an array indexed [chain][draw]. For each, the expected values come from
ArviZ's public functions (az.rhat, az.ess, az.mcse, az.bfmi) and numpy/scipy, except the
nested R-hat, which ArviZ does not have: it is computed here by an independent numpy
implementation of Margossian et al. (2024), eqs. 15-19 (`nested_rhat` below).
"""
import json
import pathlib
import sys
import warnings

import numpy as np
import scipy
from scipy import stats

warnings.filterwarnings("ignore")
import arviz as az  # noqa: E402

SEED = 20211  # fixed: fixtures must be reproducible
OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/LeapfrogDiagnosticsTests/Fixtures"
DECIMALS = 5


def ar1(rng, chains, draws, rho, scale=1.0):
    """Stationary AR(1): x_t = rho x_{t-1} + sqrt(1 - rho^2) e_t, started in stationarity."""
    x = np.empty((chains, draws))
    x[:, 0] = rng.standard_normal(chains)
    s = np.sqrt(1.0 - rho * rho)
    for t in range(1, draws):
        x[:, t] = rho * x[:, t - 1] + s * rng.standard_normal(chains)
    return scale * x


def nested_rhat(x, superchains):
    """Nested R-hat (Margossian, Hoffman, Sountsov, Riou-Durand, Vehtari & Gelman 2024),
    chains grouped contiguously into `superchains` groups of equal size; not split.

    nB = 1/(K-1) sum_k (mean_k - mean)^2                      (between superchains)
    nW = 1/K sum_k [ Btilde_k + Wtilde_k ]                    (within superchain)
      Btilde_k = 1/(M-1) sum_m (chainmean_mk - mean_k)^2      (0 if M == 1)
      Wtilde_k = 1/M sum_m s^2_mk, s^2 with ddof=1            (0 if N == 1)
    nRhat = sqrt(1 + nB / nW)
    """
    c, n = x.shape
    k = superchains
    m = c // k
    g = x.reshape(k, m, n)
    chain_mean = g.mean(axis=2)                       # (k, m)
    super_mean = chain_mean.mean(axis=1)              # (k,)
    b_between = super_mean.var(ddof=1)
    b_tilde = chain_mean.var(axis=1, ddof=1) if m > 1 else np.zeros(k)
    w_tilde = g.var(axis=2, ddof=1).mean(axis=1) if n > 1 else np.zeros(k)
    w = np.mean(b_tilde + w_tilde)
    return float(np.sqrt(1.0 + b_between / w))


def f(v):
    v = float(v)
    return None if not np.isfinite(v) else v  # JSON null for NaN


def expected(x, superchains=None):
    q = np.quantile(x, [0.05, 0.5, 0.95])  # numpy default: linear (type 7)
    out = {
        "mean": f(x.mean()),
        "sd": f(x.std(ddof=1)),
        "q5": f(q[0]), "q50": f(q[1]), "q95": f(q[2]),
        "rhat_rank": f(az.rhat(x, method="rank")),
        "rhat_split": f(az.rhat(x, method="split")),
        "ess_bulk": f(az.ess(x, method="bulk")),
        "ess_tail": f(az.ess(x, method="tail")),
        "ess_mean": f(az.ess(x, method="mean")),
        "ess_sd": f(az.ess(x, method="sd")),
        "mcse_mean": f(az.mcse(x, method="mean")),
        "mcse_sd": f(az.mcse(x, method="sd")),
        "mcse_q5": f(az.mcse(x, method="quantile", prob=0.05)),
        "mcse_q50": f(az.mcse(x, method="quantile", prob=0.5)),
        "mcse_q95": f(az.mcse(x, method="quantile", prob=0.95)),
    }
    if superchains is not None:
        out["nested_rhat"] = f(nested_rhat(x, superchains))
    # az.summary's own numbers, to show summarize() agrees with the table ArviZ prints.
    s = az.summary(x, kind="all", round_to="none")
    out["summary"] = {k: f(s[k].iloc[0]) for k in
                      ["mean", "sd", "mcse_mean", "mcse_sd", "ess_bulk", "ess_tail", "r_hat"]}
    return out


def write(name, x, description, superchains=None):
    x = np.round(np.asarray(x, dtype=float), DECIMALS)
    doc = {
        "name": name,
        "description": description,
        "superchains": superchains,
        "draws": x.tolist(),
        "expected": expected(x, superchains),
    }
    (OUT / f"{name}.json").write_text(json.dumps(doc, separators=(",", ":")) + "\n")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)

    write("iid_normal", rng.standard_normal((4, 500)), "4 chains x 500 iid N(0,1)")
    write("ar1_rho09", ar1(rng, 4, 500, 0.9), "4 chains x 500 AR(1), rho = 0.9")
    write("ar1_rho099", ar1(rng, 4, 500, 0.99),
          "4 chains x 500 AR(1), rho = 0.99: long autocorrelation, many lags")
    write("antithetic", ar1(rng, 4, 500, -0.7),
          "4 chains x 500 AR(1), rho = -0.7: antithetic, ESS > draws")
    shifted = rng.standard_normal((8, 200))
    shifted[0] += 2.0
    write("shifted_chain", shifted, "8 chains x 200 iid N(0,1), chain 0 shifted by +2 (bad R-hat)")
    write("heavy_tailed", rng.standard_cauchy((4, 500)), "4 chains x 500 iid Cauchy")
    write("odd_draws", ar1(rng, 3, 101, 0.5), "3 chains x 101 AR(1), rho = 0.5: odd length split")
    nested = ar1(rng, 16, 100, 0.7) + np.repeat(rng.normal(0.0, 0.3, 4), 4)[:, None]
    write("nested_16x100", nested,
          "16 chains x 100 AR(1) rho = 0.7, 4 superchains of 4 contiguous chains, "
          "each superchain offset by N(0, 0.3^2)", superchains=4)
    write("constant", np.full((4, 10), 1.5), "4 chains x 10 constant draws")

    # E-BFMI: energy series, 4 chains x 500, AR(1) with rho 0, 0.5, 0.9, 0.95 (low BFMI last two).
    energy = np.vstack([ar1(rng, 1, 500, r, scale=3.0) for r in (0.0, 0.5, 0.9, 0.95)]) + 50.0
    energy = np.round(energy, DECIMALS)
    (OUT / "ebfmi.json").write_text(json.dumps({
        "description": "energy series, 4 chains x 500, AR(1) rho = 0, 0.5, 0.9, 0.95; expected = az.bfmi",
        "energy": energy.tolist(),
        "expected": [float(v) for v in az.bfmi(energy)],
    }, separators=(",", ":")) + "\n")

    # Special functions: scipy's norm.ppf and beta.ppf, for the inverse normal CDF and the
    # inverse regularized incomplete beta used by the quantile MCSE.
    ps = [1e-300, 1e-20, 1e-10, 1e-5, 0.001, 0.02425, 0.05, 0.1586553, 0.3, 0.425, 0.5,
          0.575, 0.75, 0.8413447, 0.95, 0.975, 0.999, 1 - 1e-10]
    ps += list(np.linspace(0.0005, 0.9995, 41))
    beta_cases = [(p, a, b) for p in (0.1586553, 0.8413447)
                  for (a, b) in ((1.5, 1.5), (20.0, 380.0), (101.0, 1901.0), (1000.5, 1000.5),
                                 (5.3, 95.7), (40000.0, 760000.0))]
    (OUT / "special_functions.json").write_text(json.dumps({
        "description": "scipy.stats.norm.ppf(p) and scipy.stats.beta.ppf(p, a, b)",
        "scipy": scipy.__version__,
        "norm_ppf": [[p, float(stats.norm.ppf(p))] for p in ps],
        "beta_ppf": [[p, a, b, float(stats.beta.ppf(p, a, b))] for (p, a, b) in beta_cases],
    }) + "\n")

    (OUT / "versions.json").write_text(json.dumps({
        "arviz": az.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
        "python": sys.version.split()[0], "seed": SEED,
    }, indent=1) + "\n")


if __name__ == "__main__":
    main()
