"""What a package format is: a name, a file suffix, and a way to package a site."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from builder.model import Course
from builder.render import Site


@dataclass(frozen=True, slots=True)
class NothingToPackage:
    """Why a course gives a format nothing to package, and what the author can do."""

    reason: str
    hint: str


class PackageFormat(ABC):
    """One kind of package. Subclasses declare their attributes and implement ``package``.

    ``package`` is pure: it returns the archive's entries (package path → bytes) and
    writes nothing, so every package can be checked before any file is written.
    """

    name: ClassVar[str]
    """The value of ``--format`` and of ``formats:`` in course.yml."""
    label: ClassVar[str]
    """The standard's name as admins know it."""
    suffix: ClassVar[str] = ".zip"
    multilingual: ClassVar[bool] = False
    """Can hold several languages with a switcher (formats whose player keeps the session)."""
    graded_in_pages: ClassVar[bool] = True
    """False when the LMS runs the graded quizzes itself (exported as its own quizzes)."""
    carries_theme: ClassVar[bool] = True
    """The package holds the theme (styles, script, fonts); False where the LMS shows
    each page in its own layout, so the fonts need not be cut for it."""
    has_manifest: ClassVar[bool] = True
    """The package has an IMS manifest or cmi5 course structure that ``sabaq validate`` checks."""
    also_folder: ClassVar[bool] = False
    """Also write the package unpacked, in a folder named like the archive without suffix."""

    def nothing_to_package(self, course: Course) -> NothingToPackage | None:
        """Why ``course`` has nothing for this format, which then builds no package."""
        return None

    @abstractmethod
    def package(self, site: Site) -> dict[str, bytes]:
        """The entries of the package for ``site``."""
