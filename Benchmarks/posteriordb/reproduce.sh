#!/usr/bin/env bash
# Samples every posteriordb posterior with reference draws that Leapfrog ships (data/posteriordb/)
# with default flags and compares each run with posteriordb's reference draws
# (compare_reference.py: means within 4 combined MCSE or 0.1 sd, sds within 10 %).
#
# usage: Benchmarks/posteriordb/reproduce.sh POSTERIORDB_CHECKOUT OUT_DIR [NAME_FILTER]
#   POSTERIORDB_CHECKOUT: a clone of stan-dev/posteriordb (docs/stan.md names the commit); a bare
#   git directory works too (the reference draws are read with `git show HEAD:…`).
# Writes OUT_DIR/<data>-<model>/ (the run), OUT_DIR/<data>-<model>.compare.txt and a table,
# OUT_DIR/table.md: posterior, wall seconds, chains moved during warmup, quantities reproduced.
# Needs a release build (swift build -c release).
set -uo pipefail
cd "$(dirname "$0")/../.."
pdb=$1 out=$2 filter=${3:-}
bin=.build/release/leapfrog
mkdir -p "$out"
# model data: every posterior with reference draws except the ODE models; accel_gp's draws are
# not in posteriordb's stored objects (docs/stan.md compares it with the summaries instead).
pairs="arK:arK arma11:arma garch11:garch hmm_example:hmm_example hmm_drive_0:bball_drive_event_0
hmm_drive_1:bball_drive_event_1 diamonds:diamonds low_dim_gauss_mix:low_dim_gauss_mix
eight_schools_noncentered:eight_schools gp_pois_regr:gp_pois_regr gp_regr:gp_pois_regr
kilpisjarvi:kilpisjarvi_mod blr:sblri blr:sblrc nes:nes1972 nes:nes1976 nes:nes1980 nes:nes1984
nes:nes1988 nes:nes1992 nes:nes1996 nes:nes2000 earn_height:earnings log10earn_height:earnings
logearn_height:earnings logearn_height_male:earnings logearn_interaction:earnings
logearn_interaction_z:earnings logearn_logheight_male:earnings kidscore_interaction:kidiq
kidscore_momhs:kidiq kidscore_momhsiq:kidiq kidscore_momiq:kidiq
kidscore_interaction_c:kidiq_with_mom_work kidscore_interaction_c2:kidiq_with_mom_work
kidscore_interaction_z:kidiq_with_mom_work kidscore_mom_work:kidiq_with_mom_work
logmesquite:mesquite logmesquite_logva:mesquite logmesquite_logvas:mesquite
logmesquite_logvash:mesquite logmesquite_logvolume:mesquite mesquite:mesquite"
reference() {
  local p=posterior_database/reference_posteriors/draws/draws/$1.json.zip
  if [ -f "$pdb/$p" ]; then cat "$pdb/$p"; else git --git-dir="$pdb" show "HEAD:$p" 2>/dev/null \
    || git -C "$pdb" show "HEAD:$p"; fi
}
echo "| posterior | wall (s) | chains moved in warmup | reproduces |" > "$out/table.md"
echo "|---|---:|---:|---|" >> "$out/table.md"
for pair in $pairs; do
  model=${pair%%:*} data=${pair##*:} name=$data-$model
  [ -n "$filter" ] && [[ $name != *$filter* ]] && continue
  rm -rf "${out:?}/$name"
  start=$(date +%s.%N)
  "$bin" sample "data/posteriordb/stan/$model.stan" --data "data/posteriordb/$data.json" \
    --output "$out/$name" > "$out/$name.log" 2>&1
  rc=$?
  wall=$(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')")
  moved=$(python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(len(s.get('relocated_chains') or []))" \
    "$out/$name/summary.json" 2>/dev/null || echo "?")
  reference "$name" > "$out/$name.ref.zip"
  if [ $rc -ne 0 ]; then verdict="run failed (status $rc, $out/$name.log)"
  else
    python3 Benchmarks/posteriordb/compare_reference.py "$out/$name/summary.json" "$out/$name.ref.zip" \
      > "$out/$name.compare.txt"
    verdict=$(tail -1 "$out/$name.compare.txt")
  fi
  rm -f "$out/$name.ref.zip"
  echo "| $name | $wall | $moved | $verdict |" | tee -a "$out/table.md"
done
