"""Builds that fail part-way, or are killed, leave dist/ as it was: never part of a set."""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path
from typing import IO

import pytest
from click.testing import CliRunner

from builder import archive
from builder.buildcache import Shelf
from builder.cli import main
from tests.support import copy_root


def snapshot(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def build(course: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["build", str(course), "-o", str(out), "-q", "-f", "scorm12", "-f", "website"]
    )
    return result.exit_code, result.stderr


def test_a_full_disk_mid_build_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = copy_root("minimal", tmp_path)
    out = tmp_path / "dist"
    assert build(course, out)[0] == 0
    before = snapshot(out)
    lesson = course / "01-basics" / "01-welcome.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    written = 0
    real_write = archive._write

    def fills_the_disk(
        stream: IO[bytes], entries: dict[str, bytes], records: Shelf | None = None
    ) -> None:
        nonlocal written
        written += 1
        if written == 2:  # the first package is already written in full
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(stream, entries, records)

    monkeypatch.setattr(archive, "_write", fills_the_disk)
    code, stderr = build(course, out)
    assert code == 1
    assert stderr == f"error: cannot write packages to {out}: No space left on device\n"
    assert snapshot(out) == before  # the old set, whole: not one new package among old ones
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_the_build_after_a_killed_one_tidies_up(tmp_path: Path) -> None:
    course = copy_root("minimal", tmp_path)
    out = tmp_path / "dist"
    assert build(course, out)[0] == 0
    site = next(p for p in out.iterdir() if p.is_dir())
    # What kill -9 leaves at its worst moment: temporaries, and the old website folder
    # retired before the new one was renamed in.
    (out / f".{site.name}.x7.part").mkdir()
    (out / ".minimal-1.0-en-scorm12.zip.k2.part").write_bytes(b"half a zip")
    site.rename(out / f".{site.name}.old")
    assert build(course, out)[0] == 0
    assert site.is_dir() and (site / "index.html").is_file()
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
