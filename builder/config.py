"""``course.yml``: the course's identity and build settings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.errors import Location, Reporter
from builder.fields import FieldReader, shown
from builder.grading import GradingSettings, read_grading
from builder.yamldoc import YamlDoc, load_yaml_file

COURSE_FILE = "course.yml"
DEFAULT_FORMATS = ("scorm12",)
DEFAULT_MASTERY_SCORE = 80
DEFAULT_MIN_TRANSLATION = 80


@dataclass(frozen=True, slots=True)
class CourseConfig:
    id: str
    """Stable course identifier; package names and manifest ids derive from it."""
    title: str
    version: str
    """The author's version, e.g. "1.2.0"; it is part of every package's file name."""
    language: str = "en"
    """BCP 47 tag of the language the sources are written in."""
    languages: tuple[str, ...] = ()
    """Languages to build; the source language alone when not given."""
    description: str = ""
    authors: tuple[str, ...] = ()
    licence: str = ""
    audience: str = ""
    keywords: tuple[str, ...] = ()
    """Search terms for catalogues; written into LOM metadata."""
    duration_minutes: int | None = None
    mastery_score: int = DEFAULT_MASTERY_SCORE
    """Percentage a learner needs to pass; SCORM 1.2 writes it as adlcp:masteryscore."""
    formats: tuple[str, ...] = DEFAULT_FORMATS
    """Formats `sabaq build` makes when --format is not given."""
    min_translation: int = DEFAULT_MIN_TRANSLATION
    """Percent of a course's segments that must be translated for a language to be built."""
    min_translation_by_language: tuple[tuple[str, int], ...] = ()
    """Languages with their own threshold (``min_translation: {default: 80, sd: 20}``),
    e.g. a regional language offered with its first module translated."""
    multilingual: bool = False
    """Also build one package per format holding every language, with a switcher."""
    navigation: str = "free"
    """``free``: any lesson from the outline; ``linear``: lessons open in order, each
    after the ones before it have been seen (kept by the player in LMS packages)."""
    grading: GradingSettings = field(default_factory=GradingSettings)
    """Which graded quizzes make the course score and how (see :mod:`builder.grading`)."""
    source: YamlDoc | None = field(default=None, compare=False, repr=False)

    def min_translation_for(self, lang: str) -> int:
        return dict(self.min_translation_by_language).get(lang, self.min_translation)

    def location(self, *keys: str | int) -> Location | None:
        return self.source.location(*keys) if self.source else None


KNOWN_KEYS = frozenset(
    {
        "id",
        "title",
        "description",
        "language",
        "languages",
        "version",
        "authors",
        "licence",
        "audience",
        "keywords",
        "duration",
        "mastery_score",
        "formats",
        "min_translation",
        "multilingual",
        "navigation",
        "grading",
    }
)


def find_courses(courses_root: Path) -> list[Path]:
    """Course folders (those holding course.yml) directly below ``courses_root``."""
    if not courses_root.is_dir():
        return []
    return sorted(p for p in courses_root.iterdir() if (p / COURSE_FILE).is_file())


def load_config(course_dir: Path, reporter: Reporter) -> CourseConfig | None:
    path = course_dir / COURSE_FILE
    if not path.is_file():
        reporter.error(
            f"no {COURSE_FILE} in the course folder",
            Location(course_dir),
            f"create {COURSE_FILE} with at least id, title and version (see README, 'Writing a course')",
        )
        return None
    doc = load_yaml_file(path, reporter)
    if doc is None:
        return None
    read = FieldReader(doc, reporter, COURSE_FILE)
    read.reject_unknown(KNOWN_KEYS)
    language = read.language("language", default="en")
    languages = read.text_list("languages", default=(language,))
    for index, tag in enumerate(languages):
        if not FieldReader.language_ok(tag):
            reporter.error(
                f"'{tag}' in 'languages' is not a language tag such as en, ur or pa-Arab",
                doc.location("languages", index),
            )
    return CourseConfig(
        id=read.slug("id", required=True, example="blockchain-foundations"),
        title=read.text("title", required=True, example="Blockchain foundations"),
        version=_version(read),
        language=language,
        languages=languages,
        description=read.text("description", multiline=True),
        authors=read.text_list("authors"),
        licence=read.text("licence"),
        audience=read.text("audience"),
        keywords=read.text_list("keywords"),
        duration_minutes=read.minutes("duration"),
        mastery_score=_mastery_score(read),
        formats=read.text_list("formats", default=DEFAULT_FORMATS),
        min_translation=_min_translation(read),
        min_translation_by_language=_min_translation_by_language(read),
        multilingual=read.flag("multilingual"),
        navigation=_navigation(read),
        grading=read_grading(doc, reporter),
        source=doc,
    )


_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]*$")


def _version(read: FieldReader) -> str:
    version = read.exact_text("version", required=True, example='"1.0.0"')
    if version and not _VERSION.match(version):
        read.reporter.error(
            f"'version' may hold only letters, digits and . + _ - (got '{version}')",
            read.doc.location("version"),
            'it becomes part of the package file name; for example: version: "1.0.0"',
        )
    return version


def _mastery_score(read: FieldReader) -> int:
    score = read.integer("mastery_score", low=0, high=100, default=DEFAULT_MASTERY_SCORE)
    return DEFAULT_MASTERY_SCORE if score is None else score


def _min_translation(read: FieldReader) -> int:
    """The threshold of every language, or of those a mapping does not name (``default``)."""
    value: Any = read.doc.data.get("min_translation")
    if isinstance(value, dict):
        default = _percent(read, value.get("default"), "default")
        return DEFAULT_MIN_TRANSLATION if default is None else default
    found = read.integer("min_translation", low=0, high=100, default=DEFAULT_MIN_TRANSLATION)
    return DEFAULT_MIN_TRANSLATION if found is None else found


def _min_translation_by_language(read: FieldReader) -> tuple[tuple[str, int], ...]:
    value: Any = read.doc.data.get("min_translation")
    if not isinstance(value, dict):
        return ()
    found: dict[str, int] = {}
    for lang, percent in value.items():
        if lang == "default":
            continue
        if not isinstance(lang, str) or not read.language_ok(lang):
            read.reporter.error(
                f"'min_translation' names {shown(lang)}, which is not a language tag",
                read.doc.location("min_translation", str(lang)),
                "name a language such as ur or pa-Arab, or 'default' for all the others",
            )
            continue
        checked = _percent(read, percent, lang)
        if checked is not None:
            found[lang] = checked
    return tuple(sorted(found.items()))


def _percent(read: FieldReader, value: Any, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        read.reporter.error(
            f"'min_translation' of '{key}' must be a whole number from 0 to 100 "
            f"(got {shown(value)})",
            read.doc.location("min_translation", key),
        )
        return None
    return value


NAVIGATION_MODES = ("free", "linear")


def _navigation(read: FieldReader) -> str:
    mode = read.text("navigation", default="free")
    if mode not in NAVIGATION_MODES:
        read.reporter.error(
            f"'navigation' must be free or linear (got '{mode}')",
            read.doc.location("navigation"),
            "linear opens lessons in order, each once the ones before it have been seen",
        )
        return "free"
    return mode
