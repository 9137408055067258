"""A build asked again with nothing changed writes nothing; anything changed builds cold.

The record of a build (builder.buildcache) must never change a byte: a build it skips
leaves exactly the packages a cold build makes, and every input that decides a byte
(a lesson, a catalog, the archive date, Sabaq's request) makes the next build cold.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from builder import build as build_module
from builder import buildcache
from builder.build import BuildResult, build
from builder.parallel import can_fork, map_in_processes
from tests.support import copy_root, sabaq

FORMATS = ["scorm12", "website"]


def contents(out: Path) -> dict[str, bytes]:
    """Every file a build left in ``out``, by its path inside it."""
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }


def stamps(out: Path) -> dict[str, int]:
    return {
        path.relative_to(out).as_posix(): path.stat().st_mtime_ns
        for path in out.rglob("*")
        if path.is_file()
    }


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return copy_root("minimal", tmp_path / "courses")


def build_into(course: Path, out: Path) -> BuildResult:
    return build([course], out, FORMATS)


def test_nothing_changed_writes_nothing_and_reports_the_same(course: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    first = build_into(course, out)
    before = stamps(out)
    again = build_into(course, out)
    assert not first.up_to_date and again.up_to_date
    assert again.packages == first.packages
    assert [w.format() for w in again.warnings] == [w.format() for w in first.warnings]
    assert stamps(out) == before


def test_an_up_to_date_build_equals_a_cold_one(course: Path, tmp_path: Path) -> None:
    build_into(course, tmp_path / "dist")
    assert build_into(course, tmp_path / "dist").up_to_date
    shutil.rmtree(buildcache.cache_dir())
    cold = build_into(course, tmp_path / "cold")
    assert not cold.up_to_date
    assert contents(tmp_path / "dist") == contents(tmp_path / "cold")


@pytest.mark.parametrize("change", ["lesson", "new file", "catalog", "archive date", "format"])
def test_a_change_builds_cold_and_like_a_fresh_build(
    change: str, course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "dist"
    build_into(course, out)
    formats = FORMATS
    lesson = next(course.rglob("*.md"))
    if change == "lesson":
        lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more line.\n")
    elif change == "new file":
        (lesson.parent / "notes.txt").write_text("an asset no lesson links yet\n")
    elif change == "catalog":
        catalogs = tmp_path / "locales" / "ur" / "LC_MESSAGES"
        catalogs.mkdir(parents=True)
        (catalogs / "minimal.po").write_text('msgid ""\nmsgstr ""\n')
    elif change == "archive date":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    else:
        formats = ["scorm12"]
    rebuilt = build([course], out, formats)
    assert not rebuilt.up_to_date
    fresh = build([course], tmp_path / "fresh", formats)
    assert {p.path.name: p.path.read_bytes() for p in rebuilt.packages} == {
        p.path.name: p.path.read_bytes() for p in fresh.packages
    }


@pytest.mark.parametrize("damage", ["package", "unpacked file", "deleted"])
def test_a_package_changed_since_builds_cold(damage: str, course: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    first = build_into(course, out)
    package = first.packages[0].path
    folder = next(p.folder for p in first.packages if p.folder is not None)
    if damage == "package":
        package.write_bytes(package.read_bytes() + b"\0")
    elif damage == "unpacked file":
        next(path for path in folder.rglob("*.html")).write_text("edited by hand")
    else:
        package.unlink()
    again = build_into(course, out)
    assert not again.up_to_date
    build_into(course, tmp_path / "fresh")
    assert contents(out) == contents(tmp_path / "fresh")
    assert build_into(course, out).up_to_date


def test_a_broken_record_is_a_cold_build(course: Path, tmp_path: Path) -> None:
    build_into(course, tmp_path / "dist")
    for record in buildcache.cache_dir().glob("*.json"):
        record.write_text("{not json")
    assert not build_into(course, tmp_path / "dist").up_to_date


def test_the_command_says_the_packages_are_up_to_date(tmp_path: Path) -> None:
    course = copy_root("minimal", tmp_path / "courses")
    out = tmp_path / "dist"
    assert sabaq("build", str(course), "--out", str(out)).exit_code == 0
    again = sabaq("build", str(course), "--out", str(out))
    assert again.exit_code == 0
    assert "up to date: nothing they are made from has changed" in again.output


def test_a_shelf_used_before_a_fork_opens_its_own_connection_in_the_worker(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """SQLite connections must not cross a fork: a worker opens its own, and its writes
    reach the database."""
    monkeypatch.setenv("SABAQ_CACHE_DIR", str(tmp_path / "cache"))
    shelf = buildcache.Shelf("test", "fork")
    shelf.write("before", b"parent")
    shelf.store()
    parents = buildcache._kept()
    assert can_fork()

    def in_worker(_: int) -> tuple[bool, bytes | None]:
        shelf.write("after", b"worker")
        shelf.store()
        return buildcache._kept() is parents, buildcache.Shelf("test", "fork").read("before")

    assert map_in_processes(in_worker, [0, 1], jobs=2, worth_it_from=2) == [(False, b"parent")] * 2
    assert buildcache.Shelf("test", "fork").read("after") == b"worker"


def test_kept_parts_stay_within_their_budget_dropping_the_oldest_shelves(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SABAQ_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(buildcache, "KEPT_BUDGET", 160 * 1024)
    for name in ("a", "b", "c", "d"):  # a course no longer built, ..., the one built now
        shelf = buildcache.Shelf("pages", name)
        shelf.write("page", random.Random(name).randbytes(50 * 1024))
        shelf.store()
    held = {name: buildcache.Shelf("pages", name).read("page") is not None for name in "abcd"}
    assert held == {"a": False, "b": False, "c": True, "d": True}


def test_large_entries_are_fetched_when_asked_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SABAQ_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(buildcache.Shelf, "FETCHED_TOGETHER", 100)
    shelf = buildcache.Shelf("deflated", "media")
    shelf.write("small", b"s" * 100)
    shelf.write("video", b"v" * 5000)
    shelf.store()
    again = buildcache.Shelf("deflated", "media")
    assert again.read("small") == b"s" * 100
    assert again.read("video") == b"v" * 5000
    assert again.read("absent") is None


def test_library_versions_are_those_installed() -> None:
    from importlib.metadata import version

    for name, found in zip(
        buildcache.OUTPUT_LIBRARIES, buildcache._library_versions(), strict=True
    ):
        assert found.endswith(f"-{version(name)}.dist-info"), (name, found)


def test_another_version_of_a_library_is_another_build(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = ([course], tmp_path / "dist", None, None, None, ())
    before = buildcache.fingerprint(*request).key
    newer = tmp_path / "site-packages"
    (newer / "Pygments-99.0.dist-info").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(newer))  # found first, as an import would find it
    assert buildcache.fingerprint(*request).key != before


def test_a_save_during_a_build_leaves_no_record_of_it(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The author saves a lesson after the build fingerprinted the sources and then
    puts it back: the packages of the saved text must not pass for the first text's."""
    lesson = sorted(course.rglob("*.md"))[0]
    written = lesson.read_bytes()
    fingerprinting = buildcache.remembered_build

    def saved_meanwhile(*request: Any) -> Any:
        found = fingerprinting(*request)
        lesson.write_bytes(written + b"\nSaved during the build.\n")
        return found

    out = tmp_path / "dist"
    monkeypatch.setattr(build_module, "remembered_build", saved_meanwhile)
    build_into(course, out)
    monkeypatch.setattr(build_module, "remembered_build", fingerprinting)
    lesson.write_bytes(written)
    again = build_into(course, out)
    assert not again.up_to_date
    build_into(course, tmp_path / "fresh")
    assert contents(out) == contents(tmp_path / "fresh")
