"""`sample` and `variational`: the CLI's runs as Python calls."""

from __future__ import annotations

import importlib.util
import sys
from typing import Any, Callable, Mapping, Union

import numpy as np

from .draws import Draws, to_inference_data
from .errors import LeapfrogError
from .model import DataLike, Model, ModelLike
from .run import Progress, Run, cli_arguments

__all__ = ["sample", "variational"]

#: ``True``: the CLI's progress display on stderr; ``False``: silent; a callable: called with a
#: :class:`Progress` after every iteration (return True to stop).
ProgressLike = Union[bool, Callable[[Progress], Any]]


def _model(model: Union[Model, ModelLike], data: DataLike, backend: str | None, device: str | int | None,
           precision: str | None, model_options: Mapping[str, Any] | str | None) -> Model:
    if isinstance(model, Model):
        if data is not None or model_options is not None:
            from .errors import LeapfrogError
            raise LeapfrogError("data and model_options belong to the Model: pass them to leapfrog.Model(...)")
        return model
    return Model(model, data, backend=backend or "auto", device=device, precision=precision or "auto",
                 model_options=model_options)


def _start(run: Run, progress: ProgressLike, log: Callable[[str], Any] | None) -> None:
    callback = progress if callable(progress) else None
    run.set_callbacks(callback, log)


def sample(model: Union[Model, ModelLike], data: DataLike = None, *, chains: int = 4, warmup: int = 1000,
           draws: int = 1000, sampler: str = "nuts", seed: int = 1, thin: int = 1,
           backend: str | None = None, device: str | int | None = None, precision: str | None = None,
           output: str | None = None, csv: bool = False, overwrite: bool = False,
           progress: ProgressLike = True, log: Callable[[str], Any] | None = None,
           model_options: Mapping[str, Any] | str | None = None, inference_data: bool | None = None,
           **options: Any) -> Any:
    """Samples ``model`` as ``leapfrog sample`` does and returns the draws.

    ``model`` is a :class:`Model` or what :class:`Model` takes (a built-in name, a ``.stan`` or
    graph ``.json`` path or text) with ``data``. ``chains``, ``warmup``, ``draws``, ``sampler``
    (``"nuts"``, ``"hmc"``, ``"chees"``), ``seed`` and ``thin`` are the CLI's; so are ``output``
    (write ``posterior.nc``, ``summary.json`` and with ``csv=True`` Stan CSV there, streamed),
    ``overwrite`` and every other ``leapfrog sample`` flag as a keyword (``max_depth=12``,
    ``target_accept=0.9``, ``metric="dense"``, ``superchains=4``, ``adaptive_warmup=True``,
    ``target_ess=400``). ``backend``, ``device`` and ``precision`` default to the Model's.

    ``progress``: True shows the CLI's display on stderr, False is silent, a callable receives a
    :class:`Progress` after every iteration and stops the run by returning True or raising.
    ``log`` receives the run's messages (banner, notes, fallbacks).

    Returns ArviZ ``InferenceData`` when ArviZ can be imported (``posterior`` with dims
    ``chain``, ``draw``, …; ``sample_stats`` with ``lp``, ``acceptance_rate``, ``step_size``,
    ``tree_depth``, ``n_steps``, ``diverging``, ``energy``), else (or with
    ``inference_data=False``) a :class:`Draws`: a dict of (chain, draw, …) arrays with
    ``.sample_stats`` and ``.result`` (the summary table's rows, warnings, figures). With
    ``keep="moments"`` no draw is kept, in memory or on disk: a :class:`Draws` with (chain, 0, …)
    arrays whose ``.result`` holds the summary made from each chain's running moments.

    Ctrl-C, ``progress`` returning True or raising, stop the run at its next iteration and
    return the draws made so far (``.result["interrupted"]`` is True, and a partial run's files
    are closed and marked interrupted); an exception other than KeyboardInterrupt raised by a
    callback is raised again after that. Errors raise :class:`LeapfrogError` with Leapfrog's
    message.
    """
    m = _model(model, data, backend, device, precision, model_options)
    # Read before the run: a model closed while it runs still gives the draws made.
    variables = m.variables
    # keep="moments" keeps each chain's running moments only: no draw buffers, memory flat in
    # the draws as on the CLI; the summary (.result) is all there is.
    moments = options.get("keep") == "moments"
    if not moments and (inference_data or (inference_data is None and importlib.util.find_spec("arviz") is not None)):
        _check_dimension_names(variables)
    flags: dict[str, Any] = dict(chains=chains, warmup=warmup, draws=draws, sampler=sampler, seed=seed, thin=thin,
                                 backend=backend, device=device, precision=precision, output=output, csv=csv,
                                 overwrite=overwrite, quiet=progress is not True)
    flags.update(options)
    run = Run(m, "sample", cli_arguments(flags))
    try:
        if not moments:
            run.attach_buffers()
        _start(run, progress, log)
        result = run.execute()
        error = run.callback_error
        n = int(result["draws"])
        if moments:
            draws_ = Draws.from_buffers(variables, np.zeros((run.chains, 0, run.draw_size)), {}, result)
        else:
            assert run.values is not None
            draws_ = Draws.from_buffers(variables, run.values[:, :n, :],
                                        {k: v[:, :n] for k, v in run.statistics.items()}, result)
    finally:
        run.close()
    if error is not None and not isinstance(error, KeyboardInterrupt):
        raise error
    if error is not None and progress is not True:     # the display has said so already
        print(f"leapfrog: interrupted: kept {n} draws per chain", file=sys.stderr)
    if inference_data is False or moments:
        return draws_
    try:
        return to_inference_data(draws_, m)
    except ImportError:
        if inference_data:
            raise
        return draws_


