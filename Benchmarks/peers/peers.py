#!/usr/bin/env python3
"""Peers of Leapfrog on the same data and model: JAX, NumPyro NUTS and BlackJAX ChEES-HMC.

Runs inside the venv made by Benchmarks/peers/setup.sh. Every subcommand prints one JSON object
per configuration on stdout and appends it to a results file (JSON lines, --results, default
Benchmarks/peers/results/<subcommand>.jsonl; --results - to skip).

    peers.py throughput --model bnn|eight-schools|gp-regression --chains 1 16 256 4096 [--seconds 3] [--devices N]
    peers.py nuts  --model bnn --chains 4 --warmup 1000 --draws 1000 [--devices 1]
    peers.py chees --model bnn --chains 128 --warmup 200 --draws 200 [--devices 2]
    peers.py mclmc --model bnn --chains 128 --warmup 1000 --adjusted-warmup 100 --draws 1000 [--devices 2]
    peers.py check --model bnn --params FILE [FILE...]
    peers.py vi    --model bnn|edward-bnn --method numpyro-autonormal|blackjax-meanfield
                   [--learning-rates 0.001 0.003 0.01 0.03] [--seeds 1 2 3 4] [--steps 10000]
    peers.py elbo  --model bnn|edward-bnn --family variational.json    # a Leapfrog fit, the same estimator

`vi` fits a mean-field Gaussian as a user of each library would (NumPyro `SVI` with `AutoNormal`
and `Trace_ELBO`, one particle per step, its defaults; BlackJAX `meanfield_vi` with its default
100 draws per step), at every learning rate of a small grid and several seeds, and records per run
the final ELBO, the wall time to reach it and the gradients used. Every final ELBO (the peers' and,
with `elbo`, Leapfrog's) is the same estimator on the same log density: the mean of
log p(θ) − log q(θ) over --elbo-draws draws of the fitted family.

The models are written once, as log densities on Leapfrog's unconstrained scale (positive
parameters log-transformed, log-Jacobian included, every normalising constant kept), so the
value equals `leapfrog eval`'s; `check` prints it at given points and check_same_model.sh compares.
The data are read from Sources/LeapfrogModels/BundledData.swift, the very text Leapfrog embeds.
Parameters are flattened in Leapfrog's order (`leapfrog eval` parameter_names): matrices row-major.
"""
import argparse
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BUNDLED = ROOT / "Sources" / "LeapfrogModels" / "BundledData.swift"


# ---------------------------------------------------------------- arguments (before JAX loads)

MODELS = ["bnn", "edward-bnn", "eight-schools", "gp-regression"]
# Models whose cross-chain samplers (chees, mclmc) run on one XLA host device by default: with the
# GP's Cholesky (a LAPACK call) inside the adaptation's cross-device reductions, 128 chains on two
# forced host devices hung with no CPU used, for BlackJAX ChEES and for LAPS alike (jax 0.10.2,
# blackjax 1.7.1, 2026-12-04; 16 chains ran). --devices 2 still asks for two.
ONE_DEVICE_MODELS = {"gp-regression"}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    def common(s, chains_default, many=False):
        s.add_argument("--model", default="bnn", choices=MODELS)
        if many:
            s.add_argument("--chains", type=int, nargs="+", default=chains_default)
        else:
            s.add_argument("--chains", type=int, default=chains_default)
        s.add_argument("--precision", default="f32", choices=["f32", "f64"])
        s.add_argument("--devices", type=int, default=None,
                       help="XLA host devices to shard the chains over (1 or 2 on this machine)")
        s.add_argument("--seed", type=int, default=1)
        s.add_argument("--results", default=None,
                       help="JSON-lines file to append to (default results/<command>.jsonl; '-' for none)")
        s.add_argument("--label", default="", help="free text stored with the result (e.g. 'noisy: build running')")

    t = sub.add_parser("throughput", help="jit(vmap(value_and_grad(logdensity))) gradients/s")
    common(t, [1, 16, 256, 4096], many=True)
    t.add_argument("--seconds", type=float, default=3.0)

    for name, chains, warmup, draws in [("nuts", 4, 1000, 1000), ("chees", 128, 200, 200)]:
        s = sub.add_parser(name, help=("NumPyro NUTS, vectorised chains" if name == "nuts"
                                       else "BlackJAX ChEES-HMC (chees_adaptation, Adam)"))
        common(s, chains)
        s.add_argument("--warmup", type=int, default=warmup)
        s.add_argument("--draws", type=int, default=draws)
        if name == "nuts":
            s.add_argument("--max-depth", type=int, default=10)
            s.add_argument("--driver", default="scan", choices=["scan", "mcmc"],
                           help="scan: the vmapped kernel in a lax.scan compiled ahead of time (compilation "
                                "timed apart); mcmc: numpyro.infer.MCMC(chain_method='vectorized') itself, "
                                "whose times include compilation (a cross-check of the scan driver)")
            s.add_argument("--target-accept", type=float, default=0.8)
        else:
            s.add_argument("--learning-rate", type=float, default=0.5)
            s.add_argument("--target-accept", type=float, default=0.651)
            s.add_argument("--initial-step-size", type=float, default=0.1)
            s.add_argument("--mass-matrix", default="identity", choices=["identity", "diagonal"],
                           help="BlackJAX's default is identity; 'diagonal' = its ensemble-estimated diagonal")

    m = sub.add_parser("mclmc", help="BlackJAX adjusted MCLMC tuned by LAPS (ensemble adaptation), then sampled")
    common(m, 128)
    m.add_argument("--warmup", type=int, default=1000,
                   help="LAPS phase 1: at most this many unadjusted MCLMC steps (it stops early once the "
                        "ensemble has converged)")
    m.add_argument("--adjusted-warmup", type=int, default=100,
                   help="LAPS phase 2: adjusted iterations whose ensemble acceptance tunes the step size")
    m.add_argument("--draws", type=int, default=1000, help="adjusted MCLMC iterations kept, per chain")
    m.add_argument("--steps-per-sample", type=int, default=15, help="LAPS's default")

    c = sub.add_parser("check", help="log density and gradient at given points (compare with leapfrog eval)")
    c.add_argument("--model", default="bnn", choices=MODELS)
    c.add_argument("--params", nargs="+", required=True,
                   help="JSON files: named constrained values (as `leapfrog eval --params`), or the JSON "
                        "`leapfrog eval` prints (its points' unconstrained vectors are used)")
    c.add_argument("--precision", default="f32", choices=["f32", "f64"])
    c.add_argument("--devices", type=int, default=1)
    c.add_argument("--results", default="-")
    c.add_argument("--label", default="")

    v = sub.add_parser("vi", help="NumPyro SVI AutoNormal or BlackJAX meanfield_vi over learning rates x seeds")
    common(v, 1)
    v.add_argument("--method", required=True, choices=["numpyro-autonormal", "blackjax-meanfield"])
    v.add_argument("--learning-rates", type=float, nargs="+", default=[0.001, 0.003, 0.01, 0.03])
    v.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    v.add_argument("--steps", type=int, default=10000)
    v.add_argument("--num-samples", type=int, default=None,
                   help="draws per step (default: the library's own, 1 for NumPyro's Trace_ELBO, 100 for BlackJAX)")
    v.add_argument("--checkpoints", type=int, default=20, help="ELBO measured (untimed) this many times along a run")
    v.add_argument("--elbo-draws", type=int, default=1000)
    v.add_argument("--reach", type=float, default=1.0,
                   help="time to reach = first checkpoint whose ELBO is within this many nats of the run's best")

    e = sub.add_parser("elbo", help="the ELBO of a Leapfrog mean-field fit (variational.json), the peers' estimator")
    e.add_argument("--model", default="bnn", choices=MODELS)
    e.add_argument("--family", required=True)
    e.add_argument("--elbo-draws", type=int, default=1000)
    e.add_argument("--precision", default="f32", choices=["f32", "f64"])
    e.add_argument("--devices", type=int, default=1)
    e.add_argument("--seed", type=int, default=1)
    e.add_argument("--results", default="-")
    e.add_argument("--label", default="")
    return p.parse_args(argv)


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    if ARGS.devices is None:
        ARGS.devices = {"throughput": 2, "chees": 2, "mclmc": 2}.get(ARGS.command, 1)
        if ARGS.model in ONE_DEVICE_MODELS and ARGS.command in ("chees", "mclmc"):
            ARGS.devices = 1
    elif ARGS.devices > 1 and ARGS.model in ONE_DEVICE_MODELS and ARGS.command in ("chees", "mclmc"):
        print("peers.py: warning: %s %s on %d XLA host devices hung (no CPU used) at 128 chains; see "
              "ONE_DEVICE_MODELS" % (ARGS.command, ARGS.model, ARGS.devices), file=sys.stderr)
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_force_host_platform_device_count" not in flags:
        os.environ["XLA_FLAGS"] = (flags + " --xla_force_host_platform_device_count=%d" % max(1, ARGS.devices)).strip()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402
