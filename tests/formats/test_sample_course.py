"""The courses we ship build cleanly and pass the official schemas."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from builder.assessment import QuestionKind
from builder.build import BuiltPackage, build, find_courses
from builder.errors import Reporter
from builder.formats import available_formats, get_format
from builder.sources import load_course
from builder.validate import validate_package
from tests.support import REPO, SHARED, schema_problems, zip_names

SCHEMAS = SHARED / "schemas"

COURSES = find_courses(REPO / "courses")


def test_the_sample_course_is_there() -> None:
    assert "blockchain-foundations" in [course.name for course in COURSES]


# Exports say, per question, what a standard cannot hold (and what they do instead);
# any other warning in a shipped course is a defect in the course.
EXPORT_LIMITS = ("Common Cartridge ", "Moodle ", "GIFT ")


@pytest.fixture(scope="module", params=COURSES, ids=[course.name for course in COURSES])
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> list[BuiltPackage]:
    # One course at a time, so the test workers share the courses between them.
    result = build([request.param], tmp_path_factory.mktemp("dist"))
    for warning in result.warnings:
        assert warning.location is not None and warning.location.line, warning.format()
        assert warning.message.startswith(EXPORT_LIMITS) or " GIFT " in warning.message, (
            warning.format()
        )
    return result.packages


def test_every_shipped_package_passes_the_schemas(built: list[BuiltPackage]) -> None:
    assert {package.format for package in built} == set(available_formats())
    for package in built:
        if get_format(package.format).has_manifest:
            assert schema_problems(package.path) == [], package.path.name
            assert validate_package(package.path, SCHEMAS).errors == [], package.path.name


def test_blockchain_course_has_its_lessons(tmp_path: Path) -> None:
    (scorm12,) = build(
        [REPO / "courses" / "blockchain-foundations"], tmp_path, ["scorm12"], languages=["en"]
    ).packages
    names = zip_names(scorm12.path)
    pages = [n for n in names if n.startswith("content/") and n.endswith(".html")]
    assert len(pages) >= 6
    assert sum(1 for n in names if n.endswith(".svg")) >= 5
    assert Path(scorm12.path).name == "blockchain-foundations-0.1.0-en-scorm12.zip"


@pytest.mark.parametrize("course_dir", COURSES, ids=[course.name for course in COURSES])
def test_right_answers_are_spread_across_the_choices(course_dir: Path) -> None:
    """Learners must not be able to guess a single-choice answer by its position.

    Shuffling hides the authored order only where the LMS shuffles: knowledge checks in
    an LMS's page, and every question not marked ``shuffle``, show the choices as
    written. No position may hold the right answer in more than half of the questions.
    """
    course = load_course(course_dir, Reporter())
    assert course is not None
    positions = Counter(
        [choice.correct for choice in question.choices].index(True)
        for quiz in course.quizzes
        for question in quiz.questions
        if question.kind is QuestionKind.SINGLE
    )
    total = sum(positions.values())
    assert total, "the course has single-choice questions"
    position, most = positions.most_common(1)[0]
    assert most * 2 <= total, (
        f"choice {position + 1} is the right answer in {most} of {total} single-choice "
        f"questions: {dict(sorted(positions.items()))}"
    )
