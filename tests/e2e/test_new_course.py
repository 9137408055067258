"""`sabaq new`: a course that builds cleanly straight away."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.build import build
from builder.cli import main
from builder.errors import Reporter
from builder.sources import load_course


def test_a_new_course_builds_every_format_without_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["new", "ai-ethics", "--title", 'AI "Ethics": safety'])
    assert result.exit_code == 0, result.output
    assert (
        result.stdout
        == "created courses/ai-ethics: edit course.yml, then run: sabaq preview courses/ai-ethics\n"
    )
    built = build([tmp_path / "courses" / "ai-ethics"], tmp_path / "dist")
    assert len(built.packages) == 8
    assert [w.format() for w in built.warnings] == []
    course = load_course(tmp_path / "courses" / "ai-ethics", Reporter())
    assert course is not None and course.config.title == 'AI "Ethics": safety'
    assert [quiz.kind.value for quiz in course.quizzes] == ["check", "graded"]


@pytest.mark.parametrize(
    ("course_id", "message"),
    [
        (
            "AI Ethics",
            "error: 'AI Ethics' cannot be a course id: use lowercase letters, digits and hyphens, starting with a letter (for example ai-ethics)\n",
        ),
        ("taken", "error: courses/taken already exists; choose another id or remove it first\n"),
    ],
)
def test_bad_ids_and_existing_folders_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, course_id: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "courses" / "taken").mkdir(parents=True)
    result = CliRunner().invoke(main, ["new", course_id])
    assert result.exit_code == 1
    assert result.stderr == message
