"""Zip archives written by Sabaq itself, each distinct content deflated once.

A build writes many packages (every format, every language) that hold largely the
same files: lesson pages, theme files, fonts. Python's ``zipfile`` deflates each of
them again in every package, and again on every rebuild, when deflating at level 9 is
most of what writing a package costs. This writer lays the archive out itself and
takes each entry's deflated bytes from the first place that has them:

1. a memo of this process, keyed by a hash of the content, kept under
   :data:`MEMO_BUDGET` bytes by forgetting the least recently used entries (one
   course and language is what packages share, so a small memo catches nearly every
   repeat while peak memory stays flat however large the build);
2. records kept across builds in Sabaq's cache folder (``<cache>/deflate/ab/ab….z``),
   for contents of at least :data:`DISK_MIN_SIZE` bytes (smaller ones deflate faster
   than a file opens);
3. zlib, at level 9 with a raw deflate stream, exactly as ``zipfile`` calls it.

The archive is byte for byte what ``zipfile`` writes for the same entries on a seekable
stream: the same headers (PKWARE APPNOTE's local header, central directory and end
record), the same version fields, the UTF-8 flag for non-ASCII names, no data
descriptors or extra fields, and ZIP64 records exactly where ``zipfile`` puts them.

A cached record can never change a byte of a package. Its name hashes the content
together with a fingerprint of this zlib's own output (a different zlib may deflate
the same bytes differently, and its records must not mix with ours), and a record is
used only once it inflates back to exactly the content it stands for. Anything else
(truncated, corrupt, half written) counts as missing and is written again. Records are
written to a temporary file and renamed into place, so builds running side by side may
write the same record at once; the folder may be deleted at any time. It is kept under
about :data:`DISK_BUDGET` bytes by removing the records least recently used, checked at
the first write of each process and after every eighth of the budget written since.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
import tempfile
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO

from builder.buildcache import cache_root

DateTime = tuple[int, int, int, int, int, int]

MEMO_BUDGET = 64 * 1024 * 1024
"""Deflated bytes this process keeps in memory (plus a fixed cost per entry)."""
DISK_MIN_SIZE = 16 * 1024
"""Contents smaller than this are deflated afresh rather than read from the cache.

Measured on lesson pages, scripts and fonts: 4 KiB deflate at level 9 in 0.03 to
0.06 ms, faster than a record can be read back, and creating a record file costs 0.15
to 0.4 ms; 16 KiB take 0.25 to 0.5 ms, where a record pays for itself at the first
rebuild.
"""
DISK_BUDGET = 512 * 1024 * 1024
"""Roughly the most the cache's ``deflate`` folder holds."""

# zipfile's thresholds, lower than the format's own limits: ZIP64 records where it puts
# them, and nowhere else, keep the bytes the same.
ZIP64_LIMIT = (1 << 31) - 1
ZIP_FILECOUNT_LIMIT = (1 << 16) - 1

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_CENTRAL_HEADER = struct.Struct("<4s4B4HL2L5H2L")
_END_RECORD = struct.Struct("<4s4H2LH")
_ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_VERSION = 20  # 2.0: what deflate needs
_ZIP64_VERSION = 45
_UNIX = 3
_DEFLATED = 8
_UTF8_NAME = 1 << 11
_NO_SIZE = 0xFFFFFFFF

_RECORD_HEADER = struct.Struct("<4sLQ")  # magic, crc32 and size of the content
_RECORD_MAGIC = b"SBZ1"
_ENTRY_OVERHEAD = 200  # what a memo entry costs beyond its bytes: key, objects, links
_STALE_TEMPORARY = 3600  # seconds after which a ``.part`` file is a killed writer's
_TOUCH_AFTER = 3600  # a record read is marked as used at most once an hour
_BLOCK = 4096  # the usual file system block, what a small record takes on disk


@dataclass(frozen=True, slots=True)
class Deflated:
    """A content's CRC-32, size and raw deflate stream (what a zip entry stores)."""

    crc: int
    size: int
    data: bytes


