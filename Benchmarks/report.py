#!/usr/bin/env python3
"""Markdown tables from Leapfrog's summary.json files and the peers' JSON (standard library only).

    Benchmarks/report.py compare DIR     # the table of Benchmarks/peers/compare.sh
    Benchmarks/report.py ess DIR         # the table of Benchmarks/ess.sh

compare DIR reads DIR/leapfrog-nuts/summary.json, DIR/leapfrog-chees/summary.json (or
DIR/leapfrog-nuts-summary.json, as kept in Benchmarks/peers/results/), DIR/leapfrog-chees-<chains>/
(Leapfrog's ChEES at the MCLMC cell's chain count, when it differs from the ChEES cell's),
DIR/leapfrog-throughput.jsonl, DIR/peer-nuts.jsonl, DIR/peer-chees.jsonl, DIR/peer-mclmc.jsonl,
DIR/peer-throughput.jsonl and DIR/meta.json; ess DIR reads every DIR/<cell>/summary.json (or DIR/<cell>/skipped.json).
Wall time here is warmup + sampling, without start-up and compilation (Leapfrog's
summary.json timing; the peers' timed calls after ahead-of-time compilation); both are also shown.
"""
import json
import math
import sys
from pathlib import Path

# The prediction compared: Leapfrog's mu_grid[13] = the network's output at x = 0 (grid row 13 of 25
# on linspace(-1.2, 1.2), features (1, 0, 0)); peers.py computes the same quantity.
FIGURES = {"bnn": [("lp__", "lp"), ("prec", "prec"), ("mu_grid[13]", "prediction mu(x=0)")],
           "eight-schools": [("lp__", "lp"), ("tau", "tau"), ("theta[1]", "theta[1]")],
           "gp-regression": [("lp__", "lp"), ("length", "length"), ("noise", "noise")]}
DERIVED = {"bnn": ("mu_grid",), "eight-schools": ("theta[",), "gp-regression": ("f_grid",)}


def read_jsonl(path):
    p = Path(path)
    if not p.exists():
        return []
    out = []
    for line in p.read_text().splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return out


def read_summary(path):
    p = Path(path)
    return json.loads(p.read_text()) if p.exists() else None


def g(x, digits=3):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    if isinstance(x, int) and abs(x) < 10 ** 5:
        return str(x)
    ax = abs(x)
    if ax != 0 and (ax >= 1e5 or ax < 1e-2):
        return "%.*e" % (digits - 1, x)
    return "%.*g" % (digits, x) if ax >= 1 else "%.*f" % (digits, x)


def ratio(a, b):
    if a is None or b is None or not b:
        return "—"
    return "%.2f" % (a / b)


class Leapfrog:
    """Figures of one Leapfrog run from its summary.json."""

    def __init__(self, s, model):
        self.s = s
        self.model = model
        self.by = {p["name"]: p for p in s["parameters"]}
        t = s["timing"]
        self.wall = t.get("total_seconds") or (t["warmup_seconds"] + t["sampling_seconds"])

    def ess(self, name):
        p = self.by.get(name)
        return p and p.get("ess_bulk")

    def ess_per_s(self, name):
        e = self.ess(name)
        return e / self.wall if e is not None and self.wall else None

    def min_param_ess(self):
        vals = [p["ess_bulk"] for n, p in self.by.items()
                if n != "lp__" and not n.startswith(DERIVED.get(self.model, ())) and p.get("ess_bulk") is not None]
        return min(vals) if vals else None

    def max_rhat(self):
        vals = [p["r_hat"] for n, p in self.by.items() if p.get("r_hat") is not None]
        return max(vals) if vals else None

    @property
    def needed(self):
        return self.s["gradient_evaluations"]["needed"]

    @property
    def spent(self):
        return self.s["gradient_evaluations"]["spent_in_lockstep"]


