"""Puts libLeapfrogC into the package when it is built (`pip install ./python`).

The library is taken from, first found wins:
1. LEAPFROG_LIBRARY (a path to libLeapfrogC.so / .dylib);
2. the repository's .build/release, then .build/debug;
3. otherwise it is built: `swift build -c release --product LeapfrogC` in the repository (minutes).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

NAME = "libLeapfrogC.dylib" if sys.platform == "darwin" else "libLeapfrogC.so"
REPOSITORY = Path(__file__).resolve().parent.parent


def locate() -> Path:
    env = os.environ.get("LEAPFROG_LIBRARY")
    if env:
        path = Path(env)
        if not path.is_file():
            sys.exit(f"LEAPFROG_LIBRARY={env} is not a file")
        return path
    for configuration in ("release", "debug"):
        path = REPOSITORY / ".build" / configuration / NAME
        if path.is_file():
            return path
    if not (REPOSITORY / "Package.swift").is_file() or shutil.which("swift") is None:
        sys.exit(f"cannot find {NAME}: set LEAPFROG_LIBRARY to its path, or install from the Leapfrog "
                 "repository with `swift` on PATH")
    print("building libLeapfrogC: swift build -c release --product LeapfrogC", file=sys.stderr)
    subprocess.run(["swift", "build", "-c", "release", "--product", "LeapfrogC"], cwd=REPOSITORY, check=True)
    return REPOSITORY / ".build" / "release" / NAME


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "leapfrog" / "_lib"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(locate(), target / NAME)


class BinaryDistribution(Distribution):
    """A platform wheel: it carries a shared library."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithLibrary}, distclass=BinaryDistribution)
