#!/usr/bin/env bash
# Leapfrog against its peers (NumPyro NUTS, BlackJAX ChEES, JAX jit(vmap(grad))) on the same
# model and data, as one Markdown table (Benchmarks/report.py compare).
#
#   Benchmarks/peers/compare.sh [--smoke] [--out DIR] [--model bnn|eight-schools|gp-regression]
#        [--models "bnn eight-schools gp-regression"] [--backend "opencl f32"]
#        [--nuts "CHAINS WARMUP DRAWS"] [--chees "CHAINS WARMUP DRAWS"]
#        [--mclmc "CHAINS WARMUP ADJUSTED_WARMUP DRAWS"] [--throughput "CHAINS..."]
#        [--seconds S] [--only nuts,chees,mclmc,throughput,vi] [--note TEXT] [--restarts K]
#
# --models: one table per model, each in DIR/MODEL/table.md (the run of `--model MODEL --out
# DIR/MODEL` with the other options as given), all of them in DIR/table.md.
#
# --only mclmc: BlackJAX's adjusted microcanonical sampler tuned by LAPS (peers.py mclmc: at most
# WARMUP unadjusted MCLMC steps on the ensemble, early-stopped, then ADJUSTED_WARMUP adjusted
# iterations tuning the step size on the ensemble's acceptance, then DRAWS adjusted draws per
# chain, 15 steps of 2 gradients each), against Leapfrog's ChEES at the same number of chains
# (the ChEES cell's run when the chain counts agree, else leapfrog-chees-CHAINS with the ChEES
# cell's warmup and draws).
#
# --only vi: variational inference on the numpyro BNN (bnn) and Edward's BNN (edward-bnn):
# Leapfrog's `variational --restarts K` (default 16, batched in one launch per iteration) against
# NumPyro SVI with AutoNormal (10000 steps) and BlackJAX meanfield_vi (2000 steps, its default 100
# draws per step), each at every learning rate of $VI_LEARNING_RATES (default 0.003 0.01 0.03
# 0.1) and seed of $VI_SEEDS (default 1 2 3 4); every final ELBO is the same estimator on
# the same log density (peers.py elbo / vi; check_same_model.sh bnn edward-bnn checks the
# densities agree). Leapfrog runs with $VI_LEAPFROG_OPTIONS besides --restarts (default
# "--init mode --grad-samples 4 --learning-rate 0.05 --prune-restarts 100 --tol-rel-obj 0.001":
# one setting for both models, README's recipe for BNN-like models: each restart starts where 200
# L-BFGS iterations from its uniform draw end (all restarts batched), the restarts share their
# draws and the worse half of them is dropped every 100 iterations (16, 8, 4, 2, 1 from iteration
# 400); the tighter tolerance lets it run on as the peers' fixed step counts do, since Stan's 0.01
# stops these networks while they still improve).
# Table: Benchmarks/peers/vi_table.py, in DIR/vi-table.md. About 15 minutes.
#
# ChEES on both sides uses Adam's learning rate $CHEES_LEARNING_RATE (default 0.5, the setting the
# samplers issue tuned BlackJAX to on the BNN; peers.py's default too). $LEAPFROG_CHEES_LEARNING_RATE
# sets Leapfrog's alone (`default`: no flag, Leapfrog's own rule), and $PEER_CHEES_OPTIONS adds
# options to BlackJAX's ChEES (e.g. "--mass-matrix diagonal"): each side at its best setting.
# Defaults: bnn; NUTS 4 chains 1000 + 1000; ChEES 128 chains 200 + 200; MCLMC 128 chains, LAPS
# 1000 + 100, 1000 draws; throughput at 4 128 4096 chains, 3 s each; Leapfrog on --backend opencl
# --precision f32 (the peers are f32 too); about 12 minutes on a quiet 2-core machine for the BNN
# without MCLMC. --smoke: NUTS 4 × 40 + 40, ChEES 16 × 30 + 30, MCLMC 16 × 100 + 10, 30 draws,
# throughput at 4 and 128 chains for 1 s: about 2 minutes per model (mostly JAX compilation).
#
# Resumable: every step writes into DIR (default Benchmarks/peers/runs/compare[-smoke]) and is
# skipped when its result is already there; delete a file or the directory to measure again.
# The Leapfrog binary is $LEAPFROG (default .build/release/leapfrog); the peers' venv is
# $PEERS_VENV (default Benchmarks/peers/.venv, made by setup.sh when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${LEAPFROG:-.build/release/leapfrog}
venv=${PEERS_VENV:-Benchmarks/peers/.venv}
model=bnn; backend="opencl f32"; nuts="4 1000 1000"; chees="128 200 200"; mclmc="128 1000 100 1000"
tput="4 128 4096"; seconds=3; only="nuts,chees,mclmc,throughput"; out=""; smoke=0; note=""; restarts=16; models=""
pass=()  # the options a --models run hands on to each model's run
vi_steps_numpyro=10000; vi_steps_blackjax=2000
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1; nuts="4 40 40"; chees="16 30 30"; mclmc="16 100 10 30"; tput="4 128"; seconds=1
             vi_steps_numpyro=200; vi_steps_blackjax=50; pass+=("$1"); shift;;
    --out) out=$2; shift 2;;
    --model) model=$2; shift 2;;
    --models) models=$2; shift 2;;
    --backend) backend=$2; pass+=("$1" "$2"); shift 2;;
    --nuts) nuts=$2; pass+=("$1" "$2"); shift 2;;
    --chees) chees=$2; pass+=("$1" "$2"); shift 2;;
    --mclmc) mclmc=$2; pass+=("$1" "$2"); shift 2;;
    --throughput) tput=$2; pass+=("$1" "$2"); shift 2;;
    --seconds) seconds=$2; pass+=("$1" "$2"); shift 2;;
    --only) only=$2; pass+=("$1" "$2"); shift 2;;
    --note) note=$2; pass+=("$1" "$2"); shift 2;;
    --restarts) restarts=$2; pass+=("$1" "$2"); shift 2;;
    -h|--help) sed -n "2,/^set -euo/p" "$0" | sed '$d'; exit 0;;
    *) echo "compare.sh: unknown argument $1 (see --help)" >&2; exit 2;;
  esac
