"""Web fonts for Arabic-script courses: found on the machine, subset, licensed.

No request may leave a package, and many learners' devices have no Nastaliq font,
so every RTL package carries its own fonts: OFL fonts only, subset to the characters
its pages use, as woff2, with the licence beside them. Nastaliq barely shrinks when
subset (its contextual glyphs are reachable from almost any text) and takes a second
to subset and compress, so subsets are cached between builds, keyed by the font
file's hash and the character set. The output is deterministic: same font and text,
same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from builder.archive import write_atomically
from builder.buildcache import cache_root
from builder.errors import Reporter
from builder.fontdirs import font_search_path as font_search_path
from builder.fontdirs import system_font_dirs as system_font_dirs
from builder.locales import NASKH, NASTALIQ, LocaleInfo, get_locale
from builder.parallel import map_in_processes

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont

FONT_BUDGET_BYTES = 400_000
"""Fonts per package above this slow a lesson's first page on a campus link."""
LICENCE_FILE = "OFL.txt"
WEIGHTS = (400, 700)
"""Regular for text, Bold for headings and emphasis (the theme uses 600 and 700)."""
SUBSET_RECIPE = "2"
"""Part of every cache key: bump it when the subsetting options change."""


@dataclass(frozen=True, slots=True)
class FontFace:
    """One weight of a family, and the file names it goes by (upstream and Debian)."""

    family: str
    weight: int
    file_names: tuple[str, ...]


# Noto's OFL grant names no Reserved Font Name, so a subset may keep the family name.
# Lateef and Scheherazade (SIL) reserve theirs; a subset of them would need renaming
# (OFL condition 3), so they are not offered. Awami Nastaliq is Graphite-only and
# draws unjoined letters in Chromium; Nafees and PakType are GPL.
_FACES: dict[str, tuple[FontFace, ...]] = {
    NASTALIQ: (
        FontFace(NASTALIQ, 400, ("NotoNastaliqUrdu-Regular.ttf", "NotoNastaliqUrdu-Regular.otf")),
        FontFace(NASTALIQ, 700, ("NotoNastaliqUrdu-Bold.ttf", "NotoNastaliqUrdu-Bold.otf")),
    ),
    NASKH: (
        FontFace(NASKH, 400, ("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Regular.otf")),
        FontFace(NASKH, 700, ("NotoNaskhArabic-Bold.ttf", "NotoNaskhArabic-Bold.otf")),
    ),
}

# Characters kept in every subset (when the font has them) although the text may not
# show them: what the shaper or our own formatters put on a page.
_SHAPING_CHARACTERS = (
    " \u00a0"  # spaces
    "\u200c\u200d"  # zero-width non-joiner and joiner: authors break or force joins
    "\u200e\u200f\u061c"  # LRM, RLM, ALM: CLDR puts them in numbers and dates
    "\u2066\u2067\u2068\u2069"  # bidi isolates
    "\u25cc"  # dotted circle: HarfBuzz draws it under a mark that has no base
    "\u0640"  # tatweel
    "،؛؟۔٪٫٬"  # Arabic punctuation and number signs (builder.locales prints them)
    "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩"  # either native digit set, whatever the digit policy
)
# In RTL text the shaper draws "(" with the glyph of ")" (bidi mirroring), so a
# subset needs both halves of every pair the text uses.
_MIRROR_PAIRS = ("()", "[]", "{}", "<>", "«»", "‹›")

_ARABIC_BLOCKS = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x0870, 0x089F),
    (0x08A0, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)


@dataclass(frozen=True, slots=True)
class FontBundle:
    """The fonts of one package: put ``files`` and ``css`` in one folder of the package."""

    files: dict[str, bytes]
    """File name → bytes: the woff2 subsets and, when there are any, ``OFL.txt``."""
    css: str
    """``@font-face`` rules (URLs relative to the folder) and an ``html:lang()`` rule
    setting the theme's ``--font-body`` to :attr:`font_stack`."""
    font_stack: str

    @property
    def font_bytes(self) -> int:
        return sum(len(data) for name, data in self.files.items() if name.endswith(".woff2"))


