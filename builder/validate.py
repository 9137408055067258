"""Offline checks of a package before an LMS sees it: ``sabaq validate``.

Any package can be checked, ours or not: a ``.zip``/``.imscc`` file or an unpacked
folder holding SCORM 1.2, SCORM 2004, IMS Content Packaging, Common Cartridge or
cmi5. Besides what the standards require (zip hygiene, manifest structure and, given
the official schemas, XSD validity) it looks for the traps that make Moodle refuse,
crash on or silently mangle a package other tools accept. Each trap is described in
``shared/reference/moodle-import.md``, read from Moodle 5.0's source.

Like the rest of the library this never prints or exits: :func:`validate_package`
returns a report, and the CLI decides how to show it. Nothing here touches the
network: package XML is parsed with DTDs, entities and network access off, and
schemas are compiled from the local folder only.

A package may be hostile, so every read is bounded: entries are read as streams and
counted (a zip bomb is refused at its entry, whatever sizes it declares), encrypted,
exotic or overlapping entries are reported unread, an unpacked folder is walked without
following links out of it or opening anything that is not a regular file, and a
package with more files, deeper folders or more problems than any course has is
reported as such rather than read to the end.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import posixpath
import re
import stat
import struct
import sys
import urllib.parse
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cache, lru_cache
from pathlib import Path
from typing import BinaryIO, Literal, Protocol, cast

from lxml import etree
from lxml import html as lxml_html

from builder.assets import svg_findings
from builder.buildcache import Shelf, code_fingerprint, entry_name
from builder.errors import Level
from builder.parallel import map_in_processes

MANIFEST = "imsmanifest.xml"
CMI5_STRUCTURE = "cmi5.xml"

NS_XML = "http://www.w3.org/XML/1998/namespace"
NS_SCORM12_CP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
NS_CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
NS_CC10 = "http://www.imsglobal.org/xsd/imscc/imscp_v1p1"
NS_CC11 = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
NS_CC12 = "http://www.imsglobal.org/xsd/imsccv1p2/imscp_v1p1"
NS_CC13 = "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1"
NS_CMI5 = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
NS_ADLCP12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
NS_ADLCP13 = "http://www.adlnet.org/xsd/adlcp_v1p3"
NS_ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
NS_ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"
NS_IMSSS = "http://www.imsglobal.org/xsd/imsss"
NS_IMSMD12 = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"

# Moodle's SCORM parser ignores namespaces and matches these literal prefixes.
ADL_PREFIXES = {
    NS_ADLCP12: "adlcp",
    NS_ADLCP13: "adlcp",
    NS_IMSSS: "imsss",
    NS_ADLNAV: "adlnav",
    NS_ADLSEQ: "adlseq",
}
SCORM2004_NAMESPACES = frozenset({NS_ADLCP13, NS_ADLSEQ, NS_ADLNAV, NS_IMSSS})
# The <schemaversion> values Moodle maps to its SCORM 2004 player; any other value,
# or none, gets the SCORM 1.2 API.
MOODLE_SCORM2004_VERSIONS = ("2004 4th Edition", "2004 3rd Edition", "CAM 1.3", "1.3")
CC_PROFILES_MOODLE_KNOWS = frozenset(
    {
        "cc.multiple_choice.v0p1",
        "cc.multiple_response.v0p1",
        "cc.true_false.v0p1",
        "cc.essay.v0p1",
        "cc.fib.v0p1",
        "cc.pattern_match.v0p1",
    }
)
CC_TRUE_FALSE = "cc.true_false.v0p1"
MOODLE_CC_DETECTION_BYTES = 1024

# Bounds on reading a package, which may be hostile; each is far beyond any real course.
MB = 1 << 20
MAX_ENTRIES = 50_000
"""Files and folders in a package (zip entries, or what an unpacked folder holds)."""
MAX_CENTRAL_DIRECTORY_BYTES = 16 * MB
"""A zip's list of entries, which zipfile reads whole before anything can be checked."""
MAX_ENTRY_BYTES = 1024 * MB
"""What one file may expand to; files are read as streams and the bytes counted."""
MAX_PACKAGE_BYTES = 4096 * MB
"""What all the files together may expand to, and what the checks may read in all."""
MAX_COMPRESSION_RATIO = 200
"""Text deflates up to about 20 times, media hardly at all; zip bombs about 1,000 times."""
RATIO_EXEMPT_BYTES = 16 * MB
"""Entries expanding to no more than this are not judged by their ratio (a blank bitmap)."""
MAX_DOCUMENT_BYTES = 32 * MB
"""A page, stylesheet, SVG or XML file is read whole to be parsed: at most this much."""
MAX_FOLDER_DEPTH = 32
"""Folders inside folders in an unpacked package."""
MAX_LISTED_PROBLEMS = 1000
"""Problems listed in a report; any more are counted in a last one."""
MAX_SRCDOC_DEPTH = 3
"""``<iframe srcdoc>`` pages inside each other that are followed."""
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Kind:
    """A package standard: how it is named, which rules apply, where its schemas live."""

    id: str
    label: str
    family: Literal["scorm", "imscp", "cc", "cmi5", "website", "moodle"]
    """Which LMS import path, and so which of Moodle's rules, applies."""
    schema_folder: str | None
    """Folder under ``--schemas``; None when no official schemas are available."""
    schema_file: str = "_driver.xsd"


SCORM12 = Kind("scorm12", "SCORM 1.2", "scorm", "scorm12")
SCORM2004_4ED = Kind("scorm2004_4ed", "SCORM 2004 4th Edition", "scorm", "scorm2004_4ed")
SCORM2004_3ED = Kind("scorm2004_3ed", "SCORM 2004 3rd Edition", "scorm", "scorm2004_3ed")
# CAM 1.3 (2nd edition) or an edition Moodle does not recognise: checked against the
# newest schemas, which kept the older elements.
SCORM2004 = Kind("scorm2004", "SCORM 2004", "scorm", "scorm2004_4ed")
IMSCP = Kind("imscp114", "IMS Content Packaging 1.1.4", "imscp", "imscp114")
CC10 = Kind("imscc10", "Common Cartridge 1.0", "cc", None)
CC11 = Kind("imscc11", "Common Cartridge 1.1", "cc", "imscc11")
CC12 = Kind("imscc12", "Common Cartridge 1.2", "cc", None)
CC13 = Kind("imscc13", "Common Cartridge 1.3", "cc", "imscc13")
CMI5 = Kind("cmi5", "cmi5", "cmi5", "cmi5", "CourseStructure.xsd")
WEBSITE = Kind("website", "offline website", "website", None)
QUESTION_BANK = Kind("questionbank", "Moodle question bank files", "website", None)
"""Moodle XML (``moodle/*.xml``) and GIFT files to import into Moodle's question bank."""
"""Plain pages with an index.html at the root and no manifest: opened from disk."""
WEBSITE_HOME = "index.html"

CC_BY_NAMESPACE = {NS_CC10: CC10, NS_CC11: CC11, NS_CC12: CC12, NS_CC13: CC13}
SCORM2004_BY_VERSION = {
    "2004 4th Edition": SCORM2004_4ED,
    "2004 3rd Edition": SCORM2004_3ED,
    "CAM 1.3": SCORM2004,
    "1.3": SCORM2004,
}
# Resource descriptors (the one <file> of a resource of these types) and their schemas.
CC_DESCRIPTOR_SCHEMAS = {
    CC11.id: {
        "imsdt_xmlv1p1": "ccv1p1_imsdt_v1p1.xsd",
        "imswl_xmlv1p1": "ccv1p1_imswl_v1p1.xsd",
        "imsqti_xmlv1p2/imscc_xmlv1p1/assessment": "ccv1p1_qtiasiv1p2p1_v1p0.xsd",
        "imsqti_xmlv1p2/imscc_xmlv1p1/question-bank": "ccv1p1_qtiasiv1p2p1_v1p0.xsd",
        "imsbasiclti_xmlv1p0": "imslticc_v1p0p1.xsd",
    },
    CC13.id: {
        "imsdt_xmlv1p3": "ccv1p3_imsdt_v1p3.xsd",
        "imswl_xmlv1p3": "ccv1p3_imswl_v1p3.xsd",
        "imsqti_xmlv1p2/imscc_xmlv1p3/assessment": "ccv1p3_qtiasiv1p2p1_v1p0.xsd",
        "imsqti_xmlv1p2/imscc_xmlv1p3/question-bank": "ccv1p3_qtiasiv1p2p1_v1p0.xsd",
        "imsbasiclti_xmlv1p3": "imslticc_v1p3.xsd",
    },
}
CC_QTI_TYPE_PREFIX = "imsqti_xmlv1p2/"

# An XML NCName, close enough: a letter or '_', then letters, digits, '.', '-', '_'.
_NCNAME = re.compile(r"[^\W\d][\w.\-]*\Z")
_DRIVE_LETTER = re.compile(r"[A-Za-z]:")


@dataclass(frozen=True, slots=True)
class Problem:
    level: Level
    code: str
    """Short and stable, e.g. ``manifest.missing-file``, for scripts and searching."""
    message: str
    file: str | None = None
    """The file in the package the problem is in; None for the package as a whole."""
    line: int | None = None

    def format(self) -> str:
        """One line, even for hostile names (control characters are shown escaped)."""
        where = ""
        if self.file is not None:
            file = _printable(self.file)
            where = f"{file}:{self.line}: " if self.line else f"{file}: "
        return f"{where}{self.level.value}[{self.code}]: {_printable(self.message)}"

    def to_json(self) -> dict[str, object]:
        return {
            "severity": self.level.value,
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
        }


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _printable(text: str) -> str:
    """``text`` on one line, as written: control and bidi characters, bad bytes escaped."""
    shown = _UNPRINTABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)
    return shown.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True, slots=True)
class PackageReport:
    package: Path
    kind: Kind | None
    """None when the package's standard could not be told."""
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level is Level.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level is Level.WARNING]

    def passes(self, strict: bool = False) -> bool:
        """No errors (and, when ``strict``, no warnings either)."""
        return not self.errors and not (strict and self.warnings)

    def summary(self) -> str:
        label = self.kind.label if self.kind else "unknown package"
        counts = f"{_plural(len(self.errors), 'error')}, {_plural(len(self.warnings), 'warning')}"
        return f"{self.package.as_posix()}: {label} — {counts}"

    def to_json(self) -> dict[str, object]:
        return {
            "package": self.package.as_posix(),
            "kind": self.kind.id if self.kind else None,
            "problems": [problem.to_json() for problem in self.problems],
        }


def validate_package(package: Path, schemas: Path | None = None) -> PackageReport:
    """Check the package file or folder at ``package``; XSDs only when ``schemas`` is given.

    ``schemas`` is a folder holding one sub-folder of official XSDs per standard
    (``scorm12/``, ``imscc11/``, …) with a ``_driver.xsd`` that imports every namespace
    a manifest may use.
    """
    found = _Findings()
    kind: Kind | None = None
    try:
        if package.is_dir():
            kind = _check_files(_folder_files(package, found), schemas, found)
        else:
            with _open_regular(str(package), follow=True) as stream:
                archive = _open_zip(stream, found)
                if archive is not None:
                    with archive:
                        kind = _check_files(_zip_files(archive, found), schemas, found)
    except _NotAFile as error:
        found.error(
            "package.not-a-file",
            f"the package is {error.what}, not a zip file or a folder; it was not read",
        )
    except OSError as error:
        found.error("package.unreadable", f"cannot read the package: {error.strerror or error}")
    return PackageReport(package, kind, found.sorted())


def validate_entries(
    name: str, entries: Mapping[str, bytes], kept: Shelf | None = None, jobs: int = 1
) -> PackageReport:
    """Check a package still in memory (the build's entries), before it is written.

    ``kept`` holds the findings of pages checked by earlier builds: a page whose bytes,
    place and package contents are the same has the same findings. Pages no earlier
    check knows are checked over ``jobs`` processes.
    """
    found = _Findings()
    for entry in sorted(entries):
        _check_entry_name(entry, found)

    def chunks(entry: str) -> Generator[bytes, None, None]:
        yield entries[entry]

    files = _Files(entries, chunks, found, kept=kept)
    # Its own view of the files: what it reads must not count against the package's
    # reading budget twice, and its findings are reported by the usual pass.
    view = _Files(entries, chunks, _Findings(), kept=kept)
    files.checked_ahead = _check_pages_ahead(entries, view, jobs)
    kind = _check_files(files, None, found)
    return PackageReport(Path(name), kind, found.sorted())


# --------------------------------------------------------------------------- collecting


