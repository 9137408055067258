"""The Moodle question bank: every quiz of a course as Moodle XML and as GIFT.

A Moodle admin imports these into a course's question bank (Question bank → Import)
to build Moodle quizzes that Moodle marks on its server, which an exam needs. Each
quiz — knowledge checks too — is a category ``$course$/<course title>/<quiz title>``,
so "Get category from file" files every question under its quiz.

How each kind is written (``question/format/xml/format.php`` and
``question/format/gift/format.php`` in Moodle's source are the readers):

=============  =====================================  ======================================
Sabaq          Moodle XML                             GIFT
=============  =====================================  ======================================
single         multichoice, single                    ``{=right ~wrong}``
multiple       multichoice, shares of 100% per        ``{~%50%right ~%-100%wrong}``
               right choice, penalties per wrong one
true-false     truefalse                              ``{TRUE#…#…}``
short          shortanswer (``usecase``)              ``{=%100%answer}`` (any letter case)
numeric        numerical (value and tolerance)        ``{#value:tolerance}``
matching       matching (distractors as answers       ``{=left -> right}``
               without a question)
ordering       ordering (standard since Moodle 4.4),  matching: each item with its position
               longest ordered subset or all or
               nothing
=============  =====================================  ======================================

Moodle accepts a partial grade only when it lies within 0.00001 of one of
``question_bank::fraction_options_full()`` (``question/engine/bank.php``), and the
import stops at the first question that breaks the rule, so every fraction here is
taken from that list (:data:`MOODLE_FRACTIONS`). Where Sabaq's rule needs a grade
Moodle lacks, the nearest allowed one is used and the author is warned.

GIFT cannot hold hints, the Correct:/Incorrect: feedback of multiple-response and
matching questions, or points; one warning per file lists what it leaves out, since
the Moodle XML file beside it holds everything.

GIFT is read line by line: a blank line ends a question and a line starting with
``//`` is a comment. So no author text ever reaches the file with a line break of
its own: in questions, answers and feedback a break is written ``\\n`` (which Moodle
turns back into one), and in the comment and category lines, which Moodle takes as
written, breaks and other white space are folded into single spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape

from lxml import etree

from builder.assessment import Choice, MarkdownText, Question, QuestionKind, Quiz, QuizKind
from builder.errors import Location, Reporter
from builder.model import Course
from builder.qti import (
    number_text,
    quiz_title,
    render_html,
    render_inline,
    render_plain,
    warn_about_local_files,
    warn_once,
)

MOODLE_FRACTIONS: tuple[float, ...] = (
    1.0,
    0.9,
    0.8333333,
    0.8,
    0.75,
    0.7,
    0.6666667,
    0.6,
    0.5,
    0.4,
    0.3333333,
    0.3,
    0.25,
    0.2,
    0.1666667,
    0.1428571,
    0.125,
    0.1111111,
    0.1,
    0.05,
)
"""The positive grades of ``question_bank::fraction_options_full()``, as Moodle writes
them (7 decimals); the full list adds 0 and each of these negated."""

ALLOWED_FRACTIONS: tuple[float, ...] = (
    *(-fraction for fraction in reversed(MOODLE_FRACTIONS)),
    0.0,
    *MOODLE_FRACTIONS[::-1],
)
"""Every grade fraction Moodle's import accepts (within :data:`FRACTION_TOLERANCE`)."""
FRACTION_TOLERANCE = 0.00001
"""``match_grade_options()`` in ``lib/questionlib.php``: closer than this is a match."""

MOODLE_DIR = "moodle"
GIFT_DIR = "gift"
README = "README.txt"


# --------------------------------------------------------------------------- categories


@dataclass(frozen=True, slots=True)
class Category:
    quiz: Quiz
    name: str
    """The quiz's title, made unique in the course."""
    path: str
    """``$course$/<course title>/<name>`` with ``/`` in titles doubled, as Moodle reads it."""


