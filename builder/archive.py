"""Deterministic zip archives, written atomically.

The same entries always give the same bytes: sorted names, one fixed timestamp
(``SOURCE_DATE_EPOCH`` when set, never earlier than 1980, the first date a zip can
hold), fixed permissions and no host-specific fields. An LMS admin can then tell
from a checksum whether a course really changed.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

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


def _write(stream: IO[bytes], entries: Mapping[str, bytes]) -> None:
    stamp = zip_timestamp()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            check_entry_name(name)
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the mode bits below mean the same everywhere
            info.external_attr = FILE_MODE << 16
            archive.writestr(
                info, entries[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9
            )


def write_folder(entries: Mapping[str, bytes], destination: Path) -> None:
    """Write ``entries`` as files under ``destination``, replacing it as a whole.

    The files go to a sibling temporary folder first; only a complete folder takes
    the place of the old one.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    try:
        for name in sorted(entries):
            check_entry_name(name)
            target = temporary / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(entries[name])
            os.chmod(target, 0o644)
        os.chmod(temporary, 0o755)
        if destination.exists():
            retired = destination.with_name(f".{destination.name}.old")
            shutil.rmtree(retired, ignore_errors=True)
            os.replace(destination, retired)
            os.replace(temporary, destination)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(temporary, destination)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