def write_archive(
    stream: IO[bytes], entries: Iterable[tuple[str, bytes]], date_time: DateTime, mode: int
) -> None:
    """Write ``entries`` to ``stream`` (at its start) as a zip, in the order given.

    Every entry is dated ``date_time``, made on Unix with permissions ``mode``, and
    deflated. Names are written as given: checking them is the caller's business.
    """
    dos_time, dos_date = _dos_date_time(date_time)
    central: list[bytes] = []
    offset = 0
    listed = list(entries)
    for (name, _), deflated in zip(listed, _deflated_together(listed), strict=True):
        encoded, flags = _encode_name(name)
        local = _local_header(encoded, flags, dos_time, dos_date, deflated)
        stream.write(local)
        stream.write(deflated.data)
        central.append(_central_header(encoded, flags, dos_time, dos_date, deflated, mode, offset))
        offset += len(local) + len(deflated.data)
    for header in central:
        stream.write(header)
    directory_size = sum(len(header) for header in central)
    stream.write(_end_records(len(central), directory_size, offset))


def deflate(content: bytes) -> Deflated:
    """``content`` deflated as ``zipfile`` does, from the memo, the cache or zlib."""
    key = _content_key(content)
    if (known := _memo.get(key)) is not None:
        return known
    worth_a_record = len(content) >= DISK_MIN_SIZE
    found = _read_record(key, content) if worth_a_record else None
    if found is None:
        found = _deflate_now(content)
        if worth_a_record:
            _write_record(key, found)
    _memo.put(key, found)
    return found


THREADS_FROM = 64
"""Archives of fewer entries are deflated in one thread."""


def _deflated_together(entries: list[tuple[str, bytes]]) -> list[Deflated]:
    """Each entry's content deflated (:func:`deflate`), over a thread per core.

    zlib lets go of the interpreter while it compresses, so threads deflate in parallel
    without forking; the results keep the entries' order, so the archive's bytes do not
    depend on the number of threads.
    """
    contents = [content for _, content in entries]
    from builder.parallel import available_cores  # here: it loads multiprocessing

    cores = available_cores()
    if cores < 2 or len(contents) < THREADS_FROM:
        return [deflate(content) for content in contents]
    from concurrent.futures import ThreadPoolExecutor  # 10 ms to import; large work only

    with ThreadPoolExecutor(max_workers=cores) as pool:
        return list(pool.map(deflate, contents, chunksize=16))


def forget_memo() -> None:
    """Empty this process's memo, as a new process would start (the disk cache stays)."""
    _memo.clear()


def deflate_cache_dir() -> Path:
    """Where deflated contents are kept between builds."""
    return cache_root() / "deflate"


# ---------------------------------------------------------------------------- layout


def _dos_date_time(date_time: DateTime) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    if not 1980 <= year <= 2107:
        raise ValueError(f"a zip can only date entries from 1980 to 2107, not {year}")
    return hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day


def _encode_name(name: str) -> tuple[bytes, int]:
    """The name's bytes and flags: an ASCII name says nothing, any other is flagged UTF-8."""
    if name.isascii():
        return name.encode("ascii"), 0
    return name.encode("utf-8"), _UTF8_NAME


def _zip64_in_local_header(size: int) -> bool:
    # zipfile decides before deflating, allowing 5 % for deflate to grow the content.
    return size * 1.05 > ZIP64_LIMIT


def _entry_version(size: int) -> int:
    return _ZIP64_VERSION if _zip64_in_local_header(size) else _VERSION


def _local_header(
    name: bytes, flags: int, dos_time: int, dos_date: int, deflated: Deflated
) -> bytes:
    compressed, size, extra = len(deflated.data), deflated.size, b""
    if _zip64_in_local_header(size):
        extra = struct.pack("<HHQQ", 1, 16, size, compressed)
        compressed = size = _NO_SIZE
    version = _entry_version(deflated.size)
    fields = (version, 0, flags, _DEFLATED, dos_time, dos_date, deflated.crc, compressed, size)
    return _LOCAL_HEADER.pack(b"PK\x03\x04", *fields, len(name), len(extra)) + name + extra


