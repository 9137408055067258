"""The shipped curriculum cannot shrink below what the programmes need (issue 10).

Each course of ``courses/``: at least 4 teaching modules and 12 lessons, a graded quiz of
at least 5 questions ending every teaching module, a final exam drawing from a pool,
and a duration that is what its lessons add up to.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.assessment import QuizKind
from builder.errors import Reporter
from builder.grading import grading_policy
from builder.model import Course
from builder.sources import load_course
from tests.support import REPO

COURSES = sorted(path.parent for path in (REPO / "courses").glob("*/course.yml"))
EXPECTED = {
    "blockchain-foundations",
    "ai-ethics-and-safety",
    "ai-soft-skills-for-educators",
    "ai-hard-skills-llama",
}
LLAMA = REPO / "courses" / "ai-hard-skills-llama"


def load(path: Path) -> Course:
    reporter = Reporter()
    course = load_course(path, reporter)
    assert course is not None and not reporter.errors, reporter.errors
    assert not [w for w in reporter.warnings if "duration" in w.message], reporter.warnings
    return course


def test_the_courses_of_the_programmes_are_all_here() -> None:
    assert {path.name for path in COURSES} >= EXPECTED


@pytest.mark.parametrize("path", COURSES, ids=[path.name for path in COURSES])
def test_a_course_meets_the_minimums(path: Path) -> None:
    course = load(path)
    exams = [quiz for quiz in course.graded_quizzes if quiz.kind is QuizKind.EXAM]
    assert len(exams) == 1
    (exam,) = exams
    teaching = [module for module in course.modules if exam.lesson_id.split("/")[0] != module.id]
    assert len(teaching) >= 4
    assert sum(len(module.lessons) for module in teaching) >= 12
    for module in teaching:
        quizzes = [
            quiz
            for quiz in course.graded_quizzes
            if quiz.kind is QuizKind.GRADED and quiz.lesson_id.split("/")[0] == module.id
        ]
        assert quizzes, f"module {module.id} has no graded quiz"
        assert all(len(quiz.questions) >= 5 for quiz in quizzes), module.id
    for lesson in course.lessons:
        assert lesson.duration_minutes and lesson.objectives, lesson.id
    assert exam.pool is not None and len(exam.questions) >= 20 and len(exam.questions) > exam.pool
    assert grading_policy(course).exam_required
    assert course.config.duration_minutes == sum(
        lesson.duration_minutes or 0 for lesson in course.lessons
    )


def test_the_llama_certification_draws_20_of_at_least_40_at_70_percent() -> None:
    course = load(LLAMA)
    (exam,) = [quiz for quiz in course.graded_quizzes if quiz.kind is QuizKind.EXAM]
    assert len(exam.questions) >= 40 and exam.pool == 20
    assert course.config.mastery_score == 70
    assert grading_policy(course).exam_required


def test_the_llama_course_teaches_with_formulas() -> None:
    """Its lessons write math that the build turns into MathML (issue 10 asked for it)."""
    course = load(LLAMA)
    with_math = [lesson.id for lesson in course.lessons if "$$" in lesson.body]
    assert len(with_math) >= 8, with_math


def test_a_duration_the_lessons_do_not_add_up_to_is_a_located_warning(tmp_path: Path) -> None:
    course = tmp_path / "short"
    (course / "01-only").mkdir(parents=True)
    (course / "course.yml").write_text(
        'id: short\ntitle: Short\nversion: "1"\nduration: 4h\n', encoding="utf-8"
    )
    for name, minutes in (("01-a.md", 90), ("02-b.md", 100)):
        (course / "01-only" / name).write_text(
            f"---\ntitle: {name}\nduration: {minutes}\n---\nText.\n", encoding="utf-8"
        )
    reporter = Reporter()
    assert load_course(course, reporter) is not None
    assert [d.format() for d in reporter.diagnostics] == [
        f"{(course / 'course.yml').as_posix()}:4: warning: 'duration' is 4h, but the lessons "
        "add up to 3h 10m\n  hint: write duration: 3h 10m, or correct the lessons' durations"
    ]