def categories(course: Course) -> list[Category]:
    """One category per quiz, in reading order."""
    found: list[Category] = []
    titles = [quiz_title(course, quiz) for quiz in course.quizzes]
    for quiz, title in zip(course.quizzes, titles, strict=True):
        # Two untitled quizzes in one lesson would share a name, and so a category.
        name = title if titles.count(title) == 1 else f"{title} ({quiz.id})"
        path = "/".join(["$course$", _category_part(course.config.title), _category_part(name)])
        found.append(Category(quiz, name, path))
    return found


def _category_part(name: str) -> str:
    # Moodle splits a category path at single slashes and reads '//' as one slash.
    return gift_line(name).replace("/", "//")


def gift_line(text: str) -> str:
    """``text`` on one line, for a GIFT comment or ``$CATEGORY:`` line, which Moodle reads
    without undoing escapes: every run of white space, line breaks included, is one space.

    >>> gift_line("Blockchain\\n\\n::evil::What?{=yes}")
    'Blockchain ::evil::What?{=yes}'
    """
    return " ".join(text.split())


# --------------------------------------------------------------------------- grades


def nearest_fraction(value: float) -> float:
    """The allowed grade fraction closest to ``value``; the smaller one on a tie."""
    return min(ALLOWED_FRACTIONS, key=lambda allowed: (abs(allowed - value), abs(allowed)))


def is_allowed_fraction(value: float) -> bool:
    return any(abs(value - allowed) < FRACTION_TOLERANCE for allowed in ALLOWED_FRACTIONS)


def shares(count: int) -> list[float]:
    """Allowed fractions for ``count`` right choices, as even as possible, adding up to 100%.

    Moodle refuses a multiple-answer question whose positive grades do not add up to
    100% (rounded to whole percent), so 1/11 cannot simply be rounded to 10%: from 11
    to 20 right choices, some are worth 10% and the rest 5%. Past 20, even 5% each
    adds up to more than 100%, which Moodle then caps.
    """
    exact = nearest_fraction(1 / count)
    if abs(exact - 1 / count) < FRACTION_TOLERANCE or count > 20:
        return [exact if count <= 20 else 0.05] * count
    tens = 20 - count
    return [0.1] * tens + [0.05] * (count - tens)


def percent(fraction: float) -> str:
    """A fraction as Moodle writes percentages: ``33.33333``, ``-50``, ``100``."""
    return f"{fraction * 100:.5f}".rstrip("0").rstrip(".")


def choice_fractions(question: Question, reporter: Reporter) -> list[float]:
    """The grade fraction of each choice of a choice question, warning about changes.

    Sabaq's multiple-response rule (each right choice earns 1/R, each wrong one costs
    1/W, never below zero) is Moodle's multichoice marking with those fractions.
    """
    if question.kind is not QuestionKind.MULTIPLE:
        return [1.0 if choice.correct else 0.0 for choice in question.choices]
    right = sum(1 for choice in question.choices if choice.correct)
    wrong = len(question.choices) - right
    gains = shares(right)
    if len(set(gains)) > 1 or abs(gains[0] - 1 / right) >= FRACTION_TOLERANCE:
        listed = " or ".join(f"{percent(value)}%" for value in sorted(set(gains), reverse=True))
        warn_once(
            reporter,
            f"Moodle has no grade of 1/{right}: in the question bank, the {right} right choices "
            f"of question '{question.id}' are worth {listed} each",
            question.location,
            "Moodle's grades are 1/1 to 1/10, 1/20 and a few more; fewer right choices mark exactly",
        )
    cost = _wrong_choice_cost(question, wrong, reporter)
    fractions = []
    for choice in question.choices:
        fractions.append(gains.pop(0) if choice.correct else cost)
    return fractions