def _central_header(
    name: bytes,
    flags: int,
    dos_time: int,
    dos_date: int,
    deflated: Deflated,
    mode: int,
    offset: int,
) -> bytes:
    compressed, size = len(deflated.data), deflated.size
    large: list[int] = []
    if size > ZIP64_LIMIT or compressed > ZIP64_LIMIT:
        large += [size, compressed]
        compressed = size = _NO_SIZE
    if offset > ZIP64_LIMIT:
        large.append(offset)
        offset = _NO_SIZE
    extra = struct.pack(f"<HH{len(large)}Q", 1, 8 * len(large), *large) if large else b""
    version = max(_ZIP64_VERSION if large else 0, _entry_version(deflated.size))
    header = _CENTRAL_HEADER.pack(
        b"PK\x01\x02",
        version,  # made by
        _UNIX,  # so that extractors read ``mode`` as Unix permissions
        version,  # needed to extract
        0,
        flags,
        _DEFLATED,
        dos_time,
        dos_date,
        deflated.crc,
        compressed,
        size,
        len(name),
        len(extra),
        0,  # comment length
        0,  # disk number
        0,  # internal attributes
        mode << 16,
        offset,
    )
    return header + name + extra


def _end_records(count: int, directory_size: int, directory_offset: int) -> bytes:
    """The end of central directory record, after ZIP64's two when zipfile writes them."""
    records = b""
    if (
        count > ZIP_FILECOUNT_LIMIT
        or directory_offset > ZIP64_LIMIT
        or directory_size > ZIP64_LIMIT
    ):
        zip64_end_at = directory_offset + directory_size
        records = _ZIP64_END_RECORD.pack(
            b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, directory_size, directory_offset
        ) + _ZIP64_LOCATOR.pack(b"PK\x06\x07", 0, zip64_end_at, 1)
        count = min(count, 0xFFFF)
        directory_size = min(directory_size, _NO_SIZE)
        directory_offset = min(directory_offset, _NO_SIZE)
    return records + _END_RECORD.pack(
        b"PK\x05\x06", 0, 0, count, count, directory_size, directory_offset, 0
    )


# ---------------------------------------------------------------------------- deflating


def _deflate_now(content: bytes) -> Deflated:
    return Deflated(zlib.crc32(content), len(content), _raw_deflate(content))


def _raw_deflate(content: bytes) -> bytes:
    # The same call zipfile makes at level 9: a raw stream (no zlib header), fed at once.
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(content) + compressor.flush()


@cache
def _compressor_fingerprint() -> bytes:
    """What tells this zlib's level-9 output apart from another build's.

    Two zlibs of the same version (a distribution's accelerated one, zlib-ng) may
    deflate the same bytes differently; deflating a sample shows which one this is.
    """
    sample = b"".join(
        b"<p class=%d>Lesson %d: %s</p>\n" % (n % 7, n, bytes(range(32 + n % 60, 95)))
        for n in range(400)
    )
    return hashlib.sha256(
        zlib.ZLIB_RUNTIME_VERSION.encode() + b"\0" + _raw_deflate(sample)
    ).digest()


def _content_key(content: bytes) -> str:
    digest = hashlib.sha256(_compressor_fingerprint())
    digest.update(content)
    return digest.hexdigest()


