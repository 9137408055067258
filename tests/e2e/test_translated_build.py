"""A course built in Urdu from translators' catalogs."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from click.testing import CliRunner, Result

from builder.cli import main
from tests.support import copy_root, read_entry, schema_problems

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
    # A hostile translator: markup and script must never reach the package.
    "That is all. <script>alert(1)</script>": '<img src=x onerror="alert(1)"> [بس](javascript:alert(2))',
}
UI = {"Next": "اگلا", "Previous": "پچھلا", "Course outline": "کورس کا خاکہ"}


def sabaq(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


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
    assert "<h1>خوش آمدید</h1>" in page
    assert (
        "<strong>طالب علم</strong>" in page and 'href="02-tables.html#a-table">اگلا سبق</a>' in page
    )
    assert 'alt="ایک نیلا مربع"' in page
    assert ">اگلا</span>" in page and "کورس کا خاکہ" in page  # the theme speaks Urdu too
    # Untranslated text keeps its own language and direction.
    assert '<p lang="en" dir="ltr">Visit <a href="https://example.org/"' in page
    last = read_entry(package, "content/02-more/01-last.html").decode()
    assert "<img src=x" not in last and 'href="javascript' not in last
    assert (
        '&lt;<bdi dir="ltr">img src=x onerror</bdi>=&quot;<bdi dir="ltr">alert</bdi>(1)&quot;&gt;'
        in last
    )
    manifest = read_entry(package, "imsmanifest.xml").decode()
    assert "<title>مختصر کورس</title>" in manifest


def test_languages_without_enough_translation_are_skipped_with_a_warning(project: Path) -> None:
    course_yml = project / "courses/minimal/course.yml"
    course_yml.write_text(
        course_yml.read_text(encoding="utf-8") + "languages: [en, ur, sd]\nmin_translation: 100\n",
        encoding="utf-8",
    )
    result = sabaq("build", "-q")
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
