"""Sabaq's own zip writer: zipfile's bytes, each distinct content deflated once."""

from __future__ import annotations

import io
import random
import shutil
import sqlite3
import zipfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from builder import buildcache, zipwriter
from builder.archive import FILE_MODE, zip_bytes, zip_timestamp
from builder.buildcache import Shelf
from builder.zipwriter import RECORD_MIN_SIZE, DateTime, Deflated, forget_memo, write_archive

STAMP: DateTime = (2023, 11, 14, 22, 13, 21)  # an odd second, which a zip rounds down


def page(number: int, paragraphs: int = 400) -> bytes:
    """A lesson page, well over RECORD_MIN_SIZE, different for every ``number``."""
    return b"".join(
        b"<p>Lesson %d, paragraph %d: blocks, chains and consensus.</p>\n" % (number, n)
        for n in range(paragraphs)
    )


def noise(size: int, seed: int = 12) -> bytes:
    return random.Random(seed).randbytes(size)


REPRESENTATIVE = {
    "empty.txt": b"",
    "imsmanifest.xml": b'<?xml version="1.0"?>\n<manifest identifier="m"/>\n',
    "_sabaq/fonts/naskh.woff2": noise(30_000),
    "lessons/01-module/02-lesson/index.html": page(2),
    "lessons/01-module/02-lesson/images/figure.svg": b'<svg viewBox="0 0 2 2"/>',
    "دروس/سبق-۱.html": page(3),  # a non-ASCII name: zipfile flags it UTF-8
    "café/menu.txt": "crème brûlée".encode(),
    "large/all-lessons.html": b"".join(page(n, 40) for n in range(500)),  # about 1.3 MB
}


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("SABAQ_CACHE_DIR", str(tmp_path / "cache"))
    forget_memo()
    yield
    forget_memo()  # what a test deflated is no other test's business


