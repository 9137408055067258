"""The packages of a request, made and checked in memory: load → render → package.

Nothing is written here (:mod:`builder.build` writes): every package is checked
before the first file is, so a mistake in any lesson leaves ``dist/`` as it was.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import polib

from builder.buildcache import Shelf, entry_name, language_shelves
from builder.config import CourseConfig
from builder.errors import CourseError, Diagnostic, Level, Location, Reporter, display_path
from builder.formats import ALL_FORMATS as ALL_FORMATS
from builder.formats import available_formats, get_format, is_format
from builder.formats.base import NothingToPackage
from builder.i18n import (
    UI_DOMAIN,
    Msgfmt,
    catalog_path,
    catalog_stats,
    check_catalog_once,
    localise_course,
    require_language_tags,
    translations,
)
from builder.markdown import Localiser, lexing_kept
from builder.model import Course
from builder.parallel import PARALLEL_FROM, map_in_processes
from builder.quizzes import SUSPEND_DATA_LIMITS, worst_case_state_size
from builder.render import Site, render_site, text_direction
from builder.sources import load_course
from builder.validate import validate_entries


@dataclass(frozen=True, slots=True)
class PlannedPackage:
    course_id: str
    lang: str
    format: str
    filename: str
    entries: dict[str, bytes]
    folder: str | None = None
    """Name of the unpacked copy, for formats that also write one."""


Progress = Callable[[str], None]
"""Says what is being done, for the command's progress lines."""


def plan_packages(
    course_dirs: Sequence[Path],
    formats: Sequence[str] | None,
    reporter: Reporter,
    progress: Progress,
    languages: Sequence[str] | None = None,
    locales_dir: Path | None = None,
    *,
    partial_translations: bool = False,
    jobs: int = 1,
) -> list[PlannedPackage]:
    """Every package of the request, checked; raises CourseError when there are none.

    A request that makes no package at all is an error naming each course and why, so
    that CI never passes on an empty ``dist/``. ``partial_translations`` renders a
    language below ``min_translation`` too, with a warning (what the preview shows).
    """
    require_language_tags(languages or ())  # a language names catalog folders and package files
    courses = _load_courses(course_dirs, reporter, progress, jobs)
    wanted = {course.config.id: _formats_for(course, formats, reporter) for course in courses}
    _check_distinct_ids(courses, reporter)
    for course in courses:
        _check_saved_state_fits(course, wanted[course.config.id], reporter)
    reporter.raise_if_errors()

    request = _LanguageRequest(languages, locales_dir, partial_translations, jobs)
    plans = _plan_courses(courses, wanted, request, reporter, progress)
    reporter.raise_if_errors()
    planned = [package for plan in plans for package in plan.packages]
    if not planned:
        for plan in plans:
            plan.report_none(reporter)
        reporter.raise_if_errors()
    return planned


def _plan_courses(
    courses: list[Course],
    wanted: dict[str, list[str]],
    request: _LanguageRequest,
    reporter: Reporter,
    progress: Progress,
) -> list[_CoursePlan]:
    """Each course's packages. Several courses are planned over ``request.jobs``
    processes, each course in one; one course spreads its own lessons instead.

    What each course reports is added in the courses' order, and the first course that
    fails stops the build as it would in one process, so the output is the same
    whatever the number of jobs.
    """
    spread = request.jobs > 1 and len(courses) > 1
    inner = replace(request, jobs=1) if spread else request

    def plan(index: int) -> tuple[_CoursePlan | None, list[Diagnostic]]:
        course = courses[index]
        own = Reporter()
        try:
            found = _plan_course(course, wanted[course.config.id], inner, own, progress)
        except CourseError as error:
            return None, error.diagnostics
        return found, own.diagnostics

    plans = []
    for found, diagnostics in map_in_processes(
        plan, range(len(courses)), request.jobs if spread else 1, worth_it_from=2
    ):
        if found is None:
            raise CourseError(reporter.diagnostics + diagnostics)
        reporter.diagnostics += diagnostics
        plans.append(found)
    return plans


