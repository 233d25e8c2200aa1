#!/usr/bin/env bash
# Gradient throughput against chain count: one `leapfrog bench throughput --json` per cell,
# printed as a Markdown table (docs/benchmarks.md records the figures).
#
#   Benchmarks/throughput.sh [--json FILE] [MODEL] [SECONDS] [CHAINS...]
#   LEAPFROG=.build/release/leapfrog Benchmarks/throughput.sh bnn 3 1 16 256 4096 16384 65536
#   Benchmarks/throughput.sh --json out/throughput.jsonl bnn 2 1 16 256 4096   # + scripts/plot_throughput.py
#
# --json FILE appends every cell's JSON object (with a "series" label and the date) to FILE, and
# reuses cells already in FILE for the same model, series and chain count (resumable; FORCE=1
# measures them again). CPU_MAX_CHAINS (default 4096) skips the CPU reference above that count.
set -euo pipefail
cd "$(dirname "$0")/.."
jsonfile=""
if [ "${1:-}" = "--json" ]; then jsonfile=$2; shift 2; mkdir -p "$(dirname "$jsonfile")"; touch "$jsonfile"; fi
model=${1:-bnn}; seconds=${2:-3}; shift $(( $# >= 2 ? 2 : $# ))
chains=("$@"); [ ${#chains[@]} -gt 0 ] || chains=(1 16 256 4096 16384 65536)
bin=${LEAPFROG:-.build/release/leapfrog}
[ -x "$bin" ] || swift build -c release --product leapfrog >&2
cpu_max=${CPU_MAX_CHAINS:-4096}
configs=("--backend opencl --precision f32" "--backend opencl --precision f64" "--backend cpu")
labels=("Leapfrog OpenCL f32" "Leapfrog OpenCL f64" "Leapfrog CPU reference f64")
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
echo "| chains | OpenCL f32 | OpenCL f64 | CPU reference (f64) |"
echo "|---:|---:|---:|---:|"
for c in "${chains[@]}"; do
  row="| $c"
  for i in "${!configs[@]}"; do
    cfg=${configs[$i]}; label=${labels[$i]}
    # The CPU reference is ~1e4 gradients/s: skip its largest batches.
    if [[ $cfg == *cpu* && $c -gt $cpu_max ]]; then row+=" | —"; continue; fi
    line=""
    if [ -n "$jsonfile" ] && [ "${FORCE:-0}" != 1 ]; then
      line=$(python3 - "$jsonfile" "$model" "$label" "$c" <<'PY'
import json, sys
f, model, label, c = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
last = ""
for l in open(f):
    try: r = json.loads(l)
    except ValueError: continue
    if r.get("model") == model and r.get("series") == label and r.get("chains") == c: last = l.strip()
print(last)
PY
)
    fi
    if [ -z "$line" ]; then
      line=$($bin bench throughput "$model" --chains "$c" --seconds "$seconds" $cfg --json 2>/dev/null || true)
      if [ -n "$line" ] && [ -n "$jsonfile" ]; then
        line=$(python3 -c 'import json,sys,time; r=json.loads(sys.argv[1]); r.update(series=sys.argv[2], date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), commit=sys.argv[3], load_average_1m=__import__("os").getloadavg()[0]); print(json.dumps(r, sort_keys=True))' "$line" "$label" "$commit")
        echo "$line" >> "$jsonfile"
      fi
    fi
    g=$(python3 -c 'import json,sys; print("%.3g" % json.loads(sys.argv[1])["gradients_per_second"])' "$line" 2>/dev/null || echo "error")
    row+=" | $g"
  done
  echo "$row |"
done
