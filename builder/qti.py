"""QTI 1.2 in the Common Cartridge profile: each graded quiz and exam as an assessment.

A cartridge carries a quiz as an assessment descriptor (``questestinterop``) that
the LMS turns into its own quiz. Each item names its kind in its ``cc_profile``, and
an LMS drops an item whose profile it does not know; Sabaq's kinds map onto the
profile's like this:

=============  ===========================  =============================================
Sabaq          cc_profile                   what changes (each change is a warning)
=============  ===========================  =============================================
single         cc.multiple_choice.v0p1      nothing
multiple       cc.multiple_response.v0p1    all or nothing: the profile can only *set* a
                                            score, so partial credit cannot be expressed
true-false     cc.true_false.v0p1           nothing (labels are ``true`` and ``false``)
short          cc.fib.v0p1                  nothing (``case="Yes"`` when case-sensitive)
numeric        cc.fib.v0p1                  the number becomes text: ranges are lost
matching       cc.multiple_choice.v0p1 × N  one item per left-hand item, each worth 1/N
ordering       cc.multiple_choice.v0p1 × N  one item per position, each worth 1/N
=============  ===========================  =============================================

Knowledge checks are not exported: they are practice inside the lesson pages, which
the cartridge already carries, and as LMS quizzes (graded by default) they would put
practice into every learner's gradebook. The question bank format exports them.
A quiz's pool and question shuffling have no place in the profile (warned about);
nor has its pass mark, which the LMS's quiz settings hold.

Moodle's cartridge import (``backup/cc/entity11.quiz.class.php``) reads the QTI in
its own way, and the response processing is shaped so that it reads right:

- the text of every ``continue="Yes"`` condition's feedback becomes the question's
  general feedback, so only the explanation is displayed from such a condition;
- a choice's feedback is the feedback of every condition whose first ``varequal``
  names it, and its score comes from the last such condition;
- the right choices of a multiple-response item are the ``varequal case="Yes"``
  (outside ``not``) of the condition that sets SCORE to 100;
- ``cc_weighting`` is read as a whole number from 0 to 99.

Texts are the author's Markdown rendered with the one lesson parser (raw HTML off)
and carried as ``mattext texttype="text/html"``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache

from lxml import etree
from markupsafe import Markup

from builder.assessment import MarkdownText, NumericAnswer, Question, QuestionKind, Quiz
from builder.errors import Diagnostic, Level, Location, Reporter
from builder.manifest import ncname
from builder.markdown import make_markdown
from builder.model import Course

QTI_NAMESPACE = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
_Q = f"{{{QTI_NAMESPACE}}}"

PROFILE_MULTIPLE_CHOICE = "cc.multiple_choice.v0p1"
PROFILE_MULTIPLE_RESPONSE = "cc.multiple_response.v0p1"
PROFILE_TRUE_FALSE = "cc.true_false.v0p1"
PROFILE_FIB = "cc.fib.v0p1"
ASSESSMENT_PROFILE = "cc.exam.v0p1"

RESPONSE = "response1"
"""The ident of each item's one response (as Canvas and Moodle write it)."""
MAX_WEIGHT = 99
"""Moodle reads ``cc_weighting`` as a whole number from 0 to 99 (1 otherwise)."""

# --------------------------------------------------------------------------- text


def render_html(text: MarkdownText) -> str:
    """The author's Markdown as block HTML."""
    return _rendered(text.source)


@lru_cache(maxsize=16384)
def _rendered(source: str) -> str:
    # Every export (both cartridges, Moodle XML, GIFT, the backup) renders each
    # question's texts; the HTML depends on the source alone.
    return str(make_markdown().render(source)).strip()


_ONE_PARAGRAPH = re.compile(r"\A<p>(?P<inner>(?:(?!</?p>).)*)</p>\Z", re.DOTALL)


def render_inline(text: MarkdownText) -> str:
    """HTML for a choice, pair or item: a lone paragraph loses its ``<p>``.

    A choice may hold a code block or several paragraphs; those stay blocks.
    """
    html = render_html(text)
    match = _ONE_PARAGRAPH.match(html)
    return match["inner"] if match else html


def render_plain(text: MarkdownText) -> str:
    """The text a learner reads, without markup (for places that take plain text)."""
    return str(Markup(render_html(text)).striptags())