@pytest.fixture
def deflations(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The contents zlib is asked to deflate, in order."""
    seen: list[bytes] = []
    deflate_now = zipwriter._deflate_now

    def counting(content: bytes) -> Deflated:
        seen.append(content)
        return deflate_now(content)

    monkeypatch.setattr(zipwriter, "_deflate_now", counting)
    return seen


def zipfile_bytes(entries: Mapping[str, bytes], date_time: DateTime = STAMP) -> bytes:
    """What Python's zipfile writes for ``entries`` with Sabaq's settings."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.create_system = 3
            info.external_attr = FILE_MODE << 16
            archive.writestr(
                info, entries[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9
            )
    return buffer.getvalue()


def our_bytes(
    entries: Mapping[str, bytes], date_time: DateTime = STAMP, records: Shelf | None = None
) -> bytes:
    buffer = io.BytesIO()
    write_archive(
        buffer, ((name, entries[name]) for name in sorted(entries)), date_time, FILE_MODE, records
    )
    return buffer.getvalue()


def kept_bytes(entries: Mapping[str, bytes]) -> bytes:
    """Write ``entries`` as one build does: with the records the last one kept, kept again."""
    records = Shelf("deflated", "test")
    written = our_bytes(entries, records=records)
    records.store()
    return written


def records() -> dict[str, bytes]:
    """The deflated records kept, by name."""
    with sqlite3.connect(buildcache.cache_root() / buildcache.KEPT_FILE) as database:
        rows = database.execute("SELECT name, data FROM kept WHERE shelf = 'deflated/test'")
        return dict(rows.fetchall())


def spoil_record(name: str, data: bytes) -> None:
    with sqlite3.connect(buildcache.cache_root() / buildcache.KEPT_FILE) as database:
        database.execute(
            "UPDATE kept SET data = ? WHERE shelf = 'deflated/test' AND name = ?", (data, name)
        )


def test_archives_are_byte_identical_to_zipfiles() -> None:
    written = our_bytes(REPRESENTATIVE)
    assert written == zipfile_bytes(REPRESENTATIVE)
    with zipfile.ZipFile(io.BytesIO(written)) as archive:
        assert archive.testzip() is None
        assert {name: archive.read(name) for name in archive.namelist()} == REPRESENTATIVE
        assert archive.getinfo("دروس/سبق-۱.html").flag_bits & 0x800


def test_the_archive_api_writes_what_zipfile_wrote() -> None:
    assert zip_bytes(REPRESENTATIVE) == zipfile_bytes(REPRESENTATIVE, zip_timestamp())
    assert zip_bytes({}) == zipfile_bytes({})


def test_zip64_records_go_where_zipfile_puts_them(monkeypatch: pytest.MonkeyPatch) -> None:
    # Real ZIP64 needs gigabytes; both writers read their limits at run time.
    for module in (zipfile, zipwriter):
        monkeypatch.setattr(module, "ZIP64_LIMIT", 3000)
        monkeypatch.setattr(module, "ZIP_FILECOUNT_LIMIT", 4)
    entries = {
        "a-small.txt": b"tiny",
        "b-near.html": page(1)[:2900],  # ZIP64 in its local header only (zipfile's 5 % margin)
        "c-large.html": page(2),  # large, deflated small
        "d-noise.bin": noise(5000),  # large both ways
        "e-late.txt": b"after the offsets pass the limit",
        "f-more.txt": b"and more entries than the limit",
    }
    written = our_bytes(entries)
    assert written == zipfile_bytes(entries)
    with zipfile.ZipFile(io.BytesIO(written)) as archive:
        assert archive.testzip() is None
        extras = {info.filename: len(info.extra) for info in archive.infolist()}
    # Every case met: sizes (20 bytes), offsets (12), neither (0), and the end records.
    assert extras == {
        "a-small.txt": 0,
        "b-near.html": 0,
        "c-large.html": 20,
        "d-noise.bin": 20,
        "e-late.txt": 12,
        "f-more.txt": 12,
    }
    assert b"PK\x06\x06" in written


def test_cold_warm_and_memoised_writes_give_the_same_bytes() -> None:
    cold = kept_bytes(REPRESENTATIVE)
    memoised = kept_bytes(REPRESENTATIVE)
    forget_memo()
    from_records = kept_bytes(REPRESENTATIVE)
    assert cold == memoised == from_records == zipfile_bytes(REPRESENTATIVE)


def test_a_content_in_many_packages_is_deflated_once(deflations: list[bytes]) -> None:
    shared, own = page(1), page(2)
    our_bytes({"scorm/index.html": shared, "scorm/copy.html": shared, "a.txt": b"x"})
    our_bytes({"website/index.html": shared, "website/own.html": own, "b.txt": b"x"})
    assert sorted(deflations) == sorted([shared, own, b"x"])


def test_a_kept_record_serves_a_new_process(deflations: list[bytes]) -> None:
    entries = {"page.html": page(1), "small.txt": b"short"}
    first = kept_bytes(entries)
    assert len(records()) == 1
    forget_memo()  # as a new process starts
    deflations.clear()
    assert kept_bytes(entries) == first
    assert deflations == [b"short"]  # below RECORD_MIN_SIZE: as quick to deflate as to read


def test_small_contents_are_not_kept() -> None:
    kept_bytes({"small.txt": b"s" * (RECORD_MIN_SIZE - 1)})
    assert records() == {}


def test_a_build_keeps_only_the_records_it_used() -> None:
    kept_bytes({"one.html": page(1), "two.html": page(2)})
    kept_bytes({"one.html": page(1), "three.html": page(3)})
    assert len(records()) == 2


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda record: b"", id="empty"),
        pytest.param(lambda record: record[: len(record) // 2], id="truncated"),
        pytest.param(lambda record: record[:-1] + bytes([record[-1] ^ 1]), id="flipped-bit"),
        pytest.param(lambda record: record + b"junk", id="trailing-bytes"),
        pytest.param(lambda record: b"XXXX" + record[4:], id="foreign"),
        pytest.param(lambda record: record[:4] + b"\0\0\0\0" + record[8:], id="wrong-crc"),
    ],
)
def test_a_spoilt_record_is_ignored_and_kept_again(
    spoil: Callable[[bytes], bytes], deflations: list[bytes]
) -> None:
    entries = {"page.html": page(1)}
    cold = kept_bytes(entries)
    [(name, good)] = records().items()
    spoil_record(name, spoil(good))
    forget_memo()
    deflations.clear()
    assert kept_bytes(entries) == cold
    assert deflations == [page(1)]
    assert records() == {name: good}


def test_the_cache_folder_may_vanish_mid_build() -> None:
    entries = {f"{n:02d}.html": page(n) for n in range(6)}
    cold = kept_bytes(entries)
    forget_memo()
    records_ = Shelf("deflated", "test")
    assert our_bytes(entries, records=records_) == cold
    shutil.rmtree(buildcache.cache_root())
    records_.store()  # into a database no longer there: only the next build is slower
    forget_memo()
    assert kept_bytes(entries) == cold
    assert len(records()) == 6


def test_an_unwritable_cache_only_makes_writing_slower(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("SABAQ_CACHE_DIR", str(blocked))
    assert kept_bytes(REPRESENTATIVE) == zipfile_bytes(REPRESENTATIVE)


def test_the_memo_forgets_the_least_recently_used_past_its_budget(
    monkeypatch: pytest.MonkeyPatch, deflations: list[bytes]
) -> None:
    small = [b"%d: " % n + b"short content " * 20 for n in range(3)]
    monkeypatch.setattr(
        zipwriter, "MEMO_BUDGET", 2 * zipwriter._memo_cost(zipwriter._deflate_now(small[0]))
    )
    deflations.clear()
    forget_memo()
    for content in [small[0], small[1], small[0], small[2], small[0], small[1]]:
        our_bytes({"only.txt": content})  # an archive of that one file
    # small[0] stays, being used most recently; small[1] made way for small[2].
    assert deflations == [small[0], small[1], small[2], small[1]]


def test_an_archive_deflated_over_threads_is_what_zipfile_writes() -> None:
    entries = {f"pages/{n:03d}.html": page(n) for n in range(zipwriter.THREADS_FROM * 2)}
    # Many small files around a large one: the threads' tasks hold runs of files.
    entries |= {f"xml/{n:04d}.xml": f"<item n='{n}'/>".encode() for n in range(1000)}
    entries["media/large.bin"] = random.Random(7).randbytes(2 * zipwriter.TASK_BYTES)
    forget_memo()
    assert our_bytes(entries) == zipfile_bytes(entries)


def test_threads_deflate_runs_of_files_in_order() -> None:
    contents = [b"a" * 100] * 3000 + [b"b" * (3 * zipwriter.TASK_BYTES)] + [b"c" * 1000] * 10
    tasks = list(zipwriter._tasks(contents))
    assert [content for task in tasks for content in task] == contents
    assert len(tasks) == 3  # a run ends at the file that brings it to TASK_BYTES
    assert all(
        sum(map(len, task[:-1])) < zipwriter.TASK_BYTES <= sum(map(len, task))
        for task in tasks[:-1]
    )
