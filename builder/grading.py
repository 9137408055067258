"""The course's grading policy: which graded quizzes make the course score, how much
each weighs, and whether the final exam must be passed on its own.

One policy decides everything a learner is told and everything the LMS records: the
course score, passed or failed, and the certificate. The runtime (``courseResult`` in
sabaq.js) applies it; this module reads it from ``course.yml`` and checks it against
the course's quizzes.

The rule is built so that "passed" always means "course score ≥ mastery_score". An
LMS that decides the status itself from the score (Moodle's *mastery override*, on by
default, turns SCORM 1.2's ``score.raw`` below ``masteryscore`` into ``failed``;
SCORM 2004 LMSs compare ``score.scaled`` with ``scaled_passing_score``) therefore
always agrees with the course. An exam that must be passed is folded into the score:
the course score is the weighted score or the exam's own score, whichever is lower.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from builder.errors import Location, Reporter
from builder.yamldoc import YamlDoc

if TYPE_CHECKING:
    from builder.model import Course

GRADING_KEYS = ("quizzes", "weights", "exam_required")


@dataclass(frozen=True, slots=True)
class GradingSettings:
    """``grading:`` in ``course.yml``, as written (quiz ids are checked with the quizzes)."""

    quizzes: tuple[str, ...] | None = None
    """Ids of the graded quizzes that count; None: every graded quiz and the exam."""
    weights: tuple[tuple[str, float], ...] | None = None
    """(quiz id, weight) for every counted quiz; None: each quiz weighs its points."""
    exam_required: bool | None = None
    """The exam must reach mastery_score on its own; None: yes when there is an exam."""
    source: YamlDoc | None = None

    def location(self, *keys: str | int) -> Location | None:
        return self.source.location("grading", *keys) if self.source else None


@dataclass(frozen=True, slots=True)
class CountedQuiz:
    id: str
    weight: float
    exam: bool


@dataclass(frozen=True, slots=True)
class GradingPolicy:
    """The resolved policy: what the runtime applies."""

    mastery: int
    quizzes: tuple[CountedQuiz, ...]
    exam_required: bool


def read_grading(doc: YamlDoc, reporter: Reporter) -> GradingSettings:
    """Read the ``grading`` mapping of ``course.yml``, reporting every bad value at its line."""
    data: Any = doc.data.get("grading")
    if data is None:
        return GradingSettings(source=doc)
    if not isinstance(data, dict):
        reporter.error(
            "'grading' must be a mapping",
            doc.location("grading"),
            "for example:\n  grading:\n    weights: {module-quiz: 30, final-exam: 70}\n    exam_required: true",
        )
        return GradingSettings(source=doc)
    for key in data:
        if key not in GRADING_KEYS:
            close = difflib.get_close_matches(str(key), GRADING_KEYS, n=1)
            hint = (
                f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(GRADING_KEYS)}"
            )
            reporter.error(f"unknown key '{key}' in 'grading'", doc.location("grading", key), hint)
    return GradingSettings(
        quizzes=_quiz_ids(doc, data.get("quizzes"), reporter),
        weights=_weights(doc, data.get("weights"), reporter),
        exam_required=_required_flag(doc, data.get("exam_required"), reporter),
        source=doc,
    )


def _quiz_ids(doc: YamlDoc, value: Any, reporter: Reporter) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        reporter.error(
            "'grading: quizzes' must be a list of quiz ids",
            doc.location("grading", "quizzes"),
            "for example: quizzes: [module-1-quiz, final-exam] (the id= of each '::: quiz' line)",
        )
        return None
    return tuple(value)


def _weights(doc: YamlDoc, value: Any, reporter: Reporter) -> tuple[tuple[str, float], ...] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        reporter.error(
            "'grading: weights' must map quiz ids to numbers",
            doc.location("grading", "weights"),
            "for example: weights: {module-1-quiz: 30, final-exam: 70}",
        )
        return None
    weights = []
    for quiz_id, weight in value.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight < 1e6:
            reporter.error(
                f"the weight of '{quiz_id}' must be a number above 0 (got {weight!r})",
                doc.location("grading", "weights", quiz_id),
            )
            weight = 1.0  # reported; kept so the quiz is not also reported as unweighted
        weights.append((str(quiz_id), float(weight)))
    return tuple(weights)


def _required_flag(doc: YamlDoc, value: Any, reporter: Reporter) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    reporter.error(
        f"'grading: exam_required' must be true or false (got {value!r})",
        doc.location("grading", "exam_required"),
    )
    return None


def check_grading(course: Course, reporter: Reporter) -> None:
    """Report every way the policy does not fit the course's quizzes."""
    settings = course.config.grading
    graded = {quiz.id: quiz for quiz in course.graded_quizzes}
    known = sorted(graded)

    def unknown(quiz_id: str, *keys: str | int) -> bool:
        if quiz_id in graded:
            return False
        close = difflib.get_close_matches(quiz_id, known, n=1)
        hint = (
            f"did you mean '{close[0]}'?"
            if close
            else f"graded quizzes of this course: {', '.join(known) or 'none'}"
        )
        reporter.error(
            f"'{quiz_id}' in 'grading' is not a graded quiz or exam of this course",
            settings.location(*keys),
            hint,
        )
        return True

    counted = settings.quizzes if settings.quizzes is not None else tuple(known)
    for index, quiz_id in enumerate(settings.quizzes or ()):
        unknown(quiz_id, "quizzes", index)
    if settings.weights is not None:
        weighted = {quiz_id for quiz_id, _ in settings.weights}
        for quiz_id, _ in settings.weights:
            if not unknown(quiz_id, "weights", quiz_id) and quiz_id not in counted:
                reporter.error(
                    f"'{quiz_id}' has a weight but is not in 'grading: quizzes'",
                    settings.location("weights", quiz_id),
                    "add it to 'quizzes', or remove its weight",
                )
        missing = [quiz_id for quiz_id in counted if quiz_id in graded and quiz_id not in weighted]
        if missing:
            reporter.error(
                f"'grading: weights' gives no weight to {', '.join(missing)}",
                settings.location("weights"),
                "give every quiz that counts a weight, or remove 'weights' to weigh each quiz by its points",
            )
    _check_exam(course, counted, reporter)