def _load_courses(
    course_dirs: Sequence[Path], reporter: Reporter, progress: Progress, jobs: int
) -> list[Course]:
    courses = []
    for course_dir in course_dirs:
        progress(f"loading {course_dir}")
        course = load_course(course_dir, reporter, jobs)
        if course is not None:
            courses.append(course)
    return courses


@dataclass(frozen=True, slots=True)
class _LanguageRequest:
    """The languages asked for and where their catalogs are."""

    languages: Sequence[str] | None
    locales_dir: Path | None
    partial: bool
    jobs: int = 1
    checks: Shelf | None = None
    """Findings of the pages earlier builds checked (see :func:`validate_entries`)."""

    def languages_of(self, course: Course) -> Sequence[str]:
        return self.languages or course.config.languages

    def catalogs_of(self, course: Course) -> Path:
        return self.locales_dir or course.root.parent.parent / "locales"


@dataclass(frozen=True, slots=True)
class _CoursePlan:
    """The packages of one course; when it has none, why, where and what to do."""

    packages: list[PlannedPackage]
    why_none: str = ""
    location: Location | None = None
    hint: str | None = None
    explained: tuple[Diagnostic, ...] = ()
    """The warnings that say why; the error of an empty build replaces them."""

    def report_none(self, reporter: Reporter) -> None:
        reporter.diagnostics[:] = [d for d in reporter.diagnostics if d not in self.explained]
        reporter.error(f"no package was built: {self.why_none}", self.location, self.hint)


def _plan_course(
    course: Course,
    wanted: list[str],
    request: _LanguageRequest,
    reporter: Reporter,
    progress: Progress,
) -> _CoursePlan:
    # Why formats and languages are left out is collected apart, to be said again as
    # the error if the whole build makes nothing.
    left_out = Reporter()
    skipped = _formats_without_content(course, wanted, left_out)
    reporter.diagnostics += left_out.diagnostics
    formats = [name for name in wanted if name not in skipped]
    if not formats:
        return _no_formats(course.config, list(skipped.values()), tuple(left_out.warnings))
    left_out = Reporter()
    found = renditions(
        course,
        request.languages_of(course),
        request.catalogs_of(course),
        left_out,
        partial=request.partial,
    )
    reporter.diagnostics += left_out.diagnostics
    if not found:
        return _no_languages(course.config, tuple(left_out.warnings))
    return _CoursePlan(_render_packages(course, found, formats, reporter, progress, request))


def _formats_without_content(
    course: Course, wanted: list[str], reporter: Reporter
) -> dict[str, NothingToPackage]:
    """The formats that have nothing to package for ``course``, each with a warning."""
    skipped = {}
    for name in wanted:
        nothing = get_format(name).nothing_to_package(course)
        if nothing is not None:
            reporter.warning(
                f"no {name} package is built: {nothing.reason}",
                course.config.location("formats"),
                nothing.hint,
            )
            skipped[name] = nothing
    return skipped


def _no_formats(
    config: CourseConfig, skipped: list[NothingToPackage], explained: tuple[Diagnostic, ...]
) -> _CoursePlan:
    if skipped:
        return _CoursePlan(
            [],
            "; ".join(nothing.reason for nothing in skipped),
            config.location("formats"),
            f"{skipped[0].hint}, or build another format, e.g. --format scorm12",
            explained,
        )
    return _CoursePlan(
        [],
        "'formats' lists no format",
        config.location("formats"),
        "name the formats to build in course.yml, e.g. formats: [scorm12], or pass --format",
    )


def _no_languages(config: CourseConfig, explained: tuple[Diagnostic, ...]) -> _CoursePlan:
    return _CoursePlan(
        [],
        "; ".join(warning.message for warning in explained) or "'languages' lists no language",
        config.location("languages"),
        f"build '{config.language}', the language the course is written in "
        f"(--lang {config.language}), or translate at least min_translation "
        f"({config.min_translation}%) of the course (sabaq i18n init, sabaq i18n stats)",
        explained,
    )


