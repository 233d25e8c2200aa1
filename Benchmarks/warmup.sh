#!/usr/bin/env bash
# Adaptive against fixed warmup (issue 19): lp bulk-ESS per second and total wall for each sampler
# × chain count, fixed and adaptive, and BlackJAX ChEES at the same chain counts in the same run,
# as Markdown tables (DIR/table.md) from one JSON line per cell (DIR/cells.jsonl).
#
#   Benchmarks/warmup.sh [--out DIR] [--model bnn] [--samplers "chees nuts"] [--chains "128 1024 4096"]
#        [--kinds "fixed adaptive"] [--warmup 500] [--draws 100] [--peer-warmup 200] [--no-peer]
#        [--backend "opencl f32"] [--seeds "1 2 3 4"] [--peer-seeds "1"] [--keep draws|moments] [--csv]
#        [--variants "default fisher unit uniform stepwise"]
#
# Seeds: every Leapfrog cell runs once per seed of --seeds (default 1; --seed N is --seeds N), the
# peer once per seed of --peer-seeds (default: the first of --seeds; a BlackJAX ChEES cell at 1,024
# chains takes about 9 minutes on 2 cores). The BNN's lp ESS/s varies by ±25 % between seeds at
# 1,024 chains (where warmup ends and how the chains spread over the network's modes), so compare
# chain counts and tools by the second table: each group's mean, standard deviation and range over
# its seeds, and the ratio of Leapfrog's mean to the peer's at the same chain count.
#
# Leapfrog cell: `leapfrog sample MODEL --sampler S --chains C --warmup W --draws D
# --fixed-warmup|--adaptive-warmup --output DIR/<cell>` ($LEAPFROG, default
# .build/release/leapfrog); ChEES with Adam's learning rate $CHEES_LEARNING_RATE (default 0.5),
# or $LEAPFROG_CHEES_LEARNING_RATE for Leapfrog alone (`default`: Leapfrog's own rule).
# lp ESS/s = lp__ bulk ESS over the run's total wall (warmup + sampling). Peer cell (ChEES only):
# `peers.py chees --chains C --warmup PW --draws D` (BlackJAX ChEES at $CHEES_LEARNING_RATE, with
# $PEER_CHEES_OPTIONS, e.g. "--mass-matrix diagonal"; 2 host devices), with PW (--peer-warmup, default 200: the samplers issue's tuned setting for BlackJAX
# on the BNN) — its wall excludes JAX's compilation. The peers' venv is $PEERS_VENV (default
# Benchmarks/peers/.venv; Benchmarks/peers/setup.sh makes it), or the Python $PEERS_PYTHON names
# (scripts/gpu-bench: the CUDA image's own). --keep moments: Leapfrog keeps per-chain moments only
# (no posterior.nc; lp ESS from batch means), for chain counts whose draws would not fit on disk.
# --csv: Stan CSV instead of posterior.nc (a machine without the netCDF library; draws only).
# --variants: each Leapfrog cell once per variant, alternated within each seed (default: default
# only): default (the sampler's defaults), fisher (--metric-estimator fisher), unit (--metric
# unit, BlackJAX's identity metric), uniform (--chees-jitter uniform, ChEES's independent jitter
# before the Halton default), stepwise (--no-chained-warmup: one warmup transition per launch, the
# host adapting between them); a fisher cell is named ...-fisher-seedN, its tool "leapfrog fisher".
#
# Resumable: a cell whose result is on disk is not run again; delete DIR/<cell> (or its line in
# cells.jsonl) to measure it again. Every cell records the load average before it ran.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${LEAPFROG:-.build/release/leapfrog}
venv=${PEERS_VENV:-Benchmarks/peers/.venv}
py=${PEERS_PYTHON:-$venv/bin/python}
model=bnn; samplers="chees nuts"; chains="128 1024 4096"; kinds="fixed adaptive"; warmup=500; draws=100
peer_warmup=200; peer=1; backend="opencl f32"; seeds=1; peer_seeds=""; out=""; keep=draws; csv=(); variants=default
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2;;
    --model) model=$2; shift 2;;
    --samplers) samplers=$2; shift 2;;
    --chains) chains=$2; shift 2;;
    --kinds) kinds=$2; shift 2;;
    --warmup) warmup=$2; shift 2;;
    --draws) draws=$2; shift 2;;
    --variants) variants=$2; shift 2;;
    --peer-warmup) peer_warmup=$2; shift 2;;
    --no-peer) peer=0; shift;;
    --backend) backend=$2; shift 2;;
    --seed|--seeds) seeds=$2; shift 2;;
    --peer-seeds) peer_seeds=$2; shift 2;;
    --keep) keep=$2; shift 2;;
    --csv) csv=(--csv); shift;;
    -h|--help) sed -n "2,/^set -euo/p" "$0" | sed '$d'; exit 0;;
    *) echo "warmup.sh: unknown argument $1 (see --help)" >&2; exit 2;;
  esac