@dataclass
class _Findings:
    problems: list[Problem] = field(default_factory=list)
    unlisted: int = 0
    """Problems found after the first :data:`MAX_LISTED_PROBLEMS`, counted, not kept."""
    unlisted_error: bool = False
    _seen: set[Problem] = field(default_factory=set)

    def error(
        self, code: str, message: str, file: str | None = None, line: int | None = None
    ) -> None:
        self._add(Problem(Level.ERROR, code, message, file, line))

    def warning(
        self, code: str, message: str, file: str | None = None, line: int | None = None
    ) -> None:
        self._add(Problem(Level.WARNING, code, message, file, line))

    def _add(self, problem: Problem) -> None:
        # The same finding reached twice (a schema that cannot load, asked for by
        # every descriptor) is one problem for the reader.
        if problem in self._seen:
            return
        if len(self.problems) >= MAX_LISTED_PROBLEMS:
            self.unlisted += 1
            self.unlisted_error |= problem.level is Level.ERROR
            return
        self._seen.add(problem)
        self.problems.append(problem)

    def sorted(self) -> tuple[Problem, ...]:
        """Whole-package problems first, then by file and line; otherwise as found."""
        listed = sorted(
            self.problems, key=lambda p: (p.file is not None, p.file or "", p.line or 0)
        )
        if self.unlisted:
            listed.append(
                Problem(
                    Level.ERROR if self.unlisted_error else Level.WARNING,
                    "package.too-many-problems",
                    f"{self.unlisted} more problems were found and not listed (only the first "
                    f"{MAX_LISTED_PROBLEMS} are)",
                )
            )
        return tuple(listed)


def _plural(count: int, noun: str) -> str:
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {noun[:-1]}ies" if noun.endswith("y") else f"{count} {noun}s"


def _size(count: int) -> str:
    if count >= MB:
        return f"{count / MB:,.1f} MB"
    if count >= 1024:
        return f"{count / 1024:,.1f} KB"
    return _plural(count, "byte")


# --------------------------------------------------------------------------- package files


class _Unreadable(Exception):
    """A file that cannot or may not be read; ``code`` None when already reported."""

    def __init__(self, code: str | None, message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _NotAFile(Exception):
    """Something that is not a regular file: never opened, or closed unread."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class _Files:
    """The files of a package, zipped or unpacked, read on demand and within bounds.

    ``chunks`` yields a file's bytes piece by piece. Documents are read whole only up
    to :data:`MAX_DOCUMENT_BYTES`, other files are streamed, and all reading together
    stops at :data:`MAX_PACKAGE_BYTES`; what is refused is reported, at the file.
    """

    def __init__(
        self,
        names: Iterable[str],
        chunks: Callable[[str], Generator[bytes, None, None]],
        found: _Findings,
        *,
        sizes: Mapping[str, int] | None = None,
        damaged: Iterable[str] = (),
        kept: Shelf | None = None,
    ) -> None:
        self.names = frozenset(names)
        self.kept = kept
        """Findings of pages checked by earlier builds (see :func:`validate_entries`)."""
        self.lookups: list[tuple[str, bool]] | None = None
        self.restore_lookups: list[tuple[int, str | None]] | None = None
        self._restore_targets: dict[int, str] | None = None
        self.checked_ahead: dict[str, _PageCheck] = {}
        """Pages already checked for this package (see :func:`validate_entries`)."""
        self.damaged = frozenset(damaged)
        """Entries already reported as unreadable."""
        self._chunks = chunks
        self._found = found
        self._sizes = dict(sizes or {})
        self._spent = 0
        self._digests: dict[str, str | None] = {}
        self._folded: dict[str, str] = {}
        for name in sorted(self.names):
            self._folded.setdefault(name.casefold(), name)

    def has(self, name: str) -> bool:
        """Whether the package holds ``name``; noted while a page is checked (_PageCheck)."""
        present = name in self.names
        if self.lookups is not None:
            self.lookups.append((name, present))
        return present

    def restore_type(self, number: int) -> str | None:
        """The resource type of item ``number`` as Moodle's cartridge import numbers items
        ("" for no item), or None when the package is no CC 1.1 cartridge, whose links
        Moodle's restore resolves; noted while a page is checked (_PageCheck)."""
        found = self.restore_type_unnoted(number)
        if self.restore_lookups is not None:
            self.restore_lookups.append((number, found))
        return found

    def restore_type_unnoted(self, number: int) -> str | None:
        if self._restore_targets is None:
            self._restore_targets = _moodle_restore_targets(self)
        return self._restore_targets.get(number, "") if self._restore_targets else None

    def read(self, name: str) -> bytes | None:
        """The whole file, to be parsed; None (reported) when it is unreadable or too large."""
        if name not in self.names or name in self.damaged:
            return None
        if self._sizes.get(name, 0) > MAX_DOCUMENT_BYTES:
            self._too_large(name)
            return None
        data = bytearray()
        try:
            with closing(self._stream(name)) as stream:
                for chunk in stream:
                    data += chunk
                    if len(data) > MAX_DOCUMENT_BYTES:
                        self._too_large(name)
                        return None
        except _Unreadable as error:
            self._report(name, error)
            return None
        return bytes(data)

    def sha1(self, name: str) -> str | None:
        """The SHA-1 of the file, read as a stream; None (reported) when it cannot be read."""
        if name not in self._digests:
            self._digests[name] = None
            if name in self.names and name not in self.damaged:
                digest = hashlib.sha1()
                try:
                    with closing(self._stream(name)) as stream:
                        for chunk in stream:
                            digest.update(chunk)
                except _Unreadable as error:
                    self._report(name, error)
                else:
                    self._digests[name] = digest.hexdigest()
        return self._digests[name]

    def case_variant(self, name: str) -> str | None:
        """A file whose name differs from ``name`` only in letter case."""
        return self._folded.get(name.casefold())

    def _stream(self, name: str) -> Generator[bytes, None, None]:
        with closing(self._chunks(name)) as chunks:
            for chunk in chunks:
                self._spent += len(chunk)
                if self._spent > MAX_PACKAGE_BYTES:
                    self._found.error(
                        "package.too-large",
                        f"checking the package reads more than {MAX_PACKAGE_BYTES // MB} MB "
                        "of its files; the rest was not checked",
                    )
                    raise _Unreadable(None)
                yield chunk

    def _too_large(self, name: str) -> None:
        self._found.error(
            "package.file-too-large",
            f"'{name}' is larger than {MAX_DOCUMENT_BYTES // MB} MB, more than any page, "
            "stylesheet or XML file of a course; it was not checked",
            name,
        )

    def _report(self, name: str, error: _Unreadable) -> None:
        if error.code is not None:
            self._found.error(error.code, error.message, name)


# --------------------------------------------------------------------------- unpacked folders

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)


def _open_regular(path: str, *, follow: bool) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file (never waits on a pipe)."""
    flags = os.O_RDONLY | _NONBLOCK | _BINARY | (0 if follow else _NOFOLLOW)
    descriptor = os.open(path, flags)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise _NotAFile(_file_kind(mode))
        if _NONBLOCK:
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def _folder_files(root: Path, found: _Findings) -> _Files:
    """The regular files under ``root``, walked without leaving it and within bounds."""
    walk = _FolderWalk(os.path.realpath(root), found)
    walk.run()

    def chunks(name: str) -> Generator[bytes, None, None]:
        try:
            stream = _open_regular(walk.paths[name], follow=False)
        except _NotAFile as error:
            raise _Unreadable(
                "package.not-a-file", f"'{name}' is {error.what}, not a regular file; not read"
            ) from None
        except OSError as error:
            raise _Unreadable(
                "package.unreadable", f"cannot read '{name}': {error.strerror or error}"
            ) from None
        with stream:
            count = 0
            while chunk := stream.read(_CHUNK):
                count += len(chunk)
                if count > MAX_ENTRY_BYTES:
                    raise _Unreadable(
                        "package.file-too-large",
                        f"'{name}' is larger than {MAX_ENTRY_BYTES // MB} MB, more than any "
                        "course file needs; it was not read further",
                    )
                yield chunk

    return _Files(walk.paths, chunks, found, sizes=walk.sizes)


class _FolderWalk:
    """Lists an unpacked package: regular files only, links inside it only, bounded."""

    def __init__(self, top: str, found: _Findings) -> None:
        self.top = top
        self.found = found
        self.paths: dict[str, str] = {}
        """Package name → the path to open (a link's target, once checked)."""
        self.sizes: dict[str, int] = {}
        self._count = 0

    def run(self) -> None:
        pending: list[tuple[str, str, int]] = [(self.top, "", 0)]
        while pending:
            folder, prefix, depth = pending.pop()
            try:
                with os.scandir(folder) as listing:
                    entries = list(itertools.islice(listing, MAX_ENTRIES - self._count + 1))
            except OSError as error:
                self.found.error(
                    "package.unreadable",
                    f"cannot list the folder '{prefix or '.'}': {error.strerror or error}",
                    prefix.rstrip("/") or None,
                )
                continue
            for entry in sorted(entries, key=lambda e: e.name):
                self._count += 1
                if self._count > MAX_ENTRIES:
                    self.found.error(
                        "package.too-many-files",
                        f"the package holds more than {MAX_ENTRIES:,} files and folders, more "
                        "than any course; the rest were not checked",
                    )
                    return
                name = prefix + entry.name
                if not _is_utf8(name):
                    shown = _printable(name)
                    self.found.error(
                        "package.file-name",
                        f"the name '{shown}' is not valid UTF-8; zip tools and LMS servers "
                        "mangle it, so links to it break; it was not checked",
                        shown,
                    )
                    continue
                try:
                    self._entry(entry, name, depth, pending)
                except OSError as error:  # gone or changed while it was listed
                    self.found.error(
                        "package.unreadable",
                        f"cannot read '{name}': {error.strerror or error}",
                        name,
                    )

    def _entry(
        self, entry: os.DirEntry[str], name: str, depth: int, pending: list[tuple[str, str, int]]
    ) -> None:
        info = entry.stat(follow_symlinks=False)
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            if depth + 1 > MAX_FOLDER_DEPTH:
                self.found.error(
                    "package.too-deep",
                    f"the folder '{name}/' is nested more than {MAX_FOLDER_DEPTH} "
                    "folders deep, deeper than any course; it was not checked",
                    name,
                )
            else:
                pending.append((entry.path, f"{name}/", depth + 1))
        elif stat.S_ISREG(mode):
            self.paths[name] = entry.path
            self.sizes[name] = info.st_size
        elif stat.S_ISLNK(mode):
            self._link(name, entry.path)
        else:
            self._not_a_file(name, mode)

    def _link(self, name: str, path: str) -> None:
        target = os.readlink(path)
        real = os.path.realpath(path)
        if real != self.top and not real.startswith(self.top.rstrip(os.sep) + os.sep):
            self.found.error(
                "package.symlink-outside",
                f"'{name}' is a symbolic link to '{target}', outside the package folder; it "
                "was not followed (zipping the folder would put that outside file in the "
                "package)",
                name,
            )
            return
        try:
            info = os.stat(real)
        except OSError:
            self.found.error(
                "package.symlink-broken",
                f"'{name}' is a symbolic link to '{target}', which does not exist",
                name,
            )
            return
        if stat.S_ISREG(info.st_mode):
            self.paths[name] = real
            self.sizes[name] = info.st_size
        elif stat.S_ISDIR(info.st_mode):
            self.found.warning(
                "package.symlink-folder",
                f"'{name}' is a symbolic link to the folder '{target}'; it was not followed "
                "(the files there are checked where they are)",
                name,
            )
        else:
            self._not_a_file(name, info.st_mode)

    def _not_a_file(self, name: str, mode: int) -> None:
        self.found.error(
            "package.not-a-file",
            f"'{name}' is {_file_kind(mode)}, not a regular file; it was not opened (a "
            "package holds only files and folders)",
            name,
        )


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --------------------------------------------------------------------------- zip archives

_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    struct.error,
    OSError,
)
"""What reading a damaged or hostile zip raises, from zipfile and zlib."""
_ENCRYPTED = 0x1 | 0x40
"""General purpose flags: traditional and strong encryption."""
_WINZIP_AES = 99
_UNIX = 3
_COMPRESSION_NAMES = {
    9: "Deflate64",
    12: "bzip2",
    14: "LZMA",
    93: "Zstandard",
    95: "xz",
    98: "PPMd",
}
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_CENTRAL_HEADER = b"PK\x01\x02"
_LOCAL_HEADER_SIZE = 30


def _open_zip(stream: BinaryIO, found: _Findings) -> zipfile.ZipFile | None:
    """The archive, once its central directory is known to be of a sane size."""
    try:
        entries = _central_directory_entries(stream)
        if entries is None or entries > MAX_ENTRIES:
            found.error(
                "zip.too-many-entries",
                f"the zip holds more than {MAX_ENTRIES:,} entries, more than any course; it was "
                "not read",
            )
            return None
        stream.seek(0)
        return zipfile.ZipFile(stream)
    except UnicodeDecodeError as error:
        found.error(
            "zip.corrupt",
            f"the package is not a readable zip archive (an entry's name is marked UTF-8 but "
            f"is not: {error.reason} at byte {error.start}); LMSs accept packages only as zip "
            "files",
        )
    except _ZIP_ERRORS as error:
        found.error(
            "zip.corrupt",
            f"the package is not a readable zip archive ({error}); LMSs accept packages only "
            "as zip files",
        )
    return None


