"""Loading course.yml, module.yml and lessons into the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder import assessment
from builder.errors import Reporter
from builder.fields import SLUG
from builder.model import Course, Lesson, progress_keys
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


# --------------------------------------------------------------------------- hostile YAML

_HINT_ALIAS = "  hint: write the value out in full wherever it is needed"
_HINT_ANCHOR = "  hint: remove the anchor, and write the value out in full wherever it is needed"
_HINT_SURROGATE = (
    "  hint: write the character itself; an escape "
    "must give the whole character (\\U0001F600) or both halves of its pair (\\ud83d\\ude00)"
)
_HINT_CONTROL = (
    "  hint: delete it; most editors do not show it (in quotes, a \\x or \\u escape writes one)"
)


@pytest.mark.parametrize(
    ("course_yml", "expected"),
    [
        pytest.param(
            "id: minimal\ntitle: x\nversion: '1'\nauthors: &team [a, b]\nkeywords: *team\n",
            "course/course.yml:4: error: YAML anchors ('&team') are not allowed in course files\n"
            + _HINT_ANCHOR,
            id="anchor",
        ),
        pytest.param(
            "id: minimal\ntitle: x\nversion: '1'\nkeywords: *team\n",
            "course/course.yml:4: error: YAML aliases ('*team') are not allowed in course files\n"
            + _HINT_ALIAS,
            id="alias-without-anchor",
        ),
        pytest.param(
            "id: minimal\ntitle: x\nversion: '1'\nkeywords: " + "[" * 500 + "]" * 500 + "\n",
            "course/course.yml:4: error: the YAML is nested more than 20 levels deep\n"
            "  hint: course files need lists and mappings only a few levels deep",
            id="deep",
        ),
        pytest.param(
            "id: minimal\ntitle: x\nversion: '1'\nmastery_score: " + "7" * 5000 + "\n",
            "course/course.yml:4: error: invalid YAML: the number "
            "77777777777777777777777777777… is too long\n  hint: quote it if it is text",
            id="long-number",
        ),
        pytest.param(
            "id: minimal\ntitle: x\nversion: '1'\nmastery_score: !!float abc\n",
            "course/course.yml:4: error: YAML tags ('!!float') are not allowed in course files\n"
            "  hint: remove the tag; quote the value if it should stay text",
            id="tag-float",
        ),
        pytest.param(
            "id: minimal\ntitle: x\nversion: '1'\nmultilingual: !!bool maybe\n",
            "course/course.yml:4: error: YAML tags ('!!bool') are not allowed in course files\n"
            "  hint: remove the tag; quote the value if it should stay text",
            id="tag-bool",
        ),
        pytest.param(
            "id: minimal\ntitle: x\nversion: '1'\naudience: !a%1B x\n",
            "course/course.yml:4: error: YAML tags ('!a\\u001b') are not allowed in course "
            "files\n  hint: remove the tag; quote the value if it should stay text",
            id="tag-with-an-escape",
        ),
        pytest.param(
            "id: minimal\ntitle: x\nversion: '1'\nlicence: 2024-13-45\n",
            "course/course.yml:4: error: invalid YAML: '2024-13-45' is not a date (month must "
            "be in 1..12)\n  hint: write dates as YYYY-MM-DD, or quote the value if it is text",
            id="bad-date",
        ),
        pytest.param(
            "id: minimal\ntitle: x\nversion: '1'\naudience: Beginners\x1b[2J\n",
            "course/course.yml:4: error: invalid YAML: the file holds the control character "
            "U+001B\n  hint: delete it; most editors do not show it",
            id="raw-control-character",
        ),
        pytest.param(
            'id: minimal\ntitle: "Blockchain\\x07"\nversion: "1"\n',
            "course/course.yml:2: error: 'title' holds the control character U+0007\n"
            + _HINT_CONTROL,
            id="escaped-control-character",
        ),
        pytest.param(
            'id: minimal\ntitle: "Blockchain \\ud83d"\nversion: "1"\n',
            "course/course.yml:2: error: 'title' holds U+D83D, half of a UTF-16 surrogate pair, "
            "which is not a character\n" + _HINT_SURROGATE,
            id="lone-surrogate",
        ),
        pytest.param(
            'id: minimal\ntitle: "Blockchain \\ude00\\ud83d"\nversion: "1"\n',
            "course/course.yml:2: error: 'title' holds U+DE00, half of a UTF-16 surrogate pair, "
            "which is not a character\n" + _HINT_SURROGATE,
            id="surrogates-in-the-wrong-order",
        ),
        pytest.param(
            'id: minimal\ntitle: "Blockchain\\n\\n::x::Q{=a}"\nversion: "1"\n',
            "course/course.yml:2: error: 'title' must be one line (it holds a line break)\n"
            "  hint: write it on one line",
            id="title-newline",
        ),
        pytest.param(
            'id: minimal\ntitle: x\nversion: "1"\nauthors: ["A\\u2028B"]\n',
            "course/course.yml:4: error: item 1 of 'authors' must be one line (it holds a line "
            "break)\n  hint: write it on one line",
            id="author-line-separator",
        ),
        pytest.param(
            'id: minimal\ntitle: x\nversion: "1"\nkeywords: "a\\x00"\n',
            "course/course.yml:4: error: 'keywords' holds the control character U+0000\n"
            + _HINT_CONTROL,
            id="keyword-nul",
        ),
        pytest.param(
            'id: "minimal\\n"\ntitle: x\nversion: "1"\n"ti\\x1btle": y\n',
            "course/course.yml:4: error: unknown key 'ti\\x1btle' in course.yml\n"
            "  hint: did you mean 'title'?",
            id="unknown-key-shown-escaped",
        ),
        pytest.param(
            "id: minimal\ntitle: x\nversion: '1'\nduration: " + "9" * 31 + "\n",
            "course/course.yml:4: error: 'duration' must be at most 10000 hours (got "
            + "9" * 31
            + ')\n  hint: write the duration in minutes or hours, such as 45, "3h" or "1h 30m"',
            id="duration-huge",
        ),
        pytest.param(
            "id: minimal\ntitle: x\nversion: '1'\nduration: " + "9" * 5000 + "h\n",
            "course/course.yml:4: error: 'duration' must be at most 10000 hours (got '"
            + "9" * 58
            + '…)\n  hint: write the duration in minutes or hours, such as 45, "3h" or "1h 30m"',
            id="duration-huge-hours",
        ),
        pytest.param(
            "id: minimal\ntitle: x\nversion: '1'\nduration: 10001h\n",
            "course/course.yml:4: error: 'duration' must be at most 10000 hours (got '10001h')\n"
            '  hint: write the duration in minutes or hours, such as 45, "3h" or "1h 30m"',
            id="duration-just-too-long",
        ),
        pytest.param(
            "id: minimal\ntitle: x\nversion: '1'\nduration: .inf\n",
            "course/course.yml:4: error: 'duration' must be a duration such as 45 (minutes), "
            '"45 min", "3h" or "1h 30m" (got inf)',
            id="duration-infinite",
        ),
    ],
)
def test_hostile_course_yml_gives_a_located_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, course_yml: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    copy_root("minimal", tmp_path).rename(tmp_path / "course")
    (tmp_path / "course" / "course.yml").write_text(course_yml, encoding="utf-8")
    _, problems = load(Path("course"))
    assert problems == [expected]


def test_escapes_of_both_halves_of_a_surrogate_pair_are_one_character(course_dir: Path) -> None:
    """JSON writes 😀 as "\\ud83d\\ude00"; YAML 1.2 and JSON read one character there."""
    write(course_dir / "course.yml", 'id: minimal\ntitle: "Smile \\ud83d\\ude00"\nversion: "1"\n')
    course, problems = load(course_dir)
    assert problems == []
    assert course is not None and course.config.title == "Smile \U0001f600"


def test_an_alias_bomb_is_refused_before_it_expands(course_dir: Path) -> None:
    """~1 KB of aliases that nest nine deep stand for 9**9 strings (the 'billion laughs')."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    front = "---\ntitle: Bomb\n" + "\n".join(lines) + "\n---\nText.\n"
    write(course_dir / "02-more" / "02-bomb.md", front)
    _, problems = load(course_dir)
    assert problems == [
        "minimal/02-more/02-bomb.md:3: error: YAML anchors ('&a') are not allowed in course "
        "files\n" + _HINT_ANCHOR
    ]


