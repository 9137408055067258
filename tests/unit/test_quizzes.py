"""Quizzes in pages and the room their saved answers need."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.build import build
from builder.errors import CourseError, Reporter
from builder.quizzes import SUSPEND_DATA_LIMITS, worst_case_state_size
from builder.sources import load_course
from tests.support import ROOTS, copy_root, read_entry


def test_certification_course_fits_scorm12_with_room_to_spare() -> None:
    course = load_course(ROOTS / "certification", Reporter())
    assert course is not None
    size = worst_case_state_size(course)
    assert 200 < size < SUSPEND_DATA_LIMITS["scorm12"] // 4


def big_exam(questions: int) -> str:
    blocks = "\n".join(
        f"::: question short id=q{n}\nName thing {n}.\n\nAnswer: thing {n}\n:::\n"
        for n in range(questions)
    )
    return f"---\ntitle: Exam\n---\n::: quiz exam id=big attempts=2\n\n{blocks}\n:::\n"


def test_a_course_whose_answers_could_outgrow_scorm12_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    course_dir = copy_root("minimal", tmp_path)
    (course_dir / "02-more" / "02-exam.md").write_text(big_exam(40), encoding="utf-8")
    with pytest.raises(CourseError) as raised:
        build([course_dir], tmp_path / "dist", ["scorm12", "scorm2004"])
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.format().startswith(
        "minimal/course.yml:1: error: the course could save up to 5,"
    )
    assert "more than SCORM 1.2 lets an LMS keep (4,096)" in diagnostic.message
    assert (
        diagnostic.hint
        == "split the course, make pools draw fewer questions, or build scorm2004 instead"
    )
    assert not (tmp_path / "dist").exists()
    # SCORM 2004 keeps 64,000 characters: the same course builds.
    (package,) = build([course_dir], tmp_path / "dist", ["scorm2004"]).packages
    assert package.path.is_file()


def test_quiz_pages_carry_the_runtime_data_and_strings(tmp_path: Path) -> None:
    package = build([ROOTS / "certification"], tmp_path, ["website"]).packages[0].path
    page = read_entry(package, "content/01-basics/03-exam.html").decode()
    assert '<script type="application/json" id="sabaq-quizzes">' in page
    assert '"kind": "exam"' in page and '"reveal": false' in page
    assert '<section class="certificate" hidden' in page
    assert "You scored {points} of {max} points ({percent}%)." in page
