"""A lesson page standing alone in an LMS: the article, without the site around it.

Packages whose LMS turns each page into one of its own (Moodle's Page activity from
a course backup or a Common Cartridge, a Canvas wiki page) show the page inside the
LMS's own layout, usually after cleaning it: no stylesheet, no script, often no
``id``. What the site adds around a lesson (the outline, the pager, the player, the
answer key the runtime reads) would only get in the way, and what needs the
stylesheet or the script must be written so that it reads without them:

- the lesson's ``<article>`` only, without the module label and the title (the LMS
  shows the page's name, and the module is its section);
- knowledge checks become static: each question with its choices, and the hints and
  the right answer (with the feedback and explanation) behind ``<details>``, which
  needs no script; where an LMS removes ``<details>``, its summary stays as the label
  of the answer that follows;
- a graded quiz's notice, boxed, links to the LMS's quiz where the format knows how;
- code is highlighted with inline styles, which cleaning keeps, unlike classes
  without their stylesheet; callouts get an inline border;
- the language and direction sit on a wrapping ``<div>``, because an LMS keeps the
  body's content but not ``<html lang dir>``.

Links are left as the site wrote them (relative to the page): each format rewrites
them the way its LMS resolves them (see :func:`references`).
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html
from pygments.formatters import HtmlFormatter

from builder.assessment import Question, QuestionKind, Quiz
from builder.buildcache import code_fingerprint, entry_name, language_shelf
from builder.locales import LATIN_STACK, NASTALIQ
from builder.markdown import FLUID_IMAGE_CLASS, highlighted
from builder.qti import render_html, render_plain
from builder.render import Site, registry_locale
from builder.theme import environment

BOX_STYLE = "border: 1px solid #c8ccd0; border-radius: 6px; padding: 0.5em 1em; margin: 1em 0;"
CODE_STYLE = (
    "background: #f8f8f8; border: 1px solid #e1e4e8; border-radius: 6px; "
    "padding: 0.75em 1em; overflow-x: auto; line-height: 1.45;"
)
CALLOUT_STYLE = "border: 1px solid #c8ccd0; border-radius: 6px; padding: 0.25em 1em; margin: 1em 0;"
RIGHT = "\u2713"
WRONG = "\u2717"
MIDDLE_DOT = " \u00b7 "

QuizHref = Callable[[Quiz], str | None]
"""Where a graded quiz's notice links to: the LMS's quiz activity, or None for no link."""


def theme_words(ui_catalog: Path | None, *messages: str) -> tuple[str, ...]:
    """The theme's own ``messages`` in the site's language, as plain text."""
    env = environment(ui_catalog)
    template = env.from_string("{{ _(message) }}")
    # Rendered, so the theme's own translations (and their %-escapes) apply.
    return tuple(html.unescape(template.render(message=message)) for message in messages)


def standalone_article(
    page: bytes,
    quizzes: Mapping[str, Quiz],
    right_answer: str,
    quiz_href: QuizHref | None = None,
) -> etree._Element:
    """The ``<article>`` of a rendered site page, standing alone (see the module's doc).

    ``quizzes`` are the quizzes of the page's lesson by id; ``right_answer`` labels the
    answer of each knowledge-check question (the theme's "The right answer:").
    """
    # Common Cartridge 1.1 and 1.3 and the Moodle backup make the same article of the
    # same page, differing only in where a graded quiz links to: the rest is made once
    # and kept as HTML, and every caller parses it back, so that an article is the same
    # whichever package asked first. Within a language's build (language_shelves) it is
    # also kept for the next build, under its page, quizzes and theme words.
    key = (hashlib.sha256(page).digest(), right_answer, tuple(sorted(quizzes.items())))
    shelf = language_shelf("articles")
    made = _PREPARED.get(key)
    if made is None:
        name = _entry_name(key)
        kept = shelf.recall(name, _from_kept_form) if shelf is not None else None
        prepared = kept if kept is not None else _prepared_html(page, quizzes, right_answer)
        if shelf is not None and kept is None:
            shelf.keep(name, _kept_form(prepared), prepared)
        if len(_PREPARED) >= _PREPARED_KEPT:
            _PREPARED.clear()
        _PREPARED[key] = prepared, name
    else:
        prepared, name = made
        if shelf is not None:
            shelf.note_used(name, prepared)  # made for another package of this build
    article: etree._Element = lxml_html.fragment_fromstring(prepared)
    if any(quiz.kind.graded for quiz in quizzes.values()):
        for element in _all(article, ".//*[@data-quiz][not(ancestor::*[@data-quiz])]"):
            quiz = quizzes.get(element.get("data-quiz", ""))
            if quiz is not None and quiz.kind.graded:
                _graded(element, quiz, quiz_href)
    return article


_PreparedKey = tuple[bytes, str, tuple[tuple[str, Quiz], ...]]
_PREPARED: dict[_PreparedKey, tuple[str, str]] = {}
"""Articles made in this process, as HTML, with the name they are kept under."""
_PREPARED_KEPT = 4096


def _prepared_html(page: bytes, quizzes: Mapping[str, Quiz], right_answer: str) -> str:
    article = _prepared_article(page, quizzes, right_answer)
    return str(lxml_html.tostring(article, encoding="unicode", with_tail=False))


def _kept_form(prepared: str) -> bytes:
    """An article as kept: its bytes after their digest, which tells a damaged entry."""
    data = prepared.encode("utf-8")
    return hashlib.sha256(data).digest()[:_CHECK_BYTES] + data


def _from_kept_form(data: bytes) -> str | None:
    check, text = data[:_CHECK_BYTES], data[_CHECK_BYTES:]
    if hashlib.sha256(text).digest()[:_CHECK_BYTES] != check:
        return None  # damaged: only an article to make again
    return text.decode("utf-8")


_CHECK_BYTES = 8


def _entry_name(key: _PreparedKey) -> str:
    """The name an article is kept under between builds: its page's digest, the theme's
    words and its quizzes (their dataclass ``repr``, which holds every field in order)."""
    digest, right_answer, quizzes = key
    return entry_name(code_fingerprint(), digest, right_answer, repr(quizzes))


def _prepared_article(
    page: bytes, quizzes: Mapping[str, Quiz], right_answer: str
) -> etree._Element:
    """The article with everything but its graded quizzes made to stand alone."""
    article = _article_of(page)
    # The page's name is the lesson title and the LMS shows it; the module is the section.
    for chrome in _all(article, f"./p[{_has_class('module-label')}] | ./h1"):
        _drop(chrome)
    for element in _all(article, ".//*[@data-quiz][not(ancestor::*[@data-quiz])]"):
        quiz = quizzes.get(element.get("data-quiz", ""))
        if quiz is not None and not quiz.kind.graded:
            _knowledge_check(element, quiz, right_answer)
    for element in _all(article, ".//pre"):
        _highlight_inline(element)
    for element in _all(
        article, f".//div[{_has_class('admonition')} or {_has_class('markdown-alert')}]"
    ):
        element.set("style", CALLOUT_STYLE)
    for image in _all(article, f".//img[{_has_class(FLUID_IMAGE_CLASS)}]"):
        # The LMS has no theme stylesheet to draw it as wide as the text; its own size
        # (a viewBox's units) would draw it tiny, so it is left to the browser as before.
        for attribute in ("width", "height", "class"):
            del image.attrib[attribute]
    return article


def _article_of(page: bytes) -> etree._Element:
    """The ``<article>`` of a site page (failing that, its ``<main>``), parsed alone.

    The head, the navigation and the outline around it are most of a page's bytes
    and none of the article, and parsing them was most of making a cartridge. Both
    tags are the theme's own: the first opening one and the last closing one enclose
    the page's content, whatever tags of the same name that content holds.
    """
    text = page.decode("utf-8")
    for tag in ("article", "main"):
        start, end = text.find(f"<{tag}"), text.rfind(f"</{tag}>")
        if 0 <= start < end:
            found: etree._Element = lxml_html.fragment_fromstring(text[start : end + len(tag) + 3])
            return found
    raise AssertionError("a site page has an <article> or a <main>")


def wrapped(container: etree._Element, site: Site, style: str = "") -> str:
    """The children of ``container`` as HTML, inside a block carrying the language."""
    inner = (container.text and html.escape(container.text)) or ""
    inner += "".join(
        lxml_html.tostring(child, encoding="unicode", method="html") for child in container
    )
    styled = f' style="{html.escape(style, quote=False)}"' if style else ""
    return f'<div lang="{site.lang}" dir="{site.dir}"{styled}>{inner.strip()}</div>'


def apply_script_styles(article: etree._Element, lang: str) -> str:
    """Style ``article`` for ``lang``'s script; returns the style of its wrapper.

    An LMS page is drawn in the LMS's fonts and line height, which suit Latin text,
    and the package's own fonts cannot come along (every LMS removes ``@font-face``).
    For an Arabic-script language the wrapper names the fonts learners may have, in
    the theme's order, with the theme's taller lines (Nastaliq stacks letters
    diagonally: in short lines they collide and their tops are clipped), and so do
    the headings, which LMS themes give short lines of their own. Passages left in a
    left-to-right language (``lang`` and ``dir="ltr"``) get the Latin fonts back, as
    in ``sabaq.css``. A Latin-script page keeps the LMS's own look: ``""``.
    """
    info = registry_locale(lang)
    if info is None or not info.font_families:
        return ""
    text, headings = NASTALIQ_LEADING if info.font_families[0] == NASTALIQ else NASKH_LEADING
    for heading in article.iter("h2", "h3", "h4", "h5", "h6"):
        heading.set("style", f"line-height: {headings};")
    for element in article.iter():
        if element.get("lang") and element.get("dir") == "ltr":
            element.set("style", f"font-family: {_quoted(LATIN_STACK)};")
    return f"font-family: {_quoted(info.font_stack)}; line-height: {text};"


def _quoted(stack: str) -> str:
    """A ``font-family`` list with single quotes, to sit in a double-quoted attribute."""
    return stack.replace('"', "'")


NASTALIQ_LEADING = ("2.2", "1.9")
"""Line heights of text and headings in Nastaliq, as in the theme's ``sabaq.css``."""
NASKH_LEADING = ("1.9", "1.6")
"""Line heights of text and headings in Naskh (Sindhi, Pashto, Balochi, Brahui)."""


def references(root: etree._Element) -> Iterator[tuple[etree._Element, str]]:
    """Every link and image of ``root``, with the attribute that holds its address."""
    for element in root.iter("a", "img"):
        attribute = "href" if element.tag == "a" else "src"
        if element.get(attribute):
            yield element, attribute


def is_relative(reference: str) -> bool:
    """An address into the package (not the web, not a place in the same page)."""
    parts = urlsplit(reference)
    return not parts.scheme and not parts.netloc and not reference.startswith("#")


# --------------------------------------------------------------------------- quizzes


def _knowledge_check(element: etree._Element, quiz: Quiz, right_answer: str) -> None:
    questions = {question.id: question for question in quiz.questions}
    blocks = [
        _StaticQuestion(
            fieldset, questions[fieldset.get("data-question", "")], right_answer
        ).block()
        for fieldset in _all(element, ".//fieldset[@data-question]")
        if fieldset.get("data-question") in questions
    ]
    replacement = _element("div", **{"class": "sabaq-check"})
    heading = element.find(".//h2") if element.tag == "section" else None
    if heading is not None:
        replacement.append(_copy(heading))
        for sibling in heading.itersiblings():
            if sibling.tag == "form" or "quiz-rules" in sibling.get("class", "").split():
                break
            replacement.append(_copy(sibling))
    replacement.extend(blocks)
    _replace(element, replacement)


def _graded(element: etree._Element, quiz: Quiz, quiz_href: QuizHref | None) -> None:
    """The notice that the quiz is an activity of this section, boxed, linking to it."""
    heading = element.find(".//h2")
    if heading is None:
        return
    href = quiz_href(quiz) if quiz_href is not None else None
    if href is not None:
        link = _element("a", href=href)
        link.text = _text_of(heading)
        for child in list(heading):
            heading.remove(child)
        heading.text = None
        heading.append(link)
    element.set("style", BOX_STYLE)


# --------------------------------------------------------------------------- elements


def _element(tag: str, **attributes: str) -> etree._Element:
    return etree.Element(tag, attributes)


def _has_class(cls: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')"


def _first(root: etree._Element, cls: str) -> etree._Element | None:
    found = _all(root, f".//*[{_has_class(cls)}]")
    return found[0] if found else None


def _all(root: etree._Element, xpath: str, **variables: str) -> list[etree._Element]:
    """The elements ``xpath`` selects under ``root``; values go in as ``$name`` variables,
    never into the expression, so that any id reads as the text it is."""
    found = _compiled(xpath)(root, **variables)
    return [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []


@lru_cache(maxsize=64)
def _compiled(xpath: str) -> etree.XPath:
    # Compiled once: a path given as a string is compiled again on every call, which
    # was a fifth of making a cartridge's pages.
    return etree.XPath(xpath)


def _inner(element: etree._Element | None) -> str:
    if element is None:
        return ""
    text = html.escape(element.text or "")
    return text + "".join(
        lxml_html.tostring(child, encoding="unicode", method="html") for child in element
    )


def _fragment(markup: str, tag: str = "div") -> etree._Element:
    element: etree._Element = lxml_html.fragment_fromstring(markup, create_parent=tag)
    return element


def _drop(element: etree._Element) -> None:
    """Remove ``element`` but keep the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _text_of(element: etree._Element) -> str:
    return "".join(str(text) for text in element.itertext())


def _copy(element: etree._Element) -> etree._Element:
    copied = lxml_html.fragment_fromstring(
        lxml_html.tostring(element, encoding="unicode", method="html")
    )
    copied.tail = None
    return copied  # type: ignore[no-any-return]


def _replace(old: etree._Element, new: etree._Element) -> None:
    new.tail = old.tail
    parent = old.getparent()
    assert parent is not None
    parent.replace(old, new)


# --------------------------------------------------------------------------- a static question


@dataclass
class _StaticQuestion:
    """A knowledge-check question without script: the answer behind ``<details>``."""

    fieldset: etree._Element
    question: Question
    right_answer: str
    _choices: dict[str, etree._Element] | None = field(default=None, init=False, repr=False)

    def block(self) -> etree._Element:
        box = _element("div", **{"class": "sabaq-question", "style": BOX_STYLE})
        prompt = _first(self.fieldset, "question-prompt")
        if prompt is not None:
            for number in _all(prompt, f".//*[{_has_class('question-number')}]"):
                _drop(number)
            box.append(_fragment(_inner(prompt)))
        else:
            box.append(_fragment(render_html(self.question.prompt)))
        shown = self._shown()
        if shown is not None:
            box.append(shown)
        for hint in _all(self.fieldset, f".//*[{_has_class('hint')}]"):
            label = _first(hint, "hint-label")
            summary = _text_of(label) if label is not None else ""
            if label is not None:
                _drop(label)
            box.append(_details(summary, _inner(hint)))
        answer = self._answer()
        for cls in ("feedback-correct", "explanation"):
            answer += _inner(_first(self.fieldset, cls))
        box.append(_details(self.right_answer, answer))
        return box

    def _choice(self, choice_id: str) -> etree._Element | None:
        """The first element of the question marked as the choice ``choice_id``."""
        # Asked for three times for each choice: the fieldset is read once instead of
        # searched every time (the searches were a tenth of making an article).
        if self._choices is None:
            self._choices = {}
            for element in self.fieldset.iterdescendants(etree.Element):
                marked = element.get("data-choice")
                if marked is not None:
                    self._choices.setdefault(marked, element)
        return self._choices.get(choice_id)

    def _choice_text(self, choice_id: str) -> str:
        found = self._choice(choice_id)
        text = _first(found, "choice-text") if found is not None else None
        if text is not None:
            return _inner(text)
        choice = next(c for c in self.question.choices if c.id == choice_id)
        return html.escape(render_plain(choice.text))

    def _choice_feedback(self, choice_id: str) -> str:
        found = self._choice(choice_id)
        return _inner(_first(found, "choice-feedback")) if found is not None else ""

    def _left(self, pair_id: str) -> str:
        found = _all(self.fieldset, ".//select[@data-pair=$id]", id=pair_id)
        if found:
            label = _all(self.fieldset, ".//label[@for=$id]", id=found[0].get("id", ""))
            if label:
                return _inner(label[0])
        pair = next(p for p in self.question.pairs if p.id == pair_id)
        return html.escape(render_plain(pair.left))

    def _target(self, target_id: str) -> str:
        found = _all(self.fieldset, ".//option[@value=$id]", id=target_id)
        if found:
            return html.escape(_text_of(found[0]))
        target = next(t for t in self.question.targets if t.id == target_id)
        return html.escape(render_plain(target.text))

    def _item(self, item_id: str) -> str:
        found = _all(self.fieldset, ".//li[@data-item=$id]", id=item_id)
        text = _first(found[0], "ordering-text") if found else None
        if text is not None:
            return _inner(text)
        item = next(i for i in self.question.items if i.id == item_id)
        return html.escape(render_plain(item.text))

    def _shown(self) -> etree._Element | None:
        """What the learner chooses from, in an order that does not give the answer away."""
        question = self.question
        kind = question.kind
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE):
            items = [self._choice_text(choice.id) for choice in question.choices]
            return _fragment("".join(f"<li>{item}</li>" for item in items), "ul")
        if kind is QuestionKind.MATCHING:
            lefts = "".join(
                f"<li>{self._left(pair.id)} \u2192 \u2026</li>" for pair in question.pairs
            )
            targets = sorted((self._target(t.id) for t in question.targets), key=str.casefold)
            return _fragment(f"<ul>{lefts}</ul><p>{MIDDLE_DOT.join(targets)}</p>")
        if kind is QuestionKind.ORDERING:
            items = sorted(
                (self._item(item.id) for item in question.items),
                key=lambda text: _text_of(_fragment(text)).casefold(),
            )
            return _fragment("".join(f"<li>{item}</li>" for item in items), "ul")
        return None

    def _answer(self) -> str:
        question = self.question
        kind = question.kind
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE):
            lines = []
            for choice in question.choices:
                mark = RIGHT if choice.correct else WRONG
                text = self._choice_text(choice.id)
                if choice.correct:
                    text = f"<strong>{text}</strong>"
                feedback = self._choice_feedback(choice.id)
                lines.append(f"<li>{mark} {text}{feedback}</li>")
            return f"<ul>{''.join(lines)}</ul>"
        if kind is QuestionKind.SHORT:
            answers = "".join(
                f'<li><bdi dir="auto">{html.escape(answer)}</bdi></li>'
                for answer in question.answers
            )
            return f"<ul>{answers}</ul>"
        if kind is QuestionKind.NUMERIC:
            numbers = "".join(
                f'<li><bdi dir="ltr">{html.escape(number.written)}</bdi></li>'
                for number in question.numbers
            )
            return f"<ul>{numbers}</ul>"
        if kind is QuestionKind.MATCHING:
            pairs = "".join(
                f"<li>{self._left(pair.id)} \u2192 {self._target(pair.target_id)}</li>"
                for pair in question.pairs
            )
            return f"<ul>{pairs}</ul>"
        items = "".join(f"<li>{self._item(item.id)}</li>" for item in question.items)
        return f"<ol>{items}</ol>"


def _details(summary: str, content: str) -> etree._Element:
    details = _element("details")
    label = etree.SubElement(details, "summary")
    label.text = summary
    body = _fragment(content)
    details.append(body)
    return details


@cache
def _inline_formatter() -> HtmlFormatter[str]:
    # One for all: making one builds its whole style table, a millisecond each time.
    return HtmlFormatter(nowrap=True, noclasses=True, style="default")


def _highlight_inline(pre: etree._Element) -> None:
    """Code highlighted with inline styles, which LMSs keep; the stylesheet is not there."""
    code = pre.find("code")
    text = _text_of(code if code is not None else pre)
    language = pre.get("data-lang", "")
    body = highlighted(text, language, _inline_formatter()) or html.escape(text)
    replacement = lxml_html.fragment_fromstring(
        f'<pre dir="ltr" style="{CODE_STYLE}"><code>{body}</code></pre>'
    )
    _replace(pre, replacement)
