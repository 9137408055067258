"""Typed reading of hand-written YAML mappings, reporting every bad value at its line."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from builder.errors import Location, Reporter
from builder.yamldoc import YamlDoc

# \Z, not $: '$' also matches before a final newline, and "intro\n" is no id.
SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*\Z")
LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(?:-[A-Za-z0-9]{2,8})*\Z")
_DURATION = re.compile(
    r"^\s*(?:(?P<h>\d+)\s*h(?:ours?|rs?)?)?\s*(?:(?P<m>\d+)\s*m(?:in(?:utes?|s)?)?)?\s*\Z",
    re.IGNORECASE,
)
MAX_HOURS = 10_000
"""The longest ``duration`` a course or lesson may give (a whole degree is less)."""


def language_tag_ok(tag: str) -> bool:
    """Whether ``tag`` is a language tag (``course.yml``'s rule), and so a safe folder name."""
    return LANGUAGE_TAG.fullmatch(tag) is not None


_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
"""Characters no text may hold: control characters other than tab and line breaks,
lone UTF-16 surrogates (only a ``\\ud800`` escape makes one) and the non-characters
U+FFFE and U+FFFF. XML cannot hold them, UTF-8 cannot encode a surrogate, and none
can be seen in an editor."""
_LINE_BREAK = re.compile("[\t\n\r\u2028\u2029]")
"""What one-line text (a title, an id) may not hold on top of :data:`_NOT_TEXT`."""


def character_problem(text: str, *, multiline: bool = False) -> tuple[str, str] | None:
    r"""Why ``text`` cannot be used, as (problem, hint), or None when it can.

    The problem completes a sentence naming the text: "'title' <problem>". Titles end
    up in one-line places (a GIFT comment, an HTML ``<title>``, a manifest), so a line
    break in one is refused rather than folded into something the author never saw.

    >>> character_problem("Proof of work")
    >>> character_problem("Proof of\nwork")[0]
    'must be one line (it holds a line break)'
    >>> character_problem("Proof of\nwork", multiline=True)
    >>> character_problem("Proof\x00")[0]
    'holds the control character U+0000'
    """
    found = find_bad_character(text, multiline=multiline)
    return None if found is None else found[1:]


def find_bad_character(text: str, *, multiline: bool = False) -> tuple[int, str, str] | None:
    """The first character ``text`` may not hold: (its index, problem, hint), or None."""
    found = _NOT_TEXT.search(text)
    if found is not None:
        return (found.start(), *_describe(found.group()))
    if not multiline and (found := _LINE_BREAK.search(text)) is not None:
        name = "a tab" if found.group() == "\t" else "a line break"
        return found.start(), f"must be one line (it holds {name})", "write it on one line"
    return None


def _describe(character: str) -> tuple[str, str]:
    code = f"U+{ord(character):04X}"
    if "\ud800" <= character <= "\udfff":
        return (
            f"holds {code}, half of a UTF-16 surrogate pair, which is not a character",
            "write the character itself; an escape must give the whole character "
            "(\\U0001F600) or both halves of its pair (\\ud83d\\ude00)",
        )
    if character in "\ufffe\uffff":
        return f"holds {code}, which is not a character", "delete it"
    return (
        f"holds the control character {code}",
        "delete it; most editors do not show it (in quotes, a \\x or \\u escape writes one)",
    )


def shown(value: object, limit: int = 60) -> str:
    """``value`` for an error message as Python writes it: control characters escaped
    (none reaches the author's terminal), text in quotes, and cut when long.

    >>> shown("Intro")
    "'Intro'"
    >>> shown(10**70)
    '10000000000000000000000000000000000000000000000000000000000…'
    """
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
            self.reporter.error(
                f"unknown key {shown(key)} in {self.what}", self.doc.location(key), hint
            )

    def _missing(self, key: str, example: str) -> None:
        self.reporter.error(
            f"{self.what} is missing the required key '{key}'",
            self.doc.location(),
            f"add a line such as: {key}: {example}",
        )

    def text(
        self,
        key: str,
        *,
        required: bool = False,
        default: str = "",
        example: str = "...",
        multiline: bool = False,
    ) -> str:
        """The text of ``key``, on one line unless ``multiline`` (a description)."""
        value = self.doc.data.get(key)
        if value is None:
            if required:
                self._missing(key, example)
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.reporter.error(f"'{key}' must be text", self.doc.location(key))
            return default
        text = str(value).strip()
        if not self.usable(text, f"'{key}'", self.doc.location(key), multiline=multiline):
            return default
        if required and not text:
            self.reporter.error(f"'{key}' must not be empty", self.doc.location(key))
        return text

    def usable(self, text: str, name: str, location: Location, *, multiline: bool = False) -> bool:
        """Whether ``text`` holds only characters a package can carry; reports it if not."""
        problem = character_problem(text, multiline=multiline)
        if problem is not None:
            self.reporter.error(f"{name} {problem[0]}", location, problem[1])
        return problem is None

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
            text = value.strip()
            return (text,) if self.usable(text, f"'{key}'", self.doc.location(key)) else default
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
            text = str(item).strip()
            if self.usable(text, f"item {index + 1} of '{key}'", self.doc.location(key, index)):
                items.append(text)
        return tuple(items)

    def flag(self, key: str, *, default: bool = False) -> bool:
        value: Any = self.doc.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.reporter.error(
                f"'{key}' must be true or false (got {shown(value)})", self.doc.location(key)
            )
            return default
        return value

    def integer(self, key: str, *, low: int, high: int, default: int | None) -> int | None:
        value: Any = self.doc.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.reporter.error(
                f"'{key}' must be a whole number from {low} to {high} (got {shown(value)})",
                self.doc.location(key),
            )
            return default
        return value

    def minutes(self, key: str) -> int | None:
        """A duration in minutes: ``45``, ``"45 min"``, ``"3h"`` or ``"1h 30m"``."""
        value: Any = self.doc.data.get(key)
        if value is None:
            return None
        minutes: int | None = None
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            minutes = value
        elif isinstance(value, str) and (match := _DURATION.match(value)) is not None:
            hours, rest = match["h"] or "", match["m"] or ""
            # int() of thousands of digits fails; anything this long is too long anyway.
            if (hours or rest) and len(hours) <= 9 and len(rest) <= 9:
                minutes = int(hours or 0) * 60 + int(rest or 0)
            elif hours or rest:
                minutes = MAX_HOURS * 60 + 1
        if minutes is None:
            self.reporter.error(
                f'\'{key}\' must be a duration such as 45 (minutes), "45 min", "3h" or "1h 30m" '
                f"(got {shown(value)})",
                self.doc.location(key),
            )
            return None
        if minutes > MAX_HOURS * 60:
            self.reporter.error(
                f"'{key}' must be at most {MAX_HOURS} hours (got {shown(value)})",
                self.doc.location(key),
                'write the duration in minutes or hours, such as 45, "3h" or "1h 30m"',
            )
            return None
        return minutes
