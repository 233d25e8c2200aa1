#!/usr/bin/env python3
"""Open Leapfrog's outputs with ArviZ, unchanged, and print what ArviZ makes of them.

Usage: check_arviz_reads.py FILE.nc [CHAIN.csv ...]

- FILE.nc: an InferenceData netCDF file from InferenceDataWriter, read with
  `az.from_netcdf` (ArviZ's default h5netcdf engine) and again with engine="netcdf4".
- CHAIN.csv: Stan CSV files from StanCSVWriter (one per chain), read with `az.from_cmdstan`
  (and `cmdstanpy.from_csv`, if cmdstanpy is installed; checked with 1.3.2).

For each, prints the groups, the posterior's dimensions, the sample_stats dtypes and
`az.summary`. Exits non-zero on the first failure. Not run in CI; needs a Python environment
with arviz and netCDF4 (checked with arviz 0.23.4, xarray 2026.9.0, h5netcdf 1.8.2,
netCDF4 1.7.5.1.post1, numpy 2.4.6):

    python3 -m venv /tmp/venv-out && /tmp/venv-out/bin/pip install arviz netCDF4
    mkdir -p /tmp/leapfrog-output-check
    LEAPFROG_OUTPUT_CHECK_DIR=/tmp/leapfrog-output-check swift test --filter LeapfrogOutputTests
    /tmp/venv-out/bin/python scripts/check_arviz_reads.py /tmp/leapfrog-output-check/sample.nc \\
        /tmp/leapfrog-output-check/sample-csv/chain-*.csv

When CSV files are given they must hold the same draws as FILE.nc (the tests write them so):
every posterior and sample_stats value is compared, exactly.
"""
import sys
import warnings

import arviz as az
import numpy as np


def describe(idata, label):
    print(f"== {label}")
    print("groups:", list(idata.groups()))
    post = idata.posterior
    print("posterior dims:", dict(post.sizes))
    for name, var in post.data_vars.items():
        print(f"  {name}: {var.dims} {var.dtype}")
    if "sample_stats" in idata.groups():
        stats = idata.sample_stats
        print("sample_stats:", {name: str(v.dtype) for name, v in stats.data_vars.items()})
        if "diverging" in stats:
            print("divergences:", int(stats["diverging"].sum()))
    print("attrs:", dict(idata.attrs) if getattr(idata, "attrs", None) else {})
    print("posterior attrs:", {k: post.attrs[k] for k in sorted(post.attrs) if k != "comments"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        print(az.summary(idata, kind="all").to_string())


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    print("arviz", az.__version__, "numpy", np.__version__)
    nc = argv[1]
    describe(az.from_netcdf(nc), f"az.from_netcdf({nc!r})")
    describe(az.from_netcdf(nc, engine="netcdf4"), f"az.from_netcdf({nc!r}, engine='netcdf4')")
    csvs = argv[2:]
    if csvs:
        from_csv = az.from_cmdstan(posterior=csvs)
        describe(from_csv, f"az.from_cmdstan({csvs!r})")
        compare(az.from_netcdf(nc), from_csv)
        try:
            import cmdstanpy
        except ImportError:
            print("(cmdstanpy not installed: skipping cmdstanpy.from_csv)")
        else:
            fit = cmdstanpy.from_csv(csvs)
            print(f"== cmdstanpy {cmdstanpy.__version__}.from_csv: draws {fit.draws().shape} "
                  f"(draws, chains, columns), columns {fit.column_names[7:12]}...")
    return 0


def compare(a, b):
    """Every posterior and sample_stats value must agree exactly (NaN equal to NaN)."""
    print("== comparing the netCDF file with the CSV files")
    bad = 0
    for group in ("posterior", "sample_stats"):
        ga, gb = getattr(a, group), getattr(b, group)
        names = sorted(set(ga.data_vars) | set(gb.data_vars))
        for name in names:
            if name not in ga or name not in gb:
                print(f"  {group}/{name}: only in {'netCDF' if name in ga else 'CSV'}")
                bad += 1
                continue
            x, y = ga[name].values, gb[name].values
            same = x.shape == y.shape and np.array_equal(x.astype(float), y.astype(float), equal_nan=True)
            print(f"  {group}/{name}: {x.shape} {'identical' if same else 'DIFFERENT'}")
            bad += not same
    if bad:
        raise SystemExit(f"{bad} differences between the netCDF and CSV outputs")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
