"""Packaged fonts: found, licence-checked, subset to the text, deterministic, cached, on budget."""

from __future__ import annotations

import io
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from builder import fonts
from builder.errors import Reporter
from builder.fonts import (
    FONT_BUDGET_BYTES,
    LICENCE_FILE,
    default_cache_dir,
    find_font,
    font_face_css,
    package_fonts,
    subset_font,
    system_font_dirs,
)
from builder.parallel import can_fork

# Paragraphs of a lesson like the sample course's, in Urdu; repeated with numbered
# headings they make a lesson of a few thousand words.
PARAGRAPHS = (
    "بلاک چین ایک مشترکہ کھاتہ ہے جسے بہت سے کمپیوٹر مل کر سنبھالتے ہیں۔ ہر بلاک میں لین دین کا"
    " ریکارڈ، پچھلے بلاک کا ہیش اور وقت کی مہر ہوتی ہے۔ اگر کوئی شخص کسی پرانے بلاک میں تبدیلی کرے"
    " تو اس کا ہیش بدل جاتا ہے اور پوری زنجیر ٹوٹ جاتی ہے۔",
    "دو دکانداروں کی مثال لیجیے جو ایک ہی کھاتہ رکھتے ہیں: اگر دونوں کے پاس اس کی نقل موجود ہو تو"
    " کوئی ایک چپکے سے رقم نہیں بڑھا سکتا۔ ڈیجیٹل دستخط یہ ثابت کرتے ہیں کہ رقم بھیجنے والا واقعی"
    " اس کا مالک ہے۔",
    "کان کن یا تصدیق کنندگان نئے بلاک کو شامل کرنے سے پہلے ہر لین دین کی جانچ کرتے ہیں۔ کیا آپ"
    " بتا سکتے ہیں کہ یہ جانچ کیوں ضروری ہے؟ غور کیجیے: جعلی رقم، دوہرا خرچ اور غلط دستخط۔",
    "ہیش فنکشن کسی بھی لمبائی کے متن کو ایک مقررہ لمبائی کے نمبر میں بدل دیتا ہے۔ متن میں ذرا سی"
    " تبدیلی سے بھی ہیش مکمل طور پر بدل جاتا ہے، اسی لیے اسے ڈیٹا کی ’انگلیوں کے نشان‘ کہا جاتا ہے۔",
    "اسمارٹ کنٹریکٹ ایسا پروگرام ہے جو طے شدہ شرائط پوری ہونے پر خود بخود چلتا ہے۔ اس کی ضمانت"
    " کوئی ادارہ نہیں بلکہ نیٹ ورک دیتا ہے؛ البتہ پروگرام کی غلطی بھی اتنی ہی پکی ہو جاتی ہے۔",
    "خلاصہ: مشترکہ کھاتہ، ہیش کی زنجیر، ڈیجیٹل دستخط اور اتفاقِ رائے مل کر اعتماد پیدا کرتے ہیں۔"
    " اگلے سبق میں ہم ژالہ باری جیسی غیر متوقع صورتِ حال، ظاہری خطرات اور عظیم ذمہ داریوں پر بات"
    " کریں گے۔",
)
LESSON = "\n\n".join(
    f"حصہ {n}: {PARAGRAPHS[n % len(PARAGRAPHS)]} {PARAGRAPHS[(n + 2) % len(PARAGRAPHS)]}"
    for n in range(1, 49)
)


def require(path: Path | None) -> Path:
    assert path is not None, (
        "Noto fonts are missing: install Debian's fonts-noto-core (bash scripts/setup.sh --test)"
    )
    return path


@pytest.fixture(scope="module")
def nastaliq() -> Path:
    return require(find_font("ur", system_font_dirs()))


