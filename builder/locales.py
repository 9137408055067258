"""The languages Sabaq builds courses in, and locale-aware formatting for them.

Babel (CLDR) is complete only for Urdu, Sindhi and Pashto among Pakistan's languages:
Shahmukhi Punjabi, Saraiki and Balochi have no unit or list data and fall back to
CLDR's root ("45 min", "A, B, C"), Saraiki has no plural rules, and Brahui is not in
CLDR at all (see ``../shared/reference/l10n.md``, section 1). This module is the
single place that knows what each language needs: the tag authors write in
``course.yml``, the Babel locale whose data we borrow, direction, script, fonts, the
digits to print, the gettext ``Plural-Forms`` line, and our own words where CLDR has
none. Every formatter here takes a :class:`LocaleInfo` (or a tag), formats with Babel,
then fills CLDR's gaps and maps the digits, so an RTL page never shows a root fallback
or Latin digits beside Arabic separators.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Literal

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_timedelta
from babel.lists import format_list as babel_format_list
from babel.numbers import format_decimal
from babel.numbers import format_percent as babel_format_percent
from babel.plural import PluralRule, to_gettext

DateLength = Literal["short", "medium", "long", "full"]


class Digits(Enum):
    """Which digits numbers are printed with; the values are CLDR numbering-system ids."""

    LATIN = "latn"
    """0123456789"""
    ARABIC_EXTENDED = "arabext"
    """۰۱۲۳۴۵۶۷۸۹ (U+06F0–06F9), the Urdu/Persian shapes; ``lang`` picks the glyph style."""
    ARABIC_INDIC = "arab"
    """٠١٢٣٤٥٦٧٨٩ (U+0660–0669), CLDR's default for Sindhi."""

    def apply(self, text: str) -> str:
        """``text`` with its ASCII digits replaced by this system's digits."""
        return text.translate(_DIGIT_TABLES[self])

    @property
    def is_native(self) -> bool:
        return self is not Digits.LATIN


_DIGIT_TABLES = {
    Digits.LATIN: str.maketrans({}),
    Digits.ARABIC_EXTENDED: str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"),
    Digits.ARABIC_INDIC: str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
}
_DIGIT_NAMES = {"latin": Digits.LATIN, **{d.value: d for d in Digits}}


def parse_digits(name: str) -> Digits:
    """The digit policy a course names: ``latn`` (or ``latin``), ``arabext`` or ``arab``."""
    try:
        return _DIGIT_NAMES[name.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(_DIGIT_NAMES))
        raise ValueError(f"unknown digits {name!r}; use one of: {known}") from None


class UnsupportedLocaleError(ValueError):
    """A language tag that Sabaq has no locale for; the message lists the supported ones."""


@dataclass(frozen=True, slots=True)
class LocaleInfo:
    """Everything Sabaq needs to know to build a course in one language."""

    tag: str
    """Canonical BCP 47 tag, as written in ``course.yml`` and in ``<html lang>``."""
    english_name: str
    native_name: str
    babel_locale: str
    """The Babel locale whose CLDR data formats dates and numbers. ``_PK`` is kept
    because it makes Sunday the first day of the week, as in Pakistan. For Brahui,
    which CLDR lacks, this is Urdu (``ur_PK``): the language of school and office for
    Brahui speakers, and the closest complete data."""
    direction: Literal["ltr", "rtl"]
    script: str
    """ISO 15924 code of the script: ``Arab`` or ``Latn``."""
    font_families: tuple[str, ...]
    """OFL font families to package (subset) for this language, in order of preference."""
    font_stack: str
    """CSS ``font-family`` value: the packaged families, then fonts learners may have."""
    digits: Digits
    own_plural_rules: tuple[tuple[str, str], ...] | None = None
    """Sabaq's plural rules where CLDR has none; None takes CLDR's for ``babel_locale``."""
    sabaq_data: tuple[str, ...] = ()
    """What Sabaq supplies itself because CLDR lacks it (documentation and tests)."""

    @property
    def plural_rules(self) -> tuple[tuple[str, str], ...]:
        """Plural rules as (category, condition) pairs; ``other`` is implicit."""
        if self.own_plural_rules is not None:
            return self.own_plural_rules
        return _cldr_plural_rules(self.babel_locale)

    @property
    def plural_rule(self) -> PluralRule:
        return _plural_rule(self.plural_rules)

    @property
    def plural_forms(self) -> str:
        """The gettext ``Plural-Forms`` header value, generated from the CLDR rules.

        Babel's own PO table (``babel.messages.plurals``) disagrees with CLDR for
        Punjabi, where 0 is ``one``; this never reads it.
        """
        return to_gettext(self.plural_rule)

    def plural_category(self, n: int | float | Decimal) -> str:
        return str(self.plural_rule(n))

    def with_digits(self, digits: Digits | str) -> LocaleInfo:
        """This locale with a course's own digit policy (``latn``, ``arabext`` or ``arab``)."""
        chosen = digits if isinstance(digits, Digits) else parse_digits(digits)
        return replace(self, digits=chosen)

    def babel(self) -> Locale:
        return _babel(self.babel_locale)


