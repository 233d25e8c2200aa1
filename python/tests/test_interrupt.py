"""A run stopped from Python (a callback, another thread, Ctrl-C) keeps the draws made so far."""

from __future__ import annotations

import os
import signal
import threading

import numpy as np
import pytest

import leapfrog
from leapfrog.run import Run, cli_arguments

SMALL = dict(chains=2, warmup=50, draws=1000, seed=5)


def stop_at(k: int):
    def callback(p: leapfrog.Progress) -> bool:
        return p.phase == "sampling" and p.iteration == SMALL["warmup"] + k
    return callback


def test_a_callback_returning_true_keeps_the_draws(schools) -> None:
    draws = leapfrog.sample(schools, **SMALL, progress=stop_at(7), inference_data=False)
    assert draws.interrupted
    assert draws["mu"].shape == (2, 7)
    # The kept draws are the first 7 of an uninterrupted run with the same seed.
    full = leapfrog.sample(schools, **{**SMALL, "draws": 7}, progress=False, inference_data=False)
    assert np.array_equal(draws["theta"], full["theta"])


def test_a_callback_raising_keyboard_interrupt_keeps_the_draws(schools) -> None:
    def callback(p: leapfrog.Progress) -> None:
        if p.phase == "sampling" and p.iteration == SMALL["warmup"] + 3:
            raise KeyboardInterrupt

    draws = leapfrog.sample(schools, **SMALL, progress=callback, inference_data=False)
    assert draws.interrupted and draws["mu"].shape == (2, 3)


def test_a_callback_raising_another_error_stops_and_reraises(schools) -> None:
    def callback(p: leapfrog.Progress) -> None:
        raise RuntimeError("from the callback")

    with pytest.raises(RuntimeError, match="from the callback"):
        leapfrog.sample(schools, **SMALL, progress=callback, inference_data=False)


def test_stop_from_another_thread_keeps_the_draws(schools, tmp_path) -> None:
    run = Run(schools, "sample", cli_arguments({**SMALL, "quiet": True, "output": str(tmp_path / "run"), "csv": True}))
    reached, resume = threading.Event(), threading.Event()

    def progress(p: leapfrog.Progress) -> None:
        if p.phase == "sampling" and p.iteration == SMALL["warmup"] + 4:
            reached.set()
            resume.wait()

    def stopper() -> None:
        reached.wait()
        run.stop()
        resume.set()

    run.attach_buffers()
    run.set_callbacks(progress, None)
    thread = threading.Thread(target=stopper)
    thread.start()
    result = run.execute()
    thread.join()
    assert result["interrupted"] and result["draws"] == 4 and run.draws_written == 4
    assert np.all(run.values[:, :4] != 0) and np.all(run.values[:, 4:] == 0)
    # The files were closed with the draws so far, marked interrupted.
    lines = [line for line in (tmp_path / "run" / "chain-1.csv").read_text().splitlines() if not line.startswith("#")]
    assert len(lines) == 1 + 4
    run.close()


def test_ctrl_c_keeps_the_draws(schools) -> None:
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")

    def progress(p: leapfrog.Progress) -> None:
        if p.phase == "sampling" and p.iteration == SMALL["warmup"] + 2:
            os.kill(os.getpid(), signal.SIGINT)   # as Ctrl-C does, while the main thread waits

    # Python's own Ctrl-C handler, as in an interactive session (a process started in the
    # background, as CI may start this one, inherits SIGINT ignored).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        draws = leapfrog.sample(schools, **SMALL, progress=progress, inference_data=False)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert draws.interrupted
    assert 2 <= draws["mu"].shape[1] < SMALL["draws"]
    assert np.all(np.isfinite(draws["mu"]))
