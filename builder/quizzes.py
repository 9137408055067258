"""Quizzes in lesson pages: the accessible form a learner answers, and what the runtime needs.

The page holds the whole quiz as HTML (so it reads without script and prints), plus a
JSON description the runtime (``sabaq.js``) scores with: ``scoreQuestion`` there is the
one scorer, and ``tests/js/scoring_cases.json`` checks it on questions built through
:func:`runtime_question`. Every text is the author's Markdown, rendered with
the lesson's own rules: translated, links checked and rewritten, raw HTML escaped.

The runtime's saved state must fit SCORM 1.2's 4,096 characters of suspend_data, so
:func:`worst_case_state_size` computes, at build time, the longest state a course can
produce, using the same encoding as the runtime.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from builder.assessment import (
    CHOICE_KINDS,
    AssessmentRef,
    MarkdownText,
    Question,
    QuestionKind,
    Quiz,
    normalise_answer,
)
from builder.model import Course, progress_keys

TextRenderer = Callable[[MarkdownText, bool], Markup]
"""Renders an author's text as block HTML, or inline HTML when the flag is set."""

SHORT_ANSWER_KEPT = 64
"""Characters of a typed answer kept in the saved state (the rest is not needed to resume)."""

NUMERIC_ANSWER_KEPT = 32
"""Characters of a typed number kept in the saved state: no number a learner types is longer."""

SUSPEND_DATA_LIMITS = {"scorm12": 4096, "scorm2004": 64000}
"""How much saved state each standard guarantees an LMS stores (characters)."""


@dataclass(frozen=True, slots=True)
class QuestionView:
    question: Question
    number: int
    prompt: Markup
    choices: tuple[tuple[str, Markup, Markup | None], ...]
    """(id, text, feedback) for choice questions."""
    pairs: tuple[tuple[str, Markup], ...]
    targets: tuple[tuple[str, str], ...]
    """(id, plain text) for the options of a matching question's menus."""
    items: tuple[tuple[str, Markup, str], ...]
    """(id, text, plain text) for ordering questions."""
    hints: tuple[Markup, ...]
    correct: Markup | None
    incorrect: Markup | None
    explanation: Markup | None


def question_view(question: Question, number: int, text: TextRenderer) -> QuestionView:
    def optional(markdown: MarkdownText | None) -> Markup | None:
        return None if markdown is None else text(markdown, False)

    return QuestionView(
        question=question,
        number=number,
        prompt=text(question.prompt, False),
        choices=tuple(
            (choice.id, text(choice.text, True), optional(choice.feedback))
            for choice in question.choices
        ),
        pairs=tuple((pair.id, text(pair.left, True)) for pair in question.pairs),
        targets=tuple(
            (target.id, Markup(text(target.text, True)).striptags()) for target in question.targets
        ),
        items=tuple(
            (item.id, text(item.text, True), Markup(text(item.text, True)).striptags())
            for item in question.items
        ),
        hints=tuple(text(hint, False) for hint in question.hints),
        correct=optional(question.correct_feedback),
        incorrect=optional(question.incorrect_feedback),
        explanation=optional(question.explanation),
    )


def views_for(ref: AssessmentRef, text: TextRenderer) -> tuple[QuestionView, ...]:
    questions = (ref.question,) if ref.question is not None else ref.quiz.questions
    return tuple(
        question_view(question, number, text) for number, question in enumerate(questions, 1)
    )


# ---------------------------------------------------------------------------- runtime data


def quiz_keys(course: Course) -> dict[str, str]:
    """Short keys for quizzes in the saved state, stable across versions like lesson keys."""
    return progress_keys([quiz.id for quiz in course.quizzes])


def runtime_quiz(quiz: Quiz, key: str, pass_mark: int) -> dict[str, object]:
    """What the runtime needs to run and score ``quiz`` in the page."""
    return {
        "id": quiz.id,
        "key": key,
        "kind": quiz.kind.value,
        "graded": quiz.kind.graded,
        "pool": quiz.pool,
        "attempts": quiz.attempts,
        "reveal": quiz.reveal,
        "pass": quiz.pass_mark if quiz.pass_mark is not None else pass_mark,
        "shuffle": quiz.shuffle,
        "max": quiz.max_points,
        "questions": [runtime_question(question) for question in quiz.questions],
    }


def runtime_question(question: Question) -> dict[str, object]:
    data: dict[str, object] = {
        "id": question.id,
        "kind": question.kind.value,
        "points": question.points,
        "shuffle": question.shuffle,
        "partial": question.partial_credit,
        "description": _plain(question.prompt.source)[:250],
    }
    if question.kind in CHOICE_KINDS:
        data["correct"] = [choice.id for choice in question.correct_choices]
        data["choices"] = [choice.id for choice in question.choices]
    elif question.kind is QuestionKind.SHORT:
        data["caseSensitive"] = question.case_sensitive
        data["answers"] = sorted(
            {
                normalise_answer(answer, case_sensitive=question.case_sensitive)
                for answer in question.answers
            }
        )
        data["pattern"] = question.answers[0] if question.answers else ""
    elif question.kind is QuestionKind.NUMERIC:
        data["ranges"] = [[answer.low, answer.high] for answer in question.numbers]
        data["pattern"] = _numeric_pattern(question)
    elif question.kind is QuestionKind.MATCHING:
        data["pairs"] = {pair.id: pair.target_id for pair in question.pairs}
    elif question.kind is QuestionKind.ORDERING:
        data["order"] = [item.id for item in question.items]
    return data