@pytest.fixture(scope="module")
def naskh() -> Path:
    return require(find_font("sd", system_font_dirs()))


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the module, so the slow Nastaliq subset is made once."""
    return tmp_path_factory.mktemp("font-cache")


@pytest.fixture(scope="module")
def urdu_subset(nastaliq: Path, cache: Path) -> bytes:
    return subset_font(nastaliq, LESSON, cache)


def load(data: bytes) -> TTFont:
    return TTFont(io.BytesIO(data))


def feature_tags(font: TTFont, table: str) -> set[str]:
    return {record.FeatureTag for record in font[table].table.FeatureList.FeatureRecord}


def test_the_lesson_is_a_realistic_size() -> None:
    assert 3000 <= len(LESSON.split()) <= 6000


def test_debian_s_fonts_are_found_under_their_real_names(nastaliq: Path, naskh: Path) -> None:
    assert nastaliq.name == "NotoNastaliqUrdu-Regular.ttf"
    assert naskh.name == "NotoNaskhArabic-Regular.ttf"
    for tag in ("ur", "pa-Arab", "skr"):
        assert find_font(tag, system_font_dirs()) == nastaliq
    for tag in ("sd", "ps", "bal", "brh"):
        assert find_font(tag, system_font_dirs()) == naskh
    assert find_font("en", system_font_dirs()) is None


def test_an_urdu_subset_is_woff2_with_every_glyph_and_the_layout_tables(
    urdu_subset: bytes, nastaliq: Path
) -> None:
    font = load(urdu_subset)
    original = TTFont(nastaliq)
    assert font.flavor == "woff2"
    cmap = font.getBestCmap()
    wanted = {c for c in LESSON if ord(c) in original.getBestCmap()}
    assert {c for c in LESSON if "\u0600" <= c <= "\u06ff"} <= wanted
    assert all(ord(c) in cmap for c in wanted)
    for table in ("GSUB", "GPOS", "GDEF"):
        assert table in font
    # Nastaliq shapes through every feature it has; none may be lost.
    assert feature_tags(font, "GSUB") == feature_tags(original, "GSUB")
    assert feature_tags(font, "GPOS") == feature_tags(original, "GPOS")
    assert {"init", "medi", "fina", "isol", "rlig", "ccmp"} <= feature_tags(font, "GSUB")
    assert {"mark", "curs"} <= feature_tags(font, "GPOS")
    assert len(font.getGlyphOrder()) < len(original.getGlyphOrder())


def test_the_subset_shapes_the_text_as_the_whole_font_does(
    urdu_subset: bytes, nastaliq: Path
) -> None:
    """Nothing shaping reaches is cut away: HarfBuzz, the engine browsers shape with,
    lays every paragraph out with the subset exactly as with the whole font, glyph by
    glyph (the same outline) and position by position."""
    whole = nastaliq.read_bytes()
    subset = load(urdu_subset)
    subset.flavor = None  # HarfBuzz reads TrueType, not woff2
    plain = io.BytesIO()
    subset.save(plain)
    for paragraph in PARAGRAPHS:
        assert shaped(plain.getvalue(), paragraph) == shaped(whole, paragraph)


def shaped(data: bytes, text: str) -> list[tuple[object, ...]]:
    """Each glyph HarfBuzz lays ``text`` out with: its outline, its place, its cluster."""
    import uharfbuzz

    buffer = uharfbuzz.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    uharfbuzz.shape(uharfbuzz.Font(uharfbuzz.Face(data)), buffer, {})
    font = TTFont(io.BytesIO(data))
    order, glyphs = font.getGlyphOrder(), font["glyf"]
    # Glyph ids and names differ in a subset; outlines (components resolved) do not.
    return [
        (
            tuple(glyphs[order[info.codepoint]].getCoordinates(glyphs)[0]),
            info.cluster,
            place.x_advance,
            place.y_advance,
            place.x_offset,
            place.y_offset,
        )
        for info, place in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True)
    ]


def test_the_subset_keeps_the_copyright_and_licence_names(urdu_subset: bytes) -> None:
    names = load(urdu_subset)["name"]
    assert "Google" in str(names.getDebugName(0))
    assert "Open Font License" in str(names.getDebugName(13))
    assert names.getDebugName(1) == "Noto Nastaliq Urdu"


def test_a_realistic_lesson_is_well_under_the_budget(urdu_subset: bytes, cache: Path) -> None:
    assert len(urdu_subset) < 150_000  # one face; ~106 KB with Debian's Noto 2.000
    reporter = Reporter()
    bundle = package_fonts("ur", [LESSON], system_font_dirs(), reporter, cache)
    assert reporter.diagnostics == []
    assert bundle.font_bytes < FONT_BUDGET_BYTES * 0.75  # Regular and Bold


def test_same_input_gives_the_same_bytes_whatever_the_clock(
    nastaliq: Path, urdu_subset: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # fontTools writes SOURCE_DATE_EPOCH (else the time) into head.modified when it
    # recalculates the timestamp; a different value here would show up in the bytes.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    again = subset_font(nastaliq, LESSON, tmp_path / "fresh-cache")
    assert again == urdu_subset
    assert load(again)["head"].modified == TTFont(nastaliq)["head"].modified


def test_a_cache_hit_skips_the_subsetting(
    naskh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    make: Callable[[bytes, list[int]], bytes] = fonts._make_subset

    def counting(data: bytes, unicodes: list[int]) -> bytes:
        calls.append(len(unicodes))
        return make(data, unicodes)

    monkeypatch.setattr(fonts, "_make_subset", counting)
    first = subset_font(naskh, "سنڌي ٻولي", tmp_path)
    assert subset_font(naskh, "سنڌي ٻولي", tmp_path) == first
    # Characters the font lacks (Latin here) do not change the key.
    assert subset_font(naskh, "سنڌي ٻولي Sindhi", tmp_path) == first
    assert len(calls) == 1
    assert len(list(tmp_path.glob("*.woff2"))) == 1
    subset_font(naskh, "سنڌي ٻولي ۽ ادب", tmp_path)
    assert len(calls) == 2


def test_an_unwritable_cache_does_not_fail_the_build(naskh: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert load(subset_font(naskh, "پښتو", blocked / "cache")).flavor == "woff2"


def test_the_default_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SABAQ_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path / "fonts"
    monkeypatch.delenv("SABAQ_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "sabaq" / "fonts"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "sabaq" / "fonts"


def test_naskh_subsets_shrink_and_keep_sindhi_letters(naskh: Path, tmp_path: Path) -> None:
    sindhi = "سنڌي ٻولي ۾ ڪمپيوٽر، ڄاڻ، ڳالهه ۽ ڻ ڃ ڇ ڊ ڍ ڏ ڙ ڦ ڱ ٿ ٽ ڀ"
    font = load(subset_font(naskh, sindhi, tmp_path))
    assert all(ord(c) in font.getBestCmap() for c in sindhi if c != " ")
    assert len(font.getGlyphOrder()) < len(TTFont(naskh).getGlyphOrder()) / 3


def test_the_bundle_declares_each_face_and_sets_the_theme_font(cache: Path) -> None:
    bundle = package_fonts("ur", [LESSON], system_font_dirs(), Reporter(), cache)
    woff2 = sorted(name for name in bundle.files if name.endswith(".woff2"))
    assert [name.split(".")[0] for name in woff2] == [
        "noto-nastaliq-urdu-400",
        "noto-nastaliq-urdu-700",
    ]
    for name in woff2:
        assert f'src: url("{name}") format("woff2");' in bundle.css
    assert bundle.css.count("@font-face") == 2
    assert f"html:lang(ur) {{ --font-body: {bundle.font_stack}; }}" in bundle.css
    assert bundle.font_stack.startswith('"Noto Nastaliq Urdu", ')


def test_the_licence_names_every_font_file_and_carries_the_ofl(cache: Path) -> None:
    bundle = package_fonts("ur", [LESSON], system_font_dirs(), Reporter(), cache)
    licence = bundle.files[LICENCE_FILE].decode("utf-8")
    for name in bundle.files:
        if name.endswith(".woff2"):
            assert name in licence
    assert "Copyright 2017 Google Inc. All Rights Reserved." in licence
    assert "SIL OPEN FONT LICENSE Version 1.1 - 26 February 2007" in licence
    assert "5) The Font Software, modified or unmodified" in licence


def test_letters_nastaliq_lacks_come_from_naskh(cache: Path) -> None:
    # ڪ (U+06AA) is missing from Noto Nastaliq Urdu; the lesson's own characters keep
    # the Nastaliq subset identical, so this reuses the module's cached subset.
    reporter = Reporter()
    bundle = package_fonts(
        "skr", [LESSON, "ڪ"], system_font_dirs(), reporter, cache, weights=(400,)
    )
    assert reporter.diagnostics == []
    naskh_files = [name for name in bundle.files if name.startswith("noto-naskh-arabic-400.")]
    assert len(naskh_files) == 1
    assert ord("ڪ") in load(bundle.files[naskh_files[0]]).getBestCmap()
    assert "html:lang(skr)" in bundle.css


def test_a_character_no_font_has_is_reported(naskh: Path, tmp_path: Path) -> None:
    cmap = TTFont(naskh).getBestCmap()
    # Arabic Extended-B (Unicode 14) postdates Debian's Noto Naskh Arabic 2.004.
    missing = next(
        chr(c)
        for c in range(0x0870, 0x08A0)
        if c not in cmap and unicodedata.category(chr(c)) != "Cn"
    )
    reporter = Reporter()
    package_fonts("sd", ["سنڌي" + missing], system_font_dirs(), reporter, tmp_path)
    [warning] = reporter.warnings
    assert f"U+{ord(missing):04X}" in warning.message


def test_english_packages_no_fonts(tmp_path: Path) -> None:
    reporter = Reporter()
    bundle = package_fonts("en", ["Hello"], system_font_dirs(), reporter, tmp_path)
    assert (bundle.files, bundle.css, reporter.diagnostics) == ({}, "", [])


def test_without_fonts_a_warning_and_the_learner_s_own_fonts(tmp_path: Path) -> None:
    reporter = Reporter()
    bundle = package_fonts("ur", [LESSON], [tmp_path / "empty"], reporter, tmp_path)
    assert bundle.files == {}
    assert "@font-face" not in bundle.css
    assert '"Urdu Typesetting"' in bundle.css and "sans-serif" in bundle.css
    [warning] = reporter.warnings
    assert "no font for Urdu" in warning.message
    assert warning.hint is not None and "fonts-noto-core" in warning.hint


def test_a_course_font_folder_comes_first(naskh: Path, tmp_path: Path) -> None:
    own = tmp_path / "fonts"
    own.mkdir()
    shutil.copy(naskh, own / naskh.name)
    assert find_font("ps", [own, *system_font_dirs()]) == own / naskh.name


def relicensed(source: Path, target: Path, copyright: str, licence: str) -> Path:
    font = TTFont(source)
    font["name"].setName(copyright, 0, 3, 1, 0x409)
    font["name"].setName(licence, 13, 3, 1, 0x409)
    font["name"].removeNames(nameID=14)
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(target)
    return target


@pytest.mark.parametrize(
    ("copyright", "licence", "problem"),
    [
        ("Copyright 2024 Someone", "GNU General Public License v2", "does not grant"),
        (
            'Copyright 2024 SIL, with Reserved Font Name "Noto"',
            "This Font Software is licensed under the SIL Open Font License, Version 1.1.",
            "Reserved Font Name",
        ),
    ],
)
def test_fonts_that_are_not_plain_ofl_are_refused(
    naskh: Path, tmp_path: Path, copyright: str, licence: str, problem: str
) -> None:
    own = tmp_path / "fonts"
    relicensed(naskh, own / "NotoNaskhArabic-Regular.ttf", copyright, licence)
    reporter = Reporter()
    assert find_font("sd", [own], reporter) is None
    [warning] = reporter.warnings
    assert problem in warning.message
    # With the system folders behind it, the genuine Noto file is used instead.
    assert find_font("sd", [own, *system_font_dirs()], Reporter()) == naskh


def test_font_face_css() -> None:
    css = font_face_css("Noto Naskh Arabic", "noto-naskh-arabic-400.abc.woff2", 400)
    assert css.startswith("@font-face {\n")
    assert 'font-family: "Noto Naskh Arabic";' in css
    assert "font-display: swap;" in css and "font-weight: 400;" in css
    for bad in ('x") ; }', "a\\b", "line\nbreak", ""):
        with pytest.raises(ValueError, match="unsafe"):
            font_face_css("Family", bad)


def test_faces_cut_over_several_processes_equal_those_cut_in_one(tmp_path: Path) -> None:
    """A package's faces not cut before are cut side by side (``--jobs``), alike."""
    assert can_fork()  # else both would be cut in one process, and compare nothing
    sindhi = "سنڌي ٻولي ۾ ڪمپيوٽر، ڄاڻ ۽ ڳالهه (1)"
    apart = package_fonts("sd", [sindhi], system_font_dirs(), Reporter(), tmp_path / "a", jobs=2)
    together = package_fonts("sd", [sindhi], system_font_dirs(), Reporter(), tmp_path / "b")
    assert apart == together
    assert len([name for name in apart.files if name.endswith(".woff2")]) == 2  # both weights
    assert sorted(path.read_bytes() for path in (tmp_path / "a").iterdir()) == sorted(
        path.read_bytes() for path in (tmp_path / "b").iterdir()
    )