def _render_packages(
    course: Course,
    found: list[Rendition],
    formats: list[str],
    reporter: Reporter,
    progress: Progress,
    request: _LanguageRequest,
) -> list[PlannedPackage]:
    """Every package of every language of ``course``, and the multilingual ones.

    Several languages are rendered and packaged over ``request.jobs`` processes, a
    language to a worker (cutting a language's fonts can take seconds); what each
    reports comes back in the languages' order, and the first language that fails
    stops the build as it would in one process.
    """
    multilingual = course.config.multilingual and len(found) > 1
    spread = request.jobs > 1 and len(found) > 1
    inner = replace(request, jobs=1) if spread else request

    def language(index: int) -> _LanguagePlan:
        def render() -> tuple[list[PlannedPackage], Site | None]:
            with _code_lexed_once(formats):
                return _render_language(found[index], formats, reporter, progress, inner)

        made, diagnostics = _reported_apart(reporter, render)  # added again below, in order
        planned, site = made if made is not None else (None, None)
        return _LanguagePlan(planned, site if multilingual else None, diagnostics)

    planned: list[PlannedPackage] = []
    sites: list[Site] = []
    for each in map_in_processes(
        language, range(len(found)), request.jobs if spread else 1, worth_it_from=2
    ):
        reporter.diagnostics += each.diagnostics
        if each.packages is None:
            raise CourseError(reporter.diagnostics)
        planned += each.packages
        if each.site is not None:
            # Formats report through their site: from here on, into this process's reporter.
            sites.append(replace(each.site, reporter=reporter))
    if multilingual and len(sites) > 1:
        combined = Site.multilingual(sites)
        checks = _checks_shelf(course, MULTILINGUAL, "site")
        for name in formats:
            if get_format(name).multilingual:
                planned.append(
                    _package(
                        combined,
                        MULTILINGUAL,
                        name,
                        reporter,
                        progress,
                        replace(request, checks=checks),
                    )
                )
        checks.store()
    return planned


def _code_lexed_once(formats: Sequence[str]) -> AbstractContextManager[None]:
    """Formats that show each page alone in the LMS, without the theme, highlight its
    code again with inline styles: the site's code is then lexed once for both."""
    standalone = any(not get_format(name).carries_theme for name in formats)
    return lexing_kept() if standalone else nullcontext()


def _checks_shelf(course: Course, lang: str, group: str) -> Shelf:
    """The page checks kept for one language of ``course`` (or its multilingual packages)
    and one group of its formats (see :func:`_format_groups`).

    A shelf per language and group, so that a worker building either stores its own
    checks, which a shelf of its parent's would not know of and would drop.
    """
    return Shelf("checks", entry_name(str(course.root), lang)[:24], group)


@dataclass(frozen=True, slots=True)
class _LanguagePlan:
    packages: list[PlannedPackage] | None
    """None when the language failed (its diagnostics say why)."""
    site: Site | None
    """Its site with graded quizzes in the pages, for a multilingual package."""
    diagnostics: list[Diagnostic]


