"""Leapfrog from Python: batched HMC/NUTS/ChEES over many chains (OpenCL kernels, a CPU
reference) through its C ABI.

>>> import leapfrog
>>> idata = leapfrog.sample("eight-schools", chains=8, seed=1)     # ArviZ InferenceData (or a dict)
>>> m = leapfrog.Model("bnn", backend="cpu")
>>> logp, grad = m.logdensity_and_grad(np.zeros((64, m.dim)))      # one batched call

The library is found through ``LEAPFROG_LIBRARY``, the copy installed with the package, or the
repository's ``.build`` (see ``leapfrog._library``).
"""

from __future__ import annotations

from ._library import library, library_path
from .draws import Draws
from .errors import LeapfrogError
from .model import Model
from .run import Progress
from .sampling import sample, variational

__all__ = ["Model", "sample", "variational", "Draws", "Progress", "LeapfrogError", "library_path", "version"]


def version() -> str:
    """The version of the loaded libLeapfrogC."""
    return library().leapfrog_version().decode()
