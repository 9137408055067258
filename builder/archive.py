"""Deterministic zip archives, written atomically.

The same entries always give the same bytes: sorted names, one fixed timestamp
(``SOURCE_DATE_EPOCH`` when set, never earlier than 1980, the first date a zip can
hold), fixed permissions and no host-specific fields. An LMS admin can then tell
from a checksum whether a course really changed. The archive itself is laid out by
:mod:`builder.zipwriter`, which deflates each distinct content once.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from builder.zipwriter import write_archive

if TYPE_CHECKING:
    from builder.buildcache import Shelf

ZIP_EPOCH_FLOOR = 315532800  # 1980-01-01T00:00:00Z
DEFAULT_EPOCH = 1577836800  # 2020-01-01T00:00:00Z, used when SOURCE_DATE_EPOCH is unset
FILE_MODE = 0o100644


def zip_timestamp() -> tuple[int, int, int, int, int, int]:
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    epoch = int(raw) if raw.isdigit() else DEFAULT_EPOCH
    return time.gmtime(max(epoch, ZIP_EPOCH_FLOOR))[:6]


def check_entry_name(name: str) -> None:
    """Refuse names that would escape or confuse an extractor."""
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\x00" in name  # zipfile cut names there; an extractor may too
        or any(part in ("", ".", "..") for part in parts)
        or (len(parts[0]) == 2 and parts[0][1] == ":")
    ):
        raise ValueError(f"unsafe archive entry name: {name!r}")


def zip_bytes(entries: Mapping[str, bytes]) -> bytes:
    """The archive's bytes; see :func:`write_zip`."""
    buffer = io.BytesIO()
    _write(buffer, entries)
    return buffer.getvalue()


def write_zip(entries: Mapping[str, bytes], destination: Path) -> None:
    """Write ``entries`` as a zip at ``destination``; a failure leaves no partial file."""
    write_atomically(destination, lambda stream: _write(stream, entries))


