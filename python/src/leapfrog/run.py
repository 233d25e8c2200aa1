"""A run of the C ABI (`leapfrog_run *`) driven from Python: options as the CLI's flags, buffers,
callbacks, execution on a worker thread so that Ctrl-C and other threads can stop it."""

from __future__ import annotations

import ctypes
import json
import math
import threading
from typing import Any, Callable, Mapping

import numpy as np

from ._library import MESSAGE_FN, PROGRESS_FN, check, last_error, library
from .errors import LeapfrogError
from .model import Model

__all__ = ["Progress", "Run", "cli_arguments"]

#: ArviZ's names of the sample statistics, with their dtypes in the buffers.
STATISTICS: dict[str, type] = {
    "lp": np.float64, "acceptance_rate": np.float64, "step_size": np.float64, "tree_depth": np.int64,
    "n_steps": np.int64, "diverging": np.uint8, "energy": np.float64,
}


class Progress:
    """What a progress callback receives after every iteration."""

    __slots__ = ("phase", "iteration", "total", "divergences", "elbo")

    def __init__(self, phase: str, iteration: int, total: int, divergences: int, elbo: float | None) -> None:
        #: ``"warmup"``, ``"sampling"`` or ``"variational"``.
        self.phase = phase
        #: Iterations done (1-based) of ``total``.
        self.iteration = iteration
        self.total = total
        #: Divergent transitions so far in this phase.
        self.divergences = divergences
        #: A variational run's running mean ELBO; None when sampling.
        self.elbo = elbo

    def __repr__(self) -> str:
        return (f"Progress({self.phase!r}, {self.iteration}/{self.total}, divergences={self.divergences}"
                + (f", elbo={self.elbo:.6g})" if self.elbo is not None else ")"))


# What False says for the flags whose default is on, or chosen by the run (adaptive warmup from
# 256 chains): the CLI's opposite flag. The other flags are off by default, so False adds nothing.
_FALSE_FLAGS = {
    "pooled_adaptation": "--no-pooled-adaptation",
    "chained_warmup": "--no-chained-warmup",
    "adaptive_warmup": "--fixed-warmup",
    "fixed_warmup": "--adaptive-warmup",
}


def cli_arguments(options: Mapping[str, Any]) -> list[str]:
    """Keyword options as the CLI's flags: ``max_depth=12`` → ``--max-depth 12``; True → the
    bare flag; False → the opposite flag where the default is on or chosen by the run
    (``pooled_adaptation``, ``chained_warmup``, ``adaptive_warmup``, ``fixed_warmup``), nothing
    otherwise; None → nothing."""
    args: list[str] = []
    for key, value in options.items():
        if value is None:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif value is False:
            if key in _FALSE_FLAGS:
                args.append(_FALSE_FLAGS[key])
        else:
            args += [flag, str(value)]
    return args


