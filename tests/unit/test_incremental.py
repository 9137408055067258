"""Rebuilds render only what changed, and parallel builds render the same bytes.

Pages kept between builds (builder.pagecache) must never change a byte: after any
edit, a build that reuses kept pages equals a cold build with no cache at all, and it
renders again exactly the lessons the edit can reach. Builds over several processes
(``--jobs``, builder.parallel) equal builds in one.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from builder import buildcache, parallel, render, sources, standalone, validate
from builder.build import BuildResult, build
from builder.errors import CourseError
from builder.model import Lesson
from builder.pagecache import LessonPage
from builder.preview import PreviewState
from tests.support import REPO, copy_root, read_entry, sabaq
from tests.synthetic import MEDIUM, write_course

RTL_CATALOGS = Path(__file__).resolve().parent.parent / "fixtures" / "rtl-locales"

FORMATS = ["scorm12", "imscc11", "website"]


def packages(result: BuildResult) -> dict[str, bytes]:
    return {p.path.name: p.path.read_bytes() for p in result.packages}


def forget_everything() -> None:
    shutil.rmtree(buildcache.cache_root(), ignore_errors=True)


def forget_all_but_cut_fonts() -> None:
    """Everything kept but the cut fonts: a Nastaliq face takes seconds to cut, and the
    fonts are not what these tests compare (tests/unit/test_fonts.py cuts them apart)."""
    for kept in buildcache.cache_root().glob("*"):
        if kept.name != "fonts":
            shutil.rmtree(kept) if kept.is_dir() else kept.unlink()


def forget_the_build_record() -> None:
    """Only the record of whole builds: the next build is not 'up to date', pages stay kept."""
    shutil.rmtree(buildcache.cache_dir(), ignore_errors=True)


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The lessons rendered (not taken from the cache) since the test began."""
    seen: list[str] = []
    original = render._LessonPageMaker.render

    def counting(self: render._LessonPageMaker, lesson: Lesson) -> LessonPage:
        seen.append(lesson.relpath)
        return original(self, lesson)

    monkeypatch.setattr(render._LessonPageMaker, "render", counting)
    return seen


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return copy_root("quizzes", tmp_path / "courses")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def quiz_free_lesson(course: Path) -> Path:
    return next(p for p in sorted(course.rglob("*.md")) if "::: " not in p.read_text())


def the_exam(course: Path) -> Path:
    return next(p for p in sorted(course.rglob("*.md")) if "::: quiz exam" in p.read_text())