def _render_language(
    rendition: Rendition,
    formats: list[str],
    reporter: Reporter,
    progress: Progress,
    request: _LanguageRequest,
) -> tuple[list[PlannedPackage], Site | None]:
    """The language's packages, and its site with graded quizzes in the pages if any.

    The site is rendered once for each kind of page the formats need; the packages are
    then made by groups of formats (:func:`_format_groups`), side by side over
    ``request.jobs`` processes in a large course. Each group reports as if alone (a
    warning an earlier group gave is given once), in the groups' order, and the first
    group that fails stops the build, however many processes there are.
    """
    progress(f"rendering {rendition.course.config.id} ({rendition.lang})")
    variants = _site_variants(rendition, formats, reporter, request)
    course = rendition.course
    groups = _format_groups(formats)

    def package_group(index: int) -> tuple[list[PlannedPackage] | None, list[Diagnostic]]:
        group, names = groups[index]

        def package() -> list[PlannedPackage]:
            checks = _checks_shelf(course, rendition.lang, group)
            grouped = replace(request, checks=checks)
            with language_shelves(course.root, rendition.lang):
                packages = [
                    _package(
                        variants[get_format(name).graded_in_pages],
                        rendition.lang,
                        name,
                        reporter,
                        progress,
                        grouped,
                    )
                    for name in names
                ]
            checks.store()
            return packages

        return _reported_apart(reporter, package)  # added again below, in the groups' order

    jobs = request.jobs if len(course.lessons) >= PARALLEL_FROM else 1
    made: dict[str, PlannedPackage] = {}
    for packages, diagnostics in map_in_processes(
        package_group, range(len(groups)), jobs, worth_it_from=2
    ):
        reported = set(reporter.diagnostics)
        reporter.diagnostics += [
            each for each in diagnostics if each.level is Level.ERROR or each not in reported
        ]
        if packages is None:
            raise CourseError(reporter.diagnostics)
        made.update((package.format, package) for package in packages)
    return [made[name] for name in formats], variants.get(True)


_Made = TypeVar("_Made")


def _reported_apart(
    reporter: Reporter, work: Callable[[], _Made]
) -> tuple[_Made | None, list[Diagnostic]]:
    """What ``work()`` made (None when it failed) and what it reported, taken back out
    of ``reporter``: work done in a worker reports into the worker's copy, so the
    caller adds it again, in the order one process would have."""
    before = len(reporter.diagnostics)
    try:
        made: _Made | None = work()
    except CourseError:
        made = None
    diagnostics = reporter.diagnostics[before:]
    del reporter.diagnostics[before:]
    return made, diagnostics


def _site_variants(
    rendition: Rendition, formats: list[str], reporter: Reporter, request: _LanguageRequest
) -> dict[bool, Site]:
    """The site rendered once for each kind of page ``formats`` need, by whether graded
    quizzes are in the pages (the players) or are activities of the LMS's own."""
    variants: dict[bool, Site] = {}
    for name in formats:
        in_pages = get_format(name).graded_in_pages
        if in_pages not in variants:
            variants[in_pages] = render_site(
                rendition.course,
                rendition.lang,
                reporter,
                rendition.localiser,
                rendition.ui_catalog,
                graded_in_pages=in_pages,
                fonts=any(
                    get_format(each).carries_theme
                    for each in formats
                    if get_format(each).graded_in_pages == in_pages
                ),
                same_as=variants.get(not in_pages),
                jobs=request.jobs,
            )
    return variants


def _format_groups(formats: list[str]) -> list[tuple[str, list[str]]]:
    """``formats`` by the work they share, each group named.

    Formats that carry the theme package the site's own pages, and share their checks;
    the others make each page stand alone in the LMS (:mod:`builder.standalone`) and
    share those articles, their checks and their quizzes' QTI.
    """
    site = [name for name in formats if get_format(name).carries_theme]
    standalone = [name for name in formats if not get_format(name).carries_theme]
    return [
        (group, names) for group, names in (("site", site), ("standalone", standalone)) if names
    ]


MULTILINGUAL = "mul"
"""The language part of a multilingual package's name (ISO 639's code for several languages)."""


def _package(
    site: Site,
    lang: str,
    name: str,
    reporter: Reporter,
    progress: Progress,
    request: _LanguageRequest,
) -> PlannedPackage:
    config = site.course.config
    progress(f"packaging {config.id} ({lang}, {name})")
    package_format = get_format(name)
    stem = f"{config.id}-{config.version}-{lang}-{name}"
    entries = package_format.package(site)
    _check_package(stem + package_format.suffix, entries, reporter, request)
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


def _check_package(
    name: str, entries: dict[str, bytes], reporter: Reporter, request: _LanguageRequest
) -> None:
    """Run the package checks of ``sabaq validate`` before anything is written.

    A failure here is a defect in Sabaq, not in the course, but shipping the package
    would hand an LMS admin a broken import, so the build stops.
    """
    for problem in validate_entries(name, entries, request.checks, request.jobs).errors:
        if problem.code == "package.unknown-kind":
            continue  # a format of another package's making that validate does not know
        reporter.error(
            f"package {name} would be broken: {problem.format()}",
            hint="this is a bug in Sabaq; please report it with the course that caused it",
        )


