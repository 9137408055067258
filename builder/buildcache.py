"""A build remembered: asked again with nothing changed, it writes nothing and says so.

The record of a finished build is kept under the user's cache folder
(``$SABAQ_CACHE_DIR/builds``, else ``$XDG_CACHE_HOME/sabaq/builds``, else
``~/.cache/sabaq/builds``), named by a fingerprint of everything that decides the
packages' bytes:

- Sabaq's own code and theme, and the versions of the libraries that shape output;
- every file of every course asked for, and the translation catalogs beside them;
- the font files a right-to-left build may subset;
- the request (formats, languages, catalogs folder, output folder) and
  ``SOURCE_DATE_EPOCH``, which dates every archive entry.

A build whose fingerprint has a record, and whose packages are still in place exactly
as that build left them (same size and modification time, file by file for unpacked
folders), is not done again: the record's packages and warnings are reported instead.
Anything else is a cold build, whose result is then recorded. Deleting the cache
folder, or any record in it, only makes the next build cold: a record never changes
a byte of any package.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from builder.errors import Diagnostic, Level, Location
from builder.fontdirs import font_search_path

RECORD_VERSION = 1
OUTPUT_LIBRARIES = (
    "markdown-it-py",
    "mdit-py-plugins",
    "jinja2",
    "markupsafe",
    "pygments",
    "lxml",
    "babel",
    "polib",
    "latex2mathml",
    "fonttools",
    "uharfbuzz",
    "pyyaml",
)
"""The libraries whose version may change what Sabaq writes."""


@dataclass(frozen=True, slots=True)
class BuiltPackage:
    """A package a build wrote (or, up to date, found as an earlier build left it)."""

    path: Path
    course_id: str
    lang: str
    format: str
    size: int
    file_count: int
    folder: Path | None


@dataclass
class BuildResult:
    packages: list[BuiltPackage] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    up_to_date: bool = False
    """Nothing changed since the last build of this request: no package was written."""


@dataclass(frozen=True, slots=True)
class Request:
    """A build request as fingerprinted: its key, and its source files as they were."""

    key: str
    folders: tuple[Path, ...]
    stamps: tuple[tuple[str, int, int], ...]
    """Path, size and modification time of each source file, taken before reading it."""

    def sources_unchanged(self) -> bool:
        """Whether every source file is still as the fingerprint read it.

        A file saved while the build read the sources made packages of other bytes
        than the key names: such a build must not be recorded under the key, or the
        file put back as it was would find them up to date.
        """
        return _source_stamps(self.folders) == self.stamps


def remembered_build(
    course_dirs: Sequence[Path],
    out_dir: Path,
    formats: Sequence[str] | None,
    languages: Sequence[str] | None,
    locales_dir: Path | None,
) -> tuple[Request, BuildResult | None]:
    """The request as fingerprinted, and the result of its last build if nothing changed
    since.

    Needs nothing of the builder but this module, so that finding a build up to date
    costs little more than reading its sources.
    """
    fonts = {folder for course in course_dirs for folder in font_search_path(course / "fonts")}
    request = fingerprint(course_dirs, out_dir, formats, languages, locales_dir, sorted(fonts))
    remembered = recall(request.key)
    if remembered is None:
        return request, None
    packages, warnings = remembered
    return request, BuildResult(packages, warnings, up_to_date=True)


def cache_root() -> Path:
    """Sabaq's cache folder: ``$SABAQ_CACHE_DIR``, else ``$XDG_CACHE_HOME/sabaq``, else
    ``~/.cache/sabaq``. Everything in it may be deleted at any time."""
    if own := os.environ.get("SABAQ_CACHE_DIR"):
        return Path(own)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sabaq"


def cache_dir() -> Path:
    """Where build records are kept."""
    return cache_root() / "builds"


def fingerprint(
    course_dirs: Sequence[Path],
    out_dir: Path,
    formats: Sequence[str] | None,
    languages: Sequence[str] | None,
    locales_dir: Path | None,
    font_dirs: Iterable[Path],
) -> Request:
    """The request with the hash of everything that decides its packages (module doc)."""
    digest = hashlib.sha256()
    stamps: list[tuple[str, int, int]] = []

    def feed(*parts: object) -> None:
        _feed(digest, parts)

    feed(RECORD_VERSION, _code_digest(), *_library_versions())
    feed(
        json.dumps(list(formats or [])),
        json.dumps(list(languages or [])),
        out_dir.resolve(),
        os.environ.get("SOURCE_DATE_EPOCH", ""),
    )
    catalogs = {
        (locales_dir or course.resolve().parent.parent / "locales") for course in course_dirs
    }
    folders = (*(path.resolve() for path in course_dirs), *sorted(catalogs))
    for folder in folders:
        feed("folder", folder)
        for path in _files_under(folder):
            stamps.append(_stamp(path))  # before reading: a save after it shows
            feed(path.relative_to(folder).as_posix(), hashlib.sha256(path.read_bytes()).digest())
    for folder in font_dirs:
        # Fonts are large and change only with the system's packages: their names,
        # sizes and times stand for their contents.
        for path in _files_under(folder):
            stat = path.stat()
            feed("font", path, stat.st_size, stat.st_mtime_ns)
    return Request(digest.hexdigest(), folders, tuple(stamps))


def _source_stamps(folders: Iterable[Path]) -> tuple[tuple[str, int, int], ...]:
    try:
        return tuple(_stamp(path) for folder in folders for path in _files_under(folder))
    except OSError:  # a file removed meanwhile
        return ()


def _stamp(path: Path) -> tuple[str, int, int]:
    """A file's path, size and modification time: what tells it was written since."""
    stat = path.stat()
    return str(path), stat.st_size, stat.st_mtime_ns


