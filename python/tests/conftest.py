"""Shared fixtures: the repository, the `leapfrog` CLI built beside the library, a CLI runner."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

import leapfrog

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def repository() -> Path:
    return REPOSITORY


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `leapfrog` binary: LEAPFROG_CLI, else the one built beside the loaded library, else the
    repository's .build/debug or .build/release."""
    env = os.environ.get("LEAPFROG_CLI")
    candidates = [Path(env)] if env else []
    candidates.append(Path(leapfrog.library_path()).with_name("leapfrog"))
    candidates += [REPOSITORY / ".build" / c / "leapfrog" for c in ("debug", "release")]
    for c in candidates:
        if c.is_file():
            return c
    pytest.fail(f"no leapfrog binary (tried {', '.join(map(str, candidates))}): run `swift build` or set LEAPFROG_CLI")


@pytest.fixture(scope="session")
def run_cli(cli: Path):
    def run(*args: str) -> str:
        done = subprocess.run([str(cli), *args], capture_output=True, text=True, cwd=REPOSITORY)
        assert done.returncode == 0, done.stderr
        return done.stdout
    return run


@pytest.fixture(scope="session")
def schools() -> leapfrog.Model:
    return leapfrog.Model("eight-schools", backend="cpu")


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text())