_REFERENCE = re.compile(r'\s(?:src|href)="(?P<url>[^"]*)"')
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def local_references(html: str) -> list[str]:
    """Links and images in ``html`` that point into the course rather than the web.

    An exported quiz travels without the course's files, so these would break.
    """
    found = []
    for match in _REFERENCE.finditer(html):
        url = match["url"]
        if url and not url.startswith("#") and not _SCHEME.match(url) and url not in found:
            found.append(url)
    return found


def warn_once(
    reporter: Reporter, message: str, location: Location | None, hint: str | None = None
) -> None:
    """Report a warning unless the same one is already reported.

    Both cartridge versions, and every language of a course, export the same quizzes;
    an author should read about each change once.
    """
    warning = Diagnostic(Level.WARNING, message, location, hint)
    if warning not in reporter.diagnostics:
        reporter.diagnostics.append(warning)


def texts_of(question: Question) -> list[MarkdownText]:
    """Every text of a question, for checks that apply to all of them."""
    texts = [question.prompt, *question.hints]
    texts += [t for t in (question.correct_feedback, question.incorrect_feedback) if t]
    if question.explanation is not None:
        texts.append(question.explanation)
    for choice in question.choices:
        texts.append(choice.text)
        if choice.feedback is not None:
            texts.append(choice.feedback)
    texts += [pair.left for pair in question.pairs]
    texts += [target.text for target in question.targets]
    texts += [item.text for item in question.items]
    return texts


def warn_about_local_files(question: Question, reporter: Reporter) -> None:
    for text in texts_of(question):
        for url in local_references(render_html(text)):
            warn_once(
                reporter,
                f"question '{question.id}' refers to '{url}', a file of the course that "
                "exported quizzes do not carry: it is missing in the LMS's quiz and question bank",
                text.location,
                "in questions, link to images and pages by an absolute https:// address",
            )


def number_text(value: float) -> str:
    """A number as people write it: ``21000000``, ``3.125``, ``0.01``."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def grouped_forms(value: float) -> list[str]:
    """``21,000,000`` and ``2,10,00,000``: how learners in Pakistan may type a whole number.

    The lesson pages accept both; a text answer must list them.
    """
    if not float(value).is_integer() or abs(value) < 1000:
        return []
    sign = "-" if value < 0 else ""
    digits = str(int(abs(value)))
    western = ",".join(_chunks(digits, 3))
    head, tail = digits[:-3], digits[-3:]
    south_asian = ",".join([*_chunks(head, 2), tail])
    return list(dict.fromkeys(f"{sign}{form}" for form in (western, south_asian)))


def _chunks(digits: str, size: int) -> list[str]:
    """'1234567', 3 → ['1', '234', '567']: groups from the right."""
    first = len(digits) % size or size
    return [digits[:first]] + [digits[i : i + size] for i in range(first, len(digits), size)]


def quoted_list(words: Sequence[str]) -> str:
    """['a', 'b', 'c'] → "'a', 'b' or 'c'"."""
    quoted = [f"'{word}'" for word in words]
    return " or ".join([", ".join(quoted[:-1]), quoted[-1]]) if len(quoted) > 1 else quoted[0]


def range_text(answer: NumericAnswer) -> str:
    return f"{number_text(answer.low)} to {number_text(answer.high)}"


def quiz_title(course: Course, quiz: Quiz) -> str:
    """The quiz's title, or else its lesson's: both are in the course's language."""
    if quiz.title:
        return quiz.title
    lesson = next(lesson for lesson in course.lessons if lesson.id == quiz.lesson_id)
    return lesson.title


# --------------------------------------------------------------------------- CC items


@dataclass(frozen=True, slots=True)
class Label:
    """A choice of a choice item."""

    ident: str
    html: str
    correct: bool
    feedback: str = ""


@dataclass(frozen=True, slots=True)
class CcItem:
    """One QTI item, as the Common Cartridge profile can say it.

    A question becomes one item, or several when the profile lacks its kind.
    """

    ident: str
    title: str
    profile: str
    share: Fraction
    """Points the item is worth (before whole-number weighting)."""
    prompt: str
    labels: tuple[Label, ...] = ()
    """Choice items: the choices, in the order shown."""
    answers: tuple[str, ...] = ()
    """Fill-in-the-blank items: every accepted text."""
    case_sensitive: bool = False
    shuffle: bool = False
    general: str = ""
    """Shown after every answer (the author's explanation)."""
    correct: str = ""
    incorrect: str = ""
    hints: tuple[str, ...] = ()


