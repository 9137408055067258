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
2. the records an earlier build of the same packages kept (a
   :class:`~builder.buildcache.Shelf` given by the caller), for contents of at least
   :data:`RECORD_MIN_SIZE` bytes (zlib deflates smaller ones as fast);
3. zlib, at level 9 with a raw deflate stream, exactly as ``zipfile`` calls it, over a
   thread per core for large archives.

The archive is byte for byte what ``zipfile`` writes for the same entries on a seekable
stream: the same headers (PKWARE APPNOTE's local header, central directory and end
record), the same version fields, the UTF-8 flag for non-ASCII names, no data
descriptors or extra fields, and ZIP64 records exactly where ``zipfile`` puts them.

A kept record can never change a byte of a package. Its name hashes the content
together with a fingerprint of this zlib's own output (a different zlib may deflate
the same bytes differently, and its records must not mix with ours), and a record is
used only once it inflates back to exactly the content it stands for; anything else
counts as missing and is deflated and kept again.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import IO, TYPE_CHECKING

from builder.parallel import available_cores

if TYPE_CHECKING:
    from builder.buildcache import Shelf

DateTime = tuple[int, int, int, int, int, int]

MEMO_BUDGET = 64 * 1024 * 1024
"""Deflated bytes this process keeps in memory (plus a fixed cost per entry)."""
RECORD_MIN_SIZE = 1024
"""Contents smaller than this are deflated afresh rather than kept between builds.

Measured on lesson pages: 1 KiB deflates at level 9 in about 0.02 ms, what fetching
and checking a kept record costs; a 10 KiB page takes 0.3 to 0.5 ms.
"""

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


@dataclass(frozen=True, slots=True)
class Deflated:
    """A content's CRC-32, size and raw deflate stream (what a zip entry stores)."""

    crc: int
    size: int
    data: bytes


def write_archive(
    stream: IO[bytes],
    entries: Iterable[tuple[str, bytes]],
    date_time: DateTime,
    mode: int,
    records: Shelf | None = None,
) -> None:
    """Write ``entries`` to ``stream`` (at its start) as a zip, in the order given.

    Every entry is dated ``date_time``, made on Unix with permissions ``mode``, and
    deflated. Names are written as given: checking them is the caller's business.
    Deflated contents are looked up in, and kept on, ``records`` when given.
    """
    dos_time, dos_date = _dos_date_time(date_time)
    central: list[bytes] = []
    offset = 0
    listed = list(entries)
    deflated_entries = _deflated_all([content for _, content in listed], records)
    for (name, _), deflated in zip(listed, deflated_entries, strict=True):
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


THREADS_FROM = 64
"""Archives with fewer entries to deflate are deflated in one thread."""
TASK_BYTES = 256 * 1024
"""About the bytes a thread deflates per task: a task per file cost more in handing out
work than the threads saved (a Moodle backup's ten thousand small files deflated
slower over two threads than in one)."""


def _deflated_all(contents: list[bytes], records: Shelf | None) -> list[Deflated]:
    """Each of ``contents`` deflated: from the memo, from ``records``, or by zlib."""
    keys = [_content_key(content) for content in contents]
    found: dict[str, Deflated] = {}
    missing: dict[str, bytes] = {}
    for key, content in zip(keys, contents, strict=True):
        if key in found or key in missing:
            continue
        known = _known(key, content, records)
        if known is None:
            missing[key] = content
        else:
            found[key] = known
    for (key, content), deflated in zip(
        missing.items(), _deflated_now(list(missing.values())), strict=True
    ):
        found[key] = deflated
        if records is not None and len(content) >= RECORD_MIN_SIZE:
            records.write(key, _record(deflated, content))
    for key in found:
        _memo.put(key, found[key])
    return [found[key] for key in keys]


def _known(key: str, content: bytes, records: Shelf | None) -> Deflated | None:
    """``content`` as this process or an earlier build deflated it, if either did."""
    known = _memo.get(key)
    if records is None or len(content) < RECORD_MIN_SIZE:
        return known
    if known is None:
        return _recalled(records, key, content)
    if not records.has_seen(key):  # memoised for other packages: kept for these too
        records.write(key, _record(known, content))
    return known


def _deflated_now(contents: list[bytes]) -> list[Deflated]:
    """``contents`` deflated by zlib, over a thread per core when there are many.

    zlib lets go of the interpreter while it compresses, so threads deflate in parallel
    without forking; the results keep the contents' order, so the archive's bytes do not
    depend on the number of threads.
    """
    cores = available_cores()
    if cores < 2 or len(contents) < THREADS_FROM:
        return _deflated_in_order(contents)
    from concurrent.futures import ThreadPoolExecutor  # 10 ms to import; large work only

    with ThreadPoolExecutor(max_workers=cores) as pool:  # its map takes no chunks
        tasks = pool.map(_deflated_in_order, _tasks(contents))
        return [deflated for task in tasks for deflated in task]


def _deflated_in_order(contents: list[bytes]) -> list[Deflated]:
    return [_deflate_now(content) for content in contents]


def _tasks(contents: list[bytes]) -> Iterator[list[bytes]]:
    """``contents`` in order, in runs that end at the file bringing them to
    :data:`TASK_BYTES`."""
    run: list[bytes] = []
    size = 0
    for content in contents:
        run.append(content)
        size += len(content)
        if size >= TASK_BYTES:
            yield run
            run, size = [], 0
    if run:
        yield run


def forget_memo() -> None:
    """Empty this process's memo, as a new process would start (kept records stay)."""
    _memo.clear()


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

    def get(self, key: str) -> Deflated | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: str, deflated: Deflated) -> None:
        cost = _memo_cost(deflated)
        if cost > MEMO_BUDGET:
            return
        if key in self._entries:
            self._entries.move_to_end(key)
            return
        self._entries[key] = deflated
        self._bytes += cost
        while self._bytes > MEMO_BUDGET:
            _, forgotten = self._entries.popitem(last=False)
            self._bytes -= _memo_cost(forgotten)

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0


def _memo_cost(deflated: Deflated) -> int:
    return len(deflated.data) + _ENTRY_OVERHEAD


_memo = _Memo()


# ---------------------------------------------------------------------------- kept records


def _record(deflated: Deflated, content: bytes) -> bytes:
    return _RECORD_HEADER.pack(_RECORD_MAGIC, deflated.crc, len(content)) + deflated.data


def _recalled(records: Shelf, key: str, content: bytes) -> Deflated | None:
    """The kept record of ``content``, if there is one and it inflates back to ``content``."""
    record = records.read(key)
    if record is None or len(record) < _RECORD_HEADER.size:
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
