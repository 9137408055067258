"""The build pipeline: load → render → package (:mod:`builder.plan`) → write.

Every package of the request is made in memory and checked before the first file is
written, so a mistake in any lesson leaves ``dist/`` exactly as it was. A request
whose every input is as the last build of it left them is answered from that build's
record (:mod:`builder.buildcache`) before the rest of the builder is even loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from builder.archive import Publication, clear_leftovers
from builder.buildcache import BuildResult as BuildResult
from builder.buildcache import BuiltPackage as BuiltPackage
from builder.buildcache import Shelf, entry_name, remember, remembered_build
from builder.config import find_courses as find_courses
from builder.errors import Reporter

Progress = Callable[[str], None]
"""Says what is being done, for the command's progress lines."""


def build(
    course_dirs: Sequence[Path],
    out_dir: Path,
    formats: Sequence[str] | None = None,
    progress: Progress = lambda message: None,
    languages: Sequence[str] | None = None,
    locales_dir: Path | None = None,
    *,
    jobs: int = 1,
) -> BuildResult:
    """Build every requested package; raises CourseError before writing anything.

    ``languages`` defaults to each course's ``languages``; translations come from
    ``locales_dir``, by default the ``locales/`` folder beside ``courses/``. Large
    courses are rendered over ``jobs`` processes; the packages do not depend on it.
    """
    clear_leftovers(out_dir)
    request, remembered = remembered_build(course_dirs, out_dir, formats, languages, locales_dir)
    if remembered is not None:
        progress("nothing changed since the last build of these packages")
        return remembered
    # Loaded only now: the renderer and every format take longer to import than a
    # build found up to date takes in all.
    from builder.plan import plan_packages

    reporter = Reporter()
    planned = plan_packages(
        course_dirs, formats, reporter, progress, languages, locales_dir, jobs=jobs
    )
    result = BuildResult(warnings=reporter.warnings)
    with Publication(_deflated_records(course_dirs, out_dir)) as publication:
        # Every package is written in full before any takes its place: all or none.
        for package in planned:
            publication.add_zip(package.entries, out_dir / package.filename)
            if package.folder is not None:
                publication.add_folder(package.entries, out_dir / package.folder)
        publication.commit()
    for package in planned:
        path = out_dir / package.filename
        folder = out_dir / package.folder if package.folder is not None else None
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
    if request.sources_unchanged():
        remember(request.key, result.packages, result.warnings)
    return result


def _deflated_records(course_dirs: Sequence[Path], out_dir: Path) -> Shelf:
    """Where the packages' deflated files are kept for the next build of the same request.

    One shelf per output folder and set of courses: building one course after another
    into ``dist/`` keeps each one's records.
    """
    request = [out_dir.resolve(), *sorted(str(path.resolve()) for path in course_dirs)]
    return Shelf("deflated", entry_name(*request)[:24])