done
[ -n "$out" ] || out=Benchmarks/runs/warmup-$model
mkdir -p "$out"
[ -x "$bin" ] || { echo "warmup.sh: no leapfrog at $bin (swift build -c release --product leapfrog, or set LEAPFROG)" >&2; exit 2; }
read -r be prec <<< "$backend"
lfargs=(--backend "$be"); [ -n "${prec:-}" ] && lfargs+=(--precision "$prec")
cells=$out/cells.jsonl
touch "$cells"
have() { grep -q "\"cell\": \"$1\"" "$cells"; }
load() { cut -d' ' -f1 /proc/loadavg; }

[ -n "$peer_seeds" ] || peer_seeds=${seeds%% *}

for s in $samplers; do
  for c in $chains; do
    for k in $kinds; do
      for seed in $seeds; do
       for v in $variants; do
        case $v in
          default) options=();;
          fisher) options=(--metric-estimator fisher);;
          unit) options=(--metric unit);;
          uniform) options=(--chees-jitter uniform);;
          stepwise) options=(--no-chained-warmup);;
          *) echo "warmup.sh: unknown variant $v (default, fisher, unit, uniform, stepwise)" >&2; exit 2;;
        esac
        tag=; tool=leapfrog; [ "$v" = default ] || { tag=-$v; tool="leapfrog $v"; }
        cell=leapfrog-$s-$k-$c$tag-seed$seed
        if have "$cell"; then echo "warmup: $cell already measured" >&2; continue; fi
        echo "warmup: $cell ($model, $warmup + $draws, $backend)" >&2
        l=$(load)
        extra=("${options[@]}"); rate=${LEAPFROG_CHEES_LEARNING_RATE:-${CHEES_LEARNING_RATE:-0.5}}
        [ "$s" = chees ] && [ "$rate" != default ] && extra+=(--chees-learning-rate "$rate")
        "$bin" sample "$model" --sampler "$s" --chains "$c" --warmup "$warmup" --draws "$draws" --seed "$seed" \
            "--$k-warmup" "${lfargs[@]}" "${extra[@]}" --keep "$keep" $([ "$keep" = draws ] && echo "${csv[@]}") --output "$out/$cell" --overwrite --quiet > "$out/$cell.log" 2>&1
        python3 - "$out/$cell/summary.json" "$cell" "$s" "$k" "$c" "$l" "$model" "$seed" "$tool" >> "$cells" <<'PY'
import json, sys
path, cell, sampler, kind, chains, load, model, seed, tool = sys.argv[1:]
s = json.load(open(path))
t = s["timing"]
wall = t.get("total_seconds") or (t["warmup_seconds"] + t["sampling_seconds"])
lp = next(p for p in s["parameters"] if p["name"] == "lp__")
w = s.get("warmup") or {}
print(json.dumps({"cell": cell, "model": model, "tool": tool, "sampler": sampler, "warmup_kind": kind, "chains": int(chains),
                  "seed": int(seed), "warmup_iterations": w.get("iterations", int(s["configuration"]["warmup"])),
                  "reason": w.get("reason", "fixed"), "wall_seconds": wall, "lp_ess_bulk": lp["ess_bulk"],
                  "lp_r_hat": lp.get("r_hat"), "gradients": s["gradient_evaluations"]["needed"],
                  "load_before": float(load)}))