def cc_items(question: Question, reporter: Reporter) -> tuple[CcItem, ...]:
    """The question as Common Cartridge items, warning about every change."""
    warn_about_local_files(question, reporter)
    if question.kind is QuestionKind.MATCHING:
        return _matching_items(question, reporter)
    if question.kind is QuestionKind.ORDERING:
        return _ordering_items(question, reporter)
    base = _base_item(question)
    if question.kind is QuestionKind.SHORT:
        return (_fib(base, question.answers, question.case_sensitive),)
    if question.kind is QuestionKind.NUMERIC:
        return (_fib(base, _numeric_texts(question, reporter), False),)
    if question.kind is QuestionKind.MULTIPLE and question.partial_credit:
        warn_once(
            reporter,
            "Common Cartridge marks multiple-response questions all or nothing: question "
            f"'{question.id}' earns no points there for a partly right answer",
            question.location,
            "Moodle's cartridge import still gives each right choice its share; the "
            "questionbank format keeps Sabaq's marking exactly",
        )
    profile = {
        QuestionKind.SINGLE: PROFILE_MULTIPLE_CHOICE,
        QuestionKind.MULTIPLE: PROFILE_MULTIPLE_RESPONSE,
        QuestionKind.TRUE_FALSE: PROFILE_TRUE_FALSE,
    }[question.kind]
    labels = tuple(
        Label(
            # Moodle aborts the whole import unless true/false idents are 'true' and 'false',
            # which the parser makes the ids of a true-false question's choices.
            choice.id,
            render_inline(choice.text),
            choice.correct,
            render_html(choice.feedback) if choice.feedback else "",
        )
        for choice in question.choices
    )
    return (replace(base, profile=profile, labels=labels, shuffle=question.shuffle),)


def _base_item(question: Question) -> CcItem:
    return CcItem(
        ident=ncname("q", question.id),
        title=question.id,
        profile=PROFILE_MULTIPLE_CHOICE,
        share=_points(question),
        prompt=render_html(question.prompt),
        general=render_html(question.explanation) if question.explanation else "",
        correct=render_html(question.correct_feedback) if question.correct_feedback else "",
        incorrect=render_html(question.incorrect_feedback) if question.incorrect_feedback else "",
        hints=tuple(render_html(hint) for hint in question.hints),
    )


def _points(question: Question) -> Fraction:
    # Points are written in decimal (0.5, 1.25); a bounded denominator undoes binary floats.
    return Fraction(question.points).limit_denominator(10_000)


def _fib(base: CcItem, answers: Sequence[str], case_sensitive: bool) -> CcItem:
    return replace(base, profile=PROFILE_FIB, answers=tuple(answers), case_sensitive=case_sensitive)


def _numeric_texts(question: Question, reporter: Reporter) -> list[str]:
    texts: list[str] = []
    for answer in question.numbers:
        for text in [number_text(answer.value), *grouped_forms(answer.value)]:
            if text not in texts:
                texts.append(text)
    ranges = [range_text(answer) for answer in question.numbers if answer.tolerance > 0]
    lost = f", and no other number from {' or '.join(ranges)}" if ranges else ""
    warn_once(
        reporter,
        "Common Cartridge has no numeric questions: question "
        f"'{question.id}' becomes a fill-in-the-blank question that accepts the text "
        f"{quoted_list(texts)}{lost}",
        question.location,
        "the questionbank format keeps it a numeric question for Moodle",
    )
    return texts


def _matching_items(question: Question, reporter: Reporter) -> tuple[CcItem, ...]:
    count = len(question.pairs)
    warn_once(
        reporter,
        "Common Cartridge has no matching questions: question "
        f"'{question.id}' becomes {count} single-choice questions, one for each left-hand "
        f"item, each worth 1/{count} of its points{_partial_lost(question)}",
        question.location,
        "the questionbank format keeps it a matching question for Moodle",
    )
    # In the order written, target 'a' would sit beside pair 1; sorted, the list gives nothing away.
    targets = sorted(question.targets, key=lambda target: render_plain(target.text).casefold())
    base = _base_item(question)
    prompt = render_html(question.prompt)
    return tuple(
        _part(
            base,
            number,
            count,
            ident=ncname("q", question.id, pair.id),
            prompt=f"{prompt}\n<p>{render_inline(pair.left)}</p>",
            labels=tuple(
                Label(target.id, render_inline(target.text), target.id == pair.target_id)
                for target in targets
            ),
        )
        for number, pair in enumerate(question.pairs, start=1)
    )


