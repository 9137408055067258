"""Deterministic, atomic zip writing."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from builder import archive
from builder.archive import Publication, clear_leftovers, write_zip, zip_bytes

ENTRIES = {"b/page.html": b"<p>b</p>", "imsmanifest.xml": b"<manifest/>", "a.css": b"p{}"}


def test_same_entries_give_the_same_bytes_whatever_their_order() -> None:
    reordered = dict(reversed(list(ENTRIES.items())))
    assert zip_bytes(ENTRIES) == zip_bytes(reordered)


def test_entries_are_sorted_with_fixed_metadata(tmp_path: Path) -> None:
    target = tmp_path / "out.zip"
    write_zip(ENTRIES, target)
    with zipfile.ZipFile(target) as zipped:
        infos = zipped.infolist()
        assert [i.filename for i in infos] == ["a.css", "b/page.html", "imsmanifest.xml"]
        for info in infos:
            assert info.date_time == (2020, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 == 0o100644
            assert info.create_system == 3
            assert info.compress_type == zipfile.ZIP_DEFLATED
        assert zipped.read("b/page.html") == b"<p>b</p>"


def test_source_date_epoch_is_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14T22:13:20Z
    write_zip(ENTRIES, tmp_path / "a.zip")
    with zipfile.ZipFile(tmp_path / "a.zip") as zipped:
        assert zipped.infolist()[0].date_time == (2023, 11, 14, 22, 13, 20)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000002")
    assert zip_bytes(ENTRIES) != (tmp_path / "a.zip").read_bytes()


def test_timestamps_before_1980_are_raised_to_the_zip_floor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert archive.zip_timestamp() == (1980, 1, 1, 0, 0, 0)


@pytest.mark.parametrize(
    "name", ["../evil", "/abs", "a/../b", "a\\b", "C:/x", "a//b", "", "page\x00.html"]
)
def test_unsafe_entry_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="unsafe archive entry name"):
        zip_bytes({name: b""})


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "dist" / "course.zip"
    write_zip(ENTRIES, target)
    before = target.read_bytes()
    with pytest.raises(ValueError):
        write_zip({"ok.txt": b"", "../bad": b""}, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["course.zip"]


def hidden(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("."))


def test_a_publication_writes_all_packages_or_none(tmp_path: Path) -> None:
    (tmp_path / "old.zip").write_bytes(b"old")
    with pytest.raises(ValueError), Publication() as publication:
        publication.add_zip(ENTRIES, tmp_path / "old.zip")
        publication.add_folder(ENTRIES, tmp_path / "site")
        publication.add_zip({"../escape": b""}, tmp_path / "late.zip")  # a later package fails
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.zip"]
    assert (tmp_path / "old.zip").read_bytes() == b"old"


def test_nothing_moves_when_one_destination_is_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "b.zip").mkdir()
    with pytest.raises(IsADirectoryError), Publication() as publication:
        publication.add_zip(ENTRIES, tmp_path / "a.zip")
        publication.add_zip(ENTRIES, tmp_path / "b.zip")
        publication.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.zip"]


def test_leftovers_of_a_killed_build_are_cleared(tmp_path: Path) -> None:
    (tmp_path / ".course.zip.x1y2.part").write_bytes(b"half")
    (tmp_path / ".site.k3j4.part").mkdir()
    # Killed between retiring the old website folder and renaming the new one in:
    (tmp_path / ".site.old").mkdir()
    (tmp_path / ".site.old" / "index.html").write_text("old site")
    (tmp_path / ".other.old").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / ".keep-me").write_text("not ours")
    clear_leftovers(tmp_path)
    assert hidden(tmp_path) == [".keep-me"]
    assert (tmp_path / "site" / "index.html").read_text() == "old site"
    assert (tmp_path / "other").is_dir()


def test_a_folder_links_the_files_an_earlier_one_holds_unchanged(tmp_path: Path) -> None:
    first = archive.write_folder({"a.html": b"same", "b.html": b"old"}, tmp_path / "one")
    entries = {"a.html": b"same", "b.html": b"new", "c/d.css": b"added"}
    second = archive.write_folder(entries, tmp_path / "two", first)
    files = {name: second.path / name for name in entries}
    assert {name: path.read_bytes() for name, path in files.items()} == entries
    assert files["a.html"].samefile(first.path / "a.html")
    assert not files["b.html"].samefile(first.path / "b.html")
    assert (first.path / "b.html").read_bytes() == b"old"  # the earlier folder is untouched


def test_a_folder_writes_what_it_cannot_link(tmp_path: Path) -> None:
    first = archive.write_folder({"a.html": b"same"}, tmp_path / "one")
    (first.path / "a.html").unlink()  # gone meanwhile: written, not linked
    second = archive.write_folder({"a.html": b"same"}, tmp_path / "two", first)
    assert (second.path / "a.html").read_bytes() == b"same"


def test_a_folder_built_again_keeps_the_files_that_did_not_change(tmp_path: Path) -> None:
    site = tmp_path / "site"
    archive.write_folder({"a.html": b"same", "b.html": b"old"}, site)
    before = {name: (site / name).stat().st_ino for name in ("a.html", "b.html")}
    archive.write_folder({"a.html": b"same", "b.html": b"new"}, site)
    assert (site / "a.html").stat().st_ino == before["a.html"]  # linked, then the old let go
    assert (site / "a.html").stat().st_nlink == 1
    assert (site / "b.html").read_bytes() == b"new"


def test_a_folder_shares_no_file_with_anything_outside_it(tmp_path: Path) -> None:
    """A file a user linked into the output folder is written afresh, never linked:
    the next build, or the user, would change both."""
    site, outside = tmp_path / "site", tmp_path / "outside"
    archive.write_folder({"a.html": b"same", "b.html": b"same", "c/d.html": b"same"}, site)
    outside.mkdir()
    (outside / "d.html").write_bytes(b"same")
    (site / "a.html").unlink()
    (site / "a.html").symlink_to(outside / "d.html")
    os.link(site / "b.html", outside / "b.html")
    shutil.rmtree(site / "c")
    (site / "c").symlink_to(outside)
    archive.write_folder({"a.html": b"same", "b.html": b"same", "c/d.html": b"same"}, site)
    for name in ("a.html", "b.html", "c/d.html"):
        written = site / name
        assert not written.is_symlink() and not written.parent.is_symlink()
        assert written.stat().st_nlink == 1 and written.read_bytes() == b"same"
    assert (outside / "d.html").read_bytes() == b"same"