PY
       done
      done
    done
    { [ "$s" = chees ] && [ $peer = 1 ]; } || continue
    for seed in $peer_seeds; do
      cell=blackjax-chees-fixed-$c-seed$seed
      if have "$cell"; then echo "warmup: $cell already measured" >&2; continue; fi
      [ -n "${PEERS_PYTHON:-}" ] || [ -x "$venv/bin/python" ] || Benchmarks/peers/setup.sh "$venv" >&2
      echo "warmup: $cell ($model, $peer_warmup + $draws)" >&2
      l=$(load)
      # shellcheck disable=SC2086
      "$py" Benchmarks/peers/peers.py chees --model "$model" --chains "$c" --warmup "$peer_warmup" \
          --learning-rate "${CHEES_LEARNING_RATE:-0.5}" ${PEER_CHEES_OPTIONS:-} \
          --draws "$draws" --precision "${prec:-f32}" --seed "$seed" --results - 2> "$out/$cell.log" \
        | python3 -c 'import json,sys
r = json.loads(sys.stdin.read()); c, l, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
print(json.dumps({"cell": c, "model": r["model"], "tool": "blackjax", "sampler": "chees", "warmup_kind": "fixed", "chains": r["chains"],
                  "seed": seed, "warmup_iterations": r["warmup"], "reason": "fixed", "wall_seconds": r["wall_seconds"],
                  "lp_ess_bulk": r["ess_bulk"]["lp__"], "lp_r_hat": r["r_hat"].get("lp__"),
                  "gradients": r.get("gradients"), "load_before": l}))' "$cell" "$l" "$seed" >> "$cells"
    done
  done
done

python3 - "$cells" <<'PY' | tee "$out/table.md"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for r in rows:
    r.setdefault("seed", 1)   # cells written before --seeds
    r["rate"] = r["lp_ess_bulk"] / r["wall_seconds"]
key = lambda r: (r["sampler"], r["chains"], r["tool"] == "blackjax", r["warmup_kind"], r["tool"])
print("| tool | sampler | chains | warmup | seed | iterations run | wall (s) | lp bulk ESS | lp ESS/s | lp R-hat | load before |")
print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
for r in sorted(rows, key=lambda r: key(r) + (r["seed"],)):
    rh = r.get("lp_r_hat")
    print("| %s | %s | %d | %s | %d | %d | %.1f | %.0f | %.1f | %s | %.1f |" % (
        r["tool"], r["sampler"], r["chains"], r["warmup_kind"], r["seed"], r["warmup_iterations"], r["wall_seconds"],
        r["lp_ess_bulk"], r["rate"], "%.3f" % rh if rh is not None else "—", r["load_before"]))
groups = {}
for r in rows:
    groups.setdefault(key(r), []).append(r)
peer = {k[1]: statistics.mean(x["rate"] for x in g) for k, g in groups.items() if g[0]["tool"] == "blackjax"}
print()
print("| tool | sampler | chains | warmup | seeds | iterations run | lp ESS/s: mean | sd | range | mean / BlackJAX ChEES's |")
print("|---|---|---:|---|---:|---|---:|---:|---|---:|")
for k in sorted(groups):
    g = groups[k]; rates = [x["rate"] for x in g]; its = [x["warmup_iterations"] for x in g]
    sd = "%.1f" % statistics.stdev(rates) if len(rates) > 1 else "—"
    ratio = "%.1f×" % (statistics.mean(rates) / peer[k[1]]) if g[0]["tool"] != "blackjax" and k[1] in peer else "—"
    print("| %s | %s | %d | %s | %d | %d–%d | %.1f | %s | %.0f–%.0f | %s |" % (
        g[0]["tool"], k[0], k[1], k[3], len(g), min(its), max(its), statistics.mean(rates), sd, min(rates), max(rates), ratio))
PY