done
[ -n "$out" ] || out=Benchmarks/peers/runs/compare$([ $smoke = 1 ] && echo -smoke || true)
mkdir -p "$out"
if [ -n "$models" ]; then
  [[ ",$only," == *",vi,"* ]] && { echo "compare.sh: --only vi compares its own two networks; run it without --models" >&2; exit 2; }
  status=0
  for m in $models; do
    echo "compare: === $m ===" >&2
    "$0" "${pass[@]}" --model "$m" --out "$out/$m" > /dev/null || { echo "compare.sh: the $m run failed (see $out/$m)" >&2; status=1; }
  done
  for m in $models; do
    [ -f "$out/$m/table.md" ] && { echo "### $m"; echo; cat "$out/$m/table.md"; echo; }
  done | tee "$out/table.md"
  exit $status
fi
[ -x "$bin" ] || { echo "compare.sh: no leapfrog at $bin (swift build -c release --product leapfrog, or set LEAPFROG)" >&2; exit 2; }
[ -x "$venv/bin/python" ] || Benchmarks/peers/setup.sh "$venv" >&2
py=$venv/bin/python
read -r be prec <<< "$backend"
lfargs=(--backend "$be"); [ -n "${prec:-}" ] && lfargs+=(--precision "$prec")
peer_prec=${prec:-f32}; [ "$be" = cpu ] && peer_prec=f32

