"""Course assets that would run in the learner's browser, refused before they are packaged.

Images, PDFs and media are data. An SVG is a document that can carry script, event
handlers and references that fetch from the network, and it runs with the package's
origin when a learner opens it: in Moodle, that origin is the LMS's. Sabaq packages an
SVG only when it is pure drawing; anything active is a located error, naming the line of
the SVG and what to remove, rather than a silent rewrite the author never sees. HTML and
script files are refused outright: a page belongs in a lesson, where its text is
escaped and checked like every other.

The words of an SVG diagram are the course's words too: they are offered to translators
(:func:`svg_labels`) and a translated build writes the diagram in its language
(:func:`localise_svg`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
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


def check_asset(data: bytes, path: Path, relpath: str, reporter: Reporter) -> None:
    """Report a course asset (``data``, read from ``path``) that could run or fetch anything."""
    suffix = path.suffix.lower()
    if suffix in RUNNABLE_SUFFIXES:
        reporter.error(
            f"'{relpath}' would run in the learner's browser ({suffix} files are not packaged)",
            Location(path),
            "write the page as a lesson (.md), or link to it on the web with https://",
        )
    elif suffix == ".svg":
        check_svg(data, path, reporter)


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


def svg_findings(data: bytes) -> tuple[SvgFinding, ...]:
    """Every script, event handler and outside reference in an SVG, in document order.

    The SVG is parsed without a network, DTDs or entity expansion, so a hostile one
    can neither fetch anything nor blow up while it is checked. Remembered by its
    bytes, up to :data:`_SVG_REMEMBERED_BYTES`: a build checks a course's figures in
    every package that carries them.
    """
    if len(data) > _SVG_REMEMBERED_BYTES:  # a hostile package's cannot fill the memory
        return _svg_findings(data)
    return _remembered_svg_findings(data)


_SVG_REMEMBERED_BYTES = 256 * 1024


@lru_cache(maxsize=128)
def _remembered_svg_findings(data: bytes) -> tuple[SvgFinding, ...]:
    return _svg_findings(data)


def _svg_findings(data: bytes) -> tuple[SvgFinding, ...]:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        return (SvgFinding("malformed", error.msg, error.lineno or None),)
    found: list[SvgFinding] = []
    for node in root.iter():
        line = node.sourceline if isinstance(node.sourceline, int) else None
        found.extend(
            SvgFinding(kind, description, line, value)
            for kind, description, value in _active_parts(node)
        )
    return tuple(found)


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


# ---------------------------------------------------------------------------- diagram words

_LABEL_ELEMENTS = frozenset({"text", "tspan", "textPath"})
"""SVG elements whose words a reader sees. (A diagram shown as an image is described by
its alt text, which is translated with the lesson; its own title and description are
not read out.)"""


def svg_labels(data: bytes) -> list[tuple[str, int]]:
    """The words of an SVG diagram a translator translates: (text, line), in order.

    Numbers, symbols and single letters are left out (a diagram's "256" or its points
    "A" and "B" are the same in every language); so is an SVG that does not parse, which
    the build reports when it packages it.
    """
    root = _parse_svg(data)
    if root is None:
        return []
    return [(text.strip(), line) for _, text, line, _ in _label_slots(root) if _has_words(text)]


def localise_svg(data: bytes, messages: Mapping[str, str]) -> bytes:
    """The diagram with every translated label in its language; unchanged bytes if none is.

    The translation is set as the element's text, so a translator's ``<`` or ``&`` is
    written as text and never becomes markup.
    """
    root = _parse_svg(data)
    if root is None:
        return data
    changed = False
    for setter, text, _, owner in _label_slots(root):
        translated = messages.get(text.strip())
        if translated and translated != text.strip():
            leading = text[: len(text) - len(text.lstrip())]
            trailing = text[len(text.rstrip()) :]
            setter(leading + translated + trailing)
            # Its own words decide its direction, so a right-to-left label's punctuation
            # sits where its reader expects; where it is anchored does not change.
            owner.set("unicode-bidi", "plaintext")
            changed = True
    if not changed:
        return data
    declared = data.lstrip().startswith(b"<?xml")
    return bytes(etree.tostring(root, encoding="utf-8", xml_declaration=declared))


def _parse_svg(data: bytes) -> etree._Element | None:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None


_Slot = tuple[Callable[[str], None], str, int, etree._Element]


def _label_slots(root: etree._Element) -> list[_Slot]:
    """Each piece of label text with a way to replace it: element text, and the text
    after a ``<tspan>`` inside a ``<text>``; each with the element the text belongs to."""
    slots: list[_Slot] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        name = etree.QName(element).localname
        if name in _LABEL_ELEMENTS and element.text and element.text.strip():
            slots.append((partial(setattr, element, "text"), element.text, _line(element), element))
        parent = element.getparent()
        if (
            parent is not None
            and isinstance(parent.tag, str)
            and etree.QName(parent).localname in _LABEL_ELEMENTS
            and element.tail
            and element.tail.strip()
        ):
            slots.append((partial(setattr, element, "tail"), element.tail, _line(element), parent))
    return slots


def _line(element: etree._Element) -> int:
    line = element.sourceline
    return line if isinstance(line, int) else 1


def _has_words(text: str) -> bool:
    return sum(character.isalpha() for character in text) >= 2


# --- Intrinsic sizes ------------------------------------------------------------------

_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
"""Start-of-frame markers, which carry the size (not DHT, JPG or DAC)."""


@dataclass(frozen=True, slots=True)
class ImageSize:
    width: int
    height: int
    fluid: bool = False
    """Only proportions, no size of its own (an SVG with a viewBox alone): browsers draw
    it as wide as the text, so the page keeps doing so."""


def image_size(data: bytes, suffix: str) -> ImageSize | None:
    """An image's width and height in CSS pixels, read from its header; None if unknown.

    Pages give every image its size, so the browser keeps the image's room while it
    loads: without it the text jumps as images arrive, and a learner's tap on a link
    or an answer lands on whatever moved under it.
    """
    reader = _SIZE_READERS.get(suffix.lower())
    try:
        size = reader(data) if reader is not None else None
    except (IndexError, ValueError, etree.XMLSyntaxError):
        return None
    if size is None or size.width <= 0 or size.height <= 0:
        return None
    return size


def _svg_size(data: bytes) -> ImageSize | None:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    root = etree.fromstring(data, parser)
    width, height = (_LENGTH.match(root.get(name, "")) for name in ("width", "height"))
    if width and height:
        return ImageSize(round(float(width[1])), round(float(height[1])))
    box = root.get("viewBox", "").replace(",", " ").split()
    if len(box) == 4:
        return ImageSize(round(float(box[2])), round(float(box[3])), fluid=True)
    return None


def _png_size(data: bytes) -> ImageSize | None:
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
        return None
    return ImageSize(int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))


def _gif_size(data: bytes) -> ImageSize | None:
    if not data.startswith((b"GIF87a", b"GIF89a")):
        return None
    return ImageSize(int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little"))


def _jpeg_size(data: bytes) -> ImageSize | None:
    if not data.startswith(b"\xff\xd8"):
        return None
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:  # fill byte before a marker
            index += 1
            continue
        if marker in _JPEG_FRAMES:
            height = int.from_bytes(data[index + 5 : index + 7], "big")
            width = int.from_bytes(data[index + 7 : index + 9], "big")
            return ImageSize(width, height)
        index += 2 + int.from_bytes(data[index + 2 : index + 4], "big")
    return None


_SIZE_READERS: dict[str, Callable[[bytes], ImageSize | None]] = {
    ".svg": _svg_size,
    ".png": _png_size,
    ".gif": _gif_size,
    ".jpg": _jpeg_size,
    ".jpeg": _jpeg_size,
}
