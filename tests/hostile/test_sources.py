"""Hostile course sources: each gives one located error, exit code 1, and writes nothing.

A course folder is untrusted input: it may come from a contributor's pull request, a
shared drive or a downloaded archive. Each case here breaks the `minimal` scenario
course the way an attacker (or an unlucky copy and paste) would, builds every format
through the command line, and checks the exact message an author sees, the exit code
and that `dist/` was never created.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from builder.scaffold import ScaffoldError, new_course
from tests.support import sabaq

FAILED = "build failed: 1 error(s); nothing was written\n"
CONTROL_HINT = (
    "  hint: delete it; most editors do not show it (in quotes, a \\x or \\u escape writes one)\n"
)
OUTSIDE_HINT = (
    "  hint: a package holds only the course's own files: replace the link with a copy of "
    "what it leads to, inside the course folder\n"
)
ANCHOR_HINT = "  hint: remove the anchor, and write the value out in full wherever it is needed\n"
COURSE_YML = 'id: minimal\ntitle: Minimal course\nversion: "1.0"\n'
ALIAS_BOMB = "\n".join(
    ['lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [
        f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]"
        for previous, name in zip("abcdefghi", "bcdefghij", strict=True)
    ]
)
"""About 1 KB that stands for 9**10 strings ("billion laughs")."""


def course(workspace: Path) -> Path:
    return workspace / "courses" / "minimal"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def lesson(workspace: Path, body: str, front: str = "title: Hostile\n") -> None:
    write(course(workspace) / "02-more" / "02-hostile.md", f"---\n{front}---\n{body}")


# Each case changes the course and returns what stderr says before the last line.
Case = Callable[[Path], str]


def alias_bomb_in_course_yml(workspace: Path) -> str:
    write(course(workspace) / "course.yml", COURSE_YML + ALIAS_BOMB + "\n")
    return (
        "courses/minimal/course.yml:4: error: YAML anchors ('&a') are not allowed in course "
        "files\n" + ANCHOR_HINT
    )


def alias_bomb_in_front_matter(workspace: Path) -> str:
    lesson(workspace, "Text.\n", front="title: Hostile\n" + ALIAS_BOMB + "\n")
    return (
        "courses/minimal/02-more/02-hostile.md:3: error: YAML anchors ('&a') are not allowed "
        "in course files\n" + ANCHOR_HINT
    )


def alias_without_anchor(workspace: Path) -> str:
    write(course(workspace) / "02-more" / "module.yml", "title: More\ndescription: *x\n")
    return (
        "courses/minimal/02-more/module.yml:2: error: YAML aliases ('*x') are not allowed in "
        "course files\n  hint: write the value out in full wherever it is needed\n"
    )


def deep_nesting(workspace: Path) -> str:
    write(course(workspace) / "course.yml", COURSE_YML + "keywords: " + "[" * 5000 + "\n")
    return (
        "courses/minimal/course.yml:4: error: the YAML is nested more than 20 levels deep\n"
        "  hint: course files need lists and mappings only a few levels deep\n"
    )


def number_too_long_for_python(workspace: Path) -> str:
    write(course(workspace) / "course.yml", COURSE_YML + "mastery_score: " + "8" * 5000 + "\n")
    return (
        "courses/minimal/course.yml:4: error: invalid YAML: the number "
        "88888888888888888888888888888… is too long\n  hint: quote it if it is text\n"
    )


def impossible_date(workspace: Path) -> str:
    lesson(workspace, "Text.\n", front="title: Hostile\nid: 2024-02-30\n")
    return (
        "courses/minimal/02-more/02-hostile.md:3: error: invalid YAML: '2024-02-30' is not a "
        "date (day is out of range for month)\n"
        "  hint: write dates as YYYY-MM-DD, or quote the value if it is text\n"
    )


def explicit_tag(workspace: Path) -> str:
    write(course(workspace) / "course.yml", COURSE_YML + "multilingual: !!bool maybe\n")
    return (
        "courses/minimal/course.yml:4: error: YAML tags ('!!bool') are not allowed in course "
        "files\n  hint: remove the tag; quote the value if it should stay text\n"
    )


def control_character_in_course_title(workspace: Path) -> str:
    write(course(workspace) / "course.yml", COURSE_YML.replace("Minimal course", '"Min\\x07"'))
    return "courses/minimal/course.yml:2: error: 'title' holds the control character U+0007\n" + (
        CONTROL_HINT
    )


def lone_surrogate_in_course_title(workspace: Path) -> str:
    write(course(workspace) / "course.yml", COURSE_YML.replace("Minimal course", '"Min\\ud800"'))
    return (
        "courses/minimal/course.yml:2: error: 'title' holds U+D800, half of a UTF-16 "
        "surrogate pair, which is not a character\n  hint: write the character itself; an "
        "escape must give the whole character (\\U0001F600) or both halves of its pair "
        "(\\ud83d\\ude00)\n"
    )


def gift_injection_in_course_title(workspace: Path) -> str:
    title = '"Minimal\\n\\n::injected::Which is right?{=this ~that}"'
    write(course(workspace) / "course.yml", COURSE_YML.replace("Minimal course", title))
    return (
        "courses/minimal/course.yml:2: error: 'title' must be one line (it holds a line "
        "break)\n  hint: write it on one line\n"
    )


def escape_sequence_in_module_title(workspace: Path) -> str:
    write(course(workspace) / "02-more" / "module.yml", 'title: "More\\e[2J"\n')
    return (
        "courses/minimal/02-more/module.yml:1: error: 'title' holds the control character "
        "U+001B\n" + CONTROL_HINT
    )


def line_break_in_lesson_title(workspace: Path) -> str:
    lesson(workspace, "Text.\n", front='title: "Two\\nlines"\n')
    return (
        "courses/minimal/02-more/02-hostile.md:2: error: 'title' must be one line (it holds "
        "a line break)\n  hint: write it on one line\n"
    )


def control_character_in_a_link(workspace: Path) -> str:
    write(
        course(workspace) / "02-more" / "module.yml",
        'title: More\nlinks:\n  - title: "Paper\\x00"\n    url: https://example.org/\n',
    )
    return (
        "courses/minimal/02-more/module.yml:3: error: 'title' of link 1 in 'links' holds the "
        "control character U+0000\n" + CONTROL_HINT
    )


def control_character_in_lesson_text(workspace: Path) -> str:
    lesson(workspace, "Text.\n\nA form feed\f here.\n")
    return (
        "courses/minimal/02-more/02-hostile.md:6: error: the lesson holds the control "
        "character U+000C\n" + CONTROL_HINT
    )


def huge_duration(workspace: Path) -> str:
    write(course(workspace) / "course.yml", COURSE_YML + f"duration: {10**30}\n")
    return (
        f"courses/minimal/course.yml:4: error: 'duration' must be at most 10000 hours (got "
        f'{10**30})\n  hint: write the duration in minutes or hours, such as 45, "3h" or '
        '"1h 30m"\n'
    )


def lesson_linked_to_a_system_file(workspace: Path) -> str:
    secret = workspace / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (course(workspace) / "02-more" / "02-notes.md").symlink_to(secret)
    return (
        "courses/minimal/02-more/02-notes.md: error: '02-notes.md' is a symbolic link to "
        f"{secret.as_posix()}, outside the course folder\n" + OUTSIDE_HINT
    )


def module_linked_from_elsewhere(workspace: Path) -> str:
    elsewhere = workspace / "elsewhere"
    write(elsewhere / "01-secret.md", "# Secret\n")
    (course(workspace) / "03-extra").symlink_to(elsewhere)
    return (
        "courses/minimal/03-extra: error: '03-extra' is a symbolic link to "
        f"{elsewhere.as_posix()}, outside the course folder\n" + OUTSIDE_HINT
    )


def course_yml_linked_from_elsewhere(workspace: Path) -> str:
    outside = workspace / "other.yml"
    write(outside, COURSE_YML)
    (course(workspace) / "course.yml").unlink()
    (course(workspace) / "course.yml").symlink_to(outside)
    return (
        "courses/minimal/course.yml: error: 'course.yml' is a symbolic link to "
        f"{outside.as_posix()}, outside the course folder\n" + OUTSIDE_HINT
    )


def image_through_a_linked_folder(workspace: Path) -> str:
    elsewhere = workspace / "elsewhere"
    write(elsewhere / "shadow.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    (course(workspace) / "01-basics" / "images" / "shared").symlink_to(elsewhere)
    lesson(workspace, "![A shadow](../01-basics/images/shared/shadow.svg)\n")
    return (
        "courses/minimal/02-more/02-hostile.md:4: error: image "
        "'../01-basics/images/shared/shadow.svg' leads through the symbolic link "
        f"'01-basics/images/shared' to {elsewhere.as_posix()}, outside the course folder\n"
        + OUTSIDE_HINT
    )


def infinite_numeric_answer(workspace: Path) -> str:
    lesson(workspace, "::: question numeric\nHow many?\n\nAnswer: 1e400\n:::\n")
    return (
        "courses/minimal/02-more/02-hostile.md:7: error: the number '1e400' is too large\n"
        "  hint: numbers in answers must be smaller than 1e300\n"
    )


def infinite_points(workspace: Path) -> str:
    lesson(workspace, "::: question short points=1e400\nWhich?\n\nAnswer: this\n:::\n")
    return (
        "courses/minimal/02-more/02-hostile.md:4: error: 'points' must be at most 10000 (got "
        "'1e400')\n  hint: for example: points=2 or points=0.5\n"
    )


def pool_beyond_python_integers(workspace: Path) -> str:
    lesson(
        workspace,
        f"::: quiz graded pool={'9' * 5000}\n::: question short\nWhich?\n\nAnswer: this\n:::\n"
        ":::\n",
    )
    return (
        "courses/minimal/02-more/02-hostile.md:4: error: 'pool' must be at most 10000 (got "
        f"'{'9' * 39}…')\n"
    )


def fifty_megabyte_lesson(workspace: Path) -> str:
    lesson(workspace, "A paragraph of a pasted dump.\n\n" * 1_800_000)
    return (
        "courses/minimal/02-more/02-hostile.md: error: the lesson is 53.2 MB; a lesson may "
        "hold at most 1 MB of Markdown\n"
        "  hint: split it into several lessons, and keep data and media in files beside it\n"
    )


def huge_course_yml(workspace: Path) -> str:
    config = course(workspace) / "course.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + "# " + "x" * 300_000 + "\n", encoding="utf-8"
    )
    return (
        "courses/minimal/course.yml: error: the file is 293 KB; course.yml may hold at most "
        "256 KB\n  hint: keep course text in the lessons; this file only describes the course\n"
    )


CASES: dict[str, Case] = {
    case.__name__.replace("_", " "): case
    for case in (
        alias_bomb_in_course_yml,
        alias_bomb_in_front_matter,
        alias_without_anchor,
        deep_nesting,
        number_too_long_for_python,
        impossible_date,
        explicit_tag,
        control_character_in_course_title,
        lone_surrogate_in_course_title,
        gift_injection_in_course_title,
        escape_sequence_in_module_title,
        line_break_in_lesson_title,
        control_character_in_a_link,
        control_character_in_lesson_text,
        huge_duration,
        lesson_linked_to_a_system_file,
        module_linked_from_elsewhere,
        course_yml_linked_from_elsewhere,
        image_through_a_linked_folder,
        infinite_numeric_answer,
        infinite_points,
        pool_beyond_python_integers,
        fifty_megabyte_lesson,
        huge_course_yml,
    )
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_sources_give_one_located_error_and_write_nothing(
    workspace: Path, case: str
) -> None:
    expected = CASES[case](workspace)
    result = sabaq("build", "-q", "--format", "all")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    assert result.stderr == expected + FAILED
    assert "Traceback" not in result.output
    assert not (workspace / "dist").exists()


def test_a_heading_cannot_take_the_id_of_the_quiz_data(workspace: Path) -> None:
    """`## Sabaq quizzes` would become id="sabaq-quizzes", the element the script reads."""
    lesson(
        workspace,
        "## Sabaq quizzes\n\n## Sabaq strings\n\n"
        "::: question short\nWhich file holds the settings?\n\nAnswer: course.yml\n:::\n",
    )
    result = sabaq("build", "-q", "--format", "website")
    assert result.exit_code == 0, result.stderr
    page = (workspace / "dist" / "minimal-1.0-en-website" / "content").rglob("*-hostile.html")
    html = next(page).read_text(encoding="utf-8")
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert {"section-sabaq-quizzes", "section-sabaq-strings", "sabaq-quizzes"} <= set(ids)
    assert re.search(r'<script[^>]* id="sabaq-quizzes"', html)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--title", "Minimal\n\n::injected::Which?{=a ~b}"],
            "error: the title must be one line (it holds a line break): write it on one line\n",
        ),
        (
            ["--title", "Bell\x07"],
            "error: the title holds the control character U+0007: delete it; most editors do "
            "not show it (in quotes, a \\x or \\u escape writes one)\n",
        ),
        (
            ["--title", "  "],
            "error: the title must not be empty: give --title a title to show learners\n",
        ),
    ],
)
def test_sabaq_new_refuses_what_course_yml_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = sabaq("new", "hostile", *options)
    assert result.exit_code == 1
    assert result.stderr == message
    assert not (tmp_path / "courses").exists()


def test_a_new_course_cannot_be_given_a_language_that_writes_yaml(tmp_path: Path) -> None:
    # The command line checks --language too; the library must not rely on it.
    with pytest.raises(ScaffoldError) as raised:
        new_course(tmp_path, "hostile", "Hostile", language="en\nformats: [website]")
    assert str(raised.value) == (
        "'en\\nformats: [website]' cannot be a language: give a language tag such as en, ur "
        "or pa-Arab"
    )
    assert list(tmp_path.iterdir()) == []


def test_sabaq_new_refuses_an_id_with_a_line_break(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = sabaq("new", "hostile\n")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: 'hostile\\n' cannot be a course id: use lowercase letters, digits and hyphens, "
        "starting with a letter (for example ai-ethics)\n"
    )
    assert not (tmp_path / "courses").exists()
