"""How Sabaq's build scales: small, medium and large generated courses, against a floor.

Prints figures; it asserts nothing and is not part of the test run. For each size it
generates a course (``tests/synthetic.py``), then measures, each in a fresh process so
that start-up and peak memory count as a user sees them:

- the cold build (no cache) of one format (SCORM 1.2) and of every format, each in one
  process and over every core (``--jobs``);
- the floor, measured in the same run: reading every lesson, rendering it with
  markdown-it-py and deflating the result, the least any Markdown-to-package tool does;
- the bare import of the dependency stack, what any build starts with;
- the no-op rebuild (nothing changed) and the one-edit rebuild (a paragraph added to a
  lesson), in one process, with the cache the builds before them left;
- the rebuild ``sabaq preview`` makes when an author saves a lesson, timed in its
  process (which keeps what it built last in memory);
- the peak resident memory of each build;
- the package's size and what Sabaq's own runtime (script, styles) adds to it;
- once: ``sabaq --help`` start-up and the bare import of the dependency stack.

Figures that are compared (a build with the floor or the bare import, every format with
one) are measured in turns, best of N each, so that a drift in the machine's speed
meets them all alike.

Run: .venv/bin/python benchmarks/scale.py [--sizes small,medium,large] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.synthetic import SIZES, Size, write_course  # noqa: E402

PYTHON = sys.executable
ONE_FORMAT = "scorm12"

FLOOR = """
import sys, zlib
from pathlib import Path
from markdown_it import MarkdownIt
md = MarkdownIt("commonmark").enable("table")
total = 0
for path in sorted(Path(sys.argv[1]).rglob("*.md")):
    html = md.render(path.read_text(encoding="utf-8"))
    total += len(zlib.compress(html.encode(), 9))
print(total)
"""

PREVIEW_EDIT = """
import shutil, sys, tempfile, time
from pathlib import Path
from builder.preview import PreviewState
course, lesson = Path(sys.argv[1]), Path(sys.argv[2])
folder = Path(tempfile.mkdtemp())
state = PreviewState(course, None, None, folder)
state.rebuild()
with lesson.open("a", encoding="utf-8") as text:
    text.write("\\nA paragraph added while previewing.\\n")