def recall(key: str) -> tuple[list[BuiltPackage], list[Diagnostic]] | None:
    """The packages and warnings of the build recorded under ``key``, if still in place."""
    try:
        record = json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("version") != RECORD_VERSION:
        return None
    try:
        packages = [_remembered(entry) for entry in record["packages"]]
        if not all(_untouched(entry) for entry in record["packages"]):
            return None
        warnings = [diagnostic_from(entry) for entry in record["warnings"]]
    except (KeyError, TypeError, ValueError, OSError):
        return None
    return packages, warnings


def remember(key: str, packages: Sequence[BuiltPackage], warnings: Sequence[Diagnostic]) -> None:
    """Record a finished build; a cache that cannot be written is only a slower next build."""
    record = {
        "version": RECORD_VERSION,
        "packages": [_package_entry(package) for package in packages],
        "warnings": [diagnostic_entry(warning) for warning in warnings],
    }
    folder = cache_dir()
    temporary = folder / f".{key}.json.part"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
        os.replace(temporary, folder / f"{key}.json")
    except OSError:
        with contextlib.suppress(OSError):  # the folder itself may be what failed
            temporary.unlink(missing_ok=True)


# ---------------------------------------------------------------------------- inputs


@cache
def code_fingerprint() -> str:
    """Sabaq's code and the versions of the libraries that shape its output, hashed."""
    return hashlib.sha256("\n".join([_code_digest(), *_library_versions()]).encode()).hexdigest()


@cache
def _code_digest() -> str:
    """Sabaq's own files (code, templates, static files), as installed."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in _files_under(root):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _library_versions() -> list[str]:
    """Each of :data:`OUTPUT_LIBRARIES` as the name of its installed metadata folder
    (``<name>-<version>.dist-info``), the first on ``sys.path`` as imports find it, or
    ``<name>=-`` if not installed.

    The folder's name carries the version. Listing ``sys.path``'s folders takes about a
    millisecond; ``importlib.metadata`` took 55 ms to load and ask, a third of a no-op
    rebuild.
    """
    wanted = {_project_key(name): name for name in OUTPUT_LIBRARIES}
    found: dict[str, str] = {}
    for folder in sys.path:
        try:
            entries = sorted(os.listdir(folder or "."))
        except OSError:
            continue
        for entry in entries:
            stem, dot, kind = entry.rpartition(".")
            if not dot or kind not in ("dist-info", "egg-info"):
                continue
            key = _project_key(stem.partition("-")[0])
            if key in wanted and key not in found:
                found[key] = entry
    return [found.get(key, f"{name}=-") for key, name in wanted.items()]


def _project_key(name: str) -> str:
    """A project's name as its metadata folders spell it, in any of the ways they do."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.rglob("*") if path.is_file())


