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
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import urllib.parse
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal, Protocol, cast

from lxml import etree
from lxml import html as lxml_html

from builder.errors import Level

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
        where = ""
        if self.file is not None:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return f"{where}{self.level.value}[{self.code}]: {self.message}"

    def to_json(self) -> dict[str, object]:
        return {
            "severity": self.level.value,
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
        }


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
            kind = _check_files(_folder_files(package), schemas, found)
        else:
            with zipfile.ZipFile(package) as archive:
                _check_zip_entries(archive, found)
                kind = _check_files(_zip_files(archive, found), schemas, found)
    except zipfile.BadZipFile as error:
        found.error(
            "zip.corrupt",
            f"the package is not a readable zip archive ({error}); LMSs accept packages only "
            "as zip files",
        )
    except OSError as error:
        found.error("package.unreadable", f"cannot read the package: {error.strerror or error}")
    return PackageReport(package, kind, found.sorted())


def validate_entries(name: str, entries: Mapping[str, bytes]) -> PackageReport:
    """Check a package still in memory (the build's entries), before it is written."""
    found = _Findings()
    for entry in sorted(entries):
        _check_entry_name(entry, found)
    kind = _check_files(_Files(frozenset(entries), entries.__getitem__), None, found)
    return PackageReport(Path(name), kind, found.sorted())


# --------------------------------------------------------------------------- collecting


@dataclass
class _Findings:
    problems: list[Problem] = field(default_factory=list)

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
        if problem not in self.problems:
            self.problems.append(problem)

    def sorted(self) -> tuple[Problem, ...]:
        """Whole-package problems first, then by file and line; otherwise as found."""
        return tuple(
            sorted(
                self.problems,
                key=lambda p: (p.file is not None, p.file or "", p.line or 0),
            )
        )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# --------------------------------------------------------------------------- package files


@dataclass(frozen=True, slots=True)
class _Files:
    """The files of a package, zipped or unpacked, read on demand."""

    names: frozenset[str]
    reader: Callable[[str], bytes]
    damaged: frozenset[str] = frozenset()
    """Entries already reported as unreadable."""

    def read(self, name: str) -> bytes | None:
        if name not in self.names or name in self.damaged:
            return None
        return self.reader(name)

    def case_variant(self, name: str) -> str | None:
        """A file whose name differs from ``name`` only in letter case."""
        wanted = name.casefold()
        return next((n for n in sorted(self.names) if n.casefold() == wanted), None)


def _folder_files(root: Path) -> _Files:
    names = frozenset(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return _Files(names, lambda name: (root / name).read_bytes())


def _zip_files(archive: zipfile.ZipFile, found: _Findings) -> _Files:
    names = frozenset(name for name in archive.namelist() if not name.endswith("/"))
    return _Files(names, archive.read, frozenset(_damaged_entries(archive, found)))


def _damaged_entries(archive: zipfile.ZipFile, found: _Findings) -> Iterator[str]:
    """Entries that cannot be extracted; an LMS's unzip stops at the first of them."""
    for info in archive.infolist():
        try:
            with archive.open(info) as stream:
                while stream.read(1 << 20):
                    pass
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
            found.error("zip.corrupt", f"entry '{info.filename}' cannot be extracted ({error})")
            yield info.filename


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
    "script": ("src",),
    "link": ("href",),
    "iframe": ("src",),
    "audio": ("src",),
    "video": ("src", "poster"),
    "source": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
}


def _check_page_references(files: _Files, found: _Findings) -> None:
    """Every page's images, scripts and styles are in the package, and so are its links.

    Campus links are slow or filtered, so a page that fetches anything from the
    network may not show at all; a link to a page the package lacks is a dead end.
    """
    for name in sorted(n for n in files.names if n.endswith((".html", ".htm"))):
        data = files.read(name)
        if not data:
            continue
        try:
            document = lxml_html.document_fromstring(data)
        except (etree.ParserError, ValueError):
            continue  # not HTML a browser would show either; nothing to follow
        for element in document.iter():
            tag = element.tag if isinstance(element.tag, str) else ""
            for attribute in _FETCHED.get(tag, ()):
                _check_page_reference(files, found, name, element, attribute, fetched=True)
            if tag == "a":
                _check_page_reference(files, found, name, element, "href", fetched=False)


