#!/usr/bin/env python3
"""The cost of the Python call boundary: gradients/s through `leapfrog.Model.logdensity_and_grad`
against `leapfrog bench throughput MODEL --chains C` (the same evaluator without Python), per model,
back end and batch size. Prints a Markdown table; measure on a quiet machine.

    swift build -c release --product LeapfrogC && swift build -c release --product leapfrog
    LEAPFROG_LIBRARY=.build/release/libLeapfrogC.so PYTHONPATH=python/src \\
        python3 Benchmarks/python_boundary.py [--seconds 2] [--models bnn,eight-schools] [--chains 1,64,1024]

Python's side calls with the same kind of points (Uniform(-2, 2) on the unconstrained scale) into
preallocated `out` arrays, after one warm-up call, for `--seconds`. OpenCL runs f32 on both sides
(Python's model is checked once against f64 at its first call, as `leapfrog eval` does; the CLI's
bench is unchecked).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from pathlib import Path

import numpy as np

import leapfrog

ROOT = Path(__file__).resolve().parents[1]


def python_rate(model: leapfrog.Model, chains: int, seconds: float) -> float:
    x = np.random.default_rng(1).uniform(-2, 2, size=(chains, model.dim))
    out = (np.empty(chains), np.empty((chains, model.dim)))
    model.logdensity_and_grad(x, out=out)
    calls, t0 = 0, time.perf_counter()
    while True:
        model.logdensity_and_grad(x, out=out)
        calls += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return calls * chains / elapsed


def cli_rate(binary: str, name: str, backend: str, chains: int, seconds: float) -> float:
    args = [binary, "bench", "throughput", name, "--backend", backend, "--chains", str(chains), "--seconds", str(seconds),
            "--json"]
    if backend == "opencl":
        args += ["--precision", "f32"]
    report = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    return report["gradients_per_second"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--models", default="bnn,eight-schools")
    parser.add_argument("--chains", default="1,64,1024")
    parser.add_argument("--backends", default="cpu,opencl")
    parser.add_argument("--cli", default=os.environ.get("LEAPFROG", str(ROOT / ".build" / "release" / "leapfrog")))
    a = parser.parse_args()
    print(f"library: {leapfrog.library_path()}; CLI: {a.cli}; load average before: {os.getloadavg()[0]:.2f}")
    print("| model | back end | chains | CLI gradients/s | Python gradients/s | Python / CLI | µs per Python call |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name in a.models.split(","):
        for backend in a.backends.split(","):
            model = leapfrog.Model(name, backend=backend, precision="f32" if backend == "opencl" else "auto")
            for chains in map(int, a.chains.split(",")):
                cli = cli_rate(a.cli, name, backend, chains, a.seconds)
                py = python_rate(model, chains, a.seconds)
                print(f"| {name} | {backend} | {chains} | {cli:.3g} | {py:.3g} | {py / cli:.2f} | "
                      f"{1e6 * chains / py:.1f} |", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
