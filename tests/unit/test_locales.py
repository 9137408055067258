"""The locale registry: tags, CLDR-correct plural forms, and formatting without root fallbacks."""

from __future__ import annotations

import gettext
import re
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from babel import Locale

from builder.locales import (
    Digits,
    LocaleInfo,
    UnsupportedLocaleError,
    format_date,
    format_duration,
    format_list,
    format_number,
    format_percent,
    get_locale,
    parse_digits,
    supported_locales,
)
from tests.support import require_tool

LOCALES = supported_locales()
RTL = [info for info in LOCALES if info.direction == "rtl"]
ARABIC_LETTER = re.compile("[\u0600-\u06ff\u0750-\u077f]")
LATIN_LETTER = re.compile("[A-Za-z]")
LATIN_DIGIT = re.compile("[0-9]")
NATIVE_DIGIT = re.compile("[\u0660-\u0669\u06f0-\u06f9]")
ARABIC_NUMBER_SIGN = re.compile("[\u066a\u066b\u066c]")  # ٪ ٫ ٬
CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")


def ids(info: LocaleInfo) -> str:
    return info.tag


def test_the_registry_holds_the_eight_languages_in_order() -> None:
    assert [info.tag for info in LOCALES] == [
        "en",
        "ur",
        "pa-Arab",
        "sd",
        "ps",
        "skr",
        "bal",
        "brh",
    ]


@pytest.mark.parametrize("info", LOCALES, ids=ids)
def test_direction_script_and_names(info: LocaleInfo) -> None:
    if info.tag == "en":
        assert (info.direction, info.script) == ("ltr", "Latn")
        assert info.font_families == ()
    else:
        assert (info.direction, info.script) == ("rtl", "Arab")
        assert ARABIC_LETTER.search(info.native_name), info.native_name
        assert info.font_families and info.font_stack.startswith(f'"{info.font_families[0]}"')
        assert Locale.parse(info.babel_locale).text_direction == "rtl"
    assert info.english_name.isascii() and info.english_name[0].isupper()


def test_names_where_cldr_has_none_or_writes_them_differently() -> None:
    assert get_locale("skr").english_name == "Saraiki"  # CLDR 47 has no English name
    assert get_locale("brh").native_name == "براہوئی"  # CLDR 47 has no Brahui at all
    assert get_locale("pa-Arab").english_name == "Punjabi (Shahmukhi)"
    assert get_locale("ur").native_name == Locale.parse("ur").get_display_name()


@pytest.mark.parametrize(
    ("written", "tag"),
    [
        ("ur", "ur"),
        ("ur-PK", "ur"),
        ("UR_pk", "ur"),
        ("pa-Arab", "pa-Arab"),
        ("pa_Arab", "pa-Arab"),
        ("pa-PK", "pa-Arab"),
        ("pa-Arab-PK", "pa-Arab"),
        ("sd-Arab", "sd"),
        ("sd-PK", "sd"),
        ("ps-PK", "ps"),
        ("skr-Arab-PK", "skr"),
        ("bal-Arab", "bal"),
        ("brh", "brh"),
        (" en-PK ", "en"),
    ],
)
def test_tags_and_aliases(written: str, tag: str) -> None:
    assert get_locale(written).tag == tag


@pytest.mark.parametrize("written", ["pa", "sd-Deva", "ar", "ur-IN", "fr", ""])
def test_an_unsupported_tag_lists_the_supported_ones(written: str) -> None:
    with pytest.raises(UnsupportedLocaleError) as raised:
        get_locale(written)
    message = str(raised.value)
    for info in LOCALES:
        assert info.tag in message
    if written == "pa":
        assert "pa-Arab" in message and "Gurmukhi" in message


def test_the_babel_locale_carries_the_territory_or_the_fallback() -> None:
    assert {info.tag: info.babel_locale for info in LOCALES} == {
        "en": "en_PK",
        "ur": "ur_PK",
        "pa-Arab": "pa_Arab_PK",
        "sd": "sd_Arab_PK",
        "ps": "ps_PK",
        "skr": "skr_PK",
        "bal": "bal_Arab_PK",
        "brh": "ur_PK",  # Brahui is not in CLDR
    }
    for info in LOCALES:
        assert info.babel().first_week_day == 6  # Sunday, as in Pakistan