import jax  # noqa: E402

if ARGS is not None and ARGS.precision == "f64":
    jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import jax.scipy.linalg  # noqa: E402
from jax.scipy.special import gammaln  # noqa: E402

LOG_2PI = math.log(2 * math.pi)


# ---------------------------------------------------------------- data

def bundled(name):
    """The text of `public static let NAME = \"\"\" ... \"\"\"` in BundledData.swift."""
    text = BUNDLED.read_text()
    m = re.search(r'static let %s = """\n(.*?)\n"""' % name, text, re.S)
    if not m:
        sys.exit("peers.py: cannot find %s in %s" % (name, BUNDLED))
    return m.group(1)


def load_bnn_data():
    lines = bundled("bnnToy").strip().splitlines()
    header = lines[0].split(",")
    rows = np.array([[float(v) for v in l.split(",")] for l in lines[1:]])
    X = rows[:, [header.index(c) for c in ("x0", "x1", "x2")]]
    y = rows[:, header.index("y")]
    return X, y


def load_edward_data():
    """data/edward_toy.csv (scripts/make_edward_toy.py): the file Leapfrog reads with --data."""
    lines = (ROOT / "data" / "edward_toy.csv").read_text().strip().splitlines()
    header = lines[0].split(",")
    rows = np.array([[float(v) for v in l.split(",")] for l in lines[1:]])
    return rows[:, [header.index("x")]], rows[:, header.index("y")]


def load_gp_data():
    lines = bundled("gpToy").strip().splitlines()
    header = lines[0].split(",")
    rows = np.array([[float(v) for v in l.split(",")] for l in lines[1:]])
    return rows[:, header.index("x")], rows[:, header.index("y")]


def load_eight_schools():
    d = json.loads(bundled("eightSchools"))
    return np.array(d["y"], dtype=float), np.array(d["sigma"], dtype=float)


# ---------------------------------------------------------------- models

def normal_lpdf(x, mu, sigma):
    z = (x - mu) / sigma
    return -0.5 * LOG_2PI - jnp.log(sigma) - 0.5 * z * z


class BNN:
    """y ~ Normal(tanh(tanh(X·W1)·W2)·W3, 1/sqrt(prec)); W ~ Normal(0, 1); prec ~ Gamma(3, 1).
    Unconstrained vector: W1 [3,5] row-major, W2 [5,5] row-major, W3 [5], log(prec): 46."""
    name = "bnn"

    def __init__(self, dtype, widths=(5, 5)):
        X, y = load_bnn_data()
        self.X = jnp.asarray(X, dtype)
        self.y = jnp.asarray(y, dtype)
        d = X.shape[1]
        self.shapes = [("W1", (d, widths[0])), ("W2", (widths[0], widths[1])), ("W3", (widths[1],)), ("prec", ())]
        self.positive = {"prec"}
        self.dim = sum(int(np.prod(s)) for _, s in self.shapes)
        self.derived_prefixes = ["mu_grid"]
        self.dtype = dtype

    def unpack(self, u):
        out, k = {}, 0
        for name, shape in self.shapes:
            n = int(np.prod(shape))
            out[name] = u[..., k:k + n].reshape(u.shape[:-1] + shape)
            k += n
        return out

    @staticmethod
    def forward(p, X):
        h = jnp.tanh(X @ p["W1"])
        h = jnp.tanh(h @ p["W2"])
        return h @ p["W3"]

    def logdensity(self, u):
        p = self.unpack(u)
        log_prec = p["prec"]
        prec = jnp.exp(log_prec)
        lp = 0.0
        for w in ("W1", "W2", "W3"):
            lp = lp + jnp.sum(normal_lpdf(p[w], 0.0, 1.0))
        a, b = 3.0, 1.0
        lp = lp + a * math.log(b) - gammaln(jnp.asarray(a, self.dtype)) + (a - 1) * log_prec - b * prec
        lp = lp + log_prec  # log-Jacobian of prec = exp(u)
        f = self.forward(p, self.X)
        sigma = jnp.exp(-0.5 * log_prec)
        lp = lp + jnp.sum(normal_lpdf(self.y, f, sigma))
        return lp

    def quantities(self, u):
        """Named scalars reported alongside lp, from unconstrained draws u[..., dim]."""
        p = self.unpack(u)
        # mu_grid[13]: Leapfrog's X_grid is (1, x, x^2) on linspace(-1.2, 1.2, 25); row 13 (1-based) is x = 0.
        x0 = jnp.asarray([1.0, 0.0, 0.0], u.dtype)
        h = jnp.tanh(jnp.einsum("d,...dk->...k", x0, p["W1"]))
        h = jnp.tanh(jnp.einsum("...j,...jk->...k", h, p["W2"]))
        mu0 = jnp.einsum("...k,...k->...", h, p["W3"])
        return {"prec": jnp.exp(p["prec"]), "mu_grid[13]": mu0}

    def constrained(self, u):
        p = self.unpack(u)
        p["prec"] = jnp.exp(p["prec"])
        return p