def _check_dimension_names(variables: list[tuple[str, tuple[int, ...]]]) -> None:
    """Refuses, before sampling, a variable whose name InferenceData uses for a dimension
    (``chain``, ``draw``, another variable's ``<name>_dim_<k>``): ArviZ would drop the posterior."""
    reserved = {"chain", "draw"} | {f"{name}_dim_{k}" for name, shape in variables for k in range(len(shape))}
    for name, _ in variables:
        if name in reserved:
            raise LeapfrogError(f"variable '{name}' has the name of an InferenceData dimension (chain, draw, "
                                "<variable>_dim_<k>): rename it in the model, or pass inference_data=False for a dict of "
                                "(chain, draw, …) arrays", "argument")


def variational(model: Union[Model, ModelLike], data: DataLike = None, *, algorithm: str = "meanfield",
                iterations: int = 10_000, draws: int = 1000, seed: int = 1,
                backend: str | None = None, device: str | int | None = None, precision: str | None = None,
                output: str | None = None, csv: bool = False, overwrite: bool = False,
                progress: ProgressLike = True, log: Callable[[str], Any] | None = None,
                model_options: Mapping[str, Any] | str | None = None, **options: Any) -> dict[str, Any]:
    """Fits ADVI as ``leapfrog variational`` does (``algorithm`` ``"meanfield"`` or
    ``"fullrank"``, ``iterations``, ``draws`` from the fit, ``seed``, and every other flag as a
    keyword: ``grad_samples=32``, ``restarts=4``, ``learning_rate=0.05``, ``tol_rel_obj=0.001``,
    ``stl=True``). Returns the outcome: ``elbo``, ``pareto_k``, ``converged``, ``reason``,
    ``iterations``, the fitted Gaussian's ``mean`` and ``sd`` on the unconstrained scale named by
    ``parameter_names``, ``summaries`` of its draws, ``warnings``; with ``output`` the files
    (``posterior.nc``, ``elbo.csv``, ``variational.json``, …) are written there and listed in
    ``files``. ``progress`` and ``log`` as for :func:`sample` (Ctrl-C ends the fit early and
    draws from the family reached)."""
    m = _model(model, data, backend, device, precision, model_options)
    flags: dict[str, Any] = dict(algorithm=algorithm, iterations=iterations, draws=draws, seed=seed,
                                 backend=backend, device=device, precision=precision, output=output, csv=csv,
                                 overwrite=overwrite, quiet=progress is not True)
    flags.update(options)
    run = Run(m, "variational", cli_arguments(flags))
    try:
        _start(run, progress, log)
        result = run.execute()
        error = run.callback_error
    finally:
        run.close()
    if error is not None and not isinstance(error, KeyboardInterrupt):
        raise error
    result["mean"] = np.asarray(result["mean"], dtype=float)
    result["sd"] = np.asarray(result["sd"], dtype=float)
    return result
