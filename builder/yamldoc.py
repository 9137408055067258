"""YAML documents that remember where each value came from.

``course.yml``, ``module.yml`` and lesson front matter are small mappings written by
hand; when one holds a wrong value the author needs the line, so every loaded
document keeps a map from a key path such as ``("formats", 1)`` to its 1-based line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from builder.errors import Location, Reporter

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlDoc:
    """A top-level YAML mapping plus the line of every key and sequence item."""

    path: Path
    data: dict[str, Any]
    lines: dict[KeyPath, int] = field(default_factory=dict)
    first_line: int = 1
    raw: dict[KeyPath, str] = field(default_factory=dict)
    """Scalars as written, before YAML reads ``1.10`` as the number 1.1."""

    def location(self, *keys: str | int) -> Location:
        """The most precise known location for ``keys``, falling back to the parents."""
        probe: KeyPath = tuple(keys)
        while probe:
            if probe in self.lines:
                return Location(self.path, self.lines[probe])
            probe = probe[:-1]
        return Location(self.path, self.first_line)


MAX_DEPTH = 20
"""How deeply a course file may nest lists and mappings; course files need three
levels, and a deeper file could only exhaust the recursion of the YAML composer."""


def parse_yaml_mapping(
    text: str, path: Path, reporter: Reporter, first_line: int = 1
) -> YamlDoc | None:
    """Parse ``text`` as a mapping; report syntax errors at their line and return None.

    ``first_line`` is the line of ``text``'s first line inside ``path`` (front matter
    starts on line 2 of a lesson file).

    The events are read first, without building anything: a file with anchors,
    aliases or tags, or nested too deeply, is refused before the composer and the line
    index see it. A few hundred bytes of aliases that refer to aliases expand to billions of
    values (the "billion laughs"); no course file needs them.
    """
    offset = first_line - 1
    try:
        parsed = _parsed_by_libyaml(text, path, offset)
        if parsed is None:
            if not _plain_structure(text, path, reporter, offset):
                return None
            parsed = _parsed(_Loader(text))
        node, data = parsed
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + offset if mark is not None else first_line
        problem = _printable(exc.problem or "invalid YAML")
        reporter.error(
            f"invalid YAML: {problem}",
            Location(path, line),
            _SYNTAX_HINT if not isinstance(exc, _ValueError) else exc.hint,
        )
        return None
    except yaml.reader.ReaderError as exc:
        # PyYAML refuses control characters in the file itself, by their offset.
        line = text.count("\n", 0, max(exc.position, 0)) + first_line
        character = exc.character if isinstance(exc.character, int) else 0
        reporter.error(
            f"invalid YAML: the file holds the control character U+{character:04X}",
            Location(path, line),
            "delete it; most editors do not show it",
        )
        return None
    except yaml.YAMLError as exc:
        reporter.error(f"invalid YAML: {exc}", Location(path, first_line))
        return None
    if node is None or data is None:
        return YamlDoc(path, {}, {}, first_line)
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        reporter.error("expected a mapping of 'key: value' lines", Location(path, first_line))
        return None
    lines: dict[KeyPath, int] = {}
    raw: dict[KeyPath, str] = {}
    _index_lines(node, (), lines, raw, offset, path, reporter)
    return YamlDoc(path, {str(k): v for k, v in data.items()}, lines, first_line, raw)


_SYNTAX_HINT = (
    "check indentation and quote values that contain ':' or start with special characters"
)


def _parsed(loader: yaml.SafeLoader | yaml.CSafeLoader) -> tuple[yaml.Node | None, Any]:
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _parsed_by_libyaml(text: str, path: Path, offset: int) -> tuple[yaml.Node | None, Any] | None:
    """The document's node and data read by libyaml, or None to read it with PyYAML.

    libyaml reads a lesson's front matter several times faster: most of loading a large
    course. Only a plain, valid document is read this way; anything else (a character
    PyYAML refuses, a syntax error, an alias) is left to PyYAML, whose messages and
    lines the author is shown. Both give the same nodes, lines and values (tested).
    """
    if not yaml.__with_libyaml__ or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return None
    try:
        if not _plain_structure(text, path, Reporter(), offset, yaml.CSafeLoader):
            return None
        return _parsed(_LibyamlLoader(text))
    except (yaml.YAMLError, ValueError):
        return None


def _plain_structure(
    text: str,
    path: Path,
    reporter: Reporter,
    offset: int,
    parser: type[yaml.SafeLoader | yaml.CSafeLoader] = yaml.SafeLoader,
) -> bool:
    """Whether ``text`` is free of anchors, aliases and tags and not nested too deeply.

    Reads the parser's events, which cost one pass over the text whatever it holds;
    reports the first problem at its line.
    """
    depth = 0
    for event in yaml.parse(text, Loader=parser):
        line = (event.start_mark.line if event.start_mark else 0) + 1 + offset
        if isinstance(event, yaml.AliasEvent):
            reporter.error(
                f"YAML aliases ('*{event.anchor}') are not allowed in course files",
                Location(path, line),
                "write the value out in full wherever it is needed",
            )
            return False
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            reporter.error(
                f"YAML anchors ('&{event.anchor}') are not allowed in course files",
                Location(path, line),
                "remove the anchor, and write the value out in full wherever it is needed",
            )
            return False
        tag = getattr(event, "tag", None)
        if tag is not None and not (isinstance(event, yaml.ScalarEvent) and tag == "!"):
            # '!!float abc' or '!!bool maybe' would make PyYAML fail without a line, and
            # '!!binary' or '!!set' make values no course file holds.
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            reporter.error(
                f"YAML tags ('{_printable(shown)}') are not allowed in course files",
                Location(path, line),
                "remove the tag; quote the value if it should stay text",
            )
            return False
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                reporter.error(
                    f"the YAML is nested more than {MAX_DEPTH} levels deep",
                    Location(path, line),
                    "course files need lists and mappings only a few levels deep",
                )
                return False
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return True


class _ValueError(yaml.constructor.ConstructorError):
    """A scalar YAML reads as a number or a date, but Python cannot hold."""

    def __init__(self, problem: str, hint: str, node: yaml.Node) -> None:
        super().__init__(None, None, problem, node.start_mark)
        self.hint = hint


class _Constructors(yaml.constructor.SafeConstructor):
    """PyYAML's safe constructors, reporting an unreadable number or date at its line,
    and reading JSON's escapes of characters beyond U+FFFF as YAML 1.2 and JSON do.

    ``int()`` refuses more than 4300 digits and ``datetime`` a 13th month; PyYAML lets
    those ``ValueError``s escape without a line.
    """

    def construct_yaml_str(self, node: yaml.ScalarNode) -> str:
        return _whole_characters(str(super().construct_yaml_str(node)))

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        try:
            return int(super().construct_yaml_int(node))
        except ValueError:  # only int() refusing thousands of digits: tags are refused
            raise _ValueError(
                f"the number {_cut(str(node.value))} is too long",
                "quote it if it is text",
                node,
            ) from None

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as error:
            raise _ValueError(
                f"'{_cut(str(node.value))}' is not a date ({error})",
                "write dates as YYYY-MM-DD, or quote the value if it is text",
                node,
            ) from None


class _Loader(_Constructors, yaml.SafeLoader):
    """PyYAML's own parser, with the constructors above."""