start = time.perf_counter()
state.rebuild()
print(time.perf_counter() - start)
shutil.rmtree(folder)
"""

DEPENDENCIES = "import click, jinja2, markdown_it, yaml, lxml.etree, babel, polib"


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float
    peak_mib: float


def run(command: Sequence[str], *, cold: bool = False) -> Run:
    """Run ``command`` to the end; its wall time and peak resident memory.

    ``cold`` empties Sabaq's cache folder first, so nothing an earlier build kept is
    used; only the theme's compiled templates stay, which, like Python's own compiled
    modules, belong to the installation rather than to any course.
    """
    if cold:
        for kept in Path(os.environ["SABAQ_CACHE_DIR"]).glob("*"):
            if kept.name != "templates":
                shutil.rmtree(kept) if kept.is_dir() else kept.unlink()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        assert process.stderr is not None
        sys.exit(f"{' '.join(command)} failed:\n{process.stderr.read().decode()}")
    return Run(seconds, usage.ru_maxrss / 1024)


def best_of(repeat: int, command: Sequence[str], *, cold: bool = False) -> Run:
    return best_of_each(repeat, {"": (command, cold)})[""]


def best_of_each(repeat: int, commands: Mapping[str, tuple[Sequence[str], bool]]) -> dict[str, Run]:
    """Each command's best of ``repeat`` runs (and highest peak memory), run in turns.

    The figures are compared with each other (cold build to floor, every format to one),
    and a shared machine's speed drifts by a third within a minute: in turns, each
    command meets the same drift as the others.
    """
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, (command, cold) in commands.items():
            runs[name].append(run(command, cold=cold))
    return {
        name: Run(min(r.seconds for r in each), max(r.peak_mib for r in each))
        for name, each in runs.items()
    }


def sabaq(*arguments: str) -> list[str]:
    return [PYTHON, "-m", "builder", *arguments]


def measure(size: Size, work: Path, repeat: int, cores: int) -> None:
    course = write_course(work / size.name, size)
    out = work / f"{size.name}-dist"
    build = ("build", str(course), "--out", str(out), "-q")
    build_one = sabaq(*build, "--format", ONE_FORMAT, "--jobs", "1")
    build_spread = sabaq(*build, "--format", ONE_FORMAT, "--jobs", str(cores))
    build_all = sabaq(*build, "--format", "all", "--jobs", "1")
    build_all_spread = sabaq(*build, "--format", "all", "--jobs", str(cores))

    best = best_of_each(
        repeat,
        {
            "floor": ([PYTHON, "-c", FLOOR, str(course)], False),
            "bare import": ([PYTHON, "-c", DEPENDENCIES], False),
            "cold": (build_one, True),
            "spread": (build_spread, True),
            "every": (build_all, True),
            "every spread": (build_all_spread, True),
        },
    )
    floor, bare, cold, spread = best["floor"], best["bare import"], best["cold"], best["spread"]
    every, every_spread = best["every"], best["every spread"]
    run(build_one)  # what the no-op and the edit rebuild start from
    noop = run(build_one)
    # An author's usual edit: a paragraph added to a lesson (retitling a lesson also
    # renders the pages listing it, its module's in a large course, every page in a
    # small one).
    lesson = course / "01-module-1" / "02-lesson-2.md"
    with lesson.open("a", encoding="utf-8") as text:
        text.write("\nOne more paragraph, as an author adds after a learner's question.\n")
    edited = run(build_one)
    previewed = _preview_rebuild(course, lesson)

    package = next(out.glob(f"*-{ONE_FORMAT}.zip"))
    runtime = _runtime_bytes(package)
    print(f"\n{size.name}: {size.lessons} lessons in {size.modules} modules")
    print(f"  floor (read + markdown-it-py + deflate) {floor.seconds:8.2f} s")
    print(
        f"  cold build, {ONE_FORMAT}, 1 job       {cold.seconds:8.2f} s  {_ratio(cold, floor)} floor"
    )
    print(
        f"  cold build, {ONE_FORMAT}, {cores} jobs      {spread.seconds:8.2f} s  "
        f"{_ratio(spread, floor)} floor"
    )
    print(
        f"  bare import of the dependencies {bare.seconds:8.2f} s  "
        f"cold build {_ratio(cold, bare).strip()} it"
    )
    print(f"  no-op rebuild                   {noop.seconds:8.2f} s  {_ratio(noop, cold)} cold")
    print(f"  one lesson edited, rebuild      {edited.seconds:8.2f} s  {_ratio(edited, cold)} cold")
    print(
        f"  one lesson edited, preview      {previewed.seconds:8.2f} s  "
        f"{_ratio(previewed, cold)} cold"
    )
    print(f"  cold build, every format        {every.seconds:8.2f} s  {_ratio(every, cold)} one")
    print(
        f"  cold build, every format, {cores} jobs {every_spread.seconds:8.2f} s  "
        f"{_ratio(every_spread, spread)} one ({cores} jobs)"
    )
    print(
        f"  peak memory: one format {cold.peak_mib:.0f} MiB, every format {every.peak_mib:.0f} MiB"
    )
    print(
        f"  {ONE_FORMAT} package {package.stat().st_size / 1024:,.0f} KiB, "
        f"of which Sabaq's runtime (script, styles) {runtime / 1024:,.1f} KiB"
    )


def _preview_rebuild(course: Path, lesson: Path) -> Run:
    """The rebuild ``sabaq preview`` makes when an author saves ``lesson``.

    The preview builds in one process for as long as it runs, so what it built last is
    at hand: timed inside that process, from the save being seen to the package folder
    in place (the watcher notices a save within its polling interval, half a second).
    """
    command = [PYTHON, "-c", PREVIEW_EDIT, str(course), str(lesson)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO)
    return Run(float(done.stdout.strip()), 0.0)


def _ratio(run: Run, base: Run) -> str:
    return f"{run.seconds / base.seconds:6.2f} ×"


def _runtime_bytes(package: Path) -> int:
    with zipfile.ZipFile(package) as archive:
        return sum(
            info.compress_size
            for info in archive.infolist()
            if info.filename.startswith("_sabaq/") and not info.filename.startswith("_sabaq/fonts/")
        )


def start_up(repeat: int) -> None:
    help_run = best_of(repeat, sabaq("--help"))
    bare = best_of(repeat, [PYTHON, "-c", DEPENDENCIES])
    python = best_of(repeat, [PYTHON, "-c", "pass"])
    print(f"start-up: sabaq --help {help_run.seconds * 1000:.0f} ms")
    print(f"          importing the dependency stack alone {bare.seconds * 1000:.0f} ms")
    print(f"          python doing nothing {python.seconds * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="small,medium,large")
    parser.add_argument("--repeat", type=int, default=3, help="best of N for cold figures")
    options = parser.parse_args()
    wanted = options.sizes.split(",")
    print(
        f"Python {sys.version.split()[0]}, {len(os.sched_getaffinity(0))} cores; "
        f"best of {options.repeat}"
    )
    work = Path(tempfile.mkdtemp(prefix="sabaq-scale-"))
    # The builds keep their cache here, never in the user's.
    os.environ["SABAQ_CACHE_DIR"] = str(work / "cache")
    # Sabaq runs as installed, its modules compiled once (pip compiles them on install).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    run(sabaq("--help"))
    start_up(options.repeat)
    cores = len(os.sched_getaffinity(0))
    try:
        for size in SIZES:
            if size.name in wanted:
                measure(size, work, options.repeat, cores)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        "\nLiaScript's exporter is not measured: the npm registry this project installs from "
        "does not hold @liascript/exporter (404 on 2026-12-03)."
    )


if __name__ == "__main__":
    main()