# ---------------------------------------------------------------------------- outputs


def _package_entry(package: BuiltPackage) -> dict[str, Any]:
    return {
        "path": str(package.path),
        "course": package.course_id,
        "lang": package.lang,
        "format": package.format,
        "size": package.size,
        "files": package.file_count,
        "folder": str(package.folder) if package.folder else None,
        "stamps": _stamps(package.path, package.folder),
    }


def _stamps(path: Path, folder: Path | None) -> list[list[object]]:
    """Size and modification time of the package and of every file of its folder."""
    paths = [path, *(_files_under(folder) if folder is not None else [])]
    return [list(_stamp(each)) for each in paths]  # as the record's JSON holds them


def _untouched(entry: dict[str, Any]) -> bool:
    folder = Path(entry["folder"]) if entry["folder"] else None
    try:
        return bool(_stamps(Path(entry["path"]), folder) == entry["stamps"])
    except OSError:
        return False


def _remembered(entry: dict[str, Any]) -> BuiltPackage:
    return BuiltPackage(
        Path(entry["path"]),
        str(entry["course"]),
        str(entry["lang"]),
        str(entry["format"]),
        int(entry["size"]),
        int(entry["files"]),
        Path(entry["folder"]) if entry["folder"] else None,
    )


def diagnostic_entry(warning: Diagnostic) -> dict[str, Any]:
    location = warning.location
    return {
        "level": warning.level.value,
        "message": warning.message,
        "path": str(location.path) if location else None,
        "line": location.line if location else None,
        "hint": warning.hint,
    }


def diagnostic_from(entry: dict[str, Any]) -> Diagnostic:
    location = Location(Path(entry["path"]), entry["line"]) if entry["path"] else None
    return Diagnostic(Level(entry["level"]), str(entry["message"]), location, entry["hint"])


# ---------------------------------------------------------------------------- kept parts