def _check_page_reference(
    files: _Files,
    found: _Findings,
    page: str,
    element: etree._Element,
    attribute: str,
    *,
    fetched: bool,
) -> None:
    reference = (element.get(attribute) or "").strip()
    if not reference or reference.startswith(("#", "data:", "mailto:", "tel:", "javascript:")):
        return
    parts = urllib.parse.urlsplit(reference)
    if parts.scheme.lower() in ("http", "https", "ftp") or (not parts.scheme and parts.netloc):
        if fetched:
            found.error(
                "html.network-resource",
                f"<{element.tag}> loads '{reference}' from the network; the page breaks where "
                "campus links are slow or filtered (put the file in the package)",
                page,
                _line(element),
            )
        return
    if parts.scheme:
        return  # about:blank and the like: nothing is fetched
    target = posixpath.normpath(
        posixpath.join(posixpath.dirname(page), urllib.parse.unquote(parts.path))
    )
    if not parts.path or target in files.names:
        return
    found.error(
        "html.missing-file" if fetched else "html.broken-link",
        f"<{element.tag}> points to '{reference}', which is not in the package",
        page,
        _line(element),
    )


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
    for node in root.iter():
        if isinstance(node.tag, str):
            yield node


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
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        context.found.error(
            "xml.malformed", f"not well-formed XML: {error.msg}", name, error.lineno or None
        )
        return None


def _resolve(base: str, href: str) -> str | None:
    """The package path ``href`` names, seen from ``base``; None for a URL on another host."""
    joined = urllib.parse.urljoin(base, href.strip())
    parts = urllib.parse.urlsplit(joined)
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
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_LocalSchemaResolver(path.parent))
    return etree.XMLSchema(etree.parse(str(path), parser))


class _LocalSchemaResolver(etree.Resolver):
    """Answers absolute ``http(s)://…/NAME.xsd`` imports with the local ``NAME.xsd``.

    The official CC 1.3 schemas import each other by their web addresses. Mapping each
    to the file of the same name in the standard's own folder keeps compiling them
    offline; anything not found there is left to libxml2, which may not fetch it.
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
            base = urllib.parse.urljoin(base, value)
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
    for resource in manifest.all("resource"):
        kind_of_resource = resource.get("type", "")
        schema_file = descriptor_schemas.get(kind_of_resource)
        is_qti = kind_of_resource.startswith(CC_QTI_TYPE_PREFIX)
        if schema_file is None and not is_qti:
            continue
        descriptor = _descriptor_path(manifest, resource)
        if descriptor is None or _why_absent(context.files, descriptor) is not None:
            continue  # reported with the resource's files
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
_MOODLE_LINK_MODULES = {"PAGEVIEWBYID": "page", "QUIZVIEWBYID": "quiz"}


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
    for activity in activities:
        _check_moodle_activity_content(context, activity, activities, files)
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
        )
        if name == ".":
            continue  # a folder: nothing is stored for it
        digest = (file.findtext("contenthash") or "").lower()
        stored = f"files/{digest[:2]}/{digest}"
        data = context.files.read(stored)
        if data is None:
            context.found.error(
                "moodle.missing-file",
                f"'{name}' should be stored as {stored}, which is not in the backup",
                "files.xml",
                _line(file),
            )
        elif hashlib.sha1(data).hexdigest() != digest:
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
    activities: list[_MoodleActivity],
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
    modules = {(a.modulename, a.moduleid) for a in activities}
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
        for match in _MOODLE_LINK.finditer(text):
            module = _MOODLE_LINK_MODULES.get(match[1])
            if module is not None and (module, match[2]) not in modules:
                context.found.error(
                    "moodle.broken-link",
                    f"<{element.tag}> links to {module} {match[2]} ({match[0]}), which the "
                    "backup does not hold; the restore leaves the link pointing nowhere",
                    name,
                    _line(element),
                )
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