def _check_exam(course: Course, counted: tuple[str, ...], reporter: Reporter) -> None:
    settings = course.config.grading
    exams = [quiz for quiz in course.graded_quizzes if quiz.kind.value == "exam"]
    if settings.exam_required and not exams:
        reporter.error(
            "'grading: exam_required' is true but the course has no exam",
            settings.location("exam_required"),
            "write the final exam as '::: quiz exam', or set exam_required: false",
        )
    if not _exam_required(course):
        return
    if len(exams) > 1:
        reporter.error(
            f"the course has {len(exams)} exams, so 'exam_required' cannot tell which one must be passed",
            exams[1].location,
            "keep one '::: quiz exam' and make the others '::: quiz graded'",
        )
    for exam in exams:
        if exam.id not in counted:
            reporter.error(
                f"the exam '{exam.id}' must be passed but is not in 'grading: quizzes'",
                settings.location("quizzes"),
                "add it to 'quizzes', or set exam_required: false",
            )
        mastery = course.config.mastery_score
        if exam.pass_mark is not None and exam.pass_mark != mastery:
            reporter.error(
                f"the exam's pass={exam.pass_mark} differs from mastery_score ({mastery}), "
                "but the exam must be passed to pass the course",
                exam.location,
                "remove pass= from the exam: a required exam is passed at mastery_score, the "
                "same mark the LMS is given, so the LMS and the course always agree",
            )


def _exam_required(course: Course) -> bool:
    setting = course.config.grading.exam_required
    has_exam = any(quiz.kind.value == "exam" for quiz in course.graded_quizzes)
    return has_exam if setting is None else setting and has_exam


def grading_policy(course: Course) -> GradingPolicy:
    """The policy of a course whose grading was checked by :func:`check_grading`."""
    settings = course.config.grading
    graded = {quiz.id: quiz for quiz in course.graded_quizzes}
    counted = settings.quizzes if settings.quizzes is not None else tuple(graded)
    weights = dict(settings.weights or ())
    return GradingPolicy(
        mastery=course.config.mastery_score,
        quizzes=tuple(
            CountedQuiz(
                id=quiz_id,
                weight=weights.get(quiz_id, graded[quiz_id].max_points),
                exam=graded[quiz_id].kind.value == "exam",
            )
            for quiz_id in counted
            if quiz_id in graded
        ),
        exam_required=_exam_required(course),
    )


def runtime_grading(course: Course, keys: dict[str, str]) -> dict[str, object]:
    """The policy as the runtime reads it (``courseResult`` in sabaq.js)."""
    policy = grading_policy(course)
    graded = {quiz.id: quiz for quiz in course.graded_quizzes}
    return {
        "mastery": policy.mastery,
        "examRequired": policy.exam_required,
        "quizzes": [
            {
                "key": keys[counted.id],
                "max": graded[counted.id].max_points,
                "weight": counted.weight,
                "exam": counted.exam,
            }
            for counted in policy.quizzes
        ],
    }
