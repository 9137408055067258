"""The grading policy in course.yml: read, checked against the quizzes, and what the runtime gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import Reporter
from builder.grading import CountedQuiz, GradingPolicy, grading_policy, runtime_grading
from builder.model import Course
from builder.quizzes import quiz_keys
from builder.sources import load_course
from tests.support import SAMPLE_COURSE, copy_root


def certification(tmp_path: Path, grading: str) -> Path:
    """The certification scenario (a module quiz worth 4 points and an exam worth 4)."""
    root = copy_root("certification", tmp_path)
    with (root / "course.yml").open("a", encoding="utf-8") as config:
        config.write(grading)
    return root


def load(root: Path) -> tuple[Course | None, list[str]]:
    reporter = Reporter()
    course = load_course(root, reporter)
    return course, [d.format() for d in reporter.diagnostics]


def test_default_policy_counts_every_graded_quiz_by_points_and_requires_the_exam(
    tmp_path: Path,
) -> None:
    course, problems = load(certification(tmp_path, ""))
    assert problems == [] and course is not None
    assert grading_policy(course) == GradingPolicy(
        mastery=70,
        quizzes=(
            CountedQuiz(id="module-quiz", weight=4.0, exam=False),
            CountedQuiz(id="final-exam", weight=4.0, exam=True),
        ),
        exam_required=True,
    )


def test_the_runtime_gets_keys_maxima_and_weights(tmp_path: Path) -> None:
    course, problems = load(
        certification(
            tmp_path,
            "grading:\n  weights: {module-quiz: 1, final-exam: 3}\n  exam_required: false\n",
        )
    )
    assert problems == [] and course is not None
    keys = quiz_keys(course)
    assert runtime_grading(course, keys) == {
        "mastery": 70,
        "examRequired": False,
        "quizzes": [
            {"key": keys["module-quiz"], "max": 4.0, "weight": 1.0, "exam": False},
            {"key": keys["final-exam"], "max": 4.0, "weight": 3.0, "exam": True},
        ],
    }


def test_only_the_listed_quizzes_count(tmp_path: Path) -> None:
    course, problems = load(certification(tmp_path, "grading:\n  quizzes: [final-exam]\n"))
    assert problems == [] and course is not None
    assert [quiz.id for quiz in grading_policy(course).quizzes] == ["final-exam"]


@pytest.mark.parametrize(
    ("grading", "message"),
    [
        (
            "grading:\n  quizzes: [module-quiz, final-exan]\n  exam_required: false\n",
            "course.yml:7: error: 'final-exan' in 'grading' is not a graded quiz or exam of "
            "this course\n  hint: did you mean 'final-exam'?",
        ),
        (
            "grading:\n  weights: {final-exam: 2}\n",
            "course.yml:7: error: 'grading: weights' gives no weight to module-quiz\n"
            "  hint: give every quiz that counts a weight, or remove 'weights' to weigh each "
            "quiz by its points",
        ),
        (
            "grading:\n  weights: {module-quiz: 0, final-exam: 1}\n",
            "course.yml:7: error: the weight of 'module-quiz' must be a number above 0 (got 0)",
        ),
        (
            "grading:\n  quizzes: [module-quiz]\n",
            "course.yml:7: error: the exam 'final-exam' must be passed but is not in "
            "'grading: quizzes'\n  hint: add it to 'quizzes', or set exam_required: false",
        ),
        (
            "grading:\n  exam_required: yes please\n",
            "course.yml:7: error: 'grading: exam_required' must be true or false "
            "(got 'yes please')",
        ),
        (
            "grading:\n  pass: 80\n",
            "course.yml:7: error: unknown key 'pass' in 'grading'\n"
            "  hint: known keys: quizzes, weights, exam_required",
        ),
        (
            "grading: all\n",
            "course.yml:6: error: 'grading' must be a mapping",
        ),
    ],
)
def test_mistakes_in_grading_are_located(tmp_path: Path, grading: str, message: str) -> None:
    _, problems = load(certification(tmp_path, grading))
    assert len(problems) == 1
    assert problems[0].split("course.yml", 1)[1].startswith(message.split("course.yml", 1)[1])


def test_a_required_exam_is_passed_at_the_mastery_score(tmp_path: Path) -> None:
    root = certification(tmp_path, "")
    exam = root / "01-basics" / "03-exam.md"
    exam.write_text(
        exam.read_text(encoding="utf-8").replace(
            "::: quiz exam id=final-exam attempts=2",
            "::: quiz exam id=final-exam attempts=2 pass=90",
        ),
        encoding="utf-8",
    )
    _, problems = load(root)
    assert len(problems) == 1
    assert "03-exam.md:4: error: the exam's pass=90 differs from mastery_score (70)" in problems[0]


def test_exam_required_without_an_exam(tmp_path: Path) -> None:
    root = copy_root("minimal", tmp_path)
    with (root / "course.yml").open("a", encoding="utf-8") as config:
        config.write("grading:\n  exam_required: true\n")
    _, problems = load(root)
    assert any(
        "'grading: exam_required' is true but the course has no exam" in problem
        for problem in problems
    )


def test_the_shipped_course_rests_on_its_exam() -> None:
    course, problems = load(SAMPLE_COURSE)
    assert problems == [] and course is not None
    policy = grading_policy(course)
    assert policy.exam_required
    exam = [quiz for quiz in policy.quizzes if quiz.exam]
    assert len(exam) == 1 and exam[0].weight / sum(q.weight for q in policy.quizzes) == 0.7