# --- Finding fonts ---------------------------------------------------------------


def find_font(
    locale: LocaleInfo | str, search_path: Iterable[Path], reporter: Reporter | None = None
) -> Path | None:
    """The regular face of the first of the locale's font families found on the path."""
    info = locale if isinstance(locale, LocaleInfo) else get_locale(locale)
    directories = tuple(search_path)
    for family in info.font_families:
        found = _find_face(_FACES[family][0], directories, reporter)
        if found is not None:
            return found
    return None


def _find_face(
    face: FontFace, search_path: tuple[Path, ...], reporter: Reporter | None
) -> Path | None:
    for path in _files_named(face.file_names, search_path):
        problem = _licence_problem(path)
        if problem is None:
            return path
        if reporter is not None:
            reporter.warning(
                f"font {path} is not used: {problem}",
                hint="Sabaq packages only SIL Open Font License fonts without Reserved Font Names",
            )
    return None


def _files_named(names: tuple[str, ...], search_path: tuple[Path, ...]) -> list[Path]:
    """Every file with one of ``names``, in search-path order, then by path."""
    wanted = set(names)
    found: list[Path] = []
    for directory in search_path:
        if not directory.is_dir():
            continue
        hits: list[Path] = []
        for root, subdirs, files in os.walk(directory):
            subdirs.sort()
            hits.extend(Path(root) / name for name in sorted(files) if name in wanted)
        found.extend(sorted(hits, key=lambda p: (names.index(p.name), str(p))))
    return found


def _licence_problem(path: Path) -> str | None:
    """Why the font at ``path`` may not be packaged, from its name table, or None."""
    from fontTools.ttLib import TTFont  # fontTools loads in 100 ms; only RTL builds need it

    try:
        font = TTFont(path, lazy=True)
    except Exception as error:  # fontTools raises many kinds on a damaged file
        return f"fontTools cannot read it ({error})"
    try:
        notice = " ".join(_name(font, i) for i in (0, 13, 14))
    except Exception as error:
        return f"its name table cannot be read ({error})"
    finally:
        font.close()
    if not re.search(
        r"open font licen[cs]e|scripts\.sil\.org/ofl|openfontlicense\.org", notice, re.I
    ):
        return "its name table (IDs 13 and 14) does not grant the SIL Open Font License"
    # The OFL's own text mentions "Reserved Font Name" in its definitions; a grant of
    # one reads 'with Reserved Font Name(s) "X"' after the copyright line.
    if re.search(r"with\s+reserved\s+font\s+names?\b", notice, re.I):
        return "it has a Reserved Font Name, so a subset would have to be renamed (OFL condition 3)"
    return None


# --- Subsetting ------------------------------------------------------------------


def default_cache_dir() -> Path:
    """``fonts`` in Sabaq's cache folder (:func:`builder.buildcache.cache_root`)."""
    return cache_root() / "fonts"


def subset_font(path: Path, text: str, cache_dir: Path | None = None) -> bytes:
    """woff2 bytes of the font at ``path`` with the glyphs ``text`` needs to be shaped.

    Characters the font lacks are left out of the key, so Latin text does not change
    an Urdu subset. ``cache_dir`` defaults to :func:`default_cache_dir`.
    """
    data = path.read_bytes()
    return _cached_subset(data, _subset_characters(text, _cmap(data)), cache_dir)


def _cached_subset(data: bytes, characters: frozenset[str], cache_dir: Path | None) -> bytes:
    return _cut_all([(data, characters)], cache_dir, jobs=1)[0]