def _ordering_items(question: Question, reporter: Reporter) -> tuple[CcItem, ...]:
    count = len(question.items)
    warn_once(
        reporter,
        "Common Cartridge has no ordering questions: question "
        f"'{question.id}' becomes {count} single-choice questions, one for each position, "
        f"each worth 1/{count} of its points: an item earns its share only in its exact "
        f"place{_partial_lost(question)}",
        question.location,
        "the questionbank format keeps it an ordering question for Moodle",
    )
    # Written in the right order, the choices would be the answer; sorted, they are not.
    shown = sorted(question.items, key=lambda item: render_plain(item.text).casefold())
    base = _base_item(question)
    prompt = render_html(question.prompt)
    return tuple(
        _part(
            base,
            position,
            count,
            ident=ncname("q", question.id, str(position)),
            # A number needs no translation: "2 / 4" reads as the second place of four.
            prompt=f"{prompt}\n<p><strong>{position} / {count}</strong></p>",
            labels=tuple(
                Label(item.id, render_inline(item.text), item.id == right.id) for item in shown
            ),
        )
        for position, right in enumerate(question.items, start=1)
    )


def _part(
    base: CcItem, number: int, count: int, ident: str, prompt: str, labels: tuple[Label, ...]
) -> CcItem:
    """Item ``number`` of ``count`` standing for one question: the explanation shows
    after the last part, the hints before the first."""
    return replace(
        base,
        ident=ident,
        title=f"{base.title} ({number}/{count})",
        share=base.share / count,
        prompt=prompt,
        labels=labels,
        shuffle=True,
        general=base.general if number == count else "",
        hints=base.hints if number == 1 else (),
    )


def _partial_lost(question: Question) -> str:
    return (
        "" if question.partial_credit else "; partial=no is lost, as each part is marked on its own"
    )


# --------------------------------------------------------------------------- weights


def whole_weights(quiz: Quiz, items: Sequence[CcItem], reporter: Reporter) -> list[int]:
    """``cc_weighting`` for each item: whole numbers in the items' proportions.

    Moodle reads the weighting as a whole number, and an LMS scales a quiz to its
    own maximum grade, so multiplying every weight by the same factor keeps what
    each question is worth to the learner.
    """
    factor = math.lcm(*(item.share.denominator for item in items)) if items else 1
    weights = [item.share * factor for item in items]
    if max(weights, default=0) <= MAX_WEIGHT:
        # Not worth a warning: learners' percentages are the same, and the author could
        # not avoid it (a matching question of 3 pairs always has parts worth 1/3).
        return [int(weight) for weight in weights]
    rounded = [max(1, min(MAX_WEIGHT, round(item.share))) for item in items]
    warn_once(
        reporter,
        "Common Cartridge gives questions whole points from 1 to 99: in quiz "
        f"'{quiz.id}' each question's points are rounded, so their shares of the quiz change",
        quiz.location,
        "give the questions whole points, or points that a small multiple makes whole",
    )
    return rounded


# --------------------------------------------------------------------------- the document


def assessment_xml(quiz: Quiz, title: str, reporter: Reporter) -> bytes:
    """The quiz as a QTI 1.2 assessment in the Common Cartridge profile.

    Both cartridge versions carry the same document: it is made once per quiz and
    title, and what making it reported is reported again (once, as every warning here).
    """
    key = (quiz, title)
    made = _ASSESSMENTS.get(key)
    if made is None:
        found = Reporter()
        made = _ASSESSMENTS[key] = _assessment_xml(quiz, title, found), tuple(found.diagnostics)
        if len(_ASSESSMENTS) > _ASSESSMENTS_KEPT:
            del _ASSESSMENTS[next(iter(_ASSESSMENTS))]
    document, diagnostics = made
    reporter.diagnostics.extend(d for d in diagnostics if d not in reporter.diagnostics)
    return document


_ASSESSMENTS: dict[tuple[Quiz, str], tuple[bytes, tuple[Diagnostic, ...]]] = {}
_ASSESSMENTS_KEPT = 256