class Shelf:
    """What one build made of each part of a course (lessons read, pages, checks), kept.

    Entries are named by a hash of everything they were made from, so an entry is
    either right or absent. A shelf holds one build's entries: :meth:`store` writes
    what this build made and drops what it did not ask for, so the cache does not grow
    with every edit. Entries live in one SQLite database (``kept.sqlite3`` in the cache
    folder): thousands of small files cost more to create than the work they save.
    Shelves of courses and folders no longer built are dropped, the least recently
    stored first, once the database outgrows :data:`KEPT_BUDGET`. Any failure to read
    or write only costs the time to make the parts again.
    """

    WRITE_BATCH = 16 * 1024 * 1024
    """Bytes of new entries held before they are written, so a large build's stay flat."""
    FETCHED_TOGETHER = 256 * 1024
    """Entries up to this size come with the shelf's first read; larger ones (a course's
    videos, deflated) are fetched one at a time, when asked for."""

    def __init__(self, *names: str) -> None:
        self._name = "/".join(names)
        self._used: set[str] = set()
        self._new: dict[str, bytes] = {}
        self._new_bytes = 0
        self._unread: dict[str, bytes] | None = None
        self._large: set[str] = set()
        recollection = _recollection.get()
        self._memory = None if recollection is None else recollection.of(self._name)

    def recall(self, name: str, decode: Callable[[bytes], _Value | None]) -> _Value | None:
        """The entry ``name`` as ``decode`` makes it (None for one that cannot be read).

        Under :func:`recollected` the decoded entry is kept in memory for the next
        build in this process, which then neither reads nor decodes it again.
        """
        if self._memory is not None and name in self._memory:
            self._used.add(name)
            value: _Value = self._memory[name]
            return value
        data = self.read(name)
        found = None if data is None else decode(data)
        if found is not None and self._memory is not None:
            self._memory[name] = found
        return found

    def keep(self, name: str, data: bytes, value: object) -> None:
        """:meth:`write` ``data``, the encoding of ``value``, which :meth:`recall` gives back."""
        self.write(name, data)
        if self._memory is not None:
            self._memory[name] = value

    def read(self, name: str) -> bytes | None:
        # A build asks for most of what the last one kept, so the first read fetches
        # the whole shelf in one query (a query per entry is most of a rebuild's cost
        # in a large course); each entry is handed out once and let go. With the last
        # build's entries in memory, what is asked for here is mostly new: one query.
        asked_before = name in self._used
        self._used.add(name)
        try:
            if self._unread is None and not self._memory:
                self._fetch_small_entries()
            data = self._unread.pop(name, None) if self._unread is not None else None
            if data is None and (asked_before or name in self._large or self._unread is None):
                row = (
                    _kept()
                    .execute(
                        "SELECT data FROM kept WHERE shelf = ? AND name = ?", (self._name, name)
                    )
                    .fetchone()
                )
                data = row[0] if row is not None else None
        except (sqlite3.Error, OSError):
            return None
        return bytes(data) if data is not None else None

    def _fetch_small_entries(self) -> None:
        self._unread = {}
        self._large = set()
        for name, data in _kept().execute(
            "SELECT name, CASE WHEN length(data) <= ? THEN data END FROM kept WHERE shelf = ?",
            (self.FETCHED_TOGETHER, self._name),
        ):
            if data is None:
                self._large.add(name)
            else:
                self._unread[name] = data

    def note_used(self, name: str, value: object) -> None:
        """Keep ``name`` past :meth:`store`: this build used it as ``value``, from a memo
        of its own (held in memory too under :func:`recollected`)."""
        self._used.add(name)
        if self._memory is not None:
            self._memory[name] = value

    def has_seen(self, name: str) -> bool:
        """Whether this build has read or written ``name`` here already."""
        return name in self._used

    def write(self, name: str, data: bytes) -> None:
        """Keep ``data`` under ``name``; it is in the database by the time :meth:`store` ends."""
        self._used.add(name)
        self._new_bytes += len(data) - len(self._new.get(name, b""))
        self._new[name] = data
        if self._new_bytes >= self.WRITE_BATCH:
            self._write_new()

    def store(self) -> None:
        """Write the entries made since the last call; drop those no part asked for."""
        try:
            with _kept() as database:  # one transaction: all of it or none
                rows = database.execute("SELECT name FROM kept WHERE shelf = ?", (self._name,))
                unused = [(self._name, name) for (name,) in rows if name not in self._used]
                database.executemany("DELETE FROM kept WHERE shelf = ? AND name = ?", unused)
                self._insert_new(database)
                database.execute(
                    "INSERT OR REPLACE INTO shelves (shelf, stored) VALUES (?, ?)",
                    (self._name, time.time()),
                )
                _keep_within_budget(database, self._name)
        except (sqlite3.Error, OSError):
            pass
        self._forget_new()
        self._unread = None
        if self._memory is not None:
            for name in [name for name in self._memory if name not in self._used]:
                del self._memory[name]

    def _write_new(self) -> None:
        try:
            with _kept() as database:
                self._insert_new(database)
        except (sqlite3.Error, OSError):
            pass
        self._forget_new()

    def _insert_new(self, database: sqlite3.Connection) -> None:
        database.executemany(
            "INSERT OR REPLACE INTO kept (shelf, name, data) VALUES (?, ?, ?)",
            [(self._name, name, data) for name, data in self._new.items()],
        )

    def _forget_new(self) -> None:
        self._new.clear()
        self._new_bytes = 0


_Value = TypeVar("_Value")


class Recollection:
    """Every shelf's entries of the last build, decoded, for the next build in this process.

    The preview builds the same course on every save: taking the unchanged lessons,
    pages and checks from memory spares reading and decoding them from the database,
    most of what a rebuild after one edit costs. A one-off build does without: it would
    only hold its whole output twice. Entries are named by everything they are made
    from, so one held here is right for any build that asks for it by name.
    """

    def __init__(self) -> None:
        self._shelves: dict[str, dict[str, Any]] = {}

    def of(self, shelf: str) -> dict[str, Any]:
        return self._shelves.setdefault(shelf, {})


_recollection: contextvars.ContextVar[Recollection | None] = contextvars.ContextVar(
    "recollection", default=None
)


@contextlib.contextmanager
def recollected(recollection: Recollection) -> Iterator[None]:
    """Let the shelves made meanwhile (in this thread) keep their entries in ``recollection``."""
    token = _recollection.set(recollection)
    try:
        yield
    finally:
        _recollection.reset(token)


_language: contextvars.ContextVar[tuple[str, dict[str, Shelf]] | None] = contextvars.ContextVar(
    "language", default=None
)


