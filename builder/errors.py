"""Diagnostics that point at a file and line, and the exceptions that carry them.

The library never prints or exits: loaders and renderers add :class:`Diagnostic`
objects to a :class:`Reporter` and carry on to the end of their phase, so an author
sees every problem at once. At the end of the phase :meth:`Reporter.raise_if_errors`
turns any error into a :class:`CourseError`; only the CLI turns that into output and
an exit code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class Level(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a source file; ``line`` is 1-based, ``None`` for the whole file."""

    path: Path
    line: int | None = None

    def display(self) -> str:
        shown = display_path(self.path)
        return f"{shown}:{self.line}" if self.line is not None else shown


@dataclass(frozen=True, slots=True)
class Diagnostic:
    level: Level
    message: str
    location: Location | None = None
    hint: str | None = None

    def format(self) -> str:
        where = f"{self.location.display()}: " if self.location else ""
        text = f"{where}{self.level.value}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def sort_key(self) -> tuple[str, int, str]:
        if self.location is None:
            return ("", 0, self.message)
        return (str(self.location.path), self.location.line or 0, self.message)


class CourseError(Exception):
    """A problem in the author's sources or the user's request; carries every diagnostic."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


class UsageError(Exception):
    """The command line asked for something that does not exist (exit code 2)."""


@dataclass
class Reporter:
    """Collects diagnostics for one phase of the build."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def error(
        self, message: str, location: Location | None = None, hint: str | None = None
    ) -> None:
        self.diagnostics.append(Diagnostic(Level.ERROR, message, location, hint))

    def warning(
        self, message: str, location: Location | None = None, hint: str | None = None
    ) -> None:
        self.diagnostics.append(Diagnostic(Level.WARNING, message, location, hint))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level is Level.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level is Level.WARNING]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise CourseError(self.diagnostics)


def display_path(path: Path) -> str:
    """Show ``path`` relative to the working directory when it lies below it.

    Authors run ``sabaq`` from the repository root, so ``courses/x/course.yml`` is
    what their editor can open; anything elsewhere keeps its absolute form.
    """
    try:
        return (
            Path(os.path.relpath(path)).as_posix()
            if path.is_absolute() and _below_cwd(path)
            else path.as_posix()
        )
    except ValueError:
        return path.as_posix()


def _below_cwd(path: Path) -> bool:
    try:
        path.relative_to(Path.cwd())
    except ValueError:
        return False
    return True
