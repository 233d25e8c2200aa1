#!/usr/bin/env bash
# Proof that the peers evaluate exactly Leapfrog's model on exactly Leapfrog's data: the log
# density and gradient of peers.py (JAX, f32 by default) and of `leapfrog eval --backend cpu`
# (the f64 reference) at the same points agree to a relative 1e-4.
#
#   Benchmarks/peers/check_same_model.sh [MODEL...]        # default: bnn edward-bnn eight-schools gp-regression
#   LEAPFROG=.build/release/leapfrog TOL=1e-4 PRECISION=f32 Benchmarks/peers/check_same_model.sh
#
# Points: 6 random unconstrained points (`leapfrog eval --chains 6 --seed 7`, Uniform(-2, 2) as
# the samplers start), plus one named constrained file passed to both as `--params` (CmdStan
# init format), which also checks the parameter order and the log transform. Relative
# difference: |a - b| / max(|b|, 1) for the log density, max|g_a - g_b| / max(max|g_b|, 1) for the
# gradient. Exits 1 if any exceeds TOL.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${LEAPFROG:-.build/release/leapfrog}
venv=${PEERS_VENV:-Benchmarks/peers/.venv}
tol=${TOL:-1e-4}
precision=${PRECISION:-f32}
models=("$@"); [ ${#models[@]} -gt 0 ] || models=(bnn edward-bnn eight-schools gp-regression)
# Leapfrog's arguments for a model name of peers.py (edward-bnn: Edward's tutorial network and data).
lf_model() {
  case $1 in
    edward-bnn) echo bnn --data data/edward_toy.csv --model-option widths=10,10 --model-option biases=true --model-option noise=0.1;;
    *) echo "$1";;
  esac
}
[ -x "$bin" ] || { echo "no leapfrog at $bin: swift build -c release --product leapfrog (or set LEAPFROG)" >&2; exit 2; }
[ -x "$venv/bin/python" ] || Benchmarks/peers/setup.sh "$venv" >&2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0
for m in "${models[@]}"; do
  # shellcheck disable=SC2046
  "$bin" eval $(lf_model "$m") --backend cpu --chains 6 --seed 7 > "$tmp/$m-random.json"
  # A named constrained point (CmdStan init format: eval prints it so, matrices as arrays of rows) from point 0.
  python3 - "$tmp/$m-random.json" "$tmp/$m-named.json" <<'PY'
import json, sys
json.dump(json.load(open(sys.argv[1]))["points"][0]["constrained"], open(sys.argv[2], "w"))
PY
  # shellcheck disable=SC2046
  "$bin" eval $(lf_model "$m") --backend cpu --params "$tmp/$m-named.json" > "$tmp/$m-named-leapfrog.json"
  "$venv/bin/python" Benchmarks/peers/peers.py check --model "$m" --precision "$precision" \
      --params "$tmp/$m-random.json" "$tmp/$m-named.json" > "$tmp/$m-peer.json"
  python3 - "$m" "$tol" "$tmp/$m-random.json" "$tmp/$m-named-leapfrog.json" "$tmp/$m-peer.json" <<'PY' || status=1
import json, sys
model, tol = sys.argv[1], float(sys.argv[2])
lf = json.load(open(sys.argv[3]))["points"] + json.load(open(sys.argv[4]))["points"]
peer = json.load(open(sys.argv[5]))["points"]
assert len(lf) == len(peer), (len(lf), len(peer))
worst_lp = worst_g = 0.0
for a, b in zip(peer, lf):
    du = max(abs(x - y) for x, y in zip(a["unconstrained"], b["unconstrained"]))
    assert du < 1e-5, "points differ: %g" % du
    rl = abs(a["log_density"] - b["log_density"]) / max(abs(b["log_density"]), 1.0)
    gb = max(abs(x) for x in b["gradient"])
    rg = max(abs(x - y) for x, y in zip(a["gradient"], b["gradient"])) / max(gb, 1.0)
    worst_lp, worst_g = max(worst_lp, rl), max(worst_g, rg)
ok = worst_lp <= tol and worst_g <= tol
print("%-14s %d points: log density rel. diff %.2e, gradient rel. diff %.2e (tol %.0e): %s"
      % (model, len(lf), worst_lp, worst_g, tol, "same model" if ok else "DIFFERENT"))
print("               e.g. point 1: leapfrog %.6f, peer %.6f" % (lf[0]["log_density"], peer[0]["log_density"]))
sys.exit(0 if ok else 1)
PY
done
exit $status