def _cut_all(
    wanted: list[tuple[bytes, frozenset[str]]], cache_dir: Path | None, jobs: int
) -> list[bytes]:
    """Each font of ``wanted`` cut to its characters, from the cache or cut now over
    ``jobs`` processes (each cut is kept in the cache as it is made)."""
    places = [_cache_place(data, characters, cache_dir) for data, characters in wanted]
    found: list[bytes | None] = []
    for place in places:
        try:
            found.append(place.read_bytes())
        except OSError:
            found.append(None)
    missing = [index for index, cut in enumerate(found) if cut is None]

    def cut(index: int) -> bytes:
        data, characters = wanted[index]
        woff2 = _make_subset(data, sorted(ord(c) for c in characters))
        # A cache is an optimisation: a read-only or full disk must not fail the build.
        with contextlib.suppress(OSError):
            write_atomically(places[index], lambda stream: stream.write(woff2))
        return woff2

    made = map_in_processes(cut, missing, jobs, worth_it_from=2)
    for index, woff2 in zip(missing, made, strict=True):
        found[index] = woff2
    return [woff2 for woff2 in found if woff2 is not None]


def _cache_place(data: bytes, characters: frozenset[str], cache_dir: Path | None) -> Path:
    import fontTools  # fontTools loads in 100 ms; only RTL builds need it
    import uharfbuzz

    font_hash = hashlib.sha256(data).hexdigest()
    tools = f"{fontTools.version}\n{uharfbuzz.__version__}"
    recipe = f"{SUBSET_RECIPE}\n{tools}\n{''.join(sorted(characters))}"
    text_hash = hashlib.sha256(recipe.encode("utf-8")).hexdigest()
    return (cache_dir or default_cache_dir()) / f"{font_hash[:24]}-{text_hash[:24]}.woff2"


def _make_subset(data: bytes, unicodes: list[int]) -> bytes:
    """``data`` cut to ``unicodes`` and every glyph shaping them can reach, as woff2.

    HarfBuzz, the engine browsers shape text with, does the cutting: 40 ms for a
    Nastaliq face, where fontTools' subsetter took about five seconds. fontTools writes
    the woff2; its brotli is now most of the time.
    """
    import uharfbuzz  # here, like fontTools: only RTL builds need it
    from fontTools import subset
    from fontTools.ttLib import TTFont

    wanted = uharfbuzz.SubsetInput()
    for code in unicodes:
        wanted.unicode_set.add(code)
    # Every feature and script: Nastaliq's cursive attachment, contextual forms and
    # mark positioning live in GSUB/GPOS lookups reached through many features
    # (ccmp, locl, init/medi/fina/isol, rlig, calt, curs, mark, mkmk, ...). And the
    # whole name table: copyright (ID 0), licence (13) and its URL (14) travel inside
    # the font, as OFL condition 2 allows alongside OFL.txt. (An empty set, inverted,
    # is every tag or id.)
    for everything in (
        wanted.layout_feature_tag_set,
        wanted.layout_script_tag_set,
        wanted.name_id_set,
        wanted.name_lang_id_set,
    ):
        everything.clear()
        everything.invert()
    wanted.flags = uharfbuzz.SubsetFlags.NOTDEF_OUTLINE  # a missing glyph shows as a box
    cut = wanted.subset(uharfbuzz.Face(data))
    if cut is None:
        raise ValueError("HarfBuzz could not subset the font")
    # head.modified stays the source font's (HarfBuzz keeps it; a recalculated one
    # would write the build time into the file), and so do the bounds HarfBuzz wrote.
    font = TTFont(io.BytesIO(cut.blob.data), recalcTimestamp=False, recalcBBoxes=False)
    options = subset.Options()
    options.flavor = "woff2"
    out = io.BytesIO()
    try:
        subset.save_font(font, out, options)
    finally:
        font.close()
    return out.getvalue()


def _cmap(data: bytes) -> frozenset[str]:
    from fontTools.ttLib import TTFont  # fontTools loads in 100 ms; only RTL builds need it

    font = TTFont(io.BytesIO(data), lazy=True)
    try:
        return frozenset(chr(code) for code in font.getBestCmap())
    finally:
        font.close()


