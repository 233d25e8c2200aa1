#!/usr/bin/env bash
# ESS per second and per gradient, and NUTS's lockstep overhead, for NUTS and ChEES over chain
# counts and back ends, as a Markdown table (Benchmarks/report.py ess).
#
#   Benchmarks/ess.sh [--smoke] [--out DIR] [--models "bnn eight-schools"] [--samplers "nuts chees"]
#        [--chains "4 64 1024 4096"] [--backends "cpu opencl-f32 opencl-f64"] [--warmup 500] [--draws 500]
#        [--cap SECONDS] [--seed 1]
#
# One `leapfrog sample MODEL --sampler S --chains C --warmup W --draws D --output DIR/<cell>` per cell
# ($LEAPFROG, default .build/release/leapfrog). Back ends: cpu (the f64 reference), opencl-f32,
# opencl-f64. Per-cell time cap (--cap, default 600 s): before a cell, its wall time is projected
# from the previous chain count's gradients per chain (× 1.3 for NUTS, whose lockstep cost grows
# with the chains) and a 1 s `leapfrog bench throughput` at this chain count; a cell projected past
# the cap is skipped and the table says so (so are larger chain counts after it). A cell still
# running at the cap gets Ctrl-C (SIGINT): Leapfrog stops, keeps its draws, and the table marks it
# interrupted.
#
# Resumable: a cell with a complete summary.json (or a skipped.json, unless --cap is now larger) is
# not run again; a directory made with other --warmup/--draws/--seed is refused. Delete the
# cell's directory (default Benchmarks/runs/ess[-smoke]/<model>-<sampler>-<backend>-<chains>) to redo it.
# ChEES runs with Adam's learning rate $CHEES_LEARNING_RATE (default 0.5; the paper's is 0.025).
# --smoke: chains "4 64", warmup 30, draws 30, cap 60 s: a few minutes. The full default grid is
# hours on a 2-core machine; most large BNN cells are skipped by the cap.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${LEAPFROG:-.build/release/leapfrog}
models="bnn eight-schools"; samplers="nuts chees"; chains="4 64 1024 4096"; backends="cpu opencl-f32 opencl-f64"
warmup=500; draws=500; cap=600; seed=1; out=""; smoke=0
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1; chains="4 64"; warmup=30; draws=30; cap=60; shift;;
    --out) out=$2; shift 2;;
    --models) models=$2; shift 2;;
    --samplers) samplers=$2; shift 2;;
    --chains) chains=$2; shift 2;;
    --backends) backends=$2; shift 2;;
    --warmup) warmup=$2; shift 2;;
    --draws) draws=$2; shift 2;;
    --cap) cap=$2; shift 2;;
    --seed) seed=$2; shift 2;;
    -h|--help) sed -n "2,/^set -euo/p" "$0" | sed '$d'; exit 0;;
    *) echo "ess.sh: unknown argument $1 (see --help)" >&2; exit 2;;
  esac
done
[ -n "$out" ] || out=Benchmarks/runs/ess$([ $smoke = 1 ] && echo -smoke || true)
mkdir -p "$out"
[ -x "$bin" ] || { echo "ess.sh: no leapfrog at $bin (swift build -c release --product leapfrog, or set LEAPFROG)" >&2; exit 2; }

backend_args() {
  case $1 in
    cpu) echo "--backend cpu";;
    opencl-f32) echo "--backend opencl --precision f32";;
    opencl-f64) echo "--backend opencl --precision f64";;
    *) echo "ess.sh: unknown back end $1 (cpu, opencl-f32, opencl-f64)" >&2; exit 2;;
  esac
}
label() { case $1 in cpu) echo "CPU reference f64";; opencl-f32) echo "OpenCL f32";; opencl-f64) echo "OpenCL f64";; esac; }
json() { python3 -c 'import json,sys; print(json.dumps(dict(zip(sys.argv[1::2], sys.argv[2::2]))))' "$@"; }

