"""Bad input raises LeapfrogError with Leapfrog's message; the interpreter never crashes."""

from __future__ import annotations

import numpy as np
import pytest

import leapfrog

STAN = """
data { int<lower=0> J; vector[J] y; }
parameters { real mu; }
model { y ~ normal(mu, 1); }
"""


def test_unknown_model_name() -> None:
    with pytest.raises(leapfrog.LeapfrogError, match="did you mean 'eight-schools'") as e:
        leapfrog.Model("eight-school")
    assert e.value.kind == "configuration"


def test_malformed_json_data_names_the_file_and_line(tmp_path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "J": 2,\n  "y": [1, 2,,]\n}\n')
    with pytest.raises(leapfrog.LeapfrogError, match=r"bad\.json:3") as e:
        leapfrog.Model(STAN, path, backend="cpu")
    assert e.value.kind == "data"


def test_data_that_does_not_fit_names_the_variable() -> None:
    with pytest.raises(leapfrog.LeapfrogError, match="'y'") as e:
        leapfrog.Model(STAN, {"J": 3, "y": [1.0, 2.0]}, backend="cpu")
    assert e.value.kind == "data"


def test_a_non_finite_number_in_a_dict_names_the_variable() -> None:
    """NaN and infinities in a dict (numpy's or Python's) reach Leapfrog as CmdStan writes them,
    whose message names the variable and element (json.dumps wrote bare NaN: "malformed JSON")."""
    for bad, word in [(np.nan, "(NaN)"), (float("inf"), "(Inf)"), (-np.inf, "(-Inf)")]:
        with pytest.raises(leapfrog.LeapfrogError, match=r"'y' element 2 is not finite") as e:
            leapfrog.Model(STAN, {"J": 3, "y": np.array([1.0, bad, 2.0])}, backend="cpu")
        assert word in str(e.value) and e.value.kind == "data"
    with pytest.raises(leapfrog.LeapfrogError, match=r"'y' element 1 is not finite"):
        leapfrog.Model(STAN, {"J": 1, "y": [float("nan")]}, backend="cpu")


def test_stan_error_names_line_and_column() -> None:
    with pytest.raises(leapfrog.LeapfrogError, match=r"model\.stan:4:") as e:
        leapfrog.Model(STAN.replace("normal(mu, 1)", "normal(mu, 1) + nope"), {"J": 1, "y": [1.0]})
    assert e.value.kind == "model"


def test_wrong_shape_array(schools: leapfrog.Model) -> None:
    with pytest.raises(leapfrog.LeapfrogError, match=r"shape \(chains, 10\)"):
        schools.logdensity_and_grad(np.zeros((3, 9)))
    with pytest.raises(leapfrog.LeapfrogError, match="shape"):
        schools.logdensity_and_grad(np.zeros((2, 3, 10)))


def test_wrong_types_are_argument_errors(schools: leapfrog.Model) -> None:
    """Text, complex numbers and a malformed out= are LeapfrogErrors of kind argument (they were
    ValueError, a dropped imaginary part and an unpacking error)."""
    for x, words in [("abc", "must be numbers"), (np.zeros((2, 10), dtype=complex), "complex")]:
        with pytest.raises(leapfrog.LeapfrogError, match=words) as e:
            schools.logdensity_and_grad(x)
        assert e.value.kind == "argument"
    for out in [np.empty(3), (np.empty(2),), "ab"]:
        with pytest.raises(leapfrog.LeapfrogError, match="out must be a pair"):
            schools.logdensity_and_grad(np.zeros((2, 10)), out=out)


def test_impossible_sampler_option_carries_the_library_message_in_python_words(schools: leapfrog.Model) -> None:
    with pytest.raises(leapfrog.LeapfrogError, match="^chains must be at least 1") as e:
        leapfrog.sample(schools, chains=0, progress=False)
    assert e.value.kind == "configuration" and "--" not in str(e.value)
    with pytest.raises(leapfrog.LeapfrogError, match="max_depth") as e:
        leapfrog.sample(schools, max_depth=0, progress=False)
    assert "--max-depth" not in str(e.value)
    with pytest.raises(leapfrog.LeapfrogError, match="sampler"):
        leapfrog.sample(schools, sampler="gibbs", progress=False)


def test_unknown_back_end() -> None:
    with pytest.raises(leapfrog.LeapfrogError, match="unknown back end 'cuda'"):
        leapfrog.Model("eight-schools", backend="cuda")


def test_a_device_is_checked_when_the_model_is_made() -> None:
    """A device the machine lacks, or one given with the cpu back end, is named when the Model is
    made (it was only at the first evaluation)."""
    with pytest.raises(leapfrog.LeapfrogError, match="OpenCL device; the cpu back end"):
        leapfrog.Model("eight-schools", backend="cpu", device="0")
    with pytest.raises(leapfrog.LeapfrogError, match="no-such-device|OpenCL"):
        leapfrog.Model("eight-schools", backend="opencl", device="no-such-device")


def test_a_variable_named_like_a_dimension_is_refused_before_sampling() -> None:
    """ArviZ drops a posterior holding a variable called ``draw`` (or ``chain``): refused before
    the run, naming it; the dict of arrays needs no such names and is returned."""
    stan = "parameters { real draw; } model { draw ~ normal(0, 1); }"
    with pytest.raises(leapfrog.LeapfrogError, match="variable 'draw' has the name of an InferenceData dimension") as e:
        leapfrog.sample(stan, backend="cpu", chains=2, warmup=20, draws=10, progress=False, inference_data=True)
    assert e.value.kind == "argument"
    draws = leapfrog.sample(stan, backend="cpu", chains=2, warmup=20, draws=10, progress=False, inference_data=False)
    assert draws["draw"].shape == (2, 10)
