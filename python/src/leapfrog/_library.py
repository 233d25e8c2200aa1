"""Finding and loading libLeapfrogC (the C ABI of include/leapfrog.h) with ctypes.

Where the library is looked for, first found wins:

1. the ``LEAPFROG_LIBRARY`` environment variable (a path to ``libLeapfrogC.so``/``.dylib``);
2. the copy installed with the package (``pip install ./python`` puts it in ``leapfrog/_lib``);
3. the repository's build: ``.build/release``, then ``.build/debug`` (when the package is used
   from a checkout through ``PYTHONPATH=python/src``).
"""

from __future__ import annotations

import ctypes
import os
import sys
from ctypes import (CFUNCTYPE, POINTER, c_char_p, c_double, c_int32, c_int64, c_void_p)
from pathlib import Path

from .errors import LeapfrogError

__all__ = ["library", "library_path", "check", "PROGRESS_FN", "MESSAGE_FN"]

LIBRARY_NAME = "libLeapfrogC.dylib" if sys.platform == "darwin" else "libLeapfrogC.so"

#: ``int32_t (*)(void *context, const char *phase, int64_t iteration, int64_t total, int64_t divergences, double elbo)``
PROGRESS_FN = CFUNCTYPE(c_int32, c_void_p, c_char_p, c_int64, c_int64, c_int64, c_double)
#: ``void (*)(void *context, const char *message)``
MESSAGE_FN = CFUNCTYPE(None, c_void_p, c_char_p)

_handle: ctypes.CDLL | None = None
_path: str | None = None


def _candidates() -> list[Path]:
    found: list[Path] = []
    env = os.environ.get("LEAPFROG_LIBRARY")
    if env:
        return [Path(env)]
    here = Path(__file__).resolve().parent
    found.append(here / "_lib" / LIBRARY_NAME)
    for root in here.parents:
        if (root / "Package.swift").exists():
            found += [root / ".build" / "release" / LIBRARY_NAME, root / ".build" / "debug" / LIBRARY_NAME]
            break
    return found


def library_path() -> str:
    """The path of the libLeapfrogC this package loads (see the module's docstring)."""
    global _path
    if _path is None:
        candidates = _candidates()
        for candidate in candidates:
            if candidate.is_file():
                _path = str(candidate)
                break
        else:
            tried = ", ".join(str(c) for c in candidates)
            raise LeapfrogError(
                f"cannot find {LIBRARY_NAME} (tried {tried}): build it with "
                "`swift build -c release --product LeapfrogC` in the Leapfrog repository and set "
                "LEAPFROG_LIBRARY to its path, or reinstall the package with `pip install ./python`",
                "io")
    return _path


def _declare(lib: ctypes.CDLL) -> None:
    m, r = c_void_p, c_void_p
    signatures = {
        "leapfrog_version": ([], c_char_p),
        "leapfrog_last_error": ([], c_char_p),
        "leapfrog_model_new": ([c_int32, c_char_p, c_char_p, c_char_p, c_int32, c_char_p, c_char_p, c_char_p,
                                c_char_p, c_char_p, POINTER(c_void_p)], c_int32),
        "leapfrog_model_free": ([m], None),
        "leapfrog_model_dimension": ([m], c_int64),
        "leapfrog_model_parameter_name": ([m, c_int64], c_char_p),
        "leapfrog_model_info_json": ([m], c_char_p),
        "leapfrog_model_log_density_gradient": ([m, c_int64, c_void_p, c_void_p, c_void_p], c_int32),
        "leapfrog_run_new": ([m, c_char_p, POINTER(c_char_p), c_int64, POINTER(c_void_p)], c_int32),
        "leapfrog_run_free": ([r], None),
        "leapfrog_run_chains": ([r], c_int64),
        "leapfrog_run_draws": ([r], c_int64),
        "leapfrog_run_draw_size": ([r], c_int64),
        "leapfrog_run_set_draw_buffer": ([r, c_void_p], c_int32),
        "leapfrog_run_set_stat_buffer": ([r, c_char_p, c_void_p], c_int32),
        "leapfrog_run_set_callbacks": ([r, PROGRESS_FN, MESSAGE_FN, c_void_p], c_int32),
        "leapfrog_run_execute": ([r], c_int32),
        "leapfrog_run_stop": ([r], c_int32),
        "leapfrog_run_draws_written": ([r], c_int64),
        "leapfrog_run_interrupted": ([r], c_int32),
        "leapfrog_run_result_json": ([r], c_char_p),
    }
    for name, (argtypes, restype) in signatures.items():
        function = getattr(lib, name)
        function.argtypes = argtypes
        function.restype = restype


def library() -> ctypes.CDLL:
    """The loaded library, with every function's signature declared."""
    global _handle
    if _handle is None:
        path = library_path()
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            raise LeapfrogError(f"cannot load {path}: {e}", "io") from e
        _declare(lib)
        _handle = lib
    return _handle


def last_error() -> str:
    """The calling thread's last error message from the library."""
    message = library().leapfrog_last_error()
    return message.decode("utf-8", "replace") if message else ""


def check(status: int) -> None:
    """Raises :class:`LeapfrogError` with the library's message unless ``status`` is 0."""
    if status != 0:
        raise LeapfrogError.from_status(status, last_error())