def _assessment_xml(quiz: Quiz, title: str, reporter: Reporter) -> bytes:
    _warn_about_the_quiz(quiz, reporter)
    items = [item for question in quiz.questions for item in cc_items(question, reporter)]
    weights = whole_weights(quiz, items, reporter)
    root = etree.Element(f"{_Q}questestinterop", nsmap={None: QTI_NAMESPACE})  # type: ignore[dict-item]
    assessment = etree.SubElement(
        root, f"{_Q}assessment", ident=ncname("quiz", quiz.id), title=title
    )
    _metadata(
        etree.SubElement(assessment, f"{_Q}qtimetadata"),
        [
            ("cc_profile", ASSESSMENT_PROFILE),
            ("qmd_assessmenttype", "Examination"),
            ("qmd_scoretype", "Percentage"),
            ("qmd_feedbackpermitted", "Yes"),
            ("qmd_hintspermitted", _yes(any(item.hints for item in items))),
            ("qmd_solutionspermitted", _yes(quiz.reveal)),
            ("cc_maxattempts", str(quiz.attempts) if quiz.attempts else "unlimited"),
        ],
    )
    if quiz.intro is not None:
        flow = etree.SubElement(
            etree.SubElement(assessment, f"{_Q}presentation_material"), f"{_Q}flow_mat"
        )
        _material(flow, render_html(quiz.intro))
    section = etree.SubElement(assessment, f"{_Q}section", ident="root_section")
    for item, weight in zip(items, weights, strict=True):
        _item_xml(section, item, weight)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _warn_about_the_quiz(quiz: Quiz, reporter: Reporter) -> None:
    if quiz.pool is not None and quiz.pool < len(quiz.questions):
        warn_once(
            reporter,
            "Common Cartridge cannot draw questions at random: quiz "
            f"'{quiz.id}' shows all {len(quiz.questions)} of its questions instead of {quiz.pool}",
            quiz.location,
            "in Moodle, import the questionbank format and add "
            f"{quiz.pool} random questions from the quiz's category",
        )
    if quiz.shuffle:
        warn_once(
            reporter,
            f"Common Cartridge cannot shuffle questions: quiz '{quiz.id}' shows them in the order written",
            quiz.location,
            "turn on shuffling in the quiz's settings in the LMS",
        )


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


def _metadata(parent: etree._Element, fields: Sequence[tuple[str, str]]) -> None:
    for label, entry in fields:
        field = etree.SubElement(parent, f"{_Q}qtimetadatafield")
        etree.SubElement(field, f"{_Q}fieldlabel").text = label
        etree.SubElement(field, f"{_Q}fieldentry").text = entry


def _material(parent: etree._Element, html: str) -> None:
    material = etree.SubElement(parent, f"{_Q}material")
    etree.SubElement(material, f"{_Q}mattext", texttype="text/html").text = html


def _item_xml(section: etree._Element, item: CcItem, weight: int) -> None:
    element = etree.SubElement(section, f"{_Q}item", ident=item.ident, title=item.title)
    _metadata(
        etree.SubElement(etree.SubElement(element, f"{_Q}itemmetadata"), f"{_Q}qtimetadata"),
        [("cc_profile", item.profile), ("cc_weighting", str(weight))],
    )
    presentation = etree.SubElement(element, f"{_Q}presentation")
    _material(presentation, item.prompt)
    if item.profile == PROFILE_FIB:
        response = etree.SubElement(presentation, f"{_Q}response_str", ident=RESPONSE)
        response.set("rcardinality", "Single")
        fib = etree.SubElement(response, f"{_Q}render_fib", prompt="Box", fibtype="String")
        etree.SubElement(fib, f"{_Q}response_label", ident="answer1", rshuffle="No")
    else:
        response = etree.SubElement(presentation, f"{_Q}response_lid", ident=RESPONSE)
        multiple = item.profile == PROFILE_MULTIPLE_RESPONSE
        response.set("rcardinality", "Multiple" if multiple else "Single")
        choices = etree.SubElement(response, f"{_Q}render_choice", shuffle=_yes(item.shuffle))
        for label in item.labels:
            element_label = etree.SubElement(choices, f"{_Q}response_label", ident=label.ident)
            _material(element_label, label.html)
    _processing(etree.SubElement(element, f"{_Q}resprocessing"), item)
    _feedback(element, item)


# ---- response processing


def _processing(parent: etree._Element, item: CcItem) -> None:
    outcomes = etree.SubElement(parent, f"{_Q}outcomes")
    etree.SubElement(
        outcomes, f"{_Q}decvar", varname="SCORE", vartype="Decimal", minvalue="0", maxvalue="100"
    )
    if item.general:
        # Displayed whatever the answer; Moodle takes it as the general feedback.
        _condition(parent, "Yes", _other(), feedback=["general_fb"])
    if item.profile == PROFILE_FIB:
        _fib_processing(parent, item)
    elif item.profile == PROFILE_MULTIPLE_RESPONSE:
        _multiple_processing(parent, item)
    else:
        _single_processing(parent, item)


