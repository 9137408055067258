"""Course content ↔ gettext catalogs: extraction, update, statistics and checks.

Translators work in standard ``.po`` files under ``locales/`` with Poedit, Weblate or
Pontoon. Each translatable segment of a course — a heading, paragraph, list item,
table cell, image's alt text, title or description — is one message whose ``msgid``
is its Markdown source, so translators can move emphasis and links. Code blocks and
URLs are never offered. Every message says what it is (``#.``) and where it comes
from (``#:``), and files are written without line wrapping and in course order, so
extracting unchanged sources changes no byte.

Babel's catalog update is far too slow for paragraph-sized messages and its reader
drops the previous source (``#| msgid``) that Weblate shows as "what changed", so the
update here is our own; polib reads and writes the files.
"""

from __future__ import annotations

import gettext
import pickle
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from enum import Enum
from pathlib import Path
from typing import cast

import polib
from babel import Locale, UnknownLocaleError
from babel.plural import to_gettext
from markdown_it.token import Token

from builder.archive import write_atomically
from builder.assessment import BLOCK_OPEN, MarkdownText, Question, QuestionKind, Quiz
from builder.assets import svg_labels
from builder.buildcache import Shelf, code_fingerprint, entry_name
from builder.errors import Diagnostic, Location, Reporter, UsageError, display_path
from builder.fields import language_tag_ok as language_tag_ok
from builder.locales import UnsupportedLocaleError, get_locale
from builder.markdown import has_words, make_markdown, only_image
from builder.model import Course, Lesson

TEMPLATES_DIR = "templates"
FUZZY = "fuzzy"
SIMILARITY_FOR_FUZZY = 0.6
"""How alike an edited source must be to its old version to keep the old translation as fuzzy."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One translatable piece of a course."""

    text: str
    what: str
    """What the text is, for the translator: "heading", "table cell (row 2, column 1)"…"""
    source: str
    """Path of the source file, relative to the project root."""
    line: int


# ---------------------------------------------------------------------------- extraction


def course_segments(course: Course, project_root: Path) -> list[Segment]:
    """Every segment of ``course`` in reading order: course, then each module and lesson."""
    config = course.config
    course_file = _reference(course.root / "course.yml", project_root)
    segments = [
        Segment(text, what, course_file, _line_of(config.location(key)))
        for key, text, what in (
            ("title", config.title, "course title"),
            ("description", config.description, "course description"),
            ("audience", config.audience, "who the course is for"),
        )
        if text
    ]
    for module in course.modules:
        module_file = _reference(course.root / module.relpath / "module.yml", project_root)
        for text, what in (
            (module.title, "module title"),
            (module.description, "module description"),
            (module.discussion, "discussion prompt"),
        ):
            if text:
                segments.append(Segment(text, what, module_file, 1))
        segments.extend(
            Segment(link.title, "further-reading link title", module_file, 1)
            for link in module.links
        )
        for lesson in module.lessons:
            segments.extend(lesson_segments(lesson, project_root))
            for quiz in course.quizzes_of(lesson):
                segments.extend(quiz_segments(quiz, project_root))
    return segments


def quiz_segments(quiz: Quiz, project_root: Path) -> list[Segment]:
    """Every text of a quiz a learner reads, each saying which question it belongs to."""
    segments: list[Segment] = []

    def add(text: MarkdownText | None, what: str) -> None:
        if text is not None and has_words(text.source):
            source = _reference(text.location.path, project_root)
            segments.append(Segment(text.source, what, source, text.location.line or 1))

    if quiz.title:
        path = _reference(quiz.location.path, project_root)
        segments.append(
            Segment(quiz.title, f"title of quiz '{quiz.id}'", path, quiz.location.line or 1)
        )
    add(quiz.intro, f"introduction of quiz '{quiz.id}'")
    for question in quiz.questions:
        of = f"of question '{question.id}'"
        add(question.prompt, f"question '{question.id}'")
        for choice in question.choices:
            if question.kind is not QuestionKind.TRUE_FALSE:  # "True"/"False" come from the theme
                add(choice.text, f"choice {choice.id} {of}")
            add(choice.feedback, f"feedback on choice {choice.id} {of}")
        for pair in question.pairs:
            add(pair.left, f"matching item {pair.id} {of}")
        for target in question.targets:
            add(target.text, f"matching answer {target.id} {of}")
        for item in question.items:
            add(item.text, f"ordering item {item.id} {of}")
        if question.kind is QuestionKind.SHORT and any(map(has_words, question.answers)):
            segments.append(
                Segment(
                    ANSWER_SEPARATOR.join(question.answers),
                    f"accepted answers {of}, one per line: keep them, and add on lines of "
                    "their own the answers a learner would type in your language",
                    _reference(question.prompt.location.path, project_root),
                    question.prompt.location.line or 1,
                )
            )
        for number, hint in enumerate(question.hints, start=1):
            add(hint, f"hint {number} {of}")
        add(question.correct_feedback, f"feedback when right, {of}")
        add(question.incorrect_feedback, f"feedback when wrong, {of}")
        add(question.explanation, f"explanation {of}")
    return segments


def _line_of(location: Location | None) -> int:
    return location.line or 1 if location is not None else 1


def lesson_segments(lesson: Lesson, project_root: Path) -> list[Segment]:
    source = _reference(lesson.path, project_root)
    segments = [Segment(lesson.title, "lesson title", source, 1)]
    segments.extend(
        Segment(objective, f"learning objective {number}", source, 1)
        for number, objective in enumerate(lesson.objectives, start=1)
    )
    tokens = make_markdown().parse(lesson.body)
    for text, what, line in _body_segments(tokens):
        segments.append(Segment(text, what, source, lesson.body_line + line))
    for diagram in _diagrams(tokens, lesson):
        reference = _reference(diagram, project_root)
        segments.extend(
            Segment(text, f"label in the diagram {diagram.name}", reference, line)
            for text, line in svg_labels(diagram.read_bytes())
        )
    return segments


