#!/usr/bin/env python3
"""The variational-inference comparison of compare.sh --only vi, as a Markdown table (stdlib only).

    Benchmarks/peers/vi_table.py DIR

DIR holds, per model M: leapfrog-vi-M/variational.json (Leapfrog's fit with --restarts K),
leapfrog-vi-M.json (its process wall time and the peers' estimate of its final ELBO: the same
estimator, `peers.py elbo`), and peer-vi-<method>-M.jsonl (`peers.py vi`: one line per learning
rate and seed). A user of a peer runs several seeds at the learning rate they found best and keeps
the best fit: the peer's row is its best learning rate (highest best-of-seeds final ELBO), its
best seed's final ELBO, the time that seed took to reach it, and the time of all seeds at that
rate (what the user waits for); the whole grid's time is shown too. Leapfrog's row is one run,
its restarts batched in one launch per iteration; beside each peer, the seconds into that run at
which Leapfrog's mean ELBO estimate over a window (elbo.csv's elbo_mean at a window's end, every
eval_elbo iterations: its own estimator) first reached the peer's best final ELBO, and the ratio of
the peer's wait to it.
"""
import json
import sys
from pathlib import Path


def fmt(x, digits=1):
    return "—" if x is None else ("%.*f" % (digits, x))


def sci(x):
    return "—" if x is None else "%.3g" % x


def main(out):
    out = Path(out)
    meta = json.loads((out / "meta.json").read_text()) if (out / "meta.json").exists() else {}
    rows = []
    models = sorted({p.name[len("leapfrog-vi-"):-len(".json")] for p in out.glob("leapfrog-vi-*.json")})
    print("| model | method | setting | final ELBO | time to reach it | time a user waits | gradients | Leapfrog reaches the peer's ELBO after | Leapfrog faster |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for m in models:
        lf = json.loads((out / ("leapfrog-vi-%s.json" % m)).read_text())
        fam = json.loads((out / ("leapfrog-vi-%s" % m) / "variational.json").read_text())
        lf_time = fam["seconds"]
        summary = out / ("leapfrog-vi-%s" % m) / "summary.json"
        window = int(json.loads(summary.read_text())["configuration"].get("eval_elbo", 100)) if summary.exists() else 100
        trace = [l.split(",") for l in (out / ("leapfrog-vi-%s" % m) / "elbo.csv").read_text().splitlines()]
        col = {n: i for i, n in enumerate(trace[0])}
        # Window ends only: there elbo_mean averages a whole eval_elbo window (window × M draws),
        # where a row early in a window is the mean of a few iterations and may overshoot by noise.
        trace = [(float(r[col["elbo_mean"]]), float(r[col["seconds"]])) for r in trace[1:]
                 if len(r) == len(col) and int(r[col["iteration"]]) % window == 0]

        def lf_reaches(target):
            """Seconds into Leapfrog's fit at the first window end whose mean ELBO estimate reached `target`."""
            return next((t for e, t in trace if e >= target), None)
        tol = json.loads(summary.read_text())["configuration"].get("tol_rel_obj", "?") if summary.exists() else "?"
        prune = json.loads(summary.read_text())["configuration"].get("prune_restarts") if summary.exists() else None
        pruning = ", the worse half pruned every %s iterations" % prune if prune else ""
        cfg = json.loads(summary.read_text())["configuration"] if summary.exists() else {}
        start = ""
        if cfg.get("init") == "mode":
            ms = fam.get("mode_search") or {}
            start = " from L-BFGS modes (%s iterations at most; %s s of the fit)" % (cfg.get("init_iterations", "?"), fmt(ms.get("seconds"), 2))
        warm = " (kernels' first launches %s s before it)" % fmt(fam["warm_up_seconds"], 2) if fam.get("warm_up_seconds") is not None else ""
        print("| %s | Leapfrog ADVI mean-field | %d restarts batched%s%s, %d draws each (shared), lr %g, tol-rel-obj %s; %d iterations | %s | %s s%s | %s s (process) | %s | | |"
              % (m, len(fam["restart_elbos"]), start, pruning, fam["grad_samples"], fam["learning_rate"], tol, fam["iterations"], fmt(lf.get("elbo")),
                 fmt(lf_reaches(lf["elbo"] - 1.0) if lf.get("elbo") is not None else None, 2) + " (fit " + fmt(lf_time, 2) + ")", warm,
                 fmt(lf.get("process_seconds"), 2), sci(fam["gradient_evaluations"])))
        for method, label in (("numpyro-autonormal", "NumPyro SVI AutoNormal"), ("blackjax-meanfield", "BlackJAX meanfield_vi")):
            path = out / ("peer-vi-%s-%s.jsonl" % (method, m))
            if not path.exists():
                continue
            runs = [json.loads(l) for l in path.read_text().splitlines() if l.strip()]
            by_lr = {}
            for r in runs:
                by_lr.setdefault(r["learning_rate"], []).append(r)
            def best_of(rs):
                ok = [r for r in rs if r["final_elbo"] is not None]
                return max(ok, key=lambda r: r["final_elbo"]) if ok else None
            lr = max(by_lr, key=lambda k: (best_of(by_lr[k]) or {"final_elbo": -1e300})["final_elbo"])
            best = best_of(by_lr[lr])
            waits = sum(r["seconds"] for r in by_lr[lr])
            grid = sum(r["seconds"] for r in runs)
            spread = [r["final_elbo"] for r in by_lr[lr] if r["final_elbo"] is not None]
            reach = lf_reaches(best["final_elbo"])
            print("| %s | %s | best lr %g of %s; best of %d seeds (finals %s to %s); %d steps × %d draws | %s | %s s | %s s (grid of %d runs: %s s; compile %s s per rate) | %s | %s s | %s× |"
                  % (m, label, lr, "/".join("%g" % k for k in sorted(by_lr)), len(by_lr[lr]), fmt(min(spread)), fmt(max(spread)),
                     best["steps"], best["draws_per_step"], fmt(best["final_elbo"]), fmt(best["seconds_to_reach"], 2),
                     fmt(waits, 2), len(runs), fmt(grid, 1), fmt(max(r["compile_seconds"] for r in by_lr[lr]), 1),
                     sci(best["gradients_to_reach"]), fmt(reach, 2), fmt(waits / reach if reach else None, 1)))
    if meta.get("note"):
        print("\n%s" % meta["note"])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