def _central_directory_entries(stream: BinaryIO) -> int | None:
    """How many entries zipfile will read from the central directory (0 if it finds none).

    zipfile reads the whole directory into memory and makes an object of each entry
    before anything can be checked, so they are counted first, found the way zipfile
    finds them; None when the directory alone is larger than any course's.
    """
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    start = max(0, size - (1 << 16) - 22)
    stream.seek(start)
    tail = stream.read()
    at = len(tail) - 22
    if not (at >= 0 and tail[at : at + 4] == _EOCD and tail[-2:] == b"\0\0"):
        at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        return 0  # not a zip: zipfile says so
    location = start + at
    (directory_size,) = struct.unpack_from("<I", tail, at + 12)
    end = location
    if location >= 20 + 56:
        stream.seek(location - 20)
        locator = stream.read(20)
        if locator[:4] == _EOCD64_LOCATOR:
            stream.seek(location - 20 - 56)
            record = stream.read(56)
            if len(record) == 56 and record[:4] == _EOCD64:
                (directory_size,) = struct.unpack_from("<Q", record, 40)
                end = location - 20 - 56
    if directory_size > MAX_CENTRAL_DIRECTORY_BYTES:
        return None
    stream.seek(max(0, end - directory_size))
    directory = stream.read(directory_size)
    count = 0
    position = 0
    while position + 46 <= len(directory) and directory[position : position + 4] == _CENTRAL_HEADER:
        name, extra, comment = struct.unpack_from("<HHH", directory, position + 28)
        position += 46 + name + extra + comment
        count += 1
    return count


def _zip_files(archive: zipfile.ZipFile, found: _Findings) -> _Files:
    """The archive's files, once every entry has been read through, within bounds.

    An LMS's unzip stops at the first entry it cannot extract, so each is read once
    here, as a stream, and counted: an entry that expands too far, too fast, or past
    the package's total is reported at the entry and not read on.
    """
    _check_zip_entries(archive, found)
    infos = archive.infolist()
    refused = _overlapping_entries(infos)
    damaged: set[str] = set()
    sizes: dict[str, int] = {}
    total = 0
    for index, info in enumerate(infos):
        name = info.filename
        refusal = _refusal(info) or refused.get(index)
        if refusal is not None:
            found.error(*refusal, name)
            damaged.add(name)
            continue
        size = 0
        limit, too_far = _expansion_limit(info)
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    total += len(chunk)
                    if size > limit:
                        raise _Unreadable(*too_far)
                    if total > MAX_PACKAGE_BYTES:
                        rest = [later.filename for later in infos[index:]]
                        found.error(
                            "zip.package-too-large", _package_too_large(name, len(rest) - 1), name
                        )
                        damaged.update(rest)
                        break
        except _Unreadable as error:
            found.error(error.code or "zip.corrupt", error.message, name)
            damaged.add(name)
            continue
        except _ZIP_ERRORS as error:
            found.error("zip.corrupt", f"entry '{name}' cannot be extracted ({error})", name)
            damaged.add(name)
            continue
        if total > MAX_PACKAGE_BYTES:
            break
        sizes[name] = max(size, sizes.get(name, 0))

    def chunks(name: str) -> Generator[bytes, None, None]:
        try:
            with archive.open(name) as stream:
                while chunk := stream.read(_CHUNK):
                    yield chunk
        except _ZIP_ERRORS as error:
            raise _Unreadable(
                "zip.corrupt", f"entry '{name}' cannot be extracted ({error})"
            ) from None

    names = (name for name in archive.namelist() if not name.endswith("/"))
    return _Files(names, chunks, found, sizes=sizes, damaged=damaged)


def _package_too_large(name: str, after: int) -> str:
    unread = "it was" if not after else f"it and the {_plural(after, 'entry')} after it were"
    return (
        f"the entries expand beyond {MAX_PACKAGE_BYTES // MB} MB in all, more than any course, "
        f"at entry '{name}'; {unread} not extracted"
    )


def _refusal(info: zipfile.ZipInfo) -> tuple[str, str] | None:
    """Why an entry is not extracted at all, judged from the central directory."""
    name = info.filename
    if info.flag_bits & _ENCRYPTED or info.compress_type == _WINZIP_AES:
        return (
            "zip.encrypted",
            f"entry '{name}' is encrypted; an LMS cannot read encrypted entries (zip the "
            "package without a password)",
        )
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        method = _COMPRESSION_NAMES.get(info.compress_type, "an unknown method")
        return (
            "zip.compression",
            f"entry '{name}' is compressed with {method} (method {info.compress_type}); "
            "packages must be plain zip files (PKZIP 2.04g: stored or deflated entries only), "
            "and LMSs and unzip tools may not extract it; it was not extracted",
        )
    if info.create_system == _UNIX and stat.S_ISLNK(info.external_attr >> 16):
        return (
            "zip.symlink",
            f"entry '{name}' is a symbolic link; unzip recreates the link, which can point "
            "outside the course folder, and other tools extract it as a small file holding "
            "the link's target; it was not extracted",
        )
    limit, too_far = _expansion_limit(info)
    if info.file_size > limit:
        return too_far
    return None


def _expansion_limit(info: zipfile.ZipInfo) -> tuple[int, tuple[str, str]]:
    """How far the entry may expand, and the problem it is beyond that."""
    name = info.filename
    ratio_limit = max(RATIO_EXEMPT_BYTES, MAX_COMPRESSION_RATIO * info.compress_size)
    if info.compress_type == zipfile.ZIP_DEFLATED and ratio_limit < MAX_ENTRY_BYTES:
        return ratio_limit, (
            "zip.bomb",
            f"entry '{name}' expands more than {MAX_COMPRESSION_RATIO} times over (from "
            f"{_size(info.compress_size)}), as zip bombs do and no course file does; it was not "
            "extracted",
        )
    return MAX_ENTRY_BYTES, (
        "zip.entry-too-large",
        f"entry '{name}' expands beyond {MAX_ENTRY_BYTES // MB} MB, more than any course file "
        "needs; it was not extracted",
    )


def _overlapping_entries(infos: list[zipfile.ZipInfo]) -> dict[int, tuple[str, str]]:
    """Entries whose data lies inside another's: how zip bombs unpack one block many times."""
    refused: dict[int, tuple[str, str]] = {}
    order = sorted(range(len(infos)), key=lambda i: (infos[i].header_offset, i))
    reach = -1
    reacher: zipfile.ZipInfo | None = None
    for index in order:
        info = infos[index]
        if reacher is not None and info.header_offset < reach:
            refused[index] = (
                "zip.overlapping-entries",
                f"entry '{info.filename}' lies inside entry '{reacher.filename}' in the "
                "archive; no zip tool writes overlapping entries, zip bombs do, to unpack the "
                "same data many times; it was not extracted",
            )
            continue
        end = info.header_offset + _LOCAL_HEADER_SIZE + info.compress_size
        if end > reach:
            reach, reacher = end, info
    return refused


# --------------------------------------------------------------------------- zip hygiene


def _check_zip_entries(archive: zipfile.ZipFile, found: _Findings) -> None:
    names = archive.namelist()
    for name in names:
        _check_entry_name(name, found)
    for name, count in Counter(names).items():
        if count > 1:
            found.error(
                "zip.duplicate-entry",
                f"the zip holds {count} entries named '{name}'; extractors keep one of them, "
                "and which one depends on the tool",
            )
    _check_case_collisions(names, found)


def _check_entry_name(name: str, found: _Findings) -> None:
    if name.startswith(("/", "\\")) or _DRIVE_LETTER.match(name):
        found.error(
            "zip.absolute-path",
            f"entry '{name}' has an absolute path; extractors refuse it or write outside the "
            "course folder",
        )
    if ".." in re.split(r"[/\\]", name):
        found.error(
            "zip.parent-path",
            f"entry '{name}' contains '..'; extractors refuse it or write outside the course "
            "folder",
        )
    if "\\" in name:
        found.error(
            "zip.backslash",
            f"entry '{name}' uses '\\' as a folder separator; zip requires '/', and on a Linux "
            "server the file is extracted under that literal name, so its links break",
        )


def _check_case_collisions(names: list[str], found: _Findings) -> None:
    by_folded: dict[str, list[str]] = {}
    for name in dict.fromkeys(names):
        by_folded.setdefault(name.rstrip("/").casefold(), []).append(name)
    for group in by_folded.values():
        if len(group) > 1:
            listed = ", ".join(f"'{n}'" for n in sorted(group))
            found.error(
                "zip.case-collision",
                f"entries {listed} differ only in letter case; extracted on Windows or macOS "
                "one overwrites the other",
            )


# --------------------------------------------------------------------------- detection


def _check_files(files: _Files, schemas: Path | None, found: _Findings) -> Kind | None:
    """Find the package's root document, tell its standard and run that standard's checks."""
    context = _Context(files, found, schemas)
    _check_page_references(files, found)
    if MANIFEST in files.names:
        return _check_manifest_package(context)
    if CMI5_STRUCTURE in files.names:
        return _check_cmi5_package(context)
    if MOODLE_BACKUP_FILE in files.names:
        return _check_moodle_backup(context)
    if (
        WEBSITE_HOME in files.names
        and not _nested_root_document(files)
        and not _misnamed_root_document(files)
    ):
        found.warning(
            "package.no-manifest",
            f"no {MANIFEST} or {CMI5_STRUCTURE} at the root: an LMS will not import this package; "
            "it was checked as an offline website (pages opened from disk)",
        )
        return WEBSITE
    moodle_files = sorted(n for n in files.names if n.startswith("moodle/") and n.endswith(".xml"))
    if moodle_files and not _nested_root_document(files):
        for name in moodle_files:
            _check_moodle_xml(context, name)
        return QUESTION_BANK
    _explain_missing_root_document(files, found)
    return None


def _check_moodle_xml(context: _Context, name: str) -> None:
    """Moodle refuses the whole file for one grade not in its list (matchgrades=error)."""
    from builder.questionbank import is_allowed_fraction

    root = _parse(context, name)
    if root is None:
        return
    if root.tag != "quiz":
        context.found.error(
            "moodle.xml-root",
            f"the root element is <{root.tag}>; Moodle XML starts with <quiz>",
            name,
            _line(root),
        )
        return
    for answer in root.iter("answer"):
        fraction = answer.get("fraction", "0")
        try:
            value = float(fraction) / 100
        except ValueError:
            value = float("nan")
        if not is_allowed_fraction(value):
            context.found.error(
                "moodle.grade-fraction",
                f"answer grade {fraction}% is not one of Moodle's grades; its import stops at the "
                "first such answer ('No questions have been imported')",
                name,
                _line(answer),
            )


def _misnamed_root_document(files: _Files) -> str | None:
    return next(
        (n for n in sorted(files.names) if n.casefold() in (MANIFEST, CMI5_STRUCTURE)), None
    )


def _nested_root_document(files: _Files) -> str | None:
    return next(
        (n for n in sorted(files.names) if posixpath.basename(n) in (MANIFEST, CMI5_STRUCTURE)),
        None,
    )


# Elements whose reference a browser fetches by itself while showing the page.
_FETCHED = {
    "img": ("src",),
    "script": ("src", "href", "xlink:href"),
    "link": ("href",),
    "iframe": ("src",),
    "frame": ("src",),
    "audio": ("src",),
    "video": ("src", "poster"),
    "source": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
    "body": ("background",),
    "table": ("background",),
    "td": ("background",),
    "th": ("background",),
    # SVG drawn inside the page
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
    "feimage": ("href", "xlink:href"),
}
# Attributes listing images for each screen (`a.png 1x, b.png 2x`): all may be fetched.
_SRCSETS = {"img": ("srcset",), "source": ("srcset",), "link": ("imagesrcset",)}
_REFERRING_TAGS = frozenset({*_FETCHED, *_SRCSETS, "a", "area", "style", "iframe"})
"""The elements that may refer to something through their tag; any may by its style."""
_PAGE_SUFFIXES = (".html", ".htm", ".xhtml")
_NETWORK_SCHEMES = frozenset({"http", "https", "ftp", "ws", "wss"})


def _check_page_references(files: _Files, found: _Findings) -> None:
    """Every page's images, scripts and styles are in the package, and so are its links.

    Campus links are slow or filtered, so a page that fetches anything from the
    network may not show at all; a link to a page the package lacks is a dead end.
    Stylesheets and SVG drawings are followed too: a stylesheet's url() and @import
    are fetched like an image, and an SVG opened from the package runs its scripts.
    """
    for name in sorted(files.names):
        suffix = posixpath.splitext(name)[1].lower()
        if suffix in _PAGE_SUFFIXES:
            _check_page(files, found, name)
        elif suffix == ".css":
            _check_stylesheet(files, found, name)
        elif suffix == ".svg":
            _check_svg(files, found, name)


