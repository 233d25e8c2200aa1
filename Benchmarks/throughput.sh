#!/usr/bin/env bash
# Gradient throughput against chain count: one `leapfrog bench throughput --json` per cell,
# printed as a Markdown table (docs/benchmarks.md records the figures).
#
#   Benchmarks/throughput.sh [MODEL] [SECONDS] [CHAINS...]
#   LEAPFROG=.build/release/leapfrog Benchmarks/throughput.sh bnn 3 1 16 256 4096 16384 65536
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-bnn}; seconds=${2:-3}; shift $(( $# >= 2 ? 2 : $# ))
chains=("$@"); [ ${#chains[@]} -gt 0 ] || chains=(1 16 256 4096 16384 65536)
bin=${LEAPFROG:-.build/release/leapfrog}
[ -x "$bin" ] || swift build -c release >&2
configs=("--backend opencl --precision f32" "--backend opencl --precision f64" "--backend cpu")
echo "| chains | OpenCL f32 | OpenCL f64 | CPU reference (f64) |"
echo "|---:|---:|---:|---:|"
for c in "${chains[@]}"; do
  row="| $c"
  for cfg in "${configs[@]}"; do
    # The CPU reference is ~1e4 gradients/s: skip its largest batches.
    if [[ $cfg == *cpu* && $c -gt 4096 ]]; then row+=" | —"; continue; fi
    g=$($bin bench throughput "$model" --chains "$c" --seconds "$seconds" $cfg --json 2>/dev/null \
        | python3 -c 'import json,sys; print("%.3g" % json.load(sys.stdin)["gradients_per_second"])' || echo "error")
    row+=" | $g"
  done
  echo "$row |"
done
