"""Quizzes written in lesson Markdown: the question model and its parser.

An author writes a question as a ``:::`` block inside a lesson::

    ::: question single id=pow-cost points=2
    What does proof of work make expensive?

    - [ ] Sending a transaction
      > Sending is cheap; anyone can broadcast one.
    - [x] Rewriting past blocks

    Hint: Think about what miners compete for.
    :::

and groups questions into a graded quiz or an exam with ``::: quiz graded`` …
``:::`` around them. Questions outside any quiz form the lesson's knowledge check.
``docs/quizzes.md`` is the authors' guide to the syntax.

The parser works on markdown-it tokens, so every problem is reported at its line;
:func:`extract_quizzes` takes the blocks out of a lesson's token stream and leaves a
placeholder token where each must be shown. Every piece of text (prompt, choice,
feedback) stays Markdown source with its own location: the renderer renders it, the
translation catalogs offer it, and exports (QTI, Moodle XML, GIFT) copy it.
Learners' answers are marked by the runtime alone (``scoreQuestion`` in sabaq.js, tested
by ``tests/js/test_scoring.py``); its rules are kept simple enough to say in a sentence each.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import cache
from html import escape
from typing import TypeVar

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from builder.errors import Location, Reporter
from builder.fields import SLUG
from builder.model import Lesson

# --------------------------------------------------------------------------- the model


class QuestionKind(Enum):
    SINGLE = "single"
    """Single choice: exactly one choice is right (radio buttons)."""
    MULTIPLE = "multiple"
    """Multiple response: one or more choices are right (check boxes)."""
    TRUE_FALSE = "true-false"
    SHORT = "short"
    """Short answer: the learner types text, compared with the accepted answers."""
    NUMERIC = "numeric"
    """The learner types a number, right when it lies in an accepted range."""
    MATCHING = "matching"
    ORDERING = "ordering"

    @property
    def label(self) -> str:
        """The kind as messages and the guide name it: 'single-choice', 'short-answer'."""
        return _KIND_LABELS[self]


_KIND_LABELS = {
    QuestionKind.SINGLE: "single-choice",
    QuestionKind.MULTIPLE: "multiple-response",
    QuestionKind.TRUE_FALSE: "true-false",
    QuestionKind.SHORT: "short-answer",
    QuestionKind.NUMERIC: "numeric",
    QuestionKind.MATCHING: "matching",
    QuestionKind.ORDERING: "ordering",
}
CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE})
"""Kinds answered by picking among choices marked ``[ ]`` and ``[x]``."""


class QuizKind(Enum):
    CHECK = "check"
    """A knowledge check inside a lesson: practice, not graded."""
    GRADED = "graded"
    """A module quiz that counts toward the course score."""
    EXAM = "exam"
    """A final certification exam; answers are not revealed unless the author asks."""

    @property
    def graded(self) -> bool:
        return self is not QuizKind.CHECK


@dataclass(frozen=True, slots=True)
class MarkdownText:
    """Markdown source as the author wrote it, and the line it starts on.

    Kept as source rather than HTML: the renderer renders it (checking its links and
    images at this location), and translators see what the author wrote. Line ``n``
    of ``source`` (from 0) is line ``location.line + n`` of the file, so problems
    found when rendering it can be reported at their line.
    """

    source: str
    location: Location


@dataclass(frozen=True, slots=True)
class Choice:
    """A choice of a single-choice, multiple-response or true-false question."""

    id: str
    """``a``, ``b``, … in the order written; ``true`` or ``false`` in a true-false question."""
    text: MarkdownText
    correct: bool
    feedback: MarkdownText | None = None
    """Shown when the learner picks this choice."""


@dataclass(frozen=True, slots=True)
class MatchTarget:
    """A right-hand item of a matching question, offered to every left-hand item."""

    id: str
    """``a``, ``b``, … in the order first written."""
    text: MarkdownText
    distractor: bool = False
    """True when no left-hand item matches it."""


@dataclass(frozen=True, slots=True)
class MatchPair:
    """A left-hand item of a matching question and the target it matches."""

    id: str
    """``1``, ``2``, … in the order written."""
    left: MarkdownText
    target_id: str
    """The id of the :class:`MatchTarget` that is right for it."""


@dataclass(frozen=True, slots=True)
class OrderItem:
    """An item of an ordering question."""

    id: str
    """``a``, ``b``, … in the right order (learners see the items shuffled)."""
    text: MarkdownText


@dataclass(frozen=True, slots=True)
class NumericAnswer:
    """An accepted range for a numeric question: ``value ± tolerance``, ends included.

    ``low`` and ``high`` are computed in decimal from what the author wrote, so
    ``3.14 ± 0.01`` accepts 3.13 exactly; the runtime's scorer still allows for the
    rounding of binary floating point that a browser's numbers have.
    """

    value: float
    tolerance: float
    low: float
    high: float
    written: str
    """The answer as the author wrote it, e.g. ``3.14 ± 0.01`` or ``3.1 to 3.2``."""


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    """The author's ``id=``, or ``<lesson id>/q<n>`` for the n-th question of the lesson."""
    kind: QuestionKind
    prompt: MarkdownText
    location: Location
    """The line of ``::: question``."""
    points: float = 1.0
    choices: tuple[Choice, ...] = ()
    """Single-choice, multiple-response and true-false questions."""
    answers: tuple[str, ...] = ()
    """Short-answer questions: every accepted answer, as written."""
    numbers: tuple[NumericAnswer, ...] = ()
    """Numeric questions: every accepted range."""
    pairs: tuple[MatchPair, ...] = ()
    """Matching questions: the left-hand items in the order written."""
    targets: tuple[MatchTarget, ...] = ()
    """Matching questions: every right-hand item once, distractors last."""
    items: tuple[OrderItem, ...] = ()
    """Ordering questions: the items in the right order."""
    shuffle: bool = False
    """Single-choice and multiple-response: show the choices in a random order."""
    partial_credit: bool = True
    """Multiple-response, matching and ordering: give part of the points for part of the answer."""
    case_sensitive: bool = False
    """Short-answer: 'SHA-256' and 'sha-256' are different answers."""
    hints: tuple[MarkdownText, ...] = ()
    correct_feedback: MarkdownText | None = None
    incorrect_feedback: MarkdownText | None = None
    explanation: MarkdownText | None = None
    """Shown after every answer, right or wrong."""

    @property
    def correct_choices(self) -> tuple[Choice, ...]:
        return tuple(choice for choice in self.choices if choice.correct)


@dataclass(frozen=True, slots=True)
class Quiz:
    id: str
    """The author's ``id=``; or ``<lesson id>/check`` for the questions outside any quiz,
    ``<lesson id>/quiz`` for the lesson's first quiz, ``<lesson id>/quiz-<n>`` for the next."""
    kind: QuizKind
    lesson_id: str
    questions: tuple[Question, ...]
    location: Location
    title: str = ""
    """Empty: the theme shows its (translated) name for the kind."""
    intro: MarkdownText | None = None
    """Text before the first question, shown above the quiz."""
    pool: int | None = None
    """Draw this many of the questions at random for each attempt; None: all of them."""
    attempts: int | None = None
    """None: unlimited."""
    reveal: bool = True
    """Show the right answers after the learner submits."""
    pass_mark: int | None = None
    """Percent needed to pass; None: the course's ``mastery_score``. Graded quizzes only."""
    shuffle: bool = False
    """Present the questions in a random order."""

    @property
    def drawn(self) -> int:
        """How many questions each attempt shows."""
        return self.pool if self.pool is not None else len(self.questions)

    @property
    def max_points(self) -> float:
        """The most points one attempt can earn.

        The parser makes every question of a pool worth the same, so a drawn
        attempt is always worth ``pool`` times that.
        """
        if self.pool is not None and self.questions:
            return self.pool * self.questions[0].points
        return max_points(self.questions)


def max_points(questions: Iterable[Question]) -> float:
    """The most points the questions can earn together."""
    return sum((question.points for question in questions), 0.0)


# --------------------------------------------------------------------------- answers


def normalise_answer(text: str, *, case_sensitive: bool) -> str:
    """A short answer as it is compared: Unicode NFC, spaces trimmed and collapsed,
    and lower-cased unless the question is case-sensitive.

    The build normalises the accepted answers with it; the runtime normalises what the
    learner types the same way (``normaliseAnswer`` in sabaq.js) and scores there.
    ``str.lower`` rather than ``casefold`` so the browser's ``toLowerCase`` agrees.
    """
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return text if case_sensitive else text.lower()


# --------------------------------------------------------------------------- course checks


