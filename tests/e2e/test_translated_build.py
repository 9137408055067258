"""A course built in Urdu from translators' catalogs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import polib
import pytest

from builder import buildcache, i18n
from builder.build import build
from builder.errors import CourseError
from builder.preview import PreviewState
from tests.partly_translated import partly_translated_lesson
from tests.support import copy_root, read_entry, sabaq, schema_problems

URDU = {
    "Minimal course": "مختصر کورس",
    "Welcome": "خوش آمدید",
    "Find your way around": "راستہ تلاش کریں",
    "Hello **learner**. Read the [next lesson](02-tables.md#a-table) or [the last one](../02-more/01-last.md).": (
        "سلام **طالب علم**۔ [اگلا سبق](02-tables.md#a-table) یا [آخری سبق](../02-more/01-last.md) پڑھیں۔"
    ),
    "A blue square": "ایک نیلا مربع",
    "Take notes.": "نوٹس لیں۔",
    "The basics": "بنیادی باتیں",
    "Tables and lists": "جدولیں اور فہرستیں",
    "A table": "ایک جدول",
    "done": "مکمل",
    "to do": "باقی",
    "A footnote[^1].": "ایک حاشیہ[^1]۔",
    "The note.": "حاشیہ۔",
    "More": "مزید",
    "The rest of it.": "باقی حصہ۔",
    "The last lesson": "آخری سبق",
    # The source's own tag, kept: allowed by the checks, and text on the page like the source.
    # (Hostile translations are refused by the build: tests/hostile/test_catalogs.py.)
    "That is all. <script>alert(1)</script>": "بس۔ <script>alert(1)</script>",
}
UI = {"Next": "اگلا", "Previous": "پچھلا", "Course outline": "کورس کا خاکہ"}


def fill(path: Path, translations: dict[str, str]) -> None:
    catalog = polib.pofile(str(path), wrapwidth=0)
    for entry in catalog:
        if entry.msgid in translations:
            entry.msgstr = translations[entry.msgid]
    path.write_text(str(catalog), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    copy_root("minimal", tmp_path / "courses")
    assert sabaq("i18n", "init", "ur").exit_code == 0
    fill(tmp_path / "locales/ur/LC_MESSAGES/minimal.po", URDU)
    fill(tmp_path / "locales/ur/LC_MESSAGES/sabaq.po", UI)
    return tmp_path


def test_urdu_build_is_right_to_left_translated_and_safe(project: Path) -> None:
    course_yml = project / "courses/minimal/course.yml"
    course_yml.write_text(
        course_yml.read_text(encoding="utf-8") + "min_translation: 70\n", encoding="utf-8"
    )
    result = sabaq("build", "--lang", "ur", "-q")
    assert result.exit_code == 0, result.output
    package = project / "dist" / "minimal-1.0-ur-scorm12.zip"
    assert schema_problems(package) == []
    page = read_entry(package, "content/01-basics/01-welcome.html").decode()
    assert '<html lang="ur" dir="rtl">' in page
    assert '<h1 dir="auto">خوش آمدید</h1>' in page
    assert (
        "<strong>طالب علم</strong>" in page and 'href="02-tables.html#a-table">اگلا سبق</a>' in page
    )
    assert 'alt="ایک نیلا مربع"' in page
    assert ">اگلا</span>" in page and "کورس کا خاکہ" in page  # the theme speaks Urdu too
    # Untranslated text keeps its own language and direction.
    assert '<p lang="en" dir="ltr">Visit <a href="https://example.org/"' in page
    last = read_entry(package, "content/02-more/01-last.html").decode()
    assert "<script>alert" not in last
    assert 'بس۔ &lt;<bdi dir="ltr">script</bdi>&gt;' in last
    manifest = read_entry(package, "imsmanifest.xml").decode()
    assert "<title>مختصر کورس</title>" in manifest
    # A translated footnote reference is the one its note links back to.
    tables = read_entry(package, "content/01-basics/02-tables.html").decode()
    assert 'ایک حاشیہ<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>' in tables
    assert '<a href="#fnref1" class="footnote-backref">' in tables


def test_untranslated_quiz_text_keeps_its_language_and_reads_whole(tmp_path: Path) -> None:
    lesson = partly_translated_lesson(tmp_path)
    page = lesson.read_text(encoding="utf-8")
    english = 'lang="en" dir="ltr"'
    assert (
        f'<p {english}>Which flag of <code dir="ltr">gcc</code> prints the version, e.g. for C++?</p>'
        in page
    )
    assert f'<span class="choice-text"><span {english}>The --help flag</span></span>' in page
    assert f"<p {english}>That flag lists the options.</p>" in page
    assert f"<p {english}>Look in /etc/hosts first.</p>" in page
    assert f'<span class="ordering-text"><span {english}>Run gcc --version</span></span>' in page
    # Translated pieces stay in the page's flow, their Latin isolated.
    assert '<span class="ordering-text">ٹرمینل کھولیں</span>' in page
    new_questions = re.findall(r'<form [^>]*data-question="(?:flag|steps)".*?</form>', page, re.S)
    assert len(new_questions) == 2
    bdi = re.findall(r"<bdi[^>]*>[^<]*</bdi>", "".join(new_questions))
    assert bdi == ['<bdi dir="ltr">--version</bdi>']
    # Drawn in the Latin fonts, not in the Nastaliq stack the page inherits.
    website = lesson.parents[2]
    stylesheet = (website / "_sabaq" / "sabaq.css").read_text(encoding="utf-8")
    assert '[dir="rtl"] [lang][dir="ltr"] { font-family: var(--font-latin); }' in stylesheet


def test_languages_without_enough_translation_are_skipped_with_a_warning(project: Path) -> None:
    course_yml = project / "courses/minimal/course.yml"
    course_yml.write_text(
        course_yml.read_text(encoding="utf-8") + "languages: [en, ur, sd]\nmin_translation: 100\n",
        encoding="utf-8",
    )
    result = sabaq("build")
    assert result.exit_code == 0
    assert [p.name for p in sorted((project / "dist").iterdir())] == ["minimal-1.0-en-scorm12.zip"]
    assert (
        "warning: 'sd' is not built: there is no catalog locales/sd/LC_MESSAGES/minimal.po"
        in result.stderr
    )
    assert "hint: run: sabaq i18n init sd" in result.stderr
    assert (
        "locales/ur/LC_MESSAGES/minimal.po: warning: 'ur' is not built: 74% of the course is translated, below min_translation (100%)"
        in result.stderr
    )


def test_a_broken_catalog_is_a_located_error(project: Path) -> None:
    catalog = project / "locales/ur/LC_MESSAGES/minimal.po"
    catalog.write_text(
        catalog.read_text(encoding="utf-8") + "\nthis is not gettext\n", encoding="utf-8"
    )
    line = len(catalog.read_text(encoding="utf-8").splitlines())
    result = sabaq("build", "--lang", "ur", "-q")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"locales/ur/LC_MESSAGES/minimal.po:{line}: error: cannot read the catalog: syntax error\n"
        "  hint: fix the file in Poedit or a text editor; 'sabaq i18n check' shows every problem\n"
    )
    assert "Traceback" not in result.output
    assert not (project / "dist").exists()


def test_a_build_whose_every_language_is_below_min_translation_fails(project: Path) -> None:
    result = sabaq("build", "--lang", "ur", "-q")
    assert result.exit_code == 1
    assert result.stderr == (
        "courses/minimal/course.yml:1: error: no package was built: 'ur' is not built: 74% of "
        "the course is translated, below min_translation (80%)\n"
        "  hint: build 'en', the language the course is written in (--lang en), or translate at "
        "least min_translation (80%) of the course (sabaq i18n init, sabaq i18n stats)\n"
        "build failed: 1 error(s); nothing was written\n"
    )
    assert not (project / "dist").exists()


def test_preview_shows_a_language_below_min_translation_partly_translated(project: Path) -> None:
    """A translator previews the catalog while it is written, long before it is complete."""
    state = PreviewState(Path("courses/minimal"), "ur", None, project / "preview")
    state.rebuild()
    assert state.package_dir is not None
    page = (state.package_dir / "content/01-basics/01-welcome.html").read_text(encoding="utf-8")
    assert '<html lang="ur" dir="rtl">' in page and '<h1 dir="auto">خوش آمدید</h1>' in page
    assert '<p lang="en" dir="ltr">Visit <a href="https://example.org/"' in page
    assert (
        "locales/ur/LC_MESSAGES/minimal.po: warning: 'ur' is shown partly translated: 74% of the "
        "course is translated, below min_translation (80%); untranslated text is in 'en', and "
        "'sabaq build' skips this language\n"
        "  hint: translate more of the catalog, or lower min_translation in course.yml"
    ) in state.errors


def test_a_catalog_that_passed_is_checked_again_only_once_it_changes(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    checking = i18n._check_entries

    def counting(path: Path, *rest: Any) -> None:
        checked.append(path.name)
        checking(path, *rest)

    monkeypatch.setattr(i18n, "_check_entries", counting)
    course, catalog = Path("courses/minimal"), project / "locales/ur/LC_MESSAGES/minimal.po"
    with (course / "course.yml").open("a", encoding="utf-8") as config:
        config.write("min_translation: 70\n")

    def build_urdu(out: str) -> dict[str, bytes]:
        shutil.rmtree(buildcache.cache_dir(), ignore_errors=True)  # not "up to date"
        built = build([course], project / out, ["scorm12"], languages=["ur"])
        return {p.path.name: p.path.read_bytes() for p in built.packages}

    first = build_urdu("first")
    assert sorted(checked) == ["minimal.po", "sabaq.po"]
    checked.clear()
    assert build_urdu("again") == first and checked == []
    fill(catalog, {"Welcome": "<b>خوش آمدید</b>"})  # HTML the source does not have
    with pytest.raises(CourseError) as raised:
        build_urdu("broken")
    assert checked == ["minimal.po"]
    assert "minimal.po:" in str(raised.value) and "HTML" in str(raised.value)
