"""Lesson Markdown → HTML fragment, with every link and image checked and rewritten.

One configured markdown-it-py parser serves the whole build. Raw HTML is off:
authors' text is escaped, never trusted as markup. Links between lessons are written
as paths to the ``.md`` files, as they work on GitHub and in editors; here they are
resolved, checked and rewritten to the pages' places inside the package.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache, lru_cache
from html import escape
from itertools import count
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.anchors.index import slugify
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote.index import render_footnote_ref
from mdit_py_plugins.gfm import gfm_plugin
from pygments import format as format_tokens
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import _TokenType
from pygments.util import ClassNotFound

from builder.assessment import (
    INSIDES_PLACED,
    RENDER_HOOK,
    AssessmentRef,
    MarkdownText,
    Quiz,
    assessment_plugin,
    extract_quizzes,
    placed_quizzes,
)
from builder.assets import ImageSize, image_size
from builder.errors import Location, Reporter
from builder.fields import find_bad_character
from builder.model import CONTENT_DIR, Course, Lesson

EXTERNAL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
CODE_CSS_CLASS = "highlight"
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_TASK_NUMBERS = "sabaq_tasks"
"""Key of the render ``env`` holding the counter that numbers task-list items."""
_LESSON_NOTE = "sabaq_lesson_note"
"""Meta flag of a footnote reference in a quiz text, which links to the lesson's note."""


@cache
def make_markdown() -> MarkdownIt:
    """The one Markdown parser: CommonMark + GFM, admonitions, heading anchors, Pygments."""
    md = MarkdownIt("commonmark", {"html": False, "highlight": _highlight})
    md.use(gfm_plugin)
    md.use(admon_plugin)
    md.use(anchors_plugin, min_level=2, max_level=4, slug_func=heading_id)
    md.use(assessment_plugin)
    # $…$ and $$…$$ are TeX, made MathML at build time. Prices stay text: a $ opens a
    # formula only with no space after it and no digit before it, and closes one only
    # with no space before it and no digit after it, so "$5 and $10", "$5-$10" and
    # "US$6 million" are what they say (and \$ is a dollar sign anywhere).
    md.use(
        dollarmath_plugin,
        allow_labels=False,
        allow_space=False,
        allow_digits=False,
        allow_blank_lines=False,
        double_inline=True,
    )
    md.add_render_rule("table_open", _render_table_open)
    md.add_render_rule("code_inline", _render_code_inline)
    md.add_render_rule("list_item_open", _render_list_item_open)
    md.add_render_rule("table_close", _render_table_close)
    md.add_render_rule("footnote_ref", _render_footnote_ref)
    for math in _MATH_TOKENS:
        md.add_render_rule(math, _render_math)
    return md


RESERVED_ID_PREFIX = "sabaq-"
"""Element ids of the theme and its script start with it (``sabaq-quizzes`` holds the
page's quiz data, ``sabaq-strings`` its words, ``sabaq-q-…`` each question), so no
heading may take one: the script would read the heading instead."""
_FOOTNOTE_ID = re.compile(r"fn(?:ref)?\d+")
"""The ids the footnote plugin gives notes (``fn1``) and their references (``fnref1``)."""


def heading_id(title: str) -> str:
    """The id of a heading, as GitHub makes it, but never one the page uses itself.

    >>> heading_id("Proof of work")
    'proof-of-work'
    >>> heading_id("Sabaq quizzes")
    'section-sabaq-quizzes'
    >>> heading_id("FN1")
    'section-fn1'
    >>> heading_id("???")
    'section'
    """
    slug = slugify(title)
    # "sabaq" alone too: the plugin makes a second one "sabaq-1".
    if slug == RESERVED_ID_PREFIX[:-1] or slug.startswith(RESERVED_ID_PREFIX):
        return f"section-{slug}"
    if _FOOTNOTE_ID.fullmatch(slug):
        return f"section-{slug}"
    # A heading of punctuation alone would get id="", which is no id in HTML.
    return slug or "section"


