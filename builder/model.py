"""The course as every package format sees it: modules of lessons, in order.

Identifiers come from folder and file names with their ordering prefix removed
(``01-ledgers`` becomes ``ledgers``), so reordering lessons or publishing a new
version keeps the ids that an LMS has stored learners' records under.
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from builder.config import CourseConfig

if TYPE_CHECKING:
    from builder.assessment import Quiz

CONTENT_DIR = "content"
"""Folder inside every package that mirrors the course folder."""


@dataclass(frozen=True, slots=True)
class Lesson:
    id: str
    """``<module-slug>/<lesson-slug>``: stable across versions, used for bookmarks."""
    title: str
    path: Path
    """Absolute path of the Markdown source."""
    relpath: str
    """POSIX path below the course folder, e.g. ``01-ledgers/02-hashes.md``."""
    body: str
    body_line: int
    """Line of ``path`` on which ``body`` starts (after front matter)."""
    duration_minutes: int | None = None
    objectives: tuple[str, ...] = ()

    @property
    def output_path(self) -> str:
        """Where the lesson's page lives inside a package."""
        stem = posixpath.splitext(self.relpath)[0]
        return f"{CONTENT_DIR}/{stem}.html"


@dataclass(frozen=True, slots=True)
class WebLink:
    """An outside page the module recommends ("further reading")."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Module:
    id: str
    title: str
    relpath: str
    lessons: tuple[Lesson, ...]
    description: str = ""
    links: tuple[WebLink, ...] = ()
    discussion: str = ""
    """A prompt for a discussion forum, in formats whose LMS has forums."""


@dataclass(frozen=True)
class Course:
    """A course, read-only; its lookups are worked out once (no slots, so they can be cached)."""

    config: CourseConfig
    root: Path
    modules: tuple[Module, ...]
    quizzes: tuple[Quiz, ...] = ()
    """Every quiz and knowledge check, in reading order (see :mod:`builder.assessment`)."""
    written_quizzes: tuple[Quiz, ...] | None = None
    """The quizzes as the lessons hold them, when ``quizzes`` are translated: pages show
    the lessons' blocks, translating them as they render."""

    @cached_property
    def graded_quizzes(self) -> tuple[Quiz, ...]:
        """The quizzes whose scores make the course score (module quizzes and exams)."""
        return tuple(quiz for quiz in self.quizzes if quiz.kind.graded)

    def quizzes_of(self, lesson: Lesson) -> tuple[Quiz, ...]:
        return self._quizzes_by_lesson.get(lesson.id, ())

    def written_quizzes_of(self, lesson: Lesson) -> tuple[Quiz, ...]:
        """The quizzes of ``lesson`` as its blocks hold them, untranslated."""
        if self.written_quizzes is None:
            return self.quizzes_of(lesson)
        return self._written_by_lesson.get(lesson.id, ())

    @cached_property
    def lessons(self) -> tuple[Lesson, ...]:
        return tuple(lesson for module in self.modules for lesson in module.lessons)

    def lesson_by_relpath(self, relpath: str) -> Lesson | None:
        return self._lessons_by_relpath.get(relpath)

    def module_of(self, lesson: Lesson) -> Module:
        return self._modules_by_lesson[lesson.id]

    def neighbours(self, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
        """The lessons before and after ``lesson`` in reading order."""
        order = self.lessons
        index = self._positions[lesson.id]
        before = order[index - 1] if index > 0 else None
        after = order[index + 1] if index + 1 < len(order) else None
        return before, after

    # Every page asks these of every lesson: a course of a thousand lessons cannot
    # afford to search for them.
    @cached_property
    def _quizzes_by_lesson(self) -> dict[str, tuple[Quiz, ...]]:
        return _by_lesson(self.quizzes)

    @cached_property
    def _written_by_lesson(self) -> dict[str, tuple[Quiz, ...]]:
        return _by_lesson(self.written_quizzes or ())

    @cached_property
    def _lessons_by_relpath(self) -> dict[str, Lesson]:
        found: dict[str, Lesson] = {}
        for lesson in self.lessons:
            found.setdefault(lesson.relpath, lesson)
        return found

    @cached_property
    def _modules_by_lesson(self) -> dict[str, Module]:
        return {lesson.id: module for module in self.modules for lesson in module.lessons}

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {lesson.id: index for index, lesson in enumerate(self.lessons)}


def _by_lesson(quizzes: tuple[Quiz, ...]) -> dict[str, tuple[Quiz, ...]]:
    found: dict[str, list[Quiz]] = {}
    for quiz in quizzes:
        found.setdefault(quiz.lesson_id, []).append(quiz)
    return {lesson_id: tuple(each) for lesson_id, each in found.items()}


def progress_keys(lesson_ids: list[str]) -> dict[str, str]:
    """Short, stable keys for lessons, used in the runtime's saved progress.

    SCORM 1.2 allows 4,096 characters of suspend_data for the whole course, so the
    runtime cannot store full ids; a key derived from the id (not the position)
    survives lessons being added or reordered in a later version.
    """
    return dict(_progress_keys(tuple(lesson_ids)))


@lru_cache(maxsize=32)
def _progress_keys(lesson_ids: tuple[str, ...]) -> dict[str, str]:
    # Every page, manifest and runtime of a build asks for the same few sets of keys.
    for length in range(5, 33):
        keys = {
            lesson_id: base64.b32encode(hashlib.sha1(lesson_id.encode()).digest())
            .decode()
            .lower()[:length]
            for lesson_id in lesson_ids
        }
        if len(set(keys.values())) == len(keys):
            return keys
    raise AssertionError("sha1 prefixes of 32 characters cannot collide for distinct ids")
