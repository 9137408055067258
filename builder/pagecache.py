"""Lesson pages kept between builds, so an edit re-renders only the lessons it touched.

A lesson's page depends on its own Markdown and on a small part of the rest of the
course. :func:`site_key` hashes what every page shares: Sabaq's own code,
``course.yml``, the translations and theme catalog of the language, the place of every
module and lesson (links to other lessons are checked and written by place), the ids
of every quiz (a quiz's key in the saved state is as long as the set of ids needs)
and the course's grading (every graded quiz's key, points and weight). Each page adds
its neighbourhood (:class:`_Neighbourhood`): its module, the lessons before and after
it, and what its outline shows of other modules. A page is kept under the hash of
these and its own lesson, so an edit to one lesson's prose, or to its quiz's wording,
renders that lesson alone again, and retitling a lesson of a large course renders its
module's pages again.

A kept page is used only if every file it packages (images, downloads) is still a
file inside the course, as when the lesson was checked, with the same bytes (the page
gives each image its size); otherwise the lesson is rendered again and reports what
changed. Warnings its rendering gave are kept with it and reported again. Pages whose
rendering reported an error are never kept.

Pages are kept on a shelf (:class:`builder.buildcache.Shelf`) per course, language
and page kind, holding the last build's pages only. Deleting any of the cache only
makes the next build slower: a kept page is the page a cold build renders, byte for
byte (tested).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from builder.buildcache import (
    Shelf,
    code_fingerprint,
    diagnostic_entry,
    diagnostic_from,
    entry_name,
)
from builder.config import COURSE_FILE
from builder.errors import Diagnostic, Level
from builder.markdown import still_packageable
from builder.model import Course, Lesson, Module

ENTRY_VERSION = 2


@dataclass(frozen=True, slots=True)
class LessonPage:
    """A lesson's page as rendered, with the files it uses and what rendering reported."""

    html: bytes
    assets: tuple[str, ...]
    """Course-relative paths of the images and downloads the page uses, sorted."""
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def failed(self) -> bool:
        return any(d.level is Level.ERROR for d in self.diagnostics)


def site_key(course: Course, *parts: object) -> str:
    """What every page of ``course`` depends on besides its own lesson and its
    neighbourhood (module doc).

    ``parts`` are the rest of what shapes the pages: language, page kind, quiz keys,
    grading, and the digests of the translations and theme catalog. Every lesson's
    place counts here, since a link to any lesson is checked and written by its place.
    """
    places = [
        [module.id, module.relpath, [[lesson.id, lesson.relpath] for lesson in module.lessons]]
        for module in course.modules
    ]
    return entry_name(
        code_fingerprint(), course.root, *parts, _read(course.root / COURSE_FILE), _json(places)
    )


def digest_of(messages: Mapping[str, str] | None, *files: Path | None) -> str:
    """A translation mapping and catalog files, hashed, for :func:`site_key`."""
    texts = _json(sorted(messages.items())) if messages is not None else b"-"
    return entry_name(texts, *(b"-" if path is None else _read(path) for path in files))


class _Neighbourhood:
    """What a page shows of other lessons: its module, the outline, previous and next.

    With a compact outline (a large course) a page lists its own module's lessons and
    each other module by its title and first lesson, so retitling a lesson renders its
    module's pages and its neighbours again, not the whole course.
    """

    def __init__(self, course: Course, compact: bool) -> None:
        self._course = course
        self._modules = {module.id: _module_digest(module) for module in course.modules}
        shown = (
            [
                [m.title, _lesson_summary(m.lessons[0]) if m.lessons else None]
                for m in course.modules
            ]
            if compact
            else sorted(self._modules.items())
        )
        self._outline = entry_name(_json(shown))

    def of(self, lesson: Lesson) -> str:
        before, after = self._course.neighbours(lesson)
        module = self._modules[self._course.module_of(lesson).id]
        return entry_name(
            self._outline, module, _json([_lesson_summary(before), _lesson_summary(after)])
        )