def _single_processing(parent: etree._Element, item: CcItem) -> None:
    """One condition per choice: only one can be picked, so none needs to continue.

    The overall Correct:/Incorrect: feedback rides on the choices, which is what it
    means for a one-answer question, and where Moodle's import keeps it.
    """
    for label in item.labels:
        feedback = [f"{label.ident}_fb"] if label.feedback else []
        if label.correct and item.correct:
            feedback.append("correct_fb")
        if not label.correct and item.incorrect:
            feedback.append("general_incorrect_fb")
        if not label.correct and not feedback:
            continue
        _condition(
            parent,
            "No",
            _varequal(label.ident),
            score=label.correct,
            feedback=feedback,
        )


def _multiple_processing(parent: etree._Element, item: CcItem) -> None:
    """SCORE 100 for exactly the right choices, then the feedback.

    Choice feedback uses ``continue="No"`` conditions: with ``Yes`` Moodle would show
    every choice's feedback to every learner as general feedback, giving the answers
    away. Strict QTI players then show the first picked choice's feedback only.
    """
    _condition(parent, "Yes", _exact_set(item), score=True)
    if item.correct:
        _condition(parent, "No", _exact_set(item), feedback=["correct_fb"])
    for label in item.labels:
        if label.feedback:
            _condition(parent, "No", _varequal(label.ident), feedback=[f"{label.ident}_fb"])
    if item.incorrect:
        _condition(parent, "No", _other(), feedback=["general_incorrect_fb"])


def _fib_processing(parent: etree._Element, item: CcItem) -> None:
    # Several varequal in one condition are alternatives: any accepted text scores.
    case = _yes(item.case_sensitive)
    tests = [_varequal(answer, case=case) for answer in item.answers]
    _condition(parent, "No", *tests, score=True, feedback=["correct_fb"] if item.correct else [])
    if item.incorrect:
        _condition(parent, "No", _other(), feedback=["general_incorrect_fb"])


def _condition(
    parent: etree._Element,
    proceed: str,
    *tests: etree._Element,
    score: bool = False,
    feedback: Sequence[str] = (),
) -> None:
    condition = etree.SubElement(parent, f"{_Q}respcondition", attrib={"continue": proceed})
    conditionvar = etree.SubElement(condition, f"{_Q}conditionvar")
    conditionvar.extend(tests)
    if score:
        setvar = etree.SubElement(condition, f"{_Q}setvar", varname="SCORE", action="Set")
        setvar.text = "100"
    for ident in feedback:
        etree.SubElement(
            condition, f"{_Q}displayfeedback", feedbacktype="Response", linkrefid=ident
        )


def _varequal(value: str, *, case: str = "Yes") -> etree._Element:
    # case="Yes" on choice idents is how Moodle finds the right choices of a multiple response.
    element = etree.Element(f"{_Q}varequal", respident=RESPONSE, case=case)
    element.text = value
    return element


def _other() -> etree._Element:
    return etree.Element(f"{_Q}other")


def _exact_set(item: CcItem) -> etree._Element:
    both = etree.Element(f"{_Q}and")
    for label in item.labels:
        if label.correct:
            both.append(_varequal(label.ident))
        else:
            etree.SubElement(both, f"{_Q}not").append(_varequal(label.ident))
    return both


# ---- feedback


def _feedback(element: etree._Element, item: CcItem) -> None:
    texts = [("general_fb", item.general), ("correct_fb", item.correct)]
    texts.append(("general_incorrect_fb", item.incorrect))
    texts += [(f"{label.ident}_fb", label.feedback) for label in item.labels]
    for ident, html in texts:
        if html:
            feedback = etree.SubElement(element, f"{_Q}itemfeedback", ident=ident)
            _material(etree.SubElement(feedback, f"{_Q}flow_mat"), html)
    for number, html in enumerate(item.hints, start=1):
        feedback = etree.SubElement(element, f"{_Q}itemfeedback", ident=f"hint_{number}")
        hint = etree.SubElement(etree.SubElement(feedback, f"{_Q}hint"), f"{_Q}hintmaterial")
        _material(etree.SubElement(hint, f"{_Q}flow_mat"), html)