class EdwardBNN:
    """Edward's tutorial network (`leapfrog ... bnn --data data/edward_toy.csv --model-option widths=10,10
    --model-option biases=true --model-option noise=0.1`): y ~ Normal(f(x), 0.1) with
    f = tanh(tanh(x·W1 + b1)·W2 + b2)·W3 + b3, every weight and bias Normal(0, 1).
    Unconstrained vector in Leapfrog's order: W1 [1,10], b1 [10], W2 [10,10], b2 [10], W3 [10], b3: 141."""
    name = "edward-bnn"
    noise = 0.1

    def __init__(self, dtype, width=10):
        X, y = load_edward_data()
        self.X = jnp.asarray(X, dtype)
        self.y = jnp.asarray(y, dtype)
        self.shapes = [("W1", (1, width)), ("b1", (width,)), ("W2", (width, width)), ("b2", (width,)),
                       ("W3", (width,)), ("b3", ())]
        self.positive = set()
        self.dim = sum(int(np.prod(s)) for _, s in self.shapes)
        self.derived_prefixes = ["mu_grid"]
        self.dtype = dtype

    unpack = BNN.unpack

    def logdensity(self, u):
        p = self.unpack(u)
        lp = 0.0
        for name, _ in self.shapes:
            lp = lp + jnp.sum(normal_lpdf(p[name], 0.0, 1.0))
        h = jnp.tanh(self.X @ p["W1"] + p["b1"])
        h = jnp.tanh(h @ p["W2"] + p["b2"])
        f = h @ p["W3"] + p["b3"]
        return lp + jnp.sum(normal_lpdf(self.y, f, self.noise))

    def quantities(self, u):
        return {"b3": self.unpack(u)["b3"]}

    def constrained(self, u):
        return self.unpack(u)


class EightSchools:
    """Non-centred: mu ~ Normal(0, 5); tau ~ HalfCauchy(5); theta_tilde ~ Normal(0, 1);
    y ~ Normal(mu + tau*theta_tilde, sigma). Unconstrained: mu, log(tau), theta_tilde[8]: 10."""
    name = "eight-schools"

    def __init__(self, dtype):
        y, sigma = load_eight_schools()
        self.y = jnp.asarray(y, dtype)
        self.sigma = jnp.asarray(sigma, dtype)
        self.shapes = [("mu", ()), ("tau", ()), ("theta_tilde", (len(y),))]
        self.positive = {"tau"}
        self.dim = 2 + len(y)
        self.derived_prefixes = ["theta["]
        self.dtype = dtype

    unpack = BNN.unpack

    def logdensity(self, u):
        p = self.unpack(u)
        mu, log_tau, tt = p["mu"], p["tau"], p["theta_tilde"]
        tau = jnp.exp(log_tau)
        lp = normal_lpdf(mu, 0.0, 5.0)
        lp = lp + math.log(2.0) - math.log(math.pi) - math.log(5.0) - jnp.log1p((tau / 5.0) ** 2)
        lp = lp + log_tau
        lp = lp + jnp.sum(normal_lpdf(tt, 0.0, 1.0))
        theta = mu[..., None] + tau[..., None] * tt
        lp = lp + jnp.sum(normal_lpdf(self.y, theta, self.sigma))
        return lp

    def quantities(self, u):
        p = self.unpack(u)
        return {"mu": p["mu"], "tau": jnp.exp(p["tau"]), "theta[1]": p["mu"] + jnp.exp(p["tau"]) * p["theta_tilde"][..., 0]}

    def constrained(self, u):
        p = self.unpack(u)
        p["tau"] = jnp.exp(p["tau"])
        return p


class GPRegression:
    """Leapfrog's `gp-regression` (ClassicModels.gpRegression, numpyro's GP example data):
    var, length, noise ~ LogNormal(0, 10); K = var·exp(−(x_i − x_j)²/(2 length²)) + (noise + 1e-6)·I;
    y ~ MultiNormal(0, K) through the Cholesky factor of K.
    Unconstrained: log(var), log(length), log(noise): 3."""
    name = "gp-regression"
    prior_scale = 10.0  # ClassicModels.gpRegression's default priorScale
    jitter = 1e-6       # the diagonal ClassicModels.gpRegression adds to the noise

    def __init__(self, dtype):
        x, y = load_gp_data()
        self.x = jnp.asarray(x, dtype)
        self.y = jnp.asarray(y, dtype)
        self.shapes = [("var", ()), ("length", ()), ("noise", ())]
        self.positive = {"var", "length", "noise"}
        self.dim = 3
        self.derived_prefixes = ["f_grid"]
        self.dtype = dtype

    unpack = BNN.unpack

    def logdensity(self, u):
        # LogNormal(0, s) of exp(u) with the log-Jacobian u added is Normal(u; 0, s).
        lp = jnp.sum(normal_lpdf(u, 0.0, self.prior_scale))
        var, length, noise = jnp.exp(u[0]), jnp.exp(u[1]), jnp.exp(u[2])
        d = self.x[:, None] - self.x[None, :]
        k = var * jnp.exp(-d * d / (2 * length * length)) + (noise + self.jitter) * jnp.eye(self.x.shape[0], dtype=u.dtype)
        chol = jnp.linalg.cholesky(k)
        z = jax.scipy.linalg.solve_triangular(chol, self.y, lower=True)
        n = self.x.shape[0]
        return lp - 0.5 * jnp.sum(z * z) - jnp.sum(jnp.log(jnp.diagonal(chol))) - 0.5 * n * LOG_2PI

    def quantities(self, u):
        return {"var": jnp.exp(u[..., 0]), "length": jnp.exp(u[..., 1]), "noise": jnp.exp(u[..., 2])}

    def constrained(self, u):
        p = self.unpack(u)
        return {k: jnp.exp(v) for k, v in p.items()}


def make_model(name, dtype):
    return {"bnn": BNN, "edward-bnn": EdwardBNN, "eight-schools": EightSchools, "gp-regression": GPRegression}[name](dtype)


# ---------------------------------------------------------------- output

def commit():
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip() or None
    except Exception:
        return None


def versions():
    out = {"python": platform.python_version(), "jax": jax.__version__}
    for mod in ("jaxlib", "numpyro", "blackjax", "optax", "arviz", "numpy"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception:
            pass
    return out


def environment(args):
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "commit": commit(),
            "host_cpus": os.cpu_count(), "load_average_1m": load[0] if load else None,
            "xla_devices": len(jax.devices()), "devices_used": args.devices,
            "xla_flags": os.environ.get("XLA_FLAGS", ""), "versions": versions(), "label": args.label}


