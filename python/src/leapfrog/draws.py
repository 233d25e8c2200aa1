"""Draws as numpy arrays in ArviZ's layout, and their conversion to InferenceData."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

__all__ = ["Draws", "to_inference_data"]


class Draws(dict):
    """The posterior draws of a run: ``draws[name]`` is a (chain, draw, *shape) float64 array for
    every parameter (constrained scale) and derived quantity. ``.sample_stats`` holds ArviZ's
    sample statistics as (chain, draw) arrays (``lp``, ``acceptance_rate``, ``step_size``,
    ``tree_depth``, ``n_steps``, ``diverging`` (bool), ``energy``); ``.result`` the run's outcome
    (``summaries``: the summary table's rows; ``warnings``; ``figures``; ``interrupted``;
    ``backend``; with ``output``, ``summary_file`` and ``report_file``)."""

    sample_stats: dict[str, np.ndarray]
    result: dict[str, Any]

    @classmethod
    def from_buffers(cls, variables: Sequence[tuple[str, tuple[int, ...]]], values: np.ndarray,
                     statistics: dict[str, np.ndarray], result: dict[str, Any]) -> "Draws":
        draws = cls()
        chains, n = values.shape[:2]
        offset = 0
        for name, shape in variables:
            count = int(np.prod(shape)) if shape else 1
            draws[name] = np.array(values[:, :, offset:offset + count].reshape((chains, n) + tuple(shape)))
            offset += count
        draws.sample_stats = {k: (v.astype(bool) if k == "diverging" else np.array(v)) for k, v in statistics.items()}
        draws.result = result
        return draws

    @property
    def interrupted(self) -> bool:
        """Whether the run was stopped before its end."""
        return bool(self.result.get("interrupted", False))

    def summary(self) -> dict[str, dict[str, float]]:
        """The summary table's rows by name (``lp__``, ``mu``, ``theta[1]``, …): mean, sd, q5,
        q50, q95, MCSE, bulk and tail ESS, R-hat, as Leapfrog computed them."""
        return {row["name"]: row for row in self.result.get("summaries", [])}


def to_inference_data(draws: Draws, model: Any) -> Any:
    """ArviZ InferenceData of ``draws`` (raises ImportError without ArviZ)."""
    import arviz  # noqa: PLC0415 - optional dependency

    result = draws.result
    attrs = {"inference_library": "leapfrog", "backend": result.get("backend", ""),
             "interrupted": int(bool(result.get("interrupted", False))), "model": getattr(model, "label", "")}
    dims = {}
    coords = {}
    for name, array in draws.items():
        if array.ndim > 2:
            dims[name] = [f"{name}_dim_{k}" for k in range(array.ndim - 2)]
    groups = {"posterior": dict(draws), "sample_stats": dict(draws.sample_stats)}
    if int(arviz.__version__.split(".")[0]) >= 1:      # ArviZ 1.x: one dict of groups, a DataTree back
        return arviz.from_dict(groups, dims=dims or None, coords=coords or None, attrs=attrs)
    return arviz.from_dict(**groups, dims=dims or None, coords=coords or None, attrs=attrs)
