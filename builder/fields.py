"""Typed reading of hand-written YAML mappings, reporting every bad value at its line."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from builder.errors import Reporter
from builder.yamldoc import YamlDoc

SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_DURATION = re.compile(
    r"^\s*(?:(?P<h>\d+)\s*h(?:ours?|rs?)?)?\s*(?:(?P<m>\d+)\s*m(?:in(?:utes?|s)?)?)?\s*$",
    re.IGNORECASE,
)


class FieldReader:
    """Reads the keys of one YAML mapping; every problem goes to the reporter."""

    def __init__(self, doc: YamlDoc, reporter: Reporter, what: str) -> None:
        self.doc = doc
        self.reporter = reporter
        self.what = what

    def reject_unknown(self, known: Iterable[str]) -> None:
        allowed = sorted(known)
        for key in self.doc.data:
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(allowed)}"
            self.reporter.error(f"unknown key '{key}' in {self.what}", self.doc.location(key), hint)

    def _missing(self, key: str, example: str) -> None:
        self.reporter.error(
            f"{self.what} is missing the required key '{key}'",
            self.doc.location(),
            f"add a line such as: {key}: {example}",
        )

    def text(
        self, key: str, *, required: bool = False, default: str = "", example: str = "..."
    ) -> str:
        value = self.doc.data.get(key)
        if value is None:
            if required:
                self._missing(key, example)
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.reporter.error(f"'{key}' must be text", self.doc.location(key))
            return default
        text = str(value).strip()
        if required and not text:
            self.reporter.error(f"'{key}' must not be empty", self.doc.location(key))
        return text

    def exact_text(self, key: str, *, required: bool = False, example: str = "...") -> str:
        """Text that YAML must not reinterpret, such as a version (``1.10`` is not ``1.1``)."""
        value = self.doc.data.get(key)
        if value is None:
            if required:
                self._missing(key, example)
            return ""
        if not isinstance(value, str):
            written = self.doc.raw.get((key,), str(value))
            self.reporter.error(
                f"'{key}' must be quoted text; YAML reads {written} as a {type(value).__name__}",
                self.doc.location(key),
                f'write it in quotes: {key}: "{written}"',
            )
            return written
        return value.strip()

    def slug(
        self, key: str, *, required: bool = False, default: str = "", example: str = "my-course"
    ) -> str:
        value = self.text(key, required=required, default=default, example=example)
        if value and not SLUG.match(value):
            self.reporter.error(
                f"'{key}' must be lowercase letters, digits and hyphens, starting with a letter (got '{value}')",
                self.doc.location(key),
                f"for example: {key}: {example}",
            )
        return value

    @staticmethod
    def language_ok(tag: str) -> bool:
        return bool(LANGUAGE_TAG.match(tag))

    def language(self, key: str, default: str) -> str:
        value = self.text(key, default=default)
        if not self.language_ok(value):
            self.reporter.error(
                f"'{key}' must be a language tag such as en, ur or pa-Arab (got '{value}')",
                self.doc.location(key),
            )
        return value

    def text_list(self, key: str, *, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.doc.data.get(key)
        if value is None:
            return default
        if isinstance(value, str):
            return (value.strip(),)
        if not isinstance(value, list):
            self.reporter.error(f"'{key}' must be a list", self.doc.location(key))
            return default
        items: list[str] = []
        for index, item in enumerate(value):
            if (
                isinstance(item, bool)
                or not isinstance(item, str | int | float)
                or not str(item).strip()
            ):
                self.reporter.error(
                    f"item {index + 1} of '{key}' must be non-empty text",
                    self.doc.location(key, index),
                )
                continue
            items.append(str(item).strip())
        return tuple(items)

    def flag(self, key: str, *, default: bool = False) -> bool:
        value: Any = self.doc.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.reporter.error(
                f"'{key}' must be true or false (got {value!r})", self.doc.location(key)
            )
            return default
        return value

    def integer(self, key: str, *, low: int, high: int, default: int | None) -> int | None:
        value: Any = self.doc.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.reporter.error(
                f"'{key}' must be a whole number from {low} to {high} (got {value!r})",
                self.doc.location(key),
            )
            return default
        return value

    def minutes(self, key: str) -> int | None:
        """A duration in minutes: ``45``, ``"45 min"``, ``"3h"`` or ``"1h 30m"``."""
        value: Any = self.doc.data.get(key)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        match = _DURATION.match(str(value)) if isinstance(value, str) else None
        if match and (match["h"] or match["m"]):
            return int(match["h"] or 0) * 60 + int(match["m"] or 0)
        self.reporter.error(
            f'\'{key}\' must be a duration such as 45 (minutes), "45 min", "3h" or "1h 30m" (got {value!r})',
            self.doc.location(key),
        )
        return None
