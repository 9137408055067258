"""The ``sabaq`` command. Each command parses options and calls one library function."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from builder.errors import CourseError, Diagnostic, Level, Reporter
from builder.model import Course


def _print_diagnostics(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        click.echo(diagnostic.format(), err=True)


def _print_failure(diagnostics: list[Diagnostic], quiet: bool) -> None:
    """Warnings first (none when quiet), then the errors and their count.

    With many courses the warnings can run to pages; the errors that stopped the
    build are what the author must see, so they are the last lines on the screen.
    """
    errors = [d for d in diagnostics if d.level is Level.ERROR]
    if not quiet:
        _print_diagnostics([d for d in diagnostics if d.level is not Level.ERROR])
    _print_diagnostics(errors)
    click.echo(f"build failed: {len(errors)} error(s); nothing was written", err=True)


def _check_formats(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    from builder.formats import ALL_FORMATS, available_formats, is_format

    for value in values:
        if value != ALL_FORMATS and not is_format(value):
            known = ", ".join(available_formats())
            raise click.BadParameter(
                f"unknown format '{value}'; available: {known} (or '{ALL_FORMATS}')"
            )
    return values


def _check_languages(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...] | str | None
) -> tuple[str, ...] | str | None:
    """A language names catalog folders and package files, so it must be a language tag."""
    from builder.fields import language_tag_ok

    for value in (values,) if isinstance(values, str) else values or ():
        if not language_tag_ok(value):
            raise click.BadParameter(
                f"{value!r} is not a language tag such as en, ur or pa-Arab "
                "(2 or 3 letters, then parts of letters and digits joined by hyphens)"
            )
    return values


@click.group()
@click.version_option(package_name="sabaq", prog_name="sabaq")
def main() -> None:
    """Sabaq turns Markdown courses into packages that learning-management systems import."""


def run() -> NoReturn:
    """``sabaq`` as a program (the installed command and ``python -m builder``): runs
    :func:`main`, then leaves without tearing the interpreter down.

    By the time a command returns, everything it writes is written and closed. What a
    normal exit still does is free the built course's objects one by one: a tenth of a
    second for a large course, a sixth of a one-lesson rebuild, for memory the operating
    system takes back at once. Only what Python itself would still do is done: the
    output streams are flushed, and the status is the one ``sys.exit`` would give.
    """
    try:
        main()
    except SystemExit as leaving:
        status = _exit_status(leaving.code)
    else:
        status = 0
    if sys.gettrace() is not None or sys.getprofile() is not None:
        sys.exit(status)  # a profiler, coverage or a debugger writes its findings at exit
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: what Python's own exit reports
            status = status or 120
    os._exit(status)


def _exit_status(code: object) -> int:
    """The process status for ``sys.exit(code)``, printing a message code as Python does."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