@cache
def _babel(name: str) -> Locale:
    return Locale.parse(name)


@cache
def _plural_rule(rules: tuple[tuple[str, str], ...]) -> PluralRule:
    return PluralRule(rules)


@cache
def _cldr_plural_rules(babel_locale: str) -> tuple[tuple[str, str], ...]:
    # Read when first asked, not at import: CLDR's locale data takes 40 ms to load,
    # and most commands never need a plural rule.
    return tuple(sorted(_babel(babel_locale).plural_form.rules.items()))


# --- Font stacks -----------------------------------------------------------------
# The packaged subset comes first (builder.fonts declares it under the same family
# name), then fonts a learner's device may already have, so a package built without
# fonts still reads well: Noto Nastaliq Urdu ships with Android, iOS and macOS, Urdu
# Typesetting with Windows; Segoe UI and Tahoma cover Arabic script on Windows.
# system-ui before the generic family draws Latin runs in the device's UI font, since
# neither Noto Arabic-script font has Latin letters.
NASTALIQ_STACK = (
    '"Noto Nastaliq Urdu", "Urdu Typesetting", "Noto Naskh Arabic", '
    '"Noto Sans Arabic", system-ui, "Segoe UI", Tahoma, sans-serif'
)
NASKH_STACK = '"Noto Naskh Arabic", "Noto Sans Arabic", system-ui, "Segoe UI", Tahoma, sans-serif'
LATIN_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif'
)
NASTALIQ = "Noto Nastaliq Urdu"
NASKH = "Noto Naskh Arabic"


def _arabic_script(
    tag: str,
    english_name: str,
    native_name: str,
    babel_locale: str,
    *,
    nastaliq: bool,
    digits: Digits,
    plural_rules: tuple[tuple[str, str], ...] | None = None,
    sabaq_data: tuple[str, ...] = (),
) -> LocaleInfo:
    return LocaleInfo(
        tag=tag,
        english_name=english_name,
        native_name=native_name,
        babel_locale=babel_locale,
        direction="rtl",
        script="Arab",
        # Naskh follows Nastaliq: Noto Nastaliq Urdu lacks a few letters (ڪ U+06AA,
        # ێ U+06CE), and only the characters it lacks are packaged from Naskh.
        font_families=(NASTALIQ, NASKH) if nastaliq else (NASKH,),
        font_stack=NASTALIQ_STACK if nastaliq else NASKH_STACK,
        digits=digits,
        own_plural_rules=plural_rules,
        sabaq_data=sabaq_data,
    )