def _wrong_choice_cost(question: Question, wrong: int, reporter: Reporter) -> float:
    if not question.partial_credit:
        warn_once(
            reporter,
            "Moodle cannot give points only for a completely right multiple-response answer: "
            f"in the question bank, question '{question.id}' gives each right choice ticked its "
            "share, and any wrong choice ticked costs all the points",
            question.location,
            "so a partly right answer without wrong choices still earns part of the points there",
        )
        return -1.0
    if wrong == 0:
        return 0.0
    cost = nearest_fraction(-1 / wrong)
    if abs(cost + 1 / wrong) >= FRACTION_TOLERANCE:
        warn_once(
            reporter,
            f"Moodle has no grade of -1/{wrong}: in the question bank, each wrong choice of "
            f"question '{question.id}' costs {percent(-cost)}% of its points",
            question.location,
            "Moodle's grades are 1/1 to 1/10, 1/20 and a few more; fewer wrong choices mark exactly",
        )
    return cost


def _warn_about_marking(question: Question, reporter: Reporter) -> None:
    """Marking rules of Sabaq's that Moodle's question types do not share."""
    if question.kind is QuestionKind.MATCHING and not question.partial_credit:
        warn_once(
            reporter,
            "Moodle's matching questions always give part of the points: in the question bank, "
            f"question '{question.id}' earns its share for each right pair (partial=no is lost)",
            question.location,
        )
    count = len(question.items)
    if question.kind is QuestionKind.ORDERING and question.partial_credit and count > 2:
        moodle = round(100 * (count - 1) / count)
        sabaq = round(100 * (count - 2) / (count - 1))
        warn_once(
            reporter,
            "Moodle marks a partly right order as the longest run of items in the right order "
            "out of all the items, where Sabaq leaves the first item of the run out: in the "
            f"question bank, question '{question.id}' with one item out of place earns "
            f"{moodle}% rather than {sabaq}%",
            question.location,
            "write partial=no to give points only for the right order, which Moodle marks alike",
        )


# --------------------------------------------------------------------------- Moodle XML


def moodle_xml(course: Course, reporter: Reporter) -> bytes:
    """Every quiz of the course in Moodle XML, each in its own category."""
    root = etree.Element("quiz")
    for category in categories(course):
        _category_xml(root, category)
        for question in category.quiz.questions:
            warn_about_local_files(question, reporter)
            _warn_about_marking(question, reporter)
            root.append(_question_xml(question, reporter))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _category_xml(root: etree._Element, category: Category) -> None:
    element = etree.SubElement(root, "question", type="category")
    _text(element, "category", category.path, None)
    intro = render_html(category.quiz.intro) if category.quiz.intro else ""
    _text(element, "info", intro)
    etree.SubElement(element, "idnumber").text = category.quiz.id


def _text(parent: etree._Element, tag: str, text: str, format: str | None = "html") -> None:
    element = etree.SubElement(parent, tag)
    if format is not None:
        element.set("format", format)
    etree.SubElement(element, "text").text = text


def _join(*htmls: str) -> str:
    return "\n".join(html for html in htmls if html)


def _optional_html(text: MarkdownText | None) -> str:
    return render_html(text) if text is not None else ""


def _question_xml(question: Question, reporter: Reporter) -> etree._Element:
    kind = question.kind
    qtype = {
        QuestionKind.SINGLE: "multichoice",
        QuestionKind.MULTIPLE: "multichoice",
        QuestionKind.TRUE_FALSE: "truefalse",
        QuestionKind.SHORT: "shortanswer",
        QuestionKind.NUMERIC: "numerical",
        QuestionKind.MATCHING: "matching",
        QuestionKind.ORDERING: "ordering",
    }[kind]
    element = etree.Element("question", type=qtype)
    _text(element, "name", question.id, None)
    _text(element, "questiontext", render_html(question.prompt))
    _text(element, "generalfeedback", _optional_html(question.explanation))
    etree.SubElement(element, "defaultgrade").text = number_text(question.points)
    etree.SubElement(element, "idnumber").text = question.id
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        _multichoice_xml(element, question, reporter)
    elif kind is QuestionKind.TRUE_FALSE:
        _true_false_xml(element, question)
    elif kind is QuestionKind.SHORT:
        _short_xml(element, question)
    elif kind is QuestionKind.NUMERIC:
        _numeric_xml(element, question)
    elif kind is QuestionKind.MATCHING:
        _matching_xml(element, question, reporter)
    else:
        _ordering_xml(element, question)
    for hint in question.hints:
        _text(element, "hint", render_html(hint))
    return element