@contextlib.contextmanager
def language_shelves(course_root: Path, lang: str) -> Iterator[None]:
    """The shelves that parts of one language's build open by kind (:func:`language_shelf`).

    They are stored together once the work inside ends without an error. A kind that
    nothing asked for is left as it is, so a build of some formats keeps what only the
    others use.
    """
    shelves: dict[str, Shelf] = {}
    token = _language.set((entry_name(str(course_root), lang)[:24], shelves))
    try:
        yield
    finally:
        _language.reset(token)
    for shelf in shelves.values():
        shelf.store()


def language_shelf(kind: str) -> Shelf | None:
    """The shelf of ``kind`` for the language being built, or None outside one."""
    found = _language.get()
    if found is None:
        return None
    name, shelves = found
    if kind not in shelves:
        shelves[kind] = Shelf(kind, name)
    return shelves[kind]


KEPT_FILE = "kept.sqlite3"
KEPT_BUDGET = 512 * 1024 * 1024
"""Roughly the most the database of kept parts holds."""
_connections: dict[Path, sqlite3.Connection] = {}
# A forked worker opens its own: SQLite connections must not cross a fork.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_connections.clear)


def _kept() -> sqlite3.Connection:
    """The database of kept entries in the current cache folder, made when missing.

    One connection per process and folder (a forked worker opens its own); whether the
    folder is still there is asked each time, since the cache may be deleted mid-build.
    """
    path = cache_root() / KEPT_FILE
    connection = _connections.pop(path, None)
    if connection is not None:
        if path.exists():
            _connections[path] = connection
            return connection
        connection.close()  # the cache was deleted meanwhile
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = _open(path)
    except sqlite3.DatabaseError:
        # Not a database (damaged, or another file by that name): start afresh.
        path.unlink(missing_ok=True)
        connection = _open(path)
    _connections[path] = connection
    return connection


def _open(path: Path) -> sqlite3.Connection:
    # Several builds may share the cache: each waits for another's write to end.
    connection = sqlite3.connect(path, timeout=60)
    try:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS kept "
            "(shelf TEXT, name TEXT, data BLOB, PRIMARY KEY (shelf, name))"
        )
        connection.execute(
            "CREATE TABLE IF NOT EXISTS shelves (shelf TEXT PRIMARY KEY, stored REAL)"
        )
    except sqlite3.Error:
        connection.close()
        raise
    return connection


def _keep_within_budget(database: sqlite3.Connection, current: str) -> None:
    """Drop whole shelves, the least recently stored first, until the database holds
    three quarters of :data:`KEPT_BUDGET` (so that the next build is not just over again).

    A shelf is one build's parts of one course, language or output folder: a course
    renamed, moved or no longer built leaves one behind. The file keeps its size, and
    the space is reused.
    """
    if _bytes_held(database) <= KEPT_BUDGET:
        return
    oldest_first = database.execute(
        "SELECT kept.shelf FROM kept LEFT JOIN shelves ON shelves.shelf = kept.shelf "
        "WHERE kept.shelf != ? GROUP BY kept.shelf ORDER BY COALESCE(MAX(shelves.stored), 0)",
        (current,),
    ).fetchall()
    for (shelf,) in oldest_first:
        if _bytes_held(database) <= KEPT_BUDGET * 3 // 4:
            break
        database.execute("DELETE FROM kept WHERE shelf = ?", (shelf,))
        database.execute("DELETE FROM shelves WHERE shelf = ?", (shelf,))


def _bytes_held(database: sqlite3.Connection) -> int:
    (pages,) = database.execute("PRAGMA page_count").fetchone()
    (free,) = database.execute("PRAGMA freelist_count").fetchone()
    (size,) = database.execute("PRAGMA page_size").fetchone()
    return int((pages - free) * size)


def entry_name(*parts: object) -> str:
    """The hash naming an entry made from ``parts`` (bytes, or anything as text)."""
    digest = hashlib.sha256()
    _feed(digest, parts)
    return digest.hexdigest()


def _feed(digest: hashlib._Hash, parts: Iterable[object]) -> None:
    # Each part is preceded by its length, so no two lists of parts hash alike.
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8")
        digest.update(len(data).to_bytes(8, "big") + data)