def _subset_characters(text: str, cmap: frozenset[str]) -> frozenset[str]:
    wanted = set(text) | set(_SHAPING_CHARACTERS)
    for pair in _MIRROR_PAIRS:
        if wanted & set(pair):
            wanted.update(pair)
    return frozenset(wanted & cmap)


# --- CSS and licence -------------------------------------------------------------


def font_face_css(family: str, src: str, weight: int = 400) -> str:
    """An ``@font-face`` rule for a woff2 file at URL ``src`` (relative to the stylesheet)."""
    for value in (family, src):
        if any(c in value for c in '"\\\n\r') or not value:
            raise ValueError(f"unsafe value for CSS: {value!r}")
    return (
        "@font-face {\n"
        f'  font-family: "{family}";\n'
        "  font-style: normal;\n"
        f"  font-weight: {weight};\n"
        "  font-display: swap;\n"
        f'  src: url("{src}") format("woff2");\n'
        "}\n"
    )


def _stack_css(info: LocaleInfo) -> str:
    # html:lang() outranks the theme's :root, whatever order the sheets load in.
    return f"html:lang({info.tag}) {{ --font-body: {info.font_stack}; }}\n"


@dataclass(frozen=True, slots=True)
class _Packaged:
    file_name: str
    source: Path
    font_data: bytes


def _name(font: TTFont, name_id: int) -> str:
    """A name-table entry on one line ("" when the font has none)."""
    return " ".join(str(font["name"].getDebugName(name_id) or "").split())


def _licence(packaged: list[_Packaged]) -> str:
    """OFL.txt: each font's copyright and licence notice, then the licence itself.

    OFL condition 2 asks that every copy carry the copyright notice and the licence.
    Noto's name table (ID 13) holds only a one-line notice and Debian keeps the text
    reflowed inside its copyright file, so the licence text ships from here (checked
    word for word against /usr/share/doc/fonts-noto-core/copyright), with the
    copyright lines read from each font.
    """
    from fontTools.ttLib import TTFont  # fontTools loads in 100 ms; only RTL builds need it

    lines = [
        "Fonts in this package",
        "=====================",
        "",
        "Each file below is a subset (a Modified Version, in the licence's words) of the",
        "font named, made with fontTools: it keeps only the glyphs this package's text",
        "needs. None of these fonts has a Reserved Font Name.",
        "",
    ]
    for entry in sorted(packaged, key=lambda p: p.file_name):
        font = TTFont(io.BytesIO(entry.font_data), lazy=True)
        try:
            version = re.sub(r"^version\s*", "", _name(font, 5).split(";")[0], flags=re.I)
            notices = [_name(font, i) for i in (0, 7, 13, 14)]
            lines += [
                entry.file_name,
                f"  {_name(font, 4)}, version {version}, from {entry.source.name}",
                *(f"  {notice}" for notice in notices if notice),
                "",
            ]
        finally:
            font.close()
    return "\n".join(lines) + "\n" + OFL_1_1


# --- Packaging -------------------------------------------------------------------