def _diagrams(tokens: Sequence[Token], lesson: Lesson) -> list[Path]:
    """The SVG files the lesson shows, in order, each once."""
    found: dict[Path, None] = {}
    for token in tokens:
        for child in token.children or []:
            source = str(child.attrGet("src") or "") if child.type == "image" else ""
            if source.lower().endswith(".svg") and "://" not in source:
                path = (lesson.path.parent / source).resolve()
                if path.is_file():
                    found.setdefault(path, None)
    return list(found)


def _body_segments(tokens: Sequence[Token]) -> Iterable[tuple[str, str, int]]:
    """(text, what, 0-based line) for every translatable inline of a lesson body."""
    context: list[str] = []
    line = 0
    row = column = 0
    for token in tokens:
        if token.map is not None:
            line = token.map[0]
        if token.nesting == 1:
            context.append(token.type)
            if token.type == "tr_open":
                row, column = row + 1, 0
            elif token.type in ("th_open", "td_open"):
                column += 1
            elif token.type == "table_open":
                row = 0
            continue
        if token.nesting == -1:
            if context:
                context.pop()
            continue
        if token.type != "inline" or not has_words(token.content):
            continue
        if "alert_title_open" in context:
            continue  # "Note", "Tip"…: the theme's words, translated in its own catalog
        if BLOCK_OPEN in context:
            continue  # quiz text is offered piece by piece from the quiz model (quiz_segments)
        if all(
            child.type in _UNTRANSLATED_INLINES or not child.content.strip()
            for child in token.children or []
        ):
            continue  # code or formulas alone are never translated
        image = only_image(token)
        if image is not None:
            if image.content:
                yield image.content, "image alt text", line
            continue
        yield token.content, _describe(context, row, column), line


_UNTRANSLATED_INLINES = ("code_inline", "math_inline", "math_inline_double")
"""Inline code and formulas: kept as the source writes them, in every language."""


def _describe(context: list[str], row: int, column: int) -> str:
    innermost = context[-1] if context else ""
    if innermost == "heading_open":
        return "heading"
    if innermost in ("th_open", "td_open"):
        return (
            f"table {'header' if innermost == 'th_open' else 'cell'} (row {row}, column {column})"
        )
    if innermost == "admonition_title_open":
        return "callout title"
    if "footnote_open" in context:
        return "footnote"
    if "list_item_open" in context:
        return "list item"
    if "alert_open" in context or "admonition_open" in context:
        return "callout"
    if "blockquote_open" in context:
        return "quotation"
    return "paragraph"