def _numeric_pattern(question: Question) -> str:
    """SCORM's correct-response pattern for a numeric question: ``low[:]high``."""
    if not question.numbers:
        return ""
    answer = question.numbers[0]
    return f"{answer.low:g}[:]{answer.high:g}"


def _plain(markdown: str) -> str:
    """Markdown source reduced to readable one-line text (for LMS reports)."""
    from builder.markdown import make_markdown

    html = make_markdown().renderInline(markdown)
    return " ".join(Markup(html).striptags().split())


# ---------------------------------------------------------------------------- saved state


@dataclass(frozen=True, slots=True)
class SeenLayout:
    """How the runtime saves which lessons were seen: by key, or as a bitmap.

    By key (``keys``, state version 2) each seen lesson is saved as its progress key,
    which survives any change to the course in a later version, but costs six
    characters a lesson: a course of a few hundred lessons outgrows SCORM 1.2's 4,096.
    Such a course is saved as a bitmap (``bitmap``, version 3): one bit a lesson, in the
    order of the lesson keys, under a ``stamp`` naming that set of keys, plus the keys of
    the modules seen in full. A new version with the same lessons reads the bitmap; one
    whose lessons changed cannot know the old order, so it keeps every module seen in
    full (its new lessons included) and the learner sees again only the lessons of
    modules left half-way.
    """

    encoding: str
    stamp: str = ""
    module_keys: dict[str, str] | None = None
    """Lesson id → the key of its module (bitmap only)."""

    def runtime(self) -> dict[str, object]:
        """What the player needs to write and read this layout."""
        if self.encoding == "keys":
            return {"encoding": "keys"}
        return {"encoding": "bitmap", "stamp": self.stamp}


def seen_layout(course: Course) -> SeenLayout:
    """Keys while the worst-case state fits SCORM 1.2, a bitmap beyond (see SeenLayout)."""
    if _worst_case_size(course, SeenLayout("keys")) <= SUSPEND_DATA_LIMITS["scorm12"]:
        return SeenLayout("keys")
    lesson_keys = progress_keys([lesson.id for lesson in course.lessons])
    stamp_source = ".".join(sorted(lesson_keys.values())).encode()
    stamp = base64.b32encode(hashlib.sha1(stamp_source).digest()).decode().lower()[:6]
    module_key = progress_keys([module.id for module in course.modules])
    return SeenLayout(
        "bitmap",
        stamp,
        {
            lesson.id: module_key[module.id]
            for module in course.modules
            for lesson in module.lessons
        },
    )


def worst_case_state_size(course: Course) -> int:
    """The longest suspend_data the runtime can write for ``course``, in characters.

    Mirrors the runtime's encoding (``encodeState`` in sabaq.js): every lesson seen,
    every graded quiz at its highest attempt count with the longest possible answer to
    every question it can draw.
    """
    return _worst_case_size(course, seen_layout(course))


def _worst_case_size(course: Course, layout: SeenLayout) -> int:
    keys = quiz_keys(course)
    quizzes = {}
    for quiz in course.graded_quizzes:
        quizzes[keys[quiz.id]] = _longest_quiz_state(quiz)
    state: dict[str, object]
    if layout.module_keys is None:
        lesson_keys = sorted(progress_keys([lesson.id for lesson in course.lessons]).values())
        state = {"v": 2, "seen": ".".join(lesson_keys), "q": quizzes}
    else:
        bitmap = "A" * -(-len(course.lessons) // 6)  # six lessons a base64url character
        modules = ".".join(sorted(set(layout.module_keys.values())))
        state = {"v": 3, "o": layout.stamp, "s": bitmap, "m": modules, "q": quizzes}
    if course.config.multilingual:
        state["lang"] = max((tag for tag in course.config.languages), key=len, default="")
    return len(json.dumps(state, separators=(",", ":"), ensure_ascii=False))


def _longest_quiz_state(quiz: Quiz) -> list[object]:
    """``encodeQuizState`` in sabaq.js at its longest: the pool's worst draw, every answer."""
    count = quiz.pool or len(quiz.questions)
    longest = sorted((_longest_response(question) for question in quiz.questions), key=_json_length)
    drawn = ".".join(str(index) for index in range(len(quiz.questions))[-count:])
    answers = longest[-count:]
    return [quiz.attempts or 999, quiz.max_points, drawn, answers, 1, 2]


def _json_length(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=False))


def _longest_response(question: Question) -> str:
    kind = question.kind
    if kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE):
        return max((choice.id for choice in question.choices), key=len, default="")
    if kind is QuestionKind.MULTIPLE:
        return ".".join(choice.id for choice in question.choices)
    if kind is QuestionKind.MATCHING:
        return ".".join(
            max((t.id for t in question.targets), key=len, default="") for _ in question.pairs
        )
    if kind is QuestionKind.ORDERING:
        return ".".join(item.id for item in question.items)
    if kind is QuestionKind.NUMERIC:
        return "9" * NUMERIC_ANSWER_KEPT  # the runtime drops what JSON would escape
    # Typed answers are cut to so many characters; JSON may escape each one.
    return "\\" * SHORT_ANSWER_KEPT