def _module_digest(module: Module) -> str:
    return entry_name(
        _json(
            [
                module.id,
                module.title,
                module.description,
                module.discussion,
                [[link.title, link.url] for link in module.links],
                [_lesson_outline(lesson) for lesson in module.lessons],
            ]
        )
    )


def _lesson_summary(lesson: Lesson | None) -> list[str] | None:
    return None if lesson is None else [lesson.id, lesson.title, lesson.relpath]


def _lesson_outline(lesson: Lesson) -> list[object]:
    return [
        lesson.id,
        lesson.title,
        lesson.relpath,
        lesson.duration_minutes,
        list(lesson.objectives),
    ]


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


class PageCache:
    """The kept pages of one course, language and page kind."""

    def __init__(
        self,
        course: Course,
        key: str,
        shelf: str,
        asset_bytes: Callable[[str], bytes],
        *,
        compact: bool,
    ) -> None:
        self._course = course
        self._key = key
        self._asset_bytes = asset_bytes
        """Reads a course file by its course-relative path (the site reads each once)."""
        self._neighbourhood = _Neighbourhood(course, compact)
        self._shelf = Shelf("pages", entry_name(str(course.root), shelf)[:24])
        self._packageable: dict[str, bool] = {}

    def recall(self, lesson: Lesson) -> LessonPage | None:
        kept = self._shelf.recall(self._entry_name(lesson), _kept_page)
        if kept is None:
            return None
        asset_digest, page = kept
        if not all(self._still_packageable(asset) for asset in page.assets):
            return None
        if asset_digest != self._asset_digest(page):
            return None  # an image changed, and with it the size the page gives it
        return page

    def keep(self, lesson: Lesson, page: LessonPage) -> None:
        if not page.failed:
            asset_digest = self._asset_digest(page)
            data = _entry(page, asset_digest)
            self._shelf.keep(self._entry_name(lesson), data, (asset_digest, page))

    def _still_packageable(self, asset: str) -> bool:
        # Asked once per file: many pages show the same images.
        known = self._packageable.get(asset)
        if known is None:
            known = self._packageable[asset] = still_packageable(self._course.root, asset)
        return known

    def _asset_digest(self, page: LessonPage) -> str | None:
        try:
            return entry_name(*(self._asset_bytes(asset) for asset in page.assets))
        except OSError:
            return None

    def store(self) -> None:
        """Keep this build's new pages; drop those no lesson of this build asked for."""
        self._shelf.store()

    def _entry_name(self, lesson: Lesson) -> str:
        neighbourhood = self._neighbourhood.of(lesson)
        parts = (self._key, neighbourhood, lesson.relpath, str(lesson.body_line), lesson.body)
        return entry_name(*parts)


_HEADER_SIZE = 4


def _entry(page: LessonPage, asset_digest: str | None) -> bytes:
    """The page as kept: the length of a JSON header, the header, then the page's bytes.

    The page itself stays out of the JSON, which would escape it on the way in and
    unescape it on every rebuild.
    """
    header = {
        "version": ENTRY_VERSION,
        "assets": list(page.assets),
        "diagnostics": [diagnostic_entry(d) for d in page.diagnostics],
        "asset_digest": asset_digest,
    }
    encoded = _json(header)
    return len(encoded).to_bytes(_HEADER_SIZE, "big") + encoded + page.html


def _kept_page(data: bytes) -> tuple[str | None, LessonPage] | None:
    """A kept page and the digest of its files as they were, or None if it is damaged."""
    end = _HEADER_SIZE + int.from_bytes(data[:_HEADER_SIZE], "big")
    try:
        if len(data) < end:
            raise ValueError("a truncated entry")
        entry = json.loads(data[_HEADER_SIZE:end])
        if entry["version"] != ENTRY_VERSION:
            raise ValueError("an entry of another version")
        page = LessonPage(
            html=data[end:],
            assets=tuple(str(asset) for asset in entry["assets"]),
            diagnostics=tuple(diagnostic_from(d) for d in entry["diagnostics"]),
        )
        return entry.get("asset_digest"), page
    except (ValueError, KeyError, TypeError):
        return None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""
