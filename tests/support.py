"""Helpers the tests share: scenario courses, building, and the official schema validator."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import zipfile
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner, Result

REPO = Path(__file__).resolve().parent.parent
ROOTS = Path(__file__).resolve().parent / "roots"
SHARED = REPO.parent / "shared"
SAMPLE_COURSE = REPO / "courses" / "blockchain-foundations"
GOLDEN = Path(__file__).resolve().parent / "golden"


def copy_root(name: str, destination: Path) -> Path:
    """A private copy of the scenario course ``tests/roots/<name>`` that a test may change."""
    target = destination / name
    shutil.copytree(ROOTS / name, target)
    return target


@cache
def load_validator() -> ModuleType:
    """``../shared/schemas/validate.py``; the tests cannot run without it."""
    path = SHARED / "schemas" / "validate.py"
    if not path.is_file():
        raise RuntimeError(
            f"the schema validator is missing: expected {path} beside the repository"
        )
    spec = importlib.util.spec_from_file_location("sabaq_shared_validate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def schema_problems(package: Path) -> list[str]:
    """Every error and warning the official validator reports for ``package``."""
    validator = load_validator()
    return [str(problem) for problem in validator.validate(str(package))]


def zip_names(package: Path) -> list[str]:
    with zipfile.ZipFile(package) as archive:
        return archive.namelist()


def read_entry(package: Path, name: str) -> bytes:
    with zipfile.ZipFile(package) as archive:
        return archive.read(name)


def sabaq(*args: str) -> Result:
    """Run the ``sabaq`` command in-process, as a user would type it."""
    from builder.cli import main

    return CliRunner().invoke(main, list(args))


def require_tool(*names: str, install: str) -> str:
    """The path of the first of ``names`` on PATH, or the test cannot run.

    Under ``CI`` a missing tool fails the test (CI must install it; nothing may be
    skipped there for lack of a tool); on a developer's machine it is skipped, saying
    how to install it.
    """
    for name in names:
        if found := shutil.which(name):
            return found
    message = f"{names[0]} is not installed: {install}"
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(message)
    pytest.skip(message)