for m in $models; do
  for s in $samplers; do
    for b in $backends; do
      args=$(backend_args "$b")
      prev=""; over=""
      for c in $chains; do
        cell=$out/$m-$s-$b-$c
        mkdir -p "$cell"
        if [ -f "$cell/cell.json" ] && ! python3 - "$cell/cell.json" "$warmup" "$draws" "$seed" "$cap" <<'PY'
import json, os, sys
c = json.load(open(sys.argv[1])); w, d, s, cap = sys.argv[2:]
if (c.get("warmup"), c.get("draws"), c.get("seed")) != (w, d, s):
    sys.exit("ess.sh: %s holds warmup %s, draws %s, seed %s: use another --out or delete it"
             % (os.path.dirname(sys.argv[1]), c.get("warmup"), c.get("draws"), c.get("seed")))
skipped = os.path.join(os.path.dirname(sys.argv[1]), "skipped.json")
if os.path.exists(skipped) and float(c.get("cap_seconds", 0)) < float(cap):
    os.remove(skipped)   # a larger cap: try the cell again
PY
        then exit 2; fi
        json model "$m" sampler "$s" backend "$b" backend_label "$(label "$b")" chains "$c" warmup "$warmup" \
             draws "$draws" seed "$seed" cap_seconds "$cap" > "$cell/cell.json"
        if [ -f "$cell/summary.json" ] && grep -q '"interrupted" : false' "$cell/summary.json"; then
          echo "ess: $m $s $b $c: done already" >&2; prev=$cell; continue
        fi
        [ -f "$cell/skipped.json" ] && { echo "ess: $m $s $b $c: skipped before" >&2; over=1; continue; }
        if [ -n "$over" ]; then
          json reason "skipped: a smaller chain count already exceeded the ${cap} s cap" > "$cell/skipped.json"; continue
        fi
        if [ -n "$prev" ]; then
          gps=$($bin bench throughput "$m" --chains "$c" --seconds 1 $args --json 2>/dev/null \
                | python3 -c 'import json,sys; print(json.load(sys.stdin)["gradients_per_second"])' || echo 0)
          proj=$(python3 - "$prev/summary.json" "$c" "$gps" "$s" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); c = int(sys.argv[2]); gps = float(sys.argv[3])
per_chain = s["gradient_evaluations"]["spent_in_lockstep"] / s["chains"] * (1.3 if sys.argv[4] == "nuts" else 1.0)
print(int(per_chain * c / gps) if gps > 0 else 10**9)
PY
)
          if [ "$proj" -gt "$cap" ]; then
            echo "ess: $m $s $b $c: skipped, projected ${proj} s > cap ${cap} s" >&2
            json reason "skipped: projected ${proj} s > ${cap} s cap" > "$cell/skipped.json"; over=1; continue
          fi
          echo "ess: $m $s $b $c chains (projected ${proj} s)" >&2
        else
          echo "ess: $m $s $b $c chains" >&2
        fi
        rc=0
        timeout --signal=INT --kill-after=120 "$cap" "$bin" sample "$m" --sampler "$s" --chains "$c" --warmup "$warmup" \
            --draws "$draws" --seed "$seed" $args $([ "$s" = chees ] && echo --chees-learning-rate "${CHEES_LEARNING_RATE:-0.5}") \
            --output "$cell/run" --overwrite --quiet > "$cell/log.txt" 2>&1 || rc=$?
        if [ -f "$cell/run/summary.json" ]; then
          mv "$cell/run/summary.json" "$cell/summary.json"
          rm -rf "$cell/run"   # the draws are not needed for the table
          if grep -q '"interrupted" : true' "$cell/summary.json"; then over=1; else prev=$cell; fi
        else
          json reason "failed (exit $rc): $(tail -1 "$cell/log.txt" | tr -d '"|' | cut -c1-120)" > "$cell/skipped.json"; over=1
        fi
      done
    done
  done
done
{
  echo "ESS per second and per gradient: warmup $warmup, draws $draws, seed $seed, cap ${cap} s; $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), load average $(cut -d' ' -f1 /proc/loadavg) at the end."
  echo
  python3 Benchmarks/report.py ess "$out"
} | tee "$out/table.md"