def emit(args, record):
    line = json.dumps(record, sort_keys=True, allow_nan=False, default=float)
    print(line, flush=True)
    target = args.results
    if target is None:
        target = str(HERE / "results" / ("%s.jsonl" % args.command))
    if target != "-":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        with open(target, "a") as f:
            f.write(line + "\n")


def log(msg):
    print("peers: " + msg, file=sys.stderr, flush=True)


def finite(x):
    x = float(x)
    return x if math.isfinite(x) else None


def dtype_of(args):
    return jnp.float64 if args.precision == "f64" else jnp.float32


def uniform_init(key, chains, dim, dtype):
    """Uniform(-2, 2) on the unconstrained scale, as Leapfrog (and Stan, NumPyro) initialise."""
    return jax.random.uniform(key, (chains, dim), dtype, -2.0, 2.0)


def chain_sharding(args, chains):
    """A sharding that splits the leading (chain) axis over the XLA host devices, or None."""
    n = min(args.devices, len(jax.devices()))
    if n <= 1 or chains % n != 0:
        return None
    from jax.sharding import Mesh, NamedSharding, PartitionSpec
    mesh = Mesh(np.array(jax.devices()[:n]), ("chains",))
    return NamedSharding(mesh, PartitionSpec("chains"))


def cpu_times():
    return time.process_time()  # CPU seconds of every thread of this process


# ---------------------------------------------------------------- throughput

def cmd_throughput(args):
    dtype = dtype_of(args)
    model = make_model(args.model, dtype)
    vg = jax.jit(jax.vmap(jax.value_and_grad(model.logdensity)))
    for chains in args.chains:
        key = jax.random.PRNGKey(args.seed)
        u = uniform_init(key, chains, model.dim, dtype)
        sharding = chain_sharding(args, chains)
        if sharding is not None:
            u = jax.device_put(u, sharding)
        t0 = time.perf_counter()
        jax.block_until_ready(vg(u))  # compile + first call
        compile_s = time.perf_counter() - t0
        for _ in range(3):
            jax.block_until_ready(vg(u))
        calls, c0, t0 = 0, cpu_times(), time.perf_counter()
        elapsed = 0.0
        while elapsed < args.seconds:
            jax.block_until_ready(vg(u))
            calls += 1
            elapsed = time.perf_counter() - t0
        cpu = cpu_times() - c0
        rec = {"kind": "throughput", "peer": "jax", "model": args.model, "dimension": model.dim, "chains": chains,
               "precision": args.precision, "calls": calls, "seconds": elapsed,
               "gradients_per_second": calls * chains / elapsed, "compile_seconds": compile_s,
               "sharded_over_devices": sharding is not None,
               "cpu_utilisation": cpu / elapsed,  # ~1 = one core busy, ~2 = both
               "backend": "jax jit(vmap(value_and_grad)) %s%s" % (args.precision, ", sharded over %d host devices" % args.devices if sharding is not None else ", 1 device")}
        rec.update(environment(args))
        emit(args, rec)


# ---------------------------------------------------------------- diagnostics shared by nuts and chees

def ess_report(model, positions, lp, wall, gradients, extra):
    """positions [chain, draw, dim] unconstrained; lp [chain, draw]."""
    import arviz as az
    positions = np.asarray(positions, dtype=np.float64)
    lp = np.asarray(lp, dtype=np.float64)
    q = {k: np.asarray(v, dtype=np.float64) for k, v in model.quantities(jnp.asarray(positions)).items()}
    ess = {"lp__": float(az.ess(lp, method="bulk"))}
    rhat = {"lp__": float(az.rhat(lp))}
    for k, v in q.items():
        ess[k] = float(az.ess(v, method="bulk"))
        rhat[k] = float(az.rhat(v))
    # every parameter element (bulk ESS is rank-based: the same on either scale)
    per_param = [float(az.ess(positions[:, :, j], method="bulk")) for j in range(positions.shape[2])]
    rhat_all = [float(az.rhat(positions[:, :, j])) for j in range(positions.shape[2])]
    means = {k: float(np.mean(v)) for k, v in q.items()}
    means["lp__"] = float(np.mean(lp))
    rec = {"ess_bulk": ess, "r_hat": rhat, "mean": means, "min_ess_bulk_parameters": min(per_param),
           "max_r_hat_parameters": max(rhat_all), "ess_per_second": {k: v / wall for k, v in ess.items()},
           "min_ess_bulk_per_second": min(per_param) / wall}
    if gradients:
        rec["ess_per_gradient"] = {k: v / gradients for k, v in ess.items()}
    rec.update(extra)
    return rec


def chunk_length(warmup, draws, cap=100):
    g = math.gcd(warmup, draws) if warmup > 0 else draws
    for L in range(min(cap, g), 0, -1):
        if g % L == 0:
            return L
    return 1


# ---------------------------------------------------------------- NumPyro NUTS

