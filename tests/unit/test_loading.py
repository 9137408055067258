"""Loading course.yml, module.yml and lessons into the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import Reporter
from builder.model import Course, progress_keys
from builder.sources import load_course, slug_from_name
from tests.support import copy_root


def load(course_dir: Path) -> tuple[Course | None, list[str]]:
    reporter = Reporter()
    course = load_course(course_dir, reporter)
    return course, [d.format() for d in reporter.diagnostics]


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def course_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return copy_root("minimal", tmp_path)


def test_minimal_course_loads_in_name_order(course_dir: Path) -> None:
    course, problems = load(course_dir)
    assert problems == []
    assert course is not None
    assert course.config.id == "minimal"
    assert course.config.version == "1.0"
    assert course.config.mastery_score == 75
    assert course.config.formats == ("scorm12",)
    assert course.config.languages == ("en",)
    assert [m.id for m in course.modules] == ["basics", "more"]
    assert [m.title for m in course.modules] == ["The basics", "More"]
    assert [lesson.id for lesson in course.lessons] == [
        "basics/welcome",
        "basics/tables",
        "more/last",
    ]


def test_front_matter_and_heading_titles(course_dir: Path) -> None:
    course, _ = load(course_dir)
    assert course is not None
    welcome, tables, last = course.lessons
    assert (welcome.title, welcome.duration_minutes, welcome.objectives) == (
        "Welcome",
        5,
        ("Find your way around",),
    )
    assert welcome.body_line == 7  # the line after the closing '---'
    assert tables.title == "Tables and lists"  # taken from the leading '# ' heading
    assert "# Tables and lists" not in tables.body
    assert last.title == "The last lesson"


def test_ids_do_not_depend_on_order_prefix_or_location(tmp_path: Path) -> None:
    first = copy_root("minimal", tmp_path / "a")
    second = copy_root("minimal", tmp_path / "b")
    (second / "01-basics").rename(second / "07-basics")
    (second / "07-basics" / "01-welcome.md").rename(second / "07-basics" / "03-welcome.md")
    one, _ = load(first)
    two, _ = load(second)
    assert one is not None and two is not None
    assert {lesson.id for lesson in one.lessons} == {lesson.id for lesson in two.lessons}


def test_front_matter_id_overrides_the_file_name(course_dir: Path) -> None:
    lesson = course_dir / "02-more" / "01-last.md"
    lesson.write_text("---\nid: finale\ntitle: The end\n---\nBye.\n", encoding="utf-8")
    course, problems = load(course_dir)
    assert problems == []
    assert course is not None
    assert course.lessons[-1].id == "more/finale"


@pytest.mark.parametrize(
    ("name", "slug"),
    [("01-welcome.md", "welcome"), ("02-proof-of-work", "proof-of-work"), ("intro.md", "intro")],
)
def test_slug_from_name(name: str, slug: str) -> None:
    assert slug_from_name(name) == slug


def test_progress_keys_are_short_stable_and_unique() -> None:
    ids = [f"module-{m}/lesson-{n}" for m in range(30) for n in range(30)]
    keys = progress_keys(ids)
    assert len(set(keys.values())) == len(ids)
    assert all(len(key) == 5 for key in keys.values())
    assert progress_keys(list(reversed(ids))) == keys


@pytest.mark.parametrize(
    ("course_yml", "expected"),
    [
        (
            "id: minimal\ntitle: [unclosed\nversion: '1'\n",
            "course/course.yml:3: error: invalid YAML: expected ',' or ']', but got ':'\n"
            "  hint: check indentation and quote values that contain ':' or start with special characters",
        ),
        (
            "title: No id\nversion: '1'\n",
            "course/course.yml:1: error: course.yml is missing the required key 'id'\n"
            "  hint: add a line such as: id: blockchain-foundations",
        ),
        (
            "id: Bad_Id\ntitle: x\nversion: '1'\n",
            "course/course.yml:1: error: 'id' must be lowercase letters, digits and hyphens, "
            "starting with a letter (got 'Bad_Id')\n  hint: for example: id: blockchain-foundations",
        ),
        (
            "id: minimal\ntitle: x\nversion: 1.10\n",
            "course/course.yml:3: error: 'version' must be quoted text; YAML reads 1.10 as a float\n"
            '  hint: write it in quotes: version: "1.10"',
        ),
        (
            "id: minimal\ntitle: x\nversion: '1'\nlicense: MIT\n",
            "course/course.yml:4: error: unknown key 'license' in course.yml\n"
            "  hint: did you mean 'licence'?",
        ),
        (
            "id: minimal\ntitle: x\nversion: '1'\nmastery_score: 120\n",
            "course/course.yml:4: error: 'mastery_score' must be a whole number from 0 to 100 (got 120)",
        ),
        (
            "id: minimal\ntitle: x\nversion: '1'\nduration: soon\n",
            "course/course.yml:4: error: 'duration' must be a duration such as 45 (minutes), "
            '"45 min", "3h" or "1h 30m" (got \'soon\')',
        ),
        (
            "id: minimal\nid: other\ntitle: x\nversion: '1'\n",
            "course/course.yml:2: error: duplicate key 'id'",
        ),
    ],
)
def test_course_yml_errors_name_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, course_yml: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    course = copy_root("minimal", tmp_path)
    course.rename(tmp_path / "course")
    (tmp_path / "course" / "course.yml").write_text(course_yml, encoding="utf-8")
    _, problems = load(Path("course"))
    assert expected in problems


def test_durations_accept_common_spellings(course_dir: Path) -> None:
    config = course_dir / "course.yml"
    for written, minutes in [("90", 90), ("'45 min'", 45), ("3h", 180), ("'1h 30m'", 90)]:
        config.write_text(
            f"id: minimal\ntitle: x\nversion: '1'\nduration: {written}\n", encoding="utf-8"
        )
        course, problems = load(course_dir)
        assert problems == []
        assert course is not None and course.config.duration_minutes == minutes


def test_module_without_lessons_is_an_error(course_dir: Path) -> None:
    write(course_dir / "03-empty" / "module.yml", "title: Empty\n")
    _, problems = load(course_dir)
    assert problems == [
        "minimal/03-empty/module.yml:1: error: module has no lessons\n"
        "  hint: add a Markdown lesson such as 03-empty/01-introduction.md"
    ]


def test_folder_without_lessons_or_module_yml_is_an_asset_folder(course_dir: Path) -> None:
    write(course_dir / "shared-images" / "logo.svg", "<svg/>")
    course, problems = load(course_dir)
    assert problems == []
    assert course is not None and len(course.modules) == 2


def test_lesson_without_title(course_dir: Path) -> None:
    write(course_dir / "02-more" / "02-untitled.md", "Just text.\n")
    _, problems = load(course_dir)
    assert problems == [
        "minimal/02-more/02-untitled.md:1: error: lesson has no title\n"
        "  hint: add front matter ('---', 'title: ...', '---') or start the lesson with '# Title'"
    ]


def test_front_matter_errors_point_into_the_lesson(course_dir: Path) -> None:
    write(
        course_dir / "02-more" / "02-bad.md",
        "---\ntitle: Bad\nobjective: typo\nduration: long\n---\nText.\n",
    )
    _, problems = load(course_dir)
    assert problems == [
        "minimal/02-more/02-bad.md:3: error: unknown key 'objective' in front matter\n"
        "  hint: did you mean 'objectives'?",
        "minimal/02-more/02-bad.md:4: error: 'duration' must be a duration such as 45 (minutes), "
        '"45 min", "3h" or "1h 30m" (got \'long\')',
    ]


def test_unusable_file_names_are_refused(course_dir: Path) -> None:
    write(course_dir / "02-more" / "02 My Notes.md", "# Notes\n")
    _, problems = load(course_dir)
    assert problems == [
        "minimal/02-more/02 My Notes.md: error: '02 My Notes.md' is not a usable file name\n"
        "  hint: use only lowercase letters a-z, digits, '.', '-' and '_' (no spaces); "
        "LMS web servers treat other names inconsistently"
    ]


def test_duplicate_lesson_ids(course_dir: Path) -> None:
    write(course_dir / "01-basics" / "03-welcome.md", "# Welcome again\n")
    _, problems = load(course_dir)
    assert problems == [
        "minimal/01-basics/03-welcome.md:1: error: lessons '01-basics/01-welcome.md' and "
        "'01-basics/03-welcome.md' both have the id 'basics/welcome'\n"
        "  hint: rename one file or set a distinct 'id' in its front matter"
    ]


def test_missing_course_yml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    _, problems = load(Path("empty"))
    assert problems == [
        "empty: error: no course.yml in the course folder\n"
        "  hint: create course.yml with at least id, title and version (see README, 'Writing a course')"
    ]
