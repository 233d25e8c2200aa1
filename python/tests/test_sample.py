"""sample(): the eight schools posterior through the package is the CLI's for the same seed."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import leapfrog

SETTINGS = dict(chains=4, warmup=150, draws=100, seed=11)


def read_stan_csv(path) -> dict[str, np.ndarray]:
    with open(path) as f:
        rows = [r for r in csv.reader(line for line in f if not line.startswith("#"))]
    header, body = rows[0], np.array(rows[1:], dtype=float)
    return {name: body[:, k] for k, name in enumerate(header)}


@pytest.fixture(scope="module")
def cli_run(run_cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    flags = [f"--{k}={v}" for k, v in SETTINGS.items()]
    run_cli("sample", "eight-schools", "--backend", "cpu", *flags, "--output", str(out), "--csv", "--quiet")
    return out


@pytest.fixture(scope="module")
def package_run(schools):
    return leapfrog.sample(schools, **SETTINGS, progress=False, inference_data=False)


def test_draws_equal_the_clis(cli_run, package_run) -> None:
    assert isinstance(package_run, leapfrog.Draws)
    for chain in range(SETTINGS["chains"]):
        cli = read_stan_csv(cli_run / f"chain-{chain + 1}.csv")
        assert np.array_equal(package_run["mu"][chain], cli["mu"])
        assert np.array_equal(package_run["theta"][chain, :, 2], cli["theta.3"])
        assert np.array_equal(package_run.sample_stats["lp"][chain], cli["lp__"])
        assert np.array_equal(package_run.sample_stats["tree_depth"][chain], cli["treedepth__"])
        assert np.array_equal(package_run.sample_stats["diverging"][chain], cli["divergent__"] == 1)


def test_summary_equals_the_clis(cli_run, package_run) -> None:
    cli = {p["name"]: p for p in json.loads((cli_run / "summary.json").read_text())["parameters"]}
    ours = package_run.summary()
    for name in ("lp__", "mu", "tau", "theta[1]"):
        for stat in ("mean", "sd", "ess_bulk", "r_hat"):
            assert ours[name][stat] == pytest.approx(cli[name][stat], rel=1e-12), (name, stat)


def test_layout_is_arvizs(package_run) -> None:
    c, n = SETTINGS["chains"], SETTINGS["draws"]
    assert package_run["theta"].shape == (c, n, 8) and package_run["mu"].shape == (c, n)
    assert set(package_run.sample_stats) == {"lp", "acceptance_rate", "step_size", "tree_depth", "n_steps",
                                             "diverging", "energy"}
    assert package_run.sample_stats["diverging"].dtype == bool
    assert package_run.sample_stats["n_steps"].dtype == np.int64
    assert not package_run.interrupted
    # theta = mu + tau * theta_tilde, element by element, in every draw.
    expected = package_run["mu"][..., None] + package_run["tau"][..., None] * package_run["theta_tilde"]
    assert np.allclose(package_run["theta"], expected, rtol=1e-12, atol=1e-12)


def test_progress_callback_and_messages(schools) -> None:
    seen, messages = [], []
    leapfrog.sample(schools, chains=2, warmup=20, draws=10, progress=seen.append, log=messages.append,
                    inference_data=False)
    assert [p.phase for p in seen].count("sampling") == 10
    assert seen[-1].iteration == seen[-1].total == 30
    assert any("eight_schools" in m or "eight-schools" in m for m in messages)


def test_inference_data_when_arviz_is_importable(schools) -> None:
    arviz = pytest.importorskip("arviz")
    idata = leapfrog.sample(schools, chains=2, warmup=20, draws=10, progress=False)
    assert isinstance(idata, arviz.InferenceData)
    assert idata.posterior["theta"].shape == (2, 10, 8)
    assert idata.sample_stats["diverging"].dtype == bool


def test_false_says_the_opposite_of_a_default_that_is_on() -> None:
    """False for a flag that is on by default, or chosen by the run, is its opposite flag (it was
    dropped, so adaptive_warmup=False still adapted from 256 chains); False for a flag that is off
    by default adds nothing."""
    from leapfrog.run import cli_arguments

    assert cli_arguments({"adaptive_warmup": False}) == ["--fixed-warmup"]
    assert cli_arguments({"fixed_warmup": False}) == ["--adaptive-warmup"]
    assert cli_arguments({"chained_warmup": False}) == ["--no-chained-warmup"]
    assert cli_arguments({"pooled_adaptation": False}) == ["--no-pooled-adaptation"]
    assert cli_arguments({"csv": False, "quiet": False, "stl": False}) == []
    assert cli_arguments({"adaptive_warmup": True, "max_depth": 12}) == ["--adaptive-warmup", "--max-depth", "12"]


def test_adaptive_warmup_false_runs_the_fixed_schedule(schools, tmp_path) -> None:
    """From 256 chains warmup is adaptive unless told otherwise: adaptive_warmup=False is told."""
    leapfrog.sample(schools, chains=256, warmup=60, draws=10, seed=3, adaptive_warmup=False, progress=False,
                    inference_data=False, output=str(tmp_path / "run"))
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["configuration"]["warmup_kind"] == "fixed"


def test_keep_moments_holds_no_draw_buffers(schools) -> None:
    """keep="moments" is memory-flat in the draws from Python too (it allocated chains × draws
    buffers it never filled): a million draws per chain with a target ESS stop early, and the
    summary comes from the chains' moments."""
    out = leapfrog.sample(schools, chains=16, warmup=100, draws=1_000_000, target_ess=400, keep="moments", seed=2,
                          progress=False)
    assert isinstance(out, leapfrog.Draws) and out["mu"].shape == (16, 0)
    rows = out.summary()
    assert 0 < out.result["draws"] < 1_000_000 and np.isfinite(rows["mu"]["mean"]) and rows["mu"]["sd"] > 0


def test_draw_buffers_too_big_for_the_machine_are_refused(schools) -> None:
    """Buffers beyond the available memory: a LeapfrogError naming the figure and keep="moments",
    not numpy's MemoryError."""
    with pytest.raises(leapfrog.LeapfrogError, match='keep="moments"') as e:
        leapfrog.sample(schools, chains=1_000_000, warmup=10, draws=1_000_000, progress=False, inference_data=False)
    assert e.value.kind == "configuration" and "GiB" in str(e.value)