# CLDR 47 has no plural rules for Saraiki (Babel answers with root's single "other",
# which would leave translators one form). Saraiki belongs to the Lahnda group with
# Western Punjabi, which CLDR files as pa_Arab, so it takes Punjabi's rule, where 0
# is singular as well as 1. Our decision, to be confirmed by Saraiki translators.
_SARAIKI_PLURALS = (("one", "n = 0..1"),)
# Brahui is not in CLDR. It gets two forms with Urdu's rule: a translator can repeat
# a form where Brahui makes no difference, while a single form could never express
# one (Brahui marks plural on nouns); and it is the rule of its fallback ur_PK.
_BRAHUI_PLURALS = (("one", "i = 1 and v = 0"),)

# Digit defaults follow CLDR's default numbering system for each language (ur_PK:
# latn; pa_Arab and ps: arabext; sd: arab; skr and bal: latn). Brahui follows Urdu.
# Authors override them per course (LocaleInfo.with_digits), because Pakistani
# teaching material often prints Latin digits (guess, in the reference).
_LOCALES: tuple[LocaleInfo, ...] = (
    LocaleInfo(
        tag="en",
        english_name="English",
        native_name="English",
        babel_locale="en_PK",
        direction="ltr",
        script="Latn",
        font_families=(),
        font_stack=LATIN_STACK,
        digits=Digits.LATIN,
    ),
    _arabic_script("ur", "Urdu", "اردو", "ur_PK", nastaliq=True, digits=Digits.LATIN),
    _arabic_script(
        "pa-Arab",
        # CLDR says "Punjabi (Arabic)"; Shahmukhi is the name its readers use.
        "Punjabi (Shahmukhi)",
        "پنجابی",
        "pa_Arab_PK",
        nastaliq=True,
        digits=Digits.ARABIC_EXTENDED,
        sabaq_data=("duration words", "list patterns", "English name"),
    ),
    _arabic_script(
        "sd", "Sindhi", "سنڌي", "sd_Arab_PK", nastaliq=False, digits=Digits.ARABIC_INDIC
    ),
    _arabic_script(
        "ps",
        "Pashto",
        "پښتو",
        "ps_PK",
        nastaliq=False,
        digits=Digits.ARABIC_EXTENDED,
        sabaq_data=("duration words",),
    ),
    _arabic_script(
        "skr",
        "Saraiki",
        "سرائیکی",
        "skr_PK",
        nastaliq=True,
        digits=Digits.LATIN,
        plural_rules=_SARAIKI_PLURALS,
        sabaq_data=(
            "plural rules",
            "duration words",
            "list patterns",
            "date patterns",
            "English name",
        ),
    ),
    # Balochi and Brahui get Naskh: Noto Nastaliq Urdu lacks ێ (U+06CE), which CLDR's
    # Balochi data uses, while Noto Naskh Arabic has every letter of both languages
    # (Brahui's ڷ included), and its subset is about a sixth of Nastaliq's (17 KB
    # against 106 KB for the same lesson), which matters on Balochistan's slow links.
    _arabic_script(
        "bal",
        # CLDR writes "Baluchi" and "بلۆچی"; in Pakistan it is Balochi, بلوچی.
        "Balochi",
        "بلوچی",
        "bal_Arab_PK",
        nastaliq=False,
        digits=Digits.LATIN,
        sabaq_data=("duration words", "list patterns", "names"),
    ),
    _arabic_script(
        "brh",
        "Brahui",
        "براہوئی",
        "ur_PK",
        nastaliq=False,
        digits=Digits.LATIN,
        plural_rules=_BRAHUI_PLURALS,
        sabaq_data=("plural rules", "duration words", "list patterns", "names"),
    ),
)

