"""The build pipeline: load → render → package → write.

Every package of the request is built in memory and checked before the first file
is written, so a mistake in any lesson leaves ``dist/`` exactly as it was.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polib

from builder.archive import write_folder, write_zip
from builder.config import COURSE_FILE
from builder.errors import Diagnostic, Location, Reporter, display_path
from builder.formats import available_formats, get_format
from builder.i18n import (
    UI_DOMAIN,
    catalog_path,
    catalog_stats,
    localise_course,
    read_catalog,
    translations,
)
from builder.markdown import Localiser
from builder.model import Course
from builder.quizzes import SUSPEND_DATA_LIMITS, worst_case_state_size
from builder.render import Site, render_site, text_direction
from builder.sources import load_course
from builder.validate import validate_entries

ALL_FORMATS = "all"


@dataclass(frozen=True, slots=True)
class PlannedPackage:
    course_id: str
    lang: str
    format: str
    filename: str
    entries: dict[str, bytes]
    folder: str | None = None
    """Name of the unpacked copy, for formats that also write one."""


@dataclass(frozen=True, slots=True)
class BuiltPackage:
    path: Path
    course_id: str
    lang: str
    format: str
    size: int
    file_count: int
    folder: Path | None = None


@dataclass
class BuildResult:
    packages: list[BuiltPackage] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)


Progress = Callable[[str], None]


def find_courses(courses_root: Path) -> list[Path]:
    """Course folders (those holding course.yml) directly below ``courses_root``."""
    if not courses_root.is_dir():
        return []
    return sorted(p for p in courses_root.iterdir() if (p / COURSE_FILE).is_file())


def build(
    course_dirs: Sequence[Path],
    out_dir: Path,
    formats: Sequence[str] | None = None,
    progress: Progress = lambda message: None,
    languages: Sequence[str] | None = None,
    locales_dir: Path | None = None,
) -> BuildResult:
    """Build every requested package; raises CourseError before writing anything.

    ``languages`` defaults to each course's ``languages``; translations come from
    ``locales_dir``, by default the ``locales/`` folder beside ``courses/``.
    """
    reporter = Reporter()
    planned = plan_packages(course_dirs, formats, reporter, progress, languages, locales_dir)
    result = BuildResult(warnings=reporter.warnings)
    for package in planned:
        path = out_dir / package.filename
        write_zip(package.entries, path)
        folder = out_dir / package.folder if package.folder is not None else None
        if folder is not None:
            write_folder(package.entries, folder)
        result.packages.append(
            BuiltPackage(
                path=path,
                course_id=package.course_id,
                lang=package.lang,
                format=package.format,
                size=path.stat().st_size,
                file_count=len(package.entries),
                folder=folder,
            )
        )
    return result


def plan_packages(
    course_dirs: Sequence[Path],
    formats: Sequence[str] | None,
    reporter: Reporter,
    progress: Progress,
    languages: Sequence[str] | None = None,
    locales_dir: Path | None = None,
) -> list[PlannedPackage]:
    courses = []
    for course_dir in course_dirs:
        progress(f"loading {course_dir}")
        course = load_course(course_dir, reporter)
        if course is not None:
            courses.append(course)
    wanted = {course.config.id: _formats_for(course, formats, reporter) for course in courses}
    _check_distinct_ids(courses, reporter)
    for course in courses:
        _check_saved_state_fits(course, wanted[course.config.id], reporter)
    reporter.raise_if_errors()

    planned = []
    for course in courses:
        catalogs = locales_dir or course.root.parent.parent / "locales"
        sites = []
        for rendition in renditions(
            course, languages or course.config.languages, catalogs, reporter
        ):
            progress(f"rendering {course.config.id} ({rendition.lang})")
            variants: dict[bool, Site] = {}
            for name in wanted[course.config.id]:
                in_pages = get_format(name).graded_in_pages
                if in_pages not in variants:
                    variants[in_pages] = render_site(
                        rendition.course,
                        rendition.lang,
                        reporter,
                        rendition.localiser,
                        rendition.ui_catalog,
                        graded_in_pages=in_pages,
                    )
                planned.append(
                    _package(variants[in_pages], rendition.lang, name, reporter, progress)
                )
            if True in variants:
                sites.append(variants[True])
        if course.config.multilingual and len(sites) > 1:
            combined = Site.multilingual(sites)
            for name in wanted[course.config.id]:
                if get_format(name).multilingual:
                    planned.append(_package(combined, MULTILINGUAL, name, reporter, progress))
    reporter.raise_if_errors()
    return planned


MULTILINGUAL = "mul"
"""The language part of a multilingual package's name (ISO 639's code for several languages)."""


def _package(
    site: Site, lang: str, name: str, reporter: Reporter, progress: Progress
) -> PlannedPackage:
    config = site.course.config
    progress(f"packaging {config.id} ({lang}, {name})")
    package_format = get_format(name)
    stem = f"{config.id}-{config.version}-{lang}-{name}"
    entries = package_format.package(site)
    _check_package(stem + package_format.suffix, entries, reporter)
    return PlannedPackage(
        config.id,
        lang,
        name,
        stem + package_format.suffix,
        entries,
        folder=stem if package_format.also_folder else None,
    )


def _check_saved_state_fits(course: Course, formats: Sequence[str], reporter: Reporter) -> None:
    """Refuse a course whose saved progress could outgrow what its standard lets an LMS keep.

    An LMS may cut suspend_data at the limit, and the learner would then lose answers
    and progress without a word; better to say so when building.
    """
    size = worst_case_state_size(course)
    for name in formats:
        limit = SUSPEND_DATA_LIMITS.get(name)
        if limit is not None and size > limit:
            reporter.error(
                f"the course could save up to {size:,} characters of progress and answers, "
                f"more than {get_format(name).label} lets an LMS keep ({limit:,})",
                course.config.location("formats") or course.config.location(),
                "split the course, make pools draw fewer questions, or build scorm2004 instead",
            )


def _check_package(name: str, entries: dict[str, bytes], reporter: Reporter) -> None:
    """Run the package checks of ``sabaq validate`` before anything is written.

    A failure here is a defect in Sabaq, not in the course, but shipping the package
    would hand an LMS admin a broken import, so the build stops.
    """
    for problem in validate_entries(name, entries).errors:
        if problem.code == "package.unknown-kind":
            continue  # a format of another package's making that validate does not know
        reporter.error(
            f"package {name} would be broken: {problem.format()}",
            hint="this is a bug in Sabaq; please report it with the course that caused it",
        )


def _formats_for(course: Course, requested: Sequence[str] | None, reporter: Reporter) -> list[str]:
    known = available_formats()
    if requested:
        return known if ALL_FORMATS in requested else list(dict.fromkeys(requested))
    chosen = []
    for index, name in enumerate(course.config.formats):
        if name == ALL_FORMATS:
            return known
        if name not in known:
            reporter.error(
                f"unknown format '{name}' in 'formats'",
                course.config.location("formats", index),
                f"available formats: {', '.join(known)} (or 'all')",
            )
            continue
        chosen.append(name)
    return list(dict.fromkeys(chosen))


@dataclass(frozen=True, slots=True)
class Rendition:
    """One language of a course, ready to render."""

    lang: str
    course: Course
    localiser: Localiser | None
    ui_catalog: Path | None


def renditions(
    course: Course, languages: Sequence[str], locales_dir: Path, reporter: Reporter
) -> list[Rendition]:
    """The languages of ``course`` that can be built, each with its translations.

    A language whose catalog is missing or less complete than the course's
    ``min_translation`` is skipped with a warning rather than shipped half in English.
    """
    config = course.config
    source_dir = text_direction(config.language)
    found = []
    for lang in dict.fromkeys(languages):
        ui_catalog = catalog_path(locales_dir, lang, UI_DOMAIN)
        ui_po = read_catalog(ui_catalog, reporter) if ui_catalog.is_file() else None
        ui = ui_catalog if ui_po is not None else None
        if lang == config.language:
            found.append(Rendition(lang, course, None, ui))
            continue
        path = catalog_path(locales_dir, lang, config.id)
        if not path.is_file():
            reporter.warning(
                f"'{lang}' is not built: there is no catalog {display_path(path)}",
                config.location("languages"),
                f"run: sabaq i18n init {lang}",
            )
            continue
        catalog = read_catalog(path, reporter)
        if catalog is None:
            continue
        done = catalog_stats(catalog).completeness
        if done * 100 < config.min_translation:
            reporter.warning(
                f"'{lang}' is not built: {done:.0%} of the course is translated, "
                f"below min_translation ({config.min_translation}%)",
                Location(path),
                "translate more of the catalog, or lower min_translation in course.yml",
            )
            continue
        messages = translations(catalog)
        ui_gettext = _ui_gettext(ui_po)
        localiser = Localiser(
            messages, config.language, source_dir, ui_gettext, text_direction(lang)
        )
        found.append(Rendition(lang, localise_course(course, messages), localiser, ui))
    return found


def _ui_gettext(ui_catalog: polib.POFile | None) -> Callable[[str], str]:
    if ui_catalog is None:
        return lambda text: text
    # Compiled like msgfmt does: fuzzy entries are left out.
    return gettext.GNUTranslations(io.BytesIO(ui_catalog.to_binary())).gettext


def _check_distinct_ids(courses: list[Course], reporter: Reporter) -> None:
    seen: dict[str, Course] = {}
    for course in courses:
        other = seen.get(course.config.id)
        if other is not None:
            reporter.error(
                f"courses {other.root} and {course.root} both have the id '{course.config.id}'",
                course.config.location("id"),
                "every course needs its own id: package names and LMS records depend on it",
            )
        seen[course.config.id] = course