def test_a_module_title_with_a_control_character(course_dir: Path) -> None:
    write(course_dir / "02-more" / "module.yml", 'title: "More\\x1b[31m"\ndescription: "a\\nb"\n')
    course, problems = load(course_dir)
    assert problems == [
        "minimal/02-more/module.yml:1: error: 'title' holds the control character U+001B\n"
        + _HINT_CONTROL
    ]
    assert course is not None and course.modules[1].description == "a\nb"  # may span lines


def test_module_link_titles_and_addresses_are_one_line(course_dir: Path) -> None:
    write(
        course_dir / "02-more" / "module.yml",
        "title: More\nlinks:\n"
        '  - title: "Paper\\nTwo"\n    url: https://example.org/\n'
        '  - title: Paper\n    url: "https://example.org/\\x07"\n',
    )
    _, problems = load(course_dir)
    assert problems == [
        "minimal/02-more/module.yml:3: error: 'title' of link 1 in 'links' must be one line "
        "(it holds a line break)\n  hint: write it on one line",
        "minimal/02-more/module.yml:6: error: 'url' of link 2 in 'links' holds the control "
        "character U+0007\n" + _HINT_CONTROL,
    ]


def test_front_matter_titles_and_objectives_are_checked(course_dir: Path) -> None:
    write(
        course_dir / "02-more" / "02-x.md",
        '---\ntitle: "X\\uffff"\nduration: 100000000000000000000000000000\n'
        'objectives:\n  - "Learn\\ud800"\n---\nText.\n',
    )
    _, problems = load(course_dir)
    assert problems == [
        "minimal/02-more/02-x.md:2: error: 'title' holds U+FFFF, which is not a character\n"
        "  hint: delete it",
        "minimal/02-more/02-x.md:3: error: 'duration' must be at most 10000 hours (got "
        "100000000000000000000000000000)\n"
        '  hint: write the duration in minutes or hours, such as 45, "3h" or "1h 30m"',
        "minimal/02-more/02-x.md:5: error: item 1 of 'objectives' holds U+D800, half of a "
        "UTF-16 surrogate pair, which is not a character\n" + _HINT_SURROGATE,
    ]


