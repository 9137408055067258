"""Content catalogs: what translators get, and how their work survives source changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import pytest

from builder import i18n
from builder.errors import Location, Reporter
from builder.quizzes import runtime_question
from builder.sources import load_course
from tests.support import ROOTS, copy_root, require_tool


def template_for(course_dir: Path, project_root: Path) -> polib.POFile:
    course = load_course(course_dir, Reporter())
    assert course is not None
    return i18n.template_catalog("minimal", i18n.course_segments(course, project_root), "en")


@pytest.fixture
def template() -> polib.POFile:
    return template_for(ROOTS / "minimal", ROOTS.parent)


def entry(catalog: polib.POFile, msgid: str) -> polib.POEntry:
    found = catalog.find(msgid)
    assert found is not None, msgid
    return found


def test_segments_carry_what_they_are_and_where_they_come_from(template: polib.POFile) -> None:
    paragraph = entry(
        template,
        "Hello **learner**. Read the [next lesson](02-tables.md#a-table) or [the last one](../02-more/01-last.md).",
    )
    assert paragraph.comment == "paragraph"
    assert paragraph.occurrences == [("roots/minimal/01-basics/01-welcome.md", "7")]
    assert entry(template, "A blue square").comment == "image alt text"
    assert entry(template, "Take notes.").comment == "callout"
    assert entry(template, "A table").comment == "heading"
    assert entry(template, "a").comment == "table header (row 1, column 1)"
    assert entry(template, "to do").comment == "list item"
    assert entry(template, "The note.").comment == "footnote"
    assert entry(template, "Find your way around").comment == "learning objective 1"
    assert entry(template, "Minimal course").occurrences == [("roots/minimal/course.yml", "2")]
    assert entry(template, "Bitcoin whitepaper").comment == "further-reading link title"


def test_code_urls_numbers_and_theme_words_are_not_offered(template: polib.POFile) -> None:
    msgids = [e.msgid for e in template]
    assert not any("print(" in m for m in msgids)  # fenced code
    assert not any(m.startswith("![") for m in msgids)  # an image alone offers its alt text only
    assert "1" not in msgids and "2" not in msgids  # numbers-only table cells
    assert "Tip" not in msgids  # the callout's title comes from the theme's catalog
    assert len(msgids) == len(set(msgids))


def test_extracting_unchanged_sources_changes_no_byte(tmp_path: Path) -> None:
    project = tmp_path / "project"
    course_dir = copy_root("minimal", project / "courses")
    course = load_course(course_dir, Reporter())
    assert course is not None
    path, changed = i18n.extract(course, project / "locales")
    assert changed and path == project / "locales" / "templates" / "minimal.pot"
    before = path.read_bytes()
    assert i18n.extract(course, project / "locales") == (path, False)
    assert path.read_bytes() == before
    text = before.decode()
    assert "#: courses/minimal/01-basics/01-welcome.md:7\n" in text
    assert "POT-Creation-Date" not in text  # no date that changes on every run


def test_a_new_catalog_has_cldr_plural_forms(template: polib.POFile) -> None:
    catalog = i18n.new_catalog(template, "ur")
    assert catalog.metadata["Language"] == "ur"
    assert (
        catalog.metadata["Plural-Forms"]
        == "nplurals=2; plural=((((n == 1)) && ((0 == 0))) ? 0 : 1);"
    )
    assert i18n.catalog_stats(catalog) == i18n.CatalogStats(0, 0, len(template))


def translated(template: polib.POFile) -> polib.POFile:
    catalog = i18n.new_catalog(template, "ur")
    for item in catalog:
        item.msgstr = f"ur:{item.msgid}"
    entry(catalog, "Take notes.").tcomment = "keep it short"
    return catalog


def test_update_keeps_marks_fuzzy_and_obsoletes(template: polib.POFile) -> None:
    catalog = translated(template)
    edited = polib.POFile(wrapwidth=0)
    edited.metadata = dict(template.metadata)
    for item in template:
        if item.msgid == "The note.":
            continue  # deleted from the source
        text = item.msgid.replace("Take notes.", "Take careful notes.")
        edited.append(
            polib.POEntry(msgid=text, msgstr="", comment=item.comment, occurrences=item.occurrences)
        )
    edited.append(polib.POEntry(msgid="A brand new paragraph about consensus.", msgstr=""))

    updated, result = i18n.update_catalog(catalog, edited)
    assert (result.fuzzy, result.new, result.obsolete) == (1, 1, 1)
    changed = entry(updated, "Take careful notes.")
    assert changed.flags == ["fuzzy"]
    assert changed.previous_msgid == "Take notes."
    assert changed.msgstr == "ur:Take notes."
    assert changed.tcomment == "keep it short"
    assert entry(updated, "A brand new paragraph about consensus.").msgstr == ""
    gone = [item for item in updated if item.obsolete]
    assert [item.msgid for item in gone] == ["The note."]
    assert entry(updated, "A table").msgstr == "ur:A table"
    assert i18n.catalog_stats(updated).fuzzy == 1
    # A fuzzy translation is never used in a build.
    assert "Take careful notes." not in i18n.translations(updated)


def test_previous_msgid_survives_read_update_write(template: polib.POFile, tmp_path: Path) -> None:
    catalog = translated(template)
    edited = polib.POFile(wrapwidth=0)
    edited.metadata = dict(template.metadata)
    for item in template:
        edited.append(
            polib.POEntry(msgid=item.msgid.replace("Take notes.", "Take good notes."), msgstr="")
        )
    first, _ = i18n.update_catalog(catalog, edited)
    path = tmp_path / "ur.po"
    path.write_text(i18n.render_catalog(first), encoding="utf-8")
    assert '#| msgid "Take notes."\nmsgid "Take good notes."' in path.read_text(encoding="utf-8")
    again, result = i18n.update_catalog(i18n.load_catalog(path), edited)
    assert result.kept == len(edited)
    assert i18n.render_catalog(again) == path.read_text(encoding="utf-8")


def test_catalogs_are_not_wrapped(template: polib.POFile) -> None:
    long = "word " * 60
    template.append(polib.POEntry(msgid=long.strip(), msgstr=""))
    text = i18n.render_catalog(template)
    assert f'msgid "{long.strip()}"' in text


CHECK_CASES = {
    "changed link": ("See [the lesson](a.md).", "دیکھیں [سبق](b.md)۔", "links"),
    "lost code": ("Run `git log` now.", "ابھی git log چلائیں۔", "code"),
    "lost emphasis": ("A **key** idea.", "ایک اہم خیال۔", "emphasis"),
    "changed image": ("![x](a.svg) text", "![x](b.svg) متن", "images"),
}


@pytest.mark.parametrize("case", sorted(CHECK_CASES))
def test_check_reports_markup_that_differs(case: str, tmp_path: Path) -> None:
    source, translation, kind = CHECK_CASES[case]
    catalog = i18n.new_catalog(polib.POFile(), "ur")
    catalog.append(polib.POEntry(msgid="Fine.", msgstr="ٹھیک۔"))
    catalog.append(polib.POEntry(msgid=source, msgstr=translation))
    path = tmp_path / "ur.po"
    path.write_text(i18n.render_catalog(catalog), encoding="utf-8")
    reporter = Reporter()
    i18n.check_catalog(path, reporter)
    messages = [d.format() for d in reporter.diagnostics]
    assert len(messages) == 1, messages
    line = path.read_text(encoding="utf-8").splitlines().index(f'msgid "{source}"') + 1
    assert messages[0].startswith(
        f"{path.as_posix()}:{line}: error: the translation's {kind} differ from the source"
    )


def test_check_refuses_html_from_translators(tmp_path: Path) -> None:
    catalog = i18n.new_catalog(polib.POFile(), "ur")
    catalog.append(polib.POEntry(msgid="Hello.", msgstr='<img src=x onerror="alert(1)">سلام'))
    path = tmp_path / "ur.po"
    path.write_text(i18n.render_catalog(catalog), encoding="utf-8")
    reporter = Reporter()
    i18n.check_catalog(path, reporter)
    assert [d.message for d in reporter.diagnostics] == [
        "the translation contains HTML, which is shown as plain text, never as markup"
    ]


HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


def test_check_runs_msgfmt(tmp_path: Path) -> None:
    require_tool("msgfmt", install="bash scripts/setup.sh --test installs GNU gettext")
    path = tmp_path / "broken.po"
    # Only GNU msgfmt minds a translation that starts a line its source does not.
    path.write_text(HEADER + 'msgid "one"\nmsgstr "\\nایک"\n', encoding="utf-8")
    reporter = Reporter()
    assert i18n.check_catalog(path, reporter) is None
    assert [(d.message.startswith("msgfmt: "), d.location) for d in reporter.diagnostics] == [
        (True, Location(path, 6))
    ]


def test_msgfmt_runs_only_once_our_own_checks_pass(tmp_path: Path) -> None:
    """Both would report the same slip; a translator sees it once."""
    path = tmp_path / "twice.po"
    path.write_text(
        HEADER + 'msgid "one"\nmsgstr "ایک"\n\nmsgid "one"\nmsgstr "دوبارہ"\n', encoding="utf-8"
    )
    reporter = Reporter()
    assert i18n.check_catalog(path, reporter) is None
    assert [d.format() for d in reporter.diagnostics] == [
        f"{path.as_posix()}:8: error: this message is defined twice (first at line 5)\n"
        "  hint: keep one of the two entries; gettext refuses a catalog with both"
    ]


def test_a_missing_msgfmt_fails_only_the_check_that_requires_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    path = tmp_path / "ur.po"
    path.write_text(HEADER + 'msgid "one"\nmsgstr "ایک"\n', encoding="utf-8")
    for msgfmt in (i18n.Msgfmt.WHEN_INSTALLED, i18n.Msgfmt.NEVER):
        assert i18n.check_catalog(path, Reporter(), msgfmt) is not None
    reporter = Reporter()
    assert i18n.check_catalog(path, reporter) is None
    assert [d.message for d in reporter.diagnostics] == [
        "GNU msgfmt is not installed, so the catalog's syntax cannot be checked"
    ]


def test_fuzzy_translations_are_not_checked(tmp_path: Path) -> None:
    """No build uses them, and a source edit must not turn an old translation into an error."""
    catalog = i18n.new_catalog(polib.POFile(), "ur")
    catalog.append(
        polib.POEntry(msgid="See [a](b.md).", msgstr="[a](c.md) <b>", flags=[i18n.FUZZY])
    )
    path = tmp_path / "ur.po"
    path.write_text(i18n.render_catalog(catalog), encoding="utf-8")
    reporter = Reporter()
    assert i18n.check_catalog(path, reporter, i18n.Msgfmt.NEVER) is not None
    assert reporter.diagnostics == []


def test_course_text_may_hold_a_percent_sign_but_theme_text_must_write_two(tmp_path: Path) -> None:
    catalog = i18n.new_catalog(polib.POFile(), "ur")
    catalog.append(polib.POEntry(msgid="Half of it", msgstr="اس کا 50%"))
    course, theme = tmp_path / "course.po", tmp_path / f"{i18n.UI_DOMAIN}.po"
    for path in (course, theme):
        path.write_text(i18n.render_catalog(catalog), encoding="utf-8")
    assert i18n.check_catalog(course, Reporter(), i18n.Msgfmt.NEVER) is not None
    reporter = Reporter()
    assert i18n.check_catalog(theme, reporter, i18n.Msgfmt.NEVER) is None
    assert [d.message for d in reporter.diagnostics] == [
        "the translation has a '%' that starts no placeholder: 'اس کا 50%'"
    ]


def test_a_plural_form_may_leave_out_the_number_but_add_nothing(tmp_path: Path) -> None:
    catalog = i18n.new_catalog(polib.POFile(), "ur")
    entry = polib.POEntry(msgid="%(count)s question", msgid_plural="%(count)s questions")
    entry.flags.append("python-format")
    entry.msgstr_plural = {0: "ایک سوال", 1: "%(count)s سوالات"}
    catalog.append(entry)
    path = tmp_path / f"{i18n.UI_DOMAIN}.po"
    path.write_text(i18n.render_catalog(catalog), encoding="utf-8")
    assert i18n.check_catalog(path, Reporter(), i18n.Msgfmt.NEVER) is not None
    entry.msgstr_plural = {0: "ایک سوال", 1: "%(count)s سوالات %(extra)s"}
    path.write_text(i18n.render_catalog(catalog), encoding="utf-8")
    reporter = Reporter()
    assert i18n.check_catalog(path, reporter, i18n.Msgfmt.NEVER) is None
    assert [d.message for d in reporter.diagnostics] == [
        "msgstr[1] has placeholders the source does not have: '%(extra)s'"
    ]


def test_exports_get_translated_quizzes() -> None:
    course = load_course(ROOTS / "certification", Reporter())
    assert course is not None
    messages = {
        "Which function does Bitcoin use for block hashes?": "بٹ کوائن بلاک ہیش کے لیے کون سا فنکشن استعمال کرتا ہے؟",
        "Module quiz": "ماڈیول کوئز",
    }
    localised = i18n.localise_course(course, messages)
    quiz = next(q for q in localised.quizzes if q.id == "module-quiz")
    assert quiz.title == "ماڈیول کوئز"
    assert (
        quiz.questions[0].prompt.source
        == messages["Which function does Bitcoin use for block hashes?"]
    )
    assert quiz.questions[0].choices[1].text.source == "SHA-256"  # untranslated text stays
    assert [q.id for q in quiz.questions] == ["mq-hash", "mq-consensus", "mq-unit"]


def test_a_translator_adds_accepted_answers_and_the_authors_stay() -> None:
    """A learner of the Urdu course may type the Urdu word or the English one."""
    course = load_course(ROOTS / "certification", Reporter())
    assert course is not None
    (offered,) = [
        segment
        for segment in i18n.course_segments(course, ROOTS.parent.parent)
        if segment.what.startswith("accepted answers of question 'mq-unit'")
    ]
    assert offered.text == "satoshi\nsat"
    localised = i18n.localise_course(course, {offered.text: "ساتوشی\n sat \nسیٹ\n"})
    quiz = next(q for q in localised.quizzes if q.id == "module-quiz")
    unit = next(q for q in quiz.questions if q.id == "mq-unit")
    assert unit.answers == ("satoshi", "sat", "ساتوشی", "سیٹ")
    assert runtime_question(unit)["answers"] == sorted({"satoshi", "sat", "ساتوشی", "سیٹ"})