def _combined_feedback(element: etree._Element, question: Question) -> None:
    """Moodle's three overall feedbacks; Sabaq's Incorrect: covers 'partly right' too."""
    incorrect = _optional_html(question.incorrect_feedback)
    _text(element, "correctfeedback", _optional_html(question.correct_feedback))
    _text(element, "partiallycorrectfeedback", incorrect)
    _text(element, "incorrectfeedback", incorrect)
    etree.SubElement(element, "shownumcorrect").text = "1"


def _answer(
    element: etree._Element,
    fraction: float,
    text: str,
    feedback: str = "",
    format: str = "html",
) -> etree._Element:
    answer = etree.SubElement(element, "answer", fraction=percent(fraction), format=format)
    etree.SubElement(answer, "text").text = text
    _text(answer, "feedback", feedback)
    return answer


def _multichoice_xml(element: etree._Element, question: Question, reporter: Reporter) -> None:
    single = question.kind is QuestionKind.SINGLE
    etree.SubElement(element, "single").text = "true" if single else "false"
    etree.SubElement(element, "shuffleanswers").text = "true" if question.shuffle else "false"
    # Learners see the choices without letters in the lesson pages too.
    etree.SubElement(element, "answernumbering").text = "none"
    _combined_feedback(element, question)
    for choice, fraction in zip(
        question.choices, choice_fractions(question, reporter), strict=True
    ):
        _answer(element, fraction, render_inline(choice.text), _optional_html(choice.feedback))


def _folded_feedback(question: Question, choice: Choice) -> str:
    """A choice's feedback with the overall Correct:/Incorrect: feedback that its pick means.

    True/false, short-answer and numeric questions have no overall feedback in Moodle;
    with one answer, the feedback of the answer given says the same.
    """
    overall = question.correct_feedback if choice.correct else question.incorrect_feedback
    return _join(_optional_html(choice.feedback), _optional_html(overall))


def _true_false_xml(element: etree._Element, question: Question) -> None:
    for choice in question.choices:
        _answer(
            element,
            1.0 if choice.correct else 0.0,
            choice.id,  # 'true' or 'false', which Moodle matches on
            _folded_feedback(question, choice),
            format="moodle_auto_format",
        )


def short_answer_text(answer: str) -> str:
    """An accepted answer as Moodle's short-answer question reads it: ``*`` is a wildcard."""
    return answer.replace("*", "\\*")


def _short_xml(element: etree._Element, question: Question) -> None:
    etree.SubElement(element, "usecase").text = "1" if question.case_sensitive else "0"
    correct = _optional_html(question.correct_feedback)
    for answer in question.answers:
        _answer(element, 1.0, short_answer_text(answer), correct, format="moodle_auto_format")
    if question.incorrect_feedback is not None:
        # Any other answer: Moodle shows this answer's feedback and gives nothing.
        _answer(
            element,
            0.0,
            "*",
            _optional_html(question.incorrect_feedback),
            format="moodle_auto_format",
        )


