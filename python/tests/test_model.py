"""Model: compiling, naming, and the batched log density and gradient against the CPU reference
(`leapfrog eval`) and finite differences."""

from __future__ import annotations

import json

import numpy as np
import pytest

import leapfrog


def test_dimension_and_names(schools: leapfrog.Model) -> None:
    assert schools.dim == 10
    assert schools.parameter_names[:3] == ["mu", "tau", "theta_tilde[1]"]
    assert [name for name, _ in schools.variables] == ["mu", "tau", "theta_tilde", "theta"]
    assert dict(schools.variables)["theta"] == (8,)


def test_gradient_equals_the_cli_reference(schools: leapfrog.Model, run_cli) -> None:
    report = json.loads(run_cli("eval", "eight-schools", "--backend", "cpu", "--chains", "5", "--seed", "3"))
    x = np.array([p["unconstrained"] for p in report["points"]])
    logp, grad = schools.logdensity_and_grad(x)
    assert np.allclose(logp, [p["log_density"] for p in report["points"]], rtol=1e-14, atol=0)
    assert np.allclose(grad, [p["gradient"] for p in report["points"]], rtol=1e-13, atol=1e-15)


def test_gradient_matches_finite_differences(repository) -> None:
    model = leapfrog.Model(repository / "examples" / "eight_schools_noncentered.stan",
                           repository / "data" / "posteriordb" / "eight_schools.json", backend="cpu")
    x = np.random.default_rng(4).uniform(-2, 2, size=(3, model.dim))
    _, grad = model.logdensity_and_grad(x)
    h = 1e-6
    for i in range(model.dim):
        step = np.zeros(model.dim)
        step[i] = h
        numeric = (model.logdensity(x + step) - model.logdensity(x - step)) / (2 * h)
        assert np.allclose(grad[:, i], numeric, rtol=1e-6, atol=1e-6), model.parameter_names[i]


def test_stan_text_with_dict_data_equals_the_builtin(repository, schools: leapfrog.Model) -> None:
    text = (repository / "examples" / "eight_schools_noncentered.stan").read_text()
    data = json.loads((repository / "data" / "posteriordb" / "eight_schools.json").read_text())
    data = {k: np.asarray(v) for k, v in data.items()}
    model = leapfrog.Model(text, data, backend="cpu")
    x = np.random.default_rng(1).normal(size=(4, model.dim))
    # Same parameters in the same order; the built-in's log density differs by a constant at most.
    a, ga = model.logdensity_and_grad(x)
    b, gb = schools.logdensity_and_grad(x)
    assert np.allclose(ga, gb, rtol=1e-12, atol=1e-12)
    assert np.ptp(a - b) < 1e-9


def test_one_point_and_out_arrays(schools: leapfrog.Model) -> None:
    x = np.linspace(-1, 1, schools.dim)
    lp, g = schools.logdensity_and_grad(x)
    assert np.ndim(lp) == 0 and g.shape == (schools.dim,)
    logp, grad = np.empty(2), np.empty((2, schools.dim))
    schools.logdensity_and_grad(np.stack([x, x]), out=(logp, grad))
    assert logp[0] == lp and np.array_equal(grad[1], g)


def test_a_point_outside_the_support_is_not_an_error() -> None:
    model = leapfrog.Model("gaussian", backend="cpu", model_options={"dim": 3})
    lp, _ = model.logdensity_and_grad(np.array([[np.inf, 0, 0], [0, 0, 0]]))
    assert not np.isfinite(lp[0]) and np.isfinite(lp[1])