CHANGES: dict[str, Callable[[Path], object]] = {
    "prose of a lesson": lambda c: edit(quiz_free_lesson(c), "\n\n", "\n\nA new paragraph.\n\n"),
    "title of a lesson": lambda c: edit(quiz_free_lesson(c), "title: ", "title: Renamed "),
    "a quiz": lambda c: edit(the_exam(c), "attempts=2", "attempts=3"),
    "a graded quiz's id": lambda c: edit(the_exam(c), "id=final-exam", "id=last-exam"),
    "course.yml": lambda c: edit(c / "course.yml", "title: ", "title: Retitled "),
    "a module's title": lambda c: edit(next(c.rglob("module.yml")), "title: ", "title: New "),
    "a lesson added": lambda c: (quiz_free_lesson(c).parent / "99-extra.md").write_text(
        "---\ntitle: Extra\n---\nOne more lesson.\n", encoding="utf-8"
    ),
    "a lesson removed": lambda c: quiz_free_lesson(c).unlink(),
    "an image's size": lambda c: edit(
        c / "01-basics" / "images" / "square.svg", 'viewBox="0 0 10 10"', 'viewBox="0 0 20 10"'
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_rebuild_after_a_change_equals_a_cold_build(
    change: str, course: Path, tmp_path: Path
) -> None:
    build([course], tmp_path / "first", FORMATS)
    CHANGES[change](course)
    forget_the_build_record()
    warm = build([course], tmp_path / "warm", FORMATS)
    forget_everything()
    cold = build([course], tmp_path / "cold", FORMATS)
    assert packages(warm) == packages(cold)
    assert [w.format() for w in warm.warnings] == [w.format() for w in cold.warnings]


def test_an_edit_renders_again_only_the_lesson_it_touched(
    course: Path, tmp_path: Path, rendered: list[str]
) -> None:
    build([course], tmp_path / "first", FORMATS)
    everything = len(rendered)
    lesson = quiz_free_lesson(course)
    CHANGES["prose of a lesson"](course)
    rendered.clear()
    build([course], tmp_path / "second", FORMATS)
    relpath = lesson.relative_to(course).as_posix()
    assert rendered and set(rendered) == {relpath}
    assert len(rendered) < everything


def test_a_quiz_edit_renders_only_its_lesson_again(
    course: Path, tmp_path: Path, rendered: list[str]
) -> None:
    build([course], tmp_path / "first", FORMATS)
    CHANGES["a quiz"](course)
    rendered.clear()
    build([course], tmp_path / "second", FORMATS)
    assert set(rendered) == {the_exam(course).relative_to(course).as_posix()}


def test_a_change_to_the_grading_renders_every_page_again(
    course: Path, tmp_path: Path, rendered: list[str]
) -> None:
    """Quiz keys and the course's grading are in pages of other lessons too."""
    build([course], tmp_path / "first", FORMATS)
    everything = sorted(rendered)
    CHANGES["a graded quiz's id"](course)
    rendered.clear()
    build([course], tmp_path / "second", FORMATS)
    assert sorted(rendered) == everything


@pytest.mark.parametrize(
    ("lesson", "shown_in"), [("05-lesson-5.md", "03-*"), ("01-lesson-1.md", "*")]
)
def test_retitling_a_lesson_of_a_large_course_renders_the_pages_showing_it(
    lesson: str, shown_in: str, medium: Path, tmp_path: Path, rendered: list[str]
) -> None:
    """Beyond OUTLINE_ALL_LESSONS, pages list their own module's lessons and each other
    module by its first lesson."""
    course = tmp_path / "course"
    shutil.copytree(medium, course)
    build([course], tmp_path / "first", ["scorm12"])
    edit(course / "03-module-3" / lesson, "title: ", "title: Renamed ")
    rendered.clear()
    warm = build([course], tmp_path / "warm", ["scorm12"])
    assert sorted(rendered) == sorted(
        p.relative_to(course).as_posix() for p in course.glob(f"{shown_in}/*.md")
    )
    forget_everything()
    assert packages(warm) == packages(build([course], tmp_path / "cold", ["scorm12"]))


def preview_files(state: PreviewState) -> dict[str, bytes]:
    assert state.package_dir is not None, state.errors
    return {
        path.relative_to(state.package_dir).as_posix(): path.read_bytes()
        for path in sorted(state.package_dir.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("change", CHANGES)
def test_a_preview_rebuild_after_a_change_equals_a_cold_one(
    change: str, course: Path, tmp_path: Path
) -> None:
    """The preview keeps the last build's lessons, pages and checks in memory."""
    state = PreviewState(course, None, None, tmp_path / "resident")
    state.rebuild()
    CHANGES[change](course)
    state.rebuild()
    forget_everything()
    cold = PreviewState(course, None, None, tmp_path / "cold")
    cold.rebuild()
    assert preview_files(state) == preview_files(cold)
    assert state.errors == cold.errors


def test_a_preview_rebuild_takes_what_a_save_left_alone_from_memory(
    course: Path, tmp_path: Path, rendered: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []
    reading = sources._read_lesson

    def counting(root: Path, path: Path, module_id: str, data: bytes | None) -> sources._ReadLesson:
        read.append(path.name)
        return reading(root, path, module_id, data)

    monkeypatch.setattr(sources, "_read_lesson", counting)
    checked = counting_fresh_checks(monkeypatch)
    state = PreviewState(course, None, None, tmp_path / "preview")
    state.rebuild()
    lesson = quiz_free_lesson(course)
    CHANGES["prose of a lesson"](course)
    forget_everything()  # nothing from the database: all from memory
    for seen in (read, rendered, checked):
        seen.clear()
    state.rebuild()
    assert read == [lesson.name]
    assert rendered == [lesson.relative_to(course).as_posix()]
    assert checked == [f"content/{lesson.relative_to(course).with_suffix('.html').as_posix()}"]


def counting_fresh_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The package files checked afresh, not known from an earlier check (of this test)."""
    monkeypatch.setattr(validate, "_PAGE_CHECKS", {})
    checked: list[str] = []
    checking = validate._fresh_check

    def counting(files: validate._Files, name: str, data: bytes) -> validate._PageCheck:
        checked.append(name)
        return checking(files, name, data)

    monkeypatch.setattr(validate, "_fresh_check", counting)
    return checked


def test_the_preview_lets_go_of_what_the_last_build_did_not_use(
    course: Path, tmp_path: Path
) -> None:
    state = PreviewState(course, None, None, tmp_path / "preview")
    state.rebuild()
    CHANGES["prose of a lesson"](course)
    state.rebuild()
    held = {name: len(kept) for name, kept in state.recollection._shelves.items()}
    lessons = [count for name, count in held.items() if name.startswith("lessons/")]
    assert lessons == [len(list(course.rglob("*.md")))]
    for _ in range(3):
        CHANGES["prose of a lesson"](course)
        state.rebuild()
    assert {name: len(kept) for name, kept in state.recollection._shelves.items()} == held


def test_kept_pages_report_their_warnings_again(tmp_path: Path, rendered: list[str]) -> None:
    course = copy_root("minimal", tmp_path / "courses")
    lesson = course / "01-basics" / "01-welcome.md"
    edit(lesson, "Visit [Sabaq]", "```klingon\nQapla'\n```\n\nVisit [Sabaq]")
    first = build([course], tmp_path / "first", FORMATS)
    assert any(lesson.name in w.format() for w in first.warnings), "the edit must warn"
    forget_the_build_record()
    rendered.clear()
    again = build([course], tmp_path / "again", FORMATS)
    assert rendered == []
    assert [w.format() for w in again.warnings] == [w.format() for w in first.warnings]


def test_a_missing_image_is_reported_even_when_the_page_was_kept(tmp_path: Path) -> None:
    course = copy_root("minimal", tmp_path / "courses")
    build([course], tmp_path / "first", FORMATS)
    (course / "01-basics" / "images" / "square.svg").unlink()
    forget_the_build_record()
    with pytest.raises(CourseError) as raised:
        build([course], tmp_path / "second", FORMATS)
    assert "01-welcome.md:" in str(raised.value) and "square.svg" in str(raised.value)
    assert not (tmp_path / "second").exists() or not any((tmp_path / "second").iterdir())


def test_damaged_entries_are_made_again(course: Path, tmp_path: Path) -> None:
    first = build([course], tmp_path / "first", FORMATS)
    with sqlite3.connect(buildcache.cache_root() / buildcache.KEPT_FILE) as database:
        damaged = database.execute("UPDATE kept SET data = ?", (b'{"version": 1, "html": 5',))
        assert damaged.rowcount > 0
    forget_the_build_record()
    assert packages(build([course], tmp_path / "again", FORMATS)) == packages(first)


def test_a_cache_folder_that_cannot_be_made_only_costs_time(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build([course], tmp_path / "first", FORMATS)
    blocked = tmp_path / "a-file"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("SABAQ_CACHE_DIR", str(blocked))
    buildcache._connections.clear()
    assert packages(build([course], tmp_path / "again", FORMATS)) == packages(first)


def test_a_cache_that_is_not_a_database_is_made_afresh(course: Path, tmp_path: Path) -> None:
    first = build([course], tmp_path / "first", FORMATS)
    buildcache._connections.clear()  # as a new process finds it
    (buildcache.cache_root() / buildcache.KEPT_FILE).write_bytes(b"not a database" * 100)
    forget_the_build_record()
    assert packages(build([course], tmp_path / "again", FORMATS)) == packages(first)


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_course(tmp_path_factory.mktemp("medium"), MEDIUM)


@pytest.fixture
def spread_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading and checking spread from as few lessons as rendering, so that the medium
    course (100 lessons, 9 formats) takes every parallel path."""
    monkeypatch.setattr(sources, "PARALLEL_READS_FROM", parallel.PARALLEL_FROM)
    monkeypatch.setattr(validate, "PARALLEL_CHECKS_FROM", parallel.PARALLEL_FROM)


@pytest.mark.usefixtures("spread_everything")
def test_parallel_builds_equal_serial_ones(medium: Path, tmp_path: Path) -> None:
    assert MEDIUM.lessons >= parallel.PARALLEL_FROM and parallel.can_fork()
    forget_everything()
    serial = build([medium], tmp_path / "serial", ["all"], jobs=1)
    forget_everything()
    spread = build([medium], tmp_path / "spread", ["all"], jobs=2)
    assert packages(spread) == packages(serial)
    assert [w.format() for w in spread.warnings] == [w.format() for w in serial.warnings]


@pytest.mark.usefixtures("spread_everything")
def test_parallel_builds_report_mistakes_like_serial_ones(medium: Path, tmp_path: Path) -> None:
    course = tmp_path / "broken"
    shutil.copytree(medium, course)
    for module in (1, 7):
        lesson = course / f"{module:02d}-module-{module}" / "02-lesson-2.md"
        edit(lesson, "\n\n", "\n\n![A missing figure](images/none.svg)\n\n")
    reports = []
    for jobs in (1, 2):
        forget_everything()
        with pytest.raises(CourseError) as raised:
            build([course], tmp_path / f"out-{jobs}", ["scorm12"], jobs=jobs)
        reports.append(str(raised.value))
    assert reports[0] == reports[1]
    assert reports[0].count("error:") == 2 and "07-module-7/02-lesson-2.md" in reports[0]


def test_the_command_takes_jobs(medium: Path, tmp_path: Path) -> None:
    forget_everything()
    result = sabaq("build", str(medium), "-f", "scorm12", "--out", str(tmp_path), "--jobs", "2")
    assert result.exit_code == 0, result.output
    refused = sabaq("build", str(medium), "--jobs", "0")
    assert refused.exit_code == 2 and "--jobs" in refused.output


def test_several_courses_built_over_processes_equal_one_process(tmp_path: Path) -> None:
    courses = [copy_root(name, tmp_path / "courses") for name in ("minimal", "quizzes", "rtl")]
    results = []
    for jobs in (1, 2):
        forget_all_but_cut_fonts()
        results.append(build(courses, tmp_path / f"out-{jobs}", ["all"], jobs=jobs))
    serial, spread = results
    assert packages(spread) == packages(serial)
    assert [w.format() for w in spread.warnings] == [w.format() for w in serial.warnings]


def test_several_courses_over_processes_stop_at_the_first_that_fails(tmp_path: Path) -> None:
    courses = [copy_root(name, tmp_path / "courses") for name in ("minimal", "quizzes")]
    for course in courses:
        lesson = quiz_free_lesson(course)
        edit(lesson, "\n\n", "\n\n![A missing figure](images/none.svg)\n\n")
    reports = []
    for jobs in (1, 2):
        forget_everything()
        with pytest.raises(CourseError) as raised:
            build(courses, tmp_path / f"out-{jobs}", ["scorm12"], jobs=jobs)
        reports.append(str(raised.value))
    assert reports[0] == reports[1]
    assert "none.svg" in reports[0]


def multilingual_project(tmp_path: Path) -> Path:
    """The right-to-left course as one multilingual package too, translated into two
    languages, as a project folder holds it (courses/ beside locales/)."""
    course = copy_root("rtl", tmp_path / "courses")
    config = course / "course.yml"
    config.write_text(config.read_text(encoding="utf-8") + "multilingual: true\n", "utf-8")
    for lang in ("ur", "sd"):
        target = tmp_path / "locales" / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(RTL_CATALOGS / lang / "LC_MESSAGES" / "rtl.po", target / "rtl.po")
        shutil.copy(REPO / "locales" / lang / "LC_MESSAGES" / "sabaq.po", target / "sabaq.po")
    return course


def test_languages_built_over_processes_equal_one_process(tmp_path: Path) -> None:
    course = multilingual_project(tmp_path)
    formats = ["scorm12", "imscc11", "website"]  # both kinds of pages, and a multilingual one
    results = []
    for jobs in (1, 2):
        forget_all_but_cut_fonts()
        results.append(
            build(
                [course], tmp_path / f"out-{jobs}", formats, languages=["en", "ur", "sd"], jobs=jobs
            )
        )
    serial, spread = results
    assert "rtl-1.0-mul-scorm12.zip" in packages(serial)
    assert packages(spread) == packages(serial)
    assert [w.format() for w in spread.warnings] == [w.format() for w in serial.warnings]


def test_languages_over_processes_stop_at_the_first_that_fails(tmp_path: Path) -> None:
    course = multilingual_project(tmp_path)
    lesson = sorted(course.rglob("*.md"))[0]
    lesson.write_text(
        lesson.read_text(encoding="utf-8") + "\n![A missing figure](none.svg)\n", "utf-8"
    )
    reports = []
    for jobs in (1, 2):
        forget_all_but_cut_fonts()
        with pytest.raises(CourseError) as raised:
            build(
                [course], tmp_path / f"out-{jobs}", ["scorm12"], languages=["en", "ur"], jobs=jobs
            )
        reports.append(str(raised.value))
    assert reports[0] == reports[1]
    assert reports[0].count("error:") == 1  # English, the first language, stops the build


def test_cartridge_articles_are_kept_for_the_next_build(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[bytes] = []
    making = standalone._prepared_html

    def counting(page: bytes, *rest: Any) -> str:
        made.append(page)
        return making(page, *rest)

    monkeypatch.setattr(standalone, "_prepared_html", counting)
    monkeypatch.setattr(standalone, "_PREPARED", {})
    first = build([course], tmp_path / "first", ["imscc11", "imscc13", "moodle"])
    articles = len(made)
    assert articles > 0 and len(set(made)) == articles  # once each, for all three packages
    made.clear()
    standalone._PREPARED.clear()  # as a new process finds it
    build([course], tmp_path / "scorm-only", ["scorm12"])  # leaves the kept articles alone
    forget_the_build_record()
    standalone._PREPARED.clear()
    CHANGES["prose of a lesson"](course)
    warm = build([course], tmp_path / "warm", ["imscc11", "imscc13", "moodle"])
    assert len(made) == 1  # the edited lesson's
    forget_everything()
    standalone._PREPARED.clear()
    cold = build([course], tmp_path / "cold", ["imscc11", "imscc13", "moodle"])
    assert packages(warm) == packages(cold) != packages(first)


@pytest.mark.usefixtures("spread_everything")
def test_work_kept_by_a_parallel_build_serves_a_serial_one(
    medium: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large course's formats are packaged in groups side by side (``--jobs``): what
    each group's worker made (articles for the LMS, page checks) is kept all the same."""
    fresh: list[str] = []
    articles, checking = standalone._prepared_html, validate._fresh_check

    def counted_article(page: bytes, *rest: Any) -> str:
        fresh.append("article")
        return articles(page, *rest)

    def counted_check(files: Any, name: str, data: bytes) -> Any:
        fresh.append(f"check of {name}")
        return checking(files, name, data)

    def as_a_new_process() -> None:
        standalone._PREPARED.clear()
        validate._PAGE_CHECKS.clear()

    forget_everything()
    as_a_new_process()
    spread = build([medium], tmp_path / "spread", ["all"], jobs=2)
    forget_the_build_record()
    as_a_new_process()
    monkeypatch.setattr(standalone, "_prepared_html", counted_article)
    monkeypatch.setattr(validate, "_fresh_check", counted_check)
    serial = build([medium], tmp_path / "serial", ["all"], jobs=1)
    assert fresh == []
    assert packages(serial) == packages(spread)


def test_a_save_while_a_build_reads_the_course_is_never_kept_under_the_new_bytes(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The author saves a lesson while the build reads the course: what the build keeps
    is the lesson as it was, under the bytes it was read from, so the next build reads
    the saved lesson again rather than taking the old one for it."""
    lesson = quiz_free_lesson(course)
    reading = sources._read_lesson

    def saving_meanwhile(
        root: Path, path: Path, module_id: str, data: bytes | None
    ) -> sources._ReadLesson:
        read = reading(root, path, module_id, data)
        if path == lesson:
            edit(lesson, "\n\n", "\n\nSaved while the build was reading.\n\n")
        return read

    forget_everything()
    monkeypatch.setattr(sources, "_read_lesson", saving_meanwhile)
    build([course], tmp_path / "during", ["scorm12"])
    monkeypatch.setattr(sources, "_read_lesson", reading)
    after = build([course], tmp_path / "after", ["scorm12"])
    page = f"content/{lesson.relative_to(course).with_suffix('.html').as_posix()}"
    assert b"Saved while the build was reading." in read_entry(after.packages[0].path, page)