# --- Plural forms ------------------------------------------------------------------


@pytest.mark.parametrize("info", LOCALES, ids=ids)
def test_plural_forms_pick_the_index_of_the_cldr_category(info: LocaleInfo) -> None:
    match = re.fullmatch(r"nplurals=(\d+); plural=(.+);", info.plural_forms)
    assert match, info.plural_forms
    categories = [c for c in CLDR_ORDER if c in info.plural_rule.tags | {"other"}]
    assert int(match.group(1)) == len(categories)
    plural = gettext.c2py(match.group(2))  # the stdlib's safe C-expression evaluator
    for n in range(201):
        assert plural(n) == categories.index(info.plural_category(n)), (info.tag, n)


@pytest.mark.parametrize("info", LOCALES, ids=ids)
def test_plural_rules_are_cldr_s_wherever_cldr_has_them(info: LocaleInfo) -> None:
    if "plural rules" in info.sabaq_data:
        assert info.tag in {"skr", "brh"}
        assert len(info.plural_rule.tags) == 1  # two forms, so translators can use both
    else:
        assert info.plural_rule.rules == Locale.parse(info.babel_locale).plural_form.rules


def test_punjabi_zero_is_singular_as_cldr_says_not_as_babels_po_table_says() -> None:
    pa = get_locale("pa-Arab")
    assert pa.plural_category(0) == pa.plural_category(1) == "one"
    assert pa.plural_forms != "nplurals=2; plural=(n != 1);"
    assert get_locale("ur").plural_category(0) == "other"


@pytest.mark.parametrize("info", LOCALES, ids=ids)
def test_gnu_msgfmt_accepts_every_plural_forms_line(info: LocaleInfo, tmp_path: Path) -> None:
    require_tool("msgfmt", install="bash scripts/setup.sh --test installs GNU gettext")
    nplurals = int(info.plural_forms.split(";")[0].split("=")[1])
    forms = "".join(f'msgstr[{i}] "{i} files"\n' for i in range(nplurals))
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
        f'"Language: {info.babel_locale}\\n"\n'
        f'"Plural-Forms: {info.plural_forms}\\n"\n\n'
        f'msgid "one file"\nmsgid_plural "%d files"\n{forms}',
        encoding="utf-8",
    )
    done = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "x.mo"), str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


# --- Digits and numbers --------------------------------------------------------------


def test_digit_defaults_follow_cldr_and_the_reference() -> None:
    assert {info.tag: info.digits for info in LOCALES} == {
        "en": Digits.LATIN,
        "ur": Digits.LATIN,
        "pa-Arab": Digits.ARABIC_EXTENDED,
        "sd": Digits.ARABIC_INDIC,
        "ps": Digits.ARABIC_EXTENDED,
        "skr": Digits.LATIN,
        "bal": Digits.LATIN,
        "brh": Digits.LATIN,
    }


def test_a_course_may_override_the_digits() -> None:
    assert format_number(45, get_locale("ur", digits="arabext")) == "۴۵"
    assert format_number(45, get_locale("sd").with_digits(Digits.LATIN)) == "45"
    assert format_number(45, get_locale("ps").with_digits("latin")) == "45"
    assert parse_digits(" ARAB ") is Digits.ARABIC_INDIC
    with pytest.raises(ValueError, match="arabext"):
        parse_digits("roman")


def all_policies() -> list[LocaleInfo]:
    return [info.with_digits(digits) for info in LOCALES for digits in Digits]


def policy_id(info: LocaleInfo) -> str:
    return f"{info.tag}-{info.digits.value}"


@pytest.mark.parametrize("info", all_policies(), ids=policy_id)
def test_numbers_never_mix_latin_digits_with_arabic_signs(info: LocaleInfo) -> None:
    for value in (1234567.891, -9876.5, 0, 45):
        for text in (format_number(value, info), format_percent(value / 100, info)):
            if info.digits.is_native:
                assert not LATIN_DIGIT.search(text), text
            else:
                assert not NATIVE_DIGIT.search(text) and not ARABIC_NUMBER_SIGN.search(text), text


