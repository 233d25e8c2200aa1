#!/usr/bin/env bash
# Device-resident transitions against the host loop, side by side in one run: for each cell,
# `leapfrog sample MODEL --sampler S --chains C --transitions auto|host` (OpenCL, default
# precision), then one Markdown row per run from its summary.json: wall, lp bulk ESS, ESS/s,
# gradients, blocking round trips and KiB per iteration, transitions on the device.
# Then gradients/s inside whole HMC trajectories (`bench throughput --trajectory`) against the
# chain count, beside single evaluations (`bench throughput`): one wait per transition, and
# streamed as sampling does (`--stream`, every state read back or every 10th).
#
#   Benchmarks/transitions.sh [--cells "bnn:nuts:4:1000:1000 bnn:chees:128:200:200"] [--out DIR]
#        [--throughput-chains "16 256 4096 65536 262144"] [--steps 10]
#
# $LEAPFROG: the binary (default .build/release/leapfrog). Run directories: DIR (default
# Benchmarks/runs/transitions), one per cell and placement, overwritten.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${LEAPFROG:-.build/release/leapfrog}
cells="bnn:nuts:4:1000:1000 bnn:chees:128:200:200 bnn:nuts:128:200:200 bnn:chees:1024:200:200 eight-schools:nuts:4:1000:1000"
out=Benchmarks/runs/transitions; tchains="16 256 4096 65536 262144"; steps=10
while [ $# -gt 0 ]; do
  case $1 in
    --cells) cells=$2; shift 2;;
    --out) out=$2; shift 2;;
    --throughput-chains) tchains=$2; shift 2;;
    --steps) steps=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
mkdir -p "$out"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; $(date -u +%F)"
echo
echo "| model | sampler | chains | warmup + draws | transitions | wall s | lp bulk ESS | lp ESS/s | gradients | round trips / it | KiB / it |"
echo "|---|---|---:|---|---|---:|---:|---:|---:|---:|---:|"
for cell in $cells; do
  IFS=: read -r model sampler chains warmup draws <<< "$cell"
  for placement in auto host; do
    dir="$out/$model-$sampler-$chains-$placement"
    "$bin" sample "$model" --backend opencl --sampler "$sampler" --chains "$chains" --warmup "$warmup" --draws "$draws" \
      --fixed-warmup --seed 1 --transitions "$placement" --output "$dir" --overwrite --quiet > /dev/null 2>&1
    python3 - "$dir/summary.json" "$model" "$sampler" "$chains" "$warmup + $draws" "$placement" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
lp = next(p for p in s["parameters"] if p["name"] == "lp__")
wall = s["timing"]["total_seconds"]; t = s.get("device_traffic") or {}
where = "device" if t.get("transitions_on_device", 0) else "host"
print(f"| {sys.argv[2]} | {sys.argv[3]} | {sys.argv[4]} | {sys.argv[5]} | {where} | {wall:.1f} | {lp['ess_bulk']:.0f} | "
      f"{lp['ess_bulk'] / wall:.1f} | {s['gradient_evaluations']['needed']:.3g} | {t.get('round_trips_per_iteration', 0):.2f} | "
      f"{t.get('bytes_per_iteration', 0) / 1024:.1f} |")
PY
  done
done
echo
echo "| chains | gradients/s, one evaluation per call | $steps-step trajectories, one wait each | streamed, every state read | streamed, every 10th read | round trips / transition (one wait; streamed) | KiB / transition (one wait; streamed; every 10th) |"
echo "|---:|---:|---:|---:|---:|---|---|"
field() { python3 -c "import json,sys; r=json.load(sys.stdin); v=r.get('$1'); print('%.3g' % (v/1024 if '$1'=='bytes_per_transition' else v))"; }
for c in $tchains; do
  a=$("$bin" bench throughput bnn --backend opencl --chains "$c" --seconds 3 --json)
  b=$("$bin" bench throughput bnn --backend opencl --chains "$c" --seconds 3 --trajectory "$steps" --json)
  s1=$("$bin" bench throughput bnn --backend opencl --chains "$c" --seconds 3 --trajectory "$steps" --stream --json)
  s10=$("$bin" bench throughput bnn --backend opencl --chains "$c" --seconds 3 --trajectory "$steps" --stream --keep-every 10 --json)
  g() { echo "$1" | field gradients_per_second; }
  echo "| $c | $(g "$a") | $(g "$b") | $(g "$s1") | $(g "$s10") | $(echo "$b" | field round_trips_per_transition); $(echo "$s1" | field round_trips_per_transition) | $(echo "$b" | field bytes_per_transition); $(echo "$s1" | field bytes_per_transition); $(echo "$s10" | field bytes_per_transition) |"
done