class _LibyamlLoader(_Constructors, yaml.CSafeLoader):
    """libyaml's parser, with the constructors above."""


for _loader in (_Loader, _LibyamlLoader):
    for _kind in ("str", "int", "timestamp"):
        _loader.add_constructor(
            f"tag:yaml.org,2002:{_kind}", getattr(_loader, f"construct_yaml_{_kind}")
        )


_SURROGATE = re.compile("[\ud800-\udfff]")


def _whole_characters(text: str) -> str:
    """``text`` with each UTF-16 surrogate pair joined into the character it stands for.

    PyYAML reads "\\ud83d\\ude00" as two halves; JSON and YAML 1.2 read one emoji. A half
    left alone stays, for the field reader to refuse at its line.
    """
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _printable(text: str) -> str:
    """PyYAML's message with control characters escaped: a tag such as ``!a%1B`` or an
    escape in ``!!int "\\x1b"`` puts one there, and it must not reach a terminal raw."""
    return _UNPRINTABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def _cut(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


MAX_YAML_BYTES = 256 * 1024
"""course.yml and module.yml are a few hundred bytes; anything this large is a mistake."""


def load_yaml_file(path: Path, reporter: Reporter) -> YamlDoc | None:
    try:
        if (size := path.stat().st_size) > MAX_YAML_BYTES:
            reporter.error(
                f"the file is {size // 1024} KB; {path.name} may hold at most "
                f"{MAX_YAML_BYTES // 1024} KB",
                Location(path),
                "keep course text in the lessons; this file only describes the course",
            )
            return None
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        reporter.error("file is not valid UTF-8", Location(path), "save the file as UTF-8")
        return None
    except OSError as error:
        reporter.error(f"cannot read the file: {error.strerror or error}", Location(path))
        return None
    return parse_yaml_mapping(text, path, reporter)


def _index_lines(
    node: yaml.Node,
    prefix: KeyPath,
    lines: dict[KeyPath, int],
    raw: dict[KeyPath, str],
    offset: int,
    path: Path,
    reporter: Reporter,
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = _whole_characters(str(key_node.value))
            here = (*prefix, key)
            line = key_node.start_mark.line + 1 + offset
            if key in seen:
                # PyYAML keeps the last value silently; an author almost never means that.
                reporter.error(f"duplicate key '{key}'", Location(path, line))
            seen.add(key)
            lines[here] = line
            if isinstance(value_node, yaml.ScalarNode):
                raw[here] = str(value_node.value)
            _index_lines(value_node, here, lines, raw, offset, path, reporter)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            here = (*prefix, index)
            lines[here] = item.start_mark.line + 1 + offset
            _index_lines(item, here, lines, raw, offset, path, reporter)