def test_numbers_per_locale() -> None:
    assert format_number(1234567.891, "ur") == "1,234,567.891"
    assert format_number(1234567.891, "pa-Arab") == "۱٬۲۳۴٬۵۶۷٫۸۹۱"
    assert format_number(1234567.891, "sd") == "١٬٢٣٤٬٥٦٧٫٨٩١"
    assert format_number(1234567.891, "ps") == "۱٬۲۳۴٬۵۶۷٫۸۹۱"
    assert format_number(1234567.891, "en") == "1,234,567.891"
    # CLDR's percent sign for the numbering system, which Babel never prints.
    assert format_percent(0.8, "pa-Arab") == "۸۰٪"
    # Beside Latin digits "%", as Pakistan prints it, though CLDR 49 gives Urdu ٪.
    assert format_percent(0.8, "ur") == "80%"
    assert format_percent(0.8, get_locale("pa-Arab", "latn")) == "80%"


# --- Durations, lists, dates -------------------------------------------------------


def test_durations_in_urdu_and_english() -> None:
    assert format_duration(45, "ur") == "45 منٹ"
    assert format_duration(150, "ur") == "2 گھنٹے 30 منٹ"
    assert format_duration(60, "ur") == "1 گھنٹہ"
    assert format_duration(150, "en") == "2 hours 30 minutes"
    assert format_duration(1, "en") == "1 minute"
    assert format_duration(0, "en") == "0 minutes"


def test_durations_where_cldr_has_no_unit_words() -> None:
    assert format_duration(150, "pa-Arab") == "۲ گھنٹے ۳۰ منٹ"
    assert format_duration(60, "pa-Arab") == "۱ گھنٹا"
    assert format_duration(45, "skr") == "45 منٹ"
    assert format_duration(120, "ps") == "۲ ساعته"  # CLDR 47 ps gives "2 h"
    assert format_duration(90, "sd") == "١ ڪلاڪ ٣٠ منٽ"


def test_a_negative_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_duration(-5, "ur")


@pytest.mark.parametrize("info", RTL, ids=ids)
def test_rtl_durations_have_no_root_fallbacks_or_stray_digits(info: LocaleInfo) -> None:
    for minutes in [*range(0, 200), 240, 600, 1439, 6000]:
        text = format_duration(minutes, info)
        assert not LATIN_LETTER.search(text), text  # "min", "h", "duration-hour"
        assert ARABIC_LETTER.search(text), text
        assert (LATIN_DIGIT if info.digits.is_native else NATIVE_DIGIT).search(text) is None, text


@pytest.mark.parametrize("info", RTL, ids=ids)
def test_rtl_lists_use_the_arabic_comma(info: LocaleInfo) -> None:
    items = ["بلاک", "ہیش", "دستخط", "کان کنی"]
    for count in range(2, 5):
        text = format_list(items[:count], info)
        assert ", " not in text and "," not in text, text
        assert not LATIN_LETTER.search(text), text
        assert all(item in text for item in items[:count])
    assert "،" in format_list(items, info)
    assert format_list(["بلاک"], info) == "بلاک"
    assert format_list([], info) == ""


def test_lists_per_locale() -> None:
    assert format_list(["A", "B", "C"], "ur") == "A، B، اور C"
    assert format_list(["A", "B", "C"], "pa-Arab") == "A، B اتے C"
    assert format_list(["A", "B"], "bal") == "A، B"
    assert format_list(["A", "B", "C"], "en") == "A, B and C"


@pytest.mark.parametrize("info", RTL, ids=ids)
def test_rtl_dates_have_arabic_punctuation_and_the_locale_s_digits(info: LocaleInfo) -> None:
    for length in ("short", "medium", "long", "full"):
        text = format_date(date(2025, 3, 14), info, length)
        assert "," not in text and not LATIN_LETTER.search(text), (length, text)
        assert (LATIN_DIGIT if info.digits.is_native else NATIVE_DIGIT).search(text) is None, text


def test_dates_per_locale() -> None:
    day = date(2025, 3, 14)
    assert format_date(day, "ur") == "14 مارچ، 2025"
    assert format_date(day, "pa-Arab") == "۱۴ مارچ ۲۰۲۵"
    assert format_date(day, "skr") == "14 مارچ 2025"  # not root's "2025 مارچ 14"
    assert format_date(day, "sd", "full") == "جمعو، مارچ ١٤، ٢٠٢٥"
    assert format_date(datetime(2025, 3, 14, 23, 59), "en") == "14 March 2025"