def check_unique_ids(quizzes: Iterable[Quiz], reporter: Reporter) -> None:
    """Report quiz and question ids used twice in a course (LMS records are keyed by them).

    :func:`extract_quizzes` already reports, and drops, a question id repeated within
    one lesson, so each duplicate is reported once.
    """
    quiz_seen: dict[str, Location] = {}
    question_seen: dict[str, Location] = {}
    for quiz in quizzes:
        _note_id("quiz", quiz.id, quiz.location, quiz_seen, reporter)
        for question in quiz.questions:
            _note_id("question", question.id, question.location, question_seen, reporter)


def _note_id(
    what: str, ident: str, location: Location, seen: dict[str, Location], reporter: Reporter
) -> None:
    if ident in seen:
        reporter.error(
            f"{what} id '{ident}' is also used at {seen[ident].display()}",
            location,
            f"{what} ids must be unique in the whole course, because the LMS keeps "
            "learners' results under them: rename one",
        )
    else:
        seen[ident] = location


# --------------------------------------------------------------------------- the block syntax

BLOCK_OPEN = "sabaq_block_open"
BLOCK_CLOSE = "sabaq_block_close"
STRAY_CLOSE = "sabaq_block_stray_close"
PLACEHOLDER = "sabaq_assessment"
"""Token type that stands where a quiz or a knowledge-check question is shown."""
RENDER_HOOK = "sabaq_render_assessment"
"""Key of the render ``env`` under which a renderer may put a function
``(AssessmentRef) -> str`` that returns a placeholder's HTML."""

_COLONS = re.compile(r"^:{3,}[ \t]*(.*?)[ \t]*$")
_FENCE_START = re.compile(r"^ {0,3}(`{3,}|~{3,})")
INSIDES_PLACED = "sabaq_insides_placed"
"""Key of the parse ``env`` that says the blocks will be replaced by what loading read
from them (:func:`placed_quizzes`): their insides need not be parsed again, unless
they could change the rest of the page (:func:`_inside_reaches_out`)."""
_REACHES_OUT = re.compile(
    r"#|\]:|\[\^|^[ \t>]*(?:=+|-+)[ \t]*$",
    re.MULTILINE,
)
"""Text by which a block's inside could change the page around it: a heading (ATX ``#``
or a setext underline), whose id the page's other headings must not take; a link
reference or footnote definition (``]:``), which the page's text may use; a footnote
reference (``[^``), which numbers the page's notes. Loose on purpose: a
``#`` in a URL or in code only costs a parse."""