def _numeric_xml(element: etree._Element, question: Question) -> None:
    correct = _optional_html(question.correct_feedback)
    for number in question.numbers:
        answer = _answer(
            element, 1.0, number_text(number.value), correct, format="moodle_auto_format"
        )
        etree.SubElement(answer, "tolerance").text = number_text(number.tolerance)
    if question.incorrect_feedback is not None:
        answer = _answer(
            element,
            0.0,
            "*",
            _optional_html(question.incorrect_feedback),
            format="moodle_auto_format",
        )
        etree.SubElement(answer, "tolerance").text = "0"
    etree.SubElement(element, "showunits").text = "3"  # no units: a bare number


def matching_targets(question: Question, reporter: Reporter) -> dict[str, str]:
    """Each target's text, plain: Moodle shows a matching question's answers in menus."""
    plain: dict[str, str] = {}
    for target in question.targets:
        text = render_plain(target.text)
        if render_inline(target.text) != escape(text, quote=False):
            warn_once(
                reporter,
                "Moodle shows the right-hand items of a matching question as plain text: in the "
                f"question bank, the formatting of '{text}' in question '{question.id}' is lost",
                target.text.location,
            )
        plain[target.id] = text
    return plain


def _matching_xml(element: etree._Element, question: Question, reporter: Reporter) -> None:
    etree.SubElement(element, "shuffleanswers").text = "true"
    _combined_feedback(element, question)
    targets = matching_targets(question, reporter)
    for pair in question.pairs:
        _subquestion(element, render_inline(pair.left), targets[pair.target_id])
    for target in question.targets:
        if target.distractor:
            # A right-hand item with no left-hand one is how Moodle takes a distractor.
            _subquestion(element, "", targets[target.id])


def _subquestion(element: etree._Element, left: str, right: str) -> None:
    subquestion = etree.SubElement(element, "subquestion", format="html")
    etree.SubElement(subquestion, "text").text = left
    answer = etree.SubElement(subquestion, "answer")
    etree.SubElement(answer, "text").text = right


def _ordering_xml(element: etree._Element, question: Question) -> None:
    # Moodle's "longest ordered subset" is Sabaq's longest-run rule (scored L/N, see
    # _warn_about_marking); "all or nothing" is partial=no.
    grading = "LONGEST_ORDERED_SUBSET" if question.partial_credit else "ALL_OR_NOTHING"
    for tag, value in (
        ("layouttype", "VERTICAL"),
        ("selecttype", "ALL"),
        ("selectcount", str(len(question.items))),
        ("gradingtype", grading),
        ("showgrading", "SHOW"),
        ("numberingstyle", "none"),
    ):
        etree.SubElement(element, tag).text = value
    _combined_feedback(element, question)
    for item in question.items:
        # In the right order; Moodle numbers them itself (its fraction field is ignored).
        _answer(element, 1.0, render_inline(item.text))


# --------------------------------------------------------------------------- GIFT


@dataclass
class _GiftLosses:
    """What a GIFT file leaves out, by question, for one warning per file."""

    hints: list[Question] = field(default_factory=list)
    overall_feedback: list[Question] = field(default_factory=list)
    points: list[Question] = field(default_factory=list)

    def note(self, question: Question) -> None:
        if question.hints:
            self.hints.append(question)
        overall = question.correct_feedback or question.incorrect_feedback
        if overall and question.kind in _NO_OVERALL_FEEDBACK_IN_GIFT:
            self.overall_feedback.append(question)
        if question.points != 1:
            self.points.append(question)

    def report(self, file: str, moodle_file: str, reporter: Reporter) -> None:
        parts = []
        if self.hints:
            parts.append(f"the hints of {_question_list(self.hints)}")
        if self.overall_feedback:
            parts.append(
                f"the Correct:/Incorrect: feedback of {_question_list(self.overall_feedback)}"
            )
        if self.points:
            parts.append(
                f"the points of {_question_list(self.points)} (GIFT gives every question 1 point)"
            )
        if not parts:
            return
        first = min(
            (*self.hints, *self.overall_feedback, *self.points),
            key=lambda question: _location_key(question.location),
        )
        warn_once(
            reporter,
            f"{file} leaves out what GIFT cannot hold: {_and(parts)}",
            first.location,
            f"{moodle_file} in the same package holds the complete questions; import it instead",
        )