def cmd_nuts(args):
    from numpyro.infer import NUTS
    dtype = dtype_of(args)
    model = make_model(args.model, dtype)
    C = args.chains
    kernel = NUTS(potential_fn=lambda u: -model.logdensity(u), target_accept_prob=args.target_accept,
                  max_tree_depth=args.max_depth, dense_mass=False, adapt_step_size=True, adapt_mass_matrix=True)
    key = jax.random.PRNGKey(args.seed)
    k_init, k_chain = jax.random.split(key)
    u0 = uniform_init(k_init, C, model.dim, dtype)
    if args.driver == "mcmc":
        return nuts_with_mcmc(args, model, kernel, k_chain, u0)
    keys = jax.random.split(k_chain, C)
    sharding = chain_sharding(args, C)
    if sharding is not None:
        u0, keys = jax.device_put(u0, sharding), jax.device_put(keys, sharding)
    L = chunk_length(args.warmup, args.draws)

    t0 = time.perf_counter()
    state = kernel.init(keys, args.warmup, init_params=u0, model_args=(), model_kwargs={})
    jax.block_until_ready(state)

    def chunk(s):
        def body(s, _):
            s = kernel.sample(s, (), {})
            return s, (s.z, s.potential_energy, s.num_steps, s.diverging, s.adapt_state.step_size, s.accept_prob)
        return jax.lax.scan(body, s, None, length=L)

    compiled = jax.jit(chunk).lower(state).compile()
    compile_s = time.perf_counter() - t0
    log("nuts: %d chains, compiled in %.1f s; %d + %d iterations in chunks of %d" % (C, compile_s, args.warmup, args.draws, L))

    lockstep = 0

    def run(n, phase):
        nonlocal state, lockstep
        outs, steps = [], 0
        t = time.perf_counter()
        for i in range(n // L):
            state, out = compiled(state)
            out = jax.device_get(out)
            steps += int(np.sum(out[2]))
            lockstep += int(np.sum(np.max(out[2], axis=1))) * C
            if phase == "sampling":
                outs.append(out)
            log("nuts %s %d/%d (%.0f s)" % (phase, (i + 1) * L, n, time.perf_counter() - t))
        return time.perf_counter() - t, steps, outs

    c0 = cpu_times()
    warm_s, warm_steps, _ = run(args.warmup, "warmup")
    samp_s, samp_steps, outs = run(args.draws, "sampling")
    cpu = cpu_times() - c0
    z = np.concatenate([o[0] for o in outs], axis=0).swapaxes(0, 1)  # [chain, draw, dim]
    pe = np.concatenate([o[1] for o in outs], axis=0).T
    nsteps = np.concatenate([o[2] for o in outs], axis=0)
    div = np.concatenate([o[3] for o in outs], axis=0)
    step_size = np.concatenate([o[4] for o in outs], axis=0)
    wall = warm_s + samp_s
    gradients = warm_steps + samp_steps
    depth = np.floor(np.log2(np.maximum(nsteps, 1))) + 1
    extra = {"kind": "nuts", "peer": "numpyro", "model": args.model, "chains": C, "warmup": args.warmup,
             "draws": args.draws, "precision": args.precision, "compile_seconds": compile_s,
             "warmup_seconds": warm_s, "sampling_seconds": samp_s, "wall_seconds": wall,
             "gradients": gradients, "gradients_sampling": samp_steps,
             # vectorised chains run in lockstep: every chain waits for the longest tree (warmup + sampling,
             # as Leapfrog's spent_in_lockstep)
             "gradients_in_lockstep": lockstep, "cpu_utilisation": cpu / (warm_s + samp_s),
             "gradients_per_second": gradients / wall,
             "divergences": int(np.sum(div)), "step_size_mean": float(np.mean(step_size[-1])),
             "tree_depth_saturated_fraction": float(np.mean(nsteps >= 2 ** args.max_depth - 1)),
             "mean_tree_depth": float(np.mean(depth)), "sharded_over_devices": sharding is not None,
             "backend": "numpyro NUTS potential_fn, chains vmapped (= chain_method='vectorized'), %s%s" % (
                 args.precision, ", sharded over %d host devices" % args.devices if sharding is not None else ", 1 device")}
    rec = ess_report(model, z, -pe, wall, gradients, extra)
    rec.update(environment(args))
    emit(args, rec)


def nuts_with_mcmc(args, model, kernel, key, u0):
    """NumPyro's own MCMC driver, chain_method='vectorized': times include compilation."""
    from numpyro.infer import MCMC
    C = args.chains
    mcmc = MCMC(kernel, num_warmup=args.warmup, num_samples=args.draws, num_chains=C,
                chain_method="vectorized", progress_bar=False)
    fields = ("num_steps", "potential_energy", "diverging")
    c0, t0 = cpu_times(), time.perf_counter()
    mcmc.warmup(key, init_params=u0, extra_fields=("num_steps",), collect_warmup=True)
    warm_steps = int(np.sum(np.asarray(mcmc.get_extra_fields()["num_steps"])))
    t1 = time.perf_counter()
    mcmc.run(mcmc.post_warmup_state.rng_key, init_params=u0, extra_fields=fields)
    jax.block_until_ready(mcmc.get_samples())
    t2 = time.perf_counter()
    cpu = cpu_times() - c0
    ex = mcmc.get_extra_fields(group_by_chain=True)
    z = np.asarray(mcmc.get_samples(group_by_chain=True))
    nsteps = np.asarray(ex["num_steps"])
    samp_steps = int(np.sum(nsteps))
    wall = t2 - t0
    gradients = warm_steps + samp_steps
    extra = {"kind": "nuts", "peer": "numpyro", "model": args.model, "chains": C, "warmup": args.warmup,
             "draws": args.draws, "precision": args.precision, "compile_seconds": None,
             "warmup_seconds": t1 - t0, "sampling_seconds": t2 - t1, "wall_seconds": wall,
             "wall_includes_compilation": True, "gradients": gradients, "gradients_sampling": samp_steps,
             "gradients_per_second": gradients / wall, "cpu_utilisation": cpu / wall,
             "divergences": int(np.sum(np.asarray(ex["diverging"]))),
             "tree_depth_saturated_fraction": float(np.mean(nsteps >= 2 ** args.max_depth - 1)),
             "sharded_over_devices": False,
             "backend": "numpyro MCMC(NUTS potential_fn, chain_method='vectorized'), %s; times include compilation" % args.precision}
    rec = ess_report(model, z, -np.asarray(ex["potential_energy"]), wall, gradients, extra)
    rec.update(environment(args))
    emit(args, rec)


# ---------------------------------------------------------------- BlackJAX ChEES

def cmd_chees(args):
    import blackjax
    import optax
    dtype = dtype_of(args)
    model = make_model(args.model, dtype)
    C = args.chains
    key = jax.random.PRNGKey(args.seed)
    k_init, k_warm, k_samp = jax.random.split(key, 3)
    u0 = uniform_init(k_init, C, model.dim, dtype)
    sharding = chain_sharding(args, C)
    if sharding is not None:
        u0 = jax.device_put(u0, sharding)
    logdensity = model.logdensity
    mm = None if args.mass_matrix == "identity" else "diagonal"
    warmup = blackjax.chees_adaptation(logdensity, num_chains=C, target_acceptance_rate=args.target_accept,
                                       mass_matrix_estimation=mm)
    optim = optax.adam(learning_rate=args.learning_rate)
    functions = {}  # the kernel's Python callables, captured while tracing (a jit cannot return them)

    def do_warmup(k, u):
        (states, params), info = warmup.run(k, u, step_size=args.initial_step_size, optim=optim,
                                            num_steps=args.warmup, max_sampling_steps=args.draws)
        functions.update({n: params[n] for n in ("next_random_arg_fn", "integration_steps_fn")})
        arrays = {n: params[n] for n in ("step_size", "inverse_mass_matrix", "integration_steps_params")}
        return states, arrays, jnp.sum(info.info.num_integration_steps)

    t0 = time.perf_counter()
    warm_c = jax.jit(do_warmup).lower(k_warm, u0).compile()
    compile_w = time.perf_counter() - t0
    t0 = time.perf_counter()
    states, params, warm_steps = jax.block_until_ready(warm_c(k_warm, u0))
    warm_s = time.perf_counter() - t0
    log("chees: %d chains, warmup compiled in %.1f s, ran in %.1f s; step size %.4g, %.1f steps" % (
        C, compile_w, warm_s, float(params["step_size"]), float(params["integration_steps_params"][0])))

    def do_sample(k, states, params):
        kernel = blackjax.dynamic_hmc(logdensity, **params, **functions)

        def body(s, kk):
            s, info = jax.vmap(kernel.step)(jax.random.split(kk, C), s)
            return s, (s.position, s.logdensity, info.num_integration_steps, info.is_divergent, info.acceptance_rate)
        return jax.lax.scan(body, states, jax.random.split(k, args.draws))

    t0 = time.perf_counter()
    samp_c = jax.jit(do_sample).lower(k_samp, states, params).compile()
    compile_s = compile_w + time.perf_counter() - t0
    c1 = cpu_times()
    t0 = time.perf_counter()
    _, out = jax.block_until_ready(samp_c(k_samp, states, params))
    samp_s = time.perf_counter() - t0
    cpu_s = cpu_times() - c1
    pos, lp, nsteps, div, acc = (np.asarray(x) for x in jax.device_get(out))
    wall = warm_s + samp_s
    gradients = int(warm_steps) + int(np.sum(nsteps))
    extra = {"kind": "chees", "peer": "blackjax", "model": args.model, "chains": C, "warmup": args.warmup,
             "draws": args.draws, "precision": args.precision, "compile_seconds": compile_s,
             "warmup_seconds": warm_s, "sampling_seconds": samp_s, "wall_seconds": wall,
             "gradients": gradients, "gradients_sampling": int(np.sum(nsteps)),
             "gradients_per_second": gradients / wall, "divergences": int(np.sum(div)),
             "cpu_utilisation_sampling": cpu_s / samp_s,
             "step_size": float(params["step_size"]),
             "mean_leapfrog_steps_tuned": float(params["integration_steps_params"][0]),
             "mass_matrix": args.mass_matrix,
             "mean_acceptance": float(np.mean(acc)), "mean_steps_per_iteration": float(np.mean(nsteps)),
             "learning_rate": args.learning_rate, "sharded_over_devices": sharding is not None,
             "backend": "blackjax chees_adaptation + dynamic_hmc (jittered), optax.adam(%g), %s%s" % (
                 args.learning_rate, args.precision,
                 ", chains sharded over %d host devices" % args.devices if sharding is not None else ", 1 device")}
    rec = ess_report(model, pos.swapaxes(0, 1), lp.T, wall, gradients, extra)
    rec.update(environment(args))
    emit(args, rec)


# ---------------------------------------------------------------- BlackJAX adjusted MCLMC with LAPS

def ensemble_phase(step, initial, num_steps, mesh, while_cond=None):
    """One phase of BlackJAX's ensemble chain adaptation (blackjax.eca): `step` (from eca_step) moves
    every chain, then updates the shared parameters from ensemble averages (a psum over the chain
    axis); the chain axis is split over `mesh`. A lax loop, so the phase compiles ahead of time
    (eca.run_eca itself reads its step count back to Python). With `while_cond`, stops early as
    run_eca(early_stop=True) does. Returns (states, adaptation state, info per step, steps run)."""
    from jax import shard_map
    from jax.sharding import PartitionSpec
    from blackjax.eca import while_with_info

    def per_device(states, ks, ka):
        xs = (jnp.arange(num_steps), jnp.swapaxes(ks, 0, 1), ka)
        if while_cond is None:
            (s, a), info = jax.lax.scan(step, (states, initial), xs)
            return s, a, info, jnp.asarray(num_steps)
        (s, a), info, counter = while_with_info(step, (states, initial), xs, num_steps, while_cond)
        return s, a, info, counter
    chains, shared = PartitionSpec("chains"), PartitionSpec()
    return shard_map(per_device, mesh=mesh, in_specs=(chains, chains, shared), out_specs=(chains, shared, shared, shared))


def laps_warmup_fn(model, C, mesh, args):
    """BlackJAX's LAPS (blackjax.adaptation.laps, Robnik et al.'s Late Adjusted Parallel Sampler) as
    one function of (initial states, keys), built from its own parts so that it compiles ahead of
    time and returns the parameters it tuned (`laps(...)` returns neither the step size nor the
    metric, and cannot be compiled whole):
    phase 1, unadjusted MCLMC on the whole ensemble, step size, L and a diagonal metric set from
    ensemble averages every step, until the ensemble's fluctuations settle (its early stop; at most
    --warmup steps); phase 2, adjusted MCLMC (McLachlan isokinetic integrator for d <= 200, Omelyan
    above; steps_per_sample steps per iteration; partial refreshment at 1.25 L) for
    --adjusted-warmup iterations, the step size bisected on the ensemble's mean acceptance towards
    0.7 (0.9 for d > 200). LAPS's own defaults throughout (alpha 1.9, C 0.1, r_end 0.01, bias_type 3,
    save_frac 0.2, steps_per_sample 15)."""
    from blackjax.adaptation import laps as laps_mod, laps_burn_in
    from blackjax.eca import eca_step
    from blackjax.mcmc import adjusted_mclmc, integrators
    from blackjax.mcmc.hmc import HMCState
    logdensity = model.logdensity

    def init_fn(k):  # Uniform(-2, 2), as every sampler in the comparison starts
        return jax.random.uniform(k, (model.dim,), model.dtype, -2.0, 2.0)
    high_dims = model.dim > 200
    coefficients = integrators.omelyan_coefficients if high_dims else integrators.mclachlan_coefficients
    target = 0.9 if high_dims else 0.7
    burn = laps_burn_in.Adaptation(model.dim, microcanonical=True, alpha=1.9, bias_type=3,
                                   save_num=int(round(0.2 * args.warmup)), C=0.1, r_end=0.01)
    burn_step = eca_step(laps_burn_in.build_kernel(logdensity, model.dim, True), burn.summary_statistics_fn,
                         burn.update, C)
    kernel = adjusted_mclmc.build_kernel(integrator=integrators.generate_isokinetic_integrator(coefficients))

    def run(k0, k1s, k1a, k2s, k2a):
        state = laps_burn_in.initialize(k0, logdensity, True, init_fn, C, mesh, 1)
        state, adapted, _, phase1_steps = ensemble_phase(burn_step, burn.initial_state, args.warmup, mesh,
                                                         burn.while_cond)(state, k1s, k1a)
        imm = adapted.inverse_mass_matrix
        tuner = laps_mod.Adaptation(adapted._replace(step_size=adapted.step_size / jnp.sqrt(jnp.mean(imm))),
                                    args.adjusted_warmup, args.steps_per_sample, target)

        def adjusted(k, s, a):
            return kernel(k, s, logdensity, step_size=a.step_size, integration_steps_params=(args.steps_per_sample,),
                          inverse_mass_matrix=imm, L_proposal_factor=1.25)
        step2 = eca_step(adjusted, tuner.summary_statistics_fn, tuner.update, C)
        start = HMCState(state.position, state.logdensity, state.logdensity_grad)
        state2, adapted2, info2, _ = ensemble_phase(step2, tuner.initial_state, args.adjusted_warmup,
                                                    mesh)(start, k2s, k2a)
        return state2, {"step_size": adapted2.step_size, "inverse_mass_matrix": imm,
                        "phase1_steps": phase1_steps, "phase1_step_size": adapted.step_size,
                        "phase2_acceptance": info2["acc_prob"][-1], "phase2_acceptance_trace": info2["acc_prob"],
                        "phase2_step_size_trace": info2["step_size"],
                        "step_size_search_terminated": adapted2.stepsize_adaptation_state[1]}
    return run, coefficients, target


def cmd_mclmc(args):
    from jax.sharding import Mesh, NamedSharding, PartitionSpec
    from blackjax.mcmc import adjusted_mclmc, integrators
    dtype = dtype_of(args)
    model = make_model(args.model, dtype)
    C = args.chains
    n = min(args.devices, len(jax.devices()))
    n = n if n > 1 and C % n == 0 else 1
    mesh = Mesh(np.array(jax.devices()[:n]), ("chains",))
    per_chain = NamedSharding(mesh, PartitionSpec("chains"))
    k0, k1, k2, k1a, k2a, k_samp = jax.random.split(jax.random.PRNGKey(args.seed), 6)
    keys = (k0, jax.device_put(jax.random.split(k1, (C, args.warmup)), per_chain), jax.random.split(k1a, args.warmup),
            jax.device_put(jax.random.split(k2, (C, args.adjusted_warmup)), per_chain),
            jax.random.split(k2a, args.adjusted_warmup))
    run, coefficients, target = laps_warmup_fn(model, C, mesh, args)
    t0 = time.perf_counter()
    warm_c = jax.jit(run).lower(*keys).compile()
    compile_w = time.perf_counter() - t0
    t0 = time.perf_counter()
    states, tuned = jax.block_until_ready(warm_c(*keys))
    warm_s = time.perf_counter() - t0
    grads_per_step = len(coefficients) // 2
    tuned = {k: (float(v) if np.ndim(v) == 0 else np.asarray(v)) for k, v in tuned.items()}
    every = max(1, args.adjusted_warmup // 20)  # the phase-2 traces, 20 points or so
    tuned["phase1_steps"] = int(tuned["phase1_steps"])
    log("mclmc: %d chains, LAPS warmup compiled in %.1f s, ran in %.1f s: %d unadjusted steps, step size %.4g, "
        "ensemble acceptance %.3f" % (C, compile_w, warm_s, tuned["phase1_steps"], tuned["step_size"],
                                      tuned["phase2_acceptance"]))
    warm_per_chain = 1 + tuned["phase1_steps"] + args.adjusted_warmup * args.steps_per_sample * grads_per_step
    tuned.update({"steps_per_sample": args.steps_per_sample, "coefficients": coefficients, "grads_per_step": grads_per_step,
                  "integrator": "omelyan" if model.dim > 200 else "mclachlan", "target_acceptance": target})

    kernel = adjusted_mclmc.build_kernel(integrator=integrators.generate_isokinetic_integrator(tuned["coefficients"]))
    imm, eps, steps = tuned["inverse_mass_matrix"], tuned["step_size"], tuned["steps_per_sample"]

    def do_sample(k, s):
        def one(kk, st):
            return kernel(kk, st, model.logdensity, step_size=eps, integration_steps_params=(steps,),
                          inverse_mass_matrix=imm, L_proposal_factor=1.25)

        def body(s, kk):
            s, info = jax.vmap(one)(jax.random.split(kk, C), s)
            return s, (s.position, s.logdensity, info.is_divergent, info.acceptance_rate)
        return jax.lax.scan(body, s, jax.random.split(k, args.draws))

    states = jax.device_put(states, chain_sharding(args, C)) if chain_sharding(args, C) is not None else states
    t1 = time.perf_counter()
    samp_c = jax.jit(do_sample).lower(k_samp, states).compile()
    compile_s = time.perf_counter() - t1
    c1, t1 = cpu_times(), time.perf_counter()
    _, out = jax.block_until_ready(samp_c(k_samp, states))
    samp_s = time.perf_counter() - t1
    cpu_s = cpu_times() - c1
    pos, lp, div, acc = (np.asarray(x) for x in jax.device_get(out))
    per_draw = steps * tuned["grads_per_step"]
    gradients = C * (warm_per_chain + args.draws * per_draw)
    wall = warm_s + samp_s
    extra = {"kind": "mclmc", "peer": "blackjax", "model": args.model, "chains": C, "warmup": args.warmup,
             "adjusted_warmup": args.adjusted_warmup, "draws": args.draws, "precision": args.precision,
             "compile_seconds": compile_w + compile_s,
             "warmup_seconds": warm_s, "sampling_seconds": samp_s, "wall_seconds": wall,
             "gradients": gradients, "gradients_sampling": C * args.draws * per_draw,
             "gradients_per_second": gradients / wall, "divergences": int(np.sum(div)),
             "cpu_utilisation_sampling": cpu_s / samp_s,
             "step_size": eps, "steps_per_sample": steps, "integrator": tuned["integrator"],
             "gradients_per_draw": per_draw, "laps_unadjusted_steps": tuned["phase1_steps"],
             "laps_unadjusted_step_size": tuned["phase1_step_size"],
             "laps_target_acceptance": tuned["target_acceptance"],
             "laps_final_ensemble_acceptance": tuned["phase2_acceptance"],
             "laps_step_size_search_terminated": bool(tuned["step_size_search_terminated"]),
             "laps_adjusted_acceptance_trace": [finite(x) for x in tuned["phase2_acceptance_trace"][::every]],
             "laps_adjusted_step_size_trace": [finite(x) for x in tuned["phase2_step_size_trace"][::every]],
             "mean_acceptance": float(np.mean(acc)), "mesh_devices": n,
             "sharded_over_devices": chain_sharding(args, C) is not None,
             "backend": "blackjax LAPS (unadjusted MCLMC burn-in + ensemble-tuned adjusted MCLMC), then adjusted "
                        "MCLMC at the tuned step size and metric, %s, chains over %d host device%s" % (
                            args.precision, n, "s" if n > 1 else "")}
    rec = ess_report(model, pos.swapaxes(0, 1), lp.T, wall, gradients, extra)
    rec.update(environment(args))
    emit(args, rec)


# ---------------------------------------------------------------- check

def unconstrain_named(model, values, source):
    parts = []
    for name, shape in model.shapes:
        if name not in values:
            sys.exit("peers.py: %s has no value for '%s'" % (source, name))
        v = np.asarray(values[name], dtype=np.float64)
        if v.shape != shape:
            sys.exit("peers.py: %s: '%s' has shape %s, expected %s" % (source, name, v.shape, shape))
        if name in model.positive:
            v = np.log(v)
        parts.append(v.reshape(-1))
    return np.concatenate(parts)


def cmd_check(args):
    dtype = dtype_of(args)
    model = make_model(args.model, dtype)
    points = []
    for path in args.params:
        d = json.loads(Path(path).read_text())
        if isinstance(d, dict) and "points" in d:
            points += [np.asarray(p["unconstrained"], dtype=np.float64) for p in d["points"]]
        else:
            points.append(unconstrain_named(model, d, path))
    u = jnp.asarray(np.stack(points), dtype)
    vals, grads = jax.jit(jax.vmap(jax.value_and_grad(model.logdensity)))(u)
    rec = {"kind": "check", "peer": "jax", "model": args.model, "precision": args.precision, "dimension": model.dim,
           "points": [{"unconstrained": [float(x) for x in np.asarray(u[i], dtype=np.float64)],
                       "log_density": float(vals[i]), "gradient": [float(x) for x in np.asarray(grads[i])]}
                      for i in range(len(points))]}
    emit(args, rec)


# ---------------------------------------------------------------- variational inference

def meanfield_elbo(model, mean, scale, key, draws):
    """E_q[log p(θ) − log q(θ)] for q = N(mean, diag(scale²)), over `draws` draws (the estimator
    every final ELBO in the comparison uses, Leapfrog's included)."""
    eps = jax.random.normal(key, (draws, model.dim), mean.dtype)
    theta = mean + scale * eps
    lp = jax.vmap(model.logdensity)(theta)
    logq = jnp.sum(-0.5 * LOG_2PI - jnp.log(scale) - 0.5 * eps * eps, axis=-1)
    return jnp.mean(lp - logq)


def vi_runner(args, model, lr):
    """(init(key) -> state, run(state, n) -> state, family(state) -> (mean, scale), draws per step)."""
    import optax
    dtype = dtype_of(args)
    if args.method == "numpyro-autonormal":
        import numpyro
        import numpyro.distributions as dist
        from numpyro.distributions import constraints
        from numpyro.infer import SVI, Trace_ELBO
        from numpyro.infer.autoguide import AutoNormal
        from numpyro.infer.initialization import init_to_uniform

        def npmodel():
            u = numpyro.sample("u", dist.ImproperUniform(constraints.real_vector, (), (model.dim,)))
            numpyro.factor("lp", model.logdensity(u))

        particles = args.num_samples or 1
        guide = AutoNormal(npmodel, init_loc_fn=init_to_uniform(radius=2.0))
        svi = SVI(npmodel, guide, numpyro.optim.Adam(step_size=lr), Trace_ELBO(num_particles=particles))

        def init(key):
            return svi.init(key)

        def run(state, n):
            return jax.lax.scan(lambda s, _: (svi.update(s)[0], None), state, None, length=n)[0]

        def family(state):
            params = svi.get_params(state)
            return params["u_auto_loc"], params["u_auto_scale"]
        return init, run, family, particles
    import blackjax
    samples = args.num_samples or 100
    vi = blackjax.meanfield_vi(model.logdensity, optax.adam(lr), num_samples=samples)

    def init(key):
        return (vi.init(uniform_init(key, 1, model.dim, dtype)[0]), jax.random.fold_in(key, 1))

    def run(state, n):
        def body(carry, _):
            s, k = carry
            k, sub = jax.random.split(k)
            return (vi.step(sub, s)[0], k), None
        return jax.lax.scan(body, state, None, length=n)[0]

    def family(state):
        return state[0].mu, jnp.exp(state[0].rho)
    return init, run, family, samples


def cmd_vi(args):
    dtype = dtype_of(args)
    model = make_model(args.model, dtype)
    elbo = jax.jit(lambda m, s, k: meanfield_elbo(model, m, s, k, args.elbo_draws))
    chunk = max(1, args.steps // args.checkpoints)
    for lr in args.learning_rates:
        init, run, family, per_step = vi_runner(args, model, lr)
        run = jax.jit(run, static_argnums=1)
        for seed in args.seeds:
            key = jax.random.PRNGKey(seed)
            state = init(key)
            t0 = time.perf_counter()
            jax.block_until_ready(run(state, chunk))  # compile (timed apart)
            compile_seconds = time.perf_counter() - t0
            trace, wall, done = [], 0.0, 0
            while done < args.steps:
                n = min(chunk, args.steps - done)
                if n != chunk:
                    jax.block_until_ready(run(state, n))  # compile the last, shorter chunk outside the timing
                t0 = time.perf_counter()
                state = jax.block_until_ready(run(state, n))
                wall += time.perf_counter() - t0
                done += n
                m, s = family(state)
                trace.append((done, wall, finite(elbo(m, s, jax.random.PRNGKey(10_000 + seed)))))
            finals = [e for _, _, e in trace if e is not None]
            best = max(finals) if finals else None
            reached = next(((it, w) for it, w, e in trace if e is not None and e >= best - args.reach), (None, None))
            rec = {"kind": "vi", "peer": args.method, "model": args.model, "precision": args.precision,
                   "learning_rate": lr, "seed": seed, "steps": args.steps, "draws_per_step": per_step,
                   "final_elbo": trace[-1][2], "best_elbo": best, "elbo_draws": args.elbo_draws,
                   "iterations_to_reach": reached[0], "seconds_to_reach": reached[1],
                   "gradients_to_reach": reached[0] * per_step if reached[0] else None,
                   "seconds": wall, "gradients": args.steps * per_step, "compile_seconds": compile_seconds,
                   "trace": trace, "environment": environment(args)}
            log("%s %s lr %g seed %d: ELBO %s after %d steps, %.2f s (best %s at %s s)"
                % (args.method, args.model, lr, seed, trace[-1][2], args.steps, wall, best, reached[1]))
            emit(args, rec)


def cmd_elbo(args):
    dtype = dtype_of(args)
    model = make_model(args.model, dtype)
    f = json.loads(Path(args.family).read_text())
    if f.get("family") != "meanfield" or f.get("dimension") != model.dim:
        sys.exit("peers.py: %s is a %s family of dimension %s; elbo reads mean-field fits of dimension %d"
                 % (args.family, f.get("family"), f.get("dimension"), model.dim))
    m, s = jnp.asarray(f["mean"], dtype), jnp.asarray(f["scale"], dtype)
    value = finite(jax.jit(lambda m, s, k: meanfield_elbo(model, m, s, k, args.elbo_draws))(m, s, jax.random.PRNGKey(10_000 + args.seed)))
    emit(args, {"kind": "elbo", "model": args.model, "family": args.family, "elbo": value, "elbo_draws": args.elbo_draws,
                "leapfrog_elbo": f.get("elbo")})


def main():
    {"throughput": cmd_throughput, "nuts": cmd_nuts, "chees": cmd_chees, "mclmc": cmd_mclmc, "check": cmd_check, "vi": cmd_vi,
     "elbo": cmd_elbo}[ARGS.command](ARGS)


if __name__ == "__main__":
    main()
