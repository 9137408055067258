"""How long building the shipped courses takes, per phase and in all.

Prints figures; it asserts nothing. Run: .venv/bin/python benchmarks/build.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from builder.build import build, find_courses
from builder.errors import Reporter
from builder.render import render_site
from builder.sources import load_course

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    courses = find_courses(REPO / "courses")
    for course_dir in courses:
        start = time.perf_counter()
        course = load_course(course_dir, Reporter())
        loaded = time.perf_counter()
        assert course is not None
        site = render_site(course, course.config.language, Reporter())
        rendered = time.perf_counter()
        lessons, quizzes = len(course.lessons), len(course.quizzes)
        print(f"{course.config.id}: {lessons} lessons, {quizzes} quizzes, {len(site.files)} files")
        print(f"  load   {1000 * (loaded - start):8.1f} ms")
        print(f"  render {1000 * (rendered - loaded):8.1f} ms")
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = build(courses, Path(out))
        seconds = time.perf_counter() - start
    total = sum(package.size for package in result.packages)
    print(
        f"sabaq build (every format): {len(result.packages)} packages, {total / 1024:,.0f} KiB, {seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