def compare(d):
    d = Path(d)
    meta = read_summary(d / "meta.json") or {}
    model = meta.get("model", "bnn")
    lines = []
    lines.append("Leapfrog (%s) against its peers on the same model and data (%s). %s" % (
        meta.get("leapfrog_backend", "?"), model, meta.get("note", "")))
    lines.append("")
    lines.append("| figure | Leapfrog | peer | Leapfrog / peer |")
    lines.append("|---|---:|---:|---:|")
    for kind, peer_name in (("nuts", "NumPyro NUTS"), ("chees", "BlackJAX ChEES"), ("mclmc", "BlackJAX adjusted MCLMC")):
        peers = read_jsonl(d / ("peer-%s.jsonl" % kind))
        p = peers[-1] if peers else None
        # MCLMC has no Leapfrog twin: it stands against Leapfrog's ChEES at the same number of chains
        # (leapfrog-chees when the chain counts agree, else the leapfrog-chees-<chains> compare.sh ran).
        lf_dirs = [kind] if kind != "mclmc" else ["chees-%s" % (p or {}).get("chains"), "chees"]
        s, lf_name = None, None
        for name in lf_dirs:
            s = read_summary(d / ("leapfrog-%s" % name) / "summary.json") or read_summary(d / ("leapfrog-%s-summary.json" % name))
            if s is not None and (kind != "mclmc" or p is None or s.get("chains") == p.get("chains")):
                lf_name = name
                break
            s = None
        if s is None and p is None:
            continue
        lf = Leapfrog(s, model) if s else None
        cfg = "%s chains, %s + %s" % ((p or {}).get("chains") or s["chains"], (p or {}).get("warmup", "?"),
                                       (p or {}).get("draws", "?"))
        title = {"nuts": "NUTS vs NumPyro NUTS", "chees": "ChEES vs BlackJAX ChEES",
                 "mclmc": "ChEES vs BlackJAX adjusted MCLMC tuned by LAPS"}[kind]
        if kind == "mclmc" and p:
            cfg = "%s chains; peer: LAPS at most %s unadjusted steps (ran %s) + %s adjusted, then %s draws of %s " \
                  "gradients; Leapfrog: ChEES %s + %s" % (
                      p["chains"], p["warmup"], p.get("laps_unadjusted_steps"), p.get("adjusted_warmup"), p["draws"],
                      p.get("gradients_per_draw"), ((s or {}).get("configuration") or {}).get("warmup", "?"),
                      (s or {}).get("draws", "?"))
        lines.append("| **%s** (%s) | | | |" % (title, cfg))
        for name, label in FIGURES.get(model, []):
            a = lf.ess_per_s(name) if lf else None
            b = p["ess_per_second"].get(name) if p else None
            lines.append("| %s bulk-ESS/s | %s | %s | %s |" % (label, g(a), g(b), ratio(a, b)))
        a = (lf.min_param_ess() / lf.wall) if lf and lf.min_param_ess() is not None else None
        b = p.get("min_ess_bulk_per_second") if p else None
        lines.append("| min bulk-ESS/s over parameters | %s | %s | %s |" % (g(a), g(b), ratio(a, b)))
        for name, label in FIGURES.get(model, [])[:1]:
            a = lf.ess(name) if lf else None
            b = p["ess_bulk"].get(name) if p else None
            lines.append("| %s bulk ESS | %s | %s | %s |" % (label, g(a), g(b), ratio(a, b)))
            a = lf.ess(name) / lf.needed if lf and lf.ess(name) and lf.needed else None
            b = (p.get("ess_per_gradient") or {}).get(name) if p else None
            lines.append("| %s bulk ESS per 1k gradients | %s | %s | %s |" % (
                label, g(1000 * a if a else None), g(1000 * b if b else None), ratio(a, b)))
        a, b = (lf.wall if lf else None), (p["wall_seconds"] if p else None)
        lines.append("| wall, warmup + sampling (s) | %s | %s | %s |" % (g(a), g(b), ratio(a, b)))
        a = meta.get("leapfrog_process_seconds", {}).get(lf_name)
        b = meta.get("peer_process_seconds", {}).get(kind)
        lines.append("| wall, whole process incl. start-up and compilation (s) | %s | %s | %s |" % (g(a), g(b), ratio(a, b)))
        a, b = (lf.needed if lf else None), (p.get("gradients") if p else None)
        lines.append("| gradients needed (sum of leapfrog steps) | %s | %s | %s |" % (g(a), g(b), ratio(a, b)))
        if lf:
            lines.append("| gradients spent in lockstep (Leapfrog) | %s | | |" % g(lf.spent))
        a = lf.needed / lf.wall if lf else None
        b = p.get("gradients_per_second") if p else None
        lines.append("| gradients needed per second | %s | %s | %s |" % (g(a), g(b), ratio(a, b)))
        a, b = (lf.max_rhat() if lf else None), (p.get("max_r_hat_parameters") if p else None)
        lines.append("| max R-hat | %s | %s | |" % (g(a, 4), g(b, 4)))
        if kind == "mclmc" and p:
            lines.append("| peer: divergences, mean acceptance (LAPS's target %s) | | %s, %s | |" % (
                g(p.get("laps_target_acceptance")), p.get("divergences"), g(p.get("mean_acceptance"))))
    lt = {r["chains"]: r for r in read_jsonl(d / "leapfrog-throughput.jsonl")}
    pt = {r["chains"]: r for r in read_jsonl(d / "peer-throughput.jsonl")}
    if lt or pt:
        pdesc = next(iter(pt.values()), {})
        lines.append("| **gradients/s, one batched value-and-gradient call** (peer: %s) | | | |" % pdesc.get("backend", "JAX"))
        for c in sorted(set(lt) | set(pt)):
            a = lt.get(c, {}).get("gradients_per_second")
            b = pt.get(c, {}).get("gradients_per_second")
            util = pt.get(c, {}).get("cpu_utilisation")
            lines.append("| %d chains | %s | %s%s | %s |" % (c, g(a), g(b), " (%.1f cores busy)" % util if util else "",
                                                          ratio(a, b)))
    print("\n".join(lines))


