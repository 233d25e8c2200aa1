"""`Model`: a Leapfrog model compiled with its data, evaluated for a batch of points."""

from __future__ import annotations

import ctypes
import json
import math
import os
import threading
from pathlib import Path
from typing import Any, Mapping, Union

import numpy as np

from ._library import check, library
from .errors import LeapfrogError

__all__ = ["Model", "ModelLike", "DataLike"]

#: A built-in model's name, a path to a ``.stan`` or model-graph ``.json`` file, or Stan / graph
#: JSON text.
ModelLike = Union[str, "os.PathLike[str]"]
#: A path to CmdStan JSON or CSV data, CmdStan JSON text, or a mapping of names to numbers or arrays.
DataLike = Union[str, "os.PathLike[str]", Mapping[str, Any], None]

_BUILTIN, _STAN, _GRAPH_JSON = 0, 1, 2
_JSON, _CSV = 0, 1


def _json_value(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as CmdStan JSON data")


def _cmdstan(value: Any) -> Any:
    """``value`` with numpy's arrays and scalars as lists and numbers, and non-finite floats as
    CmdStan JSON writes them (``"NaN"``, ``"Inf"``, ``"-Inf"``), so that Leapfrog names the
    variable that holds one (``json.dumps`` would write bare ``NaN``, which is not JSON)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Inf" if value > 0 else "-Inf")
    if isinstance(value, Mapping):
        return {k: _cmdstan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_cmdstan(v) for v in value]
    return value


def _source(model: ModelLike) -> tuple[int, str, str]:
    """(kind, text, name) of a model given as a name, a file or text."""
    if isinstance(model, os.PathLike) or (isinstance(model, str) and "\n" not in model
                                          and model.lower().endswith((".stan", ".json"))):
        path = Path(model)
        try:
            text = path.read_text()
        except OSError as e:
            raise LeapfrogError(f"cannot read model file '{path}': {e.strerror}", "io") from e
        return (_STAN if path.suffix.lower() == ".stan" else _GRAPH_JSON), text, str(path)
    if not isinstance(model, str):
        raise LeapfrogError(f"model must be a name, a path or program text, not {type(model).__name__}")
    stripped = model.lstrip()
    if stripped.startswith("{"):
        return _GRAPH_JSON, model, "model.json"
    if "{" in model or "\n" in model:
        return _STAN, model, "model.stan"
    return _BUILTIN, model, model


def _data(data: DataLike) -> tuple[str | None, int, str | None]:
    """(text, format, name) of data given as a mapping, a file or JSON text."""
    if data is None:
        return None, _JSON, None
    if isinstance(data, Mapping):
        try:
            return json.dumps(_cmdstan(dict(data)), default=_json_value), _JSON, "data"
        except TypeError as e:
            raise LeapfrogError(f"data: {e}") from e
    if isinstance(data, os.PathLike) or (isinstance(data, str) and not data.lstrip().startswith("{")):
        path = Path(data)
        if path.suffix.lower() not in (".json", ".csv"):
            raise LeapfrogError(f"data file '{path}': unknown format; use .csv (a header row, numeric cells) "
                                "or .json (CmdStan data), or pass a dict", "data")
        try:
            text = path.read_text()
        except OSError as e:
            raise LeapfrogError(f"cannot read data file '{path}': {e.strerror}", "io") from e
        return text, (_CSV if path.suffix.lower() == ".csv" else _JSON), str(path)
    if isinstance(data, str):
        return data, _JSON, "data.json"
    raise LeapfrogError(f"data must be a mapping, a path or CmdStan JSON text, not {type(data).__name__}")


def _options(options: Mapping[str, Any] | str | None) -> str | None:
    if options is None or isinstance(options, str):
        return options
    return ",".join(f"{k}={','.join(map(str, v)) if isinstance(v, (list, tuple)) else v}" for k, v in options.items())


def _c(text: str | None) -> bytes | None:
    return None if text is None else text.encode("utf-8")


class Model:
    """A model compiled with its data for one back end.

    ``model`` is a built-in name (``"eight-schools"``, ``"bnn"``; see ``leapfrog models``), a path
    to a Stan program (``.stan``) or a model-graph JSON file (``.json``), or the text of either.
    ``data`` is a path to CmdStan JSON or CSV, CmdStan JSON text, or a dict of numbers and arrays
    (``{"J": 8, "y": np.array([...])}``); built-ins use their bundled data when it is None.
    ``backend`` is ``"auto"`` (a GPU, else another OpenCL device, else the CPU reference),
    ``"cpu"`` or ``"opencl"``; ``device`` an OpenCL device index or part of its name;
    ``precision`` ``"auto"``, ``"f32"`` or ``"f64"`` (OpenCL); ``model_options`` a built-in's
    options (``{"dim": 100, "kind": "iid"}``).

    >>> m = leapfrog.Model("eight-schools", backend="cpu")
    >>> m.dim, m.parameter_names[:2]
    (10, ['mu', 'tau'])
    >>> logp, grad = m.logdensity_and_grad(np.zeros((4, m.dim)))

    Errors raise :class:`LeapfrogError` with Leapfrog's message. A model may be shared between
    threads; its evaluations are serialised.
    """

    def __init__(self, model: ModelLike, data: DataLike = None, *, backend: str = "auto",
                 device: str | int | None = None, precision: str = "auto",
                 model_options: Mapping[str, Any] | str | None = None) -> None:
        self._lib = library()
        self._handle = ctypes.c_void_p()
        kind, text, name = _source(model)
        data_text, data_format, data_name = _data(data)
        check(self._lib.leapfrog_model_new(
            kind, _c(text), _c(name), _c(data_text), data_format, _c(data_name), _c(_options(model_options)),
            _c(backend), _c(None if device is None else str(device)), _c(precision), ctypes.byref(self._handle)))
        self.backend = backend
        self.device = device
        self.precision = precision
        #: How the model was named: the built-in's name or the file.
        self.label = name
        self._dim = int(self._lib.leapfrog_model_dimension(self._handle))
        self._names = [self._lib.leapfrog_model_parameter_name(self._handle, i).decode() for i in range(self._dim)]
        self._lock = threading.Lock()
        self._evaluate = self._lib.leapfrog_model_log_density_gradient

    @property
    def handle(self) -> ctypes.c_void_p:
        """The ``leapfrog_model *`` (for calls into the C ABI)."""
        if not self._handle:
            raise LeapfrogError("the model has been closed")
        return self._handle

    @property
    def dim(self) -> int:
        """The length of the unconstrained parameter vector."""
        return self._dim

    @property
    def parameter_names(self) -> list[str]:
        """One name per unconstrained coordinate (``mu``, ``theta[1]``, …)."""
        return list(self._names)

    def info(self) -> dict[str, Any]:
        """The model's name, dimension, parameter names, the variables each draw records (with
        shapes), and the back end and precision once it has been evaluated."""
        with self._lock:
            text = self._lib.leapfrog_model_info_json(self.handle)
        if text is None:
            from ._library import last_error
            raise LeapfrogError(last_error())
        return json.loads(text)

    @property
    def variables(self) -> list[tuple[str, tuple[int, ...]]]:
        """What every draw records: the constrained parameters, then the derived quantities."""
        return [(v["name"], tuple(v["shape"])) for v in self.info()["variables"]]

    def logdensity_and_grad(self, x: Any, out: tuple[np.ndarray, np.ndarray] | None = None
                            ) -> tuple[np.ndarray, np.ndarray]:
        """Log density (with the log-Jacobian, as in Stan) and its gradient on the unconstrained
        scale at every row of ``x``, a (chains × dim) array; a 1-D ``x`` is one point and gives a
        0-d log density. A C-contiguous float64 ``x`` is passed without a copy, and ``out``
        (arrays of shape (chains,) and (chains, dim), float64, C-contiguous) receives the result
        without allocating. Points outside the support give ``-inf`` or ``nan``, not an error.
        """
        if (type(x) is np.ndarray and x.ndim == 2 and x.dtype == np.float64 and x.shape[1] == self._dim
                and x.shape[0] > 0 and x.flags.c_contiguous):
            array, single = x, False            # the fast path: no conversion, no copy
        else:
            array, single = self._points(x)
        chains = array.shape[0]
        if out is None:
            logp = np.empty(chains)
            grad = np.empty((chains, self._dim))
        else:
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise LeapfrogError("out must be a pair (logp, grad) of arrays")
            logp, grad = out
            self._check_out(logp, grad, chains)
        # The library serialises calls on one model and releases nothing Python owns; ctypes
        # releases the GIL for the call.
        status = self._evaluate(self._handle, chains, array.ctypes.data, logp.ctypes.data, grad.ctypes.data)
        if status != 0:
            if not self._handle:
                raise LeapfrogError("the model has been closed")
            check(status)
        if single:
            return logp[0], grad[0]
        return logp, grad

    def _points(self, x: Any) -> tuple[np.ndarray, bool]:
        """``x`` as a C-contiguous (chains × dim) float64 array, and whether it was one point."""
        if np.iscomplexobj(x):
            raise LeapfrogError("x is complex: give real numbers (the imaginary parts would be dropped)")
        try:
            array = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise LeapfrogError(f"x must be numbers, a (chains, {self._dim}) array: {e}") from e
        single = array.ndim == 1
        if single:
            array = array[np.newaxis, :]
        if array.ndim != 2 or array.shape[1] != self._dim:
            raise LeapfrogError(f"x must have shape (chains, {self._dim}) or ({self._dim},) for this model "
                                f"({', '.join(self._names[:4])}{', …' if self._dim > 4 else ''}); got {np.shape(x)}")
        if array.shape[0] == 0:
            raise LeapfrogError("x has no rows: give at least one point")
        return np.ascontiguousarray(array), single

    def _check_out(self, logp: np.ndarray, grad: np.ndarray, chains: int) -> None:
        for a, shape in ((logp, (chains,)), (grad, (chains, self._dim))):
            if (not isinstance(a, np.ndarray) or a.shape != shape or a.dtype != np.float64
                    or not a.flags.c_contiguous or not a.flags.writeable):
                raise LeapfrogError(f"out arrays must be writeable C-contiguous float64 of shapes {(chains,)} "
                                    f"and {(chains, self._dim)}")

    def logdensity(self, x: Any) -> np.ndarray:
        """The log density alone (see :meth:`logdensity_and_grad`)."""
        return self.logdensity_and_grad(x)[0]

    def close(self) -> None:
        """Frees the compiled model now (it is freed when collected otherwise)."""
        handle, self._handle = getattr(self, "_handle", None), ctypes.c_void_p()
        if handle:
            self._lib.leapfrog_model_free(handle)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self) -> "Model":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"leapfrog.Model({self.label!r}, dim={self._dim}, backend={self.backend!r})"