def package_fonts(
    locale: LocaleInfo | str,
    texts: Iterable[str],
    search_path: Iterable[Path],
    reporter: Reporter,
    cache_dir: Path | None = None,
    weights: tuple[int, ...] = WEIGHTS,
    jobs: int = 1,
) -> FontBundle:
    """Subset fonts, CSS and licence for a package in ``locale`` showing ``texts``.

    Each character goes to the first of the locale's families that has it (Nastaliq,
    then Naskh for the few letters Nastaliq lacks). Without any suitable font on the
    machine, this warns and returns CSS that relies on the learner's own fonts. Faces
    not cut before are cut over ``jobs`` processes: a Nastaliq face takes seconds.
    """
    info = locale if isinstance(locale, LocaleInfo) else get_locale(locale)
    if not info.font_families:
        return FontBundle({}, "", info.font_stack)
    text = "".join(texts)
    directories = tuple(search_path)
    assigned = _assign_characters(info, text, directories, reporter)
    if not assigned:
        reporter.warning(
            f"no font for {info.english_name} ({', '.join(info.font_families)}) was found; "
            "pages will use the learner's own fonts, which may lack Nastaliq or some letters",
            hint="install Debian's fonts-noto-core, or put the font files (e.g. "
            "NotoNastaliqUrdu-Regular.ttf) in the course's fonts folder",
        )
        return FontBundle({}, _stack_css(info), info.font_stack)
    faces: list[tuple[FontFace, Path, bytes, frozenset[str]]] = []
    for family, (regular, characters) in assigned.items():
        for face in _FACES[family]:
            if face.weight not in weights:
                continue
            path = regular if face.weight == 400 else _find_face(face, directories, reporter)
            if path is None:
                continue  # no Bold on this machine: browsers embolden the Regular
            data = path.read_bytes()
            faces.append((face, path, data, _subset_characters(characters, _cmap(data))))
    cuts = _cut_all([(data, wanted) for _, _, data, wanted in faces], cache_dir, jobs)
    files: dict[str, bytes] = {}
    packaged: list[_Packaged] = []
    rules: list[str] = []
    for (face, path, data, _), woff2 in zip(faces, cuts, strict=True):
        digest = hashlib.sha256(woff2).hexdigest()[:12]
        file_name = f"{_slug(face.family)}-{face.weight}.{digest}.woff2"
        files[file_name] = woff2
        packaged.append(_Packaged(file_name, path, data))
        rules.append(font_face_css(face.family, file_name, face.weight))
    files[LICENCE_FILE] = _licence(packaged).encode("utf-8")
    bundle = FontBundle(files, "".join(rules) + _stack_css(info), info.font_stack)
    _check_budget(bundle, info, reporter)
    return bundle


def _assign_characters(
    info: LocaleInfo, text: str, search_path: tuple[Path, ...], reporter: Reporter
) -> dict[str, tuple[Path, str]]:
    """Family → (regular face's path, the text's characters it is to draw)."""
    remaining = set(text)
    assigned: dict[str, tuple[Path, str]] = {}
    for family in info.font_families:
        regular = _find_face(_FACES[family][0], search_path, reporter)
        if regular is None:
            continue
        covered = remaining & _cmap(regular.read_bytes())
        # The first family found is packaged even for a text with no Arabic script
        # yet (a page's UI strings, numbers); fallbacks only for what they add.
        if covered or not assigned:
            assigned[family] = (regular, "".join(sorted(covered)))
            remaining -= covered
    first = info.font_families[0]
    if assigned and first not in assigned:
        reporter.warning(
            f"{first} was not found; {info.english_name} text will be drawn in "
            f"{', '.join(assigned)} instead",
            hint="install Debian's fonts-noto-core, or put the font files in the course's fonts folder",
        )
    uncovered = sorted(c for c in remaining if _is_arabic_script(c))
    if assigned and uncovered:
        shown = " ".join(f"{c} (U+{ord(c):04X} {unicodedata.name(c, '?')})" for c in uncovered[:8])
        reporter.warning(
            f"no packaged {info.english_name} font has these characters: {shown}"
            + (f" and {len(uncovered) - 8} more" if len(uncovered) > 8 else ""),
            hint="check the text for stray characters; learners' devices will draw them with other fonts",
        )
    return assigned


def _is_arabic_script(character: str) -> bool:
    code = ord(character)
    return any(low <= code <= high for low, high in _ARABIC_BLOCKS)