meta() {  # meta KEY SUBKEY VALUE: record a number in $out/meta.json
  python3 - "$out/meta.json" "$@" <<'PY'
import json, os, sys
f, key, sub, val = sys.argv[1:5]
d = json.load(open(f)) if os.path.exists(f) else {}
try: val = float(val)
except ValueError: pass
if sub: d.setdefault(key, {})[sub] = val
else: d[key] = val
json.dump(d, open(f, "w"), indent=1, sort_keys=True)
PY
}
now() { date +%s.%N; }
since() { python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 3))" "$1" "$(now)"; }
# leapfrog_cell NAME SAMPLER CHAINS WARMUP DRAWS: Leapfrog's run $out/leapfrog-NAME, unless a
# finished one is there (ChEES at Adam's learning rate $LEAPFROG_CHEES_LEARNING_RATE, else
# $CHEES_LEARNING_RATE, default 0.5; `default` leaves Leapfrog's own).
leapfrog_cell() {
  local name=$1 sampler=$2 c=$3 w=$4 d=$5 dir=$out/leapfrog-$1 t0 extra=()
  if [ -f "$dir/summary.json" ] && grep -q '"interrupted" : false' "$dir/summary.json"; then
    echo "compare: Leapfrog $name already in $dir" >&2
    return
  fi
  echo "compare: Leapfrog $sampler, $c chains, $w + $d ($backend)" >&2
  t0=$(now)
  local rate=${LEAPFROG_CHEES_LEARNING_RATE:-${CHEES_LEARNING_RATE:-0.5}}
  [ "$sampler" = chees ] && [ "$rate" != default ] && extra=(--chees-learning-rate "$rate")
  "$bin" sample "$model" --sampler "$sampler" --chains "$c" --warmup "$w" --draws "$d" "${lfargs[@]}" "${extra[@]}" \
      --output "$dir" --overwrite --quiet > "$out/leapfrog-$name.log" 2>&1
  meta leapfrog_process_seconds "$name" "$(since "$t0")"
}
# has_chains FILE CHAINS: FILE (JSON lines) holds a result at CHAINS chains.
has_chains() {
  python3 -c 'import json,sys; sys.exit(0 if any(json.loads(l).get("chains")==int(sys.argv[2]) for l in open(sys.argv[1]) if l.strip()) else 1)' \
    "$1" "$2" 2>/dev/null
}
config="model=$model nuts=[$nuts] chees=[$chees] backend=[$backend]"
[[ ",$only," == *",mclmc,"* ]] && config="$config mclmc=[$mclmc]"
[ -z "${LEAPFROG_CHEES_LEARNING_RATE:-}${PEER_CHEES_OPTIONS:-}" ] \
  || config="$config chees_rates=[${CHEES_LEARNING_RATE:-0.5} leapfrog ${LEAPFROG_CHEES_LEARNING_RATE:-same}] peer_chees=[${PEER_CHEES_OPTIONS:-}]"
vi_lf_options=${VI_LEAPFROG_OPTIONS---init mode --grad-samples 4 --learning-rate 0.05 --prune-restarts 100 --tol-rel-obj 0.001}
[[ ",$only," == *",vi,"* ]] && config="$config vi=[restarts $restarts $vi_lf_options, steps $vi_steps_numpyro/$vi_steps_blackjax]"
if [ -f "$out/meta.json" ]; then
  had=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("config", ""))' "$out/meta.json")
  if [ -n "$had" ] && [ "$had" != "$config" ]; then
    echo "compare.sh: $out holds a run of another configuration ($had); use another --out or delete it" >&2; exit 2
  fi
fi
meta config "" "$config"
meta model "" "$model"
meta leapfrog_backend "" "$($bin eval "$model" "${lfargs[@]}" --chains 1 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["backend"])' || echo "$backend")"
# The note says when the measurements began (and --note's text after it): a resumed run keeps the
# first one unless --note is given.
[ -n "$note" ] || ! grep -q '"note"' "$out/meta.json" 2>/dev/null || note=KEEP
[ "$note" = KEEP ] || meta note "" "measured $(date -u +%Y-%m-%dT%H:%MZ) at commit $(git rev-parse --short HEAD), load average $(cut -d' ' -f1 /proc/loadavg) at start$([ $smoke = 1 ] && echo '; SMOKE sizes, not a measurement' || true)${note:+; $note}"

for kind in nuts chees; do
  [[ ",$only," == *",$kind,"* ]] || continue
  cfg=$nuts; [ $kind = chees ] && cfg=$chees
  read -r c w d <<< "$cfg"
  leapfrog_cell "$kind" "$kind" "$c" "$w" "$d"
  if [ -s "$out/peer-$kind.jsonl" ]; then
    echo "compare: peer $kind already in $out/peer-$kind.jsonl" >&2
  else
    echo "compare: peer $kind, $c chains, $w + $d" >&2
    t0=$(now)
    peer_options=()
    # shellcheck disable=SC2206
    [ $kind = chees ] && peer_options=(--learning-rate "${CHEES_LEARNING_RATE:-0.5}" ${PEER_CHEES_OPTIONS:-})
    "$py" Benchmarks/peers/peers.py "$kind" --model "$model" --chains "$c" --warmup "$w" --draws "$d" "${peer_options[@]}" \
        --precision "$peer_prec" --results "$out/peer-$kind.jsonl" --label "compare.sh" > /dev/null 2> "$out/peer-$kind.log"
    meta peer_process_seconds "$kind" "$(since "$t0")"
  fi
done

