"""constraints.txt pins every package Sabaq and its tests install, at what is installed.

A fresh clone must build and test with exactly what CI ran; a dependency added to
pyproject.toml without a pin, or a .venv that drifted from the pins, would let a new
release (a new CLDR in Babel, a new ruff rule) break a clone that nothing else changed.
"""

from __future__ import annotations

import tomllib
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support import REPO


def pins() -> dict[str, str]:
    lines = (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines()
    found: dict[str, str] = {}
    for line in lines:
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            found[canonicalize_name(name)] = version.strip()
    return found


def declared() -> list[Requirement]:
    """pyproject.toml's dependencies and its `test` extra."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    texts = project["dependencies"] + project["optional-dependencies"]["test"]
    return [Requirement(text) for text in texts]


def applies(requirement: Requirement, extras: frozenset[str]) -> bool:
    marker = requirement.marker
    return marker is None or any(marker.evaluate({"extra": extra}) for extra in extras or {""})


def needed() -> set[str]:
    """Every package the declared ones pull in, as their installed metadata says."""
    todo = [(r.name, frozenset(r.extras)) for r in declared() if applies(r, frozenset())]
    seen: set[str] = set()
    while todo:
        name, extras = todo.pop()
        key = canonicalize_name(name)
        if key in seen:
            continue
        seen.add(key)
        requirements = [Requirement(text) for text in metadata.requires(name) or []]
        todo += [(r.name, frozenset(r.extras)) for r in requirements if applies(r, extras)]
    return seen


def test_every_dependency_is_pinned_and_nothing_else() -> None:
    assert sorted(needed() - pins().keys()) == [], "add these to constraints.txt"
    assert sorted(pins().keys() - needed()) == [], "no dependency needs these pins"


def test_the_environment_runs_the_pinned_versions() -> None:
    installed = {name: metadata.version(name) for name in pins()}
    assert installed == pins(), "run: bash scripts/setup.sh --test"