def _render_table_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # A wide table scrolls on its own on a phone instead of widening the page.
    return '<div class="table-wrap">\n' + self.renderToken(tokens, idx, options, env)


def _render_list_item_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    if not (token.meta and "checked" in token.meta):
        return self.renderToken(tokens, idx, options, env)
    # A task list's box shows whether the item is done; the item's own text names it,
    # so screen readers say "Open a terminal, checkbox, checked" rather than "checkbox".
    # The counter object is shared with the quiz texts rendered inside the page, so
    # their items cannot take an id the lesson's own items use too.
    number = next(env.setdefault(_TASK_NUMBERS, count(1)))
    item_id = f"sabaq-task-{number}"
    token.attrSet("id", item_id)
    checked = ' checked=""' if token.meta["checked"] else ""
    return (
        self.renderToken(tokens, idx, options, env)
        + f'<input class="task-list-item-checkbox" disabled="" type="checkbox"{checked} '
        f'aria-labelledby="{item_id}"> '
    )


def _render_code_inline(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # Code reads left to right inside any language; isolated so it cannot reorder its neighbours.
    return f'<code dir="ltr">{escape(tokens[idx].content)}</code>'


_MATH_TOKENS = ("math_inline", "math_inline_double", "math_block")


def _render_math(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    from builder.mathml import MathError, tex_to_mathml  # see _check_math

    token = tokens[idx]
    try:
        html = tex_to_mathml(token.content, token.type != "math_inline")
    except MathError:
        # Reported at its line by _check_tokens, which stops the build; shown as text
        # meanwhile (in the preview), never as markup.
        html = f'<code class="math-error" dir="ltr">{escape(token.content)}</code>'
    return html + "\n" if token.type == "math_block" else html


def _check_math(token: Token, location: Location, reporter: Reporter) -> None:
    # Loaded at the first formula: latex2mathml reads its own installed metadata as it
    # loads (30 ms), and most courses have no formula.
    from builder.mathml import MathError, alt_text, tex_to_mathml

    try:
        tex_to_mathml(token.content, token.type != "math_inline")
    except MathError as error:
        formula = alt_text(token.content)
        shown = formula if len(formula) <= 60 else formula[:57] + "..."
        reporter.error(f"formula '{shown}': {error.message}", location, error.hint)


def _render_table_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return self.renderToken(tokens, idx, options, env) + "</div>\n"


def _render_footnote_ref(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    if not token.meta.get(_LESSON_NOTE):
        return render_footnote_ref(self, tokens, idx, options, env)
    # No id: the note's back-links lead to the lesson's own references, and a quiz
    # text may be hidden (a hint) or shown on another page (an LMS's quiz activity).
    number = int(token.meta["id"]) + 1
    return f'<sup class="footnote-ref"><a href="#fn{number}">[{number}]</a></sup>'


@dataclass(frozen=True, slots=True)
class LessonHtml:
    html: str
    assets: frozenset[str]
    """Course-relative POSIX paths of files the lesson uses (images, downloads)."""
    quizzes: tuple[Quiz, ...] = ()
    """The quizzes shown on the page, in order."""


@dataclass
class _Resolver:
    """Checks and rewrites the references of one lesson."""

    course: Course
    lesson: Lesson
    reporter: Reporter
    assets: set[str] = field(default_factory=set)

    def located(self, line: int) -> Location:
        return Location(self.lesson.path, line)

    def rewrite_link(self, href: str, line: int) -> tuple[str, bool] | None:
        """The package-relative href for a link, and whether it leaves the package."""
        if href.startswith("#"):
            return href, False
        if _is_external(href):
            return href, True
        target = self._local_target(href, line, "link")
        if target is None:
            return None
        relpath, fragment = target
        if relpath.endswith(".md"):
            linked = self.course.lesson_by_relpath(relpath)
            if linked is None:
                self.reporter.error(
                    f"link to '{href}', which is not a lesson of this course",
                    self.located(line),
                    "link to a lesson's .md file inside a module folder",
                )
                return None
            return self._relative(linked.output_path) + fragment, False
        self.assets.add(relpath)
        return self._relative(f"{CONTENT_DIR}/{relpath}") + fragment, False

    def rewrite_image(self, src: str, alt: str, line: int) -> tuple[str, ImageSize | None] | None:
        """The image's address from the page and its size, once checked; None if refused."""
        if not alt.strip():
            self.reporter.error(
                f"image '{src}' has no alt text",
                self.located(line),
                f"describe what the image shows for readers who cannot see it: ![A hash chain of three blocks]({src})",
            )
        if _is_external(src) or src.startswith("//"):
            self.reporter.error(
                f"image '{src}' is loaded from the network",
                self.located(line),
                "packages must work offline: save the image beside the lesson and link it by a relative path",
            )
            return None
        target = self._local_target(src, line, "image")
        if target is None:
            return None
        relpath, _ = target
        self.assets.add(relpath)
        return self._relative(f"{CONTENT_DIR}/{relpath}"), _size_of(self.course.root / relpath)

    def _local_target(self, href: str, line: int, what: str) -> tuple[str, str] | None:
        """Resolve a relative reference to (course-relative path, '#fragment' or '')."""
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            self.reporter.error(
                f"{what} '{href}' uses an address Sabaq cannot package",
                self.located(line),
                "use http(s):// or mailto: for outside links, or a relative path for files in the course",
            )
            return None
        path = unquote(parts.path)
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        if (bad := find_bad_character(path)) is not None:
            # Only a %-escape such as %00 or %0A puts one there: the lesson itself has none.
            self.reporter.error(
                f"{what} '{href}' names a file holding U+{ord(path[bad[0]]):04X}, "
                "which no file in a package may",
                self.located(line),
                "remove the %-escape; name files with letters, digits, '.', '-' and '_'",
            )
            return None
        if path.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", path) or "\\" in path:
            self.reporter.error(
                f"{what} '{href}' is an absolute path",
                self.located(line),
                "write the path relative to this lesson's folder, with '/' separators",
            )
            return None
        lesson_dir = posixpath.dirname(self.lesson.relpath)
        relpath = posixpath.normpath(posixpath.join(lesson_dir, path))
        if relpath == ".." or relpath.startswith("../"):
            self.reporter.error(
                f"{what} '{href}' points outside the course folder",
                self.located(line),
                "copy the file into the course folder; packages carry only the course's own files",
            )
            return None
        file = self.course.root / relpath
        escape = _symlink_out(self.course.root, relpath)
        if escape is not None:
            link, target = escape
            self.reporter.error(
                f"{what} '{href}' leads through the symbolic link '{link}' "
                + (f"to {target}, outside the course folder" if target else "round in a loop"),
                self.located(line),
                "a package holds only the course's own files: replace the link with a copy "
                "of what it leads to, inside the course folder",
            )
            return None
        if not file.is_file():
            self.reporter.error(
                f"{what} '{href}' points to a missing "
                f"{'lesson' if relpath.endswith('.md') else 'file'} ({relpath})",
                self.located(line),
                _missing_file_hint(self.course, relpath),
            )
            return None
        return relpath, fragment

    def _relative(self, package_path: str) -> str:
        page_dir = posixpath.dirname(self.lesson.output_path)
        return posixpath.relpath(package_path, page_dir)


@dataclass(frozen=True)
class Localiser:
    """How a lesson is shown in a language other than its source."""

    messages: Mapping[str, str]
    """Source Markdown of a segment → its translation (reviewed entries only)."""
    source_lang: str
    source_dir: str
    ui: Callable[[str], str] = field(default=lambda text: text)
    """Translates the theme's own words, such as a callout's "Note"."""
    target_dir: str = "ltr"
    """Direction of the language rendered into."""

    def fallback_attributes(self) -> dict[str, str]:
        # An untranslated segment keeps its own language, so screen readers
        # pronounce it right and its direction stays correct inside RTL pages.
        return {"lang": self.source_lang, "dir": self.source_dir}


AssessmentView = Callable[[AssessmentRef, Callable[[MarkdownText, bool], Markup]], str]
"""Renders a quiz or knowledge-check question, given a renderer for the author's texts."""


def render_lesson(
    course: Course,
    lesson: Lesson,
    reporter: Reporter,
    localiser: Localiser | None = None,
    assessment_view: AssessmentView | None = None,
) -> LessonHtml:
    md = make_markdown()
    # Loading read the blocks and reported their mistakes: the page places what it read,
    # and their insides are not parsed again (a fifth of a lesson's parse). Only a
    # lesson with mistakes has blocks loading did not make quizzes of: read afresh.
    env: dict[str, object] = {_TASK_NUMBERS: count(1), INSIDES_PLACED: True}
    parsed = md.parse(lesson.body, env)
    del env[INSIDES_PLACED]  # quiz texts are parsed in this env, and placed by no one
    extracted = placed_quizzes(parsed, lesson, course.written_quizzes_of(lesson))
    if extracted is None:
        env = {_TASK_NUMBERS: count(1)}
        extracted = extract_quizzes(md.parse(lesson.body, env), lesson, Reporter())
    tokens = extracted.tokens
    if localiser is not None:
        localise_tokens(tokens, localiser, env)
    tokens = _link_notes_back(tokens)
    resolver = _Resolver(course, lesson, reporter)
    _check_tokens(tokens, lesson.body_line, resolver, reporter)

    def author_text(text: MarkdownText, inline: bool) -> Markup:
        translated = localiser.messages.get(text.source) if localiser else None
        source = text.source if translated is None else translated
        local_env = _fragment_env(env)
        parsed = md.parseInline(source, local_env) if inline else md.parse(source, local_env)
        parsed = _refer_to_lesson_notes(parsed, env)
        if localiser is not None:
            as_source = translated is None and has_words(text.source)
            _localise_fragment(parsed, localiser, as_source, inline)
        _check_tokens(parsed, text.location.line or lesson.body_line, resolver, reporter)
        if inline:
            return Markup(md.renderer.render(parsed[0].children or [], md.options, local_env))
        return Markup(md.renderer.render(parsed, md.options, local_env))

    if assessment_view is not None:
        env[RENDER_HOOK] = lambda ref: assessment_view(ref, author_text)
    html = md.renderer.render(tokens, md.options, env)
    return LessonHtml(html, frozenset(resolver.assets), extracted.quizzes)


def _link_notes_back(tokens: list[Token]) -> list[Token]:
    """Number the page's footnote references afresh; give each note one back-link per reference.

    The plugin counted the references inside quiz blocks (since taken out of the text)
    and counts a translated reference a second time, so its back-links would lead to
    ids that no element of the page has.
    """
    references: Counter[int] = Counter()
    for token in tokens:
        for child in token.children or []:
            if child.type == "footnote_ref":
                child.meta["subId"] = references[child.meta["id"]]
                references[child.meta["id"]] += 1
    linked: list[Token] = []
    for token in tokens:
        if token.type != "footnote_anchor":
            linked.append(token)
        elif token.meta["subId"] == 0:  # the first of the note's back-links stands for all
            note = token.meta["id"]
            linked.extend(
                token.copy(meta={**token.meta, "subId": sub_id})
                for sub_id in range(references[note])
            )
    return linked


def _fragment_env(env: dict[str, object]) -> dict[str, object]:
    """The env a quiz text is parsed in: the lesson's, with its footnote labels only.

    With the lesson's footnotes themselves, every text would end with the lesson's
    notes again, under the same ids. The labels let a reference to one be recognised.
    """
    local = {key: value for key, value in env.items() if key != "footnotes"}
    local["footnotes"] = {"refs": dict.fromkeys(_lesson_notes(env), -1), "list": {}}
    return local


def _lesson_notes(env: Mapping[str, object]) -> dict[str, int]:
    """``":label"`` → index of each footnote the lesson shows (the plugin's own keys)."""
    footnotes = env.get("footnotes")
    refs = footnotes.get("refs", {}) if isinstance(footnotes, dict) else {}
    return {label: index for label, index in refs.items() if index >= 0}


def _refer_to_lesson_notes(tokens: list[Token], env: Mapping[str, object]) -> list[Token]:
    """A quiz text's tokens without a footnote block, its references linked to the lesson's notes.

    The question stands in the lesson's page, whose notes are listed once at its end; a
    label the lesson does not show stays as the text the author wrote.
    """
    notes = _lesson_notes(env)
    for token in tokens:
        children = token.children or []
        for index, child in enumerate(children):
            if child.type != "footnote_ref":
                continue
            label = str(child.meta.get("label", ""))
            if f":{label}" in notes:
                child.meta = {"id": notes[f":{label}"], "label": label, _LESSON_NOTE: True}
            else:
                children[index] = _text(f"[^{label}]")
    block = [index for index, token in enumerate(tokens) if token.type == "footnote_block_open"]
    return tokens[: block[0]] if block else tokens


def _localise_fragment(
    tokens: list[Token], localiser: Localiser, as_source: bool, inline: bool
) -> None:
    """Mark a quiz text left untranslated as source text, or isolate Latin in a translation."""
    if as_source:
        _mark_as_source(tokens, localiser, inline)
    elif localiser.target_dir == "rtl":
        for token in tokens:
            if token.type == "inline" and token.children:
                token.children = isolate_latin_runs(token.children)


def _mark_as_source(tokens: list[Token], localiser: Localiser, inline: bool) -> None:
    """Give untranslated text its own language and direction, as untranslated paragraphs have.

    Its Latin is left whole: cut into isolated runs inside a right-to-left flow, an
    English sentence reads in reversed pieces.
    """
    attributes = localiser.fallback_attributes()
    if not inline:
        for token in tokens:
            if token.level == 0 and token.nesting == 1:
                for name, value in attributes.items():
                    token.attrSet(name, value)
        return
    # An inline text has no block of its own to carry the attributes.
    span = " ".join(f'{name}="{escape(value)}"' for name, value in attributes.items())
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = [_raw(f"<span {span}>"), *token.children, _raw("</span>")]


def _check_tokens(
    tokens: Sequence[Token], first_line: int, resolver: _Resolver, reporter: Reporter
) -> None:
    """Check code languages and resolve every link and image, at their lines."""
    line = first_line
    for token in tokens:
        if token.map is not None:
            line = first_line + token.map[0]
        if token.type == "fence":
            _check_code_language(token, resolver.located(line), reporter)
        if token.type == "math_block":
            _check_math(token, resolver.located(line), reporter)
        if token.children:
            _rewrite_inline(token.children, line, resolver)


def localise_tokens(tokens: list[Token], localiser: Localiser, env: dict[str, object]) -> None:
    """Replace each translatable inline with its translation, or mark it as source text.

    Translations are parsed as Markdown with raw HTML off, exactly like the source,
    so a translator can move emphasis and links but never inject markup.
    """
    md = make_markdown()
    inside_alert_title = False
    for index, token in enumerate(tokens):
        if token.type == "alert_title_open":
            inside_alert_title = True
        elif token.type == "alert_title_close":
            inside_alert_title = False
        if token.type != "inline" or not token.children:
            continue
        if inside_alert_title:
            for child in token.children:
                if child.type == "text":
                    child.content = localiser.ui(child.content)
            continue
        if not has_words(token.content):
            continue
        image = only_image(token)
        if image is not None:
            _localise_alt(image, localiser)
            continue
        translated = localiser.messages.get(token.content)
        if translated is not None:
            token.children = md.parseInline(translated, env)[0].children or []
            token.content = translated
            if localiser.target_dir == "rtl":
                token.children = isolate_latin_runs(token.children)
        elif index > 0 and tokens[index - 1].nesting == 1:
            # Left in the source language, in a block of its own direction: no isolation needed.
            for name, value in localiser.fallback_attributes().items():
                tokens[index - 1].attrSet(name, value)


_LATIN_RUN = re.compile(
    r"(?:--?|/|\.|~)?[A-Za-z0-9][A-Za-z0-9+#./_:@%=&?-]*"
    r"(?:[ ][A-Za-z0-9+#./_:@%=&?-]*[A-Za-z0-9+#/%])*"
)


def isolate_latin_runs(children: list[Token]) -> list[Token]:
    """Wrap runs of Latin text inside right-to-left text in ``<bdi>``.

    Without isolation the bidi algorithm reorders neutral characters around Latin
    words: ``C++``, ``--version`` and ``/etc/hosts`` come out scrambled in Urdu text.
    """
    isolated: list[Token] = []
    for child in children:
        if child.type != "text" or not _LATIN_RUN.search(child.content):
            isolated.append(child)
            continue
        position = 0
        for match in _LATIN_RUN.finditer(child.content):
            run = match.group(0).rstrip(".,:;")
            start, end = match.start(), match.start() + len(run)
            if not any(character.isalpha() for character in run):
                continue  # digits alone follow the surrounding text
            isolated.append(_text(child.content[position:start]))
            isolated.append(_raw('<bdi dir="ltr">'))
            isolated.append(_text(run))
            isolated.append(_raw("</bdi>"))
            position = end
        isolated.append(_text(child.content[position:]))
    return [token for token in isolated if token.type != "text" or token.content]


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)


def _raw(html: str) -> Token:
    # Only our own fixed tags: the author's and translator's text stays in text tokens,
    # which the renderer escapes.
    return Token("html_inline", "", 0, content=html)


def has_words(text: str) -> bool:
    """Numbers and punctuation alone are not translated (digits follow the locale)."""
    return any(character.isalpha() for character in text)


def only_image(token: Token) -> Token | None:
    """The image of an inline that holds nothing else: its alt text is translated alone."""
    children = [c for c in token.children or [] if not (c.type == "text" and not c.content.strip())]
    return children[0] if len(children) == 1 and children[0].type == "image" else None


def _localise_alt(image: Token, localiser: Localiser) -> None:
    translated = localiser.messages.get(image.content)
    if translated is None:
        for name, value in localiser.fallback_attributes().items():
            image.attrSet(name, value)
        return
    alt = Token("text", "", 0, content=translated)
    image.children = [alt]
    image.content = translated


def _rewrite_inline(children: list[Token], line: int, resolver: _Resolver) -> None:
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type in _MATH_TOKENS:
            _check_math(child, resolver.located(line), resolver.reporter)
            line += child.content.count("\n")
        elif child.type == "link_open":
            href = str(child.attrs.get("href", ""))
            rewritten = resolver.rewrite_link(href, line)
            if rewritten is not None:
                new_href, external = rewritten
                child.attrs["href"] = new_href
                if external:
                    # Inside an LMS the course runs in a frame: an outside page must not replace it.
                    child.attrs["target"] = "_blank"
                    child.attrs["rel"] = "noopener noreferrer"
        elif child.type == "image":
            src = str(child.attrs.get("src", ""))
            rewritten_image = resolver.rewrite_image(src, child.content, line)
            if rewritten_image is not None:
                child.attrs["src"], size = rewritten_image
                if size is not None:
                    child.attrs["width"] = str(size.width)
                    child.attrs["height"] = str(size.height)
                    if size.fluid:
                        child.attrs["class"] = FLUID_IMAGE_CLASS
            child.attrs["loading"] = "lazy"


def _check_code_language(token: Token, location: Location, reporter: Reporter) -> None:
    language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
    if language and _lexer_name(language) is None:
        reporter.warning(
            f"unknown code language '{language}'; the block is shown without highlighting",
            location,
            "use a Pygments language name such as python, bash, json, solidity or text",
        )


def _lexer_name(language: str) -> str | None:
    lexer = code_lexer(language)
    return None if lexer is None else str(lexer.name)


@cache
def code_lexer(language: str) -> Lexer | None:
    """The highlighter of ``language``, made once: a lexer keeps no state between uses,
    and making one compiles its patterns."""
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def highlighted(code: str, language: str, formatter: HtmlFormatter[str]) -> str | None:
    """``code`` as ``formatter`` writes it, or None when Pygments does not know ``language``.

    Within :func:`lexing_kept`, code is lexed once for the site's pages (with classes)
    and the pages an LMS shows alone (with inline styles): lexing is most of
    highlighting.
    """
    lexer = code_lexer(language) if language else None
    if lexer is None:
        return None
    kept = _LEXED.get()
    tokens = kept.get((language, code)) if kept is not None else None
    if tokens is None:
        tokens = tuple(lexer.get_tokens(code))
        if kept is not None and len(kept) < _LEXED_KEPT:
            kept[language, code] = tokens
    return str(format_tokens(tokens, formatter))


@contextmanager
def lexing_kept() -> Iterator[None]:
    """Within, code is lexed once however often it is highlighted (see :func:`highlighted`)."""
    token = _LEXED.set({})
    try:
        yield
    finally:
        _LEXED.reset(token)


_Lexed = dict[tuple[str, str], tuple[tuple[_TokenType, str], ...]]
_LEXED: ContextVar[_Lexed | None] = ContextVar("lexed", default=None)
_LEXED_KEPT = 4096
"""Code blocks whose tokens are kept: a lesson's block takes a few KiB of them."""


def _highlight(code: str, language: str, _attrs: str) -> str:
    """Highlight at build time; the learner downloads no highlighter."""
    body = highlighted(code, language, _code_formatter())
    if body is not None:
        label = f' data-lang="{escape(language)}"'
    else:
        body, label = escape(code), ""
    # Code reads left to right in every language; tabindex lets keyboards scroll it.
    return (
        f'<pre class="{CODE_CSS_CLASS}" dir="ltr" tabindex="0"{label}><code>{body}</code></pre>\n'
    )


@cache
def _code_formatter() -> HtmlFormatter[str]:
    # One for all: making one builds its whole style table, a millisecond each time.
    return HtmlFormatter(nowrap=True)


def code_stylesheet() -> str:
    return str(HtmlFormatter(style="default").get_style_defs(f".{CODE_CSS_CLASS}"))


def _is_external(href: str) -> bool:
    match = _SCHEME.match(href)
    return match is not None and match.group(0)[:-1].lower() in EXTERNAL_SCHEMES


FLUID_IMAGE_CLASS = "fluid"
"""An image drawn as wide as the text (see :attr:`ImageSize.fluid`)."""


def _size_of(path: Path) -> ImageSize | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return _size_at(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4096)
def _size_at(path: Path, _mtime_ns: int, _bytes: int) -> ImageSize | None:
    """Cached by the file's time and length: an image used by many lessons is read once."""
    try:
        return image_size(path.read_bytes(), path.suffix)
    except OSError:
        return None


def still_packageable(root: Path, relpath: str) -> bool:
    """The file a lesson used is still there and inside the course, as when it was checked."""
    return (root / relpath).is_file() and _symlink_out(root, relpath) is None


def _symlink_out(root: Path, relpath: str) -> tuple[str, str | None] | None:
    """The first symbolic link on ``relpath`` that leads out of ``root``, and where to.

    ``relpath`` is already normalised and inside ``root`` as written; only a link can
    take it out. Returns (the link's course-relative path, its target, or None for a
    loop of links), or None when every link on the way stays inside.
    """
    path = root
    for part in relpath.split("/"):
        path = path / part
        if not path.is_symlink():
            continue
        try:
            target = path.resolve()
        except (OSError, RuntimeError):  # Python 3.11 raises RuntimeError on a loop
            return path.relative_to(root).as_posix(), None
        if target != root and root not in target.parents:
            return path.relative_to(root).as_posix(), target.as_posix()
    return None


def _missing_file_hint(course: Course, relpath: str) -> str:
    if relpath.endswith(".md"):
        names = ", ".join(lesson.relpath for lesson in course.lessons[:6])
        return f"lessons of this course include: {names}"
    return "check the spelling and the folder; paths are relative to this lesson's folder"
