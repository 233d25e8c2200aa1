#!/usr/bin/env bash
# Draws per second at 1 and 2 MPI ranks and at 1 and 2 OpenCL devices on this machine, and the
# share of each rank's run spent in the per-iteration all-gather (the reduction): for each cell,
# `leapfrog sample MODEL` in one process, `mpirun -n K leapfrog sample MODEL` with the same flags,
# and (with --backend opencl and --devices 2) `leapfrog sample MODEL --device all` over two PoCL
# devices; one Markdown row per run from the run's closing lines (draws, seconds) and each rank's
# cost line (gathers, MB, seconds in them), and from rank 0's summary.json its warmup and sampling
# seconds and its devices' blocking round trips per iteration (every device's, for `--device all`).
# One process is rank count 1 (no MPI loaded at all).
#
# Devices: PoCL lists the devices POCL_DEVICES names. One device is `POCL_DEVICES=pthread` (its
# threads on every core); two are `POCL_DEVICES="pthread pthread"` with POCL_MAX_PTHREAD_COUNT=cores/2 (PoCL 3.1; later PoCL reads POCL_CPU_MAX_CU_NUM, set too),
# so the two devices split the cores rather than each claiming all of them.
#
#   Benchmarks/mpi.sh [--cells "eight-schools:nuts:64:200:200 bnn:chees:64:200:200"] [--ranks "1 2"]
#        [--backend cpu|opencl] [--devices "1 2"]
#
# $LEAPFROG: the binary (default .build/release/leapfrog). Needs mpirun (scripts/bootstrap).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${LEAPFROG:-.build/release/leapfrog}
cells="eight-schools:nuts:64:200:200 eight-schools:nuts:1024:200:200 bnn:chees:64:200:200 bnn:chees:1024:200:200"
ranks="1 2"; backend=cpu; devices="1"
while [ $# -gt 0 ]; do
  case $1 in
    --cells) cells=$2; shift 2;;
    --ranks) ranks=$2; shift 2;;
    --backend) backend=$2; shift 2;;
    --devices) devices=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; $(date -u +%F); commit $(git rev-parse --short HEAD); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| model | sampler | chains | warmup + draws | ranks | devices | wall s | warmup / sampling s | round trips per iteration | draws/s (warmup in the wall) | gathers | MB gathered per rank | s in gathers (rank 0; rank 1) | share of the run |"
echo "|---|---|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---|---|"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# One row: $1 ranks, $2 devices.
row() {
  local k=$1 dev=$2 text
  local args=(sample "$model" --backend "$backend" --sampler "$sampler" --chains "$chains" --warmup "$warmup"
              --draws "$draws" --fixed-warmup --seed 1 --output "$out/run" --overwrite)
  local env=()
  if [ "$backend" = opencl ]; then
    local cu=$(( $(nproc) / dev > 0 ? $(nproc) / dev : 1 ))
    if [ "$dev" = 1 ]; then env=(POCL_DEVICES=pthread); else
      env=(POCL_DEVICES="$(printf 'pthread %.0s' $(seq "$dev"))" POCL_MAX_PTHREAD_COUNT=$cu POCL_CPU_MAX_CU_NUM=$cu)
      args+=(--device all)
    fi
  fi
  if [ "$k" = 1 ]; then
    text=$(env "${env[@]}" "$bin" "${args[@]}" 2>&1)
  else
    text=$(env "${env[@]}" mpirun --oversubscribe -n "$k" "$bin" "${args[@]}" 2>&1)
  fi
  python3 - "$model" "$sampler" "$chains" "$warmup + $draws" "$k" "$dev" "$chains" "$draws" "$out/run/summary.json" <<PY
import json, re, sys
text = """$text"""
model, sampler, chains, plan, k, dev, n, draws, summary = sys.argv[1:]
s = json.load(open(summary))
timing = s.get("timing", {})
phases = f"{timing.get('warmup_seconds', 0):.2f} / {timing.get('sampling_seconds', 0):.2f}"
trips = s.get("device_traffic", {}).get("round_trips_per_iteration")
trips = "–" if trips is None else f"{trips:.2f}"
m = re.search(r"(\\d+) chains × (\\d+) draws in ([0-9.]+) s", text)
if not m:
    sys.exit("no closing line in:\\n" + text[-2000:])
wall = s.get("timing", {}).get("total_seconds") or float(m.group(3))
costs = sorted(re.findall(r"rank (\\d+) of \\d+: (\\d+) gathers \\(([0-9.e+-]+) MB\\), ([0-9.e+-]+) s in them: ([0-9.]+) %", text))
if costs:
    gathers = costs[0][1]; mb = costs[0][2]
    secs = "; ".join(c[3] for c in costs); share = "; ".join(c[4] + " %" for c in costs)
else:
    gathers = mb = secs = share = "–"
print(f"| {model} | {sampler} | {chains} | {plan} | {k} | {dev} | {wall:.2f} | {phases} | {trips} | {(int(n) * int(draws) / wall if wall > 0 else 0):,.0f} | {gathers} | {mb} | {secs} | {share} |")
PY
}
for cell in $cells; do
  IFS=: read -r model sampler chains warmup draws <<< "$cell"
  for k in $ranks; do row "$k" 1; done
  if [ "$backend" = opencl ]; then
    for dev in $devices; do [ "$dev" = 1 ] || row 1 "$dev"; done
  fi
done
