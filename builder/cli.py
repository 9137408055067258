"""The ``sabaq`` command. Each command parses options and calls one library function."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from builder.errors import CourseError, Diagnostic


def _print_diagnostics(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        click.echo(diagnostic.format(), err=True)


def _check_formats(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    from builder.build import ALL_FORMATS
    from builder.formats import available_formats

    known = available_formats()
    for value in values:
        if value != ALL_FORMATS and value not in known:
            raise click.BadParameter(
                f"unknown format '{value}'; available: {', '.join(known)} (or '{ALL_FORMATS}')"
            )
    return values


@click.group()
@click.version_option(package_name="sabaq", prog_name="sabaq")
def main() -> None:
    """Sabaq turns Markdown courses into packages that learning-management systems import."""


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
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="Do not show progress.")
def build(
    course_dirs: tuple[Path, ...],
    formats: tuple[str, ...],
    out_dir: Path,
    as_json: bool,
    quiet: bool,
) -> None:
    """Build packages for COURSE_DIR (default: every course under ./courses)."""
    from builder.build import build as run_build
    from builder.build import find_courses

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
        result = run_build(course_dirs, out_dir, formats or None, progress)
    except CourseError as error:
        _print_diagnostics(error.diagnostics)
        count = sum(1 for d in error.diagnostics if d.level.value == "error")
        click.echo(f"build failed: {count} error(s); nothing was written", err=True)
        sys.exit(1)
    except OSError as error:
        click.echo(
            f"error: cannot write packages to {out_dir}: {error.strerror or error}", err=True
        )
        sys.exit(1)

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
    """Check PACKAGE (a .zip/.imscc file or an unpacked folder) offline, ours or not."""
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