def test_a_control_character_in_a_lesson_is_found_at_its_line(course_dir: Path) -> None:
    write(course_dir / "02-more" / "02-x.md", "# Title\n\nText.\n\nBell\x07 here.\n")
    _, problems = load(course_dir)
    assert problems == [
        "minimal/02-more/02-x.md:5: error: the lesson holds the control character U+0007\n"
        + _HINT_CONTROL
    ]


def test_an_id_with_a_trailing_line_break_is_no_id(course_dir: Path) -> None:
    # '$' matches before a final newline: SLUG must not.
    write(course_dir / "02-more" / "module.yml", 'id: "more\\n"\n')
    course, problems = load(course_dir)
    assert problems == []  # surrounding white space is stripped, as for every value
    assert course is not None and course.modules[1].id == "more"
    assert SLUG.match("more\n") is None


# --------------------------------------------------------------------------- symbolic links

_OUTSIDE_HINT = (
    "  hint: a package holds only the course's own files: replace the link with a copy of "
    "what it leads to, inside the course folder"
)


def test_a_lesson_linked_from_outside_the_course_is_refused(
    course_dir: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (course_dir / "02-more" / "02-notes.md").symlink_to(secret)
    course, problems = load(course_dir)
    assert problems == [
        f"minimal/02-more/02-notes.md: error: '02-notes.md' is a symbolic link to "
        f"{secret.as_posix()}, outside the course folder\n" + _OUTSIDE_HINT
    ]
    assert course is not None and "more/notes" not in [lesson.id for lesson in course.lessons]


def test_a_module_folder_linked_from_outside_is_refused(course_dir: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere / "01-secret.md", "# Secret\n")
    (course_dir / "03-extra").symlink_to(elsewhere)
    course, problems = load(course_dir)
    assert problems == [
        f"minimal/03-extra: error: '03-extra' is a symbolic link to {elsewhere.as_posix()}, "
        "outside the course folder\n" + _OUTSIDE_HINT
    ]
    assert course is not None and [m.id for m in course.modules] == ["basics", "more"]


@pytest.mark.parametrize("name", ["course.yml", "02-more/module.yml"])
def test_course_files_linked_from_outside_are_refused(
    course_dir: Path, tmp_path: Path, name: str
) -> None:
    original = course_dir / name
    outside = tmp_path / "outside.yml"
    outside.write_bytes(original.read_bytes())
    original.unlink()
    original.symlink_to(outside)
    _, problems = load(course_dir)
    assert problems == [
        f"minimal/{name}: error: '{original.name}' is a symbolic link to {outside.as_posix()}, "
        "outside the course folder\n" + _OUTSIDE_HINT
    ]


def test_a_link_to_nothing_is_reported(course_dir: Path) -> None:
    (course_dir / "02-more" / "02-gone.md").symlink_to("02-gone.md")  # a loop of one
    _, problems = load(course_dir)
    assert problems == [
        "minimal/02-more/02-gone.md: error: '02-gone.md' is a symbolic link to nothing (a "
        "missing file, or a loop of links)\n"
        "  hint: remove the link, or make it lead to a file inside the course folder"
    ]


def test_links_inside_the_course_are_followed(course_dir: Path) -> None:
    """They reach nothing the author did not put in the course folder."""
    (course_dir / "02-more" / "02-welcome-again.md").symlink_to("../01-basics/01-welcome.md")
    course, problems = load(course_dir)
    assert problems == []
    assert course is not None and "more/welcome-again" in [lesson.id for lesson in course.lessons]


def test_only_lessons_with_blocks_are_parsed_for_quizzes(
    course_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lesson without a ``:::`` line has no quiz: loading does not parse it for one."""
    write(
        course_dir / "02-more" / "02-check.md",
        "---\ntitle: Check\n---\nProse.\n\n::: question true-false id=t\nTrue?\n\n"
        "- [x] True\n- [ ] False\n:::\n",
    )
    parsed: list[str] = []
    parse = assessment.parse_quizzes

    def counted(lesson: Lesson, reporter: Reporter) -> assessment.LessonQuizzes:
        parsed.append(lesson.relpath)
        return parse(lesson, reporter)

    monkeypatch.setattr(assessment, "parse_quizzes", counted)
    course, problems = load(course_dir)
    assert problems == [] and course is not None
    assert parsed == ["02-more/02-check.md"]
    assert [question.id for quiz in course.quizzes for question in quiz.questions] == ["t"]


def test_a_lesson_saved_with_windows_or_old_mac_line_ends_loads_as_with_unix_ones(
    course_dir: Path,
) -> None:
    text = "---\ntitle: Ends\n---\nFirst line.\nSecond line.\n\n::: question true-false id=e\nTrue?\n\n- [x] True\n- [ ] False\n:::\n"
    bodies = []
    for ending in ("\n", "\r\n", "\r"):
        path = course_dir / "02-more" / "02-ends.md"
        path.write_bytes(text.replace("\n", ending).encode("utf-8"))
        course, problems = load(course_dir)
        assert problems == [] and course is not None
        lesson = course.lesson_by_relpath("02-more/02-ends.md")
        assert lesson is not None
        bodies.append((lesson.body, lesson.body_line, course.quizzes_of(lesson)))
    assert bodies[0] == bodies[1] == bodies[2]