@main.command()
@click.argument(
    "course_dirs",
    nargs=-1,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="[COURSE_DIR]...",
)
@click.option(
    "--format",
    "-f",
    "formats",
    multiple=True,
    callback=_check_formats,
    help="Package format to build (repeatable, or 'all'); default: the formats in course.yml.",
)
@click.option(
    "--out",
    "-o",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="Folder the packages are written to.",
)
@click.option(
    "--lang",
    "languages",
    multiple=True,
    callback=_check_languages,
    help="Language to build (repeatable); default: the languages in course.yml.",
)
@click.option(
    "--locales",
    "locales_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of translation catalogs; default: locales/ beside courses/.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Processes to build with (default: every core Sabaq may use): a course to each, "
    "or one course's lessons spread over them from 48 lessons. The packages are the same "
    "whatever the number.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="Show only errors: no progress, no warnings.")
def build(
    course_dirs: tuple[Path, ...],
    formats: tuple[str, ...],
    out_dir: Path,
    languages: tuple[str, ...],
    locales_dir: Path | None,
    jobs: int | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Build packages for COURSE_DIR (default: every course under ./courses)."""
    from builder.build import build as run_build
    from builder.config import find_courses
    from builder.parallel import available_cores

    if not course_dirs:
        course_dirs = tuple(find_courses(Path("courses")))
        if not course_dirs:
            click.echo(
                "error: no course folders given and none found under ./courses\n"
                "  hint: run sabaq from the repository root or name a course folder",
                err=True,
            )
            sys.exit(1)

    def progress(message: str) -> None:
        if not quiet and not as_json:
            click.echo(f"  {message}", err=True)

    try:
        result = run_build(
            course_dirs,
            out_dir,
            formats or None,
            progress,
            languages or None,
            locales_dir,
            jobs=jobs or available_cores(),
        )
    except CourseError as error:
        _print_failure(error.diagnostics, quiet)
        sys.exit(1)
    except OSError as error:
        click.echo(
            f"error: cannot write packages to {out_dir}: {error.strerror or error}", err=True
        )
        sys.exit(1)

    if not quiet:
        _print_diagnostics(result.warnings)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "packages": [
                        {
                            "path": package.path.as_posix(),
                            "course": package.course_id,
                            "language": package.lang,
                            "format": package.format,
                            "size": package.size,
                            "files": package.file_count,
                            "folder": package.folder.as_posix() if package.folder else None,
                        }
                        for package in result.packages
                    ],
                    "warnings": [w.format() for w in result.warnings],
                    "up_to_date": result.up_to_date,
                },
                indent=2,
            )
        )
        return
    for package in result.packages:
        also = f"  (unpacked in {package.folder.as_posix()}/)" if package.folder else ""
        click.echo(
            f"{package.path.as_posix()}  {package.size / 1024:,.1f} KiB  {package.file_count} files{also}"
        )
    if result.up_to_date:
        click.echo(
            f"{len(result.packages)} package(s) up to date: nothing they are made from has "
            "changed since the last build"
        )
    else:
        click.echo(f"built {len(result.packages)} package(s)")


@main.command("validate")
@click.argument(
    "packages",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, path_type=Path),
    metavar="PACKAGE...",
)
@click.option(
    "--schemas",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of official XSDs (scorm12/, imscc11/, …); without it no schema is checked.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON on stdout.")
@click.option("--strict", is_flag=True, help="Warnings count as failures too.")
def validate_command(
    packages: tuple[Path, ...], schemas: Path | None, as_json: bool, strict: bool
) -> None:
    """Check PACKAGE (a .zip/.imscc/.mbz file or an unpacked folder) offline, ours or not."""
    from builder.validate import validate_package

    reports = [validate_package(package, schemas) for package in packages]
    if as_json:
        click.echo(json.dumps([report.to_json() for report in reports], indent=2))
    else:
        for report in reports:
            click.echo(report.summary())
            for problem in report.problems:
                click.echo(problem.format())
    sys.exit(0 if all(report.passes(strict) for report in reports) else 1)


# --------------------------------------------------------------------------- translation

_locales_option = click.option(
    "--locales",
    "locales_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("locales"),
    show_default=True,
    help="The folder of translation catalogs.",
)
_languages_option = click.option(
    "--lang",
    "languages",
    multiple=True,
    callback=_check_languages,
    help="Only this language (repeatable).",
)
_courses_argument = click.argument(
    "course_dirs",
    nargs=-1,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="[COURSE_DIR]...",
)


def _load_courses(course_dirs: tuple[Path, ...]) -> list[Course]:
    """The named courses (default: all under ./courses), or exit 1 with located errors."""
    from builder.config import find_courses
    from builder.sources import load_course

    dirs = course_dirs or tuple(find_courses(Path("courses")))
    reporter = Reporter()
    courses = [course for d in dirs if (course := load_course(d, reporter)) is not None]
    if reporter.errors:
        _print_diagnostics(sorted(reporter.diagnostics, key=Diagnostic.sort_key))
        sys.exit(1)
    return courses


def _exit_on_errors(reporter: Reporter) -> None:
    _print_diagnostics(sorted(reporter.diagnostics, key=Diagnostic.sort_key))
    if reporter.errors:
        sys.exit(1)


@main.group()
def i18n() -> None:
    """Translation catalogs: extract, init, update, stats, check."""


@i18n.command("extract")
@_courses_argument
@_locales_option
def i18n_extract(course_dirs: tuple[Path, ...], locales_dir: Path) -> None:
    """Write the templates (.pot) of the courses and of the theme."""
    from builder.i18n import extract_all

    for path, changed in extract_all(_load_courses(course_dirs), locales_dir):
        click.echo(f"{path.as_posix()}  {'updated' if changed else 'unchanged'}")


@i18n.command("init")
@click.argument("language", callback=_check_languages)
@_courses_argument
@_locales_option
def i18n_init(language: str, course_dirs: tuple[Path, ...], locales_dir: Path) -> None:
    """Start catalogs for LANGUAGE (e.g. ur, pa-Arab, sd, ps)."""
    from builder.i18n import init_language

    reporter = Reporter()
    created = init_language(_load_courses(course_dirs), locales_dir, language, reporter)
    _print_diagnostics(reporter.diagnostics)
    for path in created:
        click.echo(f"{path.as_posix()}  created")


@i18n.command("update")
@_courses_argument
@_locales_option
@_languages_option
def i18n_update(
    course_dirs: tuple[Path, ...], locales_dir: Path, languages: tuple[str, ...]
) -> None:
    """Re-extract and merge new source text into the catalogs (changed text becomes fuzzy)."""
    from builder.i18n import update_all

    reporter = Reporter()
    for report in update_all(_load_courses(course_dirs), locales_dir, reporter, languages):
        change = report.update
        assert change is not None
        click.echo(
            f"{report.path.as_posix()}  {change.kept} kept, {change.fuzzy} fuzzy, "
            f"{change.new} new, {change.obsolete} obsolete"
        )
    _exit_on_errors(reporter)


@i18n.command("stats")
@_locales_option
@_languages_option
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
def i18n_stats(locales_dir: Path, languages: tuple[str, ...], as_json: bool) -> None:
    """How much of each catalog is translated, fuzzy or untranslated."""
    from builder.i18n import stats_all

    reporter = Reporter()
    reports = stats_all(locales_dir, reporter, languages)
    _exit_on_errors(reporter)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "language": r.language,
                        "domain": r.domain,
                        "translated": r.stats.translated,
                        "fuzzy": r.stats.fuzzy,
                        "untranslated": r.stats.untranslated,
                        "completeness": round(r.stats.completeness, 4),
                    }
                    for r in reports
                ],
                indent=2,
            )
        )
        return
    click.echo(
        f"{'language':<10} {'catalog':<28} {'translated':>10} {'fuzzy':>6} {'untranslated':>12} {'done':>6}"
    )
    for r in reports:
        click.echo(
            f"{r.language:<10} {r.domain:<28} {r.stats.translated:>10} {r.stats.fuzzy:>6} "
            f"{r.stats.untranslated:>12} {r.stats.completeness:>6.0%}"
        )


@i18n.command("check")
@_locales_option
@_languages_option
def i18n_check(locales_dir: Path, languages: tuple[str, ...]) -> None:
    """Check every catalog: markup kept, no HTML, and GNU msgfmt --check accepts it."""
    from builder.i18n import check_all

    reporter = Reporter()
    checked = check_all(locales_dir, reporter, languages)
    _print_diagnostics(sorted(reporter.diagnostics, key=Diagnostic.sort_key))
    if reporter.errors:
        click.echo(f"{len(reporter.errors)} error(s) in {len(checked)} catalog(s)", err=True)
        sys.exit(1)
    click.echo(f"{len(checked)} catalog(s) checked, no problems")


# --------------------------------------------------------------------------- preview


@main.command()
@click.argument(
    "course_dir", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--port", default=8000, show_default=True, help="Port on 127.0.0.1 to serve the preview on."
)
@click.option(
    "--lang",
    default=None,
    callback=_check_languages,
    help="Language to preview (default: the course's own).",
)
@click.option(
    "--locales",
    "locales_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of translation catalogs.",
)
def preview(course_dir: Path | None, port: int, lang: str | None, locales_dir: Path | None) -> None:
    """Show COURSE_DIR as a learner sees it in an LMS, with what it records; rebuilt on every save."""
    from builder.config import find_courses
    from builder.preview import PreviewServer, PreviewState

    if course_dir is None:
        found = find_courses(Path("courses"))
        if len(found) != 1:
            click.echo(
                "error: name the course folder to preview, e.g. sabaq preview courses/my-course",
                err=True,
            )
            sys.exit(2)
        course_dir = found[0]

    def report(state: PreviewState) -> None:
        for line in state.errors:
            click.echo(line, err=True)
        click.echo(f"build {state.version}: {'problems above' if state.errors else 'ok'}", err=True)

    try:
        server = PreviewServer(
            course_dir, port=port, lang=lang, locales_dir=locales_dir, on_rebuild=report
        )
    except OSError as error:
        click.echo(f"error: cannot listen on port {port}: {error.strerror or error}", err=True)
        sys.exit(1)
    click.echo(f"Previewing {course_dir} at {server.url} (Ctrl+C to stop)", err=True)
    server.serve_until_interrupted()


# --------------------------------------------------------------------------- new course


@main.command()
@click.argument("course_id")
@click.option("--title", default=None, help="The course's title (default: from the id).")
@click.option(
    "--language",
    default="en",
    show_default=True,
    callback=_check_languages,
    help="The language the course is written in.",
)
@click.option(
    "--courses",
    "courses_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("courses"),
    show_default=True,
    help="Folder of courses.",
)
def new(course_id: str, title: str | None, language: str, courses_dir: Path) -> None:
    """Create a new course folder COURSE_ID with a first module, lesson and quiz."""
    from builder.scaffold import ScaffoldError, new_course

    try:
        target = new_course(
            courses_dir, course_id, title or course_id.replace("-", " ").capitalize(), language
        )
    except ScaffoldError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(
        f"created {target.as_posix()}: edit course.yml, then run: sabaq preview {target.as_posix()}"
    )
