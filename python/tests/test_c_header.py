"""include/leapfrog.h matches the library: examples/c/sample_eight_schools.c compiles with
-Wall -Werror against it, links libLeapfrogC and runs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import leapfrog


def test_the_c_example_builds_and_runs(repository: Path, tmp_path: Path) -> None:
    compiler = shutil.which("cc") or shutil.which("clang") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler")
    library = Path(leapfrog.library_path())
    binary = tmp_path / "schools"
    subprocess.run([compiler, "-std=c11", "-Wall", "-Werror", f"-I{repository / 'include'}",
                    str(repository / "examples" / "c" / "sample_eight_schools.c"), str(library),
                    f"-Wl,-rpath,{library.parent}", "-o", str(binary)], check=True)
    out = subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0].startswith("dimension 10, mu, log density at 0: -43.43")
    assert out[1].startswith("mean of mu over 200 draws: ")
    result = json.loads(out[2])
    assert result["draws"] == 50 and result["chains"] == 4 and not result["interrupted"]
    assert out[3].startswith("error: unknown model 'eight-school'")