_NO_OVERALL_FEEDBACK_IN_GIFT = frozenset(
    {QuestionKind.MULTIPLE, QuestionKind.MATCHING, QuestionKind.ORDERING}
)


def _location_key(location: Location) -> tuple[str, int]:
    return (str(location.path), location.line or 0)


def _question_list(questions: Sequence[Question]) -> str:
    names = [f"'{question.id}'" for question in questions]
    return ("question " if len(names) == 1 else "questions ") + _and(names)


def _and(words: Sequence[str]) -> str:
    return " and ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else words[0]


_GIFT_SPECIAL = re.compile(r"([~=#{}:])")
_GIFT_ESCAPE_PREFIX = re.compile(r"\\[\\~=#{}:n]")


def gift_html(html: str) -> str:
    """HTML for a ``[html]`` GIFT question: special characters escaped, one line.

    Moodle's import restores ``\\:`` ``\\#`` ``\\=`` ``\\{`` ``\\}`` ``\\~`` and ``\\n``
    but leaves ``\\\\`` doubled, so a backslash is written as the entity ``&#92;``;
    a leading ``[`` or ``%`` would be read as a format or a grade, so they are
    entities too.
    """
    html = html.replace("\\", "&#92;")
    if html.startswith(("[", "%")):
        html = f"&#{ord(html[0])};{html[1:]}"
    return _gift_escape(html)