@dataclass(frozen=True, slots=True)
class _Scope:
    """A page, stylesheet or drawing whose references are followed, and their base."""

    files: _Files
    found: _Findings
    file: str
    code: str
    """The codes' family: ``html``, ``css`` or ``svg``."""
    base: str
    """The package folder relative references resolve against."""
    outside_base: bool = False
    """A ``<base>`` points outside the package (reported once, at the ``<base>``)."""
    line: int | None = None
    """The line of every problem (an ``<iframe srcdoc>`` page, all on the iframe's line)."""

    def reference(self, reference: str, label: str, line: int | None, *, fetched: bool) -> None:
        restore_link = _RESTORE_LINK.match(reference.strip()) if "$@" in reference else None
        if restore_link:
            found_type = self.files.restore_type(int(restore_link[2]))
            if found_type is not None:
                self.restore_link(restore_link, found_type, label, self.line or line)
                return
        kind, target = _resolved(self.base, reference)
        if kind is _Reference.UNREADABLE:
            return  # not a URL a browser could fetch either
        line = self.line or line
        shown = reference.strip()
        if kind is _Reference.NETWORK:
            if fetched:
                self.found.error(
                    f"{self.code}.network-resource",
                    f"{label} loads '{shown}' from the network; the page breaks where campus "
                    "links are slow or filtered (put the file in the package)",
                    self.file,
                    line,
                )
            return
        if kind is _Reference.NOTHING or self.outside_base:
            return  # about:blank, data:, mailto: and the like fetch nothing from the package
        if self.files.has(target):
            return
        self.found.error(
            f"{self.code}.missing-file" if fetched else f"{self.code}.broken-link",
            f"{label} points to '{shown}', which is not in the package",
            self.file,
            line,
        )

    def restore_link(
        self, link: re.Match[str], found_type: str, label: str, line: int | None
    ) -> None:
        """A link Moodle's restore resolves: it must name an item of the right kind."""
        wanted = _RESTORE_LINK_TYPES[link[1]]
        if not found_type.startswith(wanted):
            self.found.error(
                f"{self.code}.broken-link",
                f"{label} points to '{link[0]}', but item {link[2]} of the organisation is "
                f"{'missing' if not found_type else f'a {found_type!r} resource'}; Moodle's "
                "restore would leave a dead link",
                self.file,
                line,
            )

    def styles(self, css: str, label: str, line: int | None) -> None:
        """Follow what CSS (a stylesheet, a <style> or a style attribute) fetches."""
        for newlines, construct, address in _css_references(css):
            where = f"{label} {construct}" if label else construct
            self.reference(address, where, None if line is None else line + newlines, fetched=True)


class _Reference(Enum):
    UNREADABLE = "not a URL"
    NETWORK = "on the network"
    NOTHING = "fetches nothing from the package"
    PACKAGED = "a package path"


@lru_cache(maxsize=1 << 14)
def _resolved(base: str, reference: str) -> tuple[_Reference, str]:
    """What ``reference``, in a page of folder ``base``, points to, and its package path.

    Pages of a folder share most of their references (the outline, the theme's files):
    each is worked out once.
    """
    parts = _browser_url(reference)
    if parts is None:
        return _Reference.UNREADABLE, ""
    if _is_network(parts):
        return _Reference.NETWORK, ""
    if parts.scheme or not parts.path:
        return _Reference.NOTHING, ""
    path = urllib.parse.unquote(parts.path)
    return _Reference.PACKAGED, posixpath.normpath(posixpath.join(base, path))


def _browser_url(reference: str) -> urllib.parse.SplitResult | None:
    """``reference`` split as a browser reads it: ``\\`` is ``/``, ``///host`` is ``//host``."""
    text = reference.strip().replace("\\", "/")
    text = re.sub(r"\A/{3,}", "//", text)
    try:
        return urllib.parse.urlsplit(text)
    except ValueError:
        return None


def _is_network(parts: urllib.parse.SplitResult) -> bool:
    return parts.scheme in _NETWORK_SCHEMES or (not parts.scheme and bool(parts.netloc))


def _check_page(files: _Files, found: _Findings, name: str) -> None:
    data = files.read(name)
    if not data:
        return
    # A build checks every package it makes, and most pages are the same in several of
    # them: a page whose bytes and place were checked before has the same findings,
    # provided every file its references named is in this package as it was in that one
    # (and every item its Moodle links named is the same kind of item).
    check = files.checked_ahead.get(name)
    if check is None:
        key = _page_key(name, data)
        check = _known_check(files, key)
        if check is None:
            check = _fresh_check(files, name, data)
            _keep_check(files, key, check)
    for problem in check.findings.problems:
        found._add(problem)
    found.unlisted += check.findings.unlisted
    found.unlisted_error |= check.findings.unlisted_error


@dataclass(frozen=True, slots=True)
class _PageCheck:
    """A page's findings, and the package's files they depend on."""

    findings: _Findings
    present: frozenset[str]
    """The package paths the page's references name that the package had."""
    absent: frozenset[str]
    """Those it did not have."""
    restore_lookups: frozenset[tuple[int, str | None]] = frozenset()
    """Each item number the page's Moodle links name, and what the package had there."""

    def holds_in(self, files: _Files) -> bool:
        return (
            self.present <= files.names
            and self.absent.isdisjoint(files.names)
            and all(
                files.restore_type_unnoted(number) == found
                for number, found in self.restore_lookups
            )
        )


def _fresh_check(files: _Files, name: str, data: bytes) -> _PageCheck:
    own = _Findings()
    files.lookups = []
    files.restore_lookups = []
    try:
        document = _parse_html(data)
        if document is not None:
            scope = _Scope(files, own, name, "html", posixpath.dirname(name))
            _check_document(scope, document, 0)
        # Interned: every page of a package names the same few hundred files, and the
        # checks are kept for the build's other packages.
        return _PageCheck(
            own,
            frozenset(sys.intern(target) for target, present in files.lookups if present),
            frozenset(sys.intern(target) for target, present in files.lookups if not present),
            frozenset(files.restore_lookups),
        )
    finally:
        files.lookups = None
        files.restore_lookups = None


def _check_pages_ahead(
    entries: Mapping[str, bytes], files: _Files, jobs: int
) -> dict[str, _PageCheck]:
    """The check of each page of ``entries``: known from earlier, or made now over
    ``jobs`` processes; :func:`_check_page` then reports them in the package's order."""
    files.restore_type_unnoted(1)  # the cartridge's items read once, before workers fork
    checks: dict[str, _PageCheck] = {}
    new = []
    for name in sorted(entries):
        data = entries[name]
        # Larger pages are refused, with their own finding, by the usual pass.
        if posixpath.splitext(name)[1].lower() not in _PAGE_SUFFIXES or not data:
            continue
        if len(data) > MAX_DOCUMENT_BYTES:
            continue
        key = _page_key(name, data)
        known = _known_check(files, key)
        if known is None:
            new.append((key, data))
        else:
            checks[name] = known
    made = map_in_processes(
        lambda index: _fresh_check(files, new[index][0][0], new[index][1]),
        range(len(new)),
        jobs,
        worth_it_from=PARALLEL_CHECKS_FROM,
    )
    for (key, _), check in zip(new, made, strict=True):
        _keep_check(files, key, check)
        checks[key[0]] = check
    return checks


PARALLEL_CHECKS_FROM = 192
"""Fewer new pages than this are checked in this process: a page takes about a
millisecond, and starting workers for a package's pages costs a tenth of a second."""

_PageKey = tuple[str, bytes]
_PAGE_CHECKS: dict[_PageKey, _PageCheck] = {}
_PAGE_CHECKS_KEPT = 20_000


def _page_key(name: str, data: bytes) -> _PageKey:
    return (name, hashlib.sha256(data).digest())


def _known_check(files: _Files, key: _PageKey) -> _PageCheck | None:
    """The check of this page from this build or an earlier one, if it holds in ``files``."""
    check = _PAGE_CHECKS.get(key)
    if check is not None and check.holds_in(files):
        if files.kept is not None:
            files.kept.note_used(_check_name(key), check)  # for the builds after this one
        return check
    check = _kept_check(files, key)
    if check is None or not check.holds_in(files):
        return None
    _PAGE_CHECKS[key] = check
    return check


def _kept_check(files: _Files, key: _PageKey) -> _PageCheck | None:
    if files.kept is None:
        return None
    return files.kept.recall(_check_name(key), _decoded_check)


def _decoded_check(data: bytes) -> _PageCheck | None:
    try:
        entry = json.loads(data)
        found = _Findings(
            problems=[
                Problem(Level(level), str(code), str(message), file, line)
                for level, code, message, file, line in entry["problems"]
            ],
            unlisted=int(entry["unlisted"]),
            unlisted_error=bool(entry["unlisted_error"]),
        )
        present = frozenset(sys.intern(str(target)) for target in entry["present"])
        absent = frozenset(sys.intern(str(target)) for target in entry["absent"])
        restore_lookups = frozenset(
            (int(number), None if kind is None else str(kind)) for number, kind in entry["restore"]
        )
    except (ValueError, KeyError, TypeError):
        return None
    found._seen.update(found.problems)
    return _PageCheck(found, present, absent, restore_lookups)


def _keep_check(files: _Files, key: _PageKey, check: _PageCheck) -> None:
    """Remember ``check`` for this build's other packages and for later builds."""
    if len(_PAGE_CHECKS) >= _PAGE_CHECKS_KEPT:
        _PAGE_CHECKS.clear()
    _PAGE_CHECKS[key] = check
    if files.kept is None:
        return
    found = check.findings
    entry = {
        "problems": [[p.level.value, p.code, p.message, p.file, p.line] for p in found.problems],
        "unlisted": found.unlisted,
        "unlisted_error": found.unlisted_error,
        "present": sorted(check.present),
        "absent": sorted(check.absent),
        "restore": sorted(check.restore_lookups, key=lambda lookup: lookup[0]),
    }
    files.kept.keep(_check_name(key), json.dumps(entry).encode("utf-8"), check)


def _check_name(key: _PageKey) -> str:
    name, digest = key
    return entry_name(code_fingerprint(), name, digest)


_RESTORE_LINK = re.compile(r"\A\$@(PAGEVIEWBYID|QUIZVIEWBYID)\*(\d+)@\$(#[^\s]*)?\Z")
_RESTORE_LINK_TYPES = {"PAGEVIEWBYID": "webcontent", "QUIZVIEWBYID": "imsqti"}


def _moodle_restore_targets(files: _Files) -> dict[int, str]:
    """For a CC 1.1 cartridge: the number Moodle's import gives each item → its resource type.

    Moodle's CC import numbers the organisation's items in document order from 1, and
    the restore after it resolves ``$@PAGEVIEWBYID*n@$`` to the activity of item n; a
    cartridge for Moodle may link its pages that way. Empty for any other package.
    """
    if MANIFEST not in files.names:
        return {}
    data = files.read(MANIFEST)
    parser = etree.XMLParser(
        no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data or b"", parser)
    except etree.XMLSyntaxError:
        return {}  # reported where the manifest is checked
    if etree.QName(root).namespace != NS_CC11:
        return {}
    types = {
        resource.get("identifier"): resource.get("type", "")
        for resource in root.iter(f"{{{NS_CC11}}}resource")
    }
    return {
        number: types.get(item.get("identifierref"), "")
        for number, item in enumerate(root.iter(f"{{{NS_CC11}}}item"), start=1)
    }


def _parse_html(data: bytes | str) -> etree._Element | None:
    parser = etree.HTMLParser(no_network=True, huge_tree=False)
    try:
        return lxml_html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        return None  # not HTML a browser would show either; nothing to follow


def _check_document(scope: _Scope, document: etree._Element, depth: int) -> None:
    scope = _with_base(scope, document)
    for element in _elements(document):
        tag = str(element.tag).lower()
        style = element.get("style")
        if not style and tag not in _REFERRING_TAGS:
            continue  # most of a page: paragraphs, list items, spans
        line = _line(element)
        for attribute in _FETCHED.get(tag, ()):
            value = element.get(attribute)
            if value:
                scope.reference(value, f"<{tag}>", line, fetched=True)
        for attribute in _SRCSETS.get(tag, ()):
            for candidate in _srcset_urls(element.get(attribute) or ""):
                scope.reference(candidate, f"<{tag} {attribute}>", line, fetched=True)
        if tag in ("a", "area"):
            scope.reference(element.get("href") or "", f"<{tag}>", line, fetched=False)
        if style:
            scope.styles(style, f"<{tag} style>", line)
        if tag == "style":
            scope.styles(element.text or "", "<style>", line)
        srcdoc = element.get("srcdoc") if tag == "iframe" else None
        if srcdoc and depth < MAX_SRCDOC_DEPTH:
            inner = _parse_html(srcdoc)
            if inner is not None:
                _check_document(replace(scope, line=scope.line or line), inner, depth + 1)