# Other spellings accepted for each tag (matched case-insensitively, "_" or "-").
# Plain "pa" is deliberately absent: it means Gurmukhi Punjabi in CLDR.
_ALIASES: dict[str, tuple[str, ...]] = {
    "en": ("en-PK", "en-Latn", "en-Latn-PK"),
    "ur": ("ur-PK", "ur-Arab", "ur-Arab-PK"),
    "pa-Arab": ("pa-Arab-PK", "pa-PK", "pnb", "pnb-PK", "pnb-Arab", "pnb-Arab-PK"),
    "sd": ("sd-PK", "sd-Arab", "sd-Arab-PK"),
    "ps": ("ps-PK", "ps-Arab", "ps-Arab-PK"),
    "skr": ("skr-PK", "skr-Arab", "skr-Arab-PK"),
    "bal": ("bal-PK", "bal-Arab", "bal-Arab-PK"),
    "brh": ("brh-PK", "brh-Arab", "brh-Arab-PK"),
}
_HINTS = {
    "pa": "pa is Punjabi in Gurmukhi; for Shahmukhi write pa-Arab (or pa-PK)",
    "sd-deva": "Sindhi in Devanagari is not supported; sd is Sindhi in Arabic script",
}


def _key(tag: str) -> str:
    return tag.strip().replace("_", "-").lower()


_BY_KEY: dict[str, LocaleInfo] = {}
for _info in _LOCALES:
    for _spelling in (_info.tag, *_ALIASES[_info.tag]):
        _BY_KEY[_key(_spelling)] = _info


def supported_locales() -> tuple[LocaleInfo, ...]:
    return _LOCALES


def get_locale(tag: str, digits: Digits | str | None = None) -> LocaleInfo:
    """The locale for a ``course.yml`` language tag, with an optional digit override.

    Raises :class:`UnsupportedLocaleError` naming the supported tags.
    """
    try:
        info = _BY_KEY[_key(tag)]
    except KeyError:
        supported = ", ".join(info.tag for info in _LOCALES)
        hint = _HINTS.get(_key(tag))
        message = f"unsupported language {tag!r}; Sabaq supports {supported} (aliases such as ur-PK and pa-PK are accepted)"
        raise UnsupportedLocaleError(f"{message}; {hint}" if hint else message) from None
    return info if digits is None else info.with_digits(digits)


def _resolve(locale: LocaleInfo | str) -> LocaleInfo:
    return locale if isinstance(locale, LocaleInfo) else get_locale(locale)


# --- Numbers ---------------------------------------------------------------------


def format_number(value: int | float | Decimal, locale: LocaleInfo | str) -> str:
    """``value`` with the locale's separators and digits, e.g. ``۱٬۲۳۴٫۵`` for pa-Arab.

    The separators come from the numbering system of the digit policy, so Latin
    digits never stand beside Arabic separators (which Babel's ``default`` gives).
    """
    info = _resolve(locale)
    system = info.digits.value
    text = format_decimal(value, locale=info.babel(), numbering_system=system)
    return info.digits.apply(_localise_minus(text, info))


def format_percent(value: int | float | Decimal, locale: LocaleInfo | str) -> str:
    """``value`` (0.5 is 50 %) as a percentage, with the locale's own percent sign."""
    info = _resolve(locale)
    system = info.digits.value
    text = babel_format_percent(value, locale=info.babel(), numbering_system=system)
    # Babel always prints "%", even where CLDR has ٪ for the numbering system.
    text = text.replace("%", _percent_sign(info))
    return info.digits.apply(_localise_minus(text, info))


def _percent_sign(info: LocaleInfo) -> str:
    """The percent sign: "%" beside Latin digits, CLDR's beside native ones.

    The Arabic percent sign ٪ belongs with Arabic-Indic digits, as ٫ and ٬ do: Pakistan
    prints "80%" wherever it prints Latin digits. CLDR 47 agreed for Urdu, but CLDR 49
    (Babel 2.19) gives Urdu's ``latn`` system ٪ as well, and the sign must not change
    with the Babel release.
    """
    if not info.digits.is_native:
        return "%"
    return _number_symbol(info, "percentSign", "%")


def _localise_minus(text: str, info: LocaleInfo) -> str:
    # Babel always prints "-"; CLDR's minus for Arabic script carries bidi marks
    # (U+200E or U+061C) that keep the sign on the correct side in RTL text.
    if not text.startswith("-"):
        return text
    return _number_symbol(info, "minusSign", "-") + text[1:]


