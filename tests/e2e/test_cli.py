"""`sabaq build` as an author and a CI script use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import REPO, copy_root, sabaq, schema_problems


def test_build_with_no_arguments_builds_every_course(workspace: Path) -> None:
    result = sabaq("build")
    assert result.exit_code == 0, result.stderr
    package = workspace / "dist" / "minimal-1.0-en-scorm12.zip"
    assert package.is_file()
    assert result.stdout.splitlines() == [
        f"dist/minimal-1.0-en-scorm12.zip  {package.stat().st_size / 1024:,.1f} KiB  11 files",
        "built 1 package(s)",
    ]
    assert "rendering minimal (en)" in result.stderr  # progress goes to stderr
    assert schema_problems(package) == []


def test_json_output_for_ci(workspace: Path) -> None:
    result = sabaq("build", "--json", "--out", "out")
    assert result.exit_code == 0
    assert '"path": "out/minimal-1.0-en-scorm12.zip"' in result.stdout
    assert '"files": 11' in result.stdout
    assert result.stderr == ""


def test_building_twice_gives_identical_packages(workspace: Path) -> None:
    assert sabaq("build", "-q", "--out", "a").exit_code == 0
    assert sabaq("build", "-q", "--out", "b").exit_code == 0
    first = (workspace / "a" / "minimal-1.0-en-scorm12.zip").read_bytes()
    assert first == (workspace / "b" / "minimal-1.0-en-scorm12.zip").read_bytes()


def _break(workspace: Path, relpath: str, text: str) -> None:
    path = workspace / "courses" / "minimal" / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


BAD_INPUTS = {
    "malformed course.yml": (
        "course.yml",
        "id: minimal\ntitle: [unclosed\nversion: '1.0'\n",
        "courses/minimal/course.yml:3: error: invalid YAML: expected ',' or ']', but got ':'\n"
        "  hint: check indentation and quote values that contain ':' or start with special characters\n",
    ),
    "missing lesson": (
        "03-empty/module.yml",
        "title: Coming soon\n",
        "courses/minimal/03-empty/module.yml:1: error: module has no lessons\n"
        "  hint: add a Markdown lesson such as 03-empty/01-introduction.md\n",
    ),
    "image without alt text": (
        "02-more/01-last.md",
        "---\ntitle: The last lesson\n---\nThat is all.\n\n![](../01-basics/images/square.svg)\n",
        "courses/minimal/02-more/01-last.md:6: error: image '../01-basics/images/square.svg' has no "
        "alt text\n  hint: describe what the image shows for readers who cannot see it: "
        "![A hash chain of three blocks](../01-basics/images/square.svg)\n",
    ),
    "link to a missing lesson": (
        "02-more/01-last.md",
        "---\ntitle: The last lesson\n---\nGo back to [the start](../01-basics/01-welcom.md).\n",
        "courses/minimal/02-more/01-last.md:4: error: link '../01-basics/01-welcom.md' points to a "
        "missing lesson (01-basics/01-welcom.md)\n  hint: lessons of this course include: "
        "01-basics/01-welcome.md, 01-basics/02-tables.md, 02-more/01-last.md\n",
    ),
    "unknown format": (
        "course.yml",
        "id: minimal\ntitle: Minimal course\nversion: '1.0'\nformats:\n  - scorm12\n  - scorm3\n",
        "courses/minimal/course.yml:6: error: unknown format 'scorm3' in 'formats'\n"
        "  hint: available formats: cmi5, imscc11, imscc13, imscp, moodle, questionbank, scorm12, "
        "scorm2004, website (or 'all')\n",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gives_a_located_error_and_writes_nothing(workspace: Path, case: str) -> None:
    relpath, text, expected = BAD_INPUTS[case]
    _break(workspace, relpath, text)
    result = sabaq("build", "-q")
    assert result.exit_code == 1
    assert result.stderr == expected + "build failed: 1 error(s); nothing was written\n"
    assert "Traceback" not in result.output
    assert not (workspace / "dist").exists()


def test_a_failed_build_keeps_earlier_packages(workspace: Path) -> None:
    assert sabaq("build", "-q").exit_code == 0
    package = workspace / "dist" / "minimal-1.0-en-scorm12.zip"
    before = package.read_bytes()
    _break(workspace, "02-more/01-last.md", "---\ntitle: x\n---\n![](nope.png)\n")
    assert sabaq("build", "-q").exit_code == 1
    assert package.read_bytes() == before
    assert [p.name for p in (workspace / "dist").iterdir()] == [package.name]


def test_every_error_is_reported_at_once(workspace: Path) -> None:
    _break(workspace, "02-more/01-last.md", "---\ntitle: x\n---\n![](a.png) [x](b.md)\n")
    _break(workspace, "01-basics/02-tables.md", "# T\n\n![](c.png)\n")
    result = sabaq("build", "-q")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert [line.split(": error: ")[0] for line in lines] == [
        "courses/minimal/01-basics/02-tables.md:3",
        "courses/minimal/01-basics/02-tables.md:3",
        "courses/minimal/02-more/01-last.md:4",
        "courses/minimal/02-more/01-last.md:4",
        "courses/minimal/02-more/01-last.md:4",
    ]


NOTHING_BUILT = {
    "course.yml lists no format": (
        "formats: []\n",
        (),
        "courses/minimal/course.yml:5: error: no package was built: 'formats' lists no format\n"
        "  hint: name the formats to build in course.yml, e.g. formats: [scorm12], or pass --format\n",
    ),
    "course.yml lists no language": (
        "languages: []\n",
        (),
        "courses/minimal/course.yml:5: error: no package was built: 'languages' lists no language\n"
        "  hint: build 'en', the language the course is written in (--lang en), or translate at "
        "least min_translation (80%) of the course (sabaq i18n init, sabaq i18n stats)\n",
    ),
    "--lang matches no language of the course": (
        "",
        ("--lang", "EN"),
        "courses/minimal/course.yml:1: error: no package was built: 'EN' is not built: there is "
        "no catalog locales/EN/LC_MESSAGES/minimal.po\n"
        "  hint: build 'en', the language the course is written in (--lang en), or translate at "
        "least min_translation (80%) of the course (sabaq i18n init, sabaq i18n stats)\n",
    ),
    "a question bank of a course without questions": (
        "",
        ("--format", "questionbank"),
        "courses/minimal/course.yml:1: error: no package was built: the course has no quizzes, so "
        "there are no questions to export\n"
        "  hint: write questions in the lessons (see docs/quizzes.md), or build another format, "
        "e.g. --format scorm12\n",
    ),
}


@pytest.mark.parametrize("case", sorted(NOTHING_BUILT))
@pytest.mark.parametrize("quiet", [False, True])
def test_a_build_that_makes_no_package_fails_saying_why(
    workspace: Path, case: str, quiet: bool
) -> None:
    """CI must not pass on an empty dist/; the author learns which course and what to do."""
    course_yml, options, expected = NOTHING_BUILT[case]
    with (workspace / "courses/minimal/course.yml").open("a", encoding="utf-8") as file:
        file.write(course_yml)
    result = sabaq("build", *options, *(["-q"] if quiet else []))
    assert result.exit_code == 1
    # Said even when quiet, since it is the error itself and not a warning before it.
    assert result.stderr.endswith(expected + "build failed: 1 error(s); nothing was written\n")
    assert "warning" not in result.stderr
    assert not (workspace / "dist").exists()


def _warn_and_fail(workspace: Path) -> None:
    """courses/quizzes warns; courses/minimal, whose path sorts before it, has an error."""
    copy_root("quizzes", workspace / "courses")
    with (workspace / "courses/quizzes/course.yml").open("a", encoding="utf-8") as file:
        file.write("languages: [en, sd]\n")
    _break(
        workspace, "02-more/01-last.md", "---\ntitle: x\n---\n![](../01-basics/images/square.svg)\n"
    )


ALT_TEXT_ERROR = [
    "courses/minimal/02-more/01-last.md:4: error: image '../01-basics/images/square.svg' has no alt text",
    "  hint: describe what the image shows for readers who cannot see it: "
    "![A hash chain of three blocks](../01-basics/images/square.svg)",
    "build failed: 1 error(s); nothing was written",
]


def test_errors_are_the_last_lines_after_every_warning(workspace: Path) -> None:
    _warn_and_fail(workspace)
    result = sabaq("build", "courses/quizzes", "courses/minimal")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[-3:] == ALT_TEXT_ERROR
    assert (
        "courses/quizzes/course.yml:5: warning: 'sd' is not built: there is no catalog "
        "locales/sd/LC_MESSAGES/quizzes.po" in lines[:-3]
    )


def test_quiet_shows_errors_only(workspace: Path) -> None:
    _warn_and_fail(workspace)
    result = sabaq("build", "-q", "courses/quizzes", "courses/minimal")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ALT_TEXT_ERROR


def test_quiet_hides_the_warnings_of_a_build_that_works(workspace: Path) -> None:
    with (workspace / "courses/minimal/course.yml").open("a", encoding="utf-8") as file:
        file.write("languages: [en, sd]\n")
    assert "warning: 'sd' is not built" in sabaq("build").stderr
    result = sabaq("build", "-q")
    assert result.exit_code == 0
    assert result.stderr == ""


def test_unknown_format_option_is_a_usage_error(workspace: Path) -> None:
    result = sabaq("build", "--format", "scorm3")
    assert result.exit_code == 2
    assert (
        "unknown format 'scorm3'; available: cmi5, imscc11, imscc13, imscp, moodle, questionbank, "
        "scorm12, scorm2004, website (or 'all')" in result.stderr
    )


def test_missing_course_folder_is_a_usage_error(workspace: Path) -> None:
    assert sabaq("build", "courses/nope").exit_code == 2


def test_no_courses_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = sabaq("build")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no course folders given and none found under ./courses")


def test_python_dash_m_builder_runs_the_cli() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "builder", "build", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0
    assert "Build packages for COURSE_DIR" in completed.stdout


def _program(*args: str) -> subprocess.CompletedProcess[str]:
    """``sabaq`` run as a program, as the installed command and ``python -m builder`` are:
    it leaves without tearing the interpreter down (:func:`builder.cli.run`)."""
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "builder", *args],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
    )


def test_the_program_leaves_its_packages_and_output_complete(workspace: Path) -> None:
    completed = _program("build", "--json", "--out", "out")
    assert completed.returncode == 0, completed.stderr
    [entry] = json.loads(completed.stdout)["packages"]
    package = workspace / entry["path"]
    assert schema_problems(package) == []
    # The same bytes as a build that ends with a normal interpreter exit.
    assert sabaq("build", "-q", "--out", "in-process").exit_code == 0
    assert package.read_bytes() == (workspace / "in-process" / package.name).read_bytes()


def test_the_program_exits_with_the_status_of_its_command(workspace: Path) -> None:
    _break(workspace, "02-more/01-last.md", "---\ntitle: x\n---\n![](nope.png)\n")
    failed = _program("build", "-q")
    assert failed.returncode == 1
    assert failed.stderr.endswith("build failed: 2 error(s); nothing was written\n")
    assert not (workspace / "dist").exists()
    assert _program("build", "--format", "scorm3").returncode == 2  # a usage error
