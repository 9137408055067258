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
from pathlib import Path

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


def check_svg(data: bytes, path: Path, reporter: Reporter) -> None:
    """Report every script, event handler and outside reference in an SVG, at its line."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        reporter.error(
            f"the SVG is not well-formed XML: {error.msg}",
            Location(path, error.lineno or None),
            "open and save it again in a drawing program, or fix the line named",
        )
        return
    for node in root.iter():
        for problem in _active_parts(node):
            reporter.error(
                f"the SVG {problem}, which could run or fetch something in the learner's browser",
                Location(path, node.sourceline if isinstance(node.sourceline, int) else None),
                "remove it: packaged SVGs may hold drawing only (shapes, text, styles "
                "and references to their own #ids)",
            )


def _active_parts(node: etree._Element) -> list[str]:
    if isinstance(node, etree._ProcessingInstruction):
        return [f"has a <?{node.target}?> instruction"] if node.target == "xml-stylesheet" else []
    if isinstance(node, etree._Entity):
        return [f"uses the entity &{node.name};"]
    if not isinstance(node.tag, str):
        return []
    name = etree.QName(node).localname
    problems = []
    if name in _ACTIVE_ELEMENTS:
        problems.append(f"holds a <{name}> element")
    for attribute, raw in node.attrib.items():
        local = etree.QName(attribute).localname
        value = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        if local.lower().startswith("on"):
            problems.append(f"has an event handler ({local}=)")
        elif local in _LINK_ATTRIBUTES and not _internal(value):
            problems.append(f'refers outside itself ({local}="{value[:60]}")')
        elif local == "style" and _CSS_REFERENCE.search(value):
            problems.append("loads something from its style attribute")
        elif local == "attributeName" and value.split(":")[-1] in _LINK_ATTRIBUTES:
            problems.append(f'animates a link (<{name} attributeName="{value}">)')
    if name == "style" and _CSS_REFERENCE.search(node.text or ""):
        problems.append("loads something from a <style> element")
    return problems


def _internal(reference: str) -> bool:
    """A reference to the SVG's own element, or an image carried inside it."""
    value = reference.strip()
    return value.startswith("#") or value.lower().startswith(
        ("data:image/png", "data:image/jpeg", "data:image/webp", "data:image/gif")
    )
