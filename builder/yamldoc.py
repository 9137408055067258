"""YAML documents that remember where each value came from.

``course.yml``, ``module.yml`` and lesson front matter are small mappings written by
hand; when one holds a wrong value the author needs the line, so every loaded
document keeps a map from a key path such as ``("formats", 1)`` to its 1-based line.
"""

from __future__ import annotations

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


def parse_yaml_mapping(
    text: str, path: Path, reporter: Reporter, first_line: int = 1
) -> YamlDoc | None:
    """Parse ``text`` as a mapping; report syntax errors at their line and return None.

    ``first_line`` is the line of ``text``'s first line inside ``path`` (front matter
    starts on line 2 of a lesson file).
    """
    offset = first_line - 1
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + offset if mark is not None else first_line
        problem = exc.problem or "invalid YAML"
        reporter.error(
            f"invalid YAML: {problem}",
            Location(path, line),
            "check indentation and quote values that contain ':' or start with special characters",
        )
        return None
    except yaml.YAMLError as exc:
        reporter.error(f"invalid YAML: {exc}", Location(path, first_line))
        return None
    if data is None:
        return YamlDoc(path, {}, {}, first_line)
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        reporter.error("expected a mapping of 'key: value' lines", Location(path, first_line))
        return None
    lines: dict[KeyPath, int] = {}
    raw: dict[KeyPath, str] = {}
    _index_lines(node, (), lines, raw, offset, path, reporter)
    return YamlDoc(path, {str(k): v for k, v in data.items()}, lines, first_line, raw)


def load_yaml_file(path: Path, reporter: Reporter) -> YamlDoc | None:
    try:
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
            key = str(key_node.value)
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