def write_atomically(destination: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Let ``write`` fill a temporary file beside ``destination``, then rename it into place.

    Readers see the old file or the new one, never half of one; a failure removes the
    temporary file and leaves ``destination`` as it was.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".part", dir=destination.parent
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.chmod(temporary, 0o644)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write(stream: IO[bytes], entries: Mapping[str, bytes], records: Shelf | None = None) -> None:
    names = sorted(entries)
    for name in names:  # all of them before deflating anything
        check_entry_name(name)
    # Made on Unix (builder.zipwriter), so FILE_MODE means the same to every extractor.
    write_archive(
        stream, ((name, entries[name]) for name in names), zip_timestamp(), FILE_MODE, records
    )


class Publication:
    """Packages written in full beside their destinations, then put in place together.

    A build publishes every package or none: ``add_zip`` and ``add_folder`` write each
    one to a hidden temporary (``.<name>.<random>.part``) next to where it belongs, and
    only :meth:`commit` renames them into place, one quick rename each, once all are
    written. A failure before that (a later package, a full disk) removes the
    temporaries and leaves ``dist/`` as it was. A build killed outright leaves only hidden
    temporaries, which :func:`clear_leftovers` removes at the start of the next build.

    Zips take their entries' deflated bytes from ``records`` when they are kept there,
    and keep them there (:mod:`builder.zipwriter`).
    """

    def __init__(self, records: Shelf | None = None) -> None:
        self._staged: list[tuple[Path, Path]] = []
        self._records = records

    def __enter__(self) -> Publication:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self.discard()

    def add_zip(self, entries: Mapping[str, bytes], destination: Path) -> None:
        destination.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(
            prefix=f".{destination.name}.", suffix=".part", dir=destination.parent
        )
        self._staged.append((Path(name), destination))
        with os.fdopen(handle, "wb") as stream:
            _write(stream, entries, self._records)
        os.chmod(name, 0o644)

    def add_folder(
        self, entries: Mapping[str, bytes], destination: Path, earlier: Folder | None = None
    ) -> None:
        """Stage ``entries`` as files; those ``earlier`` holds with the same bytes are
        linked to its files rather than written again (by default, the destination's)."""
        earlier = earlier or Folder(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(
            tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".part", dir=destination.parent)
        )
        self._staged.append((temporary, destination))
        _fill_folder(temporary, entries, earlier)

    def commit(self) -> None:
        """Put every staged package in place of the old one."""
        for temporary, destination in self._staged:
            # Checked for all before any moves, so a clash cannot leave half a set.
            if destination.exists() and destination.is_dir() != temporary.is_dir():
                kind = "a folder" if destination.is_dir() else "a file"
                raise IsADirectoryError(
                    errno.EEXIST, f"{kind} is in the way of a package", str(destination)
                )
        for temporary, destination in self._staged:
            if temporary.is_dir():
                _replace_folder(temporary, destination)
            else:
                os.replace(temporary, destination)
        self._staged.clear()
        if self._records is not None:
            self._records.store()

    def discard(self) -> None:
        for temporary, _ in self._staged:
            _remove(temporary)
        self._staged.clear()


def clear_leftovers(out_dir: Path) -> None:
    """Tidy what a build killed mid-way left in ``out_dir``.

    Hidden ``.part`` temporaries are removed. A folder retired while it was being
    replaced (``.<name>.old``) goes back in place if the new one never arrived, so the
    set of packages is always one build's whole output.
    """
    if not out_dir.is_dir():
        return
    for entry in sorted(out_dir.iterdir()):
        name = entry.name
        if not name.startswith(".") or entry.is_symlink():
            continue
        if name.endswith(".part"):
            _remove(entry)
        elif name.endswith(".old") and entry.is_dir():
            original = entry.with_name(name[1 : -len(".old")])
            if original.exists():
                _remove(entry)
            else:
                os.replace(entry, original)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class Folder:
    """A folder of a package's files, which Sabaq never changes in place.

    ``entries`` are its files' bytes as written, when this process wrote it; otherwise
    a file is read to be compared.
    """

    path: Path
    entries: Mapping[str, bytes] | None = None

    def holds(self, name: str, data: bytes) -> bool:
        """Whether the folder's file ``name`` is ``data`` exactly, and may be linked."""
        if self.entries is not None:
            return self.entries.get(name) == data
        path = self.path / name
        try:
            found = os.lstat(path)
            # A file of the folder's own only: not a link, nor linked from elsewhere,
            # nor reached through a linked folder, whose changes would become ours.
            if (
                not stat.S_ISREG(found.st_mode)
                or found.st_nlink != 1
                or found.st_size != len(data)
                or os.path.realpath(path) != os.path.join(os.path.realpath(self.path), name)
            ):
                return False
            return path.read_bytes() == data
        except OSError:
            return False


def _fill_folder(folder: Path, entries: Mapping[str, bytes], earlier: Folder | None) -> None:
    made = {folder}
    for name in sorted(entries):
        check_entry_name(name)
        target = folder / name
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        data = entries[name]
        if earlier is not None and earlier.holds(name, data):
            # Linked: rewriting a large course's thousand files (on every save, in the
            # preview) takes longer than building it again.
            with contextlib.suppress(OSError):
                os.link(earlier.path / name, target)
                continue
        target.write_bytes(data)
        os.chmod(target, 0o644)
    os.chmod(folder, 0o755)


def _replace_folder(complete: Path, destination: Path) -> None:
    """Rename ``complete`` to ``destination``; an old folder is retired, not lost, meanwhile."""
    if destination.exists():
        retired = destination.with_name(f".{destination.name}.old")
        _remove(retired)
        os.replace(destination, retired)
        os.replace(complete, destination)
        _remove(retired)
    else:
        os.replace(complete, destination)


def write_folder(
    entries: Mapping[str, bytes], destination: Path, earlier: Folder | None = None
) -> Folder:
    """Write ``entries`` as files under ``destination``, replacing it as a whole.

    The files go to a sibling temporary folder first; only a complete folder takes
    the place of the old one. Files of ``earlier`` (left in place) with the same bytes
    are linked, not written again.
    """
    with Publication() as publication:
        publication.add_folder(entries, destination, earlier)
        publication.commit()
    return Folder(destination, entries)