def _formats_for(course: Course, requested: Sequence[str] | None, reporter: Reporter) -> list[str]:
    if requested:
        return available_formats() if ALL_FORMATS in requested else list(dict.fromkeys(requested))
    chosen = []
    for index, name in enumerate(course.config.formats):
        if name == ALL_FORMATS:
            return available_formats()
        if not is_format(name):
            reporter.error(
                f"unknown format '{name}' in 'formats'",
                course.config.location("formats", index),
                f"available formats: {', '.join(available_formats())} (or 'all')",
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
    course: Course,
    languages: Sequence[str],
    locales_dir: Path,
    reporter: Reporter,
    *,
    partial: bool = False,
) -> list[Rendition]:
    """The languages of ``course`` that can be built, each with its translations.

    A language whose catalog is missing or less complete than the course's
    ``min_translation`` is skipped with a warning rather than shipped half in English;
    with ``partial`` one below ``min_translation`` is kept, with a warning, its
    untranslated segments in the source language.
    """
    found = []
    for lang in dict.fromkeys(languages):
        rendition = _rendition(course, lang, locales_dir, reporter, partial)
        if rendition is not None:
            found.append(rendition)
    return found


def _rendition(
    course: Course, lang: str, locales_dir: Path, reporter: Reporter, partial: bool
) -> Rendition | None:
    config = course.config
    ui_catalog = catalog_path(locales_dir, lang, UI_DOMAIN)
    ui_po = _checked_catalog(ui_catalog, reporter) if ui_catalog.is_file() else None
    ui = ui_catalog if ui_po is not None else None
    if lang == config.language:
        return Rendition(lang, course, None, ui)
    messages = _course_translations(course, lang, locales_dir, reporter, partial)
    if messages is None:
        return None
    localiser = Localiser(
        messages,
        config.language,
        text_direction(config.language),
        _ui_gettext(ui_po),
        text_direction(lang),
    )
    return Rendition(lang, localise_course(course, messages), localiser, ui)


def _course_translations(
    course: Course, lang: str, locales_dir: Path, reporter: Reporter, partial: bool
) -> dict[str, str] | None:
    """The reviewed translations of ``course`` into ``lang``; None (and why) when skipped."""
    config = course.config
    path = catalog_path(locales_dir, lang, config.id)
    if not path.is_file():
        reporter.warning(
            f"'{lang}' is not built: there is no catalog {display_path(path)}",
            config.location("languages"),
            f"run: sabaq i18n init {lang}",
        )
        return None
    catalog = _checked_catalog(path, reporter)
    if catalog is None:
        return None
    done = catalog_stats(catalog).completeness
    wanted = config.min_translation_for(lang)
    if done * 100 >= wanted:
        return translations(catalog)
    below = f"{done:.0%} of the course is translated, below min_translation ({wanted}%)"
    hint = "translate more of the catalog, or lower min_translation in course.yml"
    if not partial:
        reporter.warning(f"'{lang}' is not built: {below}", Location(path), hint)
        return None
    reporter.warning(
        f"'{lang}' is shown partly translated: {below}; untranslated text is in "
        f"'{config.language}', and 'sabaq build' skips this language",
        Location(path),
        hint,
    )
    return translations(catalog)


def _checked_catalog(path: Path, reporter: Reporter) -> polib.POFile | None:
    """The catalog after the checks of ``sabaq i18n check``; None after located errors.

    A translator's slip must stop the build with its file and line, never reach a page
    or end in a traceback. GNU msgfmt runs too where gettext is installed (plain
    ``setup.sh`` does not install it; Sabaq's own checks cover what a build uses).
    """
    return check_catalog_once(path, reporter, Msgfmt.WHEN_INSTALLED)


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