def _with_base(scope: _Scope, document: etree._Element) -> _Scope:
    """The scope relative references of ``document`` resolve in, after its ``<base href>``."""
    base = next((e for e in document.iter("base") if e.get("href") is not None), None)
    if base is None:
        return scope
    href = (base.get("href") or "").strip()
    parts = _browser_url(href)
    if parts is None:
        return scope
    line = scope.line or _line(base)
    if _is_network(parts):
        scope.found.error(
            f"{scope.code}.network-base",
            f"<base> makes '{href}' the address every relative link and file of the page is "
            "fetched from, so they all load from the network; the page breaks where campus "
            "links are slow or filtered (remove the <base>)",
            scope.file,
            line,
        )
        return replace(scope, outside_base=True)
    if parts.scheme or parts.path.startswith("/"):
        scope.found.error(
            f"{scope.code}.base-outside",
            f"<base> makes '{href}', outside the package, the address every relative link "
            "and file of the page is fetched from, so none of them is found (remove the <base>)",
            scope.file,
            line,
        )
        return replace(scope, outside_base=True)
    path = urllib.parse.unquote(parts.path)
    folder = path if path.endswith("/") else posixpath.dirname(path)
    return replace(scope, base=posixpath.normpath(posixpath.join(scope.base, folder)))


_SRCSET_SPACE = " \t\n\r\f"


def _srcset_urls(value: str) -> list[str]:
    """The image addresses of a ``srcset``, split as the HTML standard says."""
    urls: list[str] = []
    position, end = 0, len(value)
    while True:
        while position < end and value[position] in _SRCSET_SPACE + ",":
            position += 1
        if position >= end:
            return urls
        start = position
        while position < end and value[position] not in _SRCSET_SPACE:
            position += 1
        url = value[start:position]
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # skip the descriptors (`2x`, `640w`), up to a comma outside parentheses
            depth = 0
            while position < end and (value[position] != "," or depth):
                depth += {"(": 1, ")": -1 if depth else 0}.get(value[position], 0)
                position += 1
        if url:
            urls.append(url)


def _check_stylesheet(files: _Files, found: _Findings, name: str) -> None:
    data = files.read(name)
    if not data:
        return
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8"
    css = data.decode(encoding, "replace")
    _Scope(files, found, name, "css", posixpath.dirname(name)).styles(css, "", 1)


def _check_svg(files: _Files, found: _Findings, name: str) -> None:
    """An SVG's scripts, handlers and outside references, as the build refuses them.

    The rules are the build's (:func:`builder.assets.svg_findings`), except that a
    package may carry what another tool drew: a reference to a file in the package is
    followed like a page's, and ``<foreignObject>`` (HTML labels) is checked inside.
    """
    data = files.read(name)
    if data is None:
        return
    scope = _Scope(files, found, name, "svg", posixpath.dirname(name))
    for finding in svg_findings(data):
        if finding.kind == "malformed":
            found.error("svg.malformed", finding.message, name, finding.line)
        elif finding.kind == "style":
            scope.styles(finding.value, "the SVG's style", finding.line)
        elif finding.kind == "reference" and _package_or_network(finding.value):
            scope.reference(finding.value, "the SVG", finding.line, fetched=True)
        elif not (finding.kind == "element" and finding.value == "foreignObject"):
            found.error("svg.active", finding.message, name, finding.line)


def _package_or_network(reference: str) -> bool:
    parts = _browser_url(reference)
    return parts is not None and (not parts.scheme or _is_network(parts))


# --------------------------------------------------------------------------- CSS

_CSS_SPACE = r"[ \t\r\n\f]"
_CSS_STRING = r""""(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?"""
_CSS_BARE_URL = r"""(?:[^)"'(\\ \t\r\n\f]|\\.)*"""


def _css_word(word: str) -> str:
    """A pattern for ``word`` as a CSS identifier, in which any letter may be escaped.

    CSS reads ``\\75 rl(`` as ``url(``, so a hostile stylesheet cannot hide a fetch that way.
    """
    parts = []
    for char in word:
        codes = "|".join(sorted({f"{ord(char.lower()):x}", f"{ord(char.upper()):x}"}))
        literal = re.escape(char)
        hex_escape = rf"\\0{{0,4}}(?:{codes})(?:\r\n|{_CSS_SPACE}|(?![0-9a-f]))"
        parts.append(rf"(?:{literal}|{hex_escape}|\\{literal})")
    return "".join(parts)


_CSS_TOKEN = re.compile(
    r"(?P<comment>/\*.*?(?:\*/|\Z))"
    rf"|(?P<url>(?<![\w\\-]){_css_word('url')}\({_CSS_SPACE}*"
    rf"(?:(?P<quoted>{_CSS_STRING})|(?P<bare>{_CSS_BARE_URL})))"
    rf"|(?P<imageset>(?<![\w\\])(?:-[a-z0-9]+-)?{_css_word('image-set')}\()"
    rf"|@(?:(?P<import>{_css_word('import')})|(?P<namespace>{_css_word('namespace')}))(?![\w-])"
    rf"|(?P<string>{_CSS_STRING})"
    r"|(?P<escape>\\.)"
    r"|(?P<open>\()|(?P<close>\))|(?P<end>[;{}])",
    re.IGNORECASE | re.DOTALL,
)
_CSS_ESCAPE = re.compile(
    r"\\(?:([0-9a-f]{1,6})(?:\r\n|[ \t\r\n\f])?|(\r\n|[\r\n\f])|(.))", re.I | re.S
)


def _css_references(css: str) -> tuple[tuple[int, str, str], ...]:
    """What CSS makes the browser fetch: (newlines before it, construct, address).

    Remembered by its text, up to :data:`_CSS_REMEMBERED_CHARS`: every package of a
    build carries the theme's stylesheets, and pages repeat the same style attributes.
    """
    if len(css) > _CSS_REMEMBERED_CHARS:  # a hostile package's cannot fill the memory
        return tuple(_css_fetches(css))
    return _remembered_css_references(css)


_CSS_REMEMBERED_CHARS = 32 * 1024


@lru_cache(maxsize=1024)
def _remembered_css_references(css: str) -> tuple[tuple[int, str, str], ...]:
    return tuple(_css_fetches(css))


def _css_fetches(css: str) -> Iterator[tuple[int, str, str]]:
    """:func:`_css_references`, read token by token, as a browser does, so that no
    comment, string or escape hides a ``url()``, an ``@import`` or an ``image-set()``;
    ``@namespace`` fetches nothing."""
    newlines, counted = 0, 0
    importing = namespace = False
    image_set = 0  # parentheses open inside an image-set()
    for match in _CSS_TOKEN.finditer(css):
        newlines += css.count("\n", counted, match.start())
        counted = match.start()
        if match["url"] is not None:
            quoted = match["quoted"]
            address = _css_string(quoted) if quoted is not None else _css_unescape(match["bare"])
            if not namespace:
                yield newlines, "@import" if importing else "url()", address
            importing = False
        elif match["string"] is not None:
            if importing and not namespace:
                yield newlines, "@import", _css_string(match["string"])
            elif image_set and not namespace:
                yield newlines, "image-set()", _css_string(match["string"])
            importing = False
        elif match["imageset"] is not None:
            image_set = 1
        elif match["import"] is not None:
            importing = True
        elif match["namespace"] is not None:
            namespace = True
        elif match["open"] is not None:
            image_set += 1 if image_set else 0
        elif match["close"] is not None:
            image_set -= 1 if image_set else 0
        elif match["end"] is not None:
            importing = namespace = False
            image_set = 0


def _css_string(token: str) -> str:
    """The value of a CSS string token (its quotes removed, escapes decoded)."""
    quote, body = token[0], token[1:]
    if body.endswith(quote):
        inner = body[:-1]
        if (len(inner) - len(inner.rstrip("\\"))) % 2 == 0:
            body = inner
    return _css_unescape(body)


def _css_unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        if match[1]:
            code = int(match[1], 16)
            valid = 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF
            return chr(code) if valid else "\ufffd"
        return "" if match[2] else match[3]

    return _CSS_ESCAPE.sub(one, text)


def _explain_missing_root_document(files: _Files, found: _Findings) -> None:
    misnamed = _misnamed_root_document(files)
    if misnamed is not None:
        found.error(
            "package.manifest-name-case",
            f"the manifest is named '{misnamed}'; Moodle looks for exactly '{misnamed.lower()}' "
            "(lower case) and refuses the package",
        )
        return
    nested = _nested_root_document(files)
    if nested is not None:
        found.error(
            "package.manifest-not-at-root",
            f"'{nested}' is not at the root of the package; Moodle refuses it with 'An "
            "imsmanifest.xml file was found but it was not in the root of your zip file' "
            "(zip the contents of the course folder, not the folder itself)",
        )
        return
    found.error(
        "package.unknown-kind",
        f"no {MANIFEST} or {CMI5_STRUCTURE} at the root of the package; expected {MANIFEST} "
        f"(SCORM, IMS Content Packaging, Common Cartridge) or {CMI5_STRUCTURE} (cmi5)",
    )


def detect_manifest_kind(root: etree._Element) -> Kind | None:
    """The standard of an ``imsmanifest.xml``, from its root namespace and metadata."""
    name = etree.QName(root)
    if name.localname != "manifest":
        return None
    if name.namespace == NS_SCORM12_CP:
        return SCORM12
    if name.namespace in CC_BY_NAMESPACE:
        return CC_BY_NAMESPACE[name.namespace]
    if name.namespace != NS_CP:
        return None
    version = _schema_version(root)
    if version in SCORM2004_BY_VERSION:
        return SCORM2004_BY_VERSION[version]
    if _schema_name(root) == "ADL SCORM" or _namespaces_used(root) & SCORM2004_NAMESPACES:
        return SCORM2004
    return IMSCP


def _schema_version(root: etree._Element) -> str | None:
    """The first ``<metadata><schemaversion>`` in document order: the one Moodle reads."""
    ns = etree.QName(root).namespace
    for element in root.iter(f"{{{ns}}}schemaversion"):
        parent = element.getparent()
        if parent is not None and etree.QName(parent).localname == "metadata":
            return (element.text or "").strip()
    return None


def _schema_name(root: etree._Element) -> str:
    ns = etree.QName(root).namespace
    return (root.findtext(f"{{{ns}}}metadata/{{{ns}}}schema") or "").strip()


def _namespaces_used(root: etree._Element) -> set[str]:
    used: set[str] = set()
    for element in _elements(root):
        used.add(etree.QName(element).namespace or "")
        used.update(etree.QName(key).namespace or "" for key in element.attrib)
    return used


def _line(element: etree._Element) -> int | None:
    line = element.sourceline  # untyped in lxml's stubs
    return line if isinstance(line, int) else None


def _elements(root: etree._Element) -> Iterator[etree._Element]:
    """Every element below and including ``root``, without comments or processing instructions."""
    return root.iter(etree.Element)  # filtered by lxml itself: a page has thousands


def _unknown_manifest_message(root: etree._Element) -> str:
    name = etree.QName(root)
    return (
        f"{MANIFEST} has <{name.localname}> {_in_namespace(name)}; expected <manifest> in "
        f"{NS_SCORM12_CP} (SCORM 1.2), "
        f"{NS_CP} (SCORM 2004, IMS Content Packaging) or "
        "http://www.imsglobal.org/xsd/imsccv1pN/imscp_v1p1 (Common Cartridge)"
    )


def _in_namespace(name: etree.QName) -> str:
    return f"in the namespace '{name.namespace}'" if name.namespace else "in no namespace"


# --------------------------------------------------------------------------- shared helpers


@dataclass(frozen=True, slots=True)
class _Context:
    files: _Files
    found: _Findings
    schemas: Path | None


def _parse(context: _Context, name: str) -> etree._Element | None:
    """The root of the package's XML file ``name``; None (reported) when it is not well-formed."""
    data = context.files.read(name)
    if data is None:
        return None
    parser = etree.XMLParser(
        no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False
    )
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        context.found.error(
            "xml.malformed", f"not well-formed XML: {error.msg}", name, error.lineno or None
        )
        return None


def _resolve(base: str, href: str) -> str | None:
    """The package path ``href`` names, seen from ``base``; None for a URL on another host."""
    try:
        parts = urllib.parse.urlsplit(urllib.parse.urljoin(base, href.strip()))
    except ValueError:
        return None  # not a URL (an unclosed "[" of an IPv6 host): nothing can be opened
    if parts.scheme or parts.netloc:
        return None
    path = urllib.parse.unquote(parts.path)
    return posixpath.normpath(path) if path else None