def ess(d):
    d = Path(d)
    rows = []
    for cell in sorted(p for p in d.iterdir() if p.is_dir()):
        info = read_summary(cell / "cell.json") or {}
        s = read_summary(cell / "summary.json")
        skipped = read_summary(cell / "skipped.json")
        rows.append((info, s, skipped, cell.name))
    order = {"bnn": 0, "eight-schools": 1}
    rows.sort(key=lambda r: (order.get(r[0].get("model"), 9), r[0].get("model", ""), r[0].get("sampler", ""),
                             r[0].get("backend_label", ""), int(r[0].get("chains", 0))))
    print("| model | sampler | back end | chains | wall (s) | gradients needed | spent in lockstep | lockstep overhead "
          "| lp ESS | lp ESS/s | lp ESS per 1k spent gradients | %s ESS/s | min param ESS/s | max R-hat |" % "prec/tau")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for info, s, skipped, name in rows:
        model = info.get("model", "?")
        head = "| %s | %s | %s | %s |" % (model, info.get("sampler", "?"), info.get("backend_label", "?"), info.get("chains", "?"))
        if s is None:
            why = (skipped or {}).get("reason", "not run")
            print(head + " %s |" % why + " |" * 9)
            continue
        lf = Leapfrog(s, model)
        second = "prec" if model == "bnn" else "tau"
        lp = lf.ess("lp__")
        note = " (interrupted)" if s.get("interrupted") else ""
        mp = lf.min_param_ess()
        print(head + " %s%s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            g(lf.wall), note, g(lf.needed), g(lf.spent), "%.2f×" % (lf.spent / lf.needed) if lf.needed else "—",
            g(lp), g(lp / lf.wall if lp else None), g(1000 * lp / lf.spent if lp and lf.spent else None),
            g(lf.ess_per_s(second)), g(mp / lf.wall if mp else None), g(lf.max_rhat(), 4)))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("compare", "ess"):
        sys.exit(__doc__)
    {"compare": compare, "ess": ess}[sys.argv[1]](sys.argv[2])
