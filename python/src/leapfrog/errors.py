"""The exception every Leapfrog failure raises."""

from __future__ import annotations

import re

__all__ = ["LeapfrogError"]

#: Status codes of include/leapfrog.h and the kind each names.
KINDS: dict[int, str] = {
    1: "data",
    2: "model",
    3: "configuration",
    4: "device",
    5: "sampling",
    6: "io",
    7: "argument",
    8: "internal",
}


class LeapfrogError(Exception):
    """A Leapfrog error, carrying Leapfrog's own message (with the file, line, column or variable
    at fault) and its kind: ``data``, ``model``, ``configuration``, ``device``, ``sampling``,
    ``io``, ``argument`` (a wrong call from Python: a shape, a type) or ``internal``.

    >>> try:
    ...     leapfrog.Model("eight-school")
    ... except leapfrog.LeapfrogError as e:
    ...     print(e.kind, e)
    configuration unknown model 'eight-school'; did you mean 'eight-schools'? ...
    """

    def __init__(self, message: str, kind: str = "argument", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.status = status

    @classmethod
    def from_status(cls, status: int, message: str) -> "LeapfrogError":
        return cls(python_words(message) or f"Leapfrog failed with status {status}", KINDS.get(status, "internal"), status)


_FLAG = re.compile(r"(?<![\w-])--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)")


def python_words(message: str) -> str:
    """The library's messages name the command line's options (``--max-depth must be at least
    1``); from Python they name the keyword arguments (``max_depth must be at least 1``)."""
    return _FLAG.sub(lambda m: m.group(1).replace("-", "_"), message)