if [[ ",$only," == *",mclmc,"* ]]; then
  read -r c w a d <<< "$mclmc"
  read -r cc cw cd <<< "$chees"
  # Leapfrog's side: ChEES at the same number of chains (the ChEES cell's run when the counts agree).
  name=chees; [ "$c" = "$cc" ] && [[ ",$only," == *",chees,"* ]] || name=chees-$c
  leapfrog_cell "$name" chees "$c" "$cw" "$cd"
  if [ -s "$out/peer-mclmc.jsonl" ]; then
    echo "compare: peer mclmc already in $out/peer-mclmc.jsonl" >&2
  else
    echo "compare: peer mclmc (BlackJAX adjusted MCLMC, LAPS), $c chains, at most $w + $a, $d draws" >&2
    t0=$(now)
    "$py" Benchmarks/peers/peers.py mclmc --model "$model" --chains "$c" --warmup "$w" --adjusted-warmup "$a" --draws "$d" \
        --precision "$peer_prec" --results "$out/peer-mclmc.jsonl" --label "compare.sh" > /dev/null 2> "$out/peer-mclmc.log" \
      || echo "compare: peer mclmc failed (see $out/peer-mclmc.log)" >&2
    meta peer_process_seconds mclmc "$(since "$t0")"
  fi
fi

if [[ ",$only," == *",throughput,"* ]]; then
  for c in $tput; do
    has_chains "$out/leapfrog-throughput.jsonl" "$c" && continue
    echo "compare: Leapfrog throughput, $c chains" >&2
    "$bin" bench throughput "$model" --chains "$c" --seconds "$seconds" "${lfargs[@]}" --json >> "$out/leapfrog-throughput.jsonl"
  done
  missing=()
  for c in $tput; do
    has_chains "$out/peer-throughput.jsonl" "$c" || missing+=("$c")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "compare: peer throughput, ${missing[*]} chains" >&2
    "$py" Benchmarks/peers/peers.py throughput --model "$model" --chains "${missing[@]}" --seconds "$seconds" \
        --precision "$peer_prec" --results "$out/peer-throughput.jsonl" --label "compare.sh" > /dev/null 2>> "$out/peer-throughput.log"
  fi
fi
if [[ ",$only," == *",vi,"* ]]; then
  for m in bnn edward-bnn; do
    lf_model=(bnn); [ $m = edward-bnn ] && lf_model=(bnn --data data/edward_toy.csv --model-option widths=10,10 \
        --model-option biases=true --model-option noise=0.1)
    dir=$out/leapfrog-vi-$m
    if [ -f "$out/leapfrog-vi-$m.json" ]; then
      echo "compare: Leapfrog VI $m already in $dir" >&2
    else
      echo "compare: Leapfrog VI $m, $restarts restarts ($backend)" >&2
      t0=$(now)
      # shellcheck disable=SC2086
      "$bin" variational "${lf_model[@]}" --restarts "$restarts" $vi_lf_options "${lfargs[@]}" --output "$dir" --overwrite --quiet \
          > "$out/leapfrog-vi-$m.log" 2>&1
      secs=$(since "$t0")
      "$py" Benchmarks/peers/peers.py elbo --model $m --family "$dir/variational.json" --precision "$peer_prec" --results - \
          2>> "$out/leapfrog-vi-$m.log" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); d["process_seconds"]=float(sys.argv[1]); print(json.dumps(d))' "$secs" \
          > "$out/leapfrog-vi-$m.json"
    fi
    for method in numpyro-autonormal blackjax-meanfield; do
      f=$out/peer-vi-$method-$m.jsonl
      if [ -s "$f" ]; then echo "compare: peer VI $method $m already in $f" >&2; continue; fi
      steps=$vi_steps_numpyro; [ $method = blackjax-meanfield ] && steps=$vi_steps_blackjax
      echo "compare: peer VI $method $m, $steps steps" >&2
      # shellcheck disable=SC2086
      "$py" Benchmarks/peers/peers.py vi --model $m --method $method --steps "$steps" --precision "$peer_prec" \
          --learning-rates ${VI_LEARNING_RATES:-0.003 0.01 0.03 0.1} --seeds ${VI_SEEDS:-1 2 3 4} \
          --results "$f.part" --label "compare.sh" > /dev/null 2> "$out/peer-vi-$method-$m.log"
      mv "$f.part" "$f"
    done
  done
  python3 Benchmarks/peers/vi_table.py "$out" | tee "$out/vi-table.md"
fi
if [[ ",$only," == *",nuts,"* || ",$only," == *",chees,"* || ",$only," == *",mclmc,"* || ",$only," == *",throughput,"* ]]; then
  python3 Benchmarks/report.py compare "$out" | tee "$out/table.md"
fi
