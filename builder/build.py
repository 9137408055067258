"""The build pipeline: load → render → package → write.

Every package of the request is built in memory and checked before the first file
is written, so a mistake in any lesson leaves ``dist/`` exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from builder.archive import write_folder, write_zip
from builder.errors import Diagnostic, Reporter
from builder.formats import available_formats, get_format
from builder.model import Course
from builder.render import render_site
from builder.sources import load_course
from builder.validate import validate_entries

COURSE_FILE = "course.yml"
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
) -> BuildResult:
    """Build every requested package; raises CourseError before writing anything."""
    reporter = Reporter()
    planned = plan_packages(course_dirs, formats, reporter, progress)
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
) -> list[PlannedPackage]:
    courses = []
    for course_dir in course_dirs:
        progress(f"loading {course_dir}")
        course = load_course(course_dir, reporter)
        if course is not None:
            courses.append(course)
    wanted = {course.config.id: _formats_for(course, formats, reporter) for course in courses}
    _check_distinct_ids(courses, reporter)
    reporter.raise_if_errors()

    planned = []
    for course in courses:
        for lang in _languages_for(course, reporter):
            progress(f"rendering {course.config.id} ({lang})")
            site = render_site(course, lang, reporter)
            for name in wanted[course.config.id]:
                progress(f"packaging {course.config.id} ({lang}, {name})")
                package_format = get_format(name)
                stem = f"{course.config.id}-{course.config.version}-{lang}-{name}"
                entries = package_format.package(site)
                if package_format.has_manifest:
                    _check_package(stem + package_format.suffix, entries, reporter)
                planned.append(
                    PlannedPackage(
                        course.config.id,
                        lang,
                        name,
                        stem + package_format.suffix,
                        entries,
                        folder=stem if package_format.also_folder else None,
                    )
                )
    reporter.raise_if_errors()
    return planned


def _check_package(name: str, entries: dict[str, bytes], reporter: Reporter) -> None:
    """Run the package checks of ``sabaq validate`` before anything is written.

    A failure here is a defect in Sabaq, not in the course, but shipping the package
    would hand an LMS admin a broken import, so the build stops.
    """
    for problem in validate_entries(name, entries).errors:
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


def _languages_for(course: Course, reporter: Reporter) -> list[str]:
    config = course.config
    for index, lang in enumerate(config.languages):
        if lang != config.language:
            reporter.warning(
                f"'{lang}' is listed in 'languages' but translated builds are not supported yet; "
                f"only '{config.language}' is built",
                config.location("languages", index),
            )
    return [config.language]


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