class _Memo:
    """Deflated contents by key, the least recently used forgotten past a byte budget."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, Deflated] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # archives are deflated over threads

    def get(self, key: str) -> Deflated | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: str, deflated: Deflated) -> None:
        cost = _memo_cost(deflated)
        with self._lock:
            if key in self._entries or cost > MEMO_BUDGET:
                return
            self._entries[key] = deflated
            self._bytes += cost
            while self._bytes > MEMO_BUDGET:
                _, forgotten = self._entries.popitem(last=False)
                self._bytes -= _memo_cost(forgotten)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def _memo_cost(deflated: Deflated) -> int:
    return len(deflated.data) + _ENTRY_OVERHEAD


_memo = _Memo()


# ---------------------------------------------------------------------------- disk cache


def _record_path(key: str) -> Path:
    return deflate_cache_dir() / key[:2] / f"{key}.z"


def _read_record(key: str, content: bytes) -> Deflated | None:
    """The record of ``content``, if there is one and it inflates back to ``content``."""
    path = _record_path(key)
    try:
        with open(path, "rb") as stream:
            status = os.fstat(stream.fileno())
            record = stream.read()
    except OSError:
        return None
    deflated = _verified(record, content)
    if deflated is not None and time.time() - status.st_atime > _TOUCH_AFTER:
        _mark_used(path, status.st_mtime)
    return deflated


def _verified(record: bytes, content: bytes) -> Deflated | None:
    if len(record) < _RECORD_HEADER.size:
        return None
    magic, crc, size = _RECORD_HEADER.unpack_from(record)
    if magic != _RECORD_MAGIC or size != len(content) or crc != zlib.crc32(content):
        return None
    data = record[_RECORD_HEADER.size :]
    inflater = zlib.decompressobj(-15)
    try:
        # Inflating one byte more than the content catches a record that runs on.
        inflated = inflater.decompress(data, size + 1)
    except zlib.error:
        return None
    if inflated != content or not inflater.eof or inflater.unused_data:
        return None
    return Deflated(crc, size, data)


def _mark_used(path: Path, modified: float) -> None:
    # Pruning goes by access time, which many file systems record late or never.
    with contextlib.suppress(OSError):
        os.utime(path, (time.time(), modified))


def _write_record(key: str, deflated: Deflated) -> None:
    """Keep ``deflated`` for later builds; a cache that cannot be written is only slower."""
    path = _record_path(key)
    temporary: str | None = None
    try:
        handle, temporary = _temporary_beside(path)
        with os.fdopen(handle, "wb") as stream:
            stream.write(_RECORD_HEADER.pack(_RECORD_MAGIC, deflated.crc, deflated.size))
            stream.write(deflated.data)
        os.replace(temporary, path)
    except OSError:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        return
    _pruning.written(_blocks_for(_RECORD_HEADER.size + len(deflated.data)))


def _temporary_beside(path: Path) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(prefix=".", suffix=".part", dir=path.parent)
    except FileNotFoundError:  # the first record of its folder, or the cache was deleted
        path.parent.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(prefix=".", suffix=".part", dir=path.parent)


class _PruningSchedule:
    """When to see whether the cache folder has outgrown its budget.

    Walking the folder costs a stat per record, so it is done at the first write of a
    process, which bounds the growth of many small builds, and after every eighth of
    the budget written since, which bounds one large build.
    """

    def __init__(self) -> None:
        self._unchecked: int | None = None
        self._lock = threading.Lock()  # records are written from several threads

    def written(self, size: int) -> None:
        with self._lock:
            if self._unchecked is not None:
                self._unchecked += size
                if self._unchecked < DISK_BUDGET // 8:
                    return
            self._unchecked = 0
            prune_deflate_cache(deflate_cache_dir(), DISK_BUDGET)


_pruning = _PruningSchedule()


def prune_deflate_cache(folder: Path, budget: int) -> None:
    """Bring ``folder`` under ``budget`` bytes, removing the least recently used records.

    It is brought down to three quarters of the budget, so that the next check does not
    find it just over again. Temporaries a killed writer left behind are removed too.
    """
    records: list[tuple[float, int, Path]] = []
    now = time.time()
    for path in _files_two_levels_down(folder):
        try:
            status = path.stat()
            if path.name.endswith(".part"):
                if now - status.st_mtime > _STALE_TEMPORARY:
                    path.unlink()
            else:
                records.append((status.st_atime, _space_taken(status), path))
        except OSError:
            continue  # removed meanwhile by another build
    total = sum(size for _, size, _ in records)
    if total <= budget:
        return
    for _, size, path in sorted(records):
        if total <= budget * 3 // 4:
            break
        with contextlib.suppress(OSError):
            path.unlink()
        total -= size


def _space_taken(status: os.stat_result) -> int:
    # A record of a few kilobytes takes whole disk blocks, and the disk is what is bounded.
    return max(status.st_size, getattr(status, "st_blocks", 0) * 512)


def _blocks_for(size: int) -> int:
    return -(-size // _BLOCK) * _BLOCK


def _files_two_levels_down(folder: Path) -> list[Path]:
    found: list[Path] = []
    try:
        shelves = [entry.path for entry in os.scandir(folder) if entry.is_dir()]
    except OSError:
        return found
    for shelf in shelves:
        try:
            found += (Path(entry.path) for entry in os.scandir(shelf) if entry.is_file())
        except OSError:
            continue
    return found