def _check_budget(bundle: FontBundle, info: LocaleInfo, reporter: Reporter) -> None:
    size = bundle.font_bytes
    if size > FONT_BUDGET_BYTES:
        reporter.warning(
            f"the {info.english_name} fonts of this package come to {size / 1000:.0f} KB, "
            f"over the budget of {FONT_BUDGET_BYTES // 1000} KB; the first page will load slowly on campus links",
            hint="package fewer weights (Regular only), or check the text for characters from other scripts",
        )


def _slug(family: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", family.lower()).strip("-")


OFL_1_1 = """\
-----------------------------------------------------------
SIL OPEN FONT LICENSE Version 1.1 - 26 February 2007
-----------------------------------------------------------

PREAMBLE
The goals of the Open Font License (OFL) are to stimulate worldwide
development of collaborative font projects, to support the font creation
efforts of academic and linguistic communities, and to provide a free and
open framework in which fonts may be shared and improved in partnership
with others.

The OFL allows the licensed fonts to be used, studied, modified and
redistributed freely as long as they are not sold by themselves. The
fonts, including any derivative works, can be bundled, embedded,
redistributed and/or sold with any software provided that any reserved
names are not used by derivative works. The fonts and derivatives,
however, cannot be released under any other type of license. The
requirement for fonts to remain under this license does not apply
to any document created using the fonts or their derivatives.

DEFINITIONS
"Font Software" refers to the set of files released by the Copyright
Holder(s) under this license and clearly marked as such. This may
include source files, build scripts and documentation.

"Reserved Font Name" refers to any names specified as such after the
copyright statement(s).

"Original Version" refers to the collection of Font Software components as
distributed by the Copyright Holder(s).

"Modified Version" refers to any derivative made by adding to, deleting,
or substituting -- in part or in whole -- any of the components of the
Original Version, by changing formats or by porting the Font Software to a
new environment.

"Author" refers to any designer, engineer, programmer, technical
writer or other person who contributed to the Font Software.

PERMISSION & CONDITIONS
Permission is hereby granted, free of charge, to any person obtaining
a copy of the Font Software, to use, study, copy, merge, embed, modify,
redistribute, and sell modified and unmodified copies of the Font
Software, subject to the following conditions:

1) Neither the Font Software nor any of its individual components,
in Original or Modified Versions, may be sold by itself.

2) Original or Modified Versions of the Font Software may be bundled,
redistributed and/or sold with any software, provided that each copy
contains the above copyright notice and this license. These can be
included either as stand-alone text files, human-readable headers or
in the appropriate machine-readable metadata fields within text or
binary files as long as those fields can be easily viewed by the user.

3) No Modified Version of the Font Software may use the Reserved Font
Name(s) unless explicit written permission is granted by the corresponding
Copyright Holder. This restriction only applies to the primary font name as
presented to the users.

4) The name(s) of the Copyright Holder(s) or the Author(s) of the Font
Software shall not be used to promote, endorse or advertise any
Modified Version, except to acknowledge the contribution(s) of the
Copyright Holder(s) and the Author(s) or with their explicit written
permission.

5) The Font Software, modified or unmodified, in part or in whole,
must be distributed entirely under this license, and must not be
distributed under any other license. The requirement for fonts to
remain under this license does not apply to any document created
using the Font Software.

TERMINATION
This license becomes null and void if any of the above conditions are
not met.

DISCLAIMER
THE FONT SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND,
EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO ANY WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT
OF COPYRIGHT, PATENT, TRADEMARK, OR OTHER RIGHT. IN NO EVENT SHALL THE
COPYRIGHT HOLDER BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY,
INCLUDING ANY GENERAL, SPECIAL, INDIRECT, INCIDENTAL, OR CONSEQUENTIAL
DAMAGES, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
FROM, OUT OF THE USE OR INABILITY TO USE THE FONT SOFTWARE OR FROM
OTHER DEALINGS IN THE FONT SOFTWARE.
"""
"""The SIL Open Font License 1.1, verbatim (the text Noto and Debian distribute)."""