def _available_memory() -> int | None:
    """The host's available memory in bytes (``MemAvailable`` of /proc/meminfo); None where
    it cannot be read."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


class Run:
    """One execution of ``sample`` or ``variational`` on a model; see :func:`leapfrog.sample`.

    ``stop()`` may be called from any thread (or a signal handler's thread) while ``execute()``
    runs; the run ends at its next iteration with every draw so far kept.
    """

    def __init__(self, model: Model, method: str, arguments: list[str]) -> None:
        self._lib = library()
        self.model = model
        self._handle = ctypes.c_void_p()
        argv = (ctypes.c_char_p * max(len(arguments), 1))(*[a.encode() for a in arguments])
        check(self._lib.leapfrog_run_new(model.handle, method.encode(), argv, len(arguments), ctypes.byref(self._handle)))
        self.chains = int(self._lib.leapfrog_run_chains(self._handle))
        self.draws = int(self._lib.leapfrog_run_draws(self._handle))
        self.draw_size = int(self._lib.leapfrog_run_draw_size(self._handle))
        self.values: np.ndarray | None = None
        self.statistics: dict[str, np.ndarray] = {}
        self._callbacks: tuple[Any, Any] | None = None
        self._error: BaseException | None = None
        self._running = False

    def attach_buffers(self) -> None:
        """Allocates the draw and statistic buffers and hands them to the run; a run whose
        buffers the machine's available memory cannot hold is refused first, with the figure."""
        per_draw = 8 * self.draw_size + sum(np.dtype(t).itemsize for t in STATISTICS.values())
        needed = self.chains * self.draws * per_draw
        available = _available_memory()
        if (available is not None and needed > available) or needed > 2**62:
            raise LeapfrogError(
                f"{self.chains} chains × {self.draws} draws × {self.draw_size} values need about {needed / 2**30:.3g} GiB "
                f"of draw buffers" + (f" (this machine has {available / 2**30:.3g} GiB available)" if available else "")
                + ": fewer chains or draws, or keep=\"moments\" (each chain's running moments only; the summary "
                "without the draws)", "configuration")
        try:
            self.values = np.zeros((self.chains, self.draws, self.draw_size))
        except MemoryError as e:
            raise LeapfrogError(f"cannot allocate the draw buffers ({needed / 2**30:.3g} GiB): fewer chains or draws, "
                                "or keep=\"moments\"", "configuration") from e
        check(self._lib.leapfrog_run_set_draw_buffer(self._handle, self.values.ctypes.data))
        for name, dtype in STATISTICS.items():
            buffer = np.zeros((self.chains, self.draws), dtype=dtype)
            check(self._lib.leapfrog_run_set_stat_buffer(self._handle, name.encode(), buffer.ctypes.data))
            self.statistics[name] = buffer

    def set_callbacks(self, progress: Callable[[Progress], Any] | None,
                      message: Callable[[str], Any] | None) -> None:
        """``progress`` after every iteration (a true return, or raising, stops the run);
        ``message`` for each of the run's messages. Both run on the executing thread."""

        def on_progress(_context: Any, phase: bytes, iteration: int, total: int, divergences: int, elbo: float) -> int:
            if progress is None or self._error is not None:
                return 1 if self._error is not None else 0
            try:
                stop = progress(Progress(phase.decode(), iteration, total, divergences, None if math.isnan(elbo) else elbo))
                return 1 if stop else 0
            except BaseException as e:  # noqa: BLE001 - handed back to the caller's thread
                self._error = e
                return 1

        def on_message(_context: Any, text: bytes) -> None:
            if message is not None:
                try:
                    message(text.decode("utf-8", "replace"))
                except BaseException as e:  # noqa: BLE001
                    self._error = self._error or e

        self._callbacks = (PROGRESS_FN(on_progress), MESSAGE_FN(on_message))
        check(self._lib.leapfrog_run_set_callbacks(self._handle, self._callbacks[0], self._callbacks[1], None))

    def stop(self) -> None:
        """Asks the run to stop at its next iteration (any thread)."""
        if self._handle:
            check(self._lib.leapfrog_run_stop(self._handle))

    def execute(self) -> dict[str, Any]:
        """Runs to the end on a worker thread; Ctrl-C (KeyboardInterrupt in the calling thread)
        stops it cleanly, keeping the draws so far. Returns the outcome (``leapfrog_run_result_json``).
        A second Ctrl-C while it winds down propagates."""
        status: list[tuple[int, str]] = []
        done = threading.Event()

        def work() -> None:
            try:
                code = self._lib.leapfrog_run_execute(self._handle)
                # The library keeps the message per thread: read it on this one.
                status.append((code, last_error() if code != 0 else ""))
            finally:
                self._running = False
                done.set()

        # An Event, not Thread.join: a join interrupted by KeyboardInterrupt can return early later.
        self._running = True
        threading.Thread(target=work, name="leapfrog-run", daemon=True).start()
        try:
            while not done.wait(0.05):
                pass
        except KeyboardInterrupt as e:
            self.stop()
            self._error = self._error or e
            while not done.wait(0.05):
                pass
        if not status:
            raise LeapfrogError("the run's thread ended without a status", "internal")
        code, message = status[0]
        if code != 0:
            raise LeapfrogError.from_status(code, message)
        return json.loads(self._lib.leapfrog_run_result_json(self._handle))

    @property
    def draws_written(self) -> int:
        return int(self._lib.leapfrog_run_draws_written(self._handle))

    @property
    def callback_error(self) -> BaseException | None:
        """What a callback raised (or the KeyboardInterrupt that stopped the run), if anything."""
        return self._error

    def close(self) -> None:
        """Frees the run; a run still executing (a second Ctrl-C left it winding down) is left to
        end, stopped, and never freed, rather than freed under its thread."""
        if getattr(self, "_running", False):
            self.stop()
            return
        handle, self._handle = getattr(self, "_handle", None), ctypes.c_void_p()
        if handle:
            self._lib.leapfrog_run_free(handle)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
