"""ruff and mypy --strict over builder/ and tests/, so CI holds every change to them."""

from __future__ import annotations

import subprocess
import sys

from tests.support import REPO


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=REPO, capture_output=True, text=True, check=False
    )


def test_ruff_lint_is_clean() -> None:
    completed = run("ruff", "check", "builder", "tests")
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_ruff_format_is_clean() -> None:
    completed = run("ruff", "format", "--check", "builder", "tests")
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_mypy_strict_is_clean() -> None:
    completed = run("mypy", "--strict", "builder", "tests")
    assert completed.returncode == 0, completed.stdout + completed.stderr
