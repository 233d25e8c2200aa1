#!/usr/bin/env python3
"""Compares a Leapfrog run's summary.json with posteriordb's reference draws (docs/stan.md).

usage: compare_reference.py SUMMARY_JSON REFERENCE_DRAWS_ZIP

REFERENCE_DRAWS_ZIP is posteriordb's
posterior_database/reference_posteriors/draws/draws/<posterior>.json.zip (a list of chains,
each a map from Stan's names, `theta[1]`, to draws). A quantity reproduces when its mean lies
within 4 combined MCSE or 0.1 sd of the reference mean (the reference MCSE is sd/sqrt(n) for its
thinned draws) and its sd within 10 %: issue 16's criterion. Prints one line per quantity and a
verdict; exits 1 when a quantity is off or missing.
"""
import json
import math
import sys
import zipfile


def reference(path):
    with zipfile.ZipFile(path) as z:
        chains = json.loads(z.read(z.namelist()[0]))
    names = chains[0].keys()
    return {k: [x for ch in chains for x in ch[k]] for k in names}


def main():
    summary_path, draws_path = sys.argv[1], sys.argv[2]
    summary = {p["name"]: p for p in json.load(open(summary_path))["parameters"]}
    off = 0
    for name, xs in reference(draws_path).items():
        n = len(xs)
        mean = sum(xs) / n
        sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
        ours = summary.get(name)
        if ours is None:
            print(f"{name:24s} missing from the summary")
            off += 1
            continue
        mcse = math.sqrt((ours.get("mcse_mean") or 0) ** 2 + sd * sd / n)
        gap = abs(ours["mean"] - mean)
        mean_ok = gap <= 4 * mcse or gap <= 0.1 * sd
        sd_ok = sd == 0 and ours["sd"] == 0 or sd > 0 and abs(ours["sd"] / sd - 1) <= 0.1
        ok = mean_ok and sd_ok
        off += not ok
        print(f"{name:24s} mean {ours['mean']:11.5g} ref {mean:11.5g} ({gap / mcse if mcse > 0 else 0:5.2f} MCSE)  "
              f"sd {ours['sd']:9.4g} ref {sd:9.4g}  {'ok' if ok else 'OFF'}")
    total = len(reference(draws_path))
    print(f"{total - off} of {total} quantities reproduce the reference" + ("" if off else ": reproduces"))
    sys.exit(1 if off else 0)


if __name__ == "__main__":
    main()