def _gift_escape(text: str) -> str:
    """GIFT's special characters escaped, and every line break written ``\\n``.

    A break of any kind (``\\r\\n``, ``\\r``, ``\\n``) would end the line, and an empty line
    the question: the text after it would be read as questions of its own.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _GIFT_SPECIAL.sub(r"\\\1", text).replace("\n", "\\n")


def gift_plain(text: str, question: Question, reporter: Reporter) -> str:
    """Plain text (an answer, a menu item) for GIFT, where no entity can stand in.

    A backslash stays as it is; before a character GIFT escapes, Moodle's import
    would change it, which is reported.
    """
    if _GIFT_ESCAPE_PREFIX.search(text):
        warn_once(
            reporter,
            f"Moodle's GIFT import would change '{text}' in question '{question.id}': it reads "
            "a backslash before n, ~, =, #, {, }, : or another backslash as an escape",
            question.location,
            "import the Moodle XML file of the same package, which keeps it as written",
        )
    return _gift_escape(text)


def gift(course: Course, reporter: Reporter, file: str, moodle_file: str) -> bytes:
    """Every quiz of the course in GIFT, each after its ``$CATEGORY:`` line."""
    losses = _GiftLosses()
    blocks = [f"// {gift_line(course.config.title)}: questions exported by Sabaq; see {README}"]
    for category in categories(course):
        # The category is read before any escape is undone, so it is written as it is.
        blocks.append(f"$CATEGORY: {category.path}")
        for question in category.quiz.questions:
            warn_about_local_files(question, reporter)
            _warn_about_marking(question, reporter)
            losses.note(question)
            blocks.append(_gift_question(question, reporter, file, moodle_file))
    losses.report(file, moodle_file, reporter)
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def _gift_question(question: Question, reporter: Reporter, file: str, moodle_file: str) -> str:
    header = f"// question: {question.id}\n// [id:{question.id}]\n"
    head = f"::{_gift_escape(question.id)}::[html]{gift_html(render_html(question.prompt))}"
    general = _optional_html(question.explanation)
    tail = f"\t####{gift_html(general)}\n" if general else ""
    kind = question.kind
    if kind is QuestionKind.TRUE_FALSE:
        return header + head + _gift_true_false(question, general)
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        lines = _gift_choices(question, reporter)
    elif kind is QuestionKind.SHORT:
        lines = _gift_short(question, reporter, file, moodle_file)
    elif kind is QuestionKind.NUMERIC:
        return header + head + "{#\n" + _gift_numeric(question) + tail + "}"
    elif kind is QuestionKind.MATCHING:
        targets = matching_targets(question, reporter)
        pairs = [(render_inline(pair.left), targets[pair.target_id]) for pair in question.pairs]
        pairs += [("", targets[t.id]) for t in question.targets if t.distractor]
        lines = _gift_pairs(pairs, question, reporter)
    else:
        lines = _gift_ordering(question, reporter, file, moodle_file)
    return header + head + "{\n" + "".join(f"\t{line}\n" for line in lines) + tail + "}"


def _gift_true_false(question: Question, general: str) -> str:
    right = next(choice for choice in question.choices if choice.correct)
    wrong = next(choice for choice in question.choices if not choice.correct)
    # {TRUE#feedback when answered wrongly#feedback when answered rightly}
    text = "TRUE" if right.id == "true" else "FALSE"
    wrong_feedback = _folded_feedback(question, wrong)
    right_feedback = _folded_feedback(question, right)
    if wrong_feedback or right_feedback:
        text += f"#{gift_html(wrong_feedback)}"
    if right_feedback:
        text += f"#{gift_html(right_feedback)}"
    return "{" + text + (f"####{gift_html(general)}" if general else "") + "}"


def _gift_choices(question: Question, reporter: Reporter) -> list[str]:
    single = question.kind is QuestionKind.SINGLE
    lines = []
    for choice, fraction in zip(
        question.choices, choice_fractions(question, reporter), strict=True
    ):
        if single:
            # One answer: the overall feedback is the feedback of the pick.
            mark = "=" if choice.correct else "~"
            feedback = _folded_feedback(question, choice)
        else:
            # No '=' at all: that is how GIFT tells a multiple-answer question.
            mark = f"~%{percent(fraction)}%"
            feedback = _optional_html(choice.feedback)
        text = mark + gift_html(render_inline(choice.text))
        lines.append(text + (f"#{gift_html(feedback)}" if feedback else ""))
    return lines


def _gift_short(question: Question, reporter: Reporter, file: str, moodle_file: str) -> list[str]:
    if question.case_sensitive:
        warn_once(
            reporter,
            "GIFT cannot make a short answer case-sensitive: in "
            f"{file}, question '{question.id}' accepts its answers in any letter case",
            question.location,
            f"import {moodle_file} instead, which keeps the question case-sensitive",
        )
    correct = _optional_html(question.correct_feedback)
    feedback = f"#{gift_html(correct)}" if correct else ""
    lines = []
    for answer in question.answers:
        if "->" in answer:
            warn_once(
                reporter,
                f"Moodle's GIFT import would read question '{question.id}' as a matching "
                f"question, because its answer '{answer}' contains '->'",
                question.location,
                f"import {moodle_file} instead, which keeps it a short-answer question",
            )
        text = gift_plain(short_answer_text(answer), question, reporter)
        if feedback and text.endswith("\\"):
            warn_once(
                reporter,
                f"Moodle's GIFT import would change '{answer}' in question '{question.id}': "
                "its last backslash would escape the '#' that starts the Correct: feedback, "
                "which would become part of the answer",
                question.location,
                f"import {moodle_file} instead, which keeps it as written",
            )
        lines.append(f"=%100%{text}{feedback}")
    if question.incorrect_feedback is not None:
        # Any other answer earns nothing and shows the Incorrect: feedback.
        lines.append(f"=%0%*#{gift_html(_optional_html(question.incorrect_feedback))}")
    return lines


def _gift_numeric(question: Question) -> str:
    correct = _optional_html(question.correct_feedback)
    feedback = f"#{gift_html(correct)}" if correct else ""
    lines = [
        f"\t=%100%{number_text(number.value)}:{number_text(number.tolerance)}{feedback}\n"
        for number in question.numbers
    ]
    if question.incorrect_feedback is not None:
        lines.append(f"\t~#{gift_html(_optional_html(question.incorrect_feedback))}\n")
    return "".join(lines)


def _gift_pairs(
    pairs: Iterable[tuple[str, str]], question: Question, reporter: Reporter
) -> list[str]:
    # An empty left side is a distractor, as in Moodle XML.
    return [
        f"={gift_html(left)} -> {gift_plain(right, question, reporter)}" for left, right in pairs
    ]


def _gift_ordering(
    question: Question, reporter: Reporter, file: str, moodle_file: str
) -> list[str]:
    count = len(question.items)
    warn_once(
        reporter,
        f"GIFT has no ordering questions: in {file}, question '{question.id}' becomes a "
        f"matching question that pairs each of its {count} items with its position, earning "
        "a share for each item in its exact place"
        + ("" if question.partial_credit else " (partial=no is lost)"),
        question.location,
        f"import {moodle_file} instead, which keeps it an ordering question (Moodle 4.4 or later)",
    )
    pairs = [
        (render_inline(item.text), str(position))
        for position, item in enumerate(question.items, start=1)
    ]
    return _gift_pairs(pairs, question, reporter)


# --------------------------------------------------------------------------- the package


def readme(course: Course, moodle_file: str, gift_file: str) -> bytes:
    """How an admin imports the files, and what each quiz needs in Moodle."""
    lines = [
        f"{course.config.title}: questions for Moodle's question bank",
        "",
        "Two files hold the same questions; import one of them.",
        "",
        f"  {moodle_file}  Moodle XML: every question as written, with hints and feedback.",
        "      Ordering questions need Moodle 4.4 or later (or the Ordering plugin).",
        f"  {gift_file}  GIFT: for other tools; it cannot hold hints, points, some",
        "      feedback, case-sensitive answers or ordering questions.",
        "",
        "To import, open the course's question bank (Moodle 4: More > Question bank;",
        "Moodle 5: More > Question banks, then the course's bank) and choose Import.",
        "Pick the format (Moodle XML format or GIFT format), leave 'Get category from",
        "file' and 'Get context from file' ticked, drop the file and press Import.",
        f"Each quiz gets its own category under '{course.config.title}'.",
        "",
    ]
    for category in categories(course):
        quiz = category.quiz
        count = len(quiz.questions)
        lines.append(f"- {category.name} ({_kind_words[quiz.kind]}): {_plural(count, 'question')}")
        if quiz.pool is not None and quiz.pool < count:
            lines.append(
                f"  draws {quiz.pool} at random: in the Moodle quiz, add {quiz.pool} random "
                "questions from this category"
            )
    return ("\n".join(lines) + "\n").encode("utf-8")


_kind_words = {
    QuizKind.CHECK: "knowledge check",
    QuizKind.GRADED: "graded quiz",
    QuizKind.EXAM: "exam",
}


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def has_questions(course: Course) -> bool:
    """Whether a question bank of ``course`` would hold any question.

    Moodle's XML importer crashes on a file without questions, so a course
    without them gets no question bank (``builder.formats.questionbank``).
    """
    return any(quiz.questions for quiz in course.quizzes)


def question_bank_entries(course: Course, reporter: Reporter) -> dict[str, bytes]:
    """The package: ``moodle/<course-id>.xml``, ``gift/<course-id>.txt`` and a README.

    Only for a course that :func:`has_questions`.
    """
    moodle_file = f"{MOODLE_DIR}/{course.config.id}.xml"
    gift_file = f"{GIFT_DIR}/{course.config.id}.txt"
    return {
        moodle_file: moodle_xml(course, reporter),
        gift_file: gift(course, reporter, gift_file, moodle_file),
        README: readme(course, moodle_file, gift_file),
    }