def _why_absent(files: _Files, path: str) -> str | None:
    """Why ``path`` cannot be opened from the package; None when it can."""
    if path.startswith("/") or path == ".." or path.startswith("../"):
        return "which points outside the package"
    if path in files.names:
        return None
    variant = files.case_variant(path)
    if variant is not None:
        return (
            f"which is not in the package (it holds '{variant}'; names are case-sensitive "
            "on the LMS server)"
        )
    return "which is not in the package"


def _check_against(
    context: _Context, document: etree._Element, kind: Kind, schema_file: str, file: str
) -> None:
    """Validate ``document`` (the package file ``file``) against one of ``kind``'s schemas."""
    assert context.schemas is not None and kind.schema_folder is not None
    path = context.schemas / kind.schema_folder / schema_file
    if not path.is_file():
        context.found.error(
            "xsd.unavailable",
            f"the schema {path.as_posix()} does not exist, so nothing was checked against it; "
            "--schemas names the folder holding scorm12/, imscc11/, … with the official XSDs",
        )
        return
    try:
        schema = _load_schema(path)
    except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as error:
        context.found.error(
            "xsd.unavailable", f"cannot compile the schema {path.as_posix()}: {error}"
        )
        return
    try:
        if schema.validate(document):
            return
    except etree.XMLSchemaValidateError as error:
        # libxml2 gives up on, for example, entity references left unexpanded (we never
        # expand entities: they could fetch files from the network).
        context.found.error(
            "xsd.invalid", f"could not be checked against the {kind.label} schema: {error}", file
        )
        return
    for entry in cast("Iterable[_LogEntry]", schema.error_log):  # untyped in lxml's stubs
        if kind is SCORM12 and NS_IMSMD12 in entry.message:
            # ADL's IMS metadata 1.2.1 schema is not deterministic, so libxml2 cannot
            # compile it and the SCORM 1.2 driver leaves that namespace out.
            context.found.warning(
                "xsd.unchecked",
                "the IMS metadata (imsmd) in the manifest was not checked: its official "
                "schema cannot be compiled",
                file,
            )
            continue
        context.found.error(
            "xsd.invalid",
            f"does not match the {kind.label} schema: {entry.message}",
            file,
            entry.line,
        )


class _LogEntry(Protocol):
    message: str
    line: int


