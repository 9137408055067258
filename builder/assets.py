"""Course assets that would run in the learner's browser, refused before they are packaged.

Images, PDFs and media are data. An SVG is a document that can carry script, event
handlers and references that fetch from the network, and it runs with the package's
origin when a learner opens it: in Moodle, that origin is the LMS's. Sabaq packages an
SVG only when it is pure drawing; anything active is a located error, naming the line of
the SVG and what to remove, rather than a silent rewrite the author never sees. HTML and
script files are refused outright: a page belongs in a lesson, where its text is
escaped and checked like every other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lxml import etree

from builder.errors import Location, Reporter

RUNNABLE_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml", ".js", ".mjs", ".php"})
"""Files a browser or web server would run rather than show."""

_ACTIVE_ELEMENTS = frozenset(
    {"script", "foreignObject", "handler", "listener", "iframe", "embed", "object"}
)
_LINK_ATTRIBUTES = frozenset({"href", "src"})
_CSS_REFERENCE = re.compile(r"url\s*\(\s*(?!['\"]?#)|@import|expression\s*\(", re.IGNORECASE)


def read_asset(path: Path, relpath: str, reporter: Reporter) -> bytes:
    """The bytes of a course asset, after checking it cannot run or fetch anything."""
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in RUNNABLE_SUFFIXES:
        reporter.error(
            f"'{relpath}' would run in the learner's browser ({suffix} files are not packaged)",
            Location(path),
            "write the page as a lesson (.md), or link to it on the web with https://",
        )
    elif suffix == ".svg":
        check_svg(data, path, reporter)
    return data


SVG_HINT = (
    "remove it: packaged SVGs may hold drawing only (shapes, text, styles "
    "and references to their own #ids)"
)

SvgFindingKind = Literal[
    "malformed", "element", "handler", "reference", "style", "animation", "entity", "instruction"
]


@dataclass(frozen=True, slots=True)
class SvgFinding:
    """One part of an SVG that could run or fetch something, at its line."""

    kind: SvgFindingKind
    description: str
    """What the SVG does, e.g. ``holds a <script> element``."""
    line: int | None
    value: str = ""
    """The element's name, the reference, or the CSS text, for callers that judge further."""

    @property
    def message(self) -> str:
        if self.kind == "malformed":
            return f"the SVG is not well-formed XML: {self.description}"
        return (
            f"the SVG {self.description}, which could run or fetch something in the learner's "
            "browser"
        )


def check_svg(data: bytes, path: Path, reporter: Reporter) -> None:
    """Report every script, event handler and outside reference in an SVG, at its line."""
    for finding in svg_findings(data):
        hint = (
            "open and save it again in a drawing program, or fix the line named"
            if finding.kind == "malformed"
            else SVG_HINT
        )
        reporter.error(finding.message, Location(path, finding.line), hint)


def svg_findings(data: bytes) -> list[SvgFinding]:
    """Every script, event handler and outside reference in an SVG, in document order.

    The SVG is parsed without a network, DTDs or entity expansion, so a hostile one
    can neither fetch anything nor blow up while it is checked.
    """
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        return [SvgFinding("malformed", error.msg, error.lineno or None)]
    found: list[SvgFinding] = []
    for node in root.iter():
        line = node.sourceline if isinstance(node.sourceline, int) else None
        found.extend(
            SvgFinding(kind, description, line, value)
            for kind, description, value in _active_parts(node)
        )
    return found


def _active_parts(node: etree._Element) -> list[tuple[SvgFindingKind, str, str]]:
    if isinstance(node, etree._ProcessingInstruction):
        if node.target == "xml-stylesheet":
            return [("instruction", f"has a <?{node.target}?> instruction", node.text or "")]
        return []
    if isinstance(node, etree._Entity):
        return [("entity", f"uses the entity &{node.name};", node.name)]
    if not isinstance(node.tag, str):
        return []
    name = etree.QName(node).localname
    problems: list[tuple[SvgFindingKind, str, str]] = []
    if name in _ACTIVE_ELEMENTS:
        problems.append(("element", f"holds a <{name}> element", name))
    for attribute, raw in node.attrib.items():
        local = etree.QName(attribute).localname
        value = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        if local.lower().startswith("on"):
            problems.append(("handler", f"has an event handler ({local}=)", local))
        elif local in _LINK_ATTRIBUTES and not _internal(value):
            problems.append(("reference", f'refers outside itself ({local}="{value[:60]}")', value))
        elif local == "style" and _CSS_REFERENCE.search(value):
            problems.append(("style", "loads something from its style attribute", value))
        elif local == "attributeName" and value.split(":")[-1] in _LINK_ATTRIBUTES:
            problems.append(
                ("animation", f'animates a link (<{name} attributeName="{value}">)', value)
            )
    if name == "style" and _CSS_REFERENCE.search(node.text or ""):
        problems.append(("style", "loads something from a <style> element", node.text or ""))
    return problems


def _internal(reference: str) -> bool:
    """A reference to the SVG's own element, or an image carried inside it."""
    value = reference.strip()
    return value.startswith("#") or value.lower().startswith(
        ("data:image/png", "data:image/jpeg", "data:image/webp", "data:image/gif")
    )