def _reference(path: Path, project_root: Path) -> str:
    try:
        return path.resolve().relative_to(project_root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


# ---------------------------------------------------------------------------- catalogs


def template_catalog(
    domain: str, segments: Iterable[Segment], source_language: str
) -> polib.POFile:
    """A ``.pot`` of the segments; repeated texts become one message with every reference."""
    template = _new_catalog(domain, language=None, source_language=source_language)
    entries: dict[str, polib.POEntry] = {}
    for segment in segments:
        entry = entries.get(segment.text)
        if entry is None:
            entry = polib.POEntry(
                msgid=segment.text, msgstr="", comment=segment.what, occurrences=[]
            )
            entries[segment.text] = entry
            template.append(entry)
        reference = (segment.source, str(segment.line))
        if reference not in entry.occurrences:
            entry.occurrences.append(reference)
    return template


def new_catalog(template: polib.POFile, language: str) -> polib.POFile:
    """A translation catalog for ``language`` with every message untranslated."""
    catalog = _new_catalog(_domain(template), language=language, source_language=None)
    plurals = _plural_count(catalog)
    for entry in template:
        catalog.append(_copy_entry(entry, plurals=plurals))
    return catalog


@dataclass
class UpdateResult:
    kept: int = 0
    fuzzy: int = 0
    new: int = 0
    obsolete: int = 0


def update_catalog(
    catalog: polib.POFile, template: polib.POFile
) -> tuple[polib.POFile, UpdateResult]:
    """Merge a new template into a translation catalog.

    Unchanged messages keep their translation; an edited message gets the
    translation of the most similar vanished message, marked fuzzy, with the old
    source kept as ``#| msgid`` so the translator sees what changed; messages that
    vanished become obsolete (``#~``) so no translation is lost.
    """
    result = UpdateResult()
    language = catalog.metadata.get("Language", "")
    updated = _new_catalog(_domain(template), language=language, source_language=None)
    updated.metadata = dict(catalog.metadata)
    updated.header = catalog.header  # translators' notes stay
    plurals = _plural_count(catalog)
    # A message is its text in its context: "Next" for a lesson is not "Next" for a page.
    old = {(entry.msgctxt, entry.msgid): entry for entry in catalog if not entry.obsolete}
    obsolete_before = [entry for entry in catalog if entry.obsolete]
    new_ids = {(entry.msgctxt, entry.msgid) for entry in template}
    vanished = [entry for key, entry in old.items() if key not in new_ids and _is_translated(entry)]
    matcher = _SimilarityIndex(vanished)
    for entry in template:
        previous = old.get((entry.msgctxt, entry.msgid))
        if previous is not None:
            was_fuzzy = FUZZY in previous.flags
            updated.append(
                _copy_entry(
                    entry,
                    plurals=plurals,
                    translated_by=previous,
                    tcomment=previous.tcomment,
                    fuzzy=was_fuzzy,
                    previous_msgid=previous.previous_msgid if was_fuzzy else None,
                )
            )
            result.kept += 1
            continue
        similar = matcher.best_match(entry.msgid)
        if similar is not None:
            updated.append(
                _copy_entry(
                    entry,
                    plurals=plurals,
                    translated_by=similar,
                    tcomment=similar.tcomment,
                    fuzzy=True,
                    previous_msgid=similar.msgid,
                )
            )
            result.fuzzy += 1
        else:
            updated.append(_copy_entry(entry, plurals=plurals))
            result.new += 1
    for entry in [*matcher.unused(), *obsolete_before]:
        gone = _copy_entry(entry, plurals=plurals, translated_by=entry, tcomment=entry.tcomment)
        gone.occurrences = []
        gone.comment = ""
        gone.obsolete = True
        updated.append(gone)
        result.obsolete += 1
    return updated, result


class _SimilarityIndex:
    """Finds, for an edited message, the vanished message it most likely was.

    Comparing every pair with SequenceMatcher is quadratic in slow comparisons, so
    candidates are first ranked by shared words (cheap set operations) and only the
    best few are measured exactly.
    """

    def __init__(self, entries: list[polib.POEntry]) -> None:
        self._entries = entries
        self._sequences = [_words(entry.msgid) for entry in entries]
        self._words = [set(sequence) for sequence in self._sequences]
        self._used: set[int] = set()

    def best_match(self, text: str) -> polib.POEntry | None:
        sequence = _words(text)
        words = set(sequence)
        if not words:
            return None
        ranked = sorted(
            (
                (len(words & other) / len(words | other), index)
                for index, other in enumerate(self._words)
                if index not in self._used and other
            ),
            reverse=True,
        )[:3]
        best: tuple[float, int] | None = None
        for overlap, index in ranked:
            if overlap < SIMILARITY_FOR_FUZZY / 2:
                break
            # Word sequences, not characters: as telling for prose and far cheaper.
            ratio = SequenceMatcher(None, sequence, self._sequences[index], autojunk=False).ratio()
            if ratio >= SIMILARITY_FOR_FUZZY and (best is None or ratio > best[0]):
                best = (ratio, index)
        if best is None:
            return None
        self._used.add(best[1])
        return self._entries[best[1]]

    def unused(self) -> list[polib.POEntry]:
        return [entry for index, entry in enumerate(self._entries) if index not in self._used]


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _copy_entry(
    entry: polib.POEntry,
    *,
    plurals: int,
    translated_by: polib.POEntry | None = None,
    tcomment: str = "",
    fuzzy: bool = False,
    previous_msgid: str | None = None,
) -> polib.POEntry:
    """``entry`` (from the template) carrying the translation of ``translated_by``.

    Plural messages keep every form, and the template's flags (``python-format``)
    stay, so msgfmt keeps checking the placeholders.
    """
    flags = [flag for flag in entry.flags if flag != FUZZY] + ([FUZZY] if fuzzy else [])
    copy = polib.POEntry(
        msgid=entry.msgid,
        msgctxt=entry.msgctxt,
        comment=entry.comment,
        tcomment=tcomment,
        occurrences=list(entry.occurrences),
        flags=flags,
    )
    if entry.msgid_plural:
        copy.msgid_plural = entry.msgid_plural
        forms = dict(translated_by.msgstr_plural) if translated_by is not None else {}
        copy.msgstr_plural = {index: forms.get(index, "") for index in range(plurals)}
    else:
        copy.msgstr = translated_by.msgstr if translated_by is not None else ""
    if previous_msgid is not None:
        copy.previous_msgid = previous_msgid
    return copy


def _plural_count(catalog: polib.POFile) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", str(catalog.metadata.get("Plural-Forms", "")))
    return int(match.group(1)) if match else 2


def _is_translated(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def _new_catalog(domain: str, *, language: str | None, source_language: str | None) -> polib.POFile:
    catalog = polib.POFile(wrapwidth=0)
    catalog.header = f"Translations of {domain}."
    metadata = {"Project-Id-Version": domain}
    if language is not None:
        metadata["Language"] = language
    metadata.update(
        {
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
        }
    )
    if language:
        metadata["Plural-Forms"] = plural_forms(language)
    if source_language is not None:
        metadata["X-Source-Language"] = source_language
    catalog.metadata = metadata
    return catalog


def _domain(catalog: polib.POFile) -> str:
    return str(catalog.metadata.get("Project-Id-Version", "messages"))


def plural_forms(language: str) -> str:
    """The gettext ``Plural-Forms`` line from CLDR's rules for ``language``."""
    try:
        return get_locale(language).plural_forms
    except UnsupportedLocaleError:
        pass  # a language outside Sabaq's registry: CLDR's rule as Babel knows it
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return "nplurals=2; plural=(n != 1);"
    return str(to_gettext(locale.plural_form)).strip()


def render_catalog(catalog: polib.POFile) -> str:
    return str(catalog).rstrip("\n") + "\n"


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` unless the file already holds it; never leaves a half-written file."""
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    write_atomically(path, lambda stream: stream.write(data))
    return True


# ---------------------------------------------------------------------------- statistics


@dataclass(frozen=True, slots=True)
class CatalogStats:
    translated: int
    fuzzy: int
    untranslated: int

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.untranslated

    @property
    def completeness(self) -> float:
        return self.translated / self.total if self.total else 1.0


def catalog_stats(catalog: polib.POFile) -> CatalogStats:
    live = [entry for entry in catalog if not entry.obsolete]
    fuzzy = sum(1 for entry in live if FUZZY in entry.flags)
    translated = sum(1 for entry in live if _is_translated(entry) and FUZZY not in entry.flags)
    return CatalogStats(translated, fuzzy, len(live) - translated - fuzzy)


def translations(catalog: polib.POFile) -> dict[str, str]:
    """Source → translation for the messages a build may use (translated, not fuzzy)."""
    return {
        entry.msgid: entry.msgstr
        for entry in catalog
        if not entry.obsolete and entry.msgstr and FUZZY not in entry.flags
    }


# ---------------------------------------------------------------------------- checks
# What a translator writes is untrusted: every command that reads translators'
# catalogs (build, preview, i18n check, update, stats) reads them through
# check_catalog, so a slip is a located error, never a traceback, a broken page or
# markup in a package.


class Msgfmt(Enum):
    """Whether ``check_catalog`` also runs GNU ``msgfmt --check``."""

    REQUIRED = "required"
    """``sabaq i18n check``, for CI: a missing msgfmt is an error (``setup.sh --test``
    installs it)."""
    WHEN_INSTALLED = "when installed"
    """``sabaq build`` and ``preview``: a machine set up with plain ``setup.sh`` has no
    gettext, and Sabaq's own checks already keep everything a build uses safe."""
    NEVER = "never"
    """``i18n update`` and ``stats``, which change or count catalogs rather than judge them."""


@dataclass(frozen=True, slots=True)
class Markup:
    """What a translation must keep from its source: links, images, code and emphasis."""

    links: Counter[str] = field(default_factory=Counter)
    images: Counter[str] = field(default_factory=Counter)
    code: Counter[str] = field(default_factory=Counter)
    math: Counter[str] = field(default_factory=Counter)
    emphasis: Counter[str] = field(default_factory=Counter)
    footnotes: Counter[str] = field(default_factory=Counter)


def markup_of(text: str) -> Markup:
    markup = Markup()
    for token in make_markdown().parseInline(text, {})[0].children or []:
        if token.type == "link_open":
            markup.links[str(token.attrs.get("href", ""))] += 1
        elif token.type == "image":
            markup.images[str(token.attrs.get("src", ""))] += 1
        elif token.type == "code_inline":
            markup.code[token.content] += 1
        elif token.type in ("math_inline", "math_inline_double"):
            markup.math[token.content] += 1
        elif token.type in ("strong_open", "em_open", "s_open"):
            markup.emphasis[token.type.removesuffix("_open")] += 1
        elif token.type == "footnote_ref":
            markup.footnotes[str(token.meta.get("label", ""))] += 1
    return markup


_RAW_HTML = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?>")


def check_catalog(
    path: Path, reporter: Reporter, msgfmt: Msgfmt = Msgfmt.REQUIRED
) -> polib.POFile | None:
    """The catalog at ``path`` once every check passes; None after located errors.

    Translations must keep the markup and placeholders of their source and add no
    HTML; theme strings must be valid format strings (the theme fills them in with
    ``%``); the header must be usable. GNU msgfmt runs once these pass, so a problem
    is never reported twice. Fuzzy entries are not checked: no build uses them, and a
    source edit that makes one differ from its old translation must not stop a build.
    """
    found = Reporter()
    read = _read(path, found)
    if read is not None:
        catalog, lines = read
        _check_entries(path, catalog, lines, found)
        if not found.errors and msgfmt is not Msgfmt.NEVER:
            _run_msgfmt(path, found, required=msgfmt is Msgfmt.REQUIRED)
    # A theme catalog serves every course of a build: say its problems once.
    reporter.diagnostics.extend(d for d in found.diagnostics if d not in reporter.diagnostics)
    return read[0] if read is not None and not found.errors else None


def check_catalog_once(
    path: Path, reporter: Reporter, msgfmt: Msgfmt = Msgfmt.WHEN_INSTALLED
) -> polib.POFile | None:
    """:func:`check_catalog`, whose result for a catalog that passes is kept.

    Checking a course's catalog parses every translation's markup, a quarter of a
    second for the largest, on every build and on every save in the preview; a
    catalog whose bytes, Sabaq and msgfmt are as when it passed is not checked again,
    and what the check said is said again. Failing checks are never kept.
    """
    try:
        before = path.read_bytes()
    except OSError:
        return check_catalog(path, reporter, msgfmt)
    shelf = Shelf("catalogs", entry_name(str(path))[:24])
    name = entry_name(code_fingerprint(), str(path), msgfmt.value, _msgfmt_identity(), before)
    kept = shelf.recall(name, _unpickled_check)
    if kept is None:
        found = Reporter()
        kept = check_catalog(path, found, msgfmt), tuple(found.diagnostics)
        if kept[0] is not None and _reads(path) == before:  # not changed meanwhile
            shelf.keep(name, pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL), kept)
    shelf.store()
    catalog, diagnostics = kept
    reporter.diagnostics.extend(d for d in diagnostics if d not in reporter.diagnostics)
    return catalog


_KeptCheck = tuple[polib.POFile | None, tuple[Diagnostic, ...]]


def _unpickled_check(data: bytes) -> _KeptCheck | None:
    try:
        found = pickle.loads(data)  # Sabaq's own cache, trusted as its compiled code is
    except Exception:  # a damaged entry of any kind is only a catalog to check again
        return None
    if isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], polib.POFile):
        return cast(_KeptCheck, found)
    return None


def _msgfmt_identity() -> str:
    """Which msgfmt a check ran, if any: installing or upgrading gettext checks again."""
    found = shutil.which("msgfmt")
    if found is None:
        return "-"
    try:
        stat = Path(found).stat()
    except OSError:
        return found
    return f"{found} {stat.st_size} {stat.st_mtime_ns}"


def _reads(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _check_entries(path: Path, catalog: polib.POFile, lines: list[str], reporter: Reporter) -> None:
    theme = path.stem == UI_DOMAIN
    nplurals = _plural_count(catalog)
    seen: dict[tuple[str | None, str], int] = {}
    for entry in catalog:
        if entry.obsolete:
            continue
        where = Location(path, _msgid_line(lines, entry.linenum or 1))
        key = (entry.msgctxt, entry.msgid)
        if key in seen:
            reporter.error(
                f"this message is defined twice (first at line {seen[key]})",
                where,
                "keep one of the two entries; gettext refuses a catalog with both",
            )
            continue
        seen[key] = where.line or 1
        if FUZZY in entry.flags or not _has_translation(entry):
            continue
        if entry.msgid_plural:
            _check_plural_entry(where, entry, nplurals, theme, reporter)
        elif entry.msgstr_plural:
            reporter.error(
                "the translation has plural forms (msgstr[0]…) but the source has no msgid_plural",
                where,
                'translate it with a single msgstr "…" line',
            )
        else:
            _check_entry(where, entry, theme, reporter)


def _has_translation(entry: polib.POEntry) -> bool:
    return bool(entry.msgstr) or any(entry.msgstr_plural.values())


def _msgid_line(lines: list[str], entry_start: int) -> int:
    """The line of an entry's ``msgid``; polib gives the line its comments start on."""
    for number in range(max(entry_start, 1), len(lines) + 1):
        if lines[number - 1].startswith("msgid "):
            return number
    return entry_start


_KEEP_PLACEHOLDERS = (
    "keep every {name} and %(name)s exactly as in the source; the program fills them in"
)


def _check_entry(where: Location, entry: polib.POEntry, theme: bool, reporter: Reporter) -> None:
    _check_html(where, entry.msgid, entry.msgstr, theme, reporter)
    if _placeholders(entry.msgid) != _placeholders(entry.msgstr):
        reporter.error(
            f"the translation's placeholders differ from the source: "
            f"{_describe_counter(_placeholders(entry.msgid))} → {_describe_counter(_placeholders(entry.msgstr))}",
            where,
            _KEEP_PLACEHOLDERS,
        )
    if _is_format(entry, theme):
        _check_format(where, entry.msgstr, reporter)
    source, translated = markup_of(entry.msgid), markup_of(entry.msgstr)
    for kind, hint in (
        ("links", "keep every link target exactly as in the source; translate only the link text"),
        ("images", "keep every image path exactly as in the source"),
        ("code", "code spans (`...`) must stay exactly as in the source"),
        ("math", "formulas ($...$) must stay exactly as in the source"),
        ("emphasis", "keep the same bold/italic/strikethrough marks as the source"),
        ("footnotes", "keep the same footnote references ([^1]) as the source"),
    ):
        if getattr(source, kind) != getattr(translated, kind):
            reporter.error(
                f"the translation's {kind} differ from the source: "
                f"{_describe_counter(getattr(source, kind))} → {_describe_counter(getattr(translated, kind))}",
                where,
                hint,
            )


def _check_plural_entry(
    where: Location, entry: polib.POEntry, nplurals: int, theme: bool, reporter: Reporter
) -> None:
    """A plural form may leave out the number (Urdu's "one question"), but may add nothing."""
    forms = dict(sorted(entry.msgstr_plural.items()))
    if len(forms) != nplurals:
        reporter.error(
            f"the translation has {len(forms)} plural form(s), but the catalog's Plural-Forms "
            f"header says nplurals={nplurals}",
            where,
            f"give exactly {nplurals} form(s), msgstr[0] to msgstr[{nplurals - 1}]",
        )
    sources = f"{entry.msgid}\n{entry.msgid_plural}"
    known = set(_placeholders(sources))
    for index, text in forms.items():
        _check_html(where, sources, text, theme, reporter)
        unknown = set(_placeholders(text)) - known
        if unknown:
            reporter.error(
                f"msgstr[{index}] has placeholders the source does not have: "
                f"{_describe_counter(Counter(unknown))}",
                where,
                _KEEP_PLACEHOLDERS,
            )
        if _is_format(entry, theme):
            _check_format(where, text, reporter)


def _is_format(entry: polib.POEntry, theme: bool) -> bool:
    """Whether the program fills the message in with ``%``: every theme string is (Jinja's
    newstyle gettext formats them all), and anything msgfmt would check as Python's."""
    return theme or "python-format" in entry.flags


def _check_html(
    where: Location, source: str, translation: str, theme: bool, reporter: Reporter
) -> None:
    if set(_RAW_HTML.findall(translation)) - set(_RAW_HTML.findall(source)):
        reporter.error(
            "the translation contains HTML, which is shown as plain text, never as markup",
            where,
            "the theme's words are plain text: remove the tags"
            if theme
            else "use Markdown (**bold**, [link](url)) as in the source",
        )


_PLACEHOLDER = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|\{[A-Za-z_][A-Za-z0-9_]*\}"
)
_CONVERSION = re.compile(
    r"%(?:\((?P<name>[^()]*)\))?(?P<spec>[#0 +-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?)(?P<type>[diouxXeEfFgGcrsa%])"
)


def _placeholders(text: str) -> Counter[str]:
    return Counter(_PLACEHOLDER.findall(text))


def _check_format(where: Location, text: str, reporter: Reporter) -> None:
    """``text`` must be a format string the theme can fill in with named values.

    The theme formats every one of its strings (Jinja's newstyle gettext), so a lone
    ``%`` in a translation would stop the build; ``%%`` is how a percent sign is written.
    """
    index = text.find("%")
    while index != -1:
        match = _CONVERSION.match(text, index)
        if match is None or (match["type"] == "%" and match.group(0) != "%%"):
            reporter.error(
                f"the translation has a '%' that starts no placeholder: {_around(text, index)!r}",
                where,
                "write %% for a percent sign; keep every %(name)s exactly as in the source",
            )
            return
        if match["type"] != "%" and (match["name"] is None or "*" in match["spec"]):
            reporter.error(
                f"the translation has a placeholder without a name: {match.group(0)!r}",
                where,
                _KEEP_PLACEHOLDERS,
            )
            return
        index = text.find("%", match.end())


def _around(text: str, index: int, width: int = 16) -> str:
    """The part of ``text`` around ``index``, as a translator would search for it."""
    start, end = max(index - width, 0), index + width
    return f"{'…' if start else ''}{text[start:end]}{'…' if end < len(text) else ''}"


def _describe_counter(counter: Counter[str]) -> str:
    if not counter:
        return "none"
    return ", ".join(
        f"{name!r}" + (f" ×{count}" if count > 1 else "") for name, count in sorted(counter.items())
    )


def _run_msgfmt(path: Path, reporter: Reporter, *, required: bool) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        if required:
            reporter.error(
                "GNU msgfmt is not installed, so the catalog's syntax cannot be checked",
                Location(path),
                "install Debian's gettext package (bash scripts/setup.sh --test does)",
            )
        return
    completed = subprocess.run(
        [msgfmt, "--check", "--output-file=/dev/null", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode == 0:
        return
    located = 0
    for line in completed.stderr.splitlines():
        match = re.match(r"^(?P<file>.+?):(?P<line>\d+): (?P<message>.+)$", line)
        # Warnings (header fields Sabaq's catalogs do without) do not make msgfmt fail.
        if match and not match["message"].startswith(("found ", "warning: ")):
            reporter.error(f"msgfmt: {match['message']}", Location(path, int(match["line"])))
            located += 1
    if not located:
        reporter.error(f"msgfmt rejected the catalog: {completed.stderr.strip()}", Location(path))


# ---------------------------------------------------------------------------- reading


def load_catalog(path: Path) -> polib.POFile:
    """A catalog Sabaq wrote itself (a template); translators' go through check_catalog."""
    return polib.pofile(str(path), wrapwidth=0)


_CHARSET = re.compile(r"charset\s*=\s*([^\s\"\\;]*)", re.IGNORECASE)
_PLURAL_FORMS = re.compile(r"\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*([^;]+?)\s*;?\s*")
_PO_LINE = re.compile(
    r'\s*(?:#.*|(?:msgctxt|msgid|msgid_plural|msgstr|msgstr\[\d+\])?\s*"(?:[^"\\]|\\.)*"\s*)?'
)
"""A line of a catalog: blank, a comment, or a string after an optional keyword."""
_UNCLOSED = re.compile(r'\s*(?:[a-z_]+(?:\[\d+\])?\s+)?"(?:[^"\\]|\\.)*\\?')
"""A line whose string is not closed (the most likely slip in a hand-edited catalog)."""
_POLIB_ERROR = re.compile(
    r"(?P<what>.*?) in po file .*?\(line (?P<line>\d+)\)(?::\s*(?P<detail>.+))?"
)
_FIX_IN_AN_EDITOR = (
    "fix the file in Poedit or a text editor; 'sabaq i18n check' shows every problem"
)


def _read(path: Path, reporter: Reporter) -> tuple[polib.POFile, list[str]] | None:
    """The catalog and its lines, after the checks that reading itself needs.

    polib reads a file in whatever charset its header names, but ``i18n update`` writes
    catalogs back in UTF-8 and gettext itself raises on a charset or Plural-Forms it
    cannot use, so those are refused here with the line to fix.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        reporter.error(f"cannot read the catalog: {error.strerror or error}", Location(path))
        return None
    charset, charset_line = _header_charset(data)
    if charset is not None and charset.replace("-", "").replace("_", "").lower() != "utf8":
        shown = display_path(path)
        reporter.error(
            f"the catalog's charset is {charset or 'empty'}; Sabaq reads and writes catalogs in UTF-8 only",
            Location(path, charset_line),
            f"convert it: msgconv --to-code=UTF-8 -o {shown} {shown} (GNU gettext), "
            "or save it as UTF-8 in Poedit",
        )
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        reporter.error(
            f"the catalog is not valid UTF-8 (byte 0x{data[error.start]:02x})",
            Location(path, data[: error.start].count(b"\n") + 1),
            "save the file as UTF-8, as its header says",
        )
        return None
    lines = text.splitlines()
    # polib reads an unclosed string on, taking the next keyword into the text; gettext
    # (and msgfmt) refuse it, so a line that is no gettext is refused here too.
    for number, line in enumerate(lines, start=1):
        if not _PO_LINE.fullmatch(line.removeprefix("\ufeff") if number == 1 else line):
            unclosed = _UNCLOSED.fullmatch(line)
            reporter.error(
                f"cannot read the catalog: {'a string is not closed' if unclosed else 'syntax error'}",
                Location(path, number),
                'close the string with a " at the end of the line'
                if unclosed
                else _FIX_IN_AN_EDITOR,
            )
            return None
    try:
        catalog = polib.pofile(str(path), wrapwidth=0, encoding="utf-8")
    except (OSError, ValueError) as error:
        # polib says "Syntax error in po file X (line 12): unescaped double quote found".
        match = _POLIB_ERROR.match(str(error))
        what = str(error) if match is None else match["what"].lower()
        if match is not None and match["detail"]:
            what += f": {match['detail']}"
        reporter.error(
            f"cannot read the catalog: {what}",
            Location(path, int(match["line"]) if match else None),
            _FIX_IN_AN_EDITOR,
        )
        return None
    if not _check_charset_header(path, catalog, lines, reporter):
        return None
    if not _check_plural_forms(path, catalog, lines, reporter):
        return None
    return catalog, lines


def _header_charset(data: bytes) -> tuple[str | None, int | None]:
    """The charset the header names and its line; the header ends at the second msgid."""
    msgids = 0
    for number, raw in enumerate(data.split(b"\n"), start=1):
        line = raw.decode("latin-1")
        if line.startswith("msgid "):
            msgids += 1
            if msgids > 1:
                break
        elif "Content-Type:" in line:
            match = _CHARSET.search(line)
            if match:
                return match.group(1), number
    return None, None


def _header_line(lines: list[str], name: str) -> int | None:
    """The line of header field ``name``, or of the header itself when the field is missing."""
    for number, text in enumerate(lines, start=1):
        if text.startswith(f'"{name}:'):
            return number
    return next((n for n, text in enumerate(lines, start=1) if text == 'msgid ""'), None)


def _check_charset_header(
    path: Path, catalog: polib.POFile, lines: list[str], reporter: Reporter
) -> bool:
    """gettext decodes translations with the charset the header names, and fails without one."""
    content_type = str(catalog.metadata.get("Content-Type", ""))
    _, named, charset = content_type.partition("charset=")
    if named and charset.strip().replace("-", "").lower() == "utf8":
        return True
    reporter.error(
        f"the header does not say the catalog is UTF-8: "
        f"{f'Content-Type is {content_type!r}' if content_type else 'it has no Content-Type line'}",
        Location(path, _header_line(lines, "Content-Type")),
        r'the header needs the line "Content-Type: text/plain; charset=UTF-8\n"',
    )
    return False


def _check_plural_forms(
    path: Path, catalog: polib.POFile, lines: list[str], reporter: Reporter
) -> bool:
    value = catalog.metadata.get("Plural-Forms")
    if value is None:
        return True  # gettext's default, English's rule
    problem = _plural_forms_problem(str(value))
    if problem is None:
        return True
    line = _header_line(lines, "Plural-Forms")
    language = str(catalog.metadata.get("Language") or path.parent.parent.name)
    reporter.error(
        f"the Plural-Forms header is not usable: {problem}",
        Location(path, line),
        f"write the rule for '{language}' as: Plural-Forms: {plural_forms(language)}",
    )
    return False


def _plural_forms_problem(value: str) -> str | None:
    match = _PLURAL_FORMS.fullmatch(value)
    if match is None:
        return f"{value.strip()!r} is not of the form 'nplurals=N; plural=EXPRESSION;'"
    count = int(match[1])
    if not 1 <= count <= 6:
        return f"nplurals must be from 1 to 6, not {count}"
    try:
        rule = gettext.c2py(match[2])
    except (ValueError, RecursionError, SyntaxError) as error:
        return f"the plural expression {match[2]!r} cannot be read ({error})"
    for n in range(1000):
        try:
            form = rule(n)
        except ArithmeticError:
            return f"the plural expression {match[2]!r} fails for n = {n}"
        if not 0 <= form < count:
            return f"the plural expression {match[2]!r} gives {form} for n = {n}, but nplurals is {count}"
    return None


# ---------------------------------------------------------------------------- the locales folder


def template_path(locales_dir: Path, domain: str) -> Path:
    return locales_dir / TEMPLATES_DIR / f"{domain}.pot"


def catalog_path(locales_dir: Path, language: str, domain: str) -> Path:
    return locales_dir / language / "LC_MESSAGES" / f"{domain}.po"


def require_language_tags(tags: Iterable[str]) -> None:
    """Refuse a language that is not a tag: it names folders and files (``../x`` would escape)."""
    for tag in tags:
        if not language_tag_ok(tag):
            raise UsageError(f"{tag!r} is not a language tag such as en, ur or pa-Arab")


def catalog_languages(locales_dir: Path) -> list[str]:
    """Languages that have a folder of catalogs under ``locales_dir``."""
    if not locales_dir.is_dir():
        return []
    return sorted(
        child.name
        for child in locales_dir.iterdir()
        if child.is_dir() and child.name != TEMPLATES_DIR and (child / "LC_MESSAGES").is_dir()
    )


def extract(course: Course, locales_dir: Path) -> tuple[Path, bool]:
    """Write the course's template; returns its path and whether it changed."""
    project_root = locales_dir.resolve().parent
    template = template_catalog(
        course.config.id, course_segments(course, project_root), course.config.language
    )
    path = template_path(locales_dir, course.config.id)
    return path, write_if_changed(path, render_catalog(template))


# ---------------------------------------------------------------------------- workflow
# What the `sabaq i18n` commands do, as library calls (the CLI only prints).

UI_DOMAIN = "sabaq"


def ui_template() -> polib.POFile:
    """The theme's strings as a template, with translator comments and contexts."""
    from builder.theme import ui_messages

    template = _new_catalog(UI_DOMAIN, language=None, source_language="en")
    entries: dict[tuple[str | None, str], polib.POEntry] = {}
    for name, line, message, comments, context in ui_messages():
        if isinstance(message, tuple):
            singular, plural = message[0], message[1]
        else:
            singular, plural = message, None
        key = (context, singular)
        entry = entries.get(key)
        if entry is None:
            entry = polib.POEntry(msgid=singular, msgstr="", msgctxt=context, occurrences=[])
            if plural is not None:
                entry.msgid_plural = plural
                entry.msgstr_plural = {0: "", 1: ""}
            if "%(" in singular:
                entry.flags.append("python-format")
            entry.comment = "\n".join(c.removeprefix("Translators:").strip() for c in comments)
            entries[key] = entry
            template.append(entry)
        entry.occurrences.append((f"builder/themes/default/templates/{name}", str(line)))
    return template


@dataclass(frozen=True, slots=True)
class CatalogReport:
    path: Path
    domain: str
    language: str
    stats: CatalogStats
    update: UpdateResult | None = None


def extract_all(courses: Sequence[Course], locales_dir: Path) -> list[tuple[Path, bool]]:
    """Write every course's template and the theme's; (path, changed) for each."""
    written = [extract(course, locales_dir) for course in courses]
    ui_path = template_path(locales_dir, UI_DOMAIN)
    written.append((ui_path, write_if_changed(ui_path, render_catalog(ui_template()))))
    return written


def init_language(
    courses: Sequence[Course], locales_dir: Path, language: str, reporter: Reporter
) -> list[Path]:
    """Start catalogs for ``language``; existing catalogs are left alone (use update)."""
    require_language_tags([language])
    extract_all(courses, locales_dir)
    created = []
    for domain in [*(course.config.id for course in courses), UI_DOMAIN]:
        path = catalog_path(locales_dir, language, domain)
        if path.exists():
            reporter.warning(
                f"{path.as_posix()} already exists and was left as it is",
                hint="run 'sabaq i18n update' to merge new source text into it",
            )
            continue
        template = load_catalog(template_path(locales_dir, domain))
        write_if_changed(path, render_catalog(new_catalog(template, language)))
        created.append(path)
    return created


def update_all(
    courses: Sequence[Course],
    locales_dir: Path,
    reporter: Reporter,
    languages: Sequence[str] = (),
) -> list[CatalogReport]:
    """Re-extract, then merge each template into every language's existing catalog.

    Every catalog is checked first; if any has an error, every error is reported and
    nothing is written, not even the templates.
    """
    require_language_tags(languages)
    domains = [*(course.config.id for course in courses), UI_DOMAIN]
    found = Reporter()
    catalogs = [
        (language, domain, path, check_catalog(path, found, Msgfmt.NEVER))
        for language in languages or catalog_languages(locales_dir)
        for domain in domains
        if (path := catalog_path(locales_dir, language, domain)).is_file()
    ]
    reporter.diagnostics += found.diagnostics
    if found.errors:
        return []
    extract_all(courses, locales_dir)
    reports = []
    for language, domain, path, catalog in catalogs:
        assert catalog is not None  # no errors, so every catalog was read
        updated, result = update_catalog(catalog, load_catalog(template_path(locales_dir, domain)))
        write_if_changed(path, render_catalog(updated))
        reports.append(CatalogReport(path, domain, language, catalog_stats(updated), result))
    return reports


def stats_all(
    locales_dir: Path, reporter: Reporter, languages: Sequence[str] = ()
) -> list[CatalogReport]:
    """How far each catalog is translated; a catalog with an error is reported instead."""
    require_language_tags(languages)
    reports = []
    for language in languages or catalog_languages(locales_dir):
        folder = locales_dir / language / "LC_MESSAGES"
        for path in sorted(folder.glob("*.po")):
            catalog = check_catalog(path, reporter, Msgfmt.NEVER)
            if catalog is not None:
                reports.append(CatalogReport(path, path.stem, language, catalog_stats(catalog)))
    return reports


def check_all(locales_dir: Path, reporter: Reporter, languages: Sequence[str] = ()) -> list[Path]:
    """Check every catalog, GNU msgfmt included; returns the files checked."""
    require_language_tags(languages)
    checked = []
    for language in languages or catalog_languages(locales_dir):
        for path in sorted((locales_dir / language / "LC_MESSAGES").glob("*.po")):
            check_catalog(path, reporter)
            checked.append(path)
    return checked


# ---------------------------------------------------------------------------- builds


def localise_course(course: Course, messages: Mapping[str, str]) -> Course:
    """The course with its titles and descriptions translated where a translation exists.

    Lesson bodies are translated while rendering (see ``markdown.localise_tokens``).
    """

    def text(source: str) -> str:
        return messages.get(source, source) if source else source

    config = replace(
        course.config,
        title=text(course.config.title),
        description=text(course.config.description),
        audience=text(course.config.audience),
    )
    modules = tuple(
        replace(
            module,
            title=text(module.title),
            description=text(module.description),
            discussion=text(module.discussion),
            links=tuple(replace(link, title=text(link.title)) for link in module.links),
            lessons=tuple(
                replace(
                    lesson,
                    title=text(lesson.title),
                    objectives=tuple(text(objective) for objective in lesson.objectives),
                )
                for lesson in module.lessons
            ),
        )
        for module in course.modules
    )
    quizzes = tuple(localise_quiz(quiz, messages) for quiz in course.quizzes)
    written = course.quizzes if course.written_quizzes is None else course.written_quizzes
    return replace(course, config=config, modules=modules, quizzes=quizzes, written_quizzes=written)


ANSWER_SEPARATOR = "\n"
"""Between the accepted answers of a short-answer question in its catalog entry."""


def accepted_answers(question: Question, messages: Mapping[str, str]) -> tuple[str, ...]:
    """The author's accepted answers and the translator's, which a learner may type too.

    The author's stay accepted: a learner taking the course in Urdu may still answer
    "SHA-256" or "Merkle root" as the English lesson named it.
    """
    translated = messages.get(ANSWER_SEPARATOR.join(question.answers), "")
    added = (line.strip() for line in translated.split(ANSWER_SEPARATOR))
    return tuple(dict.fromkeys([*question.answers, *(line for line in added if line)]))


def localise_quiz(quiz: Quiz, messages: Mapping[str, str]) -> Quiz:
    """The quiz with every text translated where a translation exists (for exports:
    Common Cartridge QTI and the question bank read the course's quiz model)."""

    def text(markdown: MarkdownText) -> MarkdownText:
        return replace(markdown, source=messages.get(markdown.source, markdown.source))

    def maybe(markdown: MarkdownText | None) -> MarkdownText | None:
        return None if markdown is None else text(markdown)

    questions = tuple(
        replace(
            question,
            prompt=text(question.prompt),
            choices=tuple(
                replace(choice, text=text(choice.text), feedback=maybe(choice.feedback))
                for choice in question.choices
            ),
            pairs=tuple(replace(pair, left=text(pair.left)) for pair in question.pairs),
            targets=tuple(replace(target, text=text(target.text)) for target in question.targets),
            items=tuple(replace(item, text=text(item.text)) for item in question.items),
            hints=tuple(text(hint) for hint in question.hints),
            answers=accepted_answers(question, messages),
            correct_feedback=maybe(question.correct_feedback),
            incorrect_feedback=maybe(question.incorrect_feedback),
            explanation=maybe(question.explanation),
        )
        for question in quiz.questions
    )
    return replace(
        quiz,
        title=messages.get(quiz.title, quiz.title) if quiz.title else quiz.title,
        intro=maybe(quiz.intro),
        questions=questions,
    )