def assessment_plugin(md: MarkdownIt) -> None:
    """Teach ``md`` the ``:::`` blocks that hold questions and quizzes.

    markdown-it's container plugin closes a block at the first ``:::`` it meets, so a
    quiz holding questions would need ``::::`` around ``:::`` — colons an author has
    to count. This rule pairs ``::: name`` with its ``:::`` by nesting instead.
    """
    md.block.ruler.before(
        "fence",
        "sabaq_block",
        _block_rule,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
    md.add_render_rule(PLACEHOLDER, _render_placeholder)
    md.add_render_rule(STRAY_CLOSE, _render_nothing)


def quiz_markdown() -> MarkdownIt:
    """The lesson parser, which knows the ``:::`` blocks (see :func:`builder.markdown.make_markdown`)."""
    from builder.markdown import make_markdown  # here: markdown.py imports this module

    return make_markdown()


def _block_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.is_code_block(start_line):
        return False
    start = state.bMarks[start_line] + state.tShift[start_line]
    match = _COLONS.match(state.src[start : state.eMarks[start_line]])
    if match is None:
        return False
    if silent:
        return True
    params = match.group(1)
    if not params:
        # A ':::' with nothing open: shown to the author as an error, not as text.
        token = state.push(STRAY_CLOSE, "", 0)
        token.map = [start_line, start_line + 1]
        token.block = True
        state.line = start_line + 1
        return True
    close_line, closed = _find_close(state, start_line, end_line)
    token = state.push(BLOCK_OPEN, "div", 1)
    token.info = params
    token.block = True
    token.map = [start_line, close_line + 1 if closed else close_line]
    token.meta["closed"] = closed
    if not (
        state.env.get(INSIDES_PLACED) and not _inside_reaches_out(state, start_line, close_line)
    ):
        old_parent, old_line_max = state.parentType, state.lineMax
        state.parentType = "sabaq_block"
        state.lineMax = close_line  # lazy continuation lines must not run past the ':::'
        state.md.block.tokenize(state, start_line + 1, close_line)
        state.parentType, state.lineMax = old_parent, old_line_max
    token = state.push(BLOCK_CLOSE, "div", -1)
    token.block = True
    state.line = close_line + 1 if closed else close_line
    return True


def _inside_reaches_out(state: StateBlock, start_line: int, close_line: int) -> bool:
    """Whether the inside of the block opened on ``start_line`` could change the page
    around it (see :data:`_REACHES_OUT`)."""
    if close_line <= start_line + 1:
        return False
    inside = state.src[state.bMarks[start_line + 1] : state.eMarks[close_line - 1]]
    return _REACHES_OUT.search(inside) is not None


def _find_close(state: StateBlock, start_line: int, end_line: int) -> tuple[int, bool]:
    """The line of the ``:::`` that closes the block opened on ``start_line``.

    ``::: name`` lines open nested blocks and bare ``:::`` lines close the innermost;
    lines inside code fences do neither. Returns (line, closed); an unclosed block
    runs to the end of its parent.
    """
    depth = 0
    fence = ""
    line = start_line + 1
    while line < end_line:
        start = state.bMarks[line] + state.tShift[line]
        text = state.src[start : state.eMarks[line]]
        if text and state.sCount[line] < state.blkIndent:
            break  # the parent (a list item, say) ends here
        fence_match = _FENCE_START.match(state.src[state.bMarks[line] : state.eMarks[line]])
        if fence:
            if (
                fence_match
                and fence_match.group(1).startswith(fence)
                and not text.strip(fence[0]).strip()
            ):
                fence = ""
        elif fence_match:
            fence = fence_match.group(1)
        elif not state.is_code_block(line) and (colons := _COLONS.match(text)):
            if colons.group(1):
                depth += 1
            elif depth == 0:
                return line, True
            else:
                depth -= 1
        line += 1
    return line, False


def _render_placeholder(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    ref = assessment_at(tokens[idx])
    hook = env.get(RENDER_HOOK)
    if ref is not None and callable(hook):
        return str(hook(ref))
    # Without a hook, a mount point the runtime can fill.
    quiz_id = escape(ref.quiz.id) if ref else ""
    question = f' data-question="{escape(ref.question.id)}"' if ref and ref.question else ""
    return f'<div class="sabaq-quiz" data-quiz="{quiz_id}"{question}></div>\n'


def _render_nothing(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return ""


# --------------------------------------------------------------------------- extraction


@dataclass(frozen=True, slots=True)
class AssessmentRef:
    """What a placeholder token stands for: a whole quiz, or one knowledge-check question."""

    quiz: Quiz
    question: Question | None = None


@dataclass(frozen=True, slots=True)
class LessonQuizzes:
    quizzes: tuple[Quiz, ...]
    """In the order they appear; the knowledge check (if any) where its first question is."""
    tokens: list[Token]
    """The lesson's tokens with each quiz block replaced by one :data:`PLACEHOLDER`
    token and each knowledge-check question by one of its own (from
    :func:`parse_quizzes`, block tokens only: their inline markup is not parsed)."""


def assessment_at(token: Token) -> AssessmentRef | None:
    """The quiz or question a :data:`PLACEHOLDER` token stands for."""
    ref = token.meta.get("assessment") if token.type == PLACEHOLDER else None
    return ref if isinstance(ref, AssessmentRef) else None


def parse_quizzes(lesson: Lesson, reporter: Reporter) -> LessonQuizzes:
    """Parse ``lesson``'s blocks with :func:`quiz_markdown` and extract its quizzes.

    Quizzes are read from the lesson's block structure and keep their texts as source,
    which each page renders in its language; parsing every paragraph's inline markup
    here too was a third of loading a course, for tokens nobody reads.
    """
    return extract_quizzes(_block_parser().parse(lesson.body), lesson, reporter)


def read_quizzes(lesson: Lesson, reporter: Reporter) -> tuple[Quiz, ...]:
    """The quizzes of ``lesson`` (:func:`parse_quizzes`), reporting their mistakes.

    Every block opens or closes with a ``:::`` line: a lesson without one has no quiz,
    question or stray ``:::`` to report, so its Markdown is not parsed here at all.
    """
    if ":::" not in lesson.body:
        return ()
    return parse_quizzes(lesson, reporter).quizzes


@cache
def _block_parser() -> MarkdownIt:
    from builder.markdown import make_markdown  # here: markdown.py imports this module

    parser = make_markdown.__wrapped__()  # its own: the shared one parses inline markup
    parser.disable("inline")
    return parser


def extract_quizzes(tokens: Sequence[Token], lesson: Lesson, reporter: Reporter) -> LessonQuizzes:
    """Read the quizzes and questions of a lesson from its tokens, reporting every problem.

    ``tokens`` come from a parser using :func:`assessment_plugin` on ``lesson.body``.
    Questions that have errors are left out of the quizzes (the build stops anyway).
    """
    return _LessonReader(lesson, reporter, list(tokens)).read()


def placed_quizzes(
    tokens: Sequence[Token], lesson: Lesson, quizzes: Sequence[Quiz]
) -> LessonQuizzes | None:
    """``tokens`` with each ``:::`` block replaced by a placeholder for what loading the
    course read from it (``quizzes``, the lesson's), or None when some block is not one
    of them (a lesson with mistakes: :func:`extract_quizzes` reports them).

    A page's tokens hold the blocks loading read already: reading them again was a
    tenth of rendering a lesson, for the same quizzes.
    """
    placed: dict[int | None, AssessmentRef] = {}
    for quiz in quizzes:
        if _of_loose_questions(quiz):  # each question is shown where it is written
            placed.update((q.location.line, AssessmentRef(quiz, q)) for q in quiz.questions)
        else:
            placed[quiz.location.line] = AssessmentRef(quiz)
    output: list[Token] = []
    for start, end in _child_blocks(tokens, 0, len(tokens)):
        token = tokens[start]
        if token.type == BLOCK_OPEN and token.map is not None:
            ref = placed.pop(lesson.body_line + token.map[0], None)
            if ref is None:
                return None
            placeholder = Token(PLACEHOLDER, "div", 0, map=token.map, block=True)
            placeholder.meta["assessment"] = ref
            output.append(placeholder)
        elif any(each.type in (BLOCK_OPEN, STRAY_CLOSE) for each in tokens[start:end]):
            return None  # a stray ':::', or a block inside a list or a quote
        else:
            output.extend(tokens[start:end])
    return None if placed else LessonQuizzes(tuple(quizzes), output)


def _of_loose_questions(quiz: Quiz) -> bool:
    """Whether ``quiz`` is the knowledge check a lesson's questions outside any quiz
    make (:meth:`_LessonReader.finish`), which starts where its first question does."""
    return (
        quiz.kind is QuizKind.CHECK
        and bool(quiz.questions)
        and quiz.location == quiz.questions[0].location
    )


_KIND_WORDS: dict[str, QuestionKind] = {
    **{kind.value: kind for kind in QuestionKind},
    "single-choice": QuestionKind.SINGLE,
    "multiple-response": QuestionKind.MULTIPLE,
    "truefalse": QuestionKind.TRUE_FALSE,
    "true/false": QuestionKind.TRUE_FALSE,
    "short-answer": QuestionKind.SHORT,
    "number": QuestionKind.NUMERIC,
    "numerical": QuestionKind.NUMERIC,
    "match": QuestionKind.MATCHING,
    "order": QuestionKind.ORDERING,
}
_AMBIGUOUS_KINDS = frozenset({"mcq", "multiple-choice", "choice"})
_KINDS_LIST = ", ".join(kind.value for kind in QuestionKind)
_CALLOUTS = frozenset({"note", "tip", "important", "warning", "caution", "info", "danger"})

_QUESTION_OPTIONS: dict[str, frozenset[QuestionKind]] = {
    "id": frozenset(QuestionKind),
    "points": frozenset(QuestionKind),
    "shuffle": frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE}),
    "partial": frozenset({QuestionKind.MULTIPLE, QuestionKind.MATCHING, QuestionKind.ORDERING}),
    "case-sensitive": frozenset({QuestionKind.SHORT}),
}
_QUIZ_OPTIONS: dict[str, frozenset[QuizKind]] = {
    "id": frozenset(QuizKind),
    "title": frozenset(QuizKind),
    "pool": frozenset(QuizKind),
    "attempts": frozenset(QuizKind),
    "reveal": frozenset(QuizKind),
    "shuffle": frozenset(QuizKind),
    "pass": frozenset({QuizKind.GRADED, QuizKind.EXAM}),
}
_FLAGS = frozenset({"shuffle", "partial", "case-sensitive", "reveal"})
"""Options that may be written alone, meaning 'yes': ``::: question single shuffle``."""
_QUIZ_KIND_PHRASES = {
    QuizKind.CHECK: "knowledge checks",
    QuizKind.GRADED: "graded quizzes",
    QuizKind.EXAM: "exams",
}

_LABELS = ("answer", "hint", "correct", "incorrect", "explanation", "distractor")
_REPEATABLE_LABELS = frozenset({"answer", "hint", "distractor"})
_LABEL_LINE = re.compile(r"^(?P<label>[^\W\d_][\w -]{0,24}?)[ \t]*:(?:[ \t]+|$)(?P<rest>.*)$")
_TASK_BOX = re.compile(r"^\[[ xX]\][ \t]*")
_LIST_MARKER = re.compile(r"^(?P<marker>[ \t]*(?:[-*+]|\d{1,9}[.)]))(?P<space>[ \t]*)")
_QUOTE_MARKER = re.compile(r"^ {0,3}> ?")
_ARROW = re.compile(r"[ \t]+(?:->|→)(?:[ \t]+|$)|^(?:->|→)[ \t]+")

_DECIMAL = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_NUMBER = re.compile(rf"^{_DECIMAL}$")
_PLUS_MINUS = re.compile(r"^(?P<value>\S+?)[ \t]*(?:±|\+/-|\+-)[ \t]*(?P<tolerance>.*)$")
_RANGE = re.compile(
    rf"^(?P<low>{_DECIMAL})[ \t]*(?:\.\.|[ \t]to[ \t])[ \t]*(?P<high>{_DECIMAL})$", re.IGNORECASE
)
_TOLERANCE = re.compile(r"^(?P<number>\+?(?:\d+(?:\.\d*)?|\.\d+))[ \t]*(?P<percent>%?)$")
_EXAMPLE_NUMBERS = "write it like 'Answer: 42', 'Answer: 3.14 ± 0.01' or 'Answer: 3.1 to 3.2'"
_EXPONENT_LIMIT = 300
"""Numbers in answers lie within 1e-300 and 1e300 in size (or are 0): a browser's numbers
end near 1.8e308, and ``Infinity`` in a page's quiz data is not JSON, which kills the quiz."""
MAX_POINTS = 10_000
"""The most ``points=`` a question may be worth (Moodle stores a question's mark with
five digits before the point)."""
MAX_COUNT = 10_000
"""The largest ``attempts=`` and ``pool=``."""
_WHOLE = re.compile(r"[0-9]{1,9}")
"""ASCII digits only: ``str.isdigit`` takes '²', which ``int`` refuses."""


_Kind = TypeVar("_Kind", QuestionKind, QuizKind)


@dataclass(frozen=True, slots=True)
class _Field:
    """One labelled line of a question, such as ``Hint: …``, with its continuation lines."""

    label: str
    """Lower case: ``hint``."""
    written: str
    """As written: ``Hint``."""
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class _Options:
    kind: str | None
    """The first bare word that is not a flag (the question's or the quiz's kind)."""
    values: dict[str, str]


@dataclass
class _LessonReader:
    """Reads the quiz blocks of one lesson."""

    lesson: Lesson
    reporter: Reporter
    tokens: list[Token]
    lines: list[str] = field(default_factory=list)
    output: list[Token] = field(default_factory=list)
    question_count: int = 0
    quiz_count: int = 0
    question_ids: dict[str, int] = field(default_factory=dict)
    check_questions: list[Question] = field(default_factory=list)
    ordered: list[Quiz | None] = field(default_factory=list)
    """Quizzes in document order; None marks where the knowledge check goes."""
    pending: list[tuple[Token, Quiz | None, Question | None]] = field(default_factory=list)
    cut: dict[int, int] = field(default_factory=dict)
    """Paragraphs (by first token) whose text stops at a label: how many lines they keep."""

    def __post_init__(self) -> None:
        # The same line breaks as markdown-it's normalisation, so token maps index here.
        self.lines = re.split(r"\r\n?|\n", self.lesson.body)

    # ---- locations and source text

    def line_of(self, token: Token) -> int:
        return self.lesson.body_line + (token.map[0] if token.map else 0)

    def at(self, line: int) -> Location:
        return Location(self.lesson.path, line)

    def error(self, message: str, line: int, hint: str | None = None) -> None:
        self.reporter.error(message, self.at(line), hint)

    def block_source(self, blocks: Sequence[tuple[int, int]]) -> MarkdownText:
        """The source of top-level ``blocks``, as written.

        Lines between the blocks (labels taken out of the prompt) become empty lines,
        so each line of the text stays on its line of the file.
        """
        spans = [self.span_lines(block) for block in blocks]
        base = spans[0][0]
        lines: list[str] = []
        for first, end in spans:
            lines += [""] * (first - base - len(lines))
            lines += self.lines[first:end]
        source = "\n".join(lines).rstrip()
        return MarkdownText(source, self.at(self.lesson.body_line + base))

    def span_lines(self, block: tuple[int, int]) -> tuple[int, int]:
        first_map = self.tokens[block[0]].map or [0, 0]
        if block[0] in self.cut:
            return first_map[0], first_map[0] + self.cut[block[0]]
        return first_map[0], first_map[1]

    # ---- the walk over the lesson

    def read(self) -> LessonQuizzes:
        for start, end in _child_blocks(self.tokens, 0, len(self.tokens)):
            token = self.tokens[start]
            if token.type == BLOCK_OPEN:
                self.read_top_block(start, end)
            elif token.type == STRAY_CLOSE:
                self.report_stray(token)
            else:
                self.reject_nested_blocks(start, end)
                self.output.extend(self.tokens[start:end])
        return self.finish()

    def read_top_block(self, start: int, end: int) -> None:
        token = self.tokens[start]
        name = _block_name(token)
        if not self.block_is_known(token, name):
            return
        if name == "question":
            self.question_count += 1
            question = self.read_question(start, end)
            if question is not None:
                if not self.check_questions:
                    self.ordered.append(None)
                self.check_questions.append(question)
                self.pending.append((self.placeholder(token), None, question))
            return
        self.quiz_count += 1
        quiz = self.read_quiz(start, end)
        self.ordered.append(quiz)
        self.pending.append((self.placeholder(token), quiz, None))

    def block_is_known(self, token: Token, name: str) -> bool:
        line = self.line_of(token)
        if name not in ("question", "quiz"):
            self.report_unknown_block(name, line)
            return False
        if not token.meta.get("closed", True):
            inside = (
                " (and that every question inside it has its own ':::')" if name == "quiz" else ""
            )
            self.error(
                f"'::: {name}' is never closed",
                line,
                f"end the {name} with a line holding only ':::'{inside}",
            )
        return True

    def report_unknown_block(self, name: str, line: int) -> None:
        if name in _CALLOUTS:
            hint = f"for a callout, write '> [!{name.upper()}]' or '!!! {name}'"
        elif close := difflib.get_close_matches(name, ["question", "quiz"], n=1):
            hint = f"did you mean '::: {close[0]}'?"
        else:
            hint = "':::' blocks hold questions ('::: question single') and quizzes ('::: quiz graded')"
        self.error(f"unknown block '::: {name}'", line, hint)

    def report_stray(self, token: Token) -> None:
        self.error(
            "':::' closes nothing",
            self.line_of(token),
            "remove this line, or check the line that should open the block: "
            "'::: question <kind>' or '::: quiz'",
        )

    def reject_nested_blocks(self, start: int, end: int) -> None:
        """``:::`` blocks inside lists or quotes: the indentation would change their text."""
        index = start
        while index < end:
            token = self.tokens[index]
            if token.type == BLOCK_OPEN:
                name = _block_name(token)
                self.error(
                    f"'::: {name}' cannot be inside a list or a quote",
                    self.line_of(token),
                    f"start '::: {name}' at the beginning of a line, outside lists and quotes",
                )
                index = _block_end(self.tokens, index)
                continue
            if token.type == STRAY_CLOSE:
                self.report_stray(token)
            index += 1

    def placeholder(self, block: Token) -> Token:
        token = Token(PLACEHOLDER, "div", 0, map=block.map, block=True)
        self.output.append(token)
        return token

    def finish(self) -> LessonQuizzes:
        check = None
        if self.check_questions:
            check = Quiz(
                id=f"{self.lesson.id}/check",
                kind=QuizKind.CHECK,
                lesson_id=self.lesson.id,
                questions=tuple(self.check_questions),
                location=self.check_questions[0].location,
            )
        for token, quiz, question in self.pending:
            owner = quiz or check
            assert owner is not None  # a question placeholder implies the check exists
            token.meta["assessment"] = AssessmentRef(owner, question)
        quizzes = tuple(quiz if quiz is not None else check for quiz in self.ordered)
        return LessonQuizzes(tuple(q for q in quizzes if q is not None), self.output)

    # ---- quizzes

    def read_quiz(self, start: int, end: int) -> Quiz:
        token = self.tokens[start]
        line = self.line_of(token)
        options = self.read_options(token, line)
        kind = self.quiz_kind(options.kind, line)
        values = self.applicable(
            options.values, _QUIZ_OPTIONS, kind, _QUIZ_KIND_PHRASES[kind], line
        )
        intro_blocks: list[tuple[int, int]] = []
        questions: list[Question] = []
        question_blocks = 0
        for child in _child_blocks(self.tokens, start + 1, end - 1):
            child_token = self.tokens[child[0]]
            name = _block_name(child_token) if child_token.type == BLOCK_OPEN else ""
            if child_token.type == STRAY_CLOSE:
                self.report_stray(child_token)
            elif name == "question":
                question_blocks += 1
                self.block_is_known(child_token, name)
                self.question_count += 1
                if (question := self.read_question(*child)) is not None:
                    questions.append(question)
            elif name == "quiz":
                self.error(
                    "a quiz cannot contain another quiz",
                    self.line_of(child_token),
                    "close the first quiz with ':::' before starting the next",
                )
            elif name:
                self.report_unknown_block(name, self.line_of(child_token))
            elif question_blocks:
                self.reject_nested_blocks(*child)
                self.error(
                    "only questions can follow the first question of a quiz",
                    self.line_of(child_token),
                    "put text for the whole quiz before its first question, or inside a question",
                )
            else:
                self.reject_nested_blocks(*child)
                intro_blocks.append(child)
        if not question_blocks:
            self.error(
                "the quiz has no questions",
                line,
                "put questions inside it, each from '::: question <kind>' to ':::'",
            )
        pool = self.whole_number(values, "pool", line)
        attempts = self.attempts(values, line)
        self.check_pool(pool, question_blocks, questions, line)
        quiz_id = self.quiz_id(values, line)
        return Quiz(
            id=quiz_id,
            kind=kind,
            lesson_id=self.lesson.id,
            questions=tuple(questions),
            location=self.at(line),
            title=values.get("title", "").strip(),
            intro=self.block_source(intro_blocks) if intro_blocks else None,
            pool=pool,
            attempts=attempts,
            reveal=self.yes_no(values, "reveal", kind is not QuizKind.EXAM, line),
            pass_mark=self.pass_mark(values, line),
            shuffle=self.yes_no(values, "shuffle", False, line),
        )

    def quiz_kind(self, word: str | None, line: int) -> QuizKind:
        if word is None:
            return QuizKind.GRADED
        for kind in QuizKind:
            if word.lower() == kind.value:
                return kind
        close = difflib.get_close_matches(word.lower(), [kind.value for kind in QuizKind], n=1)
        self.error(
            f"unknown quiz kind '{word}'",
            line,
            f"did you mean '{close[0]}'?"
            if close
            else "a quiz is 'check' (practice, not graded), 'graded' or 'exam'",
        )
        return QuizKind.GRADED

    def quiz_id(self, values: dict[str, str], line: int) -> str:
        written = self.slug(values, line)
        if written:
            return written
        suffix = "" if self.quiz_count == 1 else f"-{self.quiz_count}"
        return f"{self.lesson.id}/quiz{suffix}"

    def check_pool(
        self, pool: int | None, question_blocks: int, questions: list[Question], line: int
    ) -> None:
        if pool is None:
            return
        if question_blocks and pool > question_blocks:
            self.error(
                f"the quiz draws {pool} questions (pool={pool}) but has only {question_blocks}",
                line,
                "add questions to the quiz, or lower 'pool'",
            )
        worth = sorted({question.points for question in questions})
        if len(worth) > 1:
            self.error(
                "questions drawn from a pool must all be worth the same points "
                f"(found {' and '.join(_number(points) for points in worth)})",
                line,
                "learners draw different questions, so what they can score must not depend on the draw",
            )

    def attempts(self, values: dict[str, str], line: int) -> int | None:
        if values.get("attempts", "").strip().lower() == "unlimited":
            return None
        return self.whole_number(values, "attempts", line, or_unlimited=True)

    def whole_number(
        self, values: dict[str, str], key: str, line: int, *, or_unlimited: bool = False
    ) -> int | None:
        written = values.get(key)
        if written is None:
            return None
        if _WHOLE.fullmatch(written) and 1 <= int(written) <= MAX_COUNT:
            return int(written)
        if written.isascii() and written.isdigit() and written.strip("0"):
            self.error(f"'{key}' must be at most {MAX_COUNT} (got '{_short(written)}')", line)
            return None
        unlimited = ", or unlimited" if or_unlimited else ""
        self.error(
            f"'{key}' must be a whole number of at least 1{unlimited} (got '{_short(written)}')",
            line,
        )
        return None

    def pass_mark(self, values: dict[str, str], line: int) -> int | None:
        written = values.get("pass")
        if written is None:
            return None
        digits = written.removesuffix("%")
        if _WHOLE.fullmatch(digits) and int(digits) <= 100:
            return int(digits)
        self.error(
            f"'pass' must be a percentage from 0 to 100 (got '{written}')",
            line,
            "for example: pass=70",
        )
        return None

    # ---- options on the '::: name' line

    def read_options(self, token: Token, line: int) -> _Options:
        name, rest = [*token.info.split(maxsplit=1), ""][:2]
        words, unclosed = _split_words(rest)
        if unclosed is not None:
            self.error(
                f"the quote after '{unclosed}=' is never closed",
                line,
                f'end the value with the same quote: {unclosed}="Module 1 quiz"',
            )
        kind: str | None = None
        values: dict[str, str] = {}
        for key, value in words:
            if value is None and key.lower() in _FLAGS:
                key, value = key.lower(), "yes"
            if value is None:
                if kind is None:
                    kind = key
                else:
                    self.report_stray_word(key, name.lower(), line)
                continue
            key = key.lower()
            if key in values:
                self.error(f"'{key}' is given twice", line, "keep one of them")
            values[key] = value
        return _Options(kind, values)

    def report_stray_word(self, word: str, block: str, line: int) -> None:
        known = sorted(_QUESTION_OPTIONS if block == "question" else _QUIZ_OPTIONS)
        close = difflib.get_close_matches(word.lower(), sorted(_FLAGS), n=1)
        if close:
            hint = f"did you mean '{close[0]}'?"
        elif SLUG.match(word) and block == "question":
            hint = f"to give the question an id, write id={word}"
        else:
            hint = (
                f"options are written name=value ({', '.join(known)}); "
                'put a value with spaces in quotes: title="Module 1 quiz"'
            )
        self.error(f"unexpected word '{word}'", line, hint)

    def applicable(
        self,
        values: dict[str, str],
        known: Mapping[str, frozenset[_Kind]],
        kind: _Kind,
        phrase: str,
        line: int,
    ) -> dict[str, str]:
        """The options that apply to ``kind``; reports the unknown and misplaced ones."""
        what = "question" if isinstance(kind, QuestionKind) else "quiz"
        kept = {}
        for key, value in values.items():
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = (
                    f"did you mean '{close[0]}'?"
                    if close
                    else f"options of a {what}: {', '.join(sorted(known))}"
                )
                self.error(f"unknown option '{key}' for a {what}", line, hint)
            elif kind not in known[key]:
                users = _and(
                    [
                        _QUIZ_KIND_PHRASES[k] if isinstance(k, QuizKind) else f"{k.label} questions"
                        for k in type(kind)
                        if k in known[key]
                    ]
                )
                self.error(f"'{key}' does not apply to {phrase}", line, f"it applies to {users}")
            else:
                kept[key] = value
        return kept

    def yes_no(self, values: dict[str, str], key: str, default: bool, line: int) -> bool:
        written = values.get(key)
        if written is None:
            return default
        if written.lower() in ("yes", "true", "on"):
            return True
        if written.lower() in ("no", "false", "off"):
            return False
        self.error(f"'{key}' must be yes or no (got '{written}')", line)
        return default

    def slug(self, values: dict[str, str], line: int) -> str:
        written = values.get("id", "")
        if written and not SLUG.match(written):
            self.error(
                "'id' must be lowercase letters, digits and hyphens, starting with a letter "
                f"(got '{written}')",
                line,
                "for example: id=pow-cost",
            )
            return ""
        return written

    # ---- questions

    def read_question(self, start: int, end: int) -> Question | None:
        token = self.tokens[start]
        line = self.line_of(token)
        errors_before = len(self.reporter.errors)
        options = self.read_options(token, line)
        kind = self.question_kind(options.kind, line)
        if kind is None:
            return None
        values = self.applicable(
            options.values, _QUESTION_OPTIONS, kind, f"{kind.label} questions", line
        )
        question_id = self.question_id(values, line)
        points = self.points(values, line)
        shuffle = self.yes_no(values, "shuffle", False, line)
        partial_credit = self.yes_no(values, "partial", True, line)
        case_sensitive = self.yes_no(values, "case-sensitive", False, line)
        parts = self.sort_parts(start, end)
        parts.answer_block = self.find_answer_block(kind, parts.others)
        body = _QuestionBody(kind=kind, line=line, fields=parts.fields)
        self.split_prompt(parts, body)
        self.read_answer_part(parts, body)
        self.read_fields(body)
        if len(self.reporter.errors) > errors_before or body.prompt is None:
            return None
        return Question(
            id=question_id,
            kind=kind,
            prompt=body.prompt,
            location=self.at(line),
            points=points,
            choices=tuple(body.choices),
            answers=tuple(body.answers),
            numbers=tuple(body.numbers),
            pairs=tuple(body.pairs),
            targets=tuple(body.targets.values()),
            items=tuple(body.items),
            shuffle=shuffle,
            partial_credit=partial_credit,
            case_sensitive=case_sensitive,
            hints=tuple(body.hints),
            correct_feedback=body.single.get("correct"),
            incorrect_feedback=body.single.get("incorrect"),
            explanation=body.single.get("explanation"),
        )

    def sort_parts(self, start: int, end: int) -> _QuestionParts:
        """Sort a question's blocks into labelled lines and the rest.

        A paragraph may start as text and go on with labels, as in 'What is 2 + 2?'
        directly followed by 'Answer: 4': its text is kept and its labels are read.
        """
        parts = _QuestionParts()
        for block in _child_blocks(self.tokens, start + 1, end - 1):
            token = self.tokens[block[0]]
            if token.type in (BLOCK_OPEN, STRAY_CLOSE):
                self.reject_inner_block(block)
                continue
            text_lines, fields = self.split_labels(block)
            if fields:
                parts.labelled.append(block)
                parts.fields.extend(fields)
            if text_lines is None:
                parts.others.append(block)
            elif text_lines > 0:
                parts.others.append(block)
                self.cut[block[0]] = text_lines
        return parts

    def reject_inner_block(self, block: tuple[int, int]) -> None:
        token = self.tokens[block[0]]
        if token.type == STRAY_CLOSE:
            self.report_stray(token)
            return
        name = _block_name(token)
        line = self.line_of(token)
        if name == "question":
            self.error(
                "a question cannot contain another question",
                line,
                "close the first question with ':::' before starting the next",
            )
        elif name == "quiz":
            self.error(
                "a quiz cannot be inside a question",
                line,
                "close the question with ':::' first; a quiz holds questions, not the other way round",
            )
        else:
            self.report_unknown_block(name, line)

    def question_kind(self, word: str | None, line: int) -> QuestionKind | None:
        if word is None:
            self.error(
                "the question has no kind",
                line,
                f"name it after 'question', as in '::: question single'; kinds: {_KINDS_LIST}",
            )
            return None
        kind = _KIND_WORDS.get(word.lower())
        if kind is not None:
            return kind
        if word.lower() in _AMBIGUOUS_KINDS:
            hint = "write 'single' if one choice is right, or 'multiple' if learners pick several"
        elif close := difflib.get_close_matches(word.lower(), list(_KIND_WORDS), n=1):
            hint = f"did you mean '{_KIND_WORDS[close[0]].value}'?"
        else:
            hint = f"kinds: {_KINDS_LIST}"
        self.error(f"unknown question kind '{word}'", line, hint)
        return None

    def question_id(self, values: dict[str, str], line: int) -> str:
        written = self.slug(values, line)
        if not written:
            return f"{self.lesson.id}/q{self.question_count}"
        if written in self.question_ids:
            self.error(
                f"question id '{written}' is used twice in this lesson "
                f"(first on line {self.question_ids[written]})",
                line,
                "give each question its own id, or leave 'id' out to number them automatically",
            )
        else:
            self.question_ids[written] = line
        return written

    def points(self, values: dict[str, str], line: int) -> float:
        written = values.get("points")
        if written is None:
            return 1.0
        try:
            points = float(Decimal(written))
        except InvalidOperation:
            points = math.nan
        if points > MAX_POINTS:  # infinity too: 1e400 is no number a browser holds
            self.error(
                f"'points' must be at most {MAX_POINTS} (got '{_short(written)}')",
                line,
                "for example: points=2 or points=0.5",
            )
            return 1.0
        if not math.isfinite(points) or points <= 0:
            self.error(
                f"'points' must be a positive number (got '{_short(written)}')",
                line,
                "for example: points=2 or points=0.5",
            )
            return 1.0
        return points

    # ---- the parts of a question

    def split_labels(self, block: tuple[int, int]) -> tuple[int | None, list[_Field]]:
        """(lines of text before the first label, the labelled fields) of a block.

        The count is None when the block has no label: all of it is text.
        """
        first = self.tokens[block[0]]
        if first.type != "paragraph_open":
            return None, []
        lines = self.tokens[block[0] + 1].content.split("\n")
        text_lines, fields = _split_fields(lines, self.line_of(first))
        return (text_lines if fields else None), fields

    def find_answer_block(self, kind: QuestionKind, blocks: list[tuple[int, int]]) -> int | None:
        """Index in ``blocks`` of the list holding the choices, pairs or items."""
        lists = [
            index
            for index, block in enumerate(blocks)
            if self.tokens[block[0]].type in ("bullet_list_open", "ordered_list_open")
        ]
        if not lists or kind in (QuestionKind.SHORT, QuestionKind.NUMERIC):
            return None
        if kind in CHOICE_KINDS:
            with_boxes = [i for i in lists if self.has_task_items(blocks[i])]
            return with_boxes[0] if with_boxes else lists[-1]
        if kind is QuestionKind.MATCHING:
            with_arrows = [i for i in lists if self.has_arrow_items(blocks[i])]
            return with_arrows[0] if with_arrows else lists[-1]
        return lists[-1]  # ordering: a list in the prompt comes before the items

    def has_task_items(self, block: tuple[int, int]) -> bool:
        return any("checked" in self.tokens[i].meta for i, _ in self.list_items(block))

    def has_arrow_items(self, block: tuple[int, int]) -> bool:
        return any(_ARROW.search(self.item_first_text(item)) for item in self.list_items(block))

    def list_items(self, block: tuple[int, int]) -> list[tuple[int, int]]:
        return _child_blocks(self.tokens, block[0] + 1, block[1] - 1)

    def item_first_text(self, item: tuple[int, int]) -> str:
        inner = self.tokens[item[0] + 2] if item[0] + 2 < item[1] else None
        return inner.content if inner is not None and inner.type == "inline" else ""

    def split_prompt(self, parts: _QuestionParts, body: _QuestionBody) -> None:
        """The blocks before the answer list (or before the first label) are the prompt."""
        kind = body.kind
        if parts.answer_block is not None:
            before = parts.others[: parts.answer_block]
            after = parts.others[parts.answer_block + 1 :]
        else:
            first_label = min((b[0] for b in parts.labelled), default=len(self.tokens))
            before = [b for b in parts.others if b[0] <= first_label]
            after = [b for b in parts.others if b[0] > first_label]
        if before:
            body.prompt = self.block_source(before)
        else:
            self.error(
                "the question has no text",
                body.line,
                f"write the question on the lines after '::: question {kind.value}', "
                f"before {_ANSWER_PART[kind]}",
            )
        for block in after:
            self.report_unexpected(block, kind)

    def report_unexpected(self, block: tuple[int, int], kind: QuestionKind) -> None:
        token = self.tokens[block[0]]
        hint = (
            f"the question's text goes before {_ANSWER_PART[kind]}; feedback goes on "
            "'Correct:', 'Incorrect:' or 'Explanation:' lines"
        )
        if token.type == "paragraph_open":
            match = _LABEL_LINE.match(self.tokens[block[0] + 1].content.split("\n")[0])
            close = difflib.get_close_matches(match["label"].lower(), _LABELS, n=1) if match else []
            if close:
                hint = f"did you mean '{close[0].capitalize()}:'?"
        self.error(f"unexpected text after {_ANSWER_PART[kind]}", self.line_of(token), hint)

    def read_answer_part(self, parts: _QuestionParts, body: _QuestionBody) -> None:
        kind = body.kind
        block = parts.others[parts.answer_block] if parts.answer_block is not None else None
        if kind in CHOICE_KINDS:
            self.read_choices(block, body)
        elif kind is QuestionKind.MATCHING:
            self.read_pairs(block, body)
        elif kind is QuestionKind.ORDERING:
            self.read_order(block, body)

    # ---- choices

    def read_choices(self, block: tuple[int, int] | None, body: _QuestionBody) -> None:
        kind = body.kind
        if kind is QuestionKind.TRUE_FALSE:
            self.read_true_false(block, body)
            return
        if block is None:
            self.error(
                "the question has no choices",
                body.line,
                "list them under the question: '- [ ] a wrong choice' and '- [x] the right choice'",
            )
            return
        items = self.list_items(block)
        if not self.has_task_items(block):
            self.error(
                "the choices have no boxes",
                self.line_of(self.tokens[block[0]]),
                "start each choice with '[ ] ', or '[x] ' if it is right: '- [x] Rewriting past blocks'",
            )
            return
        for number, item in enumerate(items, start=1):
            choice = self.read_choice(item, number, _letter(number), body)
            if choice is not None:
                body.choices.append(choice)
        if len(items) < 2:
            self.error(
                f"a {kind.label} question needs at least two choices",
                self.line_of(self.tokens[block[0]]),
                "add the wrong choices learners should consider: '- [ ] ...'",
            )
        if len(body.choices) == len(items):  # a broken choice may be the right one
            self.check_right_choices(body)

    def check_right_choices(self, body: _QuestionBody) -> None:
        right = [choice for choice in body.choices if choice.correct]
        if not right:
            self.error(
                "the question has no right answer",
                body.line,
                "mark the right choice with [x]: '- [x] Rewriting past blocks'",
            )
        if body.kind is QuestionKind.SINGLE and len(right) > 1:
            self.error(
                "a single-choice question needs exactly one right answer, "
                f"but {len(right)} choices are marked [x]",
                right[1].text.location.line or body.line,
                "mark only the right one, or write '::: question multiple' "
                "if learners should pick several",
            )

    def read_choice(
        self, item: tuple[int, int], number: int, ident: str, body: _QuestionBody
    ) -> Choice | None:
        item_token = self.tokens[item[0]]
        line = self.line_of(item_token)
        checked = item_token.meta.get("checked")
        blocks = _child_blocks(self.tokens, item[0] + 1, item[1] - 1)
        first_text = self.item_first_text(item)
        if checked is None or not first_text.strip():
            if checked is not None or _TASK_BOX.match(first_text) or not first_text.strip():
                self.error(
                    f"choice {number} is empty",
                    line,
                    "write the choice right after its box, on the same line: "
                    "'- [ ] Sending a transaction'",
                )
            else:
                self.error(
                    f"choice {number} has no box",
                    line,
                    f"start it with '[ ] ', or '[x] ' if it is right: '- [ ] {_short(first_text)}'",
                )
            return None
        feedback = None
        if blocks and self.tokens[blocks[-1][0]].type == "blockquote_open":
            feedback = self.quote_text(item, blocks[-1], body)
            blocks = blocks[:-1]
        for inner in blocks:
            if self.tokens[inner[0]].type in ("bullet_list_open", "ordered_list_open"):
                self.error(
                    f"choice {number} holds a list",
                    self.line_of(self.tokens[inner[0]]),
                    "to give feedback on a choice, start the line under it with '>': "
                    "'  > Sending is cheap; anyone can broadcast one.'",
                )
                return None
        text = self.item_text(item, blocks, body)
        if text is None:
            return None
        return Choice(ident, text, bool(checked), feedback)

    def read_true_false(self, block: tuple[int, int] | None, body: _QuestionBody) -> None:
        choices = []
        if block is not None and self.has_task_items(block):
            for number, item in enumerate(self.list_items(block), start=1):
                word = self.item_first_text(item).split("\n")[0].strip().rstrip(".").lower()
                choice = self.read_choice(item, number, word, body)
                if choice is not None:
                    choices.append(choice)
        names = sorted(choice.id for choice in choices)
        if names != ["false", "true"] or sum(choice.correct for choice in choices) != 1:
            self.error(
                "a true-false question needs two choices, True and False, "
                "with exactly one marked [x]",
                self.line_of(self.tokens[block[0]]) if block else body.line,
                "write '- [x] True' and '- [ ] False', or the other way round",
            )
            return
        body.choices.extend(choices)

    # ---- matching

    def read_pairs(self, block: tuple[int, int] | None, body: _QuestionBody) -> None:
        if block is None:
            self.error(
                "the question has no pairs",
                body.line,
                "write each pair as 'left -> right': '- Hash -> A fixed-size fingerprint of data'",
            )
            return
        lefts: dict[str, int] = {}
        items = self.list_items(block)
        for number, item in enumerate(items, start=1):
            pair_text = self.pair_sides(item, number, body)
            if pair_text is None:
                continue
            left, right = pair_text
            key = " ".join(left.source.split())
            if key in lefts:
                self.error(
                    f"'{_short(left.source)}' appears twice on the left",
                    left.location.line or body.line,
                    f"each left-hand item has one match; the first is on line {lefts[key]}",
                )
                continue
            lefts[key] = left.location.line or body.line
            target_key = " ".join(right.source.split())
            if target_key not in body.targets:
                body.targets[target_key] = MatchTarget(_letter(len(body.targets) + 1), right)
            body.pairs.append(MatchPair(str(number), left, body.targets[target_key].id))
        if len(items) < 2:
            self.error(
                "a matching question needs at least two pairs",
                self.line_of(self.tokens[block[0]]),
                "add another pair: '- Nonce -> The number miners change'",
            )

    def pair_sides(
        self, item: tuple[int, int], number: int, body: _QuestionBody
    ) -> tuple[MarkdownText, MarkdownText] | None:
        line = self.line_of(self.tokens[item[0]])
        blocks = _child_blocks(self.tokens, item[0] + 1, item[1] - 1)
        if not self.only_text(blocks, "pair", line):
            return None
        text = self.item_text(item, blocks, body)
        if text is None:
            self.error(f"pair {number} is empty", line, "write it as 'left -> right'")
            return None
        arrow = _ARROW.search(text.source)
        if arrow is None:
            self.error(
                f"pair {number} has no '->'",
                line,
                "write each pair as 'left -> right': '- Hash -> A fixed-size fingerprint of data'",
            )
            return None
        left = text.source[: arrow.start()].strip()
        right = text.source[arrow.end() :].strip()
        if not right:
            self.error(
                f"pair {number} has nothing after '->'",
                line,
                f"write what '{_short(left)}' matches after the arrow",
            )
            return None
        if not left:
            self.error(
                f"pair {number} has nothing before '->'",
                line,
                f"to offer an answer that matches nothing, write it as 'Distractor: {_short(right)}'",
            )
            return None
        return MarkdownText(left, text.location), MarkdownText(right, text.location)

    # ---- ordering

    def read_order(self, block: tuple[int, int] | None, body: _QuestionBody) -> None:
        items = self.list_items(block) if block is not None else []
        for number, item in enumerate(items, start=1):
            line = self.line_of(self.tokens[item[0]])
            blocks = _child_blocks(self.tokens, item[0] + 1, item[1] - 1)
            if not self.only_text(blocks, "item", line, single_paragraph=False):
                continue
            text = self.item_text(item, blocks, body)
            if text is None:
                self.error(
                    f"item {number} is empty", line, "write the item's text after its number"
                )
                continue
            body.items.append(OrderItem(_letter(number), text))
        if len(items) < 2:
            self.error(
                "an ordering question needs at least two items",
                self.line_of(self.tokens[block[0]]) if block else body.line,
                "list them in the right order: '1. Collect transactions', '2. Find a nonce'",
            )

    def only_text(
        self, blocks: list[tuple[int, int]], what: str, line: int, *, single_paragraph: bool = True
    ) -> bool:
        """Pairs are one line; items may hold more, but feedback quotes belong to choices."""
        for block in blocks:
            token = self.tokens[block[0]]
            if token.type == "blockquote_open":
                self.error(
                    f"feedback under {'a' if what == 'pair' else 'an'} {what} is not shown",
                    self.line_of(token),
                    "give feedback for the whole question on 'Correct:' and 'Incorrect:' lines",
                )
                return False
        if single_paragraph and len(blocks) > 1:
            self.error(
                f"a {what} must be a single line 'left -> right'",
                line,
                "put longer explanations in the question's text",
            )
            return False
        return True

    # ---- text inside list items

    def item_text(
        self, item: tuple[int, int], blocks: list[tuple[int, int]], body: _QuestionBody
    ) -> MarkdownText | None:
        """The Markdown of ``blocks`` inside a list item, without the marker and box."""
        if not blocks:
            return None
        item_map = self.tokens[item[0]].map or [0, 0]
        end = (self.tokens[blocks[-1][0]].map or [0, 0])[1]
        first = self.lines[item_map[0]]
        width = _content_width(_LIST_MARKER.match(first))
        written = self.lines[item_map[0] : end]
        lines = [_TASK_BOX.sub("", first[width:], count=1)]
        lines += [_dedent(text, width) for text in written[1:]]
        last = self.tokens[blocks[-1][0]]
        if last.type == "paragraph_open" and last.map:
            lazy = [_indent(text) < width for text in written]
            lines = self.take_labels(lines, lazy, last.map[0] - item_map[0], item_map[0], body)
        source = "\n".join(lines).strip()
        if not source:
            return None
        return MarkdownText(source, self.at(self.lesson.body_line + item_map[0]))

    def quote_text(
        self, item: tuple[int, int], quote: tuple[int, int], body: _QuestionBody
    ) -> MarkdownText:
        item_map = self.tokens[item[0]].map or [0, 0]
        width = _content_width(_LIST_MARKER.match(self.lines[item_map[0]]))
        quote_map = self.tokens[quote[0]].map or [0, 0]
        written = [_dedent(text, width) for text in self.lines[quote_map[0] : quote_map[1]]]
        lazy = [_QUOTE_MARKER.match(text) is None for text in written]
        lines = [_QUOTE_MARKER.sub("", text, count=1) for text in written]
        lines = self.take_labels(lines, lazy, 1, quote_map[0], body)
        source = "\n".join(lines).strip()
        return MarkdownText(source, self.at(self.lesson.body_line + quote_map[0]))

    def take_labels(
        self, lines: list[str], lazy: list[bool], search_from: int, first: int, body: _QuestionBody
    ) -> list[str]:
        """Move labelled lines out of the end of a choice, pair, item or feedback.

        'Hint:' written right under a list, with no empty line, is by Markdown's rules
        part of the list's last item; the author meant it for the question. Indented
        under the item it is ambiguous, and reported.
        """
        for index in range(max(search_from, 1), len(lines)):
            label = _known_label(lines[index].strip())
            if label is None:
                continue
            if not lazy[index]:
                self.error(
                    f"'{label[0]}:' is indented under a list item",
                    self.lesson.body_line + first + index,
                    "feedback on a choice starts with '>'; lines for the whole question "
                    f"start at the beginning of the line: '{label[0]}: ...'",
                )
                return lines[:index]
            stripped = [text.strip() for text in lines[index:]]
            body.fields.extend(_split_fields(stripped, self.lesson.body_line + first + index)[1])
            return lines[:index]
        return lines

    # ---- labelled lines

    def read_fields(self, body: _QuestionBody) -> None:
        kind = body.kind
        fields = sorted(body.fields, key=lambda item: item.line)
        seen: dict[str, int] = {}
        for item in fields:
            if not item.text:
                self.error(f"'{item.written}:' is empty", item.line)
                continue
            if not self.label_applies(item, kind):
                continue
            if item.label not in _REPEATABLE_LABELS:
                if item.label in seen:
                    self.error(
                        f"'{item.written}:' is given twice",
                        item.line,
                        f"join the two into one (the first is on line {seen[item.label]})",
                    )
                    continue
                seen[item.label] = item.line
            text = MarkdownText(item.text, self.at(item.line))
            if item.label == "hint":
                body.hints.append(text)
            elif item.label == "answer" and kind is QuestionKind.SHORT:
                if item.text not in body.answers:
                    body.answers.append(item.text)
            elif item.label == "answer":
                number = self.numeric_answer(item)
                if number is not None:
                    body.numbers.append(number)
            elif item.label == "distractor":
                key = " ".join(item.text.split())
                if key not in body.targets:
                    body.targets[key] = MatchTarget(_letter(len(body.targets) + 1), text, True)
            else:
                body.single[item.label] = text
        if kind in (QuestionKind.SHORT, QuestionKind.NUMERIC) and not any(
            f.label == "answer" for f in fields
        ):
            example = "SHA-256" if kind is QuestionKind.SHORT else "21000000"
            self.error(
                "the question has no right answer",
                body.line,
                f"add a line with the accepted answer: 'Answer: {example}'",
            )

    def label_applies(self, item: _Field, kind: QuestionKind) -> bool:
        if item.label == "answer" and kind not in (QuestionKind.SHORT, QuestionKind.NUMERIC):
            hint = {
                QuestionKind.MATCHING: "the pairs are the answer: '- Hash -> A fixed-size fingerprint'",
                QuestionKind.ORDERING: "the items, listed in the right order, are the answer",
            }.get(kind, "mark the right choices with [x]: '- [x] Rewriting past blocks'")
        elif item.label == "distractor" and kind is not QuestionKind.MATCHING:
            hint = "a distractor is a right-hand item that matches nothing in a matching question"
        else:
            return True
        self.error(f"'{item.written}:' is not used in {kind.label} questions", item.line, hint)
        return False

    def numeric_answer(self, item: _Field) -> NumericAnswer | None:
        written = " ".join(item.text.replace("\u2212", "-").split())
        if (match := _RANGE.match(written)) is not None:
            low, high = self.number(match["low"], item.line), self.number(match["high"], item.line)
            if low is None or high is None:
                return None
            if low > high:
                self.error(
                    f"the range '{item.text}' runs from high to low",
                    item.line,
                    f"write the smaller number first: 'Answer: {match['high']} to {match['low']}'",
                )
                return None
            return _numeric((low + high) / 2, (high - low) / 2, low, high, item.text)
        value_text, tolerance_text = written, None
        if (match := _PLUS_MINUS.match(written)) is not None:
            value_text, tolerance_text = match["value"], match["tolerance"]
        if not _NUMBER.match(value_text):
            hint = (
                f"write numbers without thousands separators: {value_text.replace(',', '')}"
                if _NUMBER.match(value_text.replace(",", ""))
                else _EXAMPLE_NUMBERS
            )
            self.error(f"'{_short(value_text)}' is not a number", item.line, hint)
            return None
        value = self.number(value_text, item.line)
        if value is None:
            return None
        if tolerance_text is None:
            return _numeric(value, Decimal(0), value, value, item.text)
        tolerance = _TOLERANCE.match(tolerance_text)
        if tolerance is None:
            problem = (
                f"the tolerance '{tolerance_text}' is not a number of zero or more"
                if tolerance_text
                else "the tolerance after '±' is missing"
            )
            self.error(
                problem,
                item.line,
                "write it after ±, like 'Answer: 3.14 ± 0.01' or 'Answer: 100 ± 5%'",
            )
            return None
        width = self.number(tolerance["number"], item.line)
        if width is None:
            return None
        if tolerance["percent"]:
            width = abs(value) * width / 100
            if width and width.adjusted() >= _EXPONENT_LIMIT:
                self.error(
                    f"the tolerance '{_short(tolerance_text)}' is too large",
                    item.line,
                    "a tolerance in percent is a share of the answer: 'Answer: 100 ± 5%'",
                )
                return None
        return _numeric(value, width, value - width, value + width, item.text)

    def number(self, text: str, line: int) -> Decimal | None:
        """``text``, which :data:`_NUMBER` matched, as a number a browser can hold too."""
        try:
            number = Decimal(text)
        except InvalidOperation:  # an exponent beyond even Decimal's range
            large = "e-" not in text.lower()
        else:
            if not number or abs(number.adjusted()) < _EXPONENT_LIMIT:
                return number
            large = number.adjusted() > 0
        limit = f"1e{_EXPONENT_LIMIT}"
        if large:
            self.error(
                f"the number '{_short(text)}' is too large",
                line,
                f"numbers in answers must be smaller than {limit}",
            )
        else:
            self.error(
                f"the number '{_short(text)}' is too close to zero",
                line,
                f"numbers in answers other than 0 must be at least 1e-{_EXPONENT_LIMIT} in size",
            )
        return None


_ANSWER_PART = {
    QuestionKind.SINGLE: "the choices",
    QuestionKind.MULTIPLE: "the choices",
    QuestionKind.TRUE_FALSE: "the choices",
    QuestionKind.SHORT: "the answers",
    QuestionKind.NUMERIC: "the answers",
    QuestionKind.MATCHING: "the pairs",
    QuestionKind.ORDERING: "the items",
}


@dataclass
class _QuestionParts:
    """A question's child blocks, sorted: labelled paragraphs and everything else."""

    labelled: list[tuple[int, int]] = field(default_factory=list)
    fields: list[_Field] = field(default_factory=list)
    others: list[tuple[int, int]] = field(default_factory=list)
    answer_block: int | None = None
    """Index in ``others`` of the list of choices, pairs or items."""


@dataclass
class _QuestionBody:
    """What has been read of a question so far."""

    kind: QuestionKind
    line: int
    prompt: MarkdownText | None = None
    choices: list[Choice] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    numbers: list[NumericAnswer] = field(default_factory=list)
    pairs: list[MatchPair] = field(default_factory=list)
    targets: dict[str, MatchTarget] = field(default_factory=dict)
    """By their text with spaces collapsed: a right-hand item several pairs share is one target."""
    items: list[OrderItem] = field(default_factory=list)
    fields: list[_Field] = field(default_factory=list)
    hints: list[MarkdownText] = field(default_factory=list)
    single: dict[str, MarkdownText] = field(default_factory=dict)
    """Correct, Incorrect and Explanation, by lower-case label."""


# --------------------------------------------------------------------------- small helpers


def _block_name(token: Token) -> str:
    return token.info.split(maxsplit=1)[0].lower() if token.info.strip() else ""


def _child_blocks(tokens: Sequence[Token], start: int, end: int) -> list[tuple[int, int]]:
    """The direct children of ``tokens[start:end]`` as (first, end) index ranges."""
    blocks = []
    index = start
    while index < end:
        following = _block_end(tokens, index)
        blocks.append((index, following))
        index = following
    return blocks


def _block_end(tokens: Sequence[Token], index: int) -> int:
    """The index just after the token that closes ``tokens[index]``."""
    if tokens[index].nesting != 1:
        return index + 1
    depth = 0
    for position in range(index, len(tokens)):
        depth += tokens[position].nesting
        if depth == 0:
            return position + 1
    return len(tokens)


_WORD = re.compile(r"[^\s=]+")
_EQUALS = re.compile(r"[ \t]*=[ \t]*")
_VALUE = re.compile(r"\S*")
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019"}


def _split_words(text: str) -> tuple[list[tuple[str, str | None]], str | None]:
    """``single id=x title="A b"`` → [("single", None), ("id", "x"), ("title", "A b")].

    Also returns the name of an option whose quoted value is never closed; its value
    is then the rest of the line. Curly quotes count, because word processors put
    them in pasted text.
    """
    words: list[tuple[str, str | None]] = []
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        match = _WORD.match(text, position)
        if match is None:  # a stray '='
            position += 1
            continue
        name = match.group(0)
        position = match.end()
        after = _EQUALS.match(text, position)
        if after is None:
            words.append((name, None))
            continue
        position = after.end()
        quote = text[position] if position < len(text) else ""
        if quote in _QUOTES:
            end = text.find(_QUOTES[quote], position + 1)
            if end < 0:
                words.append((name, text[position + 1 :].strip()))
                return words, name
            words.append((name, text[position + 1 : end]))
            position = end + 1
        else:
            value = _VALUE.match(text, position)
            assert value is not None
            words.append((name, value.group(0)))
            position = value.end()
    return words, None


def _split_fields(lines: list[str], first_line: int) -> tuple[int, list[_Field]]:
    """(how many lines come before the first label, the labelled fields from there on).

    A label line starts a field; the lines after it, up to the next label, continue it.
    """
    fields: list[_Field] = []
    text_lines = len(lines)
    for offset, text in enumerate(lines):
        label = _known_label(text)
        if label is not None:
            if not fields:
                text_lines = offset
            written, rest = label
            fields.append(_Field(written.lower(), written, rest.strip(), first_line + offset))
        elif fields and fields[-1].text:
            last = fields[-1]
            fields[-1] = _Field(
                last.label, last.written, f"{last.text}\n{text}".rstrip(), last.line
            )
        elif fields:  # 'Hint:' alone on its line: the text starts on the next one
            last = fields[-1]
            fields[-1] = _Field(last.label, last.written, text.strip(), first_line + offset)
    return text_lines, fields


def _known_label(line: str) -> tuple[str, str] | None:
    """(label as written, the rest) when ``line`` starts with a known label."""
    match = _LABEL_LINE.match(line)
    if match is None or match["label"].lower() not in _LABELS:
        return None
    return match["label"], match["rest"]


def _content_width(marker: re.Match[str] | None) -> int:
    """Columns of a list item's marker and the spaces after it (CommonMark's rule)."""
    if marker is None:
        return 0
    spaces = len(marker["space"])
    return len(marker["marker"]) + (spaces if 1 <= spaces <= 4 else 1)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _dedent(line: str, width: int) -> str:
    """Remove up to ``width`` leading spaces (lazy continuation lines have fewer)."""
    return line[min(_indent(line), width) :]


def _letter(number: int) -> str:
    """1 → a, 26 → z, 27 → aa: ids for choices, targets and items."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters


def _and(words: list[str]) -> str:
    """['a', 'b', 'c'] → 'a, b and c'."""
    return " and ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


def _short(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _number(value: float) -> str:
    return f"{value:g}"


def _numeric(
    value: Decimal, tolerance: Decimal, low: Decimal, high: Decimal, written: str
) -> NumericAnswer:
    return NumericAnswer(float(value), float(tolerance), float(low), float(high), written.strip())