def _number_symbol(info: LocaleInfo, name: str, default: str) -> str:
    symbols = info.babel().number_symbols.get(info.digits.value, {})
    return str(symbols.get(name, default))


# --- Durations -------------------------------------------------------------------
# Unit words for languages whose CLDR data has none (or a root fallback), keyed by
# tag, unit and CLDR plural category. Every guess is marked; these should move into
# the UI catalogs once translators can review them.
_UNIT_WORDS: dict[str, dict[str, dict[str, str]]] = {
    "pa-Arab": {
        # CLDR 47 `pa` (Gurmukhi) long patterns transliterated to Shahmukhi:
        # ਘੰਟਾ / ਘੰਟੇ → گھنٹا / گھنٹے (final ā as ا, usual in Shahmukhi; some
        # writers use Urdu's گھنٹہ), ਮਿੰਟ → منٹ (the spelling of CLDR's Urdu).
        "hour": {"one": "{0} گھنٹا", "other": "{0} گھنٹے"},
        "minute": {"one": "{0} منٹ", "other": "{0} منٹ"},
    },
    "skr": {
        # Guess: Saraiki uses the loanwords of Urdu and Punjabi, written as in Urdu
        # (CLDR 47 ur: گھنٹہ / گھنٹے, منٹ). To be confirmed by a Saraiki translator.
        "hour": {"one": "{0} گھنٹہ", "other": "{0} گھنٹے"},
        "minute": {"one": "{0} منٹ", "other": "{0} منٹ"},
    },
    "bal": {
        # Placeholder, not Balochi: Urdu's words (CLDR 47 ur), which every reader
        # schooled in Pakistan knows. Guess; to be replaced by a Balochi translator.
        "hour": {"one": "{0} گھنٹہ", "other": "{0} گھنٹے"},
        "minute": {"one": "{0} منٹ", "other": "{0} منٹ"},
    },
    "brh": {
        # Placeholder, not Brahui: Urdu's words (CLDR 47 ur), matching brh's
        # fallback to ur_PK. Guess; to be replaced by a Brahui translator.
        "hour": {"one": "{0} گھنٹہ", "other": "{0} گھنٹے"},
        "minute": {"one": "{0} منٹ", "other": "{0} منٹ"},
    },
    "ps": {
        # CLDR 47 ps has only the `one` form for hours ("{0} ساعت") and falls back
        # to root's "{0} h" for the rest. ساعته after numerals ("۲۴ ساعته") is our
        # guess from common usage; to be confirmed by a Pashto translator.
        "hour": {"one": "{0} ساعت", "other": "{0} ساعته"},
    },
}


def format_duration(minutes: int, locale: LocaleInfo | str) -> str:
    """A whole number of minutes in words: "45 منٹ", "2 گھنٹے 30 منٹ", "1 hour".

    Hours and minutes are joined with a space, as CLDR's narrow unit lists do; CLDR's
    Urdu "unit" list pattern has a Latin comma, so it is not used.
    """
    if minutes < 0:
        raise ValueError(f"a duration cannot be negative: {minutes} minutes")
    info = _resolve(locale)
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(_unit_phrase(info, "hour", hours))
    if rest or not hours:
        parts.append(_unit_phrase(info, "minute", rest))
    return " ".join(parts)


def _unit_phrase(info: LocaleInfo, unit: Literal["hour", "minute"], count: int) -> str:
    own = _UNIT_WORDS.get(info.tag, {}).get(unit)
    if own is not None:
        pattern = own.get(info.plural_category(count), own["other"])
        return pattern.format(format_number(count, info))
    # format_timedelta, not format_unit: Babel's format_unit does not resolve CLDR's
    # long→short alias and prints "2 duration-hour" for Urdu. An infinite threshold
    # with the unit as granularity gives exactly "<count> <unit>".
    text = format_timedelta(
        timedelta(**{f"{unit}s": count}),
        granularity=unit,
        threshold=math.inf,
        format="long",
        locale=info.babel(),
    )
    return info.digits.apply(text)