@cache
def _load_schema(path: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(
        no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False
    )
    parser.resolvers.add(_LocalSchemaResolver(path.parent))
    return etree.XMLSchema(etree.parse(str(path), parser))


class _LocalSchemaResolver(etree.Resolver):
    """Answers absolute ``http(s)://…/NAME.xsd`` imports with the local ``NAME.xsd``.

    The official CC 1.3 schemas import each other by their web addresses. Mapping each
    to the file of the same name in the standard's own folder keeps compiling them
    offline. Anything not found there is left to libxml2, which then skips the import:
    the libxml2 lxml ships (2.14) has no HTTP client, and the parser forbids the network
    anyway (tests/hostile/test_validate.py checks that nothing is requested).
    """

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self._folder = folder

    # lxml's stubs leave out the context argument and resolve_filename().
    def resolve(  # type: ignore[override]
        self, system_url: str, public_id: str, context: object
    ) -> object:
        if not system_url.startswith(("http://", "https://")):
            return None
        name = posixpath.basename(urllib.parse.urlsplit(system_url).path)
        local = next(iter(sorted(self._folder.rglob(name))), None) if name else None
        if local is None:
            return None
        return self.resolve_filename(str(local), context)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- manifests


@dataclass(frozen=True, slots=True)
class _Manifest:
    root: etree._Element
    kind: Kind
    data: bytes

    @property
    def ns(self) -> str:
        return etree.QName(self.root).namespace or ""

    def q(self, local: str) -> str:
        return f"{{{self.ns}}}{local}"

    def all(self, local: str) -> list[etree._Element]:
        return list(self.root.iter(self.q(local)))

    def resource_ids(self) -> set[str]:
        return {r.get("identifier", "") for r in self.all("resource")}


def _check_manifest_package(context: _Context) -> Kind | None:
    root = _parse(context, MANIFEST)
    if root is None:
        return None
    kind = detect_manifest_kind(root)
    if kind is None:
        context.found.error("package.unknown-kind", _unknown_manifest_message(root), MANIFEST)
        return None
    manifest = _Manifest(root, kind, context.files.read(MANIFEST) or b"")
    if context.schemas is not None:
        _check_manifest_schema(context, manifest)
    _check_identifiers(context, manifest)
    _check_references(context, manifest)
    _check_resource_files(context, manifest)
    if kind.family in ("scorm", "imscp"):
        _check_moodle_parser_prefixes(context, manifest)
        _check_mapinfo(context, manifest)
    if kind.family == "scorm":
        _check_scorm(context, manifest)
    if kind.family == "imscp":
        _check_cartridge_in_cp_namespace(context, manifest)
    if kind.family == "cc":
        _check_cartridge(context, manifest)
    return kind


def _check_manifest_schema(context: _Context, manifest: _Manifest) -> None:
    if manifest.kind.schema_folder is None:
        context.found.warning(
            "xsd.unchecked",
            f"no official schemas for {manifest.kind.label} are available, so the manifest "
            "was not checked against one",
            MANIFEST,
        )
        return
    _check_against(context, manifest.root, manifest.kind, manifest.kind.schema_file, MANIFEST)


def _check_identifiers(context: _Context, manifest: _Manifest) -> None:
    first_line: dict[str, int | None] = {}
    for element in _elements(manifest.root):
        identifier = element.get("identifier")
        if identifier is None or etree.QName(element).namespace != manifest.ns:
            continue
        if not _NCNAME.match(identifier):
            context.found.error(
                "manifest.invalid-identifier",
                _invalid_identifier_message(identifier),
                MANIFEST,
                _line(element),
            )
        if identifier in first_line:
            context.found.error(
                "manifest.duplicate-identifier",
                f"identifier '{identifier}' is used twice (first on line "
                f"{first_line[identifier]}); identifiers must be unique in the manifest",
                MANIFEST,
                _line(element),
            )
        else:
            first_line[identifier] = _line(element)


def _invalid_identifier_message(identifier: str) -> str:
    if identifier[:1].isdigit():
        return (
            f"identifier '{identifier}' starts with a digit, which XML identifiers may not; "
            "Moodle's Common Cartridge import aborts on it (start it with a letter, e.g. "
            f"'i{identifier}')"
        )
    return (
        f"identifier '{identifier}' is not a valid XML identifier: use letters, digits, '.', '-' "
        "and '_', starting with a letter or '_' (no spaces or ':')"
    )


def _check_references(context: _Context, manifest: _Manifest) -> None:
    resources = manifest.resource_ids()
    # An item may also point to a sub-manifest.
    targets = resources | {
        m.get("identifier", "") for m in manifest.root.iter(manifest.q("manifest"))
    }
    for item in manifest.all("item"):
        ref = item.get("identifierref")
        if ref is not None and ref not in targets:
            context.found.error(
                "manifest.unresolved-ref",
                f"item '{item.get('identifier', '')}' points to '{ref}', but no resource has "
                "that identifier",
                MANIFEST,
                _line(item),
            )
    for dependency in manifest.all("dependency"):
        ref = dependency.get("identifierref")
        parent = dependency.getparent()
        owner = parent.get("identifier", "") if parent is not None else ""
        if ref is not None and ref not in resources:
            context.found.error(
                "manifest.unresolved-ref",
                f"resource '{owner}' depends on '{ref}', but no resource has that identifier",
                MANIFEST,
                _line(dependency),
            )
    _check_default_organization(context, manifest)


def _check_default_organization(context: _Context, manifest: _Manifest) -> None:
    organizations = {o.get("identifier") for o in manifest.all("organization")}
    for element in manifest.all("organizations"):
        default = element.get("default")
        if default is not None and default not in organizations:
            context.found.error(
                "manifest.default-organization",
                f"organizations@default names '{default}', but no organization has that identifier",
                MANIFEST,
                _line(element),
            )


def _xml_base(element: etree._Element) -> str:
    """The base URL ``element``'s relative links are resolved against (xml:base chain)."""
    base = ""
    for node in [*reversed(list(element.iterancestors())), element]:
        value = node.get(f"{{{NS_XML}}}base")
        if value:
            try:
                base = urllib.parse.urljoin(base, value)
            except ValueError:
                continue  # not a URL; LMSs ignore it too
    return base


def _check_resource_files(context: _Context, manifest: _Manifest) -> None:
    for resource in manifest.all("resource"):
        identifier = resource.get("identifier", "")
        base = _xml_base(resource)
        launch = _check_launch(context, resource, identifier, base)
        for file in resource.iter(manifest.q("file")):
            href = file.get("href")
            path = _resolve(base, href) if href else None
            if path is None or path == launch:
                continue  # a missing launch file is reported once, as the launch
            why = _why_absent(context.files, path)
            if why is not None:
                context.found.error(
                    "manifest.missing-file",
                    f"resource '{identifier}' lists {_shown(href or '', path)}, {why}",
                    MANIFEST,
                    _line(file),
                )


def _check_launch(
    context: _Context, resource: etree._Element, identifier: str, base: str
) -> str | None:
    """Report a missing launch file; returns the launch path (None if none is local)."""
    href = resource.get("href")
    path = _resolve(base, href) if href else None
    if href is None or path is None:
        return None
    why = _why_absent(context.files, path)
    if why is not None:
        context.found.error(
            "manifest.missing-launch",
            f"resource '{identifier}' launches {_shown(href, path)}, {why}; the LMS imports it "
            "anyway and learners get a 'file not found' page",
            MANIFEST,
            _line(resource),
        )
    return path


def _shown(href: str, path: str) -> str:
    """``href`` as written, with the path xml:base makes of it when that differs."""
    return f"'{href}'" if posixpath.normpath(href) == path else f"'{href}' ('{path}' with xml:base)"


# --------------------------------------------------------------------------- SCORM and IMS CP


def _check_moodle_parser_prefixes(context: _Context, manifest: _Manifest) -> None:
    """Moodle matches literal qualified names, so prefixes must be the usual ones."""
    reported: set[tuple[str, str | None]] = set()
    for element in _elements(manifest.root):
        namespace = etree.QName(element).namespace or ""
        key = (namespace, element.prefix)
        if key in reported:
            continue
        if namespace == manifest.ns and element.prefix is not None:
            reported.add(key)
            context.found.error(
                "moodle.cp-prefix",
                f"<{element.prefix}:{etree.QName(element).localname}> has a prefix; Moodle reads "
                "the manifest without namespaces and finds manifest, organization, item and "
                "resource elements only unprefixed, so write them in the default namespace "
                f'(xmlns="{manifest.ns}")',
                MANIFEST,
                _line(element),
            )
        elif namespace in ADL_PREFIXES and element.prefix != ADL_PREFIXES[namespace]:
            reported.add(key)
            context.found.error(
                "moodle.adl-prefix",
                _adl_prefix_message(element, namespace),
                MANIFEST,
                _line(element),
            )
        _check_attribute_prefixes(context, element, reported)


def _check_attribute_prefixes(
    context: _Context, element: etree._Element, reported: set[tuple[str, str | None]]
) -> None:
    for key in element.attrib:
        namespace = etree.QName(key).namespace or ""
        expected = ADL_PREFIXES.get(namespace)
        # lxml does not keep an attribute's prefix; if the expected prefix is not bound
        # to the namespace here, the attribute cannot have been written with it.
        if expected is None or element.nsmap.get(expected) == namespace:
            continue
        if (namespace, "@") in reported:
            continue
        reported.add((namespace, "@"))
        context.found.error(
            "moodle.adl-prefix",
            f"attribute '{etree.QName(key).localname}' in {namespace} is not written as "
            f"'{expected}:{etree.QName(key).localname}'; Moodle reads the manifest without "
            f"namespaces and understands ADL attributes only with the literal prefix '{expected}:'",
            MANIFEST,
            _line(element),
        )


def _adl_prefix_message(element: etree._Element, namespace: str) -> str:
    local = etree.QName(element).localname
    written = f"{element.prefix}:{local}" if element.prefix else local
    expected = ADL_PREFIXES[namespace]
    return (
        f"<{written}> is an ADL element written without the prefix '{expected}:'; Moodle reads "
        f"the manifest without namespaces, understands only <{expected}:{local}> and ignores it"
    )


def _check_mapinfo(context: _Context, manifest: _Manifest) -> None:
    for element in manifest.root.iter(f"{{{NS_IMSSS}}}mapInfo"):
        context.found.error(
            "moodle.mapinfo",
            "<imsss:mapInfo> (an objective mapped to a global objective) makes Moodle 5.0 fail "
            "the whole upload with 'Attempt to assign property \"mapinfos\" on null'; remove the "
            "mapInfo elements for Moodle",
            MANIFEST,
            _line(element),
        )


def _check_scorm(context: _Context, manifest: _Manifest) -> None:
    _check_schema_version(context, manifest)
    _check_scos(context, manifest)
    _check_something_to_launch(context, manifest)
    _check_ignored_xml_base(context, manifest)


def _check_schema_version(context: _Context, manifest: _Manifest) -> None:
    version = _schema_version(manifest.root)
    moodle_2004 = version in MOODLE_SCORM2004_VERSIONS
    said = "has no <schemaversion>" if version is None else f"has schemaversion '{version}'"
    if manifest.kind is SCORM12 and moodle_2004:
        context.found.error(
            "moodle.schemaversion",
            f"this SCORM 1.2 manifest {said}, so Moodle plays it with the SCORM 2004 API "
            "(API_1484_11) and the content finds no SCORM 1.2 API; write '1.2'",
            MANIFEST,
        )
    elif manifest.kind is not SCORM12 and not moodle_2004:
        context.found.error(
            "moodle.schemaversion",
            f"this SCORM 2004 manifest {said}, which Moodle does not recognise, so Moodle plays "
            "it with the SCORM 1.2 API and the content finds no API_1484_11; write "
            "'2004 4th Edition' or '2004 3rd Edition'",
            MANIFEST,
        )


def _is_sco(resource: etree._Element) -> bool:
    # Moodle ignores the attribute name's letter case (scormtype in 1.2, scormType in 2004).
    return any(
        etree.QName(key).namespace in (NS_ADLCP12, NS_ADLCP13)
        and etree.QName(key).localname.lower() == "scormtype"
        and value.strip() == "sco"
        for key, value in resource.attrib.items()
    )


def _check_scos(context: _Context, manifest: _Manifest) -> None:
    if any(_is_sco(resource) for resource in manifest.all("resource")):
        return
    attribute = "adlcp:scormtype" if manifest.kind is SCORM12 else "adlcp:scormType"
    context.found.warning(
        "manifest.no-sco",
        f'no resource is marked {attribute}="sco", so Moodle treats every item as an asset: '
        "the pages open, but no progress, score or completion is recorded",
        MANIFEST,
    )


def _check_something_to_launch(context: _Context, manifest: _Manifest) -> None:
    launchable = {r.get("identifier") for r in manifest.all("resource") if r.get("href")}
    items = manifest.all("item")
    # Without any item Moodle makes an item of every resource that has an href.
    if any(item.get("identifierref") in launchable for item in items) or (not items and launchable):
        return
    context.found.error(
        "moodle.nothing-to-launch",
        "no item points to a resource with an href, so Moodle creates the activity with "
        "nothing to launch",
        MANIFEST,
    )


def _check_ignored_xml_base(context: _Context, manifest: _Manifest) -> None:
    """Moodle's SCORM player applies only a resource's own xml:base to its href."""
    for local in ("manifest", "resources"):
        for element in manifest.all(local):
            base = element.get(f"{{{NS_XML}}}base")
            launches = any(r.get("href") for r in element.iter(manifest.q("resource")))
            if base and launches:
                context.found.error(
                    "moodle.xml-base",
                    f"Moodle's SCORM player ignores xml:base '{base}' on <{local}> and launches "
                    "each resource's href without it; put the xml:base on every <resource>",
                    MANIFEST,
                    _line(element),
                )


# --------------------------------------------------------------------------- Common Cartridge


def _check_cartridge_in_cp_namespace(context: _Context, manifest: _Manifest) -> None:
    if _schema_name(manifest.root) == "IMS Common Cartridge":
        context.found.error(
            "moodle.cc-namespace",
            f"the manifest says IMS Common Cartridge but uses the IMS CP namespace {NS_CP}; "
            f"Moodle's restore does not recognise it as a cartridge (a CC 1.1 manifest uses "
            f'xmlns="{NS_CC11}")',
            MANIFEST,
        )


def _check_cartridge(context: _Context, manifest: _Manifest) -> None:
    if manifest.kind in (CC10, CC11):
        _check_cartridge_detection(context, manifest)
    else:
        context.found.warning(
            "moodle.cc-version",
            f"Moodle imports only Common Cartridge 1.0 and 1.1 and says 'Unknown backup format' "
            f"for this {manifest.kind.label} cartridge (Canvas, Brightspace and others accept it)",
            MANIFEST,
        )
    for element in manifest.all("authorizations"):
        context.found.error(
            "moodle.cc-authorizations",
            "the cartridge declares <authorizations> (it is protected); Moodle refuses "
            "protected cartridges",
            MANIFEST,
            _line(element),
        )
    _check_cartridge_organization(context, manifest)
    _check_cartridge_resources(context, manifest)


def _check_cartridge_detection(context: _Context, manifest: _Manifest) -> None:
    """Moodle tells a cartridge from a plain string search of the manifest's first 1 KB."""
    head = manifest.data[:MOODLE_CC_DETECTION_BYTES].decode("utf-8", "replace").lower()
    squeezed = re.sub(r"[\s\"']", "", head)
    if f"xmlns={manifest.ns}" in squeezed:
        return
    reason = (
        f"its root element has the prefix '{manifest.root.prefix}:'"
        if manifest.root.prefix
        else f"the declaration is not within the first {MOODLE_CC_DETECTION_BYTES} bytes"
    )
    context.found.error(
        "moodle.cc-namespace",
        f'Moodle recognises a cartridge only when xmlns="{manifest.ns}" (the default namespace) '
        f"appears in the first {MOODLE_CC_DETECTION_BYTES} bytes of the manifest, and {reason}; "
        "Moodle says 'Unknown backup format'",
        MANIFEST,
        _line(manifest.root),
    )


def _check_cartridge_organization(context: _Context, manifest: _Manifest) -> None:
    """Moodle's converter makes a section of each child of the organization's one root item."""
    organization = next(iter(manifest.all("organization")), None)
    roots = [] if organization is None else organization.findall(manifest.q("item"))
    line = _line(organization) if organization is not None else None
    if len(roots) > 1:
        context.found.error(
            "moodle.cc-root-item",
            f"the organization has {len(roots)} top-level items; Moodle expects exactly one "
            "root item, whose children become the course sections",
            MANIFEST,
            line,
        )
    elif not roots or not roots[0].findall(manifest.q("item")):
        context.found.error(
            "moodle.cc-empty-course",
            f"{_why_empty(organization, roots)}, so Moodle imports an empty course (the restore "
            "then fails with 'failed to load external entity …/moodle.xml'); Moodle imports only "
            "what the organization lists",
            MANIFEST,
            line,
        )


def _why_empty(organization: etree._Element | None, roots: list[etree._Element]) -> str:
    if organization is None:
        return "the cartridge has no organization"
    if not roots:
        return "the organization has no items"
    return f"the organization's root item '{roots[0].get('identifier', '')}' has no children"


def _check_cartridge_resources(context: _Context, manifest: _Manifest) -> None:
    descriptor_schemas = CC_DESCRIPTOR_SCHEMAS.get(manifest.kind.id, {})
    checked: set[str] = set()
    for resource in manifest.all("resource"):
        kind_of_resource = resource.get("type", "")
        schema_file = descriptor_schemas.get(kind_of_resource)
        is_qti = kind_of_resource.startswith(CC_QTI_TYPE_PREFIX)
        if schema_file is None and not is_qti:
            continue
        descriptor = _descriptor_path(manifest, resource)
        if descriptor is None or _why_absent(context.files, descriptor) is not None:
            continue  # reported with the resource's files
        if descriptor in checked:
            continue  # many resources may share one (hostile) descriptor: parse it once
        checked.add(descriptor)
        document = _parse(context, descriptor)
        if document is None:
            continue
        if context.schemas is not None and schema_file is not None:
            _check_against(context, document, manifest.kind, schema_file, descriptor)
        if is_qti:
            _check_questions(context, document, descriptor)


def _descriptor_path(manifest: _Manifest, resource: etree._Element) -> str | None:
    """A CC resource of a non-web type is described by its one <file>."""
    file = resource.find(manifest.q("file"))
    href = file.get("href") if file is not None else None
    return _resolve(_xml_base(resource), href) if href else None


def _check_questions(context: _Context, document: etree._Element, file: str) -> None:
    for item in document.iter("{*}item"):
        ident = item.get("ident", "")
        profile = _cc_profile(item)
        if profile not in CC_PROFILES_MOODLE_KNOWS:
            said = "has no cc_profile" if profile is None else f"has cc_profile '{profile}'"
            context.found.warning(
                "moodle.cc-question-dropped",
                f"question '{ident}' {said}, which Moodle does not know, so Moodle drops the "
                "question when it imports the quiz",
                file,
                _line(item),
            )
        elif profile == CC_TRUE_FALSE:
            _check_true_false(context, item, file)


def _cc_profile(item: etree._Element) -> str | None:
    for field_element in item.iter("{*}qtimetadatafield"):
        if (field_element.findtext("{*}fieldlabel") or "").strip() == "cc_profile":
            return (field_element.findtext("{*}fieldentry") or "").strip()
    return None


def _check_true_false(context: _Context, item: etree._Element, file: str) -> None:
    idents = [label.get("ident", "") for label in item.iter("{*}response_label")]
    wrong = [ident for ident in idents if ident not in ("true", "false")]
    if wrong:
        listed = ", ".join(f"'{ident}'" for ident in wrong)
        context.found.error(
            "moodle.cc-true-false",
            f"true/false question '{item.get('ident', '')}' has the answer identifiers {listed}; "
            "Moodle accepts only 'true' and 'false' and aborts the whole import on any other",
            file,
            _line(item),
        )


# --------------------------------------------------------------------------- cmi5


def _check_cmi5_package(context: _Context) -> Kind | None:
    root = _parse(context, CMI5_STRUCTURE)
    if root is None:
        return None
    if root.tag != f"{{{NS_CMI5}}}courseStructure":
        name = etree.QName(root)
        context.found.error(
            "package.unknown-kind",
            f"{CMI5_STRUCTURE} has <{name.localname}> {_in_namespace(name)}; "
            f"expected <courseStructure> in {NS_CMI5}",
            CMI5_STRUCTURE,
            _line(root),
        )
        return None
    if context.schemas is not None:
        _check_against(context, root, CMI5, CMI5.schema_file, CMI5_STRUCTURE)
    _check_assignable_units(context, root)
    return CMI5


def _check_assignable_units(context: _Context, root: etree._Element) -> None:
    first_line: dict[str, int | None] = {}
    for unit in root.iter(f"{{{NS_CMI5}}}au"):
        unit_id = unit.get("id", "")
        if unit_id in first_line:
            context.found.error(
                "cmi5.duplicate-id",
                f"AU id '{unit_id}' is used twice (first on line {first_line[unit_id]}); the LMS "
                "records progress per AU id, so the two would share one record",
                CMI5_STRUCTURE,
                _line(unit),
            )
        else:
            first_line[unit_id] = _line(unit)
        _check_unit_url(context, unit, unit_id)


def _check_unit_url(context: _Context, unit: etree._Element, unit_id: str) -> None:
    url_element = unit.find(f"{{{NS_CMI5}}}url")
    url = (url_element.text or "").strip() if url_element is not None else ""
    path = _resolve("", url) if url else None
    why = _why_absent(context.files, path) if path is not None else None
    if why is not None and url_element is not None:
        context.found.error(
            "cmi5.missing-file",
            f"AU '{unit_id}' launches '{url}', {why}",
            CMI5_STRUCTURE,
            _line(url_element),
        )


# --------------------------------------------------------------------------- Moodle course backups

MOODLE_BACKUP_FILE = "moodle_backup.xml"
MOODLE_BACKUP = Kind("moodle2", "Moodle course backup (moodle2)", "moodle", None)
"""A ``.mbz``: what Moodle's course restore reads (``backup/moodle2/restore_*``)."""
MOODLE_BACKUP_DETECTION_BYTES = 200
"""``convert_helper::detect_moodle2_format()`` reads this much of moodle_backup.xml."""
MOODLE_BACKUP_MARKERS = (
    '<?xml version="1.0" encoding="UTF-8"?>',
    "<moodle_backup>",
    "<information>",
)
MOODLE_RESTORE_ROOT_FILES = (
    "files.xml",
    "roles.xml",
    "groups.xml",
    "scales.xml",
    "outcomes.xml",
    "questions.xml",
)
"""Read by every restore, whatever it holds (``restore_root_task``)."""
_MOODLE_LINK = re.compile(r"\$@([A-Z]+)\*(\d+)@\$")
_MOODLE_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'#?\s<>]+)")
_MOODLE_LINK_MODULES = {
    "PAGEVIEWBYID": "page",
    "QUIZVIEWBYID": "quiz",
    "URLVIEWBYID": "url",
    "FORUMVIEWBYID": "forum",
}
_MOODLE_NULL = "$@NULL@$"


def _check_moodle_backup(context: _Context) -> Kind:
    """The archive restores: what moodle_backup.xml lists is there, and so is every file."""
    head = (context.files.read(MOODLE_BACKUP_FILE) or b"")[:MOODLE_BACKUP_DETECTION_BYTES]
    if not all(marker.encode() in head for marker in MOODLE_BACKUP_MARKERS):
        context.found.error(
            "moodle.backup-undetected",
            "Moodle recognises a backup only when the first 200 bytes of moodle_backup.xml "
            "hold exactly '<?xml version=\"1.0\" encoding=\"UTF-8\"?>', '<moodle_backup>' and "
            "'<information>'; it would report 'Unknown backup format'",
            MOODLE_BACKUP_FILE,
        )
    root = _parse(context, MOODLE_BACKUP_FILE)
    if root is None:
        return MOODLE_BACKUP
    information = root.find("information")
    if root.tag != "moodle_backup" or information is None:
        context.found.error(
            "moodle.backup-root",
            "moodle_backup.xml must be <moodle_backup><information>…",
            MOODLE_BACKUP_FILE,
            _line(root),
        )
        return MOODLE_BACKUP
    backup_format = information.findtext("details/detail/format")
    if backup_format != "moodle2":
        context.found.error(
            "moodle.backup-format",
            f"the backup's format is '{backup_format}'; Moodle restores 'moodle2' backups",
            MOODLE_BACKUP_FILE,
        )
    for name in MOODLE_RESTORE_ROOT_FILES:
        if name not in context.files.names:
            context.found.error(
                "moodle.missing-file",
                f"{name} is missing; every restore reads it and stops without it",
            )
    settings = {
        setting.findtext("name") or "": setting.findtext("value") or ""
        for setting in information.iterfind("settings/setting")
        if setting.findtext("level") == "root"
    }
    sections = _check_moodle_sections(context, information)
    activities = _check_moodle_activities(context, information, sections, settings)
    if information.find("contents/course") is not None:
        _require_moodle_file(context, "course/course.xml", "the course")
    files = _check_moodle_files(context)
    modules = {(a.modulename, a.moduleid) for a in activities}
    checked: set[str] = set()
    for activity in activities:
        if activity.directory not in checked:  # a folder listed twice is read once
            checked.add(activity.directory)
            _check_moodle_activity_content(context, activity, modules, files)
            _check_moodle_availability(context, activity, {a.moduleid for a in activities})
    _check_moodle_question_texts(context, modules, files)
    return MOODLE_BACKUP


@dataclass(frozen=True, slots=True)
class _MoodleActivity:
    moduleid: str
    modulename: str
    directory: str
    line: int | None


def _require_moodle_file(context: _Context, name: str, what: str) -> bool:
    if name in context.files.names:
        return True
    context.found.error(
        "moodle.missing-file",
        f"{name} is missing; the restore of {what} stops without it",
        MOODLE_BACKUP_FILE,
    )
    return False


def _check_moodle_sections(context: _Context, information: etree._Element) -> set[str]:
    found: set[str] = set()
    for section in information.iterfind("contents/sections/section"):
        section_id = section.findtext("sectionid") or ""
        directory = section.findtext("directory") or ""
        found.add(section_id)
        if posixpath.basename(directory) != f"section_{section_id}":
            context.found.error(
                "moodle.section-directory",
                f"section {section_id} is in '{directory}'; Moodle finds a section's settings "
                f"by its folder name, which must be 'section_{section_id}'",
                MOODLE_BACKUP_FILE,
                _line(section),
            )
        _require_moodle_file(context, f"{directory}/section.xml", f"section {section_id}")
    return found


def _check_moodle_activities(
    context: _Context,
    information: etree._Element,
    sections: set[str],
    settings: Mapping[str, str],
) -> list[_MoodleActivity]:
    found = []
    for element in information.iterfind("contents/activities/activity"):
        activity = _MoodleActivity(
            element.findtext("moduleid") or "",
            element.findtext("modulename") or "",
            element.findtext("directory") or "",
            _line(element),
        )
        found.append(activity)
        what = f"activity {activity.modulename} {activity.moduleid}"
        if posixpath.basename(activity.directory) != f"{activity.modulename}_{activity.moduleid}":
            context.found.error(
                "moodle.activity-directory",
                f"{what} is in '{activity.directory}'; Moodle finds an activity's settings by its "
                f"folder name, which must be '{activity.modulename}_{activity.moduleid}'",
                MOODLE_BACKUP_FILE,
                activity.line,
            )
        if (element.findtext("sectionid") or "") not in sections:
            context.found.error(
                "moodle.unknown-section",
                f"{what} is in section {element.findtext('sectionid')}, which the backup does not hold",
                MOODLE_BACKUP_FILE,
                activity.line,
            )
        required = ["module.xml", f"{activity.modulename}.xml", "roles.xml", "grades.xml"]
        if settings.get("filters") == "1":
            required.append("filters.xml")
        if settings.get("calendarevents") == "1":
            required.append("calendar.xml")
        for name in required:
            _require_moodle_file(context, f"{activity.directory}/{name}", what)
    return found


@dataclass(frozen=True, slots=True)
class _MoodleFile:
    contextid: str
    component: str
    filearea: str
    path: str
    itemid: str = "0"


def _check_moodle_files(context: _Context) -> dict[str, _MoodleFile]:
    """Every file files.xml lists is in files/ under its SHA-1, and has that content."""
    root = _parse(context, "files.xml") if "files.xml" in context.files.names else None
    found: dict[str, _MoodleFile] = {}
    if root is None:
        return found
    for file in root.iterfind("file"):
        name = file.findtext("filename") or ""
        found[file.get("id", "")] = _MoodleFile(
            file.findtext("contextid") or "",
            file.findtext("component") or "",
            file.findtext("filearea") or "",
            (file.findtext("filepath") or "/").lstrip("/") + name,
            file.findtext("itemid") or "0",
        )
        if name == ".":
            continue  # a folder: nothing is stored for it
        digest = (file.findtext("contenthash") or "").lower()
        stored = f"files/{digest[:2]}/{digest}"
        if stored not in context.files.names:
            context.found.error(
                "moodle.missing-file",
                f"'{name}' should be stored as {stored}, which is not in the backup",
                "files.xml",
                _line(file),
            )
            continue
        actual = context.files.sha1(stored)  # None: unreadable, and reported as such
        if actual is not None and actual != digest:
            context.found.error(
                "moodle.file-hash",
                f"{stored} does not have the SHA-1 its name says; Moodle would store it under "
                "the wrong hash",
                "files.xml",
                _line(file),
            )
    return found


def _check_moodle_activity_content(
    context: _Context,
    activity: _MoodleActivity,
    modules: set[tuple[str, str]],
    files: Mapping[str, _MoodleFile],
) -> None:
    """Links between activities and files in the activity's texts resolve after restore."""
    name = f"{activity.directory}/{activity.modulename}.xml"
    root = _parse(context, name) if name in context.files.names else None
    if root is None:
        return
    inforef = f"{activity.directory}/inforef.xml"
    listed = set()
    if inforef in context.files.names:
        refs = _parse(context, inforef)
        if refs is not None:
            listed = {ref.text or "" for ref in refs.iterfind("fileref/file/id")}
    for file_id in sorted(listed - set(files)):
        context.found.error(
            "moodle.missing-file",
            f"inforef.xml names file {file_id}, which files.xml does not list",
            inforef,
        )
    contextid = root.get("contextid", "")
    mine = {files[i].path for i in listed if i in files and files[i].contextid == contextid}
    for element in _elements(root):
        text = element.text or ""
        if "<script" in text.lower():
            context.found.warning(
                "moodle.script",
                f"<{element.tag}> holds a script; Moodle shows page content uncleaned, so it "
                "would run for every learner",
                name,
                _line(element),
            )
        _check_moodle_links(context, name, element, modules)
        for match in _MOODLE_PLUGINFILE.finditer(text):
            path = urllib.parse.unquote(match[1])
            if path not in mine:
                context.found.error(
                    "moodle.missing-file",
                    f"<{element.tag}> uses '{path}', which is not among the activity's files "
                    "(files.xml and inforef.xml)",
                    name,
                    _line(element),
                )


def _check_moodle_links(
    context: _Context, name: str, element: etree._Element, modules: set[tuple[str, str]]
) -> None:
    """Links between activities (``$@PAGEVIEWBYID*n@$``) lead to activities of the backup."""
    for match in _MOODLE_LINK.finditer(element.text or ""):
        module = _MOODLE_LINK_MODULES.get(match[1])
        if module is not None and (module, match[2]) not in modules:
            context.found.error(
                "moodle.broken-link",
                f"<{element.tag}> links to {module} {match[2]} ({match[0]}), which the "
                "backup does not hold; the restore leaves the link pointing nowhere",
                name,
                _line(element),
            )


def _check_moodle_availability(
    context: _Context, activity: _MoodleActivity, moduleids: set[str]
) -> None:
    """An access restriction is JSON Moodle reads, and waits only for activities it restores.

    The restore maps each ``completion`` condition's ``cm`` to the restored activity; one
    the backup does not hold becomes ``cm: 0``, and the activity then never opens.
    """
    name = f"{activity.directory}/module.xml"
    root = _parse(context, name) if name in context.files.names else None
    element = root.find("availability") if root is not None else None
    if element is None or element.text in (None, "", _MOODLE_NULL):
        return
    try:
        tree = json.loads(element.text or "")
    except ValueError as error:
        context.found.error(
            "moodle.availability",
            f"<availability> is not JSON ({error}); Moodle could not read the restriction",
            name,
            _line(element),
        )
        return
    for condition in _availability_conditions(tree):
        cm = condition.get("cm")
        # -1 is "the previous activity with completion", which needs no mapping.
        if condition.get("type") == "completion" and cm != -1 and str(cm) not in moduleids:
            context.found.error(
                "moodle.availability",
                f"the access restriction waits for activity {cm}, which the backup does not "
                "hold; restored, the activity would never open",
                name,
                _line(element),
            )


def _availability_conditions(tree: object) -> Iterator[dict[str, object]]:
    """Every condition of an availability tree, however deeply nested."""
    if not isinstance(tree, dict):
        return
    if "type" in tree:
        yield tree
    for child in tree.get("c", []) if isinstance(tree.get("c"), list) else []:
        yield from _availability_conditions(child)


_QUESTION_TEXT_AREAS = {
    "questiontext": ("question", "questiontext", "question"),
    "generalfeedback": ("question", "generalfeedback", "question"),
    "correctfeedback": ("question", "correctfeedback", "question"),
    "partiallycorrectfeedback": ("question", "partiallycorrectfeedback", "question"),
    "incorrectfeedback": ("question", "incorrectfeedback", "question"),
    "answertext": ("question", "answer", "answer"),
    "feedback": ("question", "answerfeedback", "answer"),
    "hint": ("question", "hint", "question_hint"),
}
"""Where the restore looks for the files of a question's text: its component and file area,
and the record whose id is the files' item (``restore_create_question_files``)."""


def _check_moodle_question_texts(
    context: _Context, modules: set[tuple[str, str]], files: Mapping[str, _MoodleFile]
) -> None:
    """Images and links in questions resolve after the restore.

    A question's ``@@PLUGINFILE@@`` file must be in files.xml in the context of the
    question's category, under the component, file area and item of the text that uses it.
    """
    name = "questions.xml"
    root = _parse(context, name) if name in context.files.names else None
    if root is None:
        return
    held = set(files.values())
    for category in root.iterfind("question_category"):
        contextid = category.findtext("contextid") or ""
        for element in _elements(category):
            _check_moodle_links(context, name, element, modules)
            used = list(_MOODLE_PLUGINFILE.finditer(element.text or ""))
            area = _question_text_area(element) if used else None
            for match in used:
                path = urllib.parse.unquote(match[1])
                if area is not None:
                    component, filearea, itemid = area
                    if _MoodleFile(contextid, component, filearea, path, itemid) in held:
                        continue
                where = f"{area[0]}/{area[1]} of item {area[2]}" if area else "no file area"
                context.found.error(
                    "moodle.missing-file",
                    f"<{element.tag}> uses '{path}', which files.xml does not hold in the "
                    f"question's file area ({where}, context {contextid})",
                    name,
                    _line(element),
                )


def _question_text_area(element: etree._Element) -> tuple[str, str, str] | None:
    """(component, file area, item id) of the files a question text may use."""
    tag = str(element.tag)
    if tag == "questiontext" and _ancestor(element, "match") is not None:
        owner, component, filearea = _ancestor(element, "match"), "qtype_match", "subquestion"
    elif tag in _QUESTION_TEXT_AREAS:
        component, filearea, record = _QUESTION_TEXT_AREAS[tag]
        owner = _ancestor(element, record)
    else:
        return None
    return (component, filearea, owner.get("id", "")) if owner is not None else None


def _ancestor(element: etree._Element, tag: str) -> etree._Element | None:
    for parent in element.iterancestors(tag):
        return parent
    return None
