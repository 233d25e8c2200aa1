"""README.md's Python example runs as written (from the repository root), so the README cannot
show code that does not work."""

from __future__ import annotations

import re

import leapfrog


def test_the_readme_example_runs(repository, monkeypatch) -> None:
    text = (repository / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    example = next(b for b in blocks if "leapfrog.Model(" in b and "jax" not in b)
    monkeypatch.chdir(repository)
    scope: dict = {}
    exec(compile(example, "README.md", "exec"), scope)
    assert scope["m"].dim == 10 and scope["logp"].shape == (64,) and scope["grad"].shape == (64, 10)
    draws = scope["idata"]
    assert (draws["mu"] if isinstance(draws, leapfrog.Draws) else draws.posterior["mu"]).shape == (8, 200)
    assert scope["fit"]["method"] == "variational" and len(scope["fit"]["mean"]) == 10