# --- Lists -----------------------------------------------------------------------
# CLDR list patterns (start, middle, end, and "2" for exactly two items) for languages
# whose CLDR data has none and would print "A, B, C".
_LIST_PATTERNS: dict[str, dict[str, str]] = {
    # CLDR 47 `pa` (Gurmukhi) "{0}, {1}" / "{0} ਅਤੇ {1}" in Shahmukhi: the Arabic comma
    # that Shahmukhi writes, and ਅਤੇ → اتے ("and").
    "pa-Arab": {
        "start": "{0}، {1}",
        "middle": "{0}، {1}",
        "end": "{0} اتے {1}",
        "2": "{0} اتے {1}",
    },
    # Guess: Saraiki "and" is تے, as in Punjabi speech. To be confirmed.
    "skr": {
        "start": "{0}، {1}",
        "middle": "{0}، {1}",
        "end": "{0} تے {1}",
        "2": "{0} تے {1}",
    },
    # Balochi and Brahui: the Arabic comma only. We know no reviewed word for "and",
    # and a list of commas is correct punctuation in both.
    "bal": {"start": "{0}، {1}", "middle": "{0}، {1}", "end": "{0}، {1}", "2": "{0}، {1}"},
    "brh": {"start": "{0}، {1}", "middle": "{0}، {1}", "end": "{0}، {1}", "2": "{0}، {1}"},
}


def format_list(items: Iterable[str], locale: LocaleInfo | str) -> str:
    """Items joined as the language writes a list: "الف، ب، اور ج".

    Items are shown as given: their digits are the author's, not the digit policy's
    (format numbers with :func:`format_number` first).
    """
    info = _resolve(locale)
    values = list(items)
    patterns = _LIST_PATTERNS.get(info.tag)
    if patterns is None:
        return babel_format_list(values, style="standard", locale=info.babel())
    return _join_list(values, patterns)


def _join_list(items: list[str], patterns: Mapping[str, str]) -> str:
    # CLDR's algorithm, as babel.lists.format_list applies it.
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        return patterns["2"].format(*items)
    result = patterns["end"].format(items[-2], items[-1])
    for item in reversed(items[1:-2]):
        result = patterns["middle"].format(item, result)
    return patterns["start"].format(items[0], result)


# --- Dates -----------------------------------------------------------------------
# Saraiki has month and day names in CLDR 47 but no date patterns of its own, so Babel
# uses root's ISO-like "y MMMM d". These are CLDR 47's pa_Arab patterns, the nearest
# language with patterns of its own (guess: Saraiki writes dates as Punjabi and Urdu do).
_DATE_PATTERNS: dict[str, dict[str, str]] = {
    "skr": {
        "full": "EEEE، d MMMM y",
        "long": "d MMMM y",
        "medium": "d MMM y",
        "short": "dd/MM/y",
    },
}


def format_date(
    value: date | datetime, locale: LocaleInfo | str, length: DateLength = "long"
) -> str:
    """A calendar date in the locale's pattern, names and digits: "14 مارچ، 2025"."""
    info = _resolve(locale)
    pattern = _date_pattern(info, length)
    day = value.date() if isinstance(value, datetime) else value
    return info.digits.apply(babel_format_date(day, pattern, locale=info.babel()))


def _date_pattern(info: LocaleInfo, length: DateLength) -> str:
    own = _DATE_PATTERNS.get(info.tag, {}).get(length)
    pattern = own if own is not None else str(info.babel().date_formats[length].pattern)
    # CLDR's data for pa_Arab, sd and bal writes a Latin comma in Arabic-script dates
    # ("جمعو, مارچ 14"); the Arabic comma is what those languages print.
    return pattern.replace(",", "،") if info.script == "Arab" else pattern
